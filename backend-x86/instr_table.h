// The instruction-form table: one row per encodable form (mnemonic, operand kinds, opcode, map, pp, W, L,
// /digit, immediate size, ISA). The rows live in instr_table.def; the encoder, the printer and the operand
// checker all read this one table, so what we accept, what we emit and what we print cannot drift.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace njc::x86 {

// Every mnemonic, in table order; kCount is the number of mnemonics. Names that are C++ keywords or
// alternative tokens carry a trailing underscore (and_, or_, xor_, not_); the printed name drops it.
enum class Mnemonic : uint16_t {
#define NJC_X86_MNEMONIC(name) name,
#define NJC_X86_FORM(...)
#include "backend-x86/instr_table.def"
#undef NJC_X86_MNEMONIC
#undef NJC_X86_FORM
  kCount
};

// What one operand slot of a form accepts. Implicit kinds (kAl, kEax, kRax, kCl, kOne) are written by the
// user and printed but not encoded. A kind's accepted operand classes are in kind_classes().
enum class OpKind : uint8_t {
  kNone,
  // general-purpose registers and memory
  kR8,
  kR16,
  kR32,
  kR64,
  kRm8,
  kRm16,
  kRm32,
  kRm64,
  kM,
  kM8,
  kM16,
  kM32,
  kM64,
  kM128,
  kM256,
  kM512,
  kAl,
  kEax,
  kRax,
  kCl,
  kOne,
  // immediates (kImm8 is sign-extended; kUimm8 takes -128..255) and branch targets
  kImm8,
  kUimm8,
  kImm32,
  kImm64,
  kRel,
  // VEX/legacy vector operands: registers 0-15 only, no broadcast
  kX,
  kY,
  kXm32,
  kXm128,
  kYm256,
  // EVEX vector operands: registers 0-31; "b" kinds also take a {1toN} broadcast of 32-bit elements
  kXe,
  kYe,
  kZ,
  kXme32,
  kXme128,
  kYme256,
  kZm512,
  kXmb128,
  kYmb256,
  kZmb512,
  // opmask registers
  kK,
  kKm16,
  kKm32,
  kCount
};

// Operand encoding: which operand goes to ModRM.reg (R), ModRM.rm (M), VEX/EVEX.vvvv (V), the opcode's low
// three bits (O), imm8[7:4] (the fourth R of kRVMR), or a rel8/rel32 branch displacement (D). Immediates
// are found by kind, so kRM covers both "RM" and "RMI".
enum class Enc : uint8_t { kZO, kO, kI, kD, kM, kMR, kRM, kRVM, kMVR, kVM, kRVMR };

enum class PrefixKind : uint8_t { kLegacy, kVex, kEvex };

// Required ISA extensions, as a bit set. A form needs all of its bits.
inline constexpr uint16_t kIsaBase = 1 << 0;
inline constexpr uint16_t kIsaSse = 1 << 1;
inline constexpr uint16_t kIsaSse2 = 1 << 2;
inline constexpr uint16_t kIsaAvx = 1 << 3;
inline constexpr uint16_t kIsaAvx2 = 1 << 4;
inline constexpr uint16_t kIsaFma = 1 << 5;
inline constexpr uint16_t kIsaAvx512f = 1 << 6;
inline constexpr uint16_t kIsaAvx512vl = 1 << 7;
inline constexpr uint16_t kIsaAvx512dq = 1 << 8;
inline constexpr uint16_t kIsaAvx512bw = 1 << 9;
inline constexpr uint16_t kIsaAvx512bf16 = 1 << 10;
inline constexpr uint16_t kIsaSse41 = 1 << 11;
inline constexpr uint16_t kIsaAll = 0xfff;

// Per-form flags.
inline constexpr uint8_t kFlagMask = 1 << 0;  // EVEX: operand 0 may carry an opmask {k1}-{k7}
inline constexpr uint8_t kFlagZero = 1 << 1;  // EVEX: operand 0 may carry {z} (zeroing instead of merging)
inline constexpr uint8_t kFlagElemN = 1
                                      << 2;  // EVEX: disp8*N uses N = element size (Tuple1), not memory size
inline constexpr uint8_t kFlagRevVex2 =
    1 << 3;  // VEX moves: a source reg above 7 uses the store opcode to fit VEX2
inline constexpr uint8_t kFlagMovabs = 1 << 4;   // printed as "movabs"
inline constexpr uint8_t kFlagNoShort = 1 << 5;  // branch without a rel8 form (call)

