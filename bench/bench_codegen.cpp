// Code generation benchmarks: a hand-written 64x64 matvec and a 128x128x128 matmul through the -O pipelines,
// JIT-compiled for AVX-512 (or the best host target): ns per call and GFLOP/s, plus compile time per kernel
// (pipeline + codegen + W^X placement, µs).
//
//   cmake --build build-cg --target bench_codegen -j2 && ./build-cg/bench/bench_codegen
#include <benchmark/benchmark.h>

#include <random>

#include "ir/loop_builder.h"
#include "runtime/jit.h"

namespace {

using namespace njc;
using namespace njc::loop;

std::vector<float> data(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> out(n);
  for (float& x : out) x = d(rng);
  return out;
}

Affine v(ValueId iv) {
  return Affine::var(iv);
}

// y = bias + x W, W constant and packed [K][N] (the layout the lowering chooses for batch-1 dense layers).
Kernel matvec(int64_t n, int64_t kk) {
  Kernel k;
  k.name = "matvec";
  Builder b(k);
  BufferId x = b.input("x", {kk});
  BufferId w = b.param("w", {kk, n}, data(static_cast<size_t>(kk * n), 1));
  BufferId bias = b.param("bias", {n}, data(static_cast<size_t>(n), 2));
  BufferId y = b.output("y", {n});
  b.loop("j0", 0, n, 1, [&](ValueId j) { b.store(b.load(bias, {v(j)}), y, {v(j)}); });
  b.loop("j", 0, n, 1, [&](ValueId j) {
    b.loop("k", 0, kk, 1, [&](ValueId r) {
      ValueId acc = b.load(y, {v(j)});
      b.store(b.fma(b.load(x, {v(r)}), b.load(w, {v(r), v(j)}), acc), y, {v(j)});
    });
  });
  return k;
}

// C = A B with B constant.
Kernel matmul(int64_t m, int64_t n, int64_t kk) {
  Kernel k;
  k.name = "matmul";
  Builder b(k);
  BufferId a = b.input("a", {m, kk});
  BufferId w = b.param("b", {kk, n}, data(static_cast<size_t>(kk * n), 3));
  BufferId c = b.output("c", {m, n});
  b.loop("i0", 0, m, 1, [&](ValueId i) {
    b.loop("j0", 0, n, 1, [&](ValueId j) { b.store(b.constant(0), c, {v(i), v(j)}); });
  });
  b.loop("i", 0, m, 1, [&](ValueId i) {
    b.loop("j", 0, n, 1, [&](ValueId j) {
      b.loop("k", 0, kk, 1, [&](ValueId r) {
        ValueId acc = b.load(c, {v(i), v(j)});
        b.store(b.fma(b.load(a, {v(i), v(r)}), b.load(w, {v(r), v(j)}), acc), c, {v(i), v(j)});
      });
    });
  });
  return k;
}

x86::Target target() {
  return x86::target_supported(x86::Target::kAvx512, x86::host_cpu()) ? x86::Target::kAvx512
                                                                        : x86::host_target();
}

void run_kernel(benchmark::State& state, const Kernel& k, double flops) {
  runtime::JitOptions o;
  o.target = target();
  o.opt_level = static_cast<int>(state.range(0));
  Expected<runtime::JitKernel> j = runtime::compile(k, o);
  if (!j) {
    state.SkipWithError(j.error().message.c_str());
    return;
  }
  BufferData d = make_buffers(j->kernel());
  for (size_t b = 0; b < d.size(); ++b)
    if (j->kernel().buffers[b].kind == BufferKind::kInput) d[b] = data(d[b].size(), 9);
  std::vector<float*> ptrs;
  for (auto& buf : d) ptrs.push_back(buf.data());
  for (auto _ : state) {
    j->run(ptrs.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["code_bytes"] = static_cast<double>(j->code_bytes());
  state.counters["spills"] = j->stats().spilled_values;
  state.SetLabel(std::string(x86::target_name(o.target)));
}

void BM_Matvec64(benchmark::State& state) {
  run_kernel(state, matvec(64, 64), 2.0 * 64 * 64);
}
void BM_Matmul128(benchmark::State& state) {
  run_kernel(state, matmul(128, 128, 128), 2.0 * 128 * 128 * 128);
}

// Compile time (the Time column, µs per kernel): pipeline + instruction selection + register allocation +
// encoding + W^X placement.
void compile_time(benchmark::State& state, const Kernel& k) {
  runtime::JitOptions o;
  o.target = target();
  o.opt_level = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Expected<runtime::JitKernel> j = runtime::compile(k, o);
    if (!j) {
      state.SkipWithError(j.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(j->fn());
  }
}
// Code generation alone (isel + regalloc + encoding, no pipeline, no mapping) of the O3 kernel.
void codegen_time(benchmark::State& state, const Kernel& k) {
  runtime::JitOptions o;
  o.target = target();
  o.opt_level = 3;
  Expected<runtime::JitKernel> j = runtime::compile(k, o);
  if (!j) {
    state.SkipWithError(j.error().message.c_str());
    return;
  }
  x86::CodegenOptions co;
  co.target = o.target;
  for (auto _ : state) {
    Expected<x86::CompiledCode> c = x86::generate(j->kernel(), co);
    benchmark::DoNotOptimize(c->code.data());
  }
}
void BM_CodegenOnlyMatvec64(benchmark::State& state) {
  codegen_time(state, matvec(64, 64));
}
void BM_CodegenOnlyMatmul128(benchmark::State& state) {
  codegen_time(state, matmul(128, 128, 128));
}

void BM_CompileMatvec64(benchmark::State& state) {
  compile_time(state, matvec(64, 64));
}
void BM_CompileMatmul128(benchmark::State& state) {
  compile_time(state, matmul(128, 128, 128));
}

BENCHMARK(BM_Matvec64)->DenseRange(0, 3)->ArgName("O");
BENCHMARK(BM_Matmul128)->Arg(0)->Arg(2)->Arg(3)->ArgName("O")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CompileMatvec64)->Arg(0)->Arg(3)->ArgName("O")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CodegenOnlyMatvec64)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CodegenOnlyMatmul128)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CompileMatmul128)->Arg(0)->Arg(3)->ArgName("O")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
