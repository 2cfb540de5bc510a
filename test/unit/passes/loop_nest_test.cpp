// Tests for passes/loop_nest.cpp: loop selection by name and default, perfect bands, the replacing walker.
#include "passes/loop_nest.h"

#include <set>

#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

std::set<std::string> names(const Kernel& k, const std::unordered_set<ValueId>& ids) {
  std::set<std::string> out;
  for (ValueId v : ids) out.insert(k.name_of(v));
  return out;
}

TEST(LoopNest, SelectsByBaseNameOrDefault) {
  Kernel k = parse_ok(R"(kernel @k {
  output %y : [4]
  for %i = 0 to 4 step 1 {
    for %k = 0 to 1 step 1 {
    }
  }
  for %k.1 = 0 to 1 step 1 {
  }
  for %k_1 = 0 to 1 step 1 {
  }
}
)");
  auto s = select_loops(k, "p", "k", DefaultLoops::kBandHeads);
  ASSERT_TRUE(s);
  EXPECT_EQ(names(k, *s), (std::set<std::string>{"k", "k.1"}));
  s = select_loops(k, "p", "", DefaultLoops::kBandHeads);
  EXPECT_EQ(names(k, *s), (std::set<std::string>{"i", "k.1", "k_1"}));
  s = select_loops(k, "p", "", DefaultLoops::kInnermost);
  EXPECT_EQ(names(k, *s), (std::set<std::string>{"k", "k.1", "k_1"}));
  s = select_loops(k, "p", "zz", DefaultLoops::kAll);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "p: no loop named %zz in @k");
}

TEST(LoopNest, BandHeadsInsideAWrappingLoop) {
  Kernel k = parse_ok(R"(kernel @k {
  output %y : [2, 4, 4]
  for %b = 0 to 2 step 1 {
    for %i = 0 to 4 step 1 {
      for %j = 0 to 4 step 1 {
        %c = const 0 : f32
        store %c, %y[%b, %i, %j]
      }
    }
    for %i2 = 0 to 4 step 1 {
      for %j2 = 0 to 4 step 1 {
        %d = const 1 : f32
        store %d, %y[%b, %j2, %i2]
      }
    }
  }
}
)");
  auto s = select_loops(k, "p", "", DefaultLoops::kBandHeads);
  ASSERT_TRUE(s);
  EXPECT_EQ(names(k, *s), (std::set<std::string>{"b", "i", "i2"}));
}

TEST(LoopNest, PerfectBandStopsAtCarriedValuesAndStatements) {
  Kernel m = matmul(2, 2, 2);
  EXPECT_EQ(perfect_band(m.body[1].loop()).size(), 3u);
  Kernel d = dot_rows(2, 2);
  EXPECT_EQ(perfect_band(d.body[0].loop()).size(), 1u);                // %i's body is not a single loop
  EXPECT_TRUE(perfect_band(d.body[0].loop().body[1].loop()).empty());  // %k carries a value
}

TEST(LoopNest, RewriterForwardsResultsToLaterUses) {
  Kernel k = dot_rows(2, 3), before = k;
  // Replace the %k loop by its init: later uses of its result (the sigmoid) must follow.
  auto targets = select_loops(k, "t", "k", DefaultLoops::kAll);
  ASSERT_TRUE(targets);
  Status s = rewrite_loops(k, *targets, [&](Loop& l, std::optional<LoopReplacement>& out) {
    LoopReplacement r;
    r.values.emplace_back(l.results[0], l.inits[0]);
    out = std::move(r);
    return Status{};
  });
  ASSERT_TRUE(s);
  ASSERT_TRUE(verify(k)) << print(k);
  BufferData mem = run(k);
  EXPECT_FLOAT_EQ(mem[2][0], 0.5f);  // sigmoid(0)
}

TEST(LoopNest, IndependentRunsKeepNamesAndTopLevelResultsTogether) {
  Kernel k = parse_ok(R"(kernel @k {
  input %x : [8]
  output %y : [8]
  output %z : [1]
  for %a = 0 to 8 step 1 {
    %va = load %x[%a] : f32
    store %va, %y[%a]
  }
  for %b = 0 to 4 step 1 {
    %vb = load %x[%b] : f32
    store %vb, %y[%b]
  }
  for %b.1 = 4 to 8 step 1 {
    %vb1 = load %x[%b.1] : f32
    store %vb1, %y[%b.1]
  }
  %c0 = const 0 : f32
  %s = for %r = 0 to 8 step 1 iter(%acc = %c0) {
    %vr = load %x[%r] : f32
    %n = add %vr, %acc : f32
    yield %n
  }
  for %d = 0 to 8 step 1 {
    %vd = load %x[%d] : f32
    %m = mul %vd, %s : f32
    store %m, %y[%d]
  }
  for %e = 0 to 1 step 1 {
    store %c0, %z[%e]
  }
}
)");
  using Runs = std::vector<std::pair<size_t, size_t>>;
  // %b and its copy %b.1 share a run; so do the loop carrying %s and the loop that reads %s. %c0 is read
  // in other runs, but passes never replace an instruction, so it needs no company.
  EXPECT_EQ(independent_runs(k), (Runs{{0, 1}, {1, 3}, {3, 4}, {4, 6}, {6, 7}}));
  k.body.clear();
  EXPECT_EQ(independent_runs(k), Runs{});
}

}  // namespace
}  // namespace njc::passes
