// Imports RTNeural's model files as njc models: the Keras-layout JSON ({"in_shape", "layers": [...]}: dense
// and time-distributed-dense, lstm, gru, conv1d, conv2d, batchnorm(2d), prelu, activation) and PyTorch
// state_dicts as RTNeural's torch_helpers read them (LSTM, GRU, Linear, Conv1d, ConvTranspose1d, BatchNorm1d,
// PReLU; rtneural_torch.cpp). The result is njc model JSON (docs/model-format.md) that runs one sample per
// call with state carried (or, for a Keras stack of unpadded conv1d layers, one whole frame per call).
// docs/importers.md.
#pragma once

#include <map>
#include <string>

#include "frontend/json_document.h"
#include "ir/diag.h"

namespace njc {

// What a PyTorch state_dict does not say. Keys are "<module prefix><option>", e.g. "conv.dilation" for the
// module whose weights are "conv.weight", or "groups" for a root-level module ("weight", "bias").
// Options: dilation, groups, stride (Conv1d; default 1), transposed (Conv1d: 1 for a ConvTranspose1d; default
// 0) and activation (any module; tanh, relu, sigmoid, softmax, elu; default none). Unused keys are an error.
// Keras-layout files carry all of this themselves.
struct RtNeuralOptions {
  std::map<std::string, std::string> layer_options;
};

// True if the document is an RTNeural model file in either layout: Keras ({"in_shape", "layers": [...]})
// or a PyTorch state_dict (is_torch_state_dict).
bool is_rtneural_model(const nlohmann::json& root);

// True if the document is a PyTorch state_dict: an object whose every key ends in a parameter name PyTorch
// gives the modules above (weight, bias, weight_ih_l0, running_mean, ...) and holds numbers.
bool is_torch_state_dict(const nlohmann::json& root);

// Converts the RTNeural model in doc (either layout) into njc model JSON named `name`. Errors point into
// doc (e.g. a layer whose weights contradict its declared shape: /layers/0/weights/1).
Expected<nlohmann::json> import_rtneural(const JsonDocument& doc, const std::string& name,
                                         const RtNeuralOptions& options = {});

// The PyTorch half of import_rtneural (rtneural_torch.cpp).
Expected<nlohmann::json> import_torch_state_dict(const JsonDocument& doc, const std::string& name,
                                                 const RtNeuralOptions& options);

}  // namespace njc
