// Whole-model benchmarks of the JIT (issue 5): dense layers as GEMM M=N=K with constant weights (GFLOP/s and
// % of the FMA peak measured in the same run), the 32→64→64→8 MLP at batch 1 and 128 samples per call, an
// LSTM step (input 64, hidden 128, batch 1) and a 16-step ONNX LSTM sequence of it, the weights' layout
// (relayout on and off), compile time per model at each -O level, and reading plus compiling chains of 1000
// and 4000 nodes at O3 (seconds per node, which should not grow with the chain).
//
//   build/bench/bench_models --benchmark_min_time=0.5
//
// Calls use the allocation-free path (ModelInstance::input/run/output), as a game loop would.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "backend-x86/target_features.h"
#include "frontend/model_reader.h"
#include "passes/lower_graph.h"
#include "passes/pipelines.h"
#include "runtime/code_cache.h"
#include "runtime/compiled_model.h"
#include "runtime/jit.h"
#include "ir/stopwatch.h"
#include "bench/bench_model_text.h"
#include "test/support/chain_models.h"

namespace {

using njc::bench::compile;
using njc::bench::dim2;
using njc::bench::gemm_model;
using njc::bench::lstm_model;
using njc::bench::mlp_model;
using njc::bench::param;
using njc::runtime::CompiledModel;
using njc::runtime::ModelInstance;

// The machine's FP32 peak for the best target it runs, measured now, in assembly so that the compiler cannot
// reshape it; 1000 rounds per iteration. Each variant carries enough independent chains to fill 2 pipes × 4
// cycles of latency: avx512 16 zmm FMA chains, avx2 12 ymm FMA chains (ymm14, ymm15 the sources), sse4 6
// mulps and 6 addps xmm chains (no FMA: one flop per lane each). Only the host's variant runs, so no
// unsupported instruction is ever executed (NJC_TARGET_CAP lowers it, as for the JIT).
__attribute__((target("avx512f"))) void fma_peak_avx512() {
  asm volatile(
        "vxorps %%zmm16, %%zmm16, %%zmm16\n vxorps %%zmm17, %%zmm17, %%zmm17\n"
        "vxorps %%zmm0, %%zmm0, %%zmm0\n vxorps %%zmm1, %%zmm1, %%zmm1\n vxorps %%zmm2, %%zmm2, %%zmm2\n vxorps %%zmm3, %%zmm3, %%zmm3\n"
        "vxorps %%zmm4, %%zmm4, %%zmm4\n vxorps %%zmm5, %%zmm5, %%zmm5\n vxorps %%zmm6, %%zmm6, %%zmm6\n vxorps %%zmm7, %%zmm7, %%zmm7\n"
        "vxorps %%zmm8, %%zmm8, %%zmm8\n vxorps %%zmm9, %%zmm9, %%zmm9\n vxorps %%zmm10, %%zmm10, %%zmm10\n vxorps %%zmm11, %%zmm11, %%zmm11\n"
        "vxorps %%zmm12, %%zmm12, %%zmm12\n vxorps %%zmm13, %%zmm13, %%zmm13\n vxorps %%zmm14, %%zmm14, %%zmm14\n vxorps %%zmm15, %%zmm15, %%zmm15\n"
        "mov $1000, %%ecx\n"
        "1:\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm0\n vfmadd231ps %%zmm16, %%zmm17, %%zmm1\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm2\n vfmadd231ps %%zmm16, %%zmm17, %%zmm3\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm4\n vfmadd231ps %%zmm16, %%zmm17, %%zmm5\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm6\n vfmadd231ps %%zmm16, %%zmm17, %%zmm7\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm8\n vfmadd231ps %%zmm16, %%zmm17, %%zmm9\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm10\n vfmadd231ps %%zmm16, %%zmm17, %%zmm11\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm12\n vfmadd231ps %%zmm16, %%zmm17, %%zmm13\n"
        "vfmadd231ps %%zmm16, %%zmm17, %%zmm14\n vfmadd231ps %%zmm16, %%zmm17, %%zmm15\n"
        "dec %%ecx\n jnz 1b\n vzeroupper\n"
      :
      :
      : "ecx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "cc");
}

__attribute__((target("avx2,fma"))) void fma_peak_avx2() {
  asm volatile(
        "vxorps %%ymm14, %%ymm14, %%ymm14\n vxorps %%ymm15, %%ymm15, %%ymm15\n"
        "vxorps %%ymm0, %%ymm0, %%ymm0\n vxorps %%ymm1, %%ymm1, %%ymm1\n vxorps %%ymm2, %%ymm2, %%ymm2\n vxorps %%ymm3, %%ymm3, %%ymm3\n"
        "vxorps %%ymm4, %%ymm4, %%ymm4\n vxorps %%ymm5, %%ymm5, %%ymm5\n vxorps %%ymm6, %%ymm6, %%ymm6\n vxorps %%ymm7, %%ymm7, %%ymm7\n"
        "vxorps %%ymm8, %%ymm8, %%ymm8\n vxorps %%ymm9, %%ymm9, %%ymm9\n vxorps %%ymm10, %%ymm10, %%ymm10\n vxorps %%ymm11, %%ymm11, %%ymm11\n"
        "mov $1000, %%ecx\n"
        "1:\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm2\n vfmadd231ps %%ymm14, %%ymm15, %%ymm3\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm4\n vfmadd231ps %%ymm14, %%ymm15, %%ymm5\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm6\n vfmadd231ps %%ymm14, %%ymm15, %%ymm7\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm8\n vfmadd231ps %%ymm14, %%ymm15, %%ymm9\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm10\n vfmadd231ps %%ymm14, %%ymm15, %%ymm11\n"
        "dec %%ecx\n jnz 1b\n vzeroupper\n"
      :
      :
      : "ecx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc");
}

void fma_peak_sse4() {
  asm volatile(
        "xorps %%xmm14, %%xmm14\n xorps %%xmm15, %%xmm15\n"
        "xorps %%xmm0, %%xmm0\n xorps %%xmm1, %%xmm1\n xorps %%xmm2, %%xmm2\n xorps %%xmm3, %%xmm3\n"
        "xorps %%xmm4, %%xmm4\n xorps %%xmm5, %%xmm5\n xorps %%xmm6, %%xmm6\n xorps %%xmm7, %%xmm7\n"
        "xorps %%xmm8, %%xmm8\n xorps %%xmm9, %%xmm9\n xorps %%xmm10, %%xmm10\n xorps %%xmm11, %%xmm11\n"
        "mov $1000, %%ecx\n"
        "1:\n"
        "mulps %%xmm15, %%xmm0\n addps %%xmm14, %%xmm6\n"
        "mulps %%xmm15, %%xmm1\n addps %%xmm14, %%xmm7\n"
        "mulps %%xmm15, %%xmm2\n addps %%xmm14, %%xmm8\n"
        "mulps %%xmm15, %%xmm3\n addps %%xmm14, %%xmm9\n"
        "mulps %%xmm15, %%xmm4\n addps %%xmm14, %%xmm10\n"
        "mulps %%xmm15, %%xmm5\n addps %%xmm14, %%xmm11\n"
        "dec %%ecx\n jnz 1b\n"
      :
      :
      : "ecx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc");
}

void BM_FmaPeak(benchmark::State& state) {
  const njc::x86::Target t = njc::x86::host_target();
  void (*round)() = t == njc::x86::Target::kAvx512 ? fma_peak_avx512
                    : t == njc::x86::Target::kAvx2 ? fma_peak_avx2
                                                   : fma_peak_sse4;
  // flops per round: chains × lanes × (2 per FMA, 1 per mulps or addps)
  const double flops = t == njc::x86::Target::kAvx512 ? 16 * 16 * 2 : t == njc::x86::Target::kAvx2 ? 12 * 8 * 2 : 12 * 4;
  for (auto _ : state) round();
  state.SetLabel(std::string(njc::x86::target_name(t)));
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1000 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FmaPeak);

void BM_Gemm(benchmark::State& state) {
  int64_t n = state.range(0);
  auto model = compile(gemm_model(n), 3);
  ModelInstance inst(model);
  for (int64_t i = 0; i < n * n; ++i) inst.input(0)[i] = static_cast<float>(i % 7) * 0.1f;
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Gemm)->Arg(32)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);

void BM_MlpBatch1(benchmark::State& state) {
  auto model = compile(mlp_model(1), static_cast<int>(state.range(0)));
  ModelInstance inst(model);
  for (int i = 0; i < 32; ++i) inst.input(0)[i] = 0.01f * static_cast<float>(i);
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
}
BENCHMARK(BM_MlpBatch1)->DenseRange(0, 3)->ArgName("O");

void BM_Mlp128SamplesPerCall(benchmark::State& state) {
  auto model = compile(mlp_model(128), 3);
  ModelInstance inst(model);
  for (int i = 0; i < 128 * 32; ++i) inst.input(0)[i] = 0.01f * static_cast<float>(i % 97);
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
  state.counters["ns/sample"] = benchmark::Counter(128.0 * static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Mlp128SamplesPerCall);

void BM_LstmStep(benchmark::State& state) {
  auto model = compile(lstm_model(), static_cast<int>(state.range(0)));
  ModelInstance inst(model);
  for (int i = 0; i < 64; ++i) inst.input(0)[i] = 0.01f * static_cast<float>(i);
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
}
BENCHMARK(BM_LstmStep)->Arg(0)->Arg(3)->ArgName("O");

// An ONNX LSTM over a sequence of 16 steps (input 64, hidden 128, batch 1) in one call: the time loop's
// steps are the same cell step as BM_LstmStep, each reading the previous step's h.
std::string lstm_sequence_model() {
  return R"({"format": "njc-model", "version": 1, "name": "lstm_seq", "inputs": [{"name": "x", "shape": [16, 1, 64]}],
    "outputs": ["yh"], "params": [)" +
         param("W", "[1, 512, 64]", 1) + ", " + param("R", "[1, 512, 128]", 2) + ", " + param("B", "[1, 1024]", 3) +
         R"(], "nodes": [{"op": "LSTM", "inputs": ["x", "W", "R", "B"], "outputs": ["y", "yh", "yc"],
      "attributes": {"hidden_size": 128}}]})";
}

