// register-tile (scalar replacement): keeps the accumulators a reduction loop reads and writes in values
// carried across the loop, so they live in registers. Runs in O3 after tile + vectorize + full unroll of
// the point loops have made the loop body an MR x NR block of accumulator updates.
#pragma once

#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct RegisterTileOptions {
  std::string loop;  // loops named so (see loop_nest.h); empty = every loop where something qualifies
};

// In a selected loop L, an address (buffer, index, lanes) that L's body stores to and whose index does not
// depend on L is "promoted": it is loaded once before L, carried as an iter_arg (loads in the body read
// the carried value, stores replace it) and stored once after L. A buffer is only promoted when every
// access to it inside L is such a direct, L-invariant access and the promoted addresses cannot overlap.
// Named loops with nothing to promote are refused with a Diag saying why; unnamed ones are left alone.
Status register_tile(loop::Kernel& k, const RegisterTileOptions& options);

}  // namespace njc::passes
