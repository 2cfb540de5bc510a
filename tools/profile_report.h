// The `--profile` table of the tiered JIT: per kernel, its calls and cycles per call in each tier, time
// spent compiling each tier, the call at which it arrived, and the break-even call count of each tier-up
// (compile cost over the per-call saving against the tier below).
#pragma once

#include <string>

#include "runtime/tiered_model.h"

namespace njc::tools {

// The table for every kernel of m, with the timestamp counter rate used to turn compile time into cycles.
std::string profile_report(const runtime::TieredModel& m);

}  // namespace njc::tools
