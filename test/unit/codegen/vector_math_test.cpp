// Accuracy of the generated exp, log, tanh and sigmoid (backend-x86/vector_math.cpp) against libm in double
// precision: a dense sweep of each function's interesting range plus a strided sweep over all float bit
// patterns, and the edge cases (+-0, +-inf, NaN, overflow/underflow, |x| up to 1e30). The bounds asserted
// here are the ones documented in docs/codegen.md.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "test/unit/codegen/jit_check.h"

namespace njc::codegen_test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

double reference(Op op, double x) {
  switch (op) {
    case Op::Exp:
      return std::exp(x);
    case Op::Log:
      return std::log(x);
    case Op::Tanh:
      return std::tanh(x);
    case Op::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    default:
      return 0;
  }
}

// Error of got in units in the last place of the correctly rounded result.
double ulp_error(float got, double want) {
  float w = static_cast<float>(want);
  if (std::isnan(w)) return std::isnan(got) ? 0 : 1e9;
  if (std::isinf(w) || std::isinf(got)) return got == w ? 0 : 1e9;
  float a = std::fabs(w);
  double ulp = std::nextafter(a, kInf) - a;
  if (a == 0) ulp = std::numeric_limits<float>::denorm_min();
  return std::fabs(double(got) - want) / ulp;
}

class VectorMath : public TargetTest {
 protected:
  // Evaluates op on xs with the JIT (vectors of the target's width; xs padded to a multiple of 16).
  std::vector<float> eval(Op op, std::vector<float> xs) {
    int w = x86::target_lanes(GetParam());
    size_t n = xs.size();
    xs.resize((n + 15) / 16 * 16, 1.0f);
    Kernel k;
    k.name = "math";
    Builder b(k);
    int64_t len = static_cast<int64_t>(xs.size());
    BufferId x = b.input("x", {len}), y = b.output("y", {len});
    b.loop("i", 0, len, w,
           [&](ValueId i) { b.store(b.unary(op, b.load(x, {Affine::var(i)}, w)), y, {Affine::var(i)}); });
    runtime::JitOptions o;
    o.target = GetParam();
    Expected<runtime::JitKernel> j = runtime::compile(k, o);
    EXPECT_TRUE(j) << (j ? "" : j.error().message);
    if (!j) return {};
    std::vector<float> out(xs.size());
    float* bufs[] = {xs.data(), out.data()};
    j->run(bufs);
    out.resize(n);
    return out;
  }

  // Max ulp error over xs (where the reference is finite and normal, unless keep_small).
  double max_ulp(Op op, const std::vector<float>& xs, float* worst = nullptr) {
    std::vector<float> got = eval(op, xs);
    double m = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      double want = reference(op, xs[i]);
      if (!std::isfinite(want) || std::fabs(want) < FLT_MIN) continue;
      double e = ulp_error(got[i], want);
      if (e > m) {
        m = e;
        if (worst) *worst = xs[i];
      }
    }
    return m;
  }
};

std::vector<float> range(float lo, float hi, int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = lo + (hi - lo) * static_cast<float>(i) / static_cast<float>(n - 1);
  return v;
}

// Every 509th float bit pattern (both signs, all exponents, NaNs and infinities included).
std::vector<float> bit_sweep() {
  std::vector<float> v;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 509) {
    uint32_t u = static_cast<uint32_t>(b);
    float f;
    std::memcpy(&f, &u, 4);
    v.push_back(f);
  }
  return v;
}

void report(const char* fn, x86::Target t, double dense, double bits, float worst) {
  std::printf(
      "[ vector math ] %-8s %-7s max error %.2f ulp (dense), %.2f ulp (bit sweep), worst at x = %.9g\n", fn,
      std::string(x86::target_name(t)).c_str(), dense, bits, static_cast<double>(worst));
}

