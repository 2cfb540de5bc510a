// Kernels written with the loop IR builder for the pass tests, and the differential check every pass test
// uses: run the interpreter before and after, compare outputs within fp32 reassociation tolerance.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/loop_builder.h"
#include "ir/loop_interpreter.h"
#include "ir/loop_parser.h"
#include "ir/loop_printer.h"
#include "ir/loop_verifier.h"

namespace njc::testing_kernels {

using namespace loop;

inline std::vector<float> random_data(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

inline Affine v(ValueId iv) { return Affine::var(iv); }

// C[M,N] = A[M,K] * B[K,N]: an init nest, then the naive i, j, k update nest (memory accumulator).
inline Kernel matmul(int64_t m, int64_t n, int64_t kk) {
  Kernel k;
  k.name = "matmul";
  Builder b(k);
  BufferId a = b.input("a", {m, kk});
  BufferId w = b.param("b", {kk, n}, random_data(static_cast<size_t>(kk * n), 7));
  BufferId c = b.output("c", {m, n});
  b.loop("i0", 0, m, 1, [&](ValueId i) {
    b.loop("j0", 0, n, 1, [&](ValueId j) { b.store(b.constant(0), c, {v(i), v(j)}); });
  });
  b.loop("i", 0, m, 1, [&](ValueId i) {
    b.loop("j", 0, n, 1, [&](ValueId j) {
      b.loop("k", 0, kk, 1, [&](ValueId r) {
        ValueId x = b.load(a, {v(i), v(r)});
        ValueId y = b.load(w, {v(r), v(j)});
        ValueId acc = b.load(c, {v(i), v(j)});
        b.store(b.fma(x, y, acc), c, {v(i), v(j)});
      });
    });
  });
  return k;
}

// Batch-1 dense layer with weights packed [K][N]: y[j] = bias[j] + sum_k x[k] * W[k, j], then tanh.
inline Kernel matvec(int64_t n, int64_t kk) {
  Kernel k;
  k.name = "matvec";
  Builder b(k);
  BufferId x = b.input("x", {kk});
  BufferId w = b.param("w", {kk, n}, random_data(static_cast<size_t>(kk * n), 11));
  BufferId bias = b.param("bias", {n}, random_data(static_cast<size_t>(n), 12));
  BufferId y = b.output("y", {n});
  b.loop("j0", 0, n, 1, [&](ValueId j) { b.store(b.load(bias, {v(j)}), y, {v(j)}); });
  b.loop("j", 0, n, 1, [&](ValueId j) {
    b.loop("k", 0, kk, 1, [&](ValueId r) {
      ValueId acc = b.load(y, {v(j)});
      b.store(b.fma(b.load(x, {v(r)}), b.load(w, {v(r), v(j)}), acc), y, {v(j)});
    });
  });
  b.loop("j1", 0, n, 1, [&](ValueId j) { b.store(b.unary(Op::Tanh, b.load(y, {v(j)})), y, {v(j)}); });
  return k;
}

// Row-major dot products with a loop-carried accumulator: y[i] = sigmoid(sum_k W[i,k] * x[k]).
inline Kernel dot_rows(int64_t n, int64_t kk) {
  Kernel k;
  k.name = "dot_rows";
  Builder b(k);
  BufferId x = b.input("x", {kk});
  BufferId w = b.param("w", {n, kk}, random_data(static_cast<size_t>(kk * n), 13));
  BufferId y = b.output("y", {n});
  b.loop("i", 0, n, 1, [&](ValueId i) {
    ValueId zero = b.constant(0);
    std::vector<ValueId> r = b.loop_iter("k", 0, kk, 1, {zero}, [&](ValueId kv, const std::vector<ValueId>& acc) {
      return std::vector<ValueId>{b.fma(b.load(w, {v(i), v(kv)}), b.load(x, {v(kv)}), acc[0])};
    });
    b.store(b.unary(Op::Sigmoid, r[0]), y, {v(i)});
  });
  return k;
}

// y[i,j] = max(x[i,j] * s + bias[j], 0).
inline Kernel elementwise(int64_t m, int64_t n) {
  Kernel k;
  k.name = "bias_relu";
  Builder b(k);
  BufferId x = b.input("x", {m, n});
  BufferId bias = b.param("bias", {n}, random_data(static_cast<size_t>(n), 17));
  BufferId y = b.output("y", {m, n});
  b.loop("i", 0, m, 1, [&](ValueId i) {
    ValueId s = b.constant(1.5f);
    b.loop("j", 0, n, 1, [&](ValueId j) {
      ValueId t = b.fma(b.load(x, {v(i), v(j)}), s, b.load(bias, {v(j)}));
      b.store(b.max(t, b.constant(0)), y, {v(i), v(j)});
    });
  });
  return k;
}

// Softmax of one row: max, exp and sum, scale.
inline Kernel softmax(int64_t n) {
  Kernel k;
  k.name = "softmax";
  Builder b(k);
  BufferId x = b.input("x", {n});
  BufferId y = b.output("y", {n});
  ValueId lo = b.constant(-1e30f);
  ValueId mx = b.loop_iter("m", 0, n, 1, {lo}, [&](ValueId i, const std::vector<ValueId>& acc) {
    return std::vector<ValueId>{b.max(acc[0], b.load(x, {v(i)}))};
  })[0];
  ValueId zero = b.constant(0);
  ValueId sum = b.loop_iter("e", 0, n, 1, {zero}, [&](ValueId i, const std::vector<ValueId>& acc) {
    ValueId e = b.unary(Op::Exp, b.sub(b.load(x, {v(i)}), mx));
    b.store(e, y, {v(i)});
    return std::vector<ValueId>{b.add(e, acc[0])};
  })[0];
  ValueId inv = b.unary(Op::Recip, sum);
  b.loop("s", 0, n, 1, [&](ValueId i) { b.store(b.mul(b.load(y, {v(i)}), inv), y, {v(i)}); });
  return k;
}

inline Kernel parse_ok(const std::string& text) {
  Expected<Kernel> k = parse_kernel(text);
  EXPECT_TRUE(k) << format_diag(k.error());
  Status s = verify(*k);
  EXPECT_TRUE(s) << format_diag(s.error());
  return std::move(*k);
}

inline BufferData run(const Kernel& k) {
  BufferData mem = make_buffers(k);
  uint32_t seed = 100;
  for (size_t b = 0; b < k.buffers.size(); ++b)
    if (k.buffers[b].kind == BufferKind::kInput || k.buffers[b].kind == BufferKind::kState)
      mem[b] = random_data(mem[b].size(), seed++);
  interpret(k, mem);
  return mem;
}

// The transformed kernel verifies and computes what the original did (outputs and state), within fp32
// reassociation tolerance.
inline ::testing::AssertionResult same_results(const Kernel& before, const Kernel& after) {
  if (Status s = verify(after); !s) return ::testing::AssertionFailure() << "invalid IR: " << format_diag(s.error()) << print(after);
  BufferData a = run(before), b = run(after);
  for (size_t i = 0; i < before.buffers.size(); ++i) {
    BufferKind kind = before.buffers[i].kind;
    if (kind != BufferKind::kOutput && kind != BufferKind::kState) continue;
    for (size_t e = 0; e < a[i].size(); ++e) {
      float tol = 1e-4f * std::max(1.0f, std::fabs(a[i][e]));
      if (!(std::fabs(a[i][e] - b[i][e]) <= tol))
        return ::testing::AssertionFailure() << "%" << before.buffers[i].name << "[" << e << "]: " << a[i][e] << " vs "
                                             << b[i][e] << "\n" << print(after);
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace njc::testing_kernels
