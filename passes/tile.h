// tile: blocks a perfect band (O3, for cache and register blocking). Runs after interchange, before
// vectorize/unroll/register-tile, which act on the point loops it leaves (named like the original loops).
#pragma once

#include <string>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct TileOptions {
  // Tile size, in iterations, of each of the band's outermost sizes.size() loops; 0 leaves a loop untiled.
  std::vector<int64_t> sizes;
  // Band root: loops named so (see loop_nest.h); empty = every band head with a deep enough band.
  std::string loop;
};

// For band loops L0..Ln-1 with sizes T0..Tn-1 the nest becomes
//     tile loops of the tiled dims  (%i.tile step Ti*step)      in band order
//     the untiled loops            (as they were)               in band order
//     point loops of the tiled dims (%i, 0 to Ti*step, index i = %i.tile + %i) in band order
// so sizes=MR,0,NR on (i, k, j) gives the micro-kernel order (i.tile, j.tile, k, i, j). A trip count
// that Ti does not divide leaves a remainder: the nest is emitted once per combination of full/remainder
// per tiled dim, remainder point loops running over the last partial tile (named %i.1, ...), all constant
// bounds. A tile loop of one iteration is dropped (a size >= the trip count makes the whole loop one
// point loop). Refuses (Diag at the root) when the band is shallower
// than sizes or a dependence has a '>' direction in it (the band is not fully permutable).
Status tile(loop::Kernel& k, const TileOptions& options);

}  // namespace njc::passes
