// relayout: re-lays out a constant buffer (a param: the weights) at compile time, so that the loops that
// read it walk memory front to back. The lowering picks a canonical layout (a GEMM's B as [K][N], a
// recurrent cell's gate weights as [K][gates * units]); which layout is fastest depends on the schedule
// (column panels of a register tile, blocks of vector lanes), so it is chosen here, after tiling and
// vectorization, by O3 and the autotuner. The arithmetic and its proof are in passes/layout_map.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct RelayoutOptions {
  std::string buffer;          // the param to re-lay out; empty = every param buffer, in access order
  std::vector<int64_t> dims;   // the view of its elements as digits; empty = the buffer's shape
  std::vector<int64_t> order;  // new dimension p holds digit order[p]; empty = access order (layout_map.h)
};

// The buffer becomes one-dimensional with its elements permuted (when it carries data: dry-run copies
// without weights only get the accesses rewritten), and every access reads the same element at its new
// offset. A layout equal to the current one changes nothing.
// Refuses, for a named buffer: no such buffer, not a param, dims that do not hold its elements, an order
// that is not a permutation of the digits, dims without an order, no access order (strides that do not
// nest), an access whose offset does not split into the digits (at the access). Unnamed, buffers it
// cannot re-lay out are left as they are, and it never refuses.
Status relayout(loop::Kernel& k, const RelayoutOptions& options);

}  // namespace njc::passes
