// Where a param's weights come from: inline row-major numbers, an external little-endian f32 file at an
// offset, or a seeded deterministic initializer. All values must be finite fp32.
#pragma once

#include <string>
#include <vector>

#include "frontend/json_fields.h"

namespace njc {

// Reads the data of the param object `p` with the given shape. `model_dir` resolves relative file paths.
Expected<std::vector<float>> load_param_data(const JsonObject& p, const Shape& shape,
                                             const std::string& model_dir);

}  // namespace njc
