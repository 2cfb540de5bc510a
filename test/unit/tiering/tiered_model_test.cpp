// The tiered JIT: the tier sequence with threshold 1 (synchronous and on the background thread), outputs
// against the reference interpreter in every pinned tier and across tier switches in the middle of
// recurrent runs, profile counts with sampling at the top tier, several threads running their own
// instances while tiers change, and old code freed once no call can be in it.
#include "runtime/tiered_model.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <set>
#include <thread>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "test/support/random_values.h"

namespace njc {
namespace {

using test::random_values;

Graph example(const std::string& name) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/" + name);
  NJC_ASSERT(static_cast<bool>(g), "example " + name + " does not load");
  return *g;
}

std::vector<std::vector<float>> inputs_for(const Graph& g, int call) {
  std::vector<std::vector<float>> in;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    in.push_back(random_values(g.batch * num_elements(g.value(g.inputs[i]).shape), 31 * call + i));
  return in;
}

::testing::AssertionResult close(const std::vector<std::vector<float>>& got,
                                 const std::vector<std::vector<float>>& want) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "output count";
  for (size_t o = 0; o < want.size(); ++o) {
    if (got[o].size() != want[o].size()) return ::testing::AssertionFailure() << "output " << o << " size";
    for (size_t e = 0; e < want[o].size(); ++e)
      if (!(std::fabs(got[o][e] - want[o][e]) <= 1e-5 * std::fabs(want[o][e]) + 1e-6))
        return ::testing::AssertionFailure()
               << "output " << o << " element " << e << ": " << got[o][e] << " vs " << want[o][e];
  }
  return ::testing::AssertionSuccess();
}

runtime::TierOptions fast_tuning(runtime::TierOptions o) {
  o.tune.max_candidates = 3;
  o.tune.repetitions = 1;
  o.tune.calls_per_batch = 2;
  return o;
}

runtime::TierOptions threshold_one(bool background) {
  runtime::TierOptions o;
  o.call_threshold = 1;
  o.background = background;
  return fast_tuning(o);
}

void expect_sequence_with_threshold_one(bool background) {
  Graph g = example("mlp.json");
  auto model = runtime::TieredModel::compile(g, threshold_one(background));
  ASSERT_TRUE(model) << model.error().message;
  runtime::TieredInstance inst(*model);
  size_t n = (*model)->kernel_count();
  ASSERT_GT(n, 0u);
  for (int call = 0; call < 6; ++call) {
    inst.run(inputs_for(g, call));
    (*model)->wait_idle();
    int want = std::min(call, runtime::kTopTier);  // call c ran at tier c, then c + 1 was compiled
    for (size_t k = 0; k < n; ++k) {
      EXPECT_EQ(inst.last_tiers()[k], want) << "call " << call << " kernel " << (*model)->kernel_name(k);
      EXPECT_EQ((*model)->tier_of(k), std::min(call + 1, runtime::kTopTier));
    }
  }
  std::vector<runtime::TierEvent> ev = (*model)->events();
  ASSERT_EQ(ev.size(), 3 * n);
  for (size_t k = 0; k < n; ++k) {
    std::vector<runtime::TierEvent> mine;
    for (const auto& e : ev)
      if (e.kernel == k) mine.push_back(e);
    ASSERT_EQ(mine.size(), 3u);
    for (int t = 0; t < 3; ++t) {
      EXPECT_EQ(mine[static_cast<size_t>(t)].from, t);
      EXPECT_EQ(mine[static_cast<size_t>(t)].to, t + 1);
      EXPECT_EQ(mine[static_cast<size_t>(t)].at_call, static_cast<uint64_t>(t + 1));
    }
    EXPECT_TRUE(mine[2].tuned);
    EXPECT_FALSE((*model)->tuned_pipeline(k).empty());
  }
}

TEST(TieredModel, ThresholdOneClimbsOneTierPerCallSynchronously) {
  expect_sequence_with_threshold_one(false);
}
TEST(TieredModel, ThresholdOneClimbsOneTierPerCallInTheBackground) {
  expect_sequence_with_threshold_one(true);
}

TEST(TieredModel, HighThresholdsKeepKernelsAtTierZero) {
  Graph g = example("mlp.json");
  runtime::TierOptions o;
  o.call_threshold = 1000000;
  o.cycle_threshold = uint64_t{1} << 62;
  o.background = false;
  auto model = runtime::TieredModel::compile(g, o);
  ASSERT_TRUE(model);
  runtime::TieredInstance inst(*model);
  for (int call = 0; call < 50; ++call) inst.run(inputs_for(g, call));
  for (size_t k = 0; k < (*model)->kernel_count(); ++k) {
    EXPECT_EQ((*model)->tier_of(k), 0);
    EXPECT_EQ((*model)->kernel_profile(k).tiers[0].calls.load(), 50u);
    EXPECT_EQ((*model)->kernel_profile(k).tiers[0].measured_calls.load(), 50u);
  }
  EXPECT_TRUE((*model)->events().empty());
}

