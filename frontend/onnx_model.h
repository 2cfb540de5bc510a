// The parts of an ONNX model (onnx/onnx.proto, IR version 3 to 9) that the ONNX importer reads, decoded from
// the protobuf wire format by protobuf_reader.h: ModelProto, OperatorSetIdProto, GraphProto, NodeProto,
// AttributeProto, TensorProto, ValueInfoProto and TypeProto.Tensor. Fields njc has no use for (doc strings,
// metadata, training info, sparse tensors, subgraphs) are skipped without being decoded, so a nested subgraph
// can never recurse deeply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/diag.h"

namespace njc::onnx {

// TensorProto.DataType values njc distinguishes.
enum DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
};

// "FLOAT", "INT64", ... or "type N" for a value njc does not name.
std::string data_type_name(int32_t type);

// A tensor's values, decoded from whichever TensorProto field holds them: floats for FLOAT and DOUBLE,
// ints for the integer types and BOOL. `unsupported` says why neither could be filled (a string, float16 or
// external tensor, or data whose count contradicts the dims); the importer reports it only if it is used.
struct Tensor {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = kUndefined;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::string unsupported;
  bool is_float() const { return data_type == kFloat || data_type == kDouble; }
};

enum class AttrType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
  kTensors = 9,
  kGraphs = 10,
  kSparseTensor = 11,
  kSparseTensors = 12,
  kTypeProto = 13,
  kTypeProtos = 14,
};

struct Attribute {
  std::string name;
  AttrType type = AttrType::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::optional<Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

struct Node {
  std::vector<std::string> inputs, outputs;
  std::string name, op_type, domain;
  std::vector<Attribute> attributes;
  const Attribute* attribute(std::string_view attr_name) const;
};

// A graph input or output: its element type and static shape, when the file declares them.
struct ValueInfo {
  std::string name;
  bool is_tensor = false;  // false: a sequence, map, optional or sparse value
  int32_t elem_type = kUndefined;
  bool has_shape = false;
  std::vector<int64_t> dims;  // -1 where a dimension is symbolic (dim_param) or missing
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs;
};

struct Model {
  int64_t ir_version = 0;
  int64_t opset = 0;  // of the default domain ("" or "ai.onnx"); 0 if the model does not say
  Graph graph;
};

// Decodes an ONNX model file's bytes. Fails, naming `file`, on an empty file, bytes that are not protobuf,
// a truncated file, or a protobuf message without the graph every ONNX model has.
Expected<Model> parse_model(std::string_view bytes, const std::string& file);

}  // namespace njc::onnx
