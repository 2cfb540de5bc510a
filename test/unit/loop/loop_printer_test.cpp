// Tests for ir/loop_printer.cpp: canonical affine and float forms, param layout.
#include "ir/loop_printer.h"

#include <gtest/gtest.h>

#include <limits>

#include "ir/loop_builder.h"

namespace njc::loop {
namespace {

TEST(LoopPrinter, AffineForms) {
  Kernel k;
  ValueId i = k.new_value("i", Type::index()), j = k.new_value("j", Type::index());
  EXPECT_EQ(print_affine(k, Affine::cst(-3)), "-3");
  EXPECT_EQ(print_affine(k, Affine::var(i)), "%i");
  EXPECT_EQ(print_affine(k, Affine::var(i, -1) + 4), "%i * -1 + 4");
  EXPECT_EQ(print_affine(k, Affine::var(i, 2) + Affine::var(j, -3) + (-1)), "%i * 2 - %j * 3 - 1");
}

TEST(LoopPrinter, ShortestExactFloats) {
  EXPECT_EQ(print_float(0.1f), "0.1");
  EXPECT_EQ(print_float(1.0f), "1");
  EXPECT_EQ(print_float(-0.0f), "-0");
  EXPECT_EQ(print_float(std::numeric_limits<float>::infinity()), "inf");
  EXPECT_EQ(print_float(std::numeric_limits<float>::denorm_min()), "1e-45");
}

TEST(LoopPrinter, ParamsSplatOrSixteenPerLine) {
  Kernel k;
  k.name = "p";
  Builder b(k);
  b.param("s", {3}, {2, 2, 2});
  std::vector<float> data(18);
  for (size_t n = 0; n < data.size(); ++n) data[n] = static_cast<float>(n);
  b.param("l", {18}, data);
  EXPECT_EQ(print(k),
            "kernel @p {\n  param %s : [3] = splat 2\n  param %l : [18] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
            "13, 14, 15,\n      16, 17]\n}\n");
}

}  // namespace
}  // namespace njc::loop
