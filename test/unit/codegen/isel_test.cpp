// Every loop op and loop form, compiled at every target this machine runs and compared with the loop
// interpreter on random data (backend-x86/isel.cpp).
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <functional>

#include "test/unit/codegen/jit_check.h"

namespace njc::codegen_test {
namespace {

class Isel : public TargetTest {
 protected:
  runtime::JitOptions opts() const {
    runtime::JitOptions o;
    o.target = GetParam();
    o.emit_asm = true;
    return o;
  }
  std::vector<int> widths() const {
    std::vector<int> w;
    for (int l : {1, 4, 8, 16})
      if (l <= x86::target_lanes(GetParam())) w.push_back(l);
    return w;
  }
};

// y = op(x) over 48 elements in vectors of `lanes`.
Kernel unary(Op op, int lanes) {
  Kernel k;
  k.name = "unary";
  Builder b(k);
  BufferId x = b.input("x", {48}), y = b.output("y", {48});
  b.loop("i", 0, 48, lanes,
         [&](ValueId i) { b.store(b.unary(op, b.load(x, {Affine::var(i)}, lanes)), y, {Affine::var(i)}); });
  return k;
}

Kernel nary(Op op, int arity, int lanes) {
  Kernel k;
  k.name = "nary";
  Builder b(k);
  BufferId x = b.input("x", {48}), y = b.input("y", {48}), z = b.input("z", {48}), out = b.output("o", {48});
  BufferId ins[] = {x, y, z};
  b.loop("i", 0, 48, lanes, [&](ValueId i) {
    std::vector<ValueId> args;
    for (int a = 0; a < arity; ++a) args.push_back(b.load(ins[a], {Affine::var(i)}, lanes));
    b.store(b.op(op, args), out, {Affine::var(i)});
  });
  return k;
}

TEST_P(Isel, UnaryOps) {
  for (int w : widths())
    for (Op op : {Op::Neg, Op::Abs, Op::Exp, Op::Tanh, Op::Sigmoid, Op::Floor, Op::Ceil, Op::Round})
      EXPECT_TRUE(matches_interpreter(unary(op, w), opts(), 3, -4.0f, 4.0f)) << op_name(op) << " x" << w;
  for (int w : widths())
    for (Op op : {Op::Log, Op::Sqrt, Op::Rsqrt, Op::Recip})
      EXPECT_TRUE(matches_interpreter(unary(op, w), opts(), 4, 0.01f, 50.0f)) << op_name(op) << " x" << w;
}

// Rounding at exact halves (ties go to even), integers, and values just off them.
TEST_P(Isel, RoundingTiesAndIntegers) {
  for (int w : widths())
    for (Op op : {Op::Floor, Op::Ceil, Op::Round}) {
      Kernel k;
      k.name = "rounding";
      Builder b(k);
      BufferId x = b.input("x", {48}), y = b.output("y", {48});
      b.loop("i", 0, 48, w, [&](ValueId i) {
        // floor(4x) / 2 is a multiple of 0.5: half of the values are ties.
        ValueId halves = b.mul(b.unary(Op::Floor, b.mul(b.load(x, {Affine::var(i)}, w), b.constant(4.0f, w))),
                               b.constant(0.5f, w));
        b.store(b.unary(op, halves), y, {Affine::var(i)});
      });
      EXPECT_TRUE(matches_interpreter(k, opts(), 6, -5.0f, 5.0f)) << op_name(op) << " x" << w;
    }
}

TEST_P(Isel, BinaryAndFma) {
  for (int w : widths()) {
    for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Min, Op::Max})
      EXPECT_TRUE(matches_interpreter(nary(op, 2, w), opts())) << op_name(op) << " x" << w;
    EXPECT_TRUE(matches_interpreter(nary(Op::Div, 2, w), opts(), 5, 0.5f, 2.0f)) << "div x" << w;
    EXPECT_TRUE(matches_interpreter(nary(Op::Fma, 3, w), opts())) << "fma x" << w;
  }
}

// The same value as several operands: fma %a, %a, %a and add %a, %a hit every register-aliasing case.
TEST_P(Isel, AliasedOperands) {
  for (int w : widths()) {
    Kernel k;
    k.name = "alias";
    Builder b(k);
    BufferId x = b.input("x", {32}), y = b.output("y", {32});
    b.loop("i", 0, 32, w, [&](ValueId i) {
      ValueId a = b.load(x, {Affine::var(i)}, w);
      ValueId s = b.add(a, a);
      ValueId f = b.fma(a, s, a);
      ValueId g = b.fma(f, f, s);
      b.store(b.fma(g, a, g), y, {Affine::var(i)});
    });
    EXPECT_TRUE(matches_interpreter(k, opts())) << w;
  }
}

