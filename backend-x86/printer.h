// The printer: one instruction (its table row plus operands) as a line of GNU as / llvm-mc Intel syntax
// (`.intel_syntax noprefix`), e.g. `vfmadd231ps zmm0 {k1} {z}, zmm1, dword ptr [rdi + rcx*4 + 0x40]{1to16}`.
// Operand widths come from the same table row the encoder used, so the text assembles to the same bytes.
#pragma once

#include <string>

#include "backend-x86/instr_table.h"
#include "backend-x86/operand.h"

namespace njc::x86 {

// Appends the text of form kForms[form] with operands ops[0..3] to out (no newline). Labels print as
// ".L<id>". Never fails; an operand the form cannot take prints as "?".
void print_instruction(std::string& out, int form, const Operand* ops);

// The same, returned as a string.
std::string print_instruction(int form, const Operand* ops);

// ".L<id>", the label's name in printed text.
std::string label_name(uint32_t id);

}  // namespace njc::x86
