// The peers of bench_models' BM_Gemm (C = A·B, n × n × n, fp32, one thread): BLIS through its CBLAS
// interface (the zen3 kernels on a Zen 3) and LIBXSMM's JIT kernel for the shape, each built where its
// Debian package is installed (libblis-serial-dev, libxsmm-dev). Rows "Gemm/<n>/<library>" report time
// per call and GFLOP/s; every library's result is first checked against a plain loop. B is constant, as
// njc's weights are, but each library gets it the way its users pass it (BLIS packs it inside each call;
// LIBXSMM reads it as is).
//
//   python3 scripts/bench_table.py gemm      (njc's BM_Gemm and these, interleaved)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#if NJC_BENCH_HAVE_BLIS
#include <cblas.h>
#endif
#if NJC_BENCH_HAVE_LIBXSMM
#include <libxsmm.h>
#endif

namespace {

struct Problem {
  int n;
  std::vector<float> a, b, c;
  explicit Problem(int size) : n(size), a(size_t(size) * size), b(a.size()), c(a.size()) {
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<float>(i % 7) * 0.1f;
      b[i] = static_cast<float>(i % 5) * 0.01f - 0.02f;
    }
  }
  // Row-major C = A·B against a plain loop in double.
  bool correct() const {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double want = 0;
        for (int k = 0; k < n; ++k) want += double(a[size_t(i) * n + k]) * b[size_t(k) * n + j];
        if (std::fabs(c[size_t(i) * n + j] - want) > 1e-4 * (1 + std::fabs(want))) return false;
      }
    return true;
  }
};

void report(benchmark::State& state, int n) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

#if NJC_BENCH_HAVE_BLIS
void blis_gemm(Problem& p) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p.n, p.n, p.n, 1.0f, p.a.data(), p.n, p.b.data(), p.n,
              0.0f, p.c.data(), p.n);
}

void run_blis(benchmark::State& state, int n) {
  Problem p(n);
  for (auto _ : state) {
    blis_gemm(p);
    benchmark::DoNotOptimize(p.c[0]);
  }
  report(state, n);
}
#endif

#if NJC_BENCH_HAVE_LIBXSMM
// Column-major kernels: the row-major C = A·B is the column-major Cᵀ = Bᵀ·Aᵀ, so B goes first.
libxsmm_smmfunction libxsmm_kernel(int n) {
  const float alpha = 1.0f, beta = 0.0f;
  return libxsmm_smmdispatch(n, n, n, nullptr, nullptr, nullptr, &alpha, &beta, nullptr, nullptr);
}

void run_libxsmm(benchmark::State& state, int n, libxsmm_smmfunction kernel) {
  Problem p(n);
  for (auto _ : state) {
    kernel(p.b.data(), p.a.data(), p.c.data());
    benchmark::DoNotOptimize(p.c[0]);
  }
  report(state, n);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  int peers = 0;
  for (int n : {32, 64, 128, 256, 512}) {
#if NJC_BENCH_HAVE_BLIS
    Problem p(n);
    blis_gemm(p);
    if (!p.correct()) {
      std::fprintf(stderr, "gemm_peers: BLIS gives a wrong product for n = %d\n", n);
      return 1;
    }
    benchmark::RegisterBenchmark(("Gemm/" + std::to_string(n) + "/blis").c_str(), run_blis, n)
        ->Unit(benchmark::kMicrosecond);
    ++peers;
#endif
#if NJC_BENCH_HAVE_LIBXSMM
    if (libxsmm_smmfunction kernel = libxsmm_kernel(n)) {
      Problem q(n);
      kernel(q.b.data(), q.a.data(), q.c.data());
      if (!q.correct()) {
        std::fprintf(stderr, "gemm_peers: LIBXSMM gives a wrong product for n = %d\n", n);
        return 1;
      }
      benchmark::RegisterBenchmark(("Gemm/" + std::to_string(n) + "/libxsmm").c_str(), run_libxsmm, n, kernel)
          ->Unit(benchmark::kMicrosecond);
      ++peers;
    } else {
      std::fprintf(stderr, "gemm_peers: LIBXSMM has no kernel for n = %d (beyond its small-matrix limit)\n", n);
    }
#endif
  }
  if (peers == 0) std::fprintf(stderr, "gemm_peers: neither BLIS nor LIBXSMM is installed: no rows\n");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
