// Imports RTNeural's model files (Keras-layout JSON: {"in_shape", "layers": [...]}) as njc models: dense
// and time-distributed-dense, lstm, gru (reset_after), conv1d (causal, streaming), batchnorm, prelu and
// activation layers. The result is an njc model in JSON (docs/model-format.md) that runs one sample per
// call with the layer state carried, as RTNeural does.
#pragma once

#include <string>

#include "frontend/json_document.h"
#include "ir/diag.h"

namespace njc {

// True if the document has RTNeural's top-level shape (an "in_shape" and a "layers" array).
bool is_rtneural_model(const nlohmann::json& root);

// Converts the RTNeural model in doc into njc model JSON named `name`. Errors point into doc (e.g. a
// layer whose weights contradict its declared shape: /layers/0/weights/1).
Expected<nlohmann::json> import_rtneural(const JsonDocument& doc, const std::string& name);

}  // namespace njc
