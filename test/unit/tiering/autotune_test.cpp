// The autotuner: candidates are the -O3 schedule plus distinct one-parameter variants; every kept
// candidate computes what the unscheduled kernel computes; the winner is the fastest timed candidate and
// its pipeline text compiles to a kernel that agrees with the interpreter.
#include "runtime/autotune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "passes/pipelines.h"
#include "test/unit/passes/test_kernels.h"

namespace njc {
namespace {

using namespace testing_kernels;

x86::Target host() {
  return x86::host_target();
}

TEST(Autotune, CandidatesStartWithO3AndAreDistinct) {
  Kernel k = matvec(64, 32);
  x86::Target t = host();
  std::vector<std::string> c = runtime::candidate_pipelines(k, t, 8);
  ASSERT_GE(c.size(), 3u);
  EXPECT_LE(c.size(), 8u);
  passes::TargetDesc d{x86::target_lanes(t), x86::target_vector_registers(t)};
  EXPECT_EQ(c[0], passes::format_pipeline(passes::default_pipeline(3, k, d)));
  EXPECT_EQ(std::set<std::string>(c.begin(), c.end()).size(), c.size());
  EXPECT_EQ(runtime::candidate_pipelines(k, t, 2).size(), 2u);
}

// A GEMM whose B spans several column panels: O3 re-lays B out in panels, and one candidate keeps the
// lowering's [K][N] instead, so the tuner measures which layout is faster.
TEST(Autotune, OneCandidateKeepsTheLoweringsLayout) {
  Kernel k = matmul(8, 128, 64);
  x86::Target t = host();
  std::vector<std::string> c = runtime::candidate_pipelines(k, t, 8);
  ASSERT_NE(c[0].find("relayout,"), std::string::npos) << c[0];
  std::string without = c[0];
  without.erase(without.find("relayout,"), std::string("relayout,").size());
  EXPECT_NE(std::find(c.begin(), c.end(), without), c.end()) << c[0];
}

TEST(Autotune, BestIsFastestAgreeingCandidateAndCompiles) {
  Kernel k = matmul(8, 48, 64);
  runtime::TuneOptions o;
  o.repetitions = 3;
  auto r = runtime::tune_kernel(k, o);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->candidates[0].ok) << r->candidates[0].error;
  ASSERT_TRUE(r->best_kernel);
  // The winner is the fastest candidate, or the default when no candidate beats it by min_gain (3 %).
  double fastest = r->candidates[0].cycles_per_call;
  for (const runtime::TuneCandidate& c : r->candidates)
    if (c.ok) fastest = std::min(fastest, c.cycles_per_call);
  if (r->best == 0) {
    EXPECT_GE(fastest, r->candidates[0].cycles_per_call * (1 - o.min_gain));
  } else {
    EXPECT_LT(r->candidates[r->best].cycles_per_call, r->candidates[0].cycles_per_call * (1 - o.min_gain));
  }
  for (const runtime::TuneCandidate& c : r->candidates)
    if (c.ok && r->best != 0) {
      EXPECT_LE(r->candidates[r->best].cycles_per_call, c.cycles_per_call) << c.pipeline;
    }
  // The text alone reproduces the winner: compile it and compare with the interpreter.
  runtime::JitOptions jo;
  jo.opt_level = 0;
  jo.passes = r->best_pipeline();
  auto j = runtime::compile(k, jo);
  ASSERT_TRUE(j) << j.error().message;
  BufferData data = make_buffers(k);
  for (size_t b = 0; b < data.size(); ++b)
    if (k.buffers[b].kind == BufferKind::kInput)
      data[b] = random_data(data[b].size(), 7 + static_cast<uint32_t>(b));
  BufferData want = data;
  interpret(k, want);
  j->run(data);
  for (size_t b = 0; b < data.size(); ++b)
    if (k.buffers[b].kind == BufferKind::kOutput) {
      for (size_t e = 0; e < data[b].size(); ++e)
        ASSERT_NEAR(data[b][e], want[b][e], 1e-4 * std::fabs(want[b][e]) + 1e-5);
    }
}

TEST(Autotune, PlainFunctionReturnsAPipeline) {
  auto best = runtime::autotune_kernel(softmax(40), {});
  ASSERT_TRUE(best) << best.error().message;
  auto all = runtime::candidate_pipelines(softmax(40), host(), 8);
  EXPECT_NE(std::find(all.begin(), all.end(), *best), all.end());
}

TEST(Autotune, UsesTheGivenCallData) {
  Kernel k = elementwise(4, 33);
  BufferData data = make_buffers(k);
  for (size_t b = 0; b < data.size(); ++b) data[b] = random_data(data[b].size(), 3);
  runtime::TuneOptions o;
  o.data = &data;
  o.calls_per_batch = 4;
  auto r = runtime::tune_kernel(k, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->candidates[r->best].cycles_per_call, 0);
}

}  // namespace
}  // namespace njc
