// Tests for ir/loop_builder.cpp: kernels built in C++ verify, print and run.
#include "ir/loop_builder.h"

#include <gtest/gtest.h>

#include "ir/loop_interpreter.h"
#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"

namespace njc::loop {
namespace {

TEST(LoopBuilder, BuildsDotProductWithIterArgs) {
  Kernel k;
  k.name = "dot";
  Builder b(k);
  BufferId x = b.input("x", {5});
  BufferId w = b.param("w", {5}, {1, 2, 3, 4, 5});
  BufferId y = b.output("y", {1});
  ValueId zero = b.constant(0);
  std::vector<ValueId> r = b.loop_iter("k", 0, 5, 1, {zero}, [&](ValueId kk, const std::vector<ValueId>& acc) {
    ValueId a = b.load(x, {Affine::var(kk)});
    ValueId c = b.load(w, {Affine::var(kk)});
    return std::vector<ValueId>{b.fma(a, c, acc[0])};
  });
  b.store(r[0], y, {Affine::cst(0)});
  Status s = verify(k);
  ASSERT_TRUE(s) << format_diag(s.error());
  EXPECT_EQ(print(k), R"(kernel @dot {
  input %x : [5]
  param %w : [5] = [1, 2, 3, 4, 5]
  output %y : [1]

  %c = const 0 : f32
  %r = for %k = 0 to 5 step 1 iter(%acc = %c) {
    %load = load %x[%k] : f32
    %load_1 = load %w[%k] : f32
    %fma = fma %load, %load_1, %acc : f32
    yield %fma
  }
  store %r, %y[0]
}
)");
  BufferData mem = make_buffers(k);
  mem[0] = {1, 1, 1, 1, 2};
  interpret(k, mem);
  EXPECT_EQ(mem[2][0], 20.0f);
}

TEST(LoopBuilder, NestedLoopsAndAffineIndices) {
  Kernel k;
  k.name = "t";
  Builder b(k);
  BufferId x = b.input("x", {3, 4});
  BufferId y = b.output("y", {4, 3});
  b.loop("i", 0, 3, 1, [&](ValueId i) {
    b.loop("j", 0, 4, 1, [&](ValueId j) { b.store(b.load(x, {Affine::var(i), Affine::var(j)}), y, {Affine::var(j), Affine::var(i)}); });
  });
  ASSERT_TRUE(verify(k));
  BufferData mem = make_buffers(k);
  for (int n = 0; n < 12; ++n) mem[0][static_cast<size_t>(n)] = static_cast<float>(n);
  interpret(k, mem);
  EXPECT_EQ(mem[1][1], 4.0f);  // y[0,1] = x[1,0]
  EXPECT_EQ(mem[1][3], 1.0f);  // y[1,0] = x[0,1]
}

TEST(LoopBuilder, FreshAndCopyNames) {
  Kernel k;
  ValueId a = k.new_value("acc", Type::f32());
  ValueId b = k.new_value("acc", Type::f32());
  ValueId c = k.copy_value(a, Type::f32());
  ValueId d = k.copy_value(c, Type::f32());
  EXPECT_EQ(k.name_of(a), "acc");
  EXPECT_EQ(k.name_of(b), "acc_1");
  EXPECT_EQ(k.name_of(c), "acc.1");
  EXPECT_EQ(k.name_of(d), "acc.2");
  EXPECT_EQ(base_name("acc.12"), "acc");
  EXPECT_EQ(base_name("load.bcast"), "load.bcast");
}

}  // namespace
}  // namespace njc::loop
