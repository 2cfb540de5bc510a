// Benchmarks of the tiered JIT (issue 6), on the MLP 32→64→64→8 at batch 1 and the LSTM step (input 64,
// hidden 128) that bench_models.cpp uses:
//  - MLP batch 1 at the top tier with profiling off and on (sampled 1/64), same run, and the same model
//    compiled straight at O3 (CompiledModel) as the reference;
//  - latency per call over the first 10,000 calls of a fresh tiered model (defaults: threshold 1000 calls
//    or 2M cycles, background compiler, autotuning, no kernel cache), in buckets, with the calls at which
//    the kernels reached each tier and the break-even call count (compile time over per-call saving);
//  - steady state after those 10,000 calls (tuned) against straight O3.
//
//   build/bench/bench_tiering --benchmark_min_time=0.5
//   NJC_LATENCY_CSV=lat.csv build/bench/bench_tiering --benchmark_filter=First   # per-call latencies
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"
#include "runtime/tiered_model.h"

namespace {

using namespace njc::runtime;

std::string param(const std::string& name, const std::string& shape, int seed) {
  return R"({"name": ")" + name + R"(", "shape": )" + shape +
         R"(, "init": {"kind": "uniform", "low": -0.1, "high": 0.1, "seed": )" + std::to_string(seed) + "}}";
}

std::string dim2(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

std::string mlp_model() {
  return R"({"format": "njc-model", "version": 1, "name": "mlp", "inputs": [{"name": "x", "shape": [1, 32]}],
    "outputs": ["y"], "params": [)" +
         param("w1", dim2(64, 32), 1) + ", " + param("b1", "[64]", 2) + ", " + param("w2", dim2(64, 64), 3) +
         ", " + param("b2", "[64]", 4) + ", " + param("w3", dim2(8, 64), 5) + ", " + param("b3", "[8]", 6) +
         R"(], "nodes": [
           {"op": "dense", "inputs": ["x", "w1", "b1"], "outputs": ["h1"], "attributes": {"activation": "relu"}},
           {"op": "dense", "inputs": ["h1", "w2", "b2"], "outputs": ["h2"], "attributes": {"activation": "relu"}},
           {"op": "dense", "inputs": ["h2", "w3", "b3"], "outputs": ["y"]}]})";
}

std::string lstm_model() {
  return R"({"format": "njc-model", "version": 1, "name": "lstm", "inputs": [{"name": "x", "shape": [1, 64]}],
    "outputs": ["h2"], "params": [)" +
         param("W", dim2(512, 64), 1) + ", " + param("R", dim2(512, 128), 2) + ", " +
         param("B", "[1024]", 3) + R"(], "states": [{"name": "h", "shape": [1, 128], "next": "h2"},
      {"name": "c", "shape": [1, 128], "next": "c2"}],
    "nodes": [{"op": "lstm_cell", "inputs": ["x", "W", "R", "B", "h", "c"], "outputs": ["h2", "c2"]}]})";
}

const njc::Graph& graph(int which) {
  static const njc::Graph mlp = *njc::read_model_text(mlp_model(), "mlp", ".");
  static const njc::Graph lstm = *njc::read_model_text(lstm_model(), "lstm", ".");
  return which == 0 ? mlp : lstm;
}

std::shared_ptr<TieredModel> tiered(int which, TierOptions o) {
  auto m = TieredModel::compile(graph(which), o);
  if (!m) {
    std::fprintf(stderr, "compile failed: %s\n", m.error().message.c_str());
    std::abort();
  }
  return *m;
}

void fill(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = 0.01f * static_cast<float>(i % 17) - 0.08f;
}

// MLP batch 1 at the top tier: arg 0 = profiling off, 1 = on (every call counted, 1 in 64 timed).
void BM_MlpTopTier(benchmark::State& state) {
  TierOptions o;
  o.pinned_tier = 3;
  o.profile = state.range(0) == 1;
  TieredInstance inst(tiered(0, o));
  fill(inst.input(0), 32);
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
}
BENCHMARK(BM_MlpTopTier)->Arg(0)->Arg(1)->ArgName("profile");

// The same model compiled straight at O3 with the one-level API: what the tiered call path costs on top.
void BM_StraightO3(benchmark::State& state) {
  njc::runtime::ModelOptions o;
  o.opt_level = 3;
  auto m = CompiledModel::compile(graph(static_cast<int>(state.range(0))), o);
  ModelInstance inst(*m);
  fill(inst.input(0), state.range(0) == 0 ? 32 : 64);
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
}
BENCHMARK(BM_StraightO3)->Arg(0)->Arg(1)->ArgName("lstm");

constexpr int kFirstCalls = 10000;

