// Writes an output file all at once or not at all. A regular file (or a path that does not exist yet) gets
// the content through a temporary file beside it, renamed over it only when complete, so a failed run never
// leaves a half-written output behind; the new file has mode 0666 minus the umask, as open(2) would give.
// A path that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO, /dev/full) is written in
// place and never replaced; a failed write (ENOSPC on /dev/full) is an error.
#pragma once

#include <string>

#include "ir/diag.h"

namespace njc::tools {

Status write_file_atomically(const std::string& path, const std::string& content);

}  // namespace njc::tools
