// cse: common subexpression elimination on loop IR. Unrolling and register tiling copy loop bodies, so a
// micro-kernel ends up loading the same B vector once per row and computing the same constants over and
// over; this pass keeps the first of each and points the later uses at it. Last pass of O2 and O3.
#pragma once

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

// An instruction is replaced by an earlier one of the same block or an enclosing block when both compute
// the same thing: same op, operands, result type and immediates, and for loads the same buffer, index and
// mask, with no store to that buffer in between (a store inside a loop in between counts; buffers of one
// kernel never overlap — docs/loop-ir.md). Stores are never removed. Never fails.
Status cse(loop::Kernel& k);

}  // namespace njc::passes
