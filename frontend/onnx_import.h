// Imports ONNX models (onnx_model.h) as njc models (docs/model-format.md), in C++ with no protobuf library:
// float initializers become params, the integer and shape subgraphs exporters emit fold away at import time
// (onnx_constants.h), and the remaining fp32 ops become njc tensor ops. Recurrent ops (LSTM, GRU, RNN) may
// carry their hidden state between calls as njc states. docs/importers.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "frontend/onnx_model.h"
#include "ir/diag.h"

namespace njc {

struct OnnxImportOptions {
  std::string name = "onnx_model";  // the njc model's name
  // Non-empty: params are written to this little-endian f32 file (named relative to the model) instead of
  // inline; the bytes come back in OnnxImport::weights.
  std::string weights_file;
  // Recurrent state carried from call to call (one call = one step): an LSTM/GRU/RNN whose initial state is
  // absent or a constant gets a state whose next value is its final state (starting from the constant), and
  // graph inputs that feed an initial state are paired with the graph outputs of the same shape computed
  // from final states, in order.
  bool carry_states = true;
  // Explicit input=output pairs (each becomes a state); when given, graph inputs are not paired
  // automatically.
  std::vector<std::pair<std::string, std::string>> state_pairs;
};

struct OnnxImport {
  nlohmann::json model;
  std::string weights;  // the side file's bytes when options.weights_file is set
};

// Converts a decoded ONNX model. Fails with a Diag naming `file`, the node (its name, or its index and op)
// and what njc cannot represent.
Expected<OnnxImport> import_onnx(const onnx::Model& model, const std::string& file,
                                 const OnnxImportOptions& options = {});

// Decodes and converts an ONNX file's bytes.
Expected<OnnxImport> import_onnx_bytes(std::string_view bytes, const std::string& file,
                                       const OnnxImportOptions& options = {});

// True if the file looks like ONNX: named *.onnx, or binary (a NUL byte in its first 4 KiB).
bool looks_like_onnx(const std::string& file, std::string_view bytes);

}  // namespace njc
