// Tests for ir/loop_interpreter.cpp: op semantics, loop-carried values, masked accesses.
#include "ir/loop_interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ir/loop_parser.h"
#include "ir/loop_verifier.h"

namespace njc::loop {
namespace {

Kernel parse_ok(const std::string& text) {
  Expected<Kernel> k = parse_kernel(text);
  EXPECT_TRUE(k) << format_diag(k.error());
  Status s = verify(*k);
  EXPECT_TRUE(s) << format_diag(s.error());
  return std::move(*k);
}

TEST(LoopInterpreter, Matvec) {
  Kernel k = parse_ok(R"(kernel @matvec {
  input %x : [2]
  param %w : [3, 2] = [1, 2, 3, 4, 5, 6]
  param %b : [3] = [0.5, 0, -1]
  output %y : [3]
  for %i = 0 to 3 step 1 {
    %z = load %b[%i] : f32
    %r = for %k = 0 to 2 step 1 iter(%acc = %z) {
      %a = load %w[%i, %k] : f32
      %v = load %x[%k] : f32
      %n = fma %a, %v, %acc : f32
      yield %n
    }
    store %r, %y[%i]
  }
}
)");
  BufferData mem = make_buffers(k);
  mem[0] = {1, 10};
  interpret(k, mem);
  EXPECT_EQ(mem[3], (std::vector<float>{21.5f, 43, 64}));
}

TEST(LoopInterpreter, VectorMaskedAndReductions) {
  Kernel k = parse_ok(R"(kernel @v {
  input %x : [6]
  output %y : [8]
  %a = load %x[0] masked 6 : f32x8
  %e = exp %a : f32x8
  store %e, %y[0] masked 6
  %s = reduce.add %a : f32
  %m = reduce.max %a : f32
  %n = reduce.min %a : f32
  store %s, %y[6]
  %d = sub %m, %n : f32
  store %d, %y[7]
}
)");
  BufferData mem = make_buffers(k);
  mem[0] = {1, 2, 3, 4, 5, 6};
  interpret(k, mem);
  EXPECT_FLOAT_EQ(mem[1][0], std::exp(1.0f));
  EXPECT_FLOAT_EQ(mem[1][5], std::exp(6.0f));
  EXPECT_EQ(mem[1][6], 21.0f);
  EXPECT_EQ(mem[1][7], 6.0f);  // max 6, min 0 (masked-off lanes read as 0)
}

TEST(LoopInterpreter, CompareSelectAndMath) {
  Kernel k = parse_ok(R"(kernel @relu {
  input %x : [4]
  output %y : [4, 4]
  %a = load %x[0] : f32x4
  %z = const 0 : f32x4
  %m = cmp.gt %a, %z : i1x4
  %r = select %m, %a, %z : f32x4
  store %r, %y[0, 0]
  %s = sigmoid %a : f32x4
  store %s, %y[1, 0]
  %t = rsqrt %a : f32x4
  %q = recip %a : f32x4
  %u = mul %t, %q : f32x4
  store %u, %y[2, 0]
  %mk = mask 2 : i1x4
  %v = select %mk, %a, %z : f32x4
  store %v, %y[3, 0]
}
)");
  BufferData mem = make_buffers(k);
  mem[0] = {-1, 4, 0, 16};
  interpret(k, mem);
  std::vector<float>& y = mem[1];
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], 4.0f);
  EXPECT_EQ(y[3], 16.0f);
  EXPECT_FLOAT_EQ(y[4], 1.0f / (1.0f + std::exp(1.0f)));
  EXPECT_FLOAT_EQ(y[9], 0.5f * 0.25f);
  EXPECT_EQ(y[12], -1.0f);
  EXPECT_EQ(y[13], 4.0f);
  EXPECT_EQ(y[14], 0.0f);
}

TEST(LoopInterpreter, YieldsAreSimultaneous) {
  Kernel k = parse_ok(R"(kernel @swap {
  output %y : [2]
  %a = const 1 : f32
  %b = const 2 : f32
  %r, %s = for %i = 0 to 3 step 1 iter(%p = %a, %q = %b) {
    yield %q, %p
  }
  store %r, %y[0]
  store %s, %y[1]
}
)");
  BufferData mem = make_buffers(k);
  interpret(k, mem);
  EXPECT_EQ(mem[0], (std::vector<float>{2, 1}));
}

}  // namespace
}  // namespace njc::loop