// One fresh tiered model (no kernel cache: every tier is really compiled), 10,000 calls timed one by one.
// Counters: mean ns per call in buckets of calls, the last call at which some kernel reached each tier, the
// steady state after (sampled profiling on), and the break-even call count of the whole climb.
void BM_FirstCalls(benchmark::State& state) {
  int which = static_cast<int>(state.range(0));
  std::vector<double> ns(kFirstCalls);
  std::shared_ptr<TieredModel> model;
  for (auto _ : state) {
    TierOptions o;
    o.cache = nullptr;
    model = tiered(which, o);
    TieredInstance inst(model);
    fill(inst.input(0), which == 0 ? 32 : 64);
    for (int c = 0; c < kFirstCalls; ++c) {
      auto t0 = std::chrono::steady_clock::now();
      inst.run();
      ns[static_cast<size_t>(c)] =
          std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    }
    model->wait_idle();
  }
  const std::pair<int, int> buckets[] = {{0, 10},      {10, 100},    {100, 1000},
                                         {1000, 2000}, {2000, 5000}, {5000, 10000}};
  for (auto [b, e] : buckets) {
    double sum = 0;
    for (int c = b; c < e; ++c) sum += ns[static_cast<size_t>(c)];
    state.counters["ns_calls_" + std::to_string(b + 1) + "_" + std::to_string(e)] = sum / (e - b);
  }
  std::vector<double> sorted(ns.begin() + 5000, ns.end());
  std::sort(sorted.begin(), sorted.end());
  state.counters["ns_median_last_5000"] = sorted[sorted.size() / 2];
  for (int t = 1; t <= kTopTier; ++t) {
    uint64_t last = 0;
    for (const TierEvent& e : model->events())
      if (e.to == t) last = std::max(last, e.at_call);
    state.counters["tier" + std::to_string(t) + "_by_call"] = static_cast<double>(last);
  }
  // Break-even of the climb: every tier-up's compile time over the per-call saving of the top tier
  // against tier 0, summed over kernels.
  double compile_cycles = 0, saving = 0, cpn = cycles_per_ns();
  for (size_t k = 0; k < model->kernel_count(); ++k) {
    const KernelProfile& p = model->kernel_profile(k);
    for (int t = 1; t <= kTopTier; ++t)
      compile_cycles += static_cast<double>(p.tiers[static_cast<size_t>(t)].compile_ns.load()) * cpn;
    saving += p.tiers[0].cycles_per_call() - p.tiers[kTopTier].cycles_per_call();
  }
  state.counters["compile_us"] = compile_cycles / cpn / 1000.0;
  state.counters["break_even_calls"] = saving > 0 ? compile_cycles / saving : -1;
  if (const char* csv = std::getenv("NJC_LATENCY_CSV")) {
    std::string path = std::string(csv) + (which == 0 ? ".mlp" : ".lstm");
    if (FILE* f = std::fopen(path.c_str(), "w")) {
      std::fprintf(f, "call,ns\n");
      for (int c = 0; c < kFirstCalls; ++c) std::fprintf(f, "%d,%.1f\n", c + 1, ns[static_cast<size_t>(c)]);
      std::fclose(f);
    }
  }
}
BENCHMARK(BM_FirstCalls)->Arg(0)->Arg(1)->ArgName("lstm")->Iterations(1)->Unit(benchmark::kMillisecond);

// Steady state: a tiered model once every kernel is at the top (autotuned), profiling on.
void BM_TieredSteady(benchmark::State& state) {
  int which = static_cast<int>(state.range(0));
  TierOptions o;
  o.cache = nullptr;
  auto model = tiered(which, o);
  TieredInstance inst(model);
  fill(inst.input(0), which == 0 ? 32 : 64);
  // 10,000 calls, then on until every kernel is at the top: on a loaded machine the compiler thread can
  // lag behind, and a kernel climbs only after 1000 calls at its current tier.
  auto at_top = [&] {
    int top = 0;
    for (size_t k = 0; k < model->kernel_count(); ++k) top += model->tier_of(k) == kTopTier;
    return top;
  };
  int calls = 0;
  for (; calls < kFirstCalls || (at_top() < static_cast<int>(model->kernel_count()) && calls < 1000000);
       ++calls) {
    inst.run();
    if (calls % 1000 == 999) model->wait_idle();
  }
  state.counters["kernels_at_top"] = at_top();
  state.counters["warmup_calls"] = calls;
  for (auto _ : state) {
    inst.run();
    benchmark::DoNotOptimize(inst.output(0)[0]);
  }
}
BENCHMARK(BM_TieredSteady)->Arg(0)->Arg(1)->ArgName("lstm");

}  // namespace

BENCHMARK_MAIN();
