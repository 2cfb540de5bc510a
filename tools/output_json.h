// Formats a call's outputs as JSON: an object mapping each output name to its flat row-major array.
// Numbers use the shortest text that reads back to the same float; NaN and infinities, which JSON cannot
// express, are the strings "NaN", "Infinity" and "-Infinity".
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace njc::tools {

// pretty: one output per line (a single result); otherwise one line (JSON Lines streams).
std::string outputs_to_json(const Graph& g, const std::vector<std::vector<float>>& outputs, bool pretty);

}  // namespace njc::tools
