// A reader for NumPy .npy files (format versions 1-3) holding a C-order float32 or float64 array.
#pragma once

#include <string>
#include <vector>

#include "ir/diag.h"

namespace njc::tools {

// Returns the array's values as float, row-major. Fails on a malformed header, Fortran order, or any
// dtype other than little-endian f4/f8.
Expected<std::vector<float>> parse_npy(const std::string& bytes, const std::string& file);

}  // namespace njc::tools