TEST_P(VectorMath, Exp) {
  float worst = 0;
  double dense = max_ulp(Op::Exp, range(-103.9f, 88.7f, 1 << 20), &worst);
  double bits = max_ulp(Op::Exp, bit_sweep());
  report("exp", GetParam(), dense, bits, worst);
  EXPECT_LE(dense, 2.0);
  EXPECT_LE(bits, 2.0);
}

TEST_P(VectorMath, Log) {
  float worst = 0;
  std::vector<float> xs = range(1e-3f, 10.0f, 1 << 20);
  for (float& x : range(0.5f, 2.0f, 1 << 18)) xs.push_back(x);
  double dense = max_ulp(Op::Log, xs, &worst);
  double bits = max_ulp(Op::Log, bit_sweep());
  report("log", GetParam(), dense, bits, worst);
  EXPECT_LE(dense, 2.0);
  EXPECT_LE(bits, 2.0);
}

TEST_P(VectorMath, Tanh) {
  float worst = 0;
  std::vector<float> xs = range(-10.0f, 10.0f, 1 << 20);
  for (float& x : range(-0.7f, 0.7f, 1 << 18)) xs.push_back(x);
  double dense = max_ulp(Op::Tanh, xs, &worst);
  double bits = max_ulp(Op::Tanh, bit_sweep());
  report("tanh", GetParam(), dense, bits, worst);
  EXPECT_LE(dense, 4.0);
  EXPECT_LE(bits, 4.0);
}

TEST_P(VectorMath, Sigmoid) {
  float worst = 0;
  std::vector<float> xs = range(-87.0f, 88.0f, 1 << 20);
  double dense = max_ulp(Op::Sigmoid, xs, &worst);
  double bits = max_ulp(Op::Sigmoid, bit_sweep());
  report("sigmoid", GetParam(), dense, bits, worst);
  EXPECT_LE(dense, 4.0);
  EXPECT_LE(bits, 4.0);
}

TEST_P(VectorMath, EdgeCases) {
  const float big = 1e30f, tiny = std::numeric_limits<float>::denorm_min();
  std::vector<float> xs = {0.0f,   -0.0f,   kInf,    -kInf,   kNan, big,     -big,    88.8f, 89.0f, 100.0f,
                           -87.5f, -103.0f, -104.0f, -110.0f, tiny, FLT_MIN, FLT_MAX, -1.0f, -tiny, 1.0f};
  std::vector<float> e = eval(Op::Exp, xs), l = eval(Op::Log, xs), t = eval(Op::Tanh, xs),
                     s = eval(Op::Sigmoid, xs);
  for (size_t i = 0; i < xs.size(); ++i) {
    float x = xs[i];
    // exp: overflow to +inf, underflow through the denormals to +0, NaN stays NaN.
    EXPECT_LE(ulp_error(e[i], std::exp(double(x))), 2.0) << "exp(" << x << ") = " << e[i];
    // log: +-0 -> -inf, negatives and NaN -> NaN, +inf -> +inf, denormals exact to 2 ulp.
    EXPECT_LE(ulp_error(l[i], std::log(double(x))), 2.0) << "log(" << x << ") = " << l[i];
    EXPECT_LE(ulp_error(t[i], std::tanh(double(x))), 4.0) << "tanh(" << x << ") = " << t[i];
    // sigmoid: below about -88 the true value is < 2^-127 and the generated code returns +0.
    double sw = 1.0 / (1.0 + std::exp(-double(x)));
    if (x < -87.0f && !std::isnan(x))
      EXPECT_TRUE(s[i] >= 0.0f && s[i] <= 1e-37f) << "sigmoid(" << x << ") = " << s[i];
    else
      EXPECT_LE(ulp_error(s[i], sw), 4.0) << "sigmoid(" << x << ") = " << s[i];
  }
  EXPECT_TRUE(std::signbit(t[1])) << "tanh(-0) is -0";
}

INSTANTIATE_TEST_SUITE_P(Targets, VectorMath, ::testing::ValuesIn(all_targets()), target_param_name);

}  // namespace
}  // namespace njc::codegen_test
