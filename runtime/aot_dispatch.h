// The dispatcher of an ahead-of-time object (docs/aot.md, "Targets and dispatch"): the generated functions
// that pick, once, the best of the object's target variants that the CPU runs (CPUID + XGETBV) and call it.
// A CPU that runs none gets an error code, never an illegal instruction.
//
//   PREFIX_select_target(max)  detects the CPU, picks the best variant whose target id is <= max (ids:
//                              0 sse4, 1 avx2, 2 avx512, as x86::Target), stores the choice in the
//                              selection slot and returns its id, or -1 when none runs
//   PREFIX_target()            the stored choice (selecting with max 2 on first use): an id or -1
//   PREFIX_run(in, out, state) the chosen variant's run, returning 0; -1 without computing anything when
//                              none runs
//
// The selection slot is one 32-bit word in .data: 0 = not chosen yet, -1 = none runs, id + 1 = chosen.
// Concurrent first calls race benignly: each stores the same value with one aligned 32-bit store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend-x86/assembler.h"
#include "backend-x86/target_features.h"
#include "ir/diag.h"

namespace njc::runtime {

// A generated entry function before placement in .text.
struct EntryCode {
  std::vector<uint8_t> bytes;
  std::string listing;  // GNU as lines, when asked for
  struct Call {
    size_t end;          // offset of the end of the call (its rel32 is patched to reach `callee`)
    std::string callee;  // symbol of a function of the same object
    std::string label;   // the placeholder label the listing names instead
  };
  std::vector<Call> calls;
  struct SlotRef {
    size_t at, end;  // the disp32 field of a RIP-relative reference to the selection slot, and its end
  };
  std::vector<SlotRef> slot_refs;
  std::string slot_label;  // how the listing names the slot (to be replaced by the slot's symbol); empty if none
};

// A function under construction with the project's assembler: a selection slot it may address, and calls
// to other functions of the object, patched when .text is laid out.
class EntryBuilder {
 public:
  explicit EntryBuilder(bool listing);
  x86::Assembler a;

  // The selection slot, as a memory operand (allocated at the first use: functions without one have no
  // pool).
  x86::Mem slot();
  void call(const std::string& callee);
  // Finalizes; `what` names the function in an internal error.
  Expected<EntryCode> finish(const char* what);

 private:
  struct Pending {
    x86::Label placeholder, after;
    std::string callee;
  };
  EntryCode out_;
  x86::Label slot_;
  std::vector<Pending> pending_;
};

// One target variant of the model: its id and the symbol of its run function.
struct Variant {
  x86::Target target;
  std::string run_symbol;
};

Expected<EntryCode> emit_select_target(const std::vector<Variant>& best_first, bool listing);
Expected<EntryCode> emit_target_query(const std::string& select_symbol, bool listing);
Expected<EntryCode> emit_dispatch_run(const std::vector<Variant>& best_first, const std::string& select_symbol,
                                      bool listing);

}  // namespace njc::runtime
