// Operand classification, form matching and the diagnosis of operands no form accepts.
#include "backend-x86/operand_check.h"

namespace njc::x86 {
namespace {

Error make_error(ErrorCode code, Mnemonic m, int operand) {
  return Error(code, m, operand);
}

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

// Why match_form found no row: checked in the order a user would want to hear about it.
Error explain_failure(Mnemonic m, const Operand* ops, const uint32_t* cls, uint16_t isa) {
  if (static_cast<size_t>(m) >= static_cast<size_t>(Mnemonic::kCount)) {
    return make_error(ErrorCode::kInvalidOperand, m, -1);
  }
  for (int j = 0; j < 4; ++j) {
    const Operand& o = ops[j];
    if (o.is_mem() && !valid_address(o.mem)) return make_error(ErrorCode::kBadAddress, m, j);
    if (j > 0 && (o.mask != 0 || o.zero)) {
      return make_error(o.mask != 0 ? ErrorCode::kBadMask : ErrorCode::kBadZeroing, m, j);
    }
  }
  if (ops[0].mask == kBadMask) return make_error(ErrorCode::kBadMask, m, 0);
  if (ops[0].zero && ops[0].mask == 0) return make_error(ErrorCode::kBadZeroing, m, 0);
  const unsigned deco = (ops[0].mask != 0 ? kFlagMask : 0u) | (ops[0].zero ? kFlagZero : 0u);
  return diagnose(m, ops, cls, deco, isa);
}

}  // namespace

int match_form(Mnemonic m, const Operand* ops, uint16_t isa, Error* err) {
  uint32_t cls[4];
  for (int j = 0; j < 4; ++j) cls[j] = operand_classes(ops[j]);
  // Decorations belong on operand 0 only; anything else is rare and handled on the slow path.
  const unsigned stray = ops[1].mask | ops[2].mask | ops[3].mask | ops[1].zero | ops[2].zero | ops[3].zero;
  const uint8_t mask = ops[0].mask;
  if (static_cast<size_t>(m) < static_cast<size_t>(Mnemonic::kCount) && stray == 0 && mask != kBadMask &&
      (mask != 0 || !ops[0].zero)) {
    const unsigned deco = (mask != 0 ? kFlagMask : 0u) | (ops[0].zero ? kFlagZero : 0u);
    const FormRange r = form_range(m);
    for (int i = r.first; i < r.last; ++i) {
      const auto& rc = kFormClasses[i];
      if ((rc[0] & cls[0]) && (rc[1] & cls[1]) && (rc[2] & cls[2]) && (rc[3] & cls[3])) {
        const Form& f = kForms[i];
        if ((f.flags & deco) == deco && (f.isa & isa) == f.isa) return i;
      }
    }
  }
  *err = explain_failure(m, ops, cls, isa);
  return -1;
}

}  // namespace njc::x86
