// Operand classification, form matching and the diagnosis of operands no form accepts.
#include "backend-x86/operand_check.h"

namespace njc::x86 {
namespace {

uint32_t reg_classes(Reg r) {
  const unsigned limit = r.is_gpr() ? 16 : r.is_vec() ? 32 : 8;
  if (r.id >= limit) return 0;
  switch (r.kind) {
    case RegKind::kGpr8: return kClsR8 | (r.id == 0 ? kClsAl : 0) | (r.id == 1 ? kClsCl : 0);
    case RegKind::kGpr16: return kClsR16;
    case RegKind::kGpr32: return kClsR32 | (r.id == 0 ? kClsEax : 0);
    case RegKind::kGpr64: return kClsR64 | (r.id == 0 ? kClsRax : 0);
    case RegKind::kXmm: return r.id < 16 ? kClsXlo : kClsXhi;
    case RegKind::kYmm: return r.id < 16 ? kClsYlo : kClsYhi;
    case RegKind::kZmm: return kClsZmm;
    case RegKind::kMask: return kClsK;
    default: return 0;
  }
}

uint32_t mem_classes(const Mem& m) {
  if (m.bcst) return m.size == 4 ? kClsB32 : 0;
  switch (m.size) {
    case 0: return kClsMem;
    case 1: return kClsM8;
    case 2: return kClsM16;
    case 4: return kClsM32;
    case 8: return kClsM64;
    case 16: return kClsM128;
    case 32: return kClsM256;
    case 64: return kClsM512;
    default: return 0;
  }
}

uint32_t imm_classes(int64_t v) {
  uint32_t c = kClsImm64;
  if (v >= INT32_MIN && v <= INT32_MAX) c |= kClsImm32;
  if (v >= -128 && v <= 255) c |= kClsUimm8;
  if (v >= -128 && v <= 127) c |= kClsImm8;
  if (v == 1) c |= kClsOne;
  return c;
}

// A register number fits the address field: 64-bit GPRs only (no 67h address-size override), no rsp index,
// no index with rip, a label only through rip.
bool valid_address(const Mem& m) {
  const bool base_ok = !m.base.valid() || m.base.kind == RegKind::kGpr64 || m.base.kind == RegKind::kRip;
  const bool index_ok = !m.index.valid() || (m.index.kind == RegKind::kGpr64 && m.index.id != 4);
  const bool scale_ok = m.scale == 1 || m.scale == 2 || m.scale == 4 || m.scale == 8;
  const bool rip_ok = m.base.kind != RegKind::kRip || !m.index.valid();
  const bool label_ok = m.label == kNoLabel || m.base.kind == RegKind::kRip;
  return base_ok && index_ok && scale_ok && rip_ok && label_ok;
}

Error make_error(ErrorCode code, Mnemonic m, int operand) { return Error(code, m, operand); }

// How far row `row` gets with these operands: 0-3 = index of the first operand it rejects; 4 = mask not
// allowed; 5 = zeroing not allowed; 6 = ISA disabled; 7 = accepted.
int match_depth(int row, const uint32_t* cls, unsigned deco, uint16_t isa) {
  for (int j = 0; j < 4; ++j) {
    if ((kFormClasses[row][j] & cls[j]) == 0) return j;
  }
  const Form& f = kForms[row];
  if ((deco & kFlagMask) && !(f.flags & kFlagMask)) return 4;
  if ((deco & kFlagZero) && !(f.flags & kFlagZero)) return 5;
  if ((f.isa & isa) != f.isa) return 6;
  return 7;
}

// Explains why no row of m takes the operands, blaming the operand the closest row rejects.
Error diagnose(Mnemonic m, const Operand* ops, const uint32_t* cls, unsigned deco, uint16_t isa) {
  const FormRange r = form_range(m);
  int best = 0;
  for (int i = r.first; i < r.last; ++i) {
    const int d = match_depth(i, cls, deco, isa);
    if (d > best) best = d;
  }
  if (best == 4) return make_error(ErrorCode::kBadMask, m, 0);
  if (best == 5) return make_error(ErrorCode::kBadZeroing, m, 0);
  if (best == 6) return make_error(ErrorCode::kIsaDisabled, m, -1);
  // Would the blamed operand fit any row of m in a different size? Then say what is wrong with it.
  const Operand& o = ops[best];
  uint32_t any_slot = 0;
  for (int i = r.first; i < r.last; ++i) any_slot |= kFormClasses[i][best];
  if (o.is_imm() && (any_slot & (kClsImm8 | kClsUimm8 | kClsImm32 | kClsImm64 | kClsOne))) {
    return make_error(ErrorCode::kImmOutOfRange, m, best);
  }
  if (o.is_mem() && o.mem.bcst && (any_slot & kClsMem)) return make_error(ErrorCode::kBadBroadcast, m, best);
  return make_error(ErrorCode::kInvalidOperand, m, best);
}

}  // namespace

uint32_t operand_classes(const Operand& o) {
  switch (o.type) {
    case OpType::kNone: return kClsNone;
    case OpType::kReg: return reg_classes(o.reg);
    case OpType::kMem: return mem_classes(o.mem);
    case OpType::kImm: return imm_classes(o.imm);
    case OpType::kLabel: return kClsLabel;
  }
  return 0;
}

int match_form(Mnemonic m, const Operand* ops, uint16_t isa, Error* err) {
  if (static_cast<size_t>(m) >= static_cast<size_t>(Mnemonic::kCount)) {
    *err = make_error(ErrorCode::kInvalidOperand, m, -1);
    return -1;
  }
  uint32_t cls[4];
  for (int j = 0; j < 4; ++j) {
    const Operand& o = ops[j];
    cls[j] = operand_classes(o);
    if (o.is_mem() && !valid_address(o.mem)) {
      *err = make_error(ErrorCode::kBadAddress, m, j);
      return -1;
    }
    if (j > 0 && (o.mask != 0 || o.zero)) {
      *err = make_error(o.mask != 0 ? ErrorCode::kBadMask : ErrorCode::kBadZeroing, m, j);
      return -1;
    }
  }
  if (ops[0].mask == kBadMask) {
    *err = make_error(ErrorCode::kBadMask, m, 0);
    return -1;
  }
  if (ops[0].zero && ops[0].mask == 0) {
    *err = make_error(ErrorCode::kBadZeroing, m, 0);
    return -1;
  }
  const unsigned deco = (ops[0].mask != 0 ? kFlagMask : 0u) | (ops[0].zero ? kFlagZero : 0u);
  const FormRange r = form_range(m);
  for (int i = r.first; i < r.last; ++i) {
    const auto& rc = kFormClasses[i];
    if ((rc[0] & cls[0]) && (rc[1] & cls[1]) && (rc[2] & cls[2]) && (rc[3] & cls[3])) {
      const Form& f = kForms[i];
      if ((f.flags & deco) == deco && (f.isa & isa) == f.isa) return i;
    }
  }
  *err = diagnose(m, ops, cls, deco, isa);
  return -1;
}

}  // namespace njc::x86
