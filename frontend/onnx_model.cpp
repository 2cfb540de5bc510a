// Decoding the ONNX messages of onnx_model.h from protobuf wire format. Field numbers are those of
// onnx/onnx.proto; each message has one decoder that reads the fields it needs and skips the rest.
#include "frontend/onnx_model.h"

#include <cstring>

#include "frontend/protobuf_reader.h"

namespace njc::onnx {

namespace {
using protobuf::Field;
using protobuf::WireType;

// Tensors above this many elements are refused before their data is decoded (as njc's own limit: 2^28).
constexpr int64_t kMaxElements = int64_t{1} << 28;

// Calls fn(field) for every field of `message`, stopping at the first error from either.
template <class Fn>
Status for_each_field(std::string_view message, Fn&& fn) {
  protobuf::Reader reader(message);
  while (!reader.at_end()) {
    auto f = reader.next();
    if (!f) return f.error();
    if (Status s = fn(*f); !s) return s;
  }
  return Status::ok();
}

Status expect(const Field& f, WireType type, const char* what) {
  if (f.type == type) return Status::ok();
  return Diag{"", 0, 0, "", std::string("malformed protobuf: ") + what + " has the wrong wire type"};
}

Status read_string(const Field& f, std::string& out, const char* what) {
  if (Status s = expect(f, WireType::kLen, what); !s) return s;
  out.assign(f.bytes);
  return Status::ok();
}

Status read_int(const Field& f, int64_t& out, const char* what) {
  if (Status s = expect(f, WireType::kVarint, what); !s) return s;
  out = static_cast<int64_t>(f.scalar);
  return Status::ok();
}

// The raw fields of a TensorProto, before they are turned into values.
struct RawTensor {
  std::vector<int64_t> int_data;  // int32_data, int64_data or uint64_data
  std::vector<float> float_data;
  std::vector<double> double_data;
  std::string_view raw_data;
  bool has_raw = false, external = false, has_strings = false;
};

int64_t element_count(const std::vector<int64_t>& dims, std::string& why) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      why = "a negative dimension";
      return -1;
    }
    if (d != 0 && n > kMaxElements / d) {
      why = "more than 2^28 elements";
      return -1;
    }
    n *= d;
  }
  return n;
}

size_t element_size(int32_t type) {
  switch (type) {
    case kFloat:
    case kInt32:
    case kUint32:
      return 4;
    case kDouble:
    case kInt64:
    case kUint64:
      return 8;
    case kInt16:
    case kUint16:
      return 2;
    case kInt8:
    case kUint8:
    case kBool:
      return 1;
    default:
      return 0;
  }
}

// One little-endian element of raw_data as an integer of the tensor's type (sign-extended when signed).
int64_t raw_int(const char* p, int32_t type) {
  uint64_t bits = 0;
  size_t n = element_size(type);
  for (size_t i = 0; i < n; ++i) bits |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  switch (type) {
    case kInt8:
      return static_cast<int8_t>(bits);
    case kInt16:
      return static_cast<int16_t>(bits);
    case kInt32:
      return static_cast<int32_t>(bits);
    default:
      return static_cast<int64_t>(bits);
  }
}

