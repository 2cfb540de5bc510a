// Dependence analysis for loop bands: which iteration orders a reordering (interchange, tile) must keep.
// Used by interchange and tile to refuse illegal requests.
//
// Method: for every pair of accesses to one buffer in the band's body (at least one a store) and every
// direction vector D in {<,=,>}^depth, a Banerjee-style test bounds, per buffer dimension, the difference
// of the two index expressions over the iterations D allows (constant bounds make the ranges exact per
// term; vector accesses add their lane span). D is kept when 0 lies in every dimension's range. This is
// conservative: it may report a dependence that does not exist, never the reverse.
#pragma once

#include <string>
#include <vector>

#include "ir/loop_ir.h"

namespace njc::passes {

enum class Dir : uint8_t { kLt, kEq, kGt };

struct Dependence {
  std::vector<Dir> dirs;  // one per band loop, outermost first; lexicographically positive
  loop::BufferId buffer;
};

// The loop-carried dependences of band (band[i+1] directly nested in band[i]; accesses anywhere under
// band.back() count, deeper loops' induction variables range freely). Loop-independent ones (all '=')
// are left out: no reordering of the band changes them.
std::vector<Dependence> band_dependences(const loop::Kernel& k, const std::vector<loop::Loop*>& band);

// Whether putting band loop perm[p] at position p keeps every dependence lexicographically positive.
bool permutation_is_legal(const std::vector<Dependence>& deps, const std::vector<size_t>& perm,
                          const Dependence** violated = nullptr);
// "(<, =, >)"
std::string dir_string(const std::vector<Dir>& dirs);

}  // namespace njc::passes
