// Tests for ir/loop_parser.cpp: round trips of the text form and the diagnostics of bad input.
#include "ir/loop_parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ir/loop_printer.h"

namespace njc::loop {
namespace {

constexpr const char* kMatvec = R"(kernel @matvec {
  input %x : [4]
  param %w : [3, 4] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5]
  param %b : [3] = splat -0.25
  output %y : [3]

  for %i = 0 to 3 step 1 {
    %z = load %b[%i] : f32
    %r = for %k = 0 to 4 step 1 iter(%acc = %z) {
      %a = load %w[%i, %k] : f32
      %v = load %x[%k] : f32
      %n = fma %a, %v, %acc : f32
      yield %n
    }
    store %r, %y[%i]
  }
}
)";

constexpr const char* kVector = R"(kernel @vec {
  input %x : [2, 20]
  output %y : [2, 20]
  scratch %s : []

  for %i = 0 to 2 step 1 {
    for %j = 0 to 16 step 8 {
      %a = load %x[%i, %j] : f32x8
      %b = load.bcast %x[%i, %j * 2 - %i + 1] : f32x8
      %c = const 1e-05 : f32x8
      %m = cmp.lt %a, %b : i1x8
      %s = select %m, %a, %c : f32x8
      %t = reduce.max %s : f32
      %u = splat %t : f32x8
      store %u, %y[%i, %j]
    }
    %t2 = load %x[%i, 16] masked 4 : f32x8
    %mk = mask 4 : i1x8
    %e = exp %t2 : f32x8
    store %e, %y[%i, 16] masked 4
  }
}
)";

TEST(LoopParser, RoundTripsMatvec) {
  Expected<Kernel> k = parse_kernel(kMatvec);
  ASSERT_TRUE(k) << format_diag(k.error());
  EXPECT_EQ(print(*k), kMatvec);
  EXPECT_EQ(k->buffers[1].data.back(), 12.5f);
  EXPECT_EQ(k->buffers[2].data.size(), 3u);
}

TEST(LoopParser, RoundTripsVectorOps) {
  Expected<Kernel> k = parse_kernel(kVector);
  ASSERT_TRUE(k) << format_diag(k.error());
  EXPECT_EQ(print(*k), kVector);
}

TEST(LoopParser, RoundTripsExactFloats) {
  std::string text =
      "kernel @f {\n  param %p : [4] = [0.1, -0, 3.4028235e+38, 1e-45]\n  output %o : [1]\n}\n";
  Expected<Kernel> k = parse_kernel(text);
  ASSERT_TRUE(k) << format_diag(k.error());
  EXPECT_EQ(print(*k), text);
  EXPECT_EQ(k->buffers[0].data[0], 0.1f);
  EXPECT_TRUE(std::signbit(k->buffers[0].data[1]));
}

TEST(LoopParser, ModuleOfTwoKernelsAndComments) {
  std::string text = "// leading comment\nkernel @a {\n}\n\nkernel @b { // trailing\n}\n";
  Expected<Module> m = parse_module(text);
  ASSERT_TRUE(m) << format_diag(m.error());
  ASSERT_EQ(m->kernels.size(), 2u);
  EXPECT_EQ(print(*m), "kernel @a {\n}\n\nkernel @b {\n}\n");
}

TEST(LoopParser, RecordsTheLineAndColumnOfEveryStatement) {
  std::string text = "kernel @k {\n  input %x : [8]\n  output %y : [8]\n";
  const int loops = 20000;  // positions were counted from the top of the text: quadratic in the loops
  for (int i = 0; i < loops; ++i)
    text += "  for %i" + std::to_string(i) + " = 0 to 8 step 1 {\n    %v" + std::to_string(i) +
            " = load %x[%i" + std::to_string(i) + "] : f32\n    store %v" + std::to_string(i) + ", %y[%i" +
            std::to_string(i) + "]\n  }\n";
  text += "}\n";
  Expected<Kernel> k = parse_kernel(text);
  ASSERT_TRUE(k) << format_diag(k.error());
  ASSERT_EQ(k->body.size(), static_cast<size_t>(loops));
  EXPECT_EQ(k->loc.line, 1);
  EXPECT_EQ(k->loc.col, 1);
  const Loop& last = k->body.back().loop();
  EXPECT_EQ(last.loc.line, 4 + 4 * (loops - 1));
  EXPECT_EQ(last.loc.col, 3);
  EXPECT_EQ(last.body[1].inst().loc.line, 6 + 4 * (loops - 1));
  EXPECT_EQ(last.body[1].inst().loc.col, 5);
  EXPECT_EQ(k->buffers[1].loc.line, 3);
}

struct BadCase {
  const char* text;
  int line, col;
  const char* message;
};

class LoopParserErrors : public testing::TestWithParam<BadCase> {};

TEST_P(LoopParserErrors, ReportsPosition) {
  Expected<Module> m = parse_module(GetParam().text, "t.loop");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().file, "t.loop");
  EXPECT_EQ(m.error().line, GetParam().line);
  EXPECT_EQ(m.error().col, GetParam().col);
  EXPECT_NE(m.error().message.find(GetParam().message), std::string::npos) << m.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoopParserErrors,
    testing::Values(
        BadCase{"kernel @k {\n  %a = frob : f32\n}\n", 2, 8, "unknown op 'frob'"},
        BadCase{"kernel @k {\n  %a = add %b, %b : f32\n}\n", 2, 12, "undefined value %b"},
        BadCase{"kernel @k {\n  %a = const 1 : f32\n  %a = const 2 : f32\n}\n", 3, 3, "redefinition of %a"},
        BadCase{"kernel @k {\n  input %x : [0]\n}\n", 2, 15, "must be positive"},
        BadCase{"kernel @k {\n  input %x : [4]\n  %a = load %y[0] : f32\n}\n", 3, 13, "undefined buffer %y"},
        BadCase{"kernel @k {\n  %a = const 1 : f32x3\n}\n", 2, 18, "4, 8 or 16 lanes"},
        BadCase{"kernel @k {\n  for %i = 0 to 4 step 0 {\n  }\n}\n", 2, 24, "step must be positive"},
        BadCase{
            "kernel @k {\n  for %i = 0 to 4 step 1 {\n    %c = const 1 : f32\n  }\n  store %c, %c[0]\n}\n", 5,
            9, "outside the block"},
        BadCase{"kernel @k {\n  %c = const 1 : f32\n  %r = for %i = 0 to 4 step 1 iter(%a = %c) {\n  }\n}\n",
                4, 3, "must end with 'yield'"},
        BadCase{"kernel @k {\n  input %x : [4]\n  %c = const 1 : f32\n  %a = load %x[%c] : f32\n}\n", 4, 16,
                "not an induction variable"},
        BadCase{"kernel @k {\n  store : f32\n}\n", 2, 9, "expected a value"},
        BadCase{"kernel @k {\n", 2, 1, "expected '}'"}));

}  // namespace
}  // namespace njc::loop