TEST(TieredModel, CycleThresholdAloneTiersUp) {
  Graph g = example("mlp.json");
  runtime::TierOptions o = fast_tuning({});
  o.call_threshold = 1000000;
  o.cycle_threshold = 1;  // any measured call crosses it
  o.background = false;
  auto model = runtime::TieredModel::compile(g, o);
  ASSERT_TRUE(model);
  runtime::TieredInstance inst(*model);
  inst.run(inputs_for(g, 0));
  for (size_t k = 0; k < (*model)->kernel_count(); ++k) EXPECT_EQ((*model)->tier_of(k), 1);
}

TEST(TieredModel, EveryPinnedTierMatchesTheInterpreter) {
  for (const char* name :
       {"mlp.json", "mlp_batch.json", "npc_brain.json", "gru_audio.json", "dnc_memory.json"}) {
    Graph g = example(name);
    for (int tier = 0; tier <= 3; ++tier) {
      runtime::TierOptions o;
      o.pinned_tier = tier;
      auto model = runtime::TieredModel::compile(g, o);
      ASSERT_TRUE(model) << name << ": " << model.error().message;
      runtime::TieredInstance inst(*model);
      GraphInterpreter reference(g);
      for (int call = 0; call < 4; ++call) {
        auto in = inputs_for(g, call);
        ASSERT_TRUE(close(inst.run(in), reference.run(in))) << name << " tier " << tier << " call " << call;
        for (int t : inst.last_tiers()) EXPECT_EQ(t, tier);
      }
    }
  }
}

// The recurrent examples climb every tier (autotuned at the top) in the middle of a run that carries state.
TEST(TieredModel, RecurrentRunAcrossTierSwitchesMatchesTheInterpreter) {
  for (const char* name : {"npc_brain.json", "gru_audio.json"}) {
    for (bool background : {false, true}) {
      Graph g = example(name);
      runtime::TierOptions o = fast_tuning({});
      o.call_threshold = 3;
      o.background = background;
      auto model = runtime::TieredModel::compile(g, o);
      ASSERT_TRUE(model);
      runtime::TieredInstance inst(*model);
      GraphInterpreter reference(g);
      std::set<int> seen;
      for (int call = 0; call < 40; ++call) {
        auto in = inputs_for(g, call);
        ASSERT_TRUE(close(inst.run(in), reference.run(in))) << name << " call " << call;
        for (int t : inst.last_tiers()) seen.insert(t);
        if (background && call % 4 == 3) (*model)->wait_idle();  // let the compiler catch up now and then
      }
      (*model)->wait_idle();
      for (int call = 40; call < 44; ++call) {
        auto in = inputs_for(g, call);
        ASSERT_TRUE(close(inst.run(in), reference.run(in))) << name << " call " << call;
      }
      for (size_t k = 0; k < (*model)->kernel_count(); ++k) EXPECT_EQ((*model)->tier_of(k), 3) << name;
      EXPECT_EQ(seen, (std::set<int>{0, 1, 2, 3})) << name;
    }
  }
}

TEST(TieredModel, TopTierTimesOnlyEverySampledCallButCountsAll) {
  Graph g = example("mlp.json");
  runtime::TierOptions o;
  o.pinned_tier = 3;
  o.sample_period = 8;
  auto model = runtime::TieredModel::compile(g, o);
  ASSERT_TRUE(model);
  {
    runtime::TieredInstance inst(*model);
    for (int call = 0; call < 100; ++call) inst.run(inputs_for(g, 0));
  }  // the instance flushes its untimed counts when it goes
  for (size_t k = 0; k < (*model)->kernel_count(); ++k) {
    const runtime::KernelProfile& p = (*model)->kernel_profile(k);
    EXPECT_EQ(p.tiers[3].calls.load(), 100u);
    EXPECT_EQ(p.tiers[3].measured_calls.load(), 12u);  // calls 8, 16, ..., 96
    EXPECT_GT(p.tiers[3].cycles_per_call(), 0);
  }
}

TEST(TieredModel, ProfilingOffNeverTiersUp) {
  Graph g = example("mlp.json");
  runtime::TierOptions o = threshold_one(false);
  o.profile = false;
  auto model = runtime::TieredModel::compile(g, o);
  ASSERT_TRUE(model);
  runtime::TieredInstance inst(*model);
  for (int call = 0; call < 5; ++call) inst.run(inputs_for(g, call));
  for (size_t k = 0; k < (*model)->kernel_count(); ++k) {
    EXPECT_EQ((*model)->tier_of(k), 0);
    EXPECT_EQ((*model)->kernel_profile(k).total_calls(), 0u);
  }
}

bool all_at_top(const runtime::TieredModel& m) {
  for (size_t k = 0; k < m.kernel_count(); ++k)
    if (m.tier_of(k) != runtime::kTopTier) return false;
  return true;
}

