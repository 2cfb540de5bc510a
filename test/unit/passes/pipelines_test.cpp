// Tests for passes/pipelines.cpp, and the property test of the whole pass library: for random shapes
// (1, primes, powers of two, odd sizes) and random pipelines, the interpreter gives the same results
// before and after (fp32 reassociation tolerance) on matmul, matvec, dot-product, elementwise and softmax
// kernels.
#include "passes/pipelines.h"

#include <random>

#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

const int64_t kSizes[] = {1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32, 64};

Kernel make_kernel(int which, int64_t a, int64_t b, int64_t c) {
  switch (which) {
    case 0:
      return matmul(a, b, c);
    case 1:
      return matvec(a, b);
    case 2:
      return dot_rows(a, b);
    case 3:
      return elementwise(a, b);
    default:
      return softmax(a);
  }
}

TEST(Pipelines, LevelsPreserveResultsOnEveryTarget) {
  std::mt19937 rng(2024);
  auto size = [&] { return kSizes[rng() % std::size(kSizes)]; };
  for (int round = 0; round < 30; ++round)
    for (int which = 0; which < 5; ++which) {
      Kernel k = make_kernel(which, size(), size(), std::min<int64_t>(size(), 17));
      for (TargetDesc t : {TargetDesc::avx512(), TargetDesc::avx2(), TargetDesc::sse()})
        for (int level = 0; level <= 3; ++level) {
          Kernel x = k;
          Pipeline p = default_pipeline(level, x, t);
          RunConfig c;
          c.target = t;
          PassManager pm(c);
          std::string dump;
          Status s = pm.run(p, x, dump);
          ASSERT_TRUE(s) << format_diag(s.error()) << format_pipeline(p);
          ASSERT_TRUE(same_results(k, x)) << "O" << level << ": " << format_pipeline(p);
        }
    }
}

// A kernel of many independent loops (as the state update of a model with thousands of states) is
// optimized one run of statements at a time (Recipe::in_each_run): the result must be the kernel the
// recorded pipeline makes of the whole body, and a top-level reduction must still reach its later use.
TEST(Pipelines, O3OfManyIndependentLoopsEqualsItsPipelineOnTheWholeKernel) {
  std::string text = "kernel @many {\n  input %x : [37]\n  output %y : [37]\n  output %z : [37]\n";
  for (int i = 0; i < 300; ++i)
    text += "  for %e" + std::to_string(i) + " = 0 to 37 step 1 {\n    %v" + std::to_string(i) +
            " = load %x[%e" + std::to_string(i) + "] : f32\n    store %v" + std::to_string(i) + ", %y[%e" +
            std::to_string(i) + "]\n  }\n";
  text +=
      "  %c0 = const 0 : f32\n  %s = for %r = 0 to 37 step 1 iter(%acc = %c0) {\n    %vr = load %x[%r] : "
      "f32\n"
      "    %n = add %vr, %acc : f32\n    yield %n\n  }\n  for %d = 0 to 37 step 1 {\n    %vd = load %x[%d] : "
      "f32\n    %m = mul %vd, %s : f32\n    store %m, %z[%d]\n  }\n}\n";
  Kernel k = parse_ok(text);
  for (TargetDesc t : {TargetDesc::avx512(), TargetDesc::avx2(), TargetDesc::sse()}) {
    Kernel optimized = k;
    Expected<Pipeline> p = optimize(3, optimized, t);
    ASSERT_TRUE(p);
    ASSERT_TRUE(verify(optimized)) << format_diag(verify(optimized).error());
    EXPECT_TRUE(same_results(k, optimized));
    size_t vectorized = 0;
    for (const PassInstance& pass : *p) vectorized += pass.info->name == "vectorize";
    EXPECT_EQ(vectorized, 302u);  // every loop, each by its own name
    Kernel replayed = k;
    RunConfig c;
    c.target = t;
    PassManager pm(c);
    std::string dump;
    ASSERT_TRUE(pm.run(*p, replayed, dump));
    EXPECT_EQ(print(optimized), print(replayed));
  }
}

TEST(Pipelines, O3ShapesTheMatvecMicroKernel) {
  Kernel k = matvec(64, 16);
  Pipeline p = default_pipeline(3, k, TargetDesc::avx512());
  EXPECT_EQ(format_pipeline(p),
            "interchange,tile{sizes=0,64 loop=k},vectorize{width=16 loop=j},unroll{factor=full loop=j},"
            "register-tile{loop=k},split-reduction{ways=4 loop=k},vectorize{width=16 loop=j0},"
            "unroll{factor=2 loop=j0},vectorize{width=16 loop=j1},unroll{factor=2 loop=j1},cse");
  EXPECT_TRUE(default_pipeline(0, k, TargetDesc::avx512()).empty());
  EXPECT_EQ(format_pipeline(default_pipeline(2, k, TargetDesc::avx512())),
            "interchange,unroll{factor=4},cse");
}

// Random pipelines: each step draws a pass and options; passes that refuse are dropped (a refusal is a
// Diag and leaves the kernel unchanged), every accepted one must keep the results.
TEST(Pipelines, RandomPipelinesPreserveResults) {
  std::mt19937 rng(7);
  auto pick = [&](std::vector<std::string> v) { return v[rng() % v.size()]; };
  auto size = [&] { return kSizes[rng() % std::size(kSizes)]; };
  const std::vector<std::string> loops = {"", "i", "j", "k", "j0", "m", "e", "s"};
  int accepted = 0;
  for (int round = 0; round < 400; ++round) {
    Kernel k = make_kernel(static_cast<int>(rng() % 5), size(), size(), std::min<int64_t>(size(), 13));
    Kernel x = k;
    std::string applied;
    for (int step = 0; step < 6; ++step) {
      std::string loop = pick(loops);
      std::string lo = loop.empty() ? "" : " loop=" + loop;
      std::string text = pick({
          "interchange{order=auto" + lo + "}",
          "interchange{order=" + pick({"1,0", "1,0,2", "2,1,0", "0,2,1"}) + lo + "}",
          "tile{sizes=" + pick({"4", "3,5", "0,8", "2,0,16", "16,16,16", "7,1"}) + lo + "}",
          "unroll{factor=" + pick({"2", "3", "4", "full"}) + lo + "}",
          "vectorize{width=" + pick({"4", "8", "16"}) + " tail=" + pick({"mask", "scalar"}) + lo + "}",
          "register-tile{" + lo + "}",
          "split-reduction{ways=" + pick({"2", "3", "4"}) + lo + "}",
          "cse",
          "relayout",
          "relayout{buffer=" + pick({"b", "w", "bias"}) + " order=" + pick({"1,0", "0,1", "auto"}) + "}",
      });
      if (text.find("full") != std::string::npos && loop.empty()) continue;  // keep programs small
      Expected<Pipeline> p = parse_pipeline(text);
      ASSERT_TRUE(p) << text;
      Kernel trial = x;
      PassManager pm(RunConfig{});
      std::string dump;
      Status s = pm.run(*p, trial, dump);
      if (!s) {
        ASSERT_EQ(s.error().message.find("internal error"), std::string::npos) << s.error().message;
        ASSERT_TRUE(verify(trial)) << "a refusal left invalid IR: "
                                   << text;  // refusals change nothing broken
        continue;
      }
      applied += text + ",";
      ++accepted;
      ASSERT_TRUE(same_results(k, trial)) << applied;
      x = std::move(trial);
    }
  }
  EXPECT_GT(accepted, 100);  // the generator must not only produce refusals
}

}  // namespace
}  // namespace njc::passes
