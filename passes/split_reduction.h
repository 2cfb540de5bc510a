// split-reduction: N independent accumulator sets over a reduction loop, summed after it, so N FMA
// chains run in parallel (hides the 4-cycle FMA latency of latency-bound, batch-1 kernels). Last pass of
// O3's micro-kernel recipe, after register-tile has made the accumulators loop-carried values.
#pragma once

#include <cstdint>
#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct SplitReductionOptions {
  int64_t ways = 2;  // accumulator sets
  std::string loop;  // loops named so (see loop_nest.h); empty = every loop carrying an add reduction
};

// A loop-carried value is an add reduction when its only use is as an addend of one add or fma (fma's
// third operand) directly in the body whose result is yielded and used nowhere else. The loop becomes
//   for %k = lb to lb + (n/ways)*ways*step step ways*step iter(set 0 = inits, sets 1.. = 0) {
//     ways copies of the body, copy s on set s at %k + s*step }
// then the sets are summed pairwise ((a0 + a1) + (a2 + a3)), and the n % ways remaining iterations run as
// straight-line copies on the sum. Other loop-carried values thread through the copies in order.
// Named loops without an add reduction or with fewer than `ways` iterations are refused.
Status split_reduction(loop::Kernel& k, const SplitReductionOptions& options);

}  // namespace njc::passes