float raw_float(const char* p, int32_t type) {
  if (type == kDouble) {
    double d;
    std::memcpy(&d, p, 8);
    return static_cast<float>(d);
  }
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

void decode_raw(Tensor& t, const RawTensor& raw, int64_t count) {
  size_t size = element_size(t.data_type);
  if (raw.raw_data.size() != static_cast<size_t>(count) * size) {
    t.unsupported = "raw_data holds " + std::to_string(raw.raw_data.size()) + " bytes, the dims need " +
                    std::to_string(static_cast<size_t>(count) * size);
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const char* p = raw.raw_data.data() + static_cast<size_t>(i) * size;
    if (t.is_float())
      t.floats.push_back(raw_float(p, t.data_type));
    else
      t.ints.push_back(raw_int(p, t.data_type));
  }
}

void decode_typed(Tensor& t, const RawTensor& raw, int64_t count) {
  size_t have = t.data_type == kFloat    ? raw.float_data.size()
                : t.data_type == kDouble ? raw.double_data.size()
                                         : raw.int_data.size();
  if (have != static_cast<size_t>(count)) {
    t.unsupported = "it holds " + std::to_string(have) + " values, its dims need " + std::to_string(count);
    return;
  }
  if (t.data_type == kFloat) t.floats = raw.float_data;
  if (t.data_type == kDouble)
    for (double d : raw.double_data) t.floats.push_back(static_cast<float>(d));
  if (!t.is_float()) t.ints = raw.int_data;
}

// Fills t.floats or t.ints from whichever field holds the data, or says in t.unsupported why not.
void decode_values(Tensor& t, const RawTensor& raw) {
  if (raw.external) {
    t.unsupported = "its data is in an external file (njc reads only self-contained ONNX files)";
    return;
  }
  if (element_size(t.data_type) == 0) {
    t.unsupported = "it has element type " + data_type_name(t.data_type);
    return;
  }
  std::string why;
  int64_t count = element_count(t.dims, why);
  if (count < 0) {
    t.unsupported = "it has " + why;
    return;
  }
  if (raw.has_raw)
    decode_raw(t, raw, count);
  else
    decode_typed(t, raw, count);
}

Status parse_tensor(std::string_view bytes, Tensor& t) {
  RawTensor raw;
  Status s = for_each_field(bytes, [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        return protobuf::append_varints(f, t.dims);
      case 2: {
        int64_t type = 0;
        if (Status r = read_int(f, type, "TensorProto.data_type"); !r) return r;
        t.data_type = static_cast<int32_t>(type);
        return Status::ok();
      }
      case 4:
        return protobuf::append_floats(f, raw.float_data);
      case 5:
      case 7:
      case 11:
        return protobuf::append_varints(f, raw.int_data);
      case 6:
        raw.has_strings = true;
        return Status::ok();
      case 8:
        return read_string(f, t.name, "TensorProto.name");
      case 9:
        if (Status r = expect(f, WireType::kLen, "TensorProto.raw_data"); !r) return r;
        raw.raw_data = f.bytes;
        raw.has_raw = true;
        return Status::ok();
      case 10:
        return protobuf::append_doubles(f, raw.double_data);
      case 14: {
        int64_t location = 0;
        if (Status r = read_int(f, location, "TensorProto.data_location"); !r) return r;
        raw.external = raw.external || location == 1;
        return Status::ok();
      }
      case 13:
        raw.external = true;
        return Status::ok();
      default:
        return Status::ok();
    }
  });
  if (!s) return s;
  // uint32 values arrive as uint64_data and int32-family values as int32 varints: both already fit int64.
  decode_values(t, raw);
  return Status::ok();
}

Status parse_attribute(std::string_view bytes, Attribute& a) {
  return for_each_field(bytes, [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        return read_string(f, a.name, "AttributeProto.name");
      case 2:
        if (Status r = expect(f, WireType::kI32, "AttributeProto.f"); !r) return r;
        a.f = protobuf::as_float(f);
        return Status::ok();
      case 3:
        return read_int(f, a.i, "AttributeProto.i");
      case 4:
        return read_string(f, a.s, "AttributeProto.s");
      case 5: {
        if (Status r = expect(f, WireType::kLen, "AttributeProto.t"); !r) return r;
        a.t.emplace();
        return parse_tensor(f.bytes, *a.t);
      }
      case 7:
        return protobuf::append_floats(f, a.floats);
      case 8:
        return protobuf::append_varints(f, a.ints);
      case 9: {
        std::string s;
        if (Status r = read_string(f, s, "AttributeProto.strings"); !r) return r;
        a.strings.push_back(std::move(s));
        return Status::ok();
      }
      case 20: {
        int64_t type = 0;
        if (Status r = read_int(f, type, "AttributeProto.type"); !r) return r;
        a.type = static_cast<AttrType>(type);
        return Status::ok();
      }
      default:
        return Status::ok();  // subgraphs, sparse tensors, type protos: not decoded
    }
  });
}

Status parse_node(std::string_view bytes, Node& n) {
  return for_each_field(bytes, [&](const Field& f) -> Status {
    std::string s;
    switch (f.number) {
      case 1:
      case 2:
        if (Status r = read_string(f, s, "NodeProto.input/output"); !r) return r;
        (f.number == 1 ? n.inputs : n.outputs).push_back(std::move(s));
        return Status::ok();
      case 3:
        return read_string(f, n.name, "NodeProto.name");
      case 4:
        return read_string(f, n.op_type, "NodeProto.op_type");
      case 7:
        return read_string(f, n.domain, "NodeProto.domain");
      case 5: {
        if (Status r = expect(f, WireType::kLen, "NodeProto.attribute"); !r) return r;
        n.attributes.emplace_back();
        return parse_attribute(f.bytes, n.attributes.back());
      }
      default:
        return Status::ok();
    }
  });
}

Status parse_dimension(std::string_view bytes, int64_t& dim) {
  dim = -1;
  return for_each_field(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) return read_int(f, dim, "Dimension.dim_value");
    return Status::ok();
  });
}

