// The operand checker: classifies concrete operands and finds the first table row of a mnemonic that takes
// them (kinds, masks, zeroing, broadcast, enabled ISA). When none does, it reports which operand is wrong.
// Sits between the Assembler API and the encoder; reads the same table as both.
#pragma once

#include <climits>
#include <cstdint>

#include "backend-x86/error.h"
#include "backend-x86/instr_table.h"
#include "backend-x86/operand.h"

namespace njc::x86 {

// True if m can be encoded: 64-bit GPR or rip base (no 67h address-size override), no rsp index, no index
// with rip, a label only through rip, scale 1/2/4/8.
constexpr bool valid_address(const Mem& m) {
  const bool base_ok = !m.base.valid() || m.base.kind == RegKind::kGpr64 || m.base.kind == RegKind::kRip;
  const bool index_ok = !m.index.valid() || (m.index.kind == RegKind::kGpr64 && m.index.id != 4);
  const bool scale_ok = m.scale == 1 || m.scale == 2 || m.scale == 4 || m.scale == 8;
  const bool rip_ok = m.base.kind != RegKind::kRip || !m.index.valid();
  const bool label_ok = m.label == kNoLabel || m.base.kind == RegKind::kRip;
  return base_ok && index_ok && scale_ok && rip_ok && label_ok && m.base.id < 16 && m.index.id < 16;
}

namespace detail {
// Classes of a register by kind: ids 0-15, ids 16-31, and the extra bit for id 0 (accumulator).
inline constexpr uint32_t kRegLow[] = {0,       kClsR8,  kClsR16, kClsR32, kClsR64,
                                       kClsXlo, kClsYlo, kClsZmm, kClsK,   0};
inline constexpr uint32_t kRegHigh[] = {0, 0, 0, 0, 0, kClsXhi, kClsYhi, kClsZmm, 0, 0};
inline constexpr uint32_t kRegZero[] = {0, kClsAl, 0, kClsEax, kClsRax, 0, 0, 0, 0, 0};

constexpr uint32_t reg_classes(Reg r) {
  const auto k = static_cast<size_t>(r.kind);
  if (r.kind == RegKind::kMask) return r.id < 8 ? kClsK : 0;
  uint32_t c = r.id < 16 ? kRegLow[k] : r.id < 32 ? kRegHigh[k] : 0;
  if (r.id == 0) c |= kRegZero[k];
  if (r.id == 1 && r.kind == RegKind::kGpr8) c |= kClsCl;
  return c;
}

constexpr uint32_t mem_classes(const Mem& m) {
  if (!valid_address(m)) return 0;
  if (m.bcst) return m.size == 4 ? kClsB32 : 0;
  switch (m.size) {
    case 0:
      return kClsMem;
    case 1:
      return kClsM8;
    case 2:
      return kClsM16;
    case 4:
      return kClsM32;
    case 8:
      return kClsM64;
    case 16:
      return kClsM128;
    case 32:
      return kClsM256;
    case 64:
      return kClsM512;
    default:
      return 0;
  }
}

constexpr uint32_t imm_classes(int64_t v) {
  uint32_t c = kClsImm64;
  if (v >= INT32_MIN && v <= INT32_MAX) c |= kClsImm32;
  if (v >= -128 && v <= 255) c |= kClsUimm8;
  if (v >= -128 && v <= 127) c |= kClsImm8;
  if (v == 1) c |= kClsOne;
  return c;
}
}  // namespace detail

// Class bits (kCls*) of one operand; kClsNone for an absent one, 0 for one no form can take (bad address,
// out-of-range register number).
constexpr uint32_t operand_classes(const Operand& o) {
  switch (o.type) {
    case OpType::kNone:
      return kClsNone;
    case OpType::kReg:
      return detail::reg_classes(o.reg);
    case OpType::kMem:
      return detail::mem_classes(o.mem);
    case OpType::kImm:
      return detail::imm_classes(o.imm);
    case OpType::kLabel:
      return kClsLabel;
  }
  return 0;
}

// The index into kForms of the first form of m that takes ops[0..3] (absent operands are OpType::kNone)
// using only ISA extensions in isa. On failure returns -1 and sets *err to the instruction, the operand
// that no form accepts, and why.
int match_form(Mnemonic m, const Operand* ops, uint16_t isa, Error* err);

}  // namespace njc::x86
