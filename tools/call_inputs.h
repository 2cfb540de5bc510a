// The inputs of `njc MODEL --interp run`: a JSON object of named arrays, a NumPy .npy file for a
// single-input model, JSON Lines with one object per call, or a deterministic default.
#pragma once

#include <string>
#include <vector>

#include "ir/diag.h"
#include "ir/graph.h"

namespace njc::tools {

// One call's inputs: per graph input, batch * num_elements values in row-major order.
using CallInputs = std::vector<std::vector<float>>;

struct InputStream {
  std::vector<CallInputs> calls;
  bool is_stream = false;  // JSON Lines: one output line per call
};

// Reads `path` by its form (.npy, .jsonl, otherwise JSON) and checks names and sizes against g.
Expected<InputStream> read_call_inputs(const std::string& path, const Graph& g);

// Deterministic pseudo-random inputs in [-1, 1) (SplitMix64 seeded by input position; see docs/cli.md).
CallInputs default_call_inputs(const Graph& g);

}  // namespace njc::tools
