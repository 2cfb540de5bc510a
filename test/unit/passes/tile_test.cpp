// Tests for passes/tile.cpp: loop order, remainders for any trip count, refusals.
#include "passes/tile.h"

#include "passes/interchange.h"
#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

TEST(Tile, MicroKernelOrderAndRemainders) {
  Kernel k = matmul(7, 10, 5);
  ASSERT_TRUE(interchange(k, {}));  // i, k, j
  Kernel before = k;
  TileOptions o;
  o.sizes = {3, 0, 4};
  o.loop = "i";
  ASSERT_TRUE(tile(k, o));
  EXPECT_TRUE(same_results(before, k));
  // Full tiles first: i.tile, j.tile, k, i, j.
  const Loop& t = k.body[1].loop();
  EXPECT_EQ(k.name_of(t.iv), "i.tile");
  EXPECT_EQ(t.step, 3);
  EXPECT_EQ(t.ub, 6);
  const Loop& jt = t.body[0].loop();
  EXPECT_EQ(k.name_of(jt.iv), "j.tile");
  EXPECT_EQ(k.name_of(jt.body[0].loop().iv), "k");
  // 2 x 2 combinations of full/remainder tiles, plus the init nest.
  EXPECT_EQ(k.body.size(), 5u);
}

struct Shape {
  int64_t m, n, kk;
  std::vector<int64_t> sizes;
};
class TileShapes : public testing::TestWithParam<Shape> {};

TEST_P(TileShapes, PreservesResults) {
  const Shape& s = GetParam();
  Kernel k = matmul(s.m, s.n, s.kk), before = k;
  TileOptions o;
  o.sizes = s.sizes;
  ASSERT_TRUE(tile(k, o));
  EXPECT_TRUE(same_results(before, k));
}

INSTANTIATE_TEST_SUITE_P(Cases, TileShapes,
                         testing::Values(Shape{1, 1, 1, {2, 2}}, Shape{13, 7, 3, {4, 4, 4}}, Shape{16, 16, 16, {4, 8}},
                                         Shape{5, 31, 2, {0, 8, 2}}, Shape{9, 9, 9, {9, 20, 3}},
                                         Shape{17, 2, 11, {16}}));

TEST(Tile, SizesCoveringTheLoopMovePointLoopsInside) {
  Kernel k = matmul(2, 3, 4), before = k;
  TileOptions o;
  o.sizes = {8, 0, 0};
  o.loop = "i";
  ASSERT_TRUE(tile(k, o));
  // i is one whole tile: its point loop goes inside the untiled j, k.
  EXPECT_EQ(k.name_of(k.body[1].loop().iv), "j");
  EXPECT_TRUE(same_results(before, k));
}

TEST(Tile, RefusesNestsThatAreNotFullyPermutable) {
  Kernel k = parse_ok(R"(kernel @wave {
  output %a : [8, 8]
  for %i = 1 to 8 step 1 {
    for %j = 0 to 7 step 1 {
      %x = load %a[%i - 1, %j + 1] : f32
      store %x, %a[%i, %j]
    }
  }
}
)");
  TileOptions o;
  o.sizes = {2, 2};
  Status s = tile(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not fully permutable: dependence (<, >) on %a"), std::string::npos)
      << s.error().message;
}

TEST(Tile, RefusesShallowNamedNest) {
  Kernel k = matmul(4, 4, 4);
  TileOptions o;
  o.sizes = {2, 2, 2, 2};
  o.loop = "i";
  Status s = tile(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("needs a perfect nest of 4 loops"), std::string::npos);
}

}  // namespace
}  // namespace njc::passes
