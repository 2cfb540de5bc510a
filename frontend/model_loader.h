// Loading a model whatever its form, as the CLI and the C API take it: njc JSON (docs/model-format.md), an
// RTNeural model file or an ONNX model (both imported on the fly), or graph IR text (docs/graph-ir.md). JSON is recognized by a
// .json name or by text that starts with '{'; anything else is parsed as graph IR.
#pragma once

#include <string>

#include "frontend/model_reader.h"

namespace njc {

Expected<Graph> load_model_file(const std::string& path, const ReadOptions& options = {});

// Same for text in memory; `file` names it in diagnostics, relative weight files resolve against base_dir.
Expected<Graph> load_model_text(std::string text, const std::string& file, const std::string& base_dir,
                                const ReadOptions& options = {});

}  // namespace njc
