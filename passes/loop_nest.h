// Loop-nest utilities shared by the passes: which loops an option selects, perfect bands, and a walker
// that replaces selected loops with new statements while keeping later uses of their results valid.
//
// How passes pick loops (docs/passes.md, "Selecting loops"): `loop=NAME` selects every loop whose
// induction variable is %NAME or a pass-made copy of it (%NAME.1, %NAME.2, ...: base_name() == NAME).
// Without it each pass has a documented default (root nests, innermost loops, ...).
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

enum class DefaultLoops {
  kBandHeads,  // loops that start a band: in the kernel body, or not the only statement of their parent
               // loop's body (so a nest wrapped in an outer loop, e.g. over batch instances, still counts)
  kInnermost,  // loops with no loop inside
  kAll,        // every loop
};

// The induction variables of the loops a pass acts on: those named `name` (see above) or, when name is
// empty, the default set. A name that matches no loop is a Diag "<pass>: no loop named %NAME".
Expected<std::unordered_set<loop::ValueId>> select_loops(const loop::Kernel& k, std::string_view pass,
                                                         std::string_view name, DefaultLoops def);

// root, then while the current loop's body is exactly one loop, that loop. Loops carrying values end the
// band (they are not part of it); a root carrying values gives an empty band.
std::vector<loop::Loop*> perfect_band(loop::Loop& root);
std::vector<const loop::Loop*> perfect_band(const loop::Loop& root);

// The kernel body cut into runs [begin, end) of consecutive statements that passes selecting loops by name
// may rewrite one run at a time, each run standing in for the whole body: no loop name (base_name) occurs
// in two runs, and the results of a top-level loop are used only in its own run (a pass that replaces the
// loop renames those uses). Linear in the size of the kernel. An empty body gives no runs.
std::vector<std::pair<size_t, size_t>> independent_runs(const loop::Kernel& k);

// What replaces one loop: statements in its place, and pairs (old value, new value) for the old loop's
// results, which later statements and the enclosing loop's yields must use instead.
struct LoopReplacement {
  loop::Block stmts;
  std::vector<std::pair<loop::ValueId, loop::ValueId>> values;
};
// Called for each selected loop; leaves `out` empty to keep the loop as is, or returns a Diag to stop.
using LoopRewriter = std::function<Status(loop::Loop& l, std::optional<LoopReplacement>& out)>;

// Walks the whole kernel inner loops first and calls f on every loop whose induction variable is in
// targets. Replacement statements are not walked again. Stops at the first Diag f returns, keeping the
// replacements made so far: f must refuse before it changes its loop, so the kernel stays valid.
Status rewrite_loops(loop::Kernel& k, const std::unordered_set<loop::ValueId>& targets,
                     const LoopRewriter& f);

// Range of values an induction variable takes: [lb, last]. (For loops that never run, [lb, lb].)
struct IvRange {
  int64_t lo = 0;
  int64_t hi = 0;
};
std::vector<IvRange> iv_ranges(const loop::Kernel& k);  // indexed by ValueId (non-IVs: {0, 0})

// "%i" for diagnostics.
std::string loop_name(const loop::Kernel& k, const loop::Loop& l);
Diag loop_error(const loop::Loop& l, std::string message);

}  // namespace njc::passes
