// Tests for passes/interchange.cpp: explicit and automatic orders, legality, refusals.
#include "passes/interchange.h"

#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

std::vector<std::string> band_names(const Kernel& k, size_t nest) {
  std::vector<std::string> out;
  size_t seen = 0;
  for (const Stmt& s : k.body) {
    if (!s.is_loop() || seen++ != nest) continue;
    const Loop* l = &s.loop();
    while (l) {
      out.push_back(k.name_of(l->iv));
      l = l->body.size() == 1 && l->body[0].is_loop() ? &l->body[0].loop() : nullptr;
    }
  }
  return out;
}

TEST(Interchange, AutoPutsUnitStrideLoopInnermost) {
  Kernel k = matmul(3, 5, 4), before = k;
  ASSERT_TRUE(interchange(k, {}));
  EXPECT_EQ(band_names(k, 1), (std::vector<std::string>{"i", "k", "j"}));
  EXPECT_EQ(band_names(k, 0), (std::vector<std::string>{"i0", "j0"}));
  EXPECT_TRUE(same_results(before, k));
}

TEST(Interchange, ExplicitOrderOnNamedNest) {
  Kernel k = matmul(3, 5, 4), before = k;
  InterchangeOptions o;
  o.order = {2, 0, 1};
  o.loop = "i";
  ASSERT_TRUE(interchange(k, o));
  EXPECT_EQ(band_names(k, 1), (std::vector<std::string>{"k", "i", "j"}));
  EXPECT_TRUE(same_results(before, k));
}

TEST(Interchange, PrefixOrderLeavesInnerLoops) {
  Kernel k = matmul(3, 5, 4), before = k;
  InterchangeOptions o;
  o.order = {1, 0};
  o.loop = "i";
  ASSERT_TRUE(interchange(k, o));
  EXPECT_EQ(band_names(k, 1), (std::vector<std::string>{"j", "i", "k"}));
  EXPECT_TRUE(same_results(before, k));
}

constexpr const char* kStencil = R"(kernel @wave {
  output %a : [8, 8]
  for %i = 1 to 8 step 1 {
    for %j = 0 to 7 step 1 {
      %x = load %a[%i - 1, %j + 1] : f32
      %c = const 1 : f32
      %y = add %x, %c : f32
      store %y, %a[%i, %j]
    }
  }
}
)";

TEST(Interchange, RefusesWhenADependenceWouldReverse) {
  Kernel k = parse_ok(kStencil);
  InterchangeOptions o;
  o.order = {1, 0};
  Status s = interchange(k, o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().line, 3);
  EXPECT_NE(s.error().message.find("would reverse the dependence (<, >) on %a"), std::string::npos)
      << s.error().message;
}

TEST(Interchange, AutoLeavesIllegalNestsAlone) {
  Kernel k = parse_ok(kStencil), before = k;
  ASSERT_TRUE(interchange(k, {}));
  EXPECT_EQ(print(k), print(before));
}

TEST(Interchange, RefusesBadOrders) {
  Kernel k = matmul(2, 2, 2);
  InterchangeOptions o;
  o.order = {0, 0, 1};
  Status s = interchange(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not a permutation"), std::string::npos);
  o.order = {3, 2, 1, 0};
  o.loop = "i";
  s = interchange(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("needs a perfect nest of 4 loops but %i has 3"), std::string::npos)
      << s.error().message;
  o.loop = "nope";
  s = interchange(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no loop named %nope"), std::string::npos);
}

}  // namespace
}  // namespace njc::passes
