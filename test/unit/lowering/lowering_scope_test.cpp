// LoweringContext::unique, the namer of the lowering's buffers and kernels: a name is never handed out
// twice, and a base asked for again gets the smallest free _N suffix (so the names, and with them every
// printed kernel, stay as they were when the search started from _1 every time).
#include "passes/lowering_scope.h"

#include <gtest/gtest.h>

#include <set>

namespace njc::passes::lowering {
namespace {

TEST(LoweringContext, UniqueNamesTakeTheSmallestFreeSuffix) {
  Graph g;
  LoweringContext ctx(g);
  EXPECT_EQ(ctx.unique("w.packed"), "w.packed");
  EXPECT_EQ(ctx.unique("w.packed"), "w.packed_1");
  EXPECT_EQ(ctx.unique("w.packed_3"), "w.packed_3");  // taken by another base before its turn
  EXPECT_EQ(ctx.unique("w.packed"), "w.packed_2");
  EXPECT_EQ(ctx.unique("w.packed"), "w.packed_4");
  EXPECT_EQ(ctx.unique("a b"), "a_b");  // sanitized first, then made unique
  EXPECT_EQ(ctx.unique("a_b"), "a_b_1");
  EXPECT_EQ(ctx.unique(""), "v");
}

TEST(LoweringContext, ThousandsOfNamesFromOneBaseAreAllDistinct) {
  Graph g;
  LoweringContext ctx(g);
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) EXPECT_TRUE(seen.insert(ctx.unique("packed")).second);
  EXPECT_TRUE(seen.count("packed_19999"));
}

}  // namespace
}  // namespace njc::passes::lowering
