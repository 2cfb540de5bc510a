// Numpy broadcasting of shapes and strides.
#include "ir/broadcast.h"

#include <gtest/gtest.h>

namespace njc {
namespace {

TEST(Broadcast, Shapes) {
  EXPECT_EQ(*broadcast_shapes({3, 1, 5}, {4, 1}), (Shape{3, 4, 5}));
  EXPECT_EQ(*broadcast_shapes({}, {2, 3}), (Shape{2, 3}));
  EXPECT_EQ(*broadcast_shapes({1}, {7}), (Shape{7}));
  EXPECT_FALSE(broadcast_shapes({3}, {4}));
  EXPECT_FALSE(broadcast_shapes({2, 3}, {3, 3}));
}

TEST(Broadcast, StridesAreZeroOnStretchedDimensions) {
  EXPECT_EQ(broadcast_strides({4, 1}, {3, 4, 5}), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(broadcast_strides({3, 4, 5}, {3, 4, 5}), (std::vector<int64_t>{20, 5, 1}));
}

}  // namespace
}  // namespace njc
