// Reading the files a model run names (the model, its weight files, --input, a tuning cache) without
// trusting them: only regular files are read (a directory, a device such as /dev/zero or a FIFO is refused
// before it is opened, so nothing blocks or reads without end), and never more than a limit.
#pragma once

#include <cstdint>
#include <string>

#include "ir/diag.h"

namespace njc {

// The most bytes read_regular_file reads unless told otherwise: 4 GiB.
inline constexpr int64_t kMaxFileBytes = int64_t{4} << 30;

// The whole file at path. Errors: "is a directory", "is not a regular file", "is larger than N bytes",
// and the system's reason when it cannot be opened or read.
Expected<std::string> read_regular_file(const std::string& path, int64_t max_bytes = kMaxFileBytes);

// Why path cannot be read as a regular file ("is a directory", "is not a regular file", "cannot open
// file: <reason>"), or empty when it is one.
std::string why_not_regular_file(const std::string& path);

}  // namespace njc
