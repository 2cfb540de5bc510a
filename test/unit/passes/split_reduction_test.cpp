// Tests for passes/split_reduction.cpp: accumulator sets, remainders, refusals.
#include "passes/split_reduction.h"

#include "passes/register_tile.h"
#include "passes/vectorize.h"
#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

class SplitWays : public testing::TestWithParam<int64_t> {};

TEST_P(SplitWays, ScalarAndVectorReductions) {
  for (int64_t n : {2, 5, 8, 13, 64}) {
    if (n < GetParam()) continue;
    SplitReductionOptions o;
    o.ways = GetParam();
    Kernel d = dot_rows(3, n), d0 = d;
    ASSERT_TRUE(split_reduction(d, o));
    EXPECT_TRUE(same_results(d0, d)) << "n=" << n;
    Kernel v = dot_rows(2, n * 4), v0 = v;
    VectorizeOptions vo;
    vo.width = 4;
    ASSERT_TRUE(vectorize(v, vo));
    ASSERT_TRUE(split_reduction(v, o));
    EXPECT_TRUE(same_results(v0, v)) << "n=" << n;
    Kernel m = matvec(3, n), m0 = m;
    RegisterTileOptions r;
    r.loop = "k";
    ASSERT_TRUE(register_tile(m, r));
    o.loop = "k";
    ASSERT_TRUE(split_reduction(m, o));
    EXPECT_TRUE(same_results(m0, m)) << "n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Ways, SplitWays, testing::Values(1, 2, 3, 4));

TEST(SplitReduction, ShapeOfTheResult) {
  Kernel k = parse_ok(R"(kernel @sum {
  input %x : [5]
  output %y : [1]
  %z = const 0 : f32
  %r = for %k = 0 to 5 step 1 iter(%acc = %z) {
    %a = load %x[%k] : f32
    %s = add %acc, %a : f32
    yield %s
  }
  store %r, %y[0]
}
)");
  Kernel before = k;
  SplitReductionOptions o;
  ASSERT_TRUE(split_reduction(k, o));
  EXPECT_TRUE(same_results(before, k));
  EXPECT_EQ(print(k), R"(kernel @sum {
  input %x : [5]
  output %y : [1]

  %z = const 0 : f32
  %zero = const 0 : f32
  %r.1, %r.2 = for %k = 0 to 4 step 2 iter(%acc = %z, %acc.1 = %zero) {
    %a = load %x[%k] : f32
    %s = add %acc, %a : f32
    %a.1 = load %x[%k + 1] : f32
    %s.1 = add %acc.1, %a.1 : f32
    yield %s, %s.1
  }
  %add = add %r.1, %r.2 : f32
  %a.2 = load %x[4] : f32
  %s.2 = add %add, %a.2 : f32
  store %s.2, %y[0]
}
)");
}

TEST(SplitReduction, Refusals) {
  Kernel k = softmax(8);
  SplitReductionOptions o;
  o.loop = "m";  // a max reduction
  Status s = split_reduction(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cannot split %m: it carries no add reduction"), std::string::npos);
  Kernel d = dot_rows(2, 3);
  o.loop = "k";
  o.ways = 4;
  s = split_reduction(d, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("it runs 3 iterations, fewer than ways=4"), std::string::npos);
}

}  // namespace
}  // namespace njc::passes
