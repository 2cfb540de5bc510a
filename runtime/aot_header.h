// The C header of an ahead-of-time module (`njc MODEL --emit-obj --header FILE.h`): the entry points, the
// state size and the input/output shapes as constants, under the module's symbol prefix. C and C++.
#pragma once

#include <string>

#include "runtime/aot_build.h"

namespace njc::runtime {

// The header text for m; `source` (the model file) is named in its opening comment.
std::string aot_header(const AotModule& m, const std::string& source);

}  // namespace njc::runtime
