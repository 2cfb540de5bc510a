// The peer of bench_recurrent: the same nets (recurrent_nets.h) on fixed-size Eigen vectors, as
// RTNeural's Eigen backend computes them: one matrix-vector product per weight matrix, then Eigen's
// vectorized exp and tanh as array expressions. Built with AVX2 + FMA, as a plugin built for today's CPUs
// is; on a CPU without them the program says so and runs nothing. Row names match bench_recurrent's with
// "eigen" for "njc".
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench/recurrent_nets.h"

#define EIGEN_STACK_ALLOCATION_LIMIT 0  // the H = 128 matrices are members of heap objects
#include <Eigen/Dense>

namespace {

using namespace njc_bench;

template <int N>
Eigen::Matrix<float, N, 1> sigmoid(const Eigen::Matrix<float, N, 1>& v) {
  return (1.0f + (-v).array().exp()).inverse().matrix();
}

template <int H>
struct EigenLstm {
  using Vec = Eigen::Matrix<float, H, 1>;
  Eigen::Matrix<float, 4 * H, 1> w, b;
  Eigen::Matrix<float, 4 * H, H> r;
  Vec w2, h = Vec::Zero(), c = Vec::Zero();
  float b2;

  explicit EigenLstm(const Net& n) : b2(n.b2) {
    for (int g = 0; g < 4 * H; ++g) {
      w(g) = n.W[static_cast<size_t>(g)];
      b(g) = n.B[static_cast<size_t>(g)] + n.B[static_cast<size_t>(4 * H + g)];
      for (int k = 0; k < H; ++k) r(g, k) = n.R[static_cast<size_t>(g * H + k)];
    }
    for (int k = 0; k < H; ++k) w2(k) = n.w2[static_cast<size_t>(k)];
  }
  float step(float x) {
    const Eigen::Matrix<float, 4 * H, 1> z = w * x + r * h + b;
    const Vec i = sigmoid<H>(z.template segment<H>(0)), o = sigmoid<H>(z.template segment<H>(H));
    const Vec f = sigmoid<H>(z.template segment<H>(2 * H));
    const Vec g = z.template segment<H>(3 * H).array().tanh().matrix();
    c = f.cwiseProduct(c) + i.cwiseProduct(g);
    h = o.cwiseProduct(c.array().tanh().matrix());
    return w2.dot(h) + b2;
  }
};

template <int H>
struct EigenGru {
  using Vec = Eigen::Matrix<float, H, 1>;
  Eigen::Matrix<float, 3 * H, 1> w, bw, br;
  Eigen::Matrix<float, 3 * H, H> r;
  Vec w2, h = Vec::Zero();
  float b2;

  explicit EigenGru(const Net& n) : b2(n.b2) {
    for (int g = 0; g < 3 * H; ++g) {
      w(g) = n.W[static_cast<size_t>(g)];
      bw(g) = n.B[static_cast<size_t>(g)];
      br(g) = n.B[static_cast<size_t>(3 * H + g)];
      for (int k = 0; k < H; ++k) r(g, k) = n.R[static_cast<size_t>(g * H + k)];
    }
    for (int k = 0; k < H; ++k) w2(k) = n.w2[static_cast<size_t>(k)];
  }
  float step(float x) {
    const Eigen::Matrix<float, 3 * H, 1> zx = w * x + bw, zh = r * h + br;
    const Vec z = sigmoid<H>(zx.template segment<H>(0) + zh.template segment<H>(0));
    const Vec rr = sigmoid<H>(zx.template segment<H>(H) + zh.template segment<H>(H));
    const Vec n =
        (zx.template segment<H>(2 * H) + rr.cwiseProduct(zh.template segment<H>(2 * H))).array().tanh().matrix();
    h = (Vec::Ones() - z).cwiseProduct(n) + z.cwiseProduct(h);
    return w2.dot(h) + b2;
  }
};

template <class Model>
void run_eigen(benchmark::State& state, Cell cell, int hidden, bool quiet) {
  auto model = std::make_unique<Model>(make_net(cell, hidden, !quiet));
  int64_t t = 0;
  for (int i = 0; i < kSettleCalls; ++i) benchmark::DoNotOptimize(model->step(input_sample(quiet, t++)));
  for (auto _ : state) {
    float y = model->step(input_sample(quiet, t++));
    benchmark::DoNotOptimize(y);
  }
}

template <class Model>
bool register_rows(Cell cell, int hidden, bool quiet) {
  const Net net = make_net(cell, hidden, true);
  auto model = std::make_unique<Model>(net);
  if (!agrees_with_reference(net, "eigen", [&](float x) { return model->step(x); })) return false;
  const std::string name =
      std::string(cell_name(cell)) + "/" + (quiet ? "quiet/" : "") + std::to_string(hidden) + "/eigen";
  benchmark::RegisterBenchmark(name.c_str(), run_eigen<Model>, cell, hidden, quiet);
  return true;
}

template <int H>
bool register_size(bool quiet = false) {
  return register_rows<EigenLstm<H>>(Cell::kLstm, H, quiet) && register_rows<EigenGru<H>>(Cell::kGru, H, quiet);
}

}  // namespace

int main(int argc, char** argv) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::fprintf(stderr, "bench_recurrent_eigen: this CPU has no AVX2 + FMA; the peer build needs them\n");
    return 0;
  }
  static_assert(kQuietHidden == 32, "the quiet rows below are instantiated for H = 32");
  if (!register_size<8>() || !register_size<16>() || !register_size<32>() || !register_size<64>() ||
      !register_size<128>() || !register_size<32>(true))
    return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
