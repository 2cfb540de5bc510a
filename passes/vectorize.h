// vectorize: turns a unit-stride scalar loop into vector operations (O3, after tile/interchange, before the
// point loops are unrolled and register-tile keeps the vector accumulators in registers).
#pragma once

#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct VectorizeOptions {
  int width = 16;            // lanes: 4, 8 or 16
  bool scalar_tail = false;  // remainder as a scalar loop instead of one masked vector iteration
  std::string loop;          // loops named so (see loop_nest.h); empty = every innermost loop
};

// A loop `for %i = lb to ub step 1` whose body is straight-line scalar code becomes
//   for %i = lb to lb + (n/W)*W step W { the body on W lanes }
// followed, when W does not divide n, by the last n % W iterations as one masked vector iteration
// (loads/stores `masked R`) or, with scalar_tail, as the original scalar loop. In the body, accesses whose
// last index is %i with coefficient 1 become vector loads/stores, accesses not using %i become broadcast
// loads (load.bcast), values from outside are splat once before the loop. Loop-carried values that are
// add/fma/max/min reductions become vector accumulators, reduced (reduce.add/max/min) after the loop.
// Refuses, when the loop is named (otherwise skips it): step != 1, nested loops, vector code already,
// a strided access, a store invariant in %i, another kind of loop-carried value.
Status vectorize(loop::Kernel& k, const VectorizeOptions& options);

}  // namespace njc::passes
