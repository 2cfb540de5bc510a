// Target-neutral vector operations for the code generator (declared in codegen_context.h): isel.cpp and
// vector_math.cpp write `d = op(x, y)` once, and this file emits the VEX/EVEX three-operand form or, on the
// sse4 target, the legacy two-operand destructive form plus the copies it needs (no VEX, no FMA).
#include <string>
#include <utility>

#include "backend-x86/codegen_context.h"
#include "ir/assert.h"

namespace njc::x86 {

namespace {

// The legacy SSE twin of a VEX mnemonic, and whether op(a, b) == op(b, a) bit for bit (min/max are not:
// they return the second operand for NaN and signed zeros).
struct Twin {
  Mnemonic sse;
  bool commutative;
};

Twin sse_twin(Mnemonic m) {
  switch (m) {
    case Mnemonic::vaddps:
      return {Mnemonic::addps, true};
    case Mnemonic::vsubps:
      return {Mnemonic::subps, false};
    case Mnemonic::vmulps:
      return {Mnemonic::mulps, true};
    case Mnemonic::vdivps:
      return {Mnemonic::divps, false};
    case Mnemonic::vmaxps:
      return {Mnemonic::maxps, false};
    case Mnemonic::vminps:
      return {Mnemonic::minps, false};
    case Mnemonic::vandps:
      return {Mnemonic::andps, true};
    case Mnemonic::vandnps:
      return {Mnemonic::andnps, false};
    case Mnemonic::vorps:
      return {Mnemonic::orps, true};
    case Mnemonic::vxorps:
      return {Mnemonic::xorps, true};
    case Mnemonic::vunpcklps:
      return {Mnemonic::unpcklps, false};
    case Mnemonic::vunpckhps:
      return {Mnemonic::unpckhps, false};
    case Mnemonic::vpaddd:
      return {Mnemonic::paddd, true};
    case Mnemonic::vpsubd:
      return {Mnemonic::psubd, false};
    case Mnemonic::vpxor:
      return {Mnemonic::pxor, true};
    case Mnemonic::vsqrtps:
      return {Mnemonic::sqrtps, false};
    case Mnemonic::vcvtdq2ps:
      return {Mnemonic::cvtdq2ps, false};
    case Mnemonic::vcvttps2dq:
      return {Mnemonic::cvttps2dq, false};
    case Mnemonic::vpslld:
      return {Mnemonic::pslld, false};
    case Mnemonic::vpsrld:
      return {Mnemonic::psrld, false};
    case Mnemonic::vpsrad:
      return {Mnemonic::psrad, false};
    default:
      NJC_UNREACHABLE(std::string("vec_ops: no legacy SSE twin for ") + mnemonic_name(m));
  }
}

bool aliases(const Operand& o, Reg r) {
  return o.is_reg() && o.reg == r;
}

// The legacy predicate (0-7) computing AVX predicate pred, and whether the operands must be swapped.
std::pair<int, bool> sse_predicate(int pred) {
  if ((pred & 0x0f) < 8) return {pred & 7, false};  // bit 4 only selects signalling vs quiet
  switch (pred & 0x0f) {
    case 0x09:  // NGE(x, y) = NLE(y, x)
      return {6, true};
    case 0x0a:  // NGT(x, y) = NLT(y, x)
      return {5, true};
    case 0x0d:  // GE(x, y) = LE(y, x)
      return {2, true};
    case 0x0e:  // GT(x, y) = LT(y, x)
      return {1, true};
    default:
      NJC_UNREACHABLE("vec_ops: cmpps predicate " + std::to_string(pred) + " has no legacy SSE form");
  }
}

}  // namespace

void CodeContext::op3(Mnemonic op, Reg d, Reg x, const Operand& y) {
  if (!sse()) {
    a.emit(op, d, x, y);
    return;
  }
  const Twin t = sse_twin(op);
  if (aliases(y, d) && x != d) {
    if (t.commutative) {
      a.emit(t.sse, d, x);
      return;
    }
    const Reg f = xmm(fix_);
    a.movaps(f, x);
    a.emit(t.sse, f, y);
    a.movaps(d, f);
    return;
  }
  if (x != d) a.movaps(d, x);
  a.emit(t.sse, d, y);
}

void CodeContext::op2(Mnemonic op, Reg d, const Operand& x) {
  a.emit(sse() ? sse_twin(op).sse : op, d, x);
}

void CodeContext::shift(Mnemonic op, Reg d, Reg x, int imm) {
  if (!sse()) {
    a.emit(op, d, x, imm);
    return;
  }
  if (x != d) a.movaps(d, x);
  a.emit(sse_twin(op).sse, d, imm);
}

void CodeContext::round(Reg d, Reg x, int imm) {
  if (avx512())
    a.vrndscaleps(d, x, imm);
  else if (sse())
    a.roundps(d, x, imm);
  else
    a.vroundps(d, x, imm);
}

void CodeContext::mov(const Operand& d, const Operand& s) {
  const bool regs = d.is_reg() && s.is_reg();
  if (sse())
    a.emit(regs ? Mnemonic::movaps : Mnemonic::movups, d, s);
  else
    a.emit(regs ? Mnemonic::vmovaps : Mnemonic::vmovups, d, s);
}

void CodeContext::cmp(Reg d, Reg x, const Operand& y, int pred) {
  if (!sse()) {
    a.vcmpps(d, x, y, pred);
    return;
  }
  const auto [p, swap] = sse_predicate(pred);
  const Reg f = xmm(fix_);
  if (!swap) {
    if (aliases(y, d) && x != d) {
      a.movaps(f, x);
      a.cmpps(f, y, p);
      a.movaps(d, f);
      return;
    }
    if (x != d) a.movaps(d, x);
    a.cmpps(d, y, p);
    return;
  }
  // d = cmp'(y, x): y becomes the destructive first operand.
  const Reg w = x == d ? f : d;
  if (!aliases(y, w)) mov(w, y);
  a.cmpps(w, x, p);
  if (w != d) a.movaps(d, w);
}

void CodeContext::select(Reg d, Reg m, const Operand& t, const Operand& f) {
  if (!sse()) {
    NJC_ASSERT(f.is_reg(), "vec_ops: vblendvps needs the false value in a register");
    a.vblendvps(d, f.reg, t, m);
    return;
  }
  // d = f ^ ((t ^ f) & m): exact for lanes of m that are all-ones or zero, and no xmm0 (blendvps) needed.
  const Reg x = xmm(fix_);
  mov(x, t);
  a.xorps(x, f);
  a.andps(x, m);
  if (!aliases(f, d)) mov(d, f);
  a.xorps(d, x);
}

void CodeContext::fma(Reg d, Reg x, const Operand& y, const Operand& z) {
  if (sse()) {
    if (aliases(z, d)) {
      op3(Mnemonic::vmulps, xmm(fix_), x, y);
      a.addps(d, xmm(fix_));
    } else {
      op3(Mnemonic::vmulps, d, x, y);
      a.addps(d, z);
    }
    return;
  }
  if (aliases(z, d)) {
    a.vfmadd231ps(d, x, y);
  } else if (x == d && y.is_reg()) {
    a.vfmadd213ps(d, y, z);
  } else if (aliases(y, d)) {
    a.vfmadd213ps(d, x, z);
  } else {
    NJC_ASSERT(x != d, "vec_ops: fma with d == x needs y in a register");
    mov(d, z);
    a.vfmadd231ps(d, x, y);
  }
}

void CodeContext::fnma(Reg d, Reg x, const Operand& y, const Operand& z) {
  if (sse()) {
    op3(Mnemonic::vmulps, xmm(fix_), x, y);
    if (!aliases(z, d)) mov(d, z);
    a.subps(d, xmm(fix_));
    return;
  }
  if (!aliases(z, d)) {
    NJC_ASSERT(x != d && !aliases(y, d), "vec_ops: fnma destination aliases a multiplicand");
    mov(d, z);
  }
  a.vfnmadd231ps(d, x, y);
}

void CodeContext::splat(Reg d, Reg s, int lanes) {
  if (!sse()) {
    if (lanes == 1)
      a.vmovaps(d, s);
    else
      a.vbroadcastss(d, as_lanes(s, 1));
    return;
  }
  if (s != d) a.movaps(d, s);
  if (lanes > 1) a.shufps(d, d, 0);
}

}  // namespace njc::x86
