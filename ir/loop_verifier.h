// The loop IR verifier: checks every rule a well-formed kernel obeys, so passes, the interpreter and the
// backend can assume them. Runs after parsing and after every pass.
#pragma once

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::loop {

// Checks k and returns the first violation as a Diag at the offending statement (file left empty; the
// caller names it). Rules: buffer shapes/data; each value defined once and used only where its definition
// is visible; operand and result types follow the op table's TypeRule; loads and stores index every
// dimension with an affine expression over enclosing induction variables and stay in bounds for every
// iteration (all bounds are constant, so this is exact); no stores to input or param buffers; loop-carried
// values agree in number and type.
Status verify(const Kernel& k);
// The same rules except that params may come without their data (passes/pipelines.cpp dry-runs passes on
// a copy of a kernel without its weights).
Status verify_without_param_data(const Kernel& k);

}  // namespace njc::loop