TEST_P(Isel, CompareSelect) {
  for (int w : widths())
    for (Op cmp : {Op::CmpLt, Op::CmpLe, Op::CmpGt, Op::CmpGe, Op::CmpEq, Op::CmpNe}) {
      Kernel k;
      k.name = "cmp";
      Builder b(k);
      BufferId x = b.input("x", {32}), y = b.output("y", {32});
      b.loop("i", 0, 32, w, [&](ValueId i) {
        ValueId a = b.load(x, {Affine::var(i)}, w);
        ValueId z = b.constant(0.25f, w);
        // cmp.eq needs equal lanes: compare with a clamped copy.
        ValueId c = cmp == Op::CmpEq || cmp == Op::CmpNe ? b.min(a, z) : z;
        ValueId m = b.op(cmp, {a, c});
        b.store(b.op(Op::Select, {m, a, b.unary(Op::Neg, a)}), y, {Affine::var(i)});
      });
      EXPECT_TRUE(matches_interpreter(k, opts())) << op_name(cmp) << " x" << w;
    }
}

TEST_P(Isel, Reductions) {
  for (int w : widths()) {
    if (w == 1) continue;
    for (Op op : {Op::ReduceAdd, Op::ReduceMax, Op::ReduceMin}) {
      Kernel k;
      k.name = "reduce";
      Builder b(k);
      BufferId x = b.input("x", {64}), y = b.output("y", {64 / w});
      b.loop("i", 0, 64 / w, 1, [&](ValueId i) {
        ValueId v = b.load(x, {Affine::var(i) * w}, w);
        b.store(b.op(op, {v}), y, {Affine::var(i)});
      });
      EXPECT_TRUE(matches_interpreter(k, opts())) << op_name(op) << " x" << w;
    }
  }
}

TEST_P(Isel, SplatBroadcastConstMask) {
  for (int w : widths()) {
    if (w == 1) continue;
    for (int n = 1; n <= w; ++n) {
      Kernel k;
      k.name = "splat";
      Builder b(k);
      BufferId x = b.input("x", {8, 16}), s = b.input("s", {8}), y = b.output("y", {8, 16});
      b.loop("i", 0, 8, 1, [&](ValueId i) {
        ValueId sc = b.load(s, {Affine::var(i)});
        ValueId v = b.load(x, {Affine::var(i), Affine::cst(0)}, w);
        ValueId bc = b.load_bcast(x, {Affine::var(i), Affine::cst(3)}, w);
        ValueId sp = b.splat(b.mul(sc, b.constant(-1.5f)), w);
        ValueId m = b.mask(n, w);
        ValueId sel = b.op(Op::Select, {m, b.fma(v, sp, bc), b.constant(0.0f, w)});
        b.store(sel, y, {Affine::var(i), Affine::cst(0)});
      });
      EXPECT_TRUE(matches_interpreter(k, opts())) << "x" << w << " mask " << n;
    }
  }
}

TEST_P(Isel, MaskedLoadStore) {
  for (int w : widths()) {
    if (w == 1) continue;
    for (int n = 1; n < w; ++n) {
      Kernel k;
      k.name = "tail";
      Builder b(k);
      int64_t len = 3 * w + n;
      BufferId x = b.input("x", {len}), y = b.output("y", {len});
      b.loop("i", 0, 3 * w, w, [&](ValueId i) {
        b.store(b.mul(b.load(x, {Affine::var(i)}, w), b.constant(3.0f, w)), y, {Affine::var(i)});
      });
      ValueId t = b.load(x, {Affine::cst(3 * w)}, w, n);
      b.store(b.add(t, b.constant(1.0f, w)), y, {Affine::cst(3 * w)}, n);
      EXPECT_TRUE(matches_interpreter(k, opts())) << "x" << w << " masked " << n;
    }
  }
}

