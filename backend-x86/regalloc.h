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

// Linear scan: regs[c] registers available in class c. When all are taken, the interval that ends last is
// spilled (the new one or an active one). Never fails.
Allocation linear_scan(const std::vector<LiveInterval>& intervals, size_t num_values, int vec_regs,
                       int mask_regs);

}  // namespace njc::x86
