// unroll: replicates loop bodies (O2 and up; O3 uses factor=full on register-tile point loops).
#pragma once

#include <cstdint>
#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct UnrollOptions {
  int64_t factor = 4;  // copies of the body per iteration of the new loop
  bool full = false;   // unroll completely (factor = trip count)
  std::string loop;    // loops named so (see loop_nest.h); empty = every innermost loop
};

// A loop of n iterations becomes a loop of n / factor iterations whose body is factor copies (iteration
// s of a group sees iv + s*step; loop-carried values thread through the copies), followed by the
// n % factor remaining iterations as straight-line copies. When only one group is left the loop itself
// is dropped and the copies use constant indices. Loops of 0 or 1 iterations are unrolled completely.
// Never refuses: factor <= 1 leaves loops unchanged.
Status unroll(loop::Kernel& k, const UnrollOptions& options);

}  // namespace njc::passes
