// Operand samples per operand kind and the case generator for the encoder proof: every table row × the
// operand classes its slots take (low/high registers, every addressing quirk, disp8/disp32 and EVEX disp8*N
// boundaries, every immediate width, masks and zeroing, broadcast).
#pragma once

#include <vector>

#include "backend-x86/instr_table.h"
#include "backend-x86/operand.h"

namespace njc::x86::test {

struct ProofCase {
  int row;  // the row the case was generated from (the checker may pick an earlier, shorter one)
  Operand ops[4];
};

// Sample operands for one slot of kind k. The first sample is the default used while other slots vary.
std::vector<Operand> samples_for(OpKind k, int slot);

// All cases for row `row`: the default tuple, each slot through each of its samples, and the decorations
// (masks, zeroing) the row allows.
std::vector<ProofCase> cases_for_row(int row);

// Every row except branches (Enc::kD), whose label operands are proven by the label tests.
std::vector<ProofCase> all_proof_cases();

}  // namespace njc::x86::test
