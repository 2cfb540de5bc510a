// Tests for passes/vectorize.cpp: vector bodies, masked and scalar tails, reductions, refusals.
#include "passes/vectorize.h"

#include "passes/interchange.h"
#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

struct Case {
  int width;
  bool scalar_tail;
};
class VectorizeWidths : public testing::TestWithParam<Case> {};

TEST_P(VectorizeWidths, PreservesResults) {
  for (int64_t n : {1, 3, 4, 8, 15, 16, 17, 33}) {
    VectorizeOptions o;
    o.width = GetParam().width;
    o.scalar_tail = GetParam().scalar_tail;
    Kernel e = elementwise(2, n), e0 = e;
    ASSERT_TRUE(vectorize(e, o));
    EXPECT_TRUE(same_results(e0, e)) << "n=" << n;
    Kernel d = dot_rows(3, n), d0 = d;
    ASSERT_TRUE(vectorize(d, o));
    EXPECT_TRUE(same_results(d0, d)) << "n=" << n;
    Kernel s = softmax(n), s0 = s;
    ASSERT_TRUE(vectorize(s, o));
    EXPECT_TRUE(same_results(s0, s)) << "n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, VectorizeWidths,
                         testing::Values(Case{4, false}, Case{8, false}, Case{16, false}, Case{8, true}, Case{4, true}));

TEST(Vectorize, VectorBodyAndMaskedTail) {
  Kernel k = parse_ok(R"(kernel @k {
  input %x : [2, 11]
  param %s : [2] = [2, 3]
  output %y : [2, 11]
  for %i = 0 to 2 step 1 {
    %b = load %s[%i] : f32
    for %j = 0 to 11 step 1 {
      %a = load %x[%i, %j] : f32
      %c = mul %a, %b : f32
      store %c, %y[%i, %j]
    }
  }
}
)");
  Kernel before = k;
  VectorizeOptions o;
  o.width = 8;
  ASSERT_TRUE(vectorize(k, o));
  EXPECT_TRUE(same_results(before, k));
  EXPECT_EQ(print(k), R"(kernel @k {
  input %x : [2, 11]
  param %s : [2] = [2, 3]
  output %y : [2, 11]

  for %i = 0 to 2 step 1 {
    %b = load %s[%i] : f32
    %splat = splat %b : f32x8
    for %j = 0 to 8 step 8 {
      %a.1 = load %x[%i, %j] : f32x8
      %c.1 = mul %a.1, %splat : f32x8
      store %c.1, %y[%i, %j]
    }
    %a.2 = load %x[%i, 8] masked 3 : f32x8
    %c.2 = mul %a.2, %splat : f32x8
    store %c.2, %y[%i, 8] masked 3
  }
}
)");
}

TEST(Vectorize, RefusalsOnNamedLoops) {
  Kernel k = matmul(4, 4, 4);  // naive order: k innermost strides %b and stores an invariant %c
  VectorizeOptions o;
  o.loop = "k";
  Status s = vectorize(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cannot vectorize %k: the access to %b strides dimension 0"), std::string::npos)
      << s.error().message;
  Kernel before = k;
  o.loop.clear();
  ASSERT_TRUE(vectorize(k, o));  // unnamed: skips %k, vectorizes the init nest's %j0
  EXPECT_TRUE(same_results(before, k));
  Kernel m = matvec(8, 8);
  o.loop = "k";
  s = vectorize(m, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("strides dimension 0"), std::string::npos) << s.error().message;
  ASSERT_TRUE(interchange(m, {}));  // k, j: now %k is outer
  o.width = 3;
  s = vectorize(m, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("width must be 4, 8 or 16"), std::string::npos);
}

}  // namespace
}  // namespace njc::passes
