// RTNeural's benchmark nets, shared by njc's benchmark and the peers' (header-only, no njc dependency):
// input 1 → LSTM or GRU with H units → Dense(1), one sample per call. Weights come from a seeded
// generator, so every program builds the same net; a plain scalar reference step checks each
// implementation before it is timed.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace njc_bench {

enum class Cell { kLstm, kGru };

inline int gates(Cell c) { return c == Cell::kLstm ? 4 : 3; }
inline const char* cell_name(Cell c) { return c == Cell::kLstm ? "Lstm" : "Gru"; }

// One net's weights in njc's (ONNX) layout: W [G·H, 1], R [G·H, H], B [2·G·H] (input then recurrent
// bias), dense w2 [1, H], b2. Gate order: LSTM i, o, f, c; GRU z, r, h with linear_before_reset = 1
// (as PyTorch and RTNeural compute it).
struct Net {
  Cell cell;
  int hidden;
  std::vector<float> W, R, B, w2;
  float b2 = 0;
};

// Weights uniform in ±1/√H. Without biases (the "quiet" nets) a zero input is a fixed point at zero.
inline Net make_net(Cell cell, int hidden, bool with_bias) {
  Net n{cell, hidden, {}, {}, {}, {}};
  uint32_t s = 12345u + static_cast<uint32_t>(hidden) * 7u + (cell == Cell::kGru ? 1u : 0u);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hidden));
  auto next = [&] {
    s = s * 1664525u + 1013904223u;
    return scale * (static_cast<float>(s >> 8) / 8388608.0f - 1.0f);
  };
  const size_t gh = static_cast<size_t>(gates(cell) * hidden);
  for (size_t i = 0; i < gh; ++i) n.W.push_back(next());
  for (size_t i = 0; i < gh * static_cast<size_t>(hidden); ++i) n.R.push_back(next());
  for (size_t i = 0; i < 2 * gh; ++i) n.B.push_back(with_bias ? next() : 0.0f);
  for (int i = 0; i < hidden; ++i) n.w2.push_back(next());
  n.b2 = with_bias ? next() : 0.0f;
  return n;
}

// The input of call t. Busy: a sine of amplitude 0.5. Quiet: a subnormal signal (~1e-39) that keeps a
// bias-free state near 1e-40, as a plugin's state decays between notes.
inline float input_sample(bool quiet, int64_t t) {
  const float s = static_cast<float>(std::sin(0.05 * static_cast<double>(t % 1024)));
  return quiet ? 1e-39f * (1.5f + s) : 0.5f * s;
}

// The reference: one step in double precision, straight from the ONNX definitions.
class ReferenceNet {
 public:
  explicit ReferenceNet(const Net& n)
      : n_(n), h_(static_cast<size_t>(n.hidden), 0.0), c_(static_cast<size_t>(n.hidden), 0.0) {}

  float step(float x) {
    const size_t H = static_cast<size_t>(n_.hidden), G = static_cast<size_t>(gates(n_.cell));
    std::vector<double> wx(G * H), rh(G * H);
    for (size_t g = 0; g < G * H; ++g) {
      wx[g] = static_cast<double>(n_.W[g]) * x + n_.B[g];
      rh[g] = n_.B[G * H + g];
      for (size_t k = 0; k < H; ++k) rh[g] += static_cast<double>(n_.R[g * H + k]) * h_[k];
    }
    auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    for (size_t u = 0; u < H; ++u) {
      if (n_.cell == Cell::kLstm) {
        const double i = sigmoid(wx[u] + rh[u]), o = sigmoid(wx[H + u] + rh[H + u]);
        const double f = sigmoid(wx[2 * H + u] + rh[2 * H + u]), g = std::tanh(wx[3 * H + u] + rh[3 * H + u]);
        c_[u] = f * c_[u] + i * g;
        h_[u] = o * std::tanh(c_[u]);
      } else {
        const double z = sigmoid(wx[u] + rh[u]), r = sigmoid(wx[H + u] + rh[H + u]);
        const double nn = std::tanh(wx[2 * H + u] + r * rh[2 * H + u]);
        h_[u] = (1 - z) * nn + z * h_[u];
      }
    }
    double y = n_.b2;
    for (size_t u = 0; u < H; ++u) y += static_cast<double>(n_.w2[u]) * h_[u];
    return static_cast<float>(y);
  }

 private:
  Net n_;
  std::vector<double> h_, c_;
};

// Runs `step` and the reference over 64 busy calls; false (with a message) if they differ.
template <class Step>
bool agrees_with_reference(const Net& n, const char* who, Step&& step) {
  ReferenceNet ref(n);
  for (int64_t t = 0; t < 64; ++t) {
    const float x = input_sample(false, t);
    const float got = step(x), want = ref.step(x);
    if (!(std::fabs(got - want) <= 1e-4f * (1.0f + std::fabs(want)))) {
      std::fprintf(stderr, "%s %s H=%d: call %lld gives %g, the reference %g\n", who, cell_name(n.cell), n.hidden,
                   static_cast<long long>(t), static_cast<double>(got), static_cast<double>(want));
      return false;
    }
  }
  return true;
}

inline constexpr int kHiddenSizes[] = {8, 16, 32, 64, 128};
inline constexpr int kQuietHidden = 32;  // the size the subnormal rows run at
inline constexpr int kSettleCalls = 2000;  // calls before timing: the quiet state reaches its regime

}  // namespace njc_bench
