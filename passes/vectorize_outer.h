// vectorize-outer: puts W iterations of a loop that contains loops on W vector lanes (outer-loop
// vectorization). A recurrent cell step loops over units with the gate dot products as inner loops; with the
// weights stored [k][rows] (lower_sequence_ops.cpp), 16 units become one zmm FMA per gate and k. O3 runs it
// on such loops before it vectorizes what is left innermost.
#pragma once

#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct VectorizeOuterOptions {
  int width = 16;    // lanes: 4, 8 or 16
  std::string loop;  // loops named so (see loop_nest.h); empty = every loop that contains a loop
};

// A loop `for %u = lb to ub step 1` (no loop-carried values) whose body, nested loops included, is scalar
// code becomes
//   for %u = lb to lb + (n/W)*W step W { the body on W lanes }
// and, when W does not divide n, one more copy of the body on the last n % W lanes with masked accesses.
// In the body every value becomes a W-lane vector, inner loops keep their bounds and carry vectors, an
// access whose last index has %u with coefficient 1 becomes a vector access, one without %u a broadcast
// load; values from outside are splat once before the loop. Lanes never share memory: every access to a
// buffer the body stores to must have the same index, and that index may not use an inner loop; a load at
// another index is allowed when it provably never reads a stored element (in some dimension the indexes'
// ranges over the loop and its inner loops do not overlap: h[t - 1] read while h[t] is stored).
// Refuses, when the loop is named (otherwise skips it): step != 1, no inner loop, loop-carried values,
// vector code already, %u in another dimension or with another coefficient, a store invariant in %u, a
// stored buffer stored at two indexes, read at another index that may overlap, or stored through an inner
// loop's variable.
Status vectorize_outer(loop::Kernel& k, const VectorizeOuterOptions& options);

}  // namespace njc::passes
