// Vector math in generated code: exp, log, tanh and sigmoid as inline instruction sequences (range reduction
// + polynomial), for AVX-512 (vscalefps, vgetexpps/vgetmantps, opmask blends) and AVX2 (integer exponent
// arithmetic, vblendvps). Polynomials are Cephes' single-precision minimax sets; the measured maximum errors
// against libm are in docs/codegen.md and checked by test/unit/codegen/vector_math_test.cpp.
#include <cstdint>
#include <initializer_list>

#include "backend-x86/codegen_context.h"

namespace njc::x86 {

namespace {

// Comparison predicates (vcmpps imm8).
constexpr int kLtOq = 0x11, kEqOq = 0x00, kNgeUq = 0x19;

// t = ((c0 * z + c1) * z + c2) ... : Horner with one fma per coefficient.
void horner(CodeContext& c, Reg t, Reg z, std::initializer_list<float> coeffs, int n) {
  auto it = coeffs.begin();
  c.a.vmovups(t, c.cst(*it++, n));
  for (; it != coeffs.end(); ++it) c.a.vfmadd213ps(t, z, c.cst(*it, n));
}

// out = exp(in) using temps tb..tb+2; out is written last and may equal in.
//   x = clamp(in, -104, 89)         beyond these exp is 0 / inf in fp32; NaN passes (register-first operands)
//   n = round(x * log2(e)),  r = x - n*ln2_hi - n*ln2_lo  (fused, |r| <= ln2/2)
//   e^r = 1 + r + r^2 P(r)            degree-7 Horner
//   out = e^r * 2^n                   vscalefps, or two integer-built powers 2^(n/2) 2^(n-n/2) on AVX2
void exp_into(CodeContext& c, Reg out, Reg in, int n, int tb) {
  Assembler& a = c.a;
  Reg x = c.temp(tb, n), k = c.temp(tb + 1, n), p = c.temp(tb + 2, n);
  a.vmovups(x, c.cst(-104.0f, n));
  a.vmaxps(x, x, in);
  a.vmovups(k, c.cst(89.0f, n));
  a.vminps(x, k, x);
  a.vmulps(k, x, c.cst(1.44269504088896341f, n));
  if (c.avx512())
    a.vrndscaleps(k, k, 0);
  else
    a.vroundps(k, k, 0);
  a.vfnmadd231ps(x, k, c.cst(0.693359375f, n));
  a.vfnmadd231ps(x, k, c.cst(-2.12194440e-4f, n));
  horner(c, p, x,
         {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f,
          5.0000001201e-1f, 1.0f, 1.0f},
         n);
  if (c.avx512()) {
    a.vscalefps(out, p, k);
    return;
  }
  // 2^n with n in [-150, 129] split in two normal powers: 2^h * 2^(n-h), h = n >> 1.
  a.vcvttps2dq(k, k);
  a.vpsrad(x, k, 1);
  a.vpsubd(k, k, x);
  a.vpaddd(x, x, c.cst_bits(127, n));
  a.vpslld(x, x, 23);
  a.vmulps(p, p, x);
  a.vpaddd(k, k, c.cst_bits(127, n));
  a.vpslld(k, k, 23);
  a.vmulps(out, p, k);
}

}  // namespace

void emit_exp(CodeContext& c, Reg dst, Reg src, int lanes) {
  exp_into(c, dst, src, lanes, 0);
}

// log(x) = log(m) + e ln2 with x = m 2^e, m in [sqrt(1/2), sqrt(2)); z = m - 1;
// log(m) = z - z^2/2 + z^3 P(z) (degree-8 P), ln2 split in two parts. Edge cases by blends:
// x < 0 or NaN -> NaN, +-0 -> -inf, +inf -> +inf. AVX2 scales denormals by 2^23 first.
void emit_log(CodeContext& c, Reg dst, Reg x, int n) {
  Assembler& a = c.a;
  Reg z = c.temp(0, n), e = c.temp(1, n), z2 = c.temp(2, n), y = c.temp(3, n), m = c.temp(4, n);
  if (c.avx512()) {
    a.vgetmantps(z, x, 0x02);  // [1/2, 1), sign of the source
    a.vgetexpps(e, x);
    a.vaddps(e, e, c.cst(1.0f, n));
    a.vcmpps(k1, z, c.cst(0.707106781186547524f, n), kLtOq);
    a.vsubps(e | k1, e, c.cst(1.0f, n));
    a.vaddps(z | k1, z, z);
    c.k1_lanes = -1;
  } else {
    a.vcmpps(m, x, c.cst(1.17549435e-38f, n), kLtOq);  // denormal (or <= 0: overridden below)
    a.vmulps(z, x, c.cst(8388608.0f, n));
    a.vblendvps(z, x, z, m);
    a.vandps(m, m, c.cst(23.0f, n));
    a.vpsrld(e, z, 23);
    a.vpsubd(e, e, c.cst_bits(126, n));
    a.vcvtdq2ps(e, e);
    a.vsubps(e, e, m);
    a.vandps(z, z, c.cst_bits(0x007fffffu, n));
    a.vorps(z, z, c.cst_bits(0x3f000000u, n));
    a.vcmpps(m, z, c.cst(0.707106781186547524f, n), kLtOq);
    a.vandps(z2, m, c.cst(1.0f, n));
    a.vsubps(e, e, z2);
    a.vandps(z2, m, z);
    a.vaddps(z, z, z2);
  }
  a.vsubps(z, z, c.cst(1.0f, n));
  a.vmulps(z2, z, z);
  horner(c, y, z,
         {7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f,
          -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f},
         n);
  a.vmulps(y, y, z);
  a.vmulps(y, y, z2);
  a.vfmadd231ps(y, e, c.cst(-2.12194440e-4f, n));
  a.vfmadd231ps(y, z2, c.cst(-0.5f, n));
  a.vaddps(y, y, z);
  a.vfmadd231ps(y, e, c.cst(0.693359375f, n));
  const float kNan = __builtin_nanf(""), kInf = __builtin_inff();
  if (c.avx512()) {
    a.vcmpps(k1, x, c.cst(0.0f, n), kNgeUq);
    a.vmovups(y | k1, c.cst(kNan, n));
    a.vcmpps(k1, x, c.cst(0.0f, n), kEqOq);
    a.vmovups(y | k1, c.cst(-kInf, n));
    a.vcmpps(k1, x, c.cst(kInf, n), kEqOq);
    a.vmovups(y | k1, c.cst(kInf, n));
  } else {
    a.vcmpps(m, x, c.cst(0.0f, n), kNgeUq);
    a.vblendvps(y, y, c.cst(kNan, n), m);
    a.vcmpps(m, x, c.cst(0.0f, n), kEqOq);
    a.vblendvps(y, y, c.cst(-kInf, n), m);
    a.vcmpps(m, x, c.cst(kInf, n), kEqOq);
    a.vblendvps(y, y, c.cst(kInf, n), m);
  }
  a.vmovaps(dst, y);
}

// tanh(x): |x| < 0.625: x + x z P(z), z = x^2 (degree-4 P); else sign(x) (1 - 2 / (exp(2|x|) + 1)).
void emit_tanh(CodeContext& c, Reg dst, Reg x, int n) {
  Assembler& a = c.a;
  Reg big = c.temp(3, n), t = c.temp(4, n);
  a.vandps(big, x, c.cst_bits(0x7fffffffu, n));
  a.vaddps(big, big, big);
  exp_into(c, big, big, n, 0);
  a.vaddps(big, big, c.cst(1.0f, n));
  a.vmovups(t, c.cst(2.0f, n));
  a.vdivps(t, t, big);
  a.vmovups(big, c.cst(1.0f, n));
  a.vsubps(big, big, t);
  a.vandps(t, x, c.cst_bits(0x80000000u, n));
  a.vorps(big, big, t);
  Reg z = c.temp(0, n), p = c.temp(1, n), ax = c.temp(2, n);
  a.vmulps(z, x, x);
  horner(c, p, z,
         {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f, 1.33314422036e-1f, -3.33332819422e-1f},
         n);
  a.vmulps(p, p, z);
  a.vfmadd213ps(p, x, x);
  a.vorps(p, p, t);  // t = sign of x: keeps tanh(-0) = -0 (x*p + x rounds to +0 there)
  a.vandps(ax, x, c.cst_bits(0x7fffffffu, n));
  if (c.avx512()) {
    a.vcmpps(k1, ax, c.cst(0.625f, n), kLtOq);
    a.vmovaps(big | k1, p);
    c.k1_lanes = -1;
    a.vmovaps(dst, big);
  } else {
    a.vcmpps(ax, ax, c.cst(0.625f, n), kLtOq);
    a.vblendvps(dst, big, p, ax);
  }
}

// sigmoid(x) = 1 / (1 + exp(-x)).
void emit_sigmoid(CodeContext& c, Reg dst, Reg x, int n) {
  Assembler& a = c.a;
  Reg t = c.temp(3, n), one = c.temp(4, n);
  a.vxorps(t, x, c.cst_bits(0x80000000u, n));
  exp_into(c, t, t, n, 0);
  a.vaddps(t, t, c.cst(1.0f, n));
  a.vmovups(one, c.cst(1.0f, n));
  a.vdivps(dst, one, t);
}

}  // namespace njc::x86