// Several threads, each with its own instance of one model, run while every kernel climbs to the top on
// the background thread; each checks every call against the interpreter's outputs for the same inputs.
// Run under ThreadSanitizer with -DNJC_TSAN=ON (docs/runtime.md).
TEST(TieredModel, ThreadsRunInstancesWhileTiersChange) {
  Graph g = example("npc_brain.json");
  constexpr int kCalls = 150, kThreads = 4;
  std::vector<std::vector<std::vector<float>>> inputs, want;
  GraphInterpreter reference(g);
  for (int call = 0; call < kCalls; ++call) {
    inputs.push_back(inputs_for(g, call));
    want.push_back(reference.run(inputs.back()));
  }
  runtime::TierOptions o = fast_tuning({});
  o.call_threshold = 10;
  auto model = runtime::TieredModel::compile(g, o);
  ASSERT_TRUE(model);
  std::vector<int> bad(kThreads, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // Rounds of the same call sequence from zero state, until every kernel is at the top (under load
      // the compiler thread may lag) and one more round ran there.
      runtime::TieredInstance inst(*model);
      bool top_before = false;
      for (int round = 0; round < 200 && !top_before; ++round) {
        top_before = all_at_top(**model);
        inst.reset_state();
        for (int call = 0; call < kCalls; ++call)
          if (!close(inst.run(inputs[static_cast<size_t>(call)]), want[static_cast<size_t>(call)]) &&
              bad[static_cast<size_t>(t)] < 0)
            bad[static_cast<size_t>(t)] = round * kCalls + call;
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(bad[static_cast<size_t>(t)], -1) << "thread " << t;
  (*model)->wait_idle();
  for (size_t k = 0; k < (*model)->kernel_count(); ++k) EXPECT_EQ((*model)->tier_of(k), 3);
  (*model)->reclaim();  // no instance is left: every old version can go
  EXPECT_EQ((*model)->retired_count(), 0u);
  uint64_t calls = (*model)->kernel_profile(0).total_calls();
  EXPECT_GE(calls, static_cast<uint64_t>(2 * kCalls * kThreads));
  EXPECT_EQ(calls % kCalls, 0u);  // whole rounds: every call counted once
}

// A call still inside run() holds the old code of a kernel that was swapped meanwhile: kernel 0 (a Relu)
// tiers up in the background right after its first call, while the same call runs kernel 1 (a 256³ GEMM at
// O0, tens of ms). The old Relu code stays retired, not freed, until that call has left.
TEST(TieredModel, OldCodeOutlivesTheCallStillInIt) {
  auto g =
      read_model_text(R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [256, 256]}],
    "outputs": ["y"], "params": [{"name": "w", "shape": [256, 256],
      "init": {"kind": "uniform", "low": -0.1, "high": 0.1, "seed": 1}}],
    "nodes": [{"op": "Relu", "inputs": ["x"], "outputs": ["h"]}, {"op": "dense", "inputs": ["h", "w"], "outputs": ["y"]}]})",
                      "big", ".");
  ASSERT_TRUE(g) << g.error().message;
  runtime::TierOptions o;
  o.call_threshold = 1;
  o.autotune = false;
  auto model = runtime::TieredModel::compile(*g, o);
  ASSERT_TRUE(model);
  ASSERT_EQ((*model)->kernel_count(), 2u);
  std::atomic<bool> done{false};
  std::thread caller([&] {
    runtime::TieredInstance a(*model);
    a.run();
    done = true;
  });
  while ((*model)->tier_of(0) == 0 && !done) std::this_thread::yield();
  bool overlapped = !done;
  size_t retired_during_call = (*model)->retired_count();
  (*model)->reclaim();
  size_t retired_after_reclaim = (*model)->retired_count();
  bool still_running = !done;
  caller.join();
  if (!overlapped || !still_running) GTEST_SKIP() << "the call ended before the swap could be observed";
  EXPECT_GE(retired_during_call, 1u);
  EXPECT_GE(retired_after_reclaim, 1u);  // the call is still in its epoch: nothing may be freed
  (*model)->wait_idle();
  (*model)->reclaim();  // the instance is gone
  EXPECT_EQ((*model)->retired_count(), 0u);
}

// An instance that sits inside no call does not hold old code back; a running one does until it leaves.
TEST(TieredModel, OldCodeIsFreedOnceNoCallCanBeInIt) {
  Graph g = example("mlp.json");
  auto model = runtime::TieredModel::compile(g, threshold_one(false));
  ASSERT_TRUE(model);
  runtime::TieredInstance idle(*model), busy(*model);
  busy.run(inputs_for(g, 0));  // tiers up synchronously after the call: no call is running then
  EXPECT_EQ((*model)->retired_count(), 0u);
  EXPECT_EQ((*model)->tier_of(0), 1);
}

}  // namespace
}  // namespace njc
