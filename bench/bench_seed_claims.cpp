// The seed's claims, measured on the machine at hand (issue 19): GEMM 32…256 "4.5–9× over a naive loop",
// LSTM "6×", DNC memory "5×", "sub-100 ns inference", "100+ NPCs at 60 FPS". Each row times a plain C++
// loop (the naive baseline, built with the project's flags), njc -O0 and njc -O3, interleaved: every round
// times each variant once (median of many calls), and the table shows the median over the rounds.
//
//   build/bench/bench_seed_claims [--rounds N]
//
// Peers are not linked here (their ISA flags must not reach njc's code): docs/performance.md has them from
// scripts/bench_table.py, and the NPC row from examples/npc_swarm.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_model_text.h"

namespace {

using njc::bench::compile;
using njc::runtime::ModelInstance;
using Clock = std::chrono::steady_clock;

// ns per call of f: calls batched to at least ~2 ms, the median of 5 such batches.
double ns_per_call(const std::function<void()>& f) {
  size_t calls = 1;
  for (;;) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < calls; ++i) f();
    double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    if (ns > 2e6) break;
    calls *= 2;
  }
  std::vector<double> v;
  for (int r = 0; r < 5; ++r) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < calls; ++i) f();
    v.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() /
                static_cast<double>(calls));
  }
  std::sort(v.begin(), v.end());
  return v[2];
}

struct Row {
  std::string what;
  std::function<void()> naive;  // empty: no naive loop for this row
  std::function<void()> o0, o3;
  std::vector<double> naive_ns, o0_ns, o3_ns;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

// y = x Wᵀ, n × n × n, the textbook loop.
void naive_dense(const float* x, const float* w, float* y, int n) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      float s = 0;
      for (int k = 0; k < n; ++k) s += x[i * n + k] * w[j * n + k];
      y[i * n + j] = s;
    }
}

float sigmoid(float v) {
  return 1.0f / (1.0f + std::exp(-v));
}

// One LSTM step (input I, hidden H, ONNX gate order i, o, f, c), the textbook loops.
void naive_lstm(const float* x, const float* W, const float* R, const float* B, float* h, float* c, int I,
                int H, float* gates) {
  for (int r = 0; r < 4 * H; ++r) {
    float s = B[r] + B[4 * H + r];
    for (int k = 0; k < I; ++k) s += W[r * I + k] * x[k];
    for (int k = 0; k < H; ++k) s += R[r * H + k] * h[k];
    gates[r] = s;
  }
  for (int j = 0; j < H; ++j) {
    float i = sigmoid(gates[j]), o = sigmoid(gates[H + j]), f = sigmoid(gates[2 * H + j]);
    float cand = std::tanh(gates[3 * H + j]);
    c[j] = f * c[j] + i * cand;
    h[j] = o * std::tanh(c[j]);
  }
}

struct Instances {
  ModelInstance o0, o3;
  Instances(const std::string& json) : o0(compile(json, 0)), o3(compile(json, 3)) {}
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc == 3 && std::strcmp(argv[1], "--rounds") == 0 ? std::atoi(argv[2]) : 5;
  std::vector<Row> rows;
  std::vector<std::unique_ptr<Instances>> keep;
  std::vector<std::vector<float>> buffers;
  for (int n : {32, 64, 128, 256}) {
    keep.push_back(std::make_unique<Instances>(njc::bench::gemm_model(n)));
    Instances& in = *keep.back();
    buffers.push_back(std::vector<float>(3 * n * n, 0.01f));
    float* b = buffers.back().data();
    rows.push_back({"GEMM " + std::to_string(n) + "³ (dense, constant weights)",
                    [b, n] { naive_dense(b, b + n * n, b + 2 * n * n, n); },
                    [&in] { in.o0.run(); },
                    [&in] { in.o3.run(); },
                    {},
                    {},
                    {}});
  }
  {
    keep.push_back(std::make_unique<Instances>(njc::bench::lstm_model(128)));
    Instances& in = *keep.back();
    const int I = 64, H = 128;
    buffers.push_back(std::vector<float>(4 * H * I + 4 * H * H + 8 * H + I + 2 * H + 4 * H, 0.01f));
    float* b = buffers.back().data();
    rows.push_back({"LSTM step 64→128, batch 1",
                    [b] {
                      float *W = b, *R = W + 4 * H * I, *B = R + 4 * H * H, *x = B + 8 * H, *h = x + I,
                            *c = h + H;
                      naive_lstm(x, W, R, B, h, c, I, H, c + H);
                    },
                    [&in] { in.o0.run(); },
                    [&in] { in.o3.run(); },
                    {},
                    {},
                    {}});
  }
  {
    auto g = njc::read_model_file(NJC_BENCH_EXAMPLES "/dnc_memory.json");
    if (!g) return std::fprintf(stderr, "%s\n", g.error().message.c_str()), 1;
    auto model_at = [&](int level) {
      njc::runtime::ModelOptions o;
      o.opt_level = level;
      return *njc::runtime::CompiledModel::compile(*g, o);
    };
    auto o0 = std::make_shared<ModelInstance>(model_at(0)), o3 = std::make_shared<ModelInstance>(model_at(3));
    rows.push_back({"DNC memory write + 2 reads (examples/dnc_memory)",
                    {},
                    [o0] { o0->run(); },
                    [o3] { o3->run(); },
                    {},
                    {},
                    {}});
  }
  {
    keep.push_back(std::make_unique<Instances>(njc::bench::mlp_model(1)));
    Instances& in = *keep.back();
    rows.push_back(
        {"MLP 32→64→64→8, batch 1", {}, [&in] { in.o0.run(); }, [&in] { in.o3.run(); }, {}, {}, {}});
  }
  for (int r = 0; r < rounds; ++r)
    for (Row& row : rows) {
      if (row.naive) row.naive_ns.push_back(ns_per_call(row.naive));
      row.o0_ns.push_back(ns_per_call(row.o0));
      row.o3_ns.push_back(ns_per_call(row.o3));
    }
  std::printf("| workload | naive loop ns | njc -O0 ns | njc -O3 ns | -O3 vs naive | -O3 vs -O0 |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const Row& row : rows) {
    double naive = median(row.naive_ns), o0 = median(row.o0_ns), o3 = median(row.o3_ns);
    char vs_naive[32] = "–";
    if (row.naive) std::snprintf(vs_naive, sizeof vs_naive, "%.1f×", naive / o3);
    std::printf("| %s | %s | %.0f | %.0f | %s | %.1f× |\n", row.what.c_str(),
                row.naive ? std::to_string(static_cast<long>(naive)).c_str() : "–", o0, o3, vs_naive,
                o0 / o3);
  }
  std::printf("(%d interleaved rounds, medians; ns per call)\n", rounds);
  return 0;
}
