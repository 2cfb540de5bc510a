// Vector math in generated code: exp, log, tanh and sigmoid as inline instruction sequences (range reduction
// + polynomial), for AVX-512 (vscalefps, vgetexpps/vgetmantps, opmask blends), AVX2 (integer exponent
// arithmetic, vblendvps) and SSE4.1 (the AVX2 sequences through vec_ops.cpp: two-operand forms, mul+add for
// fma, and/xor selects). Polynomials are Cephes' single-precision minimax sets; the measured maximum errors
// against libm are in docs/codegen.md and checked by test/unit/codegen/vector_math_test.cpp.
#include <cstdint>
#include <initializer_list>

#include "backend-x86/codegen_context.h"

namespace njc::x86 {

namespace {

// Comparison predicates (vcmpps imm8).
constexpr int kLtOq = 0x11, kEqOq = 0x00, kNgeUq = 0x19;

// t = ((c0 * z + c1) * z + c2) ... : Horner with one fma per coefficient (mul + add on sse4).
void horner(CodeContext& c, Reg t, Reg z, std::initializer_list<float> coeffs, int n) {
  auto it = coeffs.begin();
  c.mov(t, c.cst(*it++, n));
  for (; it != coeffs.end(); ++it) c.fma(t, t, z, c.cst(*it, n));
}

// Which results exp_into must get right: all of fp32 (exp itself), or those that sigmoid and tanh can
// see, where e^x only matters up to 2^127 and down to 2^-126 (beyond, 1/(1 + e^x) is 0 or 1 to the ulp).
enum class ExpRange { kFull, kNormal };

// out = exp(in) using temps tb..tb+2, temp 4 and out itself (out is written after in is read; it may
// equal in).
//   x = clamp(in, -104, 89)         beyond these exp is 0 / inf in fp32; NaN passes (register-first operands)
//                                   kNormal: clamp(in, -87, 88), so that 2^n is a normal number
//   n = round(x * log2(e)),  r = x - n*ln2_hi - n*ln2_lo  (fused; on sse4 n*ln2_hi is exact anyway,
//                                                         ln2_hi having 9 significant bits, |r| <= ln2/2)
//   e^r = 1 + r + r^2 P(r)            P of degree 5 (Cephes) in Estrin form: 4 dependent fmas, not 6
//           P = ((c0 r + c1) r^2 + (c2 r + c3)) r^2 + (c4 r + c5)
//   out = e^r * 2^n                   vscalefps; on AVX2 one integer-built power of two (kNormal) or two,
//                                     2^(n/2) 2^(n-n/2), so that results down to the denormals round once
void exp_into(CodeContext& c, Reg out, Reg in, int n, int tb, ExpRange range) {
  Assembler& a = c.a;
  const bool full = range == ExpRange::kFull;
  Reg x = c.temp(tb, n), k = c.temp(tb + 1, n), r2 = c.temp(tb + 2, n), p = c.temp(4, n), q = out;
  c.mov(x, c.cst(full ? -104.0f : -87.0f, n));
  c.op3(Mnemonic::vmaxps, x, x, in);
  c.mov(k, c.cst(full ? 89.0f : 88.0f, n));
  c.op3(Mnemonic::vminps, x, k, x);
  c.op3(Mnemonic::vmulps, k, x, c.cst(1.44269504088896341f, n));
  c.round(k, k, 0);
  c.fnma(x, k, c.cst(0.693359375f, n), x);
  c.fnma(x, k, c.cst(-2.12194440e-4f, n), x);
  c.op3(Mnemonic::vmulps, r2, x, x);
  c.fma(p, x, c.cst(1.9875691500e-4f, n), c.cst(1.3981999507e-3f, n));
  c.fma(q, x, c.cst(8.3334519073e-3f, n), c.cst(4.1665795894e-2f, n));
  c.fma(p, p, r2, q);
  c.fma(q, x, c.cst(1.6666665459e-1f, n), c.cst(5.0000001201e-1f, n));
  c.fma(p, p, r2, q);
  c.fma(p, p, r2, x);
  c.op3(Mnemonic::vaddps, p, p, c.cst(1.0f, n));
  if (c.avx512()) {
    a.vscalefps(out, p, k);
    return;
  }
  c.op2(Mnemonic::vcvttps2dq, k, k);
  if (!full) {
    c.op3(Mnemonic::vpaddd, k, k, c.cst_bits(127, n));
    c.shift(Mnemonic::vpslld, k, k, 23);
    c.op3(Mnemonic::vmulps, out, p, k);
    return;
  }
  // 2^n with n in [-150, 129] split in two normal powers: 2^h * 2^(n-h), h = n >> 1.
  c.shift(Mnemonic::vpsrad, x, k, 1);
  c.op3(Mnemonic::vpsubd, k, k, x);
  c.op3(Mnemonic::vpaddd, x, x, c.cst_bits(127, n));
  c.shift(Mnemonic::vpslld, x, x, 23);
  c.op3(Mnemonic::vmulps, p, p, x);
  c.op3(Mnemonic::vpaddd, k, k, c.cst_bits(127, n));
  c.shift(Mnemonic::vpslld, k, k, 23);
  c.op3(Mnemonic::vmulps, out, p, k);
}

}  // namespace

void emit_exp(CodeContext& c, Reg dst, Reg src, int lanes) {
  exp_into(c, dst, src, lanes, 0, ExpRange::kFull);
}

// log(x) = log(m) + e ln2 with x = m 2^e, m in [sqrt(1/2), sqrt(2)); z = m - 1;
// log(m) = z - z^2/2 + z^3 P(z) (degree-8 P), ln2 split in two parts. Edge cases by blends:
// x < 0 or NaN -> NaN, +-0 -> -inf, +inf -> +inf. AVX2 and SSE4 scale denormals by 2^23 first.
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
    c.cmp(m, x, c.cst(1.17549435e-38f, n), kLtOq);  // denormal (or <= 0: overridden below)
    c.op3(Mnemonic::vmulps, z, x, c.cst(8388608.0f, n));
    c.select(z, m, z, x);
    c.op3(Mnemonic::vandps, m, m, c.cst(23.0f, n));
    c.shift(Mnemonic::vpsrld, e, z, 23);
    c.op3(Mnemonic::vpsubd, e, e, c.cst_bits(126, n));
    c.op2(Mnemonic::vcvtdq2ps, e, e);
    c.op3(Mnemonic::vsubps, e, e, m);
    c.op3(Mnemonic::vandps, z, z, c.cst_bits(0x007fffffu, n));
    c.op3(Mnemonic::vorps, z, z, c.cst_bits(0x3f000000u, n));
    c.cmp(m, z, c.cst(0.707106781186547524f, n), kLtOq);
    c.op3(Mnemonic::vandps, z2, m, c.cst(1.0f, n));
    c.op3(Mnemonic::vsubps, e, e, z2);
    c.op3(Mnemonic::vandps, z2, m, z);
    c.op3(Mnemonic::vaddps, z, z, z2);
  }
  c.op3(Mnemonic::vsubps, z, z, c.cst(1.0f, n));
  c.op3(Mnemonic::vmulps, z2, z, z);
  horner(c, y, z,
         {7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f,
          -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f},
         n);
  c.op3(Mnemonic::vmulps, y, y, z);
  c.op3(Mnemonic::vmulps, y, y, z2);
  c.fma(y, e, c.cst(-2.12194440e-4f, n), y);
  c.fma(y, z2, c.cst(-0.5f, n), y);
  c.op3(Mnemonic::vaddps, y, y, z);
  c.fma(y, e, c.cst(0.693359375f, n), y);
  const float kNan = __builtin_nanf(""), kInf = __builtin_inff();
  if (c.avx512()) {
    a.vcmpps(k1, x, c.cst(0.0f, n), kNgeUq);
    a.vmovups(y | k1, c.cst(kNan, n));
    a.vcmpps(k1, x, c.cst(0.0f, n), kEqOq);
    a.vmovups(y | k1, c.cst(-kInf, n));
    a.vcmpps(k1, x, c.cst(kInf, n), kEqOq);
    a.vmovups(y | k1, c.cst(kInf, n));
  } else {
    c.cmp(m, x, c.cst(0.0f, n), kNgeUq);
    c.select(y, m, c.cst(kNan, n), y);
    c.cmp(m, x, c.cst(0.0f, n), kEqOq);
    c.select(y, m, c.cst(-kInf, n), y);
    c.cmp(m, x, c.cst(kInf, n), kEqOq);
    c.select(y, m, c.cst(kInf, n), y);
  }
  c.mov(dst, y);
}

