// Writes a file all at once or not at all: the content goes to a temporary file beside the target, which
// is renamed over it only when complete. A failed run never leaves a half-written output behind.
#pragma once

#include <string>

#include "ir/diag.h"

namespace njc::tools {

Status write_file_atomically(const std::string& path, const std::string& content);

}  // namespace njc::tools
