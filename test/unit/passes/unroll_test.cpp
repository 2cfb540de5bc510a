// Tests for passes/unroll.cpp: factors, remainders, full unrolling, loop-carried values.
#include "passes/unroll.h"

#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

class UnrollFactors : public testing::TestWithParam<int64_t> {};

TEST_P(UnrollFactors, ElementwiseAndCarriedValues) {
  for (int64_t n : {1, 2, 7, 16, 17}) {
    UnrollOptions o;
    o.factor = GetParam();
    Kernel e = elementwise(3, n), e0 = e;
    ASSERT_TRUE(unroll(e, o));
    EXPECT_TRUE(same_results(e0, e)) << "n=" << n;
    Kernel d = dot_rows(2, n), d0 = d;
    ASSERT_TRUE(unroll(d, o));
    EXPECT_TRUE(same_results(d0, d)) << "n=" << n;
    Kernel s = softmax(n), s0 = s;
    ASSERT_TRUE(unroll(s, o));
    EXPECT_TRUE(same_results(s0, s)) << "n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Factors, UnrollFactors, testing::Values(1, 2, 3, 4, 8));

TEST(Unroll, ShapeOfTheResult) {
  Kernel k = parse_ok(R"(kernel @k {
  input %x : [10]
  output %y : [10]
  for %i = 0 to 10 step 1 {
    %a = load %x[%i] : f32
    store %a, %y[%i]
  }
}
)");
  UnrollOptions o;
  o.factor = 4;
  ASSERT_TRUE(unroll(k, o));
  EXPECT_EQ(print(k), R"(kernel @k {
  input %x : [10]
  output %y : [10]

  for %i = 0 to 8 step 4 {
    %a = load %x[%i] : f32
    store %a, %y[%i]
    %a.1 = load %x[%i + 1] : f32
    store %a.1, %y[%i + 1]
    %a.2 = load %x[%i + 2] : f32
    store %a.2, %y[%i + 2]
    %a.3 = load %x[%i + 3] : f32
    store %a.3, %y[%i + 3]
  }
  %a.4 = load %x[8] : f32
  store %a.4, %y[8]
  %a.5 = load %x[9] : f32
  store %a.5, %y[9]
}
)");
}

TEST(Unroll, FullRemovesTheLoopAndForwardsResults) {
  Kernel k = dot_rows(2, 3), before = k;
  UnrollOptions o;
  o.full = true;
  o.loop = "k";
  ASSERT_TRUE(unroll(k, o));
  EXPECT_TRUE(same_results(before, k));
  const Loop& i = k.body[0].loop();
  for (const Stmt& s : i.body) EXPECT_FALSE(s.is_loop());
}

}  // namespace
}  // namespace njc::passes