// Mandatory prefix (pp) and opcode map (mm) codes, as the VEX/EVEX fields spell them.
enum : uint8_t { kPpNone = 0, kPp66 = 1, kPpF3 = 2, kPpF2 = 3 };
enum : uint8_t { kMap0 = 0, kMap0F = 1, kMap0F38 = 2, kMap0F3A = 3 };

// One instruction form. w and l are the VEX/EVEX W and L'L (W also means REX.W for legacy forms); digit is
// the ModRM.reg extension (/0-/7) or -1 for /r; imm_size is 0, 1, 4 or 8 bytes.
struct Form {
  Mnemonic mnemonic;
  Enc enc;
  OpKind ops[4];
  PrefixKind prefix;
  uint8_t pp;
  uint8_t map;
  uint8_t opcode;
  uint8_t w;
  uint8_t l;
  int8_t digit;
  uint8_t imm_size;
  uint16_t isa;
  uint8_t flags;
};

// Operand classes: what a concrete operand is. An operand has one or more class bits; a kind accepts a set.
inline constexpr uint32_t kClsR8 = 1u << 0;
inline constexpr uint32_t kClsR16 = 1u << 1;
inline constexpr uint32_t kClsR32 = 1u << 2;
inline constexpr uint32_t kClsR64 = 1u << 3;
inline constexpr uint32_t kClsAl = 1u << 4;
inline constexpr uint32_t kClsEax = 1u << 5;
inline constexpr uint32_t kClsRax = 1u << 6;
inline constexpr uint32_t kClsCl = 1u << 7;
inline constexpr uint32_t kClsM8 = 1u << 8;
inline constexpr uint32_t kClsM16 = 1u << 9;
inline constexpr uint32_t kClsM32 = 1u << 10;
inline constexpr uint32_t kClsM64 = 1u << 11;
inline constexpr uint32_t kClsM128 = 1u << 12;
inline constexpr uint32_t kClsM256 = 1u << 13;
inline constexpr uint32_t kClsM512 = 1u << 14;
inline constexpr uint32_t kClsB32 = 1u << 15;
inline constexpr uint32_t kClsImm8 = 1u << 16;
inline constexpr uint32_t kClsUimm8 = 1u << 17;
inline constexpr uint32_t kClsImm32 = 1u << 18;
inline constexpr uint32_t kClsImm64 = 1u << 19;
inline constexpr uint32_t kClsOne = 1u << 20;
inline constexpr uint32_t kClsLabel = 1u << 21;
inline constexpr uint32_t kClsXlo = 1u << 22;
inline constexpr uint32_t kClsXhi = 1u << 23;
inline constexpr uint32_t kClsYlo = 1u << 24;
inline constexpr uint32_t kClsYhi = 1u << 25;
inline constexpr uint32_t kClsZmm = 1u << 26;
inline constexpr uint32_t kClsK = 1u << 27;
inline constexpr uint32_t kClsNone = 1u << 28;  // the operand (or the slot) is absent
inline constexpr uint32_t kClsMem = kClsM8 | kClsM16 | kClsM32 | kClsM64 | kClsM128 | kClsM256 | kClsM512;

// Static facts about an operand kind.
struct KindInfo {
  uint32_t classes;   // accepted operand classes
  uint8_t mem_size;   // bytes of a memory operand in this slot (0 = not memory / any size)
  uint8_t vec_bytes;  // vector width for {1toN} (16, 32, 64), else 0
  bool implicit;      // written and printed but not encoded
};

inline constexpr int kFormCount = 0
#define NJC_X86_MNEMONIC(name)
#define NJC_X86_FORM(...) +1
#include "backend-x86/instr_table.def"
#undef NJC_X86_MNEMONIC
#undef NJC_X86_FORM
    ;

// The table. Rows of one mnemonic are contiguous and ordered by preference: the first row that accepts
// the operands is used, so shorter encodings (VEX before EVEX, imm8 before imm32) come first.
extern const Form kForms[kFormCount];

// kFormClasses[row][i]: the operand classes slot i of row accepts (kClsNone for an empty slot).
extern const std::array<std::array<uint32_t, 4>, kFormCount> kFormClasses;

