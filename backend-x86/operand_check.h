// The operand checker: classifies concrete operands and finds the first table row of a mnemonic that takes
// them (kinds, masks, zeroing, broadcast, enabled ISA). When none does, it reports which operand is wrong.
// Sits between the Assembler API and the encoder; reads the same table as both.
#pragma once

#include <cstdint>

#include "backend-x86/error.h"
#include "backend-x86/instr_table.h"
#include "backend-x86/operand.h"

namespace njc::x86 {

// Class bits (OpClass) of one operand; kClsNone for an absent one.
uint32_t operand_classes(const Operand& o);

// The index into kForms of the first form of m that takes ops[0..3] (absent operands are OpType::kNone)
// using only ISA extensions in isa. On failure returns -1 and sets *err to the instruction, the operand
// that no form accepts, and why.
int match_form(Mnemonic m, const Operand* ops, uint16_t isa, Error* err);

}  // namespace njc::x86
