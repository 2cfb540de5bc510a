// Property test: random shapes (1, primes, powers of two) and random pass pipelines, JIT-compiled at every
// target and compared with the interpreter. NJC_FUZZ_ITERATIONS=N runs more; a failure prints its seed
// (replay with NJC_FUZZ_SEED=S).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "test/unit/codegen/jit_check.h"

namespace njc::codegen_test {
namespace {

const int64_t kDims[] = {1, 2, 3, 5, 7, 13, 17, 31, 4, 8, 16, 32, 64};

Affine v(ValueId iv) {
  return Affine::var(iv);
}

// One of four kernel families with random sizes; loops named i, j, k, l.
Kernel random_kernel(std::mt19937& rng) {
  auto dim = [&]() { return kDims[rng() % std::size(kDims)]; };
  int64_t m = dim(), n = dim(), kk = dim();
  Kernel k;
  Builder b(k);
  switch (rng() % 4) {
    case 0: {  // matmul with memory accumulator
      k.name = "mm";
      BufferId a = b.input("a", {m, kk}), w = b.input("w", {kk, n}), c = b.output("c", {m, n});
      b.loop("i", 0, m, 1, [&](ValueId i) {
        b.loop("j", 0, n, 1, [&](ValueId j) {
          b.loop("k", 0, kk, 1, [&](ValueId r) {
            ValueId acc = b.load(c, {v(i), v(j)});
            b.store(b.fma(b.load(a, {v(i), v(r)}), b.load(w, {v(r), v(j)}), acc), c, {v(i), v(j)});
          });
        });
      });
      break;
    }
    case 1: {  // dot products with a carried accumulator, then sigmoid
      k.name = "dot";
      BufferId w = b.input("w", {n, kk}), x = b.input("x", {kk}), y = b.output("y", {n});
      b.loop("i", 0, n, 1, [&](ValueId i) {
        ValueId s =
            b.loop_iter("k", 0, kk, 1, {b.constant(0.0f)}, [&](ValueId r, const std::vector<ValueId>& acc) {
              return std::vector<ValueId>{b.fma(b.load(w, {v(i), v(r)}), b.load(x, {v(r)}), acc[0])};
            })[0];
        b.store(b.unary(Op::Sigmoid, s), y, {v(i)});
      });
      break;
    }
    case 2: {  // elementwise 2-D with compare/select and tanh
      k.name = "ew";
      BufferId x = b.input("x", {m, n}), y = b.output("y", {m, n});
      b.loop("i", 0, m, 1, [&](ValueId i) {
        b.loop("j", 0, n, 1, [&](ValueId j) {
          ValueId a = b.load(x, {v(i), v(j)});
          ValueId t = b.unary(Op::Tanh, b.mul(a, b.constant(2.0f)));
          ValueId c = b.op(Op::CmpLt, {a, b.constant(0.0f)});
          b.store(b.op(Op::Select, {c, t, b.max(a, b.constant(0.5f))}), y, {v(i), v(j)});
        });
      });
      break;
    }
    default: {  // row max and sum (softmax-like reductions) into two outputs
      k.name = "rows";
      BufferId x = b.input("x", {m, n}), mx = b.output("mx", {m}), sm = b.output("sm", {m});
      b.loop("i", 0, m, 1, [&](ValueId i) {
        std::vector<ValueId> r =
            b.loop_iter("l", 0, n, 1, {b.constant(-1e30f), b.constant(0.0f)},
                        [&](ValueId j, const std::vector<ValueId>& acc) {
                          ValueId a = b.load(x, {v(i), v(j)});
                          return std::vector<ValueId>{b.max(acc[0], a), b.add(acc[1], b.unary(Op::Exp, a))};
                        });
        b.store(r[0], mx, {v(i)});
        b.store(r[1], sm, {v(i)});
      });
      break;
    }
  }
  return k;
}

std::string random_pipeline(std::mt19937& rng, int lanes) {
  const char* loops[] = {"i", "j", "k", "l"};
  std::string p;
  int n = static_cast<int>(rng() % 4);
  for (int s = 0; s < n; ++s) {
    std::string l = loops[rng() % 4], pass;
    int w = 4 << (rng() % 3);
    if (w > lanes) w = lanes;
    switch (rng() % 6) {
      case 0:
        pass = "interchange";
        break;
      case 1:
        pass = "tile{loop=" + l + " sizes=" + std::to_string(1 + rng() % 8) + "}";
        break;
      case 2:
        pass = "unroll{loop=" + l + " factor=" + std::to_string(2 + rng() % 3) + "}";
        break;
      case 3:
        pass = "vectorize{loop=" + l + " width=" + std::to_string(w) + "}";
        break;
      case 4:
        pass = "register-tile{loop=" + l + "}";
        break;
      default:
        pass = "split-reduction{loop=" + l + " ways=" + std::to_string(2 + rng() % 3) + "}";
        break;
    }
    p += (p.empty() ? "" : ",") + pass;
  }
  return p;
}

int env_int(const char* name, int def) {
  const char* s = std::getenv(name);
  return s ? std::atoi(s) : def;
}

TEST(Fuzz, RandomShapesAndPipelines) {
  int iterations = env_int("NJC_FUZZ_ITERATIONS", 150);
  int fixed = env_int("NJC_FUZZ_SEED", -1);
  int compiled = 0;
  for (int it = 0; it < iterations; ++it) {
    uint32_t seed = fixed >= 0 ? static_cast<uint32_t>(fixed) : 1000u + static_cast<uint32_t>(it);
    std::mt19937 rng(seed);
    Kernel k = random_kernel(rng);
    for (x86::Target t : host_targets()) {
      runtime::JitOptions o;
      o.target = t;
      o.opt_level = static_cast<int>(rng() % 5) - 1;
      o.passes = random_pipeline(rng, x86::target_lanes(t));
      o.emit_asm = true;
      Expected<runtime::JitKernel> j = runtime::compile(k, o);
      if (!j) continue;  // a pass refused this shape: not a valid pipeline for it
      ++compiled;
      EXPECT_TRUE(matches_interpreter(k, o, seed, -1.0f, 1.0f))
          << "seed " << seed << " (NJC_FUZZ_SEED=" << seed << ")";
    }
    if (fixed >= 0) break;
  }
  std::printf("[ fuzz ] %d kernels x %zu targets, %d compiled and compared (the rest refused by a pass)\n",
              iterations, host_targets().size(), compiled);
  // Not vacuous: at least a quarter of the kernels compile on each target the host runs (sse4 alone, under
  // NJC_TARGET_CAP=sse4, compiles about a third; the wider targets more).
  EXPECT_GE(4 * compiled, iterations * static_cast<int>(host_targets().size()));
}

}  // namespace
}  // namespace njc::codegen_test