// Facts about kind k.
constexpr KindInfo kind_info(OpKind k) {
  constexpr uint32_t kXe = kClsXlo | kClsXhi, kYe = kClsYlo | kClsYhi;
  switch (k) {
    case OpKind::kNone:
      return {0, 0, 0, false};
    case OpKind::kR8:
      return {kClsR8, 0, 0, false};
    case OpKind::kR16:
      return {kClsR16, 0, 0, false};
    case OpKind::kR32:
      return {kClsR32, 0, 0, false};
    case OpKind::kR64:
      return {kClsR64, 0, 0, false};
    case OpKind::kRm8:
      return {kClsR8 | kClsM8, 1, 0, false};
    case OpKind::kRm16:
      return {kClsR16 | kClsM16, 2, 0, false};
    case OpKind::kRm32:
      return {kClsR32 | kClsM32, 4, 0, false};
    case OpKind::kRm64:
      return {kClsR64 | kClsM64, 8, 0, false};
    case OpKind::kM:
      return {kClsMem, 0, 0, false};
    case OpKind::kM8:
      return {kClsM8, 1, 0, false};
    case OpKind::kM16:
      return {kClsM16, 2, 0, false};
    case OpKind::kM32:
      return {kClsM32, 4, 0, false};
    case OpKind::kM64:
      return {kClsM64, 8, 0, false};
    case OpKind::kM128:
      return {kClsM128, 16, 0, false};
    case OpKind::kM256:
      return {kClsM256, 32, 0, false};
    case OpKind::kM512:
      return {kClsM512, 64, 0, false};
    case OpKind::kAl:
      return {kClsAl, 0, 0, true};
    case OpKind::kEax:
      return {kClsEax, 0, 0, true};
    case OpKind::kRax:
      return {kClsRax, 0, 0, true};
    case OpKind::kCl:
      return {kClsCl, 0, 0, true};
    case OpKind::kOne:
      return {kClsOne, 0, 0, true};
    case OpKind::kImm8:
      return {kClsImm8, 0, 0, false};
    case OpKind::kUimm8:
      return {kClsUimm8, 0, 0, false};
    case OpKind::kImm32:
      return {kClsImm32, 0, 0, false};
    case OpKind::kImm64:
      return {kClsImm64, 0, 0, false};
    case OpKind::kRel:
      return {kClsLabel, 0, 0, false};
    case OpKind::kX:
      return {kClsXlo, 0, 0, false};
    case OpKind::kY:
      return {kClsYlo, 0, 0, false};
    case OpKind::kXm32:
      return {kClsXlo | kClsM32, 4, 0, false};
    case OpKind::kXm128:
      return {kClsXlo | kClsM128, 16, 0, false};
    case OpKind::kYm256:
      return {kClsYlo | kClsM256, 32, 0, false};
    case OpKind::kXe:
      return {kXe, 0, 0, false};
    case OpKind::kYe:
      return {kYe, 0, 0, false};
    case OpKind::kZ:
      return {kClsZmm, 0, 0, false};
    case OpKind::kXme32:
      return {kXe | kClsM32, 4, 0, false};
    case OpKind::kXme128:
      return {kXe | kClsM128, 16, 0, false};
    case OpKind::kYme256:
      return {kYe | kClsM256, 32, 0, false};
    case OpKind::kZm512:
      return {kClsZmm | kClsM512, 64, 0, false};
    case OpKind::kXmb128:
      return {kXe | kClsM128 | kClsB32, 16, 16, false};
    case OpKind::kYmb256:
      return {kYe | kClsM256 | kClsB32, 32, 32, false};
    case OpKind::kZmb512:
      return {kClsZmm | kClsM512 | kClsB32, 64, 64, false};
    case OpKind::kK:
      return {kClsK, 0, 0, false};
    case OpKind::kKm16:
      return {kClsK | kClsM16, 2, 0, false};
    case OpKind::kKm32:
      return {kClsK | kClsM32, 4, 0, false};
    case OpKind::kCount:
      break;
  }
  return {0, 0, 0, false};
}

// The rows of mnemonic m: [first, last).
struct FormRange {
  uint16_t first;
  uint16_t last;
};
extern const std::array<FormRange, static_cast<size_t>(Mnemonic::kCount)> kFormRanges;
inline FormRange form_range(Mnemonic m) {
  return kFormRanges[static_cast<size_t>(m)];
}

// The lower-case name of m ("vfmadd231ps").
const char* mnemonic_name(Mnemonic m);

// The mnemonic spelled name, or Mnemonic::kCount when there is none.
Mnemonic find_mnemonic(const char* name);

}  // namespace njc::x86