void BM_LstmSequence16(benchmark::State& state) {
  auto model = compile(lstm_sequence_model(), 3);
  ModelInstance inst(model);
  for (int i = 0; i < 16 * 64; ++i) inst.input(0)[i] = 0.01f * static_cast<float>(i % 89);
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
  state.counters["ns/step"] = benchmark::Counter(16.0 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_LstmSequence16)->Unit(benchmark::kMicrosecond);

// The weights' layout, measured as a ratio in one run: each model's largest kernel at O3 as the pipeline
// chooses it (relayout: the order the loops read the weights) against the same schedule with the lowering's
// layout (relayout dropped, as the autotuner's variant does). Models: 0 GEMM 512 (B in 8 column panels),
// 1 LSTM step 64→128 (gate weights per block of 16 units), 2 dense 256→1024 at batch 1 (16 panels), and
// with rows that need padding: 3 dense 256→1000 (rows of 1000 padded to 1024), 4 LSTM step 64→100 (each
// gate's 100 units padded to 112, 7 blocks of 16).
std::string wide_dense_model(int64_t outputs = 1024) {
  return R"({"format": "njc-model", "version": 1, "name": "wide", "inputs": [{"name": "x", "shape": [1, 256]}],
    "outputs": ["y"], "params": [)" +
         param("w", dim2(outputs, 256), 1) +
         R"(], "nodes": [{"op": "dense", "inputs": ["x", "w"], "outputs": ["y"]}]})";
}

njc::runtime::JitKernel largest_kernel_at_o3(const std::string& json, bool relayout) {
  auto g = njc::read_model_text(json, "bench", ".");
  if (!g) std::abort();
  auto lowered = njc::passes::lower_graph(*g);
  if (!lowered) std::abort();
  const njc::loop::Kernel* k = nullptr;
  auto weights = [](const njc::loop::Kernel& x) {
    int64_t n = 0;
    for (const auto& b : x.buffers) n += b.kind == njc::loop::BufferKind::kParam ? b.size() : 0;
    return n;
  };
  for (const auto& x : lowered->module.kernels)
    if (!k || weights(x) > weights(*k)) k = &x;
  njc::x86::Target t = njc::x86::host_target();
  njc::passes::Pipeline p =
      njc::passes::default_pipeline(3, *k, {njc::x86::target_lanes(t), njc::x86::target_vector_registers(t)});
  if (!relayout)
    std::erase_if(p, [](const njc::passes::PassInstance& pass) { return pass.info->name == "relayout"; });
  njc::runtime::JitOptions o;
  o.target = t;
  o.passes = njc::passes::format_pipeline(p);
  auto j = njc::runtime::compile(*k, o);
  if (!j) std::abort();
  return std::move(*j);
}

void BM_WeightLayout(benchmark::State& state) {
  const std::string models[] = {gemm_model(512), lstm_model(), wide_dense_model(), wide_dense_model(1000),
                                lstm_model(100)};
  njc::runtime::JitKernel j = largest_kernel_at_o3(models[state.range(0)], state.range(1) != 0);
  njc::loop::BufferData data = njc::loop::make_buffers(j.kernel());
  std::vector<float*> ptrs;
  for (auto& b : data) {
    for (size_t i = 0; i < b.size(); ++i) b[i] = 0.01f * static_cast<float>(i % 13);
    ptrs.push_back(b.data());
  }
  for (auto _ : state) {
    j.run(ptrs.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_WeightLayout)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}})
    ->ArgNames({"model", "relayout"})
    ->Unit(benchmark::kMicrosecond);

