// Register pressure: kernels with more live vectors, accumulators and masks than the target has registers,
// and pipelines compiled with a tiny register file, so linear scan spills (backend-x86/regalloc.cpp).
#include "backend-x86/regalloc.h"

#include <gtest/gtest.h>

#include "test/unit/codegen/jit_check.h"

namespace njc::codegen_test {
namespace {

class Regalloc : public TargetTest {
 protected:
  runtime::JitOptions opts(int max_regs = 0) const {
    runtime::JitOptions o;
    o.target = GetParam();
    o.max_vector_registers = max_regs;
    return o;
  }
  int lanes() const { return x86::target_lanes(GetParam()); }
};

// 40 vectors loaded, then consumed in reverse order: all live at once.
TEST_P(Regalloc, ManyLiveValuesSpill) {
  int w = lanes();
  Kernel k;
  k.name = "pressure";
  Builder b(k);
  BufferId x = b.input("x", {40 * w}), y = b.output("y", {w});
  std::vector<ValueId> vals;
  for (int i = 0; i < 40; ++i) vals.push_back(b.load(x, {Affine::cst(i * w)}, w));
  ValueId acc = vals.back();
  for (int i = 38; i >= 0; --i) acc = b.fma(acc, b.constant(0.5f, w), vals[static_cast<size_t>(i)]);
  b.store(acc, y, {Affine::cst(0)});
  Expected<runtime::JitKernel> j = runtime::compile(k, opts());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_GT(j->stats().spilled_values, 0);
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

// 36 loop-carried accumulators (more than any register file) with a swap among them.
TEST_P(Regalloc, ManyIterArgsSpill) {
  int w = lanes();
  Kernel k;
  k.name = "accs";
  Builder b(k);
  BufferId x = b.input("x", {9, 36 * w}), y = b.output("y", {36 * w});
  std::vector<ValueId> inits;
  for (int a = 0; a < 36; ++a) inits.push_back(b.constant(static_cast<float>(a), w));
  std::vector<ValueId> res =
      b.loop_iter("k", 0, 9, 1, inits, [&](ValueId kv, const std::vector<ValueId>& acc) {
        std::vector<ValueId> next;
        for (int a = 0; a < 36; ++a)
          next.push_back(b.fma(b.load(x, {Affine::var(kv), Affine::cst(a * w)}, w), b.constant(0.25f, w),
                               acc[static_cast<size_t>(a)]));
        std::swap(next[0], next[35]);
        return next;
      });
  for (int a = 0; a < 36; ++a) b.store(res[static_cast<size_t>(a)], y, {Affine::cst(a * w)});
  Expected<runtime::JitKernel> j = runtime::compile(k, opts());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_GT(j->stats().spilled_values, 0);
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

// Eight compare masks live at once (AVX-512 has five allocatable opmasks).
TEST_P(Regalloc, ManyLiveMasks) {
  int w = lanes();
  Kernel k;
  k.name = "masks";
  Builder b(k);
  BufferId x = b.input("x", {8 * w}), y = b.output("y", {8 * w});
  std::vector<ValueId> v, m;
  for (int i = 0; i < 8; ++i) {
    v.push_back(b.load(x, {Affine::cst(i * w)}, w));
    m.push_back(b.op(Op::CmpGt, {v.back(), b.constant(0.1f * static_cast<float>(i - 4), w)}));
  }
  for (int i = 0; i < 8; ++i)
    b.store(
        b.op(Op::Select, {m[static_cast<size_t>(7 - i)], v[static_cast<size_t>(i)], b.constant(-7.0f, w)}), y,
        {Affine::cst(i * w)});
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

// A reduction loop with more accumulators than the registers left beside the math temporaries, then a
// sigmoid: the accumulators die before the sigmoid, so they may live in its temporaries (no spill).
TEST_P(Regalloc, AccumulatorsBorrowMathTemporaries) {
  int w = lanes();
  // More than the registers left beside the 7 scratch (avx2: 9; sse4 keeps one more for two-operand forms).
  const int accs = x86::target_vector_registers(GetParam()) - (GetParam() == x86::Target::kSse4 ? 7 : 6);
  Kernel k;
  k.name = "borrow";
  Builder b(k);
  BufferId x = b.input("x", {9, accs * w}), y = b.output("y", {accs * w}), s = b.output("s", {w});
  std::vector<ValueId> inits;
  for (int a = 0; a < accs; ++a) inits.push_back(b.constant(0.01f * static_cast<float>(a), w));
  std::vector<ValueId> res =
      b.loop_iter("k", 0, 9, 1, inits, [&](ValueId kv, const std::vector<ValueId>& acc) {
        std::vector<ValueId> next;
        for (int a = 0; a < accs; ++a)
          next.push_back(b.fma(b.load(x, {Affine::var(kv), Affine::cst(a * w)}, w), b.constant(0.25f, w),
                               acc[static_cast<size_t>(a)]));
        return next;
      });
  ValueId sum = res[0];
  for (int a = 0; a < accs; ++a) {
    b.store(res[static_cast<size_t>(a)], y, {Affine::cst(a * w)});
    if (a > 0) sum = b.add(sum, res[static_cast<size_t>(a)]);
  }
  b.store(b.unary(Op::Sigmoid, sum), s, {Affine::cst(0)});
  Expected<runtime::JitKernel> j = runtime::compile(k, opts());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->stats().spilled_values, 0);
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

// Values live across a tanh and a sigmoid, more of them than registers outside the math temporaries: they
// must not be put in a temporary the expansions overwrite (the results would change), so some spill.
TEST_P(Regalloc, ValuesAcrossMathNeverBorrow) {
  int w = lanes();
  const int live = x86::target_vector_registers(GetParam()) - 4;
  Kernel k;
  k.name = "across";
  Builder b(k);
  BufferId x = b.input("x", {(live + 1) * w}), y = b.output("y", {w});
  std::vector<ValueId> v;
  for (int i = 0; i < live; ++i) v.push_back(b.load(x, {Affine::cst(i * w)}, w));
  ValueId m = b.unary(Op::Sigmoid, b.unary(Op::Tanh, b.load(x, {Affine::cst(live * w)}, w)));
  for (ValueId u : v) m = b.fma(m, b.constant(0.5f, w), u);
  b.store(m, y, {Affine::cst(0)});
  Expected<runtime::JitKernel> j = runtime::compile(k, opts());
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_GT(j->stats().spilled_values, 0);
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

// Whole pipelines with 1-4 allocatable vector registers: everything spills, results must not change.
TEST_P(Regalloc, PipelinesWithTinyRegisterFile) {
  Kernel mm = parse(R"(kernel @mm {
  input %a : [6, 9]
  input %b : [9, 40]
  output %c : [6, 40]

  for %i0 = 0 to 6 step 1 {
    for %j0 = 0 to 40 step 1 {
      %z = const 0 : f32
      store %z, %c[%i0, %j0]
    }
  }
  for %i = 0 to 6 step 1 {
    for %j = 0 to 40 step 1 {
      for %k = 0 to 9 step 1 {
        %x = load %a[%i, %k] : f32
        %y = load %b[%k, %j] : f32
        %acc = load %c[%i, %j] : f32
        %n = fma %x, %y, %acc : f32
        store %n, %c[%i, %j]
      }
    }
  }
})");
  for (int regs : {1, 2, 4})
    for (int level : {0, 3}) {
      runtime::JitOptions o = opts(regs);
      o.opt_level = level;
      EXPECT_TRUE(matches_interpreter(mm, o)) << regs << " registers, O" << level;
    }
}

TEST(LiveIntervals, UseInsideLoopExtendsToLatch) {
  Kernel k = parse(R"(kernel @l {
  input %x : [4]
  output %y : [4]

  %c = const 2 : f32
  for %i = 0 to 4 step 1 {
    %v = load %x[%i] : f32
    %m = mul %v, %c : f32
    store %m, %y[%i]
  }
})");
  std::vector<x86::LiveInterval> iv = x86::live_intervals(k, true);
  ASSERT_EQ(iv.size(), 3u);
  // %c: defined at 1, used in the loop whose latch is event 5 (positions 2*5 = 10).
  EXPECT_EQ(iv[0].start, 1);
  EXPECT_EQ(iv[0].end, 10);
  // %v dies at the mul that defines %m, so %m is hinted to reuse its register.
  EXPECT_EQ(iv[2].hint, iv[1].value);
  EXPECT_EQ(iv[2].start, iv[1].end + 1);
}

INSTANTIATE_TEST_SUITE_P(Targets, Regalloc, ::testing::ValuesIn(all_targets()), target_param_name);

}  // namespace
}  // namespace njc::codegen_test
