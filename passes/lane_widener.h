// Moving scalar loop-body instructions onto vector lanes: the part vectorize (innermost loops) and
// vectorize-outer (loops with inner loops) share. Internal to passes/.
#pragma once

#include <unordered_map>

#include "ir/loop_ir.h"

namespace njc::passes {

class LaneWidener {
 public:
  LaneWidener(loop::Kernel& k, int lanes) : k_(k), lanes_(lanes) {}

  // in on the lanes of the loop over iv: operands renamed through values (others splat once, see
  // outside()); a load whose last index moves with iv becomes a vector load, masked to `mask` lanes when
  // mask > 0, one that does not a broadcast; stores are masked alike; the result gets a vector copy, recorded
  // in values. Index expressions are left as they are: the caller rewrites them.
  loop::Inst widen(loop::Inst in, loop::ValueId iv, int mask, std::unordered_map<loop::ValueId, loop::ValueId>& values);
  // A value from outside the loop as a vector: one splat, emitted into preheader() on first use.
  loop::ValueId outside(loop::ValueId v);
  loop::Type widened(loop::Type t) const {
    t.lanes = lanes_;
    return t;
  }
  // The splats, to be placed before the loop.
  loop::Block& preheader() { return pre_; }

 private:
  loop::Kernel& k_;
  int lanes_;
  loop::Block pre_;
  std::unordered_map<loop::ValueId, loop::ValueId> splats_;
};

}  // namespace njc::passes
