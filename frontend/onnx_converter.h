// The state of one ONNX-to-njc conversion, shared by the files that convert parts of it: onnx_import.cpp
// (initializers, inputs, outputs, the node loop and plain ops), onnx_shape_ops.cpp (shape ops, folded or
// as Reshape/Slice) and onnx_recurrent.cpp (LSTM, GRU, RNN and their states). Internal to the frontend.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "frontend/onnx_constants.h"
#include "frontend/onnx_import.h"
#include "ir/graph.h"

namespace njc::onnx {

class Converter {
 public:
  Converter(const Model& model, std::string file, const OnnxImportOptions& options);
  Expected<OnnxImport> run();

  // --- used by the op converters -------------------------------------------------------------------------
  Diag fail(const std::string& message) const;              // names the current node
  const std::string& input(const Node& n, size_t i) const;  // "" when absent
  const Constant* constant(const std::string& name) const;
  // The constant input i, or an error saying that it must be one (`what` names it: "Reshape's shape").
  Expected<const Constant*> constant_input(const Node& n, size_t i, const std::string& what) const;
  // The static shape of a runtime fp32 value (a float constant becomes a param); fails on integers.
  Expected<Shape> shape_of(const std::string& name);
  void define_constant(const std::string& name, Constant c) { constants_[name] = std::move(c); }
  // Appends an njc node and infers its outputs' shapes; names in outs may be "" for an unbound output.
  Status emit(OpKind op, const std::vector<std::string>& ins, const std::vector<std::string>& outs,
              Attributes attrs = {});
  std::string fresh(const std::string& hint);
  // A param holding the given values (a fresh name from hint).
  std::string param(const std::string& hint, Shape shape, std::vector<float> values);
  // Declares a state [shape] that takes `next` after each call and starts from `initial` (empty: zeros);
  // returns its name.
  std::string state(const std::string& hint, Shape shape, const std::string& next,
                    std::vector<float> initial = {});
  int64_t opset() const { return opset_; }
  const OnnxImportOptions& options() const { return options_; }
  // Records that graph values derived from `from` reach a recurrent op's initial state (for pairing).
  void mark_state_input(const std::string& value);
  void mark_final_state(const std::string& value) { final_state_values_.insert(value); }

  int64_t int_attr(const Node& n, const std::string& name, int64_t dflt) const;
  float float_attr(const Node& n, const std::string& name, float dflt) const;
  std::string string_attr(const Node& n, const std::string& name, const std::string& dflt) const;
  const std::vector<int64_t>* ints_attr(const Node& n, const std::string& name) const;

 private:
  Status add_initializers();
  Status add_inputs();
  Status convert_node(const Node& n, size_t index);
  Status convert_plain(const Node& n);  // an op njc has under the same name
  Expected<Attributes> plain_attributes(const Node& n);
  Status add_outputs();
  Status pair_states();
  void add_param_json(const std::string& name, const Shape& shape, const std::vector<float>& values);

  const Model& model_;
  std::string file_;
  OnnxImportOptions options_;
  int64_t opset_;
  std::string where_;  // the node being converted, as messages name it
  std::map<std::string, Constant> constants_;
  std::map<std::string, Shape> shapes_;                 // runtime fp32 values
  std::map<std::string, std::set<std::string>> roots_;  // value -> graph inputs it is computed from
  std::set<std::string> state_inputs_, final_state_values_;
  std::set<std::string> used_names_;
  std::vector<std::string> input_order_;
  nlohmann::json inputs_ = nlohmann::json::array(), params_ = nlohmann::json::array(),
                 states_ = nlohmann::json::array(), nodes_ = nlohmann::json::array();
  std::string weights_;
  int counter_ = 0;
};

// The op converters (onnx_shape_ops.cpp, onnx_recurrent.cpp): each converts one node or fails.
Status convert_shape_op(Converter& c, const Node& n);  // Shape, Gather, Squeeze, ... (is_shape_op)
bool is_shape_op(const std::string& op);
Status convert_recurrent(Converter& c, const Node& n);  // LSTM, GRU, RNN
Status convert_erf(Converter& c, const Node& n);
// Min, Max, Sum, Mean (variadic), Pow, Dropout (onnx_elementwise_ops.cpp).
bool is_elementwise_special(const std::string& op);
Status convert_elementwise_special(Converter& c, const Node& n);
// Tile, Pad, Split and Expand of a computed value (onnx_tensor_ops.cpp).
bool is_tensor_op(const std::string& op);
Status convert_tensor_op(Converter& c, const Node& n);
Status expand_runtime(Converter& c, const Node& n, const std::vector<int64_t>& shape);
// Fails (naming the shape) when a constant the importer would build has more than 2^28 elements.
Status check_constant_size(Converter& c, const std::vector<int64_t>& dims);
// BatchNormalization, LayerNormalization, InstanceNormalization (onnx_normalization.cpp).
bool is_normalization(const std::string& op);
Status convert_normalization(Converter& c, const Node& n);
// Conv over 2-D/3-D inputs and the pools (onnx_conv_pool.cpp).
bool is_conv_or_pool(const std::string& op);
Status convert_conv_or_pool(Converter& c, const Node& n);
// Concat/Transpose whose inputs are integer constants fold instead of becoming nodes.
bool folds_as_constant(Converter& c, const Node& n);
Status fold_plain(Converter& c, const Node& n);

}  // namespace njc::onnx
