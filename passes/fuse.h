// fuse: merges sibling loops with the same bounds into one loop (loop fusion). A recurrent cell lowers to
// one reduction loop per gate over the same hidden units; fused, their accumulator chains run side by
// side in one loop (more independent FMAs per iteration, one loop overhead), and after an unroll of the
// unit loop, two blocks of units share one reduction loop while their activations follow each other
// (unroll-and-jam). O3 runs it on the inner loops of vectorize-outer loops.
#pragma once

#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct FuseOptions {
  std::string in;  // fuse the loops in the bodies of the loops named so (see loop_nest.h); empty = everywhere
};

// In each selected block, a loop B is merged into an earlier loop A of the same block with the same lb,
// ub and step when
//   - the two bodies are independent: neither writes a buffer the other accesses, and B uses none of A's
//     results;
//   - the statements between them that B depends on (B's slice: they define values B uses, or write what
//     B reads, or access what B writes) can all move above A: A defines nothing they use and they share
//     no written buffer with A or with the statements that stay between.
// The slice moves above A, the other statements stay between. The merged loop has A's induction
// variable, A's iter_args then B's, A's body then B's, and results in the same order, so later uses of
// either loop's results are unchanged. Loops that cannot be merged are left alone; a named selection that
// merges nothing is refused with a Diag saying why.
Status fuse(loop::Kernel& k, const FuseOptions& options);

}  // namespace njc::passes
