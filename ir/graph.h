// The graph IR: a typed SSA graph of fp32 tensors with static shapes. The frontend builds it from a model
// file, the passes lower it to loop IR, and the interpreter (graph_interpreter.h) evaluates it as the
// reference every compiled path is tested against.
//
// Values are named once (SSA). Inputs, params (constant weights) and states (persisting from call to call)
// are values with no producer; every node result is produced by exactly one node. A state's `next` value
// becomes its contents for the next call. With batch B > 1 the whole graph describes one instance and is
// applied to B instances at once; params are shared, inputs, outputs and states are per instance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ir/tensor.h"

namespace njc {

enum class OpKind {
#define NJC_GRAPH_OP(Enum, Name, MinIn, MaxIn, MinOut, MaxOut, Class) Enum,
#include "ir/graph_ops.def"
};

enum class OpClass { kUnary, kBinary, kReduce, kOther };

struct OpInfo {
  OpKind kind;
  std::string_view name;
  int min_inputs, max_inputs, min_outputs, max_outputs;
  OpClass op_class;
};

const OpInfo& op_info(OpKind kind);
std::optional<OpKind> op_from_name(std::string_view name);
std::vector<OpKind> all_ops();
inline bool is_unary_elementwise(OpKind op) {
  return op_info(op).op_class == OpClass::kUnary;
}
inline bool is_binary_elementwise(OpKind op) {
  return op_info(op).op_class == OpClass::kBinary;
}
// ReduceSum, ReduceMax, ...: the attributes axes, keepdims and noop_with_empty_axes, one value per kept
// index.
inline bool is_reduction(OpKind op) {
  return op_info(op).op_class == OpClass::kReduce;
}

enum class AttrKind { Int, Float, String, Ints, Floats, Strings };
// "an int", "a list of floats", ...: the kind as a message names it.
std::string_view attr_kind_name(AttrKind kind);

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>,
                               std::vector<std::string>>;
using Attributes = std::map<std::string, AttrValue>;

AttrKind attr_kind_of(const AttrValue& v);
// The kind an op declares for an attribute name (graph_attrs.def), or nothing if it takes no such attribute.
std::optional<AttrKind> declared_attr_kind(OpKind op, std::string_view name);
std::vector<std::string_view> declared_attr_names(OpKind op);

using ValueId = int32_t;
constexpr ValueId kNoValue = -1;  // an absent optional input or output (ONNX's "")

enum class ValueKind { Input, Param, State, Result };

struct ValueInfo {
  std::string name;
  Shape shape;
  ValueKind kind = ValueKind::Result;
  int32_t producer = -1;  // node index for results
};

struct Node {
  OpKind op;
  std::vector<ValueId> inputs;   // kNoValue where an optional input is absent
  std::vector<ValueId> outputs;  // kNoValue where an optional output is not wanted
  Attributes attrs;
};

struct StateInfo {
  ValueId value = kNoValue;
  ValueId next = kNoValue;     // kNoValue: the state is never updated
  std::vector<float> initial;  // one instance's value at creation and after a reset; empty: all zeros
};

class Graph {
 public:
  std::string name = "model";
  int64_t batch = 1;

  std::vector<ValueInfo> values;
  std::vector<ValueId> inputs;
  std::vector<ValueId> params;
  std::unordered_map<ValueId, std::vector<float>> param_data;
  std::vector<StateInfo> states;
  std::vector<Node> nodes;  // in a valid evaluation order
  std::vector<ValueId> outputs;

  // Adds a value; the name must be new (asserted). Returns its id.
  ValueId add_value(std::string name, Shape shape, ValueKind kind);
  ValueId find(std::string_view name) const;  // kNoValue if absent
  const ValueInfo& value(ValueId id) const { return values.at(static_cast<size_t>(id)); }
  ValueInfo& value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const std::vector<float>& data_of(ValueId param) const;

 private:
  std::unordered_map<std::string, ValueId> by_name_;
};

// Attribute accessors with ONNX defaults. They assert on a kind mismatch: the verifier has already
// checked kinds against the op's schema.
int64_t attr_int(const Node& n, std::string_view name, int64_t dflt);
double attr_float(const Node& n, std::string_view name, double dflt);
std::string attr_string(const Node& n, std::string_view name, std::string dflt);
std::optional<std::vector<int64_t>> attr_ints(const Node& n, std::string_view name);
std::optional<std::vector<std::string>> attr_strings(const Node& n, std::string_view name);

}  // namespace njc