void BM_CompileMlp(benchmark::State& state) {
  auto g = njc::read_model_text(mlp_model(1), "bench", ".");
  njc::runtime::ModelOptions o;
  o.opt_level = static_cast<int>(state.range(0));
  o.cache = nullptr;  // measure the compiler, not the kernel cache
  size_t kernels = 0;
  for (auto _ : state) {
    auto m = CompiledModel::compile(*g, o);
    kernels = (*m)->kernel_count();
    benchmark::DoNotOptimize(m);
  }
  state.counters["kernels"] = static_cast<double>(kernels);
}
BENCHMARK(BM_CompileMlp)->DenseRange(0, 3)->ArgName("O")->Unit(benchmark::kMicrosecond);

// Where an O3 compile goes, per stage (µs per model, as counters): lowering the graph to loop IR, the pass
// pipelines, register allocation, instruction selection with encoding, finalize (branch sizes and
// fixups), mapping the code; "model" is CompiledModel::compile's whole time (lowering, cache keys and
// buffer planning included). model: 0 = the MLP 32->64->64->8, 1 = the LSTM step 64->128.
void BM_CompileStages(benchmark::State& state) {
  std::string text = state.range(0) == 0 ? mlp_model(1) : lstm_model();
  auto g = njc::read_model_text(text, "bench", ".");
  njc::runtime::ModelOptions o;
  o.cache = nullptr;
  double lower = 0, passes = 0, regalloc = 0, select = 0, finalize = 0, map = 0, model = 0;
  for (auto _ : state) {
    njc::Stopwatch lowering;
    auto lowered = njc::passes::lower_graph(*g);
    lower += lowering.micros();
    benchmark::DoNotOptimize(lowered);
    auto m = CompiledModel::compile(*g, o);
    model += (*m)->compile_micros();
    for (const auto& k : (*m)->kernels()) {
      passes += k->passes_micros();
      regalloc += k->stats().regalloc_us;
      select += k->stats().select_encode_us;
      finalize += k->stats().finalize_us;
      map += k->map_micros();
    }
  }
  auto per_model = [&](double us) { return benchmark::Counter(us, benchmark::Counter::kAvgIterations); };
  state.counters["lower_us"] = per_model(lower);
  state.counters["passes_us"] = per_model(passes);
  state.counters["regalloc_us"] = per_model(regalloc);
  state.counters["isel_encode_us"] = per_model(select);
  state.counters["finalize_us"] = per_model(finalize);
  state.counters["map_us"] = per_model(map);
  state.counters["model_us"] = per_model(model);
}
BENCHMARK(BM_CompileStages)->Arg(0)->Arg(1)->ArgName("model")->Unit(benchmark::kMicrosecond);

