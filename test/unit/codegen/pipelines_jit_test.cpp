// Hand-written kernels (matvec, matmul, softmax, elementwise chains) through the -O0..-O3 pipelines of
// passes/pipelines.h, JIT-compiled at every target and compared with the loop interpreter on the original.
#include <gtest/gtest.h>

#include "test/unit/codegen/jit_check.h"
#include "test/unit/passes/test_kernels.h"

namespace njc::codegen_test {
namespace {

// matvec (y = tanh(bias + x W), W packed [K][N]) and matmul (C = A B, naive i j k) are the pass tests'
// kernels.
using testing_kernels::matmul;
using testing_kernels::matvec;
using testing_kernels::v;

// Row softmax with a scratch row: max, exp(x - max) and sum, scale.
Kernel softmax(int64_t rows, int64_t n) {
  Kernel k;
  k.name = "softmax";
  Builder b(k);
  BufferId x = b.input("x", {rows, n});
  BufferId e = b.scratch("e", {n});
  BufferId y = b.output("y", {rows, n});
  b.loop("r", 0, rows, 1, [&](ValueId r) {
    ValueId mx =
        b.loop_iter("m", 0, n, 1, {b.constant(-1e30f)}, [&](ValueId i, const std::vector<ValueId>& acc) {
          return std::vector<ValueId>{b.max(acc[0], b.load(x, {v(r), v(i)}))};
        })[0];
    ValueId sum =
        b.loop_iter("s", 0, n, 1, {b.constant(0.0f)}, [&](ValueId i, const std::vector<ValueId>& acc) {
          ValueId ex = b.unary(Op::Exp, b.sub(b.load(x, {v(r), v(i)}), mx));
          b.store(ex, e, {v(i)});
          return std::vector<ValueId>{b.add(acc[0], ex)};
        })[0];
    ValueId inv = b.unary(Op::Recip, sum);
    b.loop("o", 0, n, 1, [&](ValueId i) { b.store(b.mul(b.load(e, {v(i)}), inv), y, {v(r), v(i)}); });
  });
  return k;
}

// y = sigmoid(x * 1.5 - z) * log(|x| + 1) + sqrt(z*z + 1) with a state update s = max(s, y).
Kernel chain(int64_t n) {
  Kernel k;
  k.name = "chain";
  Builder b(k);
  BufferId x = b.input("x", {n}), z = b.input("z", {n}), s = b.state("s", {n}), y = b.output("y", {n});
  b.loop("i", 0, n, 1, [&](ValueId i) {
    ValueId a = b.load(x, {v(i)}), c = b.load(z, {v(i)});
    ValueId sg = b.unary(Op::Sigmoid, b.sub(b.mul(a, b.constant(1.5f)), c));
    ValueId lg = b.unary(Op::Log, b.add(b.unary(Op::Abs, a), b.constant(1.0f)));
    ValueId sq = b.unary(Op::Sqrt, b.fma(c, c, b.constant(1.0f)));
    ValueId out = b.fma(sg, lg, sq);
    b.store(out, y, {v(i)});
    b.store(b.max(b.load(s, {v(i)}), out), s, {v(i)});
  });
  return k;
}

class Pipelines : public TargetTest {
 protected:
  void check(const Kernel& k) {
    for (int level = 0; level <= 3; ++level) {
      runtime::JitOptions o;
      o.target = GetParam();
      o.opt_level = level;
      o.emit_asm = true;
      EXPECT_TRUE(matches_interpreter(k, o, 17 + static_cast<uint32_t>(level))) << k.name << " O" << level;
    }
  }
};

TEST_P(Pipelines, Matvec) {
  for (auto [n, kk] : {std::pair{64, 64}, {16, 64}, {37, 13}, {1, 7}}) check(matvec(n, kk));
}
TEST_P(Pipelines, Matmul) {
  for (auto [m, n, kk] : {std::tuple{8, 32, 16}, {16, 48, 32}, {5, 19, 7}, {1, 1, 1}})
    check(matmul(m, n, kk));
}
// Whole 16-column panels: the register tile the pipeline picks for the target fits its registers (on AVX2
// the 6x16 tile takes 15 of 16), so nothing spills at O3.
TEST_P(Pipelines, MatmulTileFitsTheRegisters) {
  for (auto [m, n, kk] : {std::tuple{12, 48, 32}, {14, 32, 24}, {6, 16, 8}}) {
    Kernel k = matmul(m, n, kk);
    check(k);
    runtime::JitOptions o;
    o.target = GetParam();
    o.opt_level = 3;
    Expected<runtime::JitKernel> j = runtime::compile(k, o);
    ASSERT_TRUE(j) << j.error().message;
    EXPECT_EQ(j->stats().spilled_values, 0) << m << "x" << n << "x" << kk;
  }
}
TEST_P(Pipelines, Softmax) {
  for (auto [r, n] : {std::pair{4, 64}, {3, 37}, {1, 5}}) check(softmax(r, n));
}
TEST_P(Pipelines, ElementwiseChain) {
  for (int n : {64, 100, 3}) check(chain(n));
}

INSTANTIATE_TEST_SUITE_P(Targets, Pipelines, ::testing::ValuesIn(all_targets()), target_param_name);

}  // namespace
}  // namespace njc::codegen_test
