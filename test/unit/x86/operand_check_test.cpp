// Invalid operands: every kind of illegal request gets an error value naming the instruction and the
// operand, and a systematic sweep substitutes a foreign operand into every slot of every row.
#include "backend-x86/operand_check.h"

#include <gtest/gtest.h>

#include "backend-x86/assembler.h"

namespace njc::x86 {
namespace {

Error emit(Mnemonic m, Operand a = {}, Operand b = {}, Operand c = {}, Operand d = {}) {
  Assembler as;
  return as.emit(m, a, b, c, d);
}

void expect_error(Error e, Mnemonic m, int operand, ErrorCode code) {
  EXPECT_TRUE(e) << mnemonic_name(m);
  EXPECT_EQ(e.mnemonic, m);
  EXPECT_EQ(e.operand, operand) << e.message();
  EXPECT_EQ(e.code, code) << e.message();
}

TEST(OperandCheck, WrongRegisterClass) {
  expect_error(emit(Mnemonic::vaddps, xmm0, xmm1, zmm2), Mnemonic::vaddps, 2, ErrorCode::kInvalidOperand);
  expect_error(emit(Mnemonic::add, eax, rcx), Mnemonic::add, 1, ErrorCode::kInvalidOperand);
  expect_error(emit(Mnemonic::vhaddps, xmm16, xmm1, xmm2), Mnemonic::vhaddps, 0, ErrorCode::kInvalidOperand);
  expect_error(emit(Mnemonic::mov, gpr64(16), rax), Mnemonic::mov, 0, ErrorCode::kInvalidOperand);
  expect_error(emit(Mnemonic::ret, rax), Mnemonic::ret, 0, ErrorCode::kInvalidOperand);
  expect_error(emit(Mnemonic::vaddps, zmm0, zmm1), Mnemonic::vaddps, 2, ErrorCode::kInvalidOperand);
}

TEST(OperandCheck, Masks) {
  expect_error(emit(Mnemonic::vhaddps, xmm0 | k1, xmm1, xmm2), Mnemonic::vhaddps, 0, ErrorCode::kBadMask);
  expect_error(emit(Mnemonic::vaddps, zmm0 | k0, zmm1, zmm2), Mnemonic::vaddps, 0, ErrorCode::kBadMask);
  expect_error(emit(Mnemonic::vaddps, zmm0 | zmm1, zmm1, zmm2), Mnemonic::vaddps, 0, ErrorCode::kBadMask);
  expect_error(emit(Mnemonic::vaddps, zmm0, zmm1 | k1, zmm2), Mnemonic::vaddps, 1, ErrorCode::kBadMask);
  expect_error(emit(Mnemonic::add, eax | k1, ecx), Mnemonic::add, 0, ErrorCode::kBadMask);
  expect_error(emit(Mnemonic::vaddps, Operand(zmm0) | kZero, zmm1, zmm2), Mnemonic::vaddps, 0,
               ErrorCode::kBadZeroing);
  // Stores merge only.
  expect_error(emit(Mnemonic::vmovups, zmmword_ptr(rax) | k1 | kZero, zmm0), Mnemonic::vmovups, 0,
               ErrorCode::kBadZeroing);
  expect_error(emit(Mnemonic::vcmpps, k1 | k2 | kZero, zmm0, zmm1, 0), Mnemonic::vcmpps, 0,
               ErrorCode::kBadZeroing);
}

TEST(OperandCheck, Broadcast) {
  expect_error(emit(Mnemonic::vhaddps, xmm0, xmm1, ptr_b32(rax)), Mnemonic::vhaddps, 2,
               ErrorCode::kBadBroadcast);
  expect_error(emit(Mnemonic::vmovups, zmm0, ptr_b32(rax)), Mnemonic::vmovups, 1, ErrorCode::kBadBroadcast);
  Mem wide = ptr_b32(rax);
  wide.size = 8;
  expect_error(emit(Mnemonic::vaddps, zmm0, zmm1, wide), Mnemonic::vaddps, 2, ErrorCode::kBadBroadcast);
}

TEST(OperandCheck, Addresses) {
  expect_error(emit(Mnemonic::mov, eax, dword_ptr(rax + rsp * 2)), Mnemonic::mov, 1, ErrorCode::kBadAddress);
  expect_error(emit(Mnemonic::mov, eax, dword_ptr(eax)), Mnemonic::mov, 1, ErrorCode::kBadAddress);
  expect_error(emit(Mnemonic::mov, eax, dword_ptr(rax + rcx * 3)), Mnemonic::mov, 1, ErrorCode::kBadAddress);
  expect_error(emit(Mnemonic::mov, dword_ptr(rip + rcx * 1), eax), Mnemonic::mov, 0, ErrorCode::kBadAddress);
  expect_error(emit(Mnemonic::vaddps, zmm0, zmm1, zmmword_ptr(xmm1)), Mnemonic::vaddps, 2,
               ErrorCode::kBadAddress);
}

TEST(OperandCheck, Immediates) {
  expect_error(emit(Mnemonic::add, eax, 0x100000000LL), Mnemonic::add, 1, ErrorCode::kImmOutOfRange);
  expect_error(emit(Mnemonic::vshufps, zmm0, zmm1, zmm2, 256), Mnemonic::vshufps, 3,
               ErrorCode::kImmOutOfRange);
  expect_error(emit(Mnemonic::shl, eax, 300), Mnemonic::shl, 1, ErrorCode::kImmOutOfRange);
  expect_error(emit(Mnemonic::mov, dword_ptr(rax), 0x100000000LL), Mnemonic::mov, 1,
               ErrorCode::kImmOutOfRange);
}

TEST(OperandCheck, IsaSwitchedOff) {
  Assembler a;
  a.set_isa(kIsaBase | kIsaSse | kIsaSse2 | kIsaAvx | kIsaAvx2 | kIsaFma);
  EXPECT_FALSE(a.vaddps(ymm0, ymm1, ymm2));
  const Error e = a.vaddps(zmm0, zmm1, zmm2);
  EXPECT_EQ(e.code, ErrorCode::kIsaDisabled);
  EXPECT_EQ(a.first_error(), e);
  EXPECT_EQ(a.finalize(), e) << "the first error is sticky and returned by finalize()";
}

TEST(OperandCheck, MessageNamesInstructionAndOperand) {
  const Error e = emit(Mnemonic::vaddps, xmm0, xmm1, zmm2);
  EXPECT_EQ(e.message(), "vaddps: operand 3: no form of the instruction takes this operand");
  EXPECT_EQ(emit(Mnemonic::and_, eax, rcx).message().rfind("and: operand 2", 0), 0u);
}

// Substitutes, in every slot of every row, an operand whose class no row of that mnemonic accepts in that
// slot. The row's other operands are its defaults, so the checker must blame exactly that slot.
TEST(OperandCheck, EveryRowRejectsAForeignOperandInEverySlot) {
  const Operand foreign[] = {
      k3,           zmm5,          rax, xmm20,    ymm3,      cl, byte_ptr(rax), zmmword_ptr(rax),
      ptr_b32(rax), 0x123456789LL, 1,   Label{0}, Operand{}, sp};
  const Operand defaults[] = {Operand{}, zmm1, k1, xmm2,     ymm2, eax, rax,     bl,
                              cx,        cl,   al, ptr(rax), 3,    1,   Label{0}};
  int checked = 0;
  for (int row = 0; row < kFormCount; ++row) {
    const Form& f = kForms[row];
    const FormRange range = form_range(f.mnemonic);
    Operand ops[4];
    for (int j = 0; j < 4; ++j) {  // the first default operand the row itself accepts
      for (const Operand& d : defaults) {
        if (kFormClasses[row][j] & operand_classes(d)) {
          ops[j] = d;
          break;
        }
      }
    }
    for (int slot = 0; slot < 4; ++slot) {
      uint32_t accepted = 0;
      for (int r = range.first; r < range.last; ++r) accepted |= kFormClasses[r][slot];
      for (const Operand& bad : foreign) {
        if (accepted & operand_classes(bad)) continue;
        Operand trial[4] = {ops[0], ops[1], ops[2], ops[3]};
        trial[slot] = bad;
        const Error e = emit(f.mnemonic, trial[0], trial[1], trial[2], trial[3]);
        ASSERT_TRUE(e) << mnemonic_name(f.mnemonic) << " row " << row << " slot " << slot;
        EXPECT_EQ(e.mnemonic, f.mnemonic);
        EXPECT_EQ(e.operand, slot) << e.message() << " (row " << row << ")";
        ++checked;
        break;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace njc::x86