// tanh(x): |x| < 0.625: x + x z P(z), z = x^2 (degree-4 P); else sign(x) (1 - 2 / (exp(2|x|) + 1)).
void emit_tanh(CodeContext& c, Reg dst, Reg x, int n) {
  Assembler& a = c.a;
  Reg big = c.temp(3, n), t = c.temp(4, n);
  c.op3(Mnemonic::vandps, big, x, c.cst_bits(0x7fffffffu, n));
  c.op3(Mnemonic::vaddps, big, big, big);
  exp_into(c, big, big, n, 0, ExpRange::kNormal);
  c.op3(Mnemonic::vaddps, big, big, c.cst(1.0f, n));
  c.mov(t, c.cst(2.0f, n));
  c.op3(Mnemonic::vdivps, t, t, big);
  c.mov(big, c.cst(1.0f, n));
  c.op3(Mnemonic::vsubps, big, big, t);
  c.op3(Mnemonic::vandps, t, x, c.cst_bits(0x80000000u, n));
  c.op3(Mnemonic::vorps, big, big, t);
  Reg z = c.temp(0, n), p = c.temp(1, n), ax = c.temp(2, n);
  c.op3(Mnemonic::vmulps, z, x, x);
  horner(c, p, z,
         {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f, 1.33314422036e-1f, -3.33332819422e-1f},
         n);
  c.op3(Mnemonic::vmulps, p, p, z);
  c.fma(p, p, x, x);
  c.op3(Mnemonic::vorps, p, p, t);  // t = sign of x: keeps tanh(-0) = -0 (x*p + x rounds to +0 there)
  c.op3(Mnemonic::vandps, ax, x, c.cst_bits(0x7fffffffu, n));
  if (c.avx512()) {
    a.vcmpps(k1, ax, c.cst(0.625f, n), kLtOq);
    a.vmovaps(big | k1, p);
    c.k1_lanes = -1;
    a.vmovaps(dst, big);
  } else {
    c.cmp(ax, ax, c.cst(0.625f, n), kLtOq);
    c.select(dst, ax, p, big);
  }
}

// sigmoid(x) = 1 / (1 + exp(-x)).
void emit_sigmoid(CodeContext& c, Reg dst, Reg x, int n) {
  Reg t = c.temp(3, n), one = c.temp(4, n);
  c.op3(Mnemonic::vxorps, t, x, c.cst_bits(0x80000000u, n));
  exp_into(c, t, t, n, 0, ExpRange::kNormal);
  c.op3(Mnemonic::vaddps, t, t, c.cst(1.0f, n));
  c.mov(one, c.cst(1.0f, n));
  c.op3(Mnemonic::vdivps, dst, one, t);
}

}  // namespace njc::x86
