// The njc model JSON that the RTNeural importers (Keras layout: rtneural_import.cpp, PyTorch state_dict:
// rtneural_torch.cpp) build: params, states and nodes for one-sample-per-call networks, plus the reader of
// rectangular weight arrays both layouts share.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace njc::rtneural {

// A rectangular array of numbers read from a JSON document, with its shape (row-major values).
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> v;
  double at(int64_t i, int64_t j) const { return v[static_cast<size_t>(i * shape[1] + j)]; }
};

// Reads nested JSON arrays of numbers into `out`; false if x is not rectangular (or deeper than 8).
bool read_array(const nlohmann::json& x, Array& out);

// "[2, 3]" for diagnostics; a negative extent prints as "?".
std::string shape_text(const std::vector<int64_t>& shape);

// Rows of `a` ([G*H][cols]) regrouped as gate blocks of H rows in the order `gates` names:
// block i of the result is block gates[i] of a.
std::vector<double> reorder_gate_rows(const Array& a, int64_t hidden, const std::vector<int>& gates);

// The njc op for an RTNeural/Keras activation name: "" for none ("" or "linear"), nullptr if unknown.
const char* activation_op(const std::string& name);

// Builds one njc model with input "x" [rows, width] and output "y": rows is 1 for a model run one sample per
// call, the frame length for a whole-frame model.
class ModelBuilder {
 public:
  ModelBuilder(std::string name, int64_t input_width, int64_t rows = 1);

  // A name no other value has: "l<counter>.<hint>".
  std::string fresh(const std::string& hint);
  std::string param(const std::string& hint, std::vector<int64_t> shape, const std::vector<double>& data);
  // Appends a node; without `outs` its one output gets a fresh name. Returns the first output.
  std::string node(const std::string& op, std::vector<std::string> ins,
                   nlohmann::json attrs = nlohmann::json::object(), std::vector<std::string> outs = {});
  // Declares a state [shape] that takes `next` after each call; returns its name.
  std::string state(const std::string& hint, std::vector<int64_t> shape, const std::string& next);

  // One ONNX-layout LSTM step (W [4H][in], R [4H][H], B [8H], gates i,o,f,c) on `x`, with h and c carried
  // in states. Returns h_next.
  std::string lstm_cell(const std::string& x, const std::string& W, const std::string& R,
                        const std::string& B, int64_t hidden);
  // One ONNX-layout GRU step (gates z,r,h; linear_before_reset = 1, as Keras reset_after and PyTorch).
  std::string gru_cell(const std::string& x, const std::string& W, const std::string& R, const std::string& B,
                       int64_t hidden);
  // A causal streaming convolution of `x` [1, channels] with W [out][channels/groups][K] (ONNX layout);
  // the (K-1)*dilation past inputs are carried in a state. B may be "".
  std::string conv1d_stream(const std::string& x, int64_t channels, const std::string& W,
                            const std::string& B, int64_t kernel, int64_t dilation, int64_t groups);

  // y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps)), folded at import.
  std::string batchnorm(const std::string& x, const std::vector<double>& gamma,
                        const std::vector<double>& beta, const std::vector<double>& mean,
                        const std::vector<double>& var, double eps);
  // relu(x) + alpha * (x - relu(x)); alpha has 1 or `width` entries.
  std::string prelu(const std::string& x, const std::vector<double>& alpha);

  // conv1d_stream run `stride` times per call, on x and then on stride-1 zero rows, with the history carried
  // through: an upsampling (transposed) convolution's output rows [stride, out] for one input sample.
  std::string conv1d_upsample(const std::string& x, int64_t channels, const std::string& W,
                              const std::string& B, int64_t kernel, int64_t dilation, int64_t groups,
                              int64_t stride);
  // A "valid" (unpadded) convolution over a whole frame x [T, channels] (time-major, as Keras) with
  // W [out][channels/groups][K]: Transpose, Conv on [1, channels, T], back to [T - (K-1)*dilation, out].
  std::string conv1d_frame(const std::string& x, int64_t time, int64_t channels, const std::string& W,
                           const std::string& B, int64_t out, int64_t kernel, int64_t dilation,
                           int64_t groups);

  // The finished model: `current` [rows, width] renamed to the output "y".
  nlohmann::json finish(const std::string& current, int64_t width, int64_t rows = 1);

 private:
  nlohmann::json model_;
  int counter_ = 0;
};

}  // namespace njc::rtneural