// A masked tail reads and writes only its live lanes: each buffer ends at a page boundary followed by a
// PROT_NONE page, so touching a dead lane faults (sse4 has no masked moves and accesses lanes one by one).
TEST_P(Isel, MaskedTailNeverTouchesThePageAfter) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (int w : widths()) {
    for (int n = 1; n < w; ++n) {
      Kernel k;
      k.name = "edge";
      Builder b(k);
      BufferId x = b.input("x", {n}), y = b.output("y", {n});
      ValueId t = b.load(x, {Affine::cst(0)}, w, n);
      b.store(b.add(t, b.constant(1.0f, w)), y, {Affine::cst(0)}, n);
      Expected<runtime::JitKernel> j = runtime::compile(k, opts());
      ASSERT_TRUE(j) << j.error().message;
      void* mem = mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      ASSERT_NE(mem, MAP_FAILED);
      char* base = static_cast<char*>(mem);
      ASSERT_EQ(mprotect(base + page, page, PROT_NONE), 0);
      ASSERT_EQ(mprotect(base + 3 * page, page, PROT_NONE), 0);
      float* xs = reinterpret_cast<float*>(base + page) - n;
      float* ys = reinterpret_cast<float*>(base + 3 * page) - n;
      for (int i = 0; i < n; ++i) xs[i] = static_cast<float>(i);
      float* bufs[2] = {};
      bufs[x] = xs;
      bufs[y] = ys;
      j->run(bufs);
      for (int i = 0; i < n; ++i) EXPECT_EQ(ys[i], static_cast<float>(i) + 1.0f) << "x" << w << " masked " << n;
      munmap(mem, 4 * page);
    }
  }
}

// Loop-carried values: a sum, a swap (yield %b, %a), a zero-trip loop, a one-trip loop, nested carries.
TEST_P(Isel, IterArgs) {
  Kernel k = parse(R"(kernel @carry {
  input %x : [6, 16]
  output %y : [8]

  %z = const 0 : f32
  %o = const 1 : f32
  %s, %p = for %i = 0 to 6 step 1 iter(%a = %z, %b = %o) {
    %v = load %x[%i, 0] : f32x4
    %r = reduce.add %v : f32
    %n = add %a, %r : f32
    yield %b, %n
  }
  store %s, %y[0]
  store %p, %y[1]
  %q = for %j = 3 to 3 step 1 iter(%c = %o) {
    %c2 = add %c, %c : f32
    yield %c2
  }
  store %q, %y[2]
  %t = for %j1 = 0 to 5 step 7 iter(%cc = %o) {
    %e = load %x[%j1, 2] : f32
    %c3 = sub %cc, %e : f32
    yield %c3
  }
  store %t, %y[3]
  %u = for %i1 = 0 to 6 step 1 iter(%acc = %o) {
    %w = for %k = 0 to 16 step 4 iter(%acc2 = %acc) {
      %v2 = load %x[%i1, %k] : f32x4
      %m = reduce.max %v2 : f32
      %n2 = fma %m, %acc2, %acc2 : f32
      yield %n2
    }
    yield %w
  }
  store %u, %y[4]
})");
  ASSERT_FALSE(k.body.empty());
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

// A nest deeper than the induction-variable registers (ivs in stack slots) over more buffers than there
// are base-pointer registers, with state, scratch and param buffers.
TEST_P(Isel, DeepNestManyBuffers) {
  Kernel k;
  k.name = "deep";
  Builder b(k);
  std::vector<BufferId> in;
  for (int i = 0; i < 14; ++i) in.push_back(b.input("x" + std::to_string(i), {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}));
  BufferId st = b.state("st", {2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
  BufferId sc = b.scratch("sc", {4});
  BufferId pa = b.param("pa", {4}, {0.5f, -1.0f, 2.0f, 0.25f});
  BufferId y = b.output("y", {2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
  std::vector<ValueId> ivs;
  std::function<void(int)> nest = [&](int d) {
    if (d == 10) {
      std::vector<Affine> idx;
      for (ValueId v : ivs) idx.push_back(Affine::var(v));
      ValueId acc = b.load(st, idx);
      for (BufferId x : in) acc = b.add(acc, b.load(x, idx));
      b.store(acc, sc, {Affine::var(ivs[9]) + 1});
      ValueId back = b.load(sc, {(Affine::var(ivs[9]) * 2 + 1).plus(Affine::var(ivs[9]), -1)});
      ValueId p = b.load(pa, {Affine::var(ivs[3]) * 2 + Affine::var(ivs[9])});
      b.store(b.mul(back, p), y, idx);
      b.store(back, st, idx);
      return;
    }
    b.loop("l" + std::to_string(d), 0, 2, 1, [&](ValueId iv) {
      ivs.push_back(iv);
      nest(d + 1);
      ivs.pop_back();
    });
  };
  nest(0);
  EXPECT_TRUE(matches_interpreter(k, opts()));
}

TEST_P(Isel, WiderThanTargetIsAUserError) {
  if (GetParam() == x86::Target::kAvx512) GTEST_SKIP() << "every width fits avx512";
  Expected<runtime::JitKernel> j = runtime::compile(unary(Op::Neg, 16), opts());
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("wider than"), std::string::npos) << j.error().message;
}

INSTANTIATE_TEST_SUITE_P(Targets, Isel, ::testing::ValuesIn(all_targets()), target_param_name);

}  // namespace
}  // namespace njc::codegen_test
