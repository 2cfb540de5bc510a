// interchange: permutes the loops of a perfect band. First of the optimizing passes (O1 and up), it puts
// the loop that walks memory contiguously innermost.
#pragma once

#include <string>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct InterchangeOptions {
  // New order of the band's outermost order.size() loops: position p gets old loop order[p]. Empty means
  // "auto": order loops by how well they stride memory innermost (unit stride in the last dimension best,
  // loop-invariant next, strided worst), keeping the current order among equals.
  std::vector<int64_t> order;
  // Band root: every loop named so (see loop_nest.h); empty = every band head (DefaultLoops::kBandHeads).
  std::string loop;
};

// Permutes each selected band. An explicit order that is not a permutation, a named band too shallow for
// it (unnamed ones are skipped), or a permutation a dependence forbids is a Diag at the band's root ("interchange: ... would reverse the
// dependence (<, >) on %C"); with order=auto, nests where the better order is illegal stay as they are.
Status interchange(loop::Kernel& k, const InterchangeOptions& options);

}  // namespace njc::passes
