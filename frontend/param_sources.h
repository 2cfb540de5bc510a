// Where a param's weights come from: inline row-major numbers, an external little-endian f32 file at an
// offset, or a seeded deterministic initializer. All values must be finite fp32.
#pragma once

#include <string>
#include <vector>

#include "frontend/json_fields.h"

namespace njc {

// Where weight files may be: relative paths resolve against `dir`, and unless `anywhere`, the file (after
// following symbolic links) must lie inside `dir`, so a model from a mod folder or a preset cannot read
// /etc/passwd or ../../secret into its weights, outputs and objects.
struct WeightFiles {
  std::string dir;
  bool anywhere = false;
};

// Reads the data of the param object `p` with the given shape.
Expected<std::vector<float>> load_param_data(const JsonObject& p, const Shape& shape, const WeightFiles& files);

}  // namespace njc
