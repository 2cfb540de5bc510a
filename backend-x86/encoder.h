// The encoder: turns one matched form plus its operands into bytes — prefix (prefix.h), opcode, ModRM/SIB/
// displacement (modrm.h) and immediate. Pure functions over the table row; no allocation, no state. The
// Assembler calls it after the operand checker has chosen the row.
#pragma once

#include <cstdint>

#include "backend-x86/instr_table.h"
#include "backend-x86/operand.h"

namespace njc::x86 {

// Longest instruction we emit (EVEX + ModRM + SIB + disp32 + imm8 = 11; movabs = 10), rounded up.
inline constexpr int kMaxInstrBytes = 16;

// Encodes ops (already accepted by match_form for f) at out, which has kMaxInstrBytes free. Returns the end.
// *disp32_at is set to the RIP-relative disp32 inside the instruction (for label fixups), else nullptr.
// Branch forms (Enc::kD) go through encode_branch instead.
uint8_t* encode(const Form& f, const Operand* ops, uint8_t* out, uint8_t** disp32_at);

// Size in bytes of branch form f in its short (rel8) or long (rel32) encoding.
int branch_size(const Form& f, bool is_short);

// Encodes branch form f with displacement rel (relative to the end of the instruction) at out.
uint8_t* encode_branch(const Form& f, bool is_short, int32_t rel, uint8_t* out);

}  // namespace njc::x86
