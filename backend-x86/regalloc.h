// Register allocation for the code generator: live intervals over the loop tree and linear scan
// (Poletto & Sarkar) with whole-interval spilling. The loop IR is SSA and already machine-shaped (one value =
// one register of its class), so the allocator works on loop IR values directly; expansion temporaries of
// isel and vector_math use reserved scratch registers that are never allocated.
#pragma once

#include <vector>

#include "ir/loop_ir.h"

namespace njc::x86 {

enum class RegClass : uint8_t { kNone, kVec, kMask };

// Where a value lives for its whole lifetime: register index within its class, or a spill slot.
struct Location {
  enum Kind : uint8_t { kNone, kReg, kSlot };
  Kind kind = kNone;
  int index = 0;
  bool operator==(const Location&) const = default;
};

// [start, end] in program positions: instruction i reads its operands at 2i and writes its result at
// 2i+1, so a result may reuse the register of an operand that dies there. A loop is two events: its header
// h (inits read at 2h, iter_args defined at 2h+1) and its latch e (yields read at 2e, results at 2e+1). A
// value used inside a loop it is defined outside of lives to that loop's latch.
struct LiveInterval {
  loop::ValueId value = loop::kNoValue;
  RegClass cls = RegClass::kNone;
  int start = 0;
  int end = 0;
  loop::ValueId hint = loop::kNoValue;  // prefer this value's register (an operand, an iter_arg)
};

// The class of every value: f32 → kVec; i1 → kMask when masks_in_k (AVX-512 opmasks) else kVec; index → none.
RegClass value_class(const loop::Kernel& k, loop::ValueId v, bool masks_in_k);

// One interval per value with a register class, sorted by start.
std::vector<LiveInterval> live_intervals(const loop::Kernel& k, bool masks_in_k);

struct Allocation {
  std::vector<Location> loc;  // indexed by ValueId
  int slots = 0;              // spill slots used
  int spilled = 0;
};

// Vector registers that code expansions use only at some instructions (the temporaries of exp, tanh, ...):
// a value may live in one when its interval spans none of those instructions.
struct BorrowedRegs {
  std::vector<int> regs;      // register indices, each >= the always-available count
  std::vector<int> clobbers;  // sorted positions 2i of the instructions that use them
};

// The positions 2i (live_intervals' numbering) of the instructions for which `pred` holds.
std::vector<int> instruction_positions(const loop::Kernel& k, bool (*pred)(const loop::Inst&));

// Linear scan: vector registers 0..vec_regs-1 and mask registers 0..mask_regs-1, plus the borrowed vector
// registers for intervals that allow them (tried first, to keep the others for values that live across
// the clobbering instructions). When no register is free, the interval that ends last among those whose
// register the new one could take is spilled (the new one or an active one). Never fails.
Allocation linear_scan(const std::vector<LiveInterval>& intervals, size_t num_values, int vec_regs,
                       int mask_regs, const BorrowedRegs& borrowed = {});

}  // namespace njc::x86
