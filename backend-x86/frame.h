// The System V stack frame of a generated kernel: callee-saved GPRs pushed on entry, a spill area below
// them, the stack kept 16-byte aligned, vzeroupper before returning from AVX code.
//
//   [caller frame]
//   return address            <- rsp at entry (rsp + 8 is 16-byte aligned)
//   pushed callee-saved GPRs  (rbx, rbp, r12-r15 that the kernel uses)
//   padding                   so that rsp is 16-byte aligned below
//   spill area (bytes)        [rsp + 0, rsp + bytes): vector slots (64 B), then iv slots (8 B)
#pragma once

#include <vector>

#include "backend-x86/assembler.h"

namespace njc::x86 {

struct FrameLayout {
  std::vector<Reg> saved;  // callee-saved registers to push, in push order
  int bytes = 0;           // sub rsp amount (spill area + alignment padding)
};

// used: every GPR the kernel writes. spill_bytes: size of the spill area.
FrameLayout layout_frame(const std::vector<Reg>& used, int spill_bytes);
void emit_prologue(Assembler& a, const FrameLayout& f);
// Restores and returns; vzeroupper first when the kernel used VEX/EVEX registers.
void emit_epilogue(Assembler& a, const FrameLayout& f, bool vzeroupper);

}  // namespace njc::x86