// TypeProto.Tensor: elem_type (1) and shape (2: TensorShapeProto, whose dim is field 1).
Status parse_tensor_type(std::string_view bytes, ValueInfo& v) {
  v.is_tensor = true;
  return for_each_field(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) {
      int64_t type = 0;
      if (Status r = read_int(f, type, "TypeProto.Tensor.elem_type"); !r) return r;
      v.elem_type = static_cast<int32_t>(type);
    } else if (f.number == 2) {
      if (Status r = expect(f, WireType::kLen, "TypeProto.Tensor.shape"); !r) return r;
      v.has_shape = true;
      return for_each_field(f.bytes, [&](const Field& d) -> Status {
        if (d.number != 1) return Status::ok();
        if (Status r = expect(d, WireType::kLen, "TensorShapeProto.dim"); !r) return r;
        v.dims.push_back(-1);
        return parse_dimension(d.bytes, v.dims.back());
      });
    }
    return Status::ok();
  });
}

Status parse_value_info(std::string_view bytes, ValueInfo& v) {
  return for_each_field(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) return read_string(f, v.name, "ValueInfoProto.name");
    if (f.number != 2) return Status::ok();
    if (Status r = expect(f, WireType::kLen, "ValueInfoProto.type"); !r) return r;
    return for_each_field(f.bytes, [&](const Field& t) -> Status {
      if (t.number != 1) return Status::ok();  // sequence, map, optional, sparse: not a tensor
      if (Status r = expect(t, WireType::kLen, "TypeProto.tensor_type"); !r) return r;
      return parse_tensor_type(t.bytes, v);
    });
  });
}

template <class T, class Parse>
Status parse_into(const Field& f, std::vector<T>& list, Parse parse, const char* what) {
  if (Status r = expect(f, WireType::kLen, what); !r) return r;
  list.emplace_back();
  return parse(f.bytes, list.back());
}

Status parse_graph(std::string_view bytes, Graph& g) {
  return for_each_field(bytes, [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        return parse_into(f, g.nodes, parse_node, "GraphProto.node");
      case 2:
        return read_string(f, g.name, "GraphProto.name");
      case 5:
        return parse_into(f, g.initializers, parse_tensor, "GraphProto.initializer");
      case 11:
        return parse_into(f, g.inputs, parse_value_info, "GraphProto.input");
      case 12:
        return parse_into(f, g.outputs, parse_value_info, "GraphProto.output");
      default:
        return Status::ok();
    }
  });
}

// OperatorSetIdProto: domain (1), version (2).
Status parse_opset(std::string_view bytes, Model& m) {
  std::string domain;
  int64_t version = 0;
  Status s = for_each_field(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) return read_string(f, domain, "OperatorSetIdProto.domain");
    if (f.number == 2) return read_int(f, version, "OperatorSetIdProto.version");
    return Status::ok();
  });
  if (s && (domain.empty() || domain == "ai.onnx")) m.opset = version;
  return s;
}

Diag in_file(Diag d, const std::string& file) {
  d.file = file;
  return d;
}
}  // namespace

std::string data_type_name(int32_t type) {
  static const char* const kNames[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
                                       "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
                                       "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  if (type >= 0 && type < static_cast<int32_t>(std::size(kNames))) return kNames[type];
  return "type " + std::to_string(type);
}

const Attribute* Node::attribute(std::string_view attr_name) const {
  for (const Attribute& a : attributes)
    if (a.name == attr_name) return &a;
  return nullptr;
}

Expected<Model> parse_model(std::string_view bytes, const std::string& file) {
  if (bytes.empty()) return Diag{file, 0, 0, "", "the file is empty, not an ONNX model"};
  Model m;
  bool has_graph = false;
  Status s = for_each_field(bytes, [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        return read_int(f, m.ir_version, "ModelProto.ir_version");
      case 7:
        if (Status r = expect(f, WireType::kLen, "ModelProto.graph"); !r) return r;
        has_graph = true;
        return parse_graph(f.bytes, m.graph);
      case 8:
        if (Status r = expect(f, WireType::kLen, "ModelProto.opset_import"); !r) return r;
        return parse_opset(f.bytes, m);
      default:
        return Status::ok();
    }
  });
  if (!s) return in_file(Diag{"", 0, 0, "", "not a valid ONNX model (" + s.error().message + ")"}, file);
  if (!has_graph || m.ir_version <= 0)
    return Diag{file, 0, 0, "",
                "not an ONNX model: a protobuf message without the ir_version and graph of a ModelProto"};
  return m;
}

}  // namespace njc::onnx
