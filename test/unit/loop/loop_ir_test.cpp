// Tests for ir/loop_ir.cpp: the op table, types, affine arithmetic, buffers.
#include "ir/loop_ir.h"

#include <gtest/gtest.h>

namespace njc::loop {
namespace {

TEST(LoopIr, OpTableRoundTripsNames) {
  for (int i = 0; i <= static_cast<int>(Op::ReduceMin); ++i) {
    Op op = static_cast<Op>(i);
    std::optional<Op> back = op_from_name(op_name(op));
    ASSERT_TRUE(back) << op_name(op);
    EXPECT_EQ(*back, op);
  }
  EXPECT_FALSE(op_from_name("frob"));
  EXPECT_EQ(op_info(Op::Fma).arity, 3);
  EXPECT_TRUE(op_info(Op::Store).flags & kWrites);
  EXPECT_EQ(op_info(Op::CmpLt).rule, TypeRule::kCompare);
}

TEST(LoopIr, Types) {
  EXPECT_EQ(Type::f32().str(), "f32");
  EXPECT_EQ(Type::f32(16).str(), "f32x16");
  EXPECT_EQ(Type::mask(8).str(), "i1x8");
  EXPECT_EQ(Type::index().str(), "index");
  EXPECT_TRUE(is_valid_lane_count(4));
  EXPECT_FALSE(is_valid_lane_count(2));
}

TEST(LoopIr, AffineStaysNormalized) {
  Affine a = Affine::var(3, 2) + Affine::var(5) + 1;
  Affine b = a.plus(Affine::var(3, 2), -1);
  EXPECT_EQ(b.terms.size(), 1u);
  EXPECT_EQ(b.coeff_of(5), 1);
  EXPECT_EQ((a * 0).terms.size(), 0u);
  EXPECT_EQ((a * 3).constant, 3);
  EXPECT_TRUE(Affine::cst(4).is_constant());
}

TEST(LoopIr, BufferStridesAndTripCounts) {
  Buffer b;
  b.shape = {2, 3, 4};
  EXPECT_EQ(b.size(), 24);
  EXPECT_EQ(b.stride(0), 12);
  EXPECT_EQ(b.stride(2), 1);
  Loop l;
  l.lb = 1, l.ub = 10, l.step = 4;
  EXPECT_EQ(l.trip_count(), 3);
  EXPECT_EQ(l.last_iv(), 9);
  l.ub = 1;
  EXPECT_EQ(l.trip_count(), 0);
}

TEST(LoopIr, FindBufferByName) {
  Kernel k;
  for (int i = 0; i < 3000; ++i) {
    Buffer b;
    b.name = "b" + std::to_string(i);
    EXPECT_EQ(k.add_buffer(std::move(b)), i);
  }
  EXPECT_EQ(k.find_buffer("b0"), 0);
  EXPECT_EQ(k.find_buffer("b2999"), 2999);
  EXPECT_FALSE(k.find_buffer("b3000"));
  Buffer direct;  // buffers is public: one added behind add_buffer's back is still found
  direct.name = "direct";
  k.buffers.push_back(direct);
  EXPECT_EQ(k.find_buffer("direct"), 3000);
  EXPECT_EQ(k.find_buffer("b7"), 7);
  Kernel copy = k;
  Buffer later;
  later.name = "later";
  EXPECT_EQ(copy.add_buffer(later), 3001);
  EXPECT_EQ(copy.find_buffer("later"), 3001);
  EXPECT_FALSE(k.find_buffer("later"));
}

}  // namespace
}  // namespace njc::loop