// The same O3 compile when every kernel is in the on-disk code cache (runtime/code_cache.h), as at the
// second start of a program: lowering and the cache keys remain, passes and code generation do not.
// model: 0 = the MLP, 1 = the LSTM step 64->128; cached: 0 = compiled afresh (the first start), 1 = mapped.
void BM_CompileFromCodeCache(benchmark::State& state) {
  std::string text = state.range(0) == 0 ? mlp_model(1) : lstm_model();
  auto g = njc::read_model_text(text, "bench", ".");
  char dir[] = "/tmp/njc-bench-cache-XXXXXX";
  if (!mkdtemp(dir)) return state.SkipWithError("mkdtemp failed");
  njc::runtime::ModelOptions o;
  o.cache = nullptr;  // every compile goes to the disk cache, as a fresh process does
  if (state.range(1)) o.code_cache = *njc::runtime::CodeCache::open(std::string(dir) + "/cache");
  (void)CompiledModel::compile(*g, o);  // fills it
  for (auto _ : state) {
    auto m = CompiledModel::compile(*g, o);
    benchmark::DoNotOptimize(m);
  }
  if (o.code_cache) state.counters["hits"] = static_cast<double>(o.code_cache->stats().hits);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CompileFromCodeCache)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"model", "cached"})
    ->Unit(benchmark::kMicrosecond);

// Reading and compiling a chain of n nodes (test/support/chain_models.h; kind 0 Relu, 1 MatMul, 2 states)
// at O3, kernel cache off: the time per node should not grow with n (issue 15).
void BM_CompileChain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(1));
  const std::string text = njc::test::chain_model(static_cast<njc::test::Chain>(state.range(0)), n);
  njc::runtime::ModelOptions o;
  o.opt_level = 3;
  o.cache = nullptr;
  for (auto _ : state) {
    auto g = njc::read_model_text(text, "chain", ".");
    auto m = g ? CompiledModel::compile(*g, o) : g.error();
    if (!m) {
      state.SkipWithError(njc::format_diag(m.error()).c_str());
      break;
    }
    benchmark::DoNotOptimize(m);
  }
  state.counters["per_node"] = benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_CompileChain)->ArgsProduct({{0, 1, 2}, {1000, 4000}})->ArgNames({"kind", "nodes"})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
