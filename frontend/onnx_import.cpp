// The ONNX importer's driver (onnx_import.h): initializers, graph inputs, the node loop, ops njc has under
// the same name, graph outputs and recurrent state pairing. Shape ops and recurrent ops have their own files.
#include "frontend/onnx_import.h"

#include <cmath>
#include <cstring>

#include "frontend/onnx_converter.h"
#include "ir/shape_inference.h"

namespace njc {

namespace onnx {

namespace {
// ONNX ops that njc has under the same name with the same inputs and attributes.
const std::set<std::string> kPlainOps = {
    "Gemm",      "MatMul",     "Add",         "Sub",      "Mul",
    "Div",       "Relu",       "LeakyRelu",   "Sigmoid",  "Tanh",
    "Exp",       "Log",        "Sqrt",        "Neg",      "Abs",
    "Elu",       "Softplus",   "HardSigmoid", "Concat",   "Transpose",
    "HardSwish", "Selu",       "Celu",        "Softsign", "ThresholdedRelu",
    "Shrink",    "Reciprocal", "Sign",        "Floor",    "Ceil",
    "Round",     "Sin",        "Cos",         "PRelu"};

// Ops converted by a handler of their own; with kPlainOps, everything the importer supports.
const std::set<std::string> kHandledOps = {"Constant",
                                           "Identity",
                                           "Reshape",
                                           "Flatten",
                                           "Slice",
                                           "ReduceSum",
                                           "Clip",
                                           "Softmax",
                                           "LogSoftmax",
                                           "Conv",
                                           "LSTM",
                                           "GRU",
                                           "RNN",
                                           "Shape",
                                           "Gather",
                                           "Squeeze",
                                           "Unsqueeze",
                                           "ConstantOfShape",
                                           "Cast",
                                           "Range",
                                           "Expand",
                                           "Size",
                                           "Erf",
                                           "ReduceMean",
                                           "ReduceMax",
                                           "ReduceMin",
                                           "ReduceProd",
                                           "ReduceL1",
                                           "ReduceL2",
                                           "ReduceSumSquare",
                                           "ReduceLogSum",
                                           "ReduceLogSumExp",
                                           "Min",
                                           "Max",
                                           "Sum",
                                           "Mean",
                                           "Pow",
                                           "Dropout",
                                           "Tile",
                                           "Pad",
                                           "Split",
                                           "BatchNormalization",
                                           "LayerNormalization",
                                           "InstanceNormalization",
                                           "MaxPool",
                                           "AveragePool",
                                           "GlobalMaxPool",
                                           "GlobalAveragePool"};

std::string supported_list() {
  std::set<std::string> all(kPlainOps);
  all.insert(kHandledOps.begin(), kHandledOps.end());
  std::string s;
  for (const std::string& op : all) s += (s.empty() ? "" : ", ") + op;
  return s;
}

// Attributes that carry no meaning for njc and can be dropped when they have this value (before opset 7,
// binary ops broadcast only with broadcast=1, suffix-aligned as numpy does when no axis is given).
bool ignorable(const std::string& op, const Attribute& a) {
  return a.name == "broadcast" && a.i == 1 &&
         (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Gemm");
}

Constant tensor_constant(const Tensor& t) {
  if (t.is_float()) return Constant::of_floats(t.dims, t.floats);
  return Constant::of_ints(t.dims, t.ints);
}

bool all_finite(const std::vector<float>& v) {
  for (float f : v)
    if (!std::isfinite(f)) return false;
  return true;
}
}  // namespace

Converter::Converter(const Model& model, std::string file, const OnnxImportOptions& options)
    : model_(model), file_(std::move(file)), options_(options), opset_(model.opset ? model.opset : 13) {}

Diag Converter::fail(const std::string& message) const {
  return Diag{file_, 0, 0, "", where_.empty() ? message : where_ + ": " + message};
}

const std::string& Converter::input(const Node& n, size_t i) const {
  static const std::string kNone;
  return i < n.inputs.size() ? n.inputs[i] : kNone;
}

const Constant* Converter::constant(const std::string& name) const {
  auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : &it->second;
}

Expected<const Constant*> Converter::constant_input(const Node& n, size_t i, const std::string& what) const {
  const std::string& name = input(n, i);
  if (name.empty()) return fail(what + " is missing");
  const Constant* c = constant(name);
  if (!c) return fail(what + " ('" + name + "') must be a constant (njc shapes are static)");
  return c;
}

std::string Converter::fresh(const std::string& hint) {
  std::string name;
  do name = hint + ".onnx" + std::to_string(++counter_);
  while (used_names_.count(name) || shapes_.count(name) || constants_.count(name));
  used_names_.insert(name);
  return name;
}

void Converter::add_param_json(const std::string& name, const Shape& shape,
                               const std::vector<float>& values) {
  nlohmann::json p = {{"name", name}, {"shape", shape}};
  if (!options_.weights_file.empty()) {
    p["file"] = options_.weights_file.substr(options_.weights_file.find_last_of('/') + 1);
    p["offset"] = weights_.size();
    for (float f : values) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      for (int k = 0; k < 4; ++k) weights_.push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
    }
  } else {
    p["data"] = values;
  }
  params_.push_back(std::move(p));
  shapes_[name] = shape;
  used_names_.insert(name);
}

std::string Converter::param(const std::string& hint, Shape shape, std::vector<float> values) {
  std::string name = fresh(hint);
  add_param_json(name, shape, values);
  return name;
}

std::string Converter::state(const std::string& hint, Shape shape, const std::string& next,
                             std::vector<float> initial) {
  std::string name = fresh(hint);
  states_.push_back({{"name", name}, {"shape", shape}, {"next", next}});
  if (!initial.empty()) states_.back()["data"] = std::move(initial);
  shapes_[name] = std::move(shape);
  return name;
}

void Converter::mark_state_input(const std::string& value) {
  auto it = roots_.find(value);
  if (it != roots_.end()) state_inputs_.insert(it->second.begin(), it->second.end());
}

Expected<Shape> Converter::shape_of(const std::string& name) {
  if (auto it = shapes_.find(name); it != shapes_.end()) return it->second;
  const Constant* c = constant(name);
  if (!c) return fail("'" + name + "' is not computed by any earlier node, initializer or input");
  if (!c->is_float)
    return fail("'" + name +
                "' is an integer tensor, and njc computes only fp32 (it must fold to a constant)");
  if (c->size() == 0) return fail("'" + name + "' has no elements (njc tensors are never empty)");
  if (!all_finite(c->floats)) return fail("constant '" + name + "' has non-finite values");
  add_param_json(name, c->dims, c->floats);
  return c->dims;
}

Status Converter::emit(OpKind op, const std::vector<std::string>& ins, const std::vector<std::string>& outs,
                       Attributes attrs) {
  njc::Node node{op, {}, {}, std::move(attrs)};
  std::vector<Shape> shapes;
  shapes.reserve(ins.size());
  std::set<std::string> roots;
  for (const std::string& in : ins) {
    node.inputs.push_back(in.empty() ? kNoValue : static_cast<ValueId>(node.inputs.size()));
    if (in.empty()) {
      shapes.emplace_back();
      continue;
    }
    auto s = shape_of(in);
    if (!s) return s.error();
    shapes.push_back(*s);
    if (auto it = roots_.find(in); it != roots_.end()) roots.insert(it->second.begin(), it->second.end());
  }
  std::vector<const Shape*> ptrs;
  for (size_t i = 0; i < ins.size(); ++i) ptrs.push_back(ins[i].empty() ? nullptr : &shapes[i]);
  for (size_t i = 0; i < outs.size(); ++i) node.outputs.push_back(outs[i].empty() ? kNoValue : ValueId(i));
  if (Status s = check_attributes(node); !s)
    return fail(std::string(op_info(op).name) + ": " + s.error().message);
  auto out_shapes = infer_shapes(node, ptrs);
  if (!out_shapes) return fail(std::string(op_info(op).name) + ": " + out_shapes.error().message);
  if (outs.size() > out_shapes->size())
    return fail(std::string(op_info(op).name) + " has " + std::to_string(outs.size()) +
                " outputs; it computes " + std::to_string(out_shapes->size()));
  nlohmann::json j = {{"op", op_info(op).name}, {"inputs", ins}, {"outputs", outs}};
  if (!node.attrs.empty()) {
    nlohmann::json a = nlohmann::json::object();
    for (const auto& [k, v] : node.attrs) std::visit([&](const auto& x) { a[k] = x; }, v);
    j["attributes"] = std::move(a);
  }
  nodes_.push_back(std::move(j));
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i].empty()) continue;
    if (shapes_.count(outs[i]) || constants_.count(outs[i]))
      return fail("'" + outs[i] + "' is defined twice");
    shapes_[outs[i]] = (*out_shapes)[i];
    used_names_.insert(outs[i]);
    if (!roots.empty()) roots_[outs[i]] = roots;
    bool derived_from_final = false;
    for (const std::string& in : ins) derived_from_final |= final_state_values_.count(in) > 0;
    if (derived_from_final) final_state_values_.insert(outs[i]);
  }
  return Status::ok();
}

int64_t Converter::int_attr(const Node& n, const std::string& name, int64_t dflt) const {
  const Attribute* a = n.attribute(name);
  return a ? a->i : dflt;
}
float Converter::float_attr(const Node& n, const std::string& name, float dflt) const {
  const Attribute* a = n.attribute(name);
  return a ? a->f : dflt;
}
std::string Converter::string_attr(const Node& n, const std::string& name, const std::string& dflt) const {
  const Attribute* a = n.attribute(name);
  return a ? a->s : dflt;
}
const std::vector<int64_t>* Converter::ints_attr(const Node& n, const std::string& name) const {
  const Attribute* a = n.attribute(name);
  return a ? &a->ints : nullptr;
}

Status Converter::add_initializers() {
  for (const Tensor& t : model_.graph.initializers) {
    where_ = "initializer '" + t.name + "'";
    if (t.name.empty()) return fail("it has no name");
    if (!t.unsupported.empty()) return fail("cannot be read: " + t.unsupported);
    constants_[t.name] = tensor_constant(t);
    if (t.is_float() && !t.floats.empty()) {
      if (!all_finite(t.floats)) return fail("it has non-finite values");
      add_param_json(t.name, t.dims, t.floats);
    }
  }
  where_.clear();
  return Status::ok();
}

Status Converter::add_inputs() {
  for (const ValueInfo& v : model_.graph.inputs) {
    if (constants_.count(v.name)) continue;  // an initializer listed as an input (IR version < 4)
    where_ = "input '" + v.name + "'";
    if (v.name.empty()) return fail("it has no name");
    if (!v.is_tensor) return fail("it is not a tensor (njc inputs are fp32 tensors)");
    if (v.elem_type != kFloat)
      return fail("it has element type " + data_type_name(v.elem_type) + " (njc models are fp32)");
    for (int64_t d : v.dims)
      if (d <= 0) return fail("it has a dynamic or empty shape (export it with static shapes)");
    if (!v.has_shape) return fail("it has no shape");
    inputs_.push_back({{"name", v.name}, {"shape", v.dims}});
    input_order_.push_back(v.name);
    shapes_[v.name] = v.dims;
    roots_[v.name] = {v.name};
    used_names_.insert(v.name);
  }
  where_.clear();
  return Status::ok();
}

Expected<Attributes> Converter::plain_attributes(const Node& n) {
  Attributes attrs;
  for (const Attribute& a : n.attributes) {
    if (ignorable(n.op_type, a)) continue;
    switch (a.type) {
      case AttrType::kFloat:
        attrs[a.name] = double{a.f};
        break;
      case AttrType::kInt:
        attrs[a.name] = a.i;
        break;
      case AttrType::kString:
        attrs[a.name] = a.s;
        break;
      case AttrType::kFloats:
        attrs[a.name] = std::vector<double>(a.floats.begin(), a.floats.end());
        break;
      case AttrType::kInts:
        attrs[a.name] = a.ints;
        break;
      case AttrType::kStrings:
        attrs[a.name] = a.strings;
        break;
      case AttrType::kUndefined:
        return fail("attribute '" + a.name + "' has no valid type");
      default:
        return fail("attribute '" + a.name +
                    "' holds a tensor, graph or type (njc takes numbers, strings and lists of them)");
    }
  }
  return attrs;
}

Status Converter::convert_plain(const Node& n) {
  if (folds_as_constant(*this, n)) return fold_plain(*this, n);
  auto op = op_from_name(n.op_type);
  NJC_ASSERT(op.has_value(), "a plain op that njc lacks");
  bool foldable = (n.op_type == "Add" || n.op_type == "Sub" || n.op_type == "Mul" || n.op_type == "Div") &&
                  n.inputs.size() == 2 && constant(input(n, 0)) && constant(input(n, 1)) &&
                  !constant(input(n, 0))->is_float && !constant(input(n, 1))->is_float;
  if (foldable) {
    Folded f = fold_arithmetic(n.op_type, *constant(input(n, 0)), *constant(input(n, 1)));
    if (auto* why = std::get_if<std::string>(&f)) return fail(*why);
    define_constant(n.outputs.at(0), std::get<Constant>(std::move(f)));
    return Status::ok();
  }
  auto attrs = plain_attributes(n);
  if (!attrs) return attrs.error();
  return emit(*op, n.inputs, n.outputs, std::move(*attrs));
}

Status Converter::convert_node(const Node& n, size_t index) {
  std::string named_output;
  for (const std::string& o : n.outputs)
    if (!o.empty() && named_output.empty()) named_output = o;
  if (!n.name.empty())
    where_ = "node '" + n.name + "'";
  else
    where_ = "node " + std::to_string(index) + " (" + n.op_type + ")" +
             (named_output.empty() ? "" : " computing '" + named_output + "'");
  if (!n.domain.empty() && n.domain != "ai.onnx") {
    std::string message = "op '" + n.domain + "." + n.op_type + "' (" + where_ + ") is not supported";
    where_.clear();
    return fail(message);
  }
  if (!kPlainOps.count(n.op_type) && !kHandledOps.count(n.op_type)) {
    std::string message = "op '" + n.op_type + "' (" + where_ +
                          ") is not supported by njc\nnote: njc supports " + supported_list() +
                          " (docs/importers.md)";
    where_.clear();
    return fail(message);
  }
  if (named_output.empty()) return fail("it has no output");
  where_ = n.op_type + " (" + where_ + ")";
  for (const Attribute& a : n.attributes)
    if (a.type == AttrType::kUndefined) return fail("attribute '" + a.name + "' has no valid type");
  if (kPlainOps.count(n.op_type)) {
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i].empty()) return fail("input " + std::to_string(i) + " is missing");
    return convert_plain(n);
  }
  if (n.op_type == "LSTM" || n.op_type == "GRU" || n.op_type == "RNN") return convert_recurrent(*this, n);
  if (n.op_type == "Erf") return convert_erf(*this, n);
  if (is_elementwise_special(n.op_type)) return convert_elementwise_special(*this, n);
  if (is_tensor_op(n.op_type)) return convert_tensor_op(*this, n);
  if (is_normalization(n.op_type)) return convert_normalization(*this, n);
  if (is_conv_or_pool(n.op_type)) return convert_conv_or_pool(*this, n);
  return convert_shape_op(*this, n);
}

Status Converter::add_outputs() {
  where_.clear();
  for (const ValueInfo& v : model_.graph.outputs) {
    if (v.name.empty()) return fail("a graph output has no name");
    if (const Constant* c = constant(v.name); c && !shapes_.count(v.name)) {
      if (!c->is_float) return fail("output '" + v.name + "' is an integer tensor (njc outputs are fp32)");
      // A constant output: computed once at import, returned by every call.
      Shape dims = c->dims;
      std::string p = param(v.name + ".value", dims, c->floats);
      constants_.erase(v.name);
      if (Status s = emit(OpKind::Reshape, {p}, {v.name}, {{"shape", dims}}); !s) return s;
    }
    if (!shapes_.count(v.name)) return fail("output '" + v.name + "' is not computed by any node");
  }
  return Status::ok();
}

// Graph inputs that feed a recurrent op's initial state become states whose next is the graph output of the
// same shape computed from a final state (pairs in input order), or the pairs the options name.
Status Converter::pair_states() {
  std::vector<std::pair<std::string, std::string>> pairs = options_.state_pairs;
  if (pairs.empty() && options_.carry_states) {
    std::set<std::string> taken;
    for (const std::string& in : input_order_) {
      if (!state_inputs_.count(in)) continue;
      for (const ValueInfo& out : model_.graph.outputs)
        if (final_state_values_.count(out.name) && !taken.count(out.name) &&
            shapes_[out.name] == shapes_[in]) {
          pairs.emplace_back(in, out.name);
          taken.insert(out.name);
          break;
        }
    }
  }
  for (const auto& [in, out] : pairs) {
    auto it = std::find(input_order_.begin(), input_order_.end(), in);
    if (it == input_order_.end())
      return fail("--state " + in + "=" + out + ": '" + in + "' is not a graph input");
    bool is_output = false;
    for (const ValueInfo& v : model_.graph.outputs) is_output |= v.name == out;
    if (!is_output) return fail("--state " + in + "=" + out + ": '" + out + "' is not a graph output");
    if (shapes_[in] != shapes_[out]) return fail("--state " + in + "=" + out + ": the shapes differ");
    for (size_t i = 0; i < inputs_.size(); ++i)
      if (inputs_[i]["name"] == in) inputs_.erase(i);
    input_order_.erase(it);
    states_.push_back({{"name", in}, {"shape", shapes_[in]}, {"next", out}});
  }
  return Status::ok();
}

Expected<OnnxImport> Converter::run() {
  if (Status s = add_initializers(); !s) return s.error();
  if (Status s = add_inputs(); !s) return s.error();
  for (size_t i = 0; i < model_.graph.nodes.size(); ++i)
    if (Status s = convert_node(model_.graph.nodes[i], i); !s) return s.error();
  if (Status s = add_outputs(); !s) return s.error();
  if (Status s = pair_states(); !s) return s.error();
  if (model_.graph.outputs.empty()) return fail("the graph has no outputs");
  nlohmann::json outputs = nlohmann::json::array();
  for (const ValueInfo& v : model_.graph.outputs) outputs.push_back(v.name);
  nlohmann::json m = {{"format", "njc-model"}, {"version", 1},       {"name", options_.name},
                      {"inputs", inputs_},     {"outputs", outputs}, {"params", params_}};
  if (!states_.empty()) m["states"] = states_;
  m["nodes"] = nodes_;
  return OnnxImport{std::move(m), std::move(weights_)};
}

}  // namespace onnx

Expected<OnnxImport> import_onnx(const onnx::Model& model, const std::string& file,
                                 const OnnxImportOptions& options) {
  return onnx::Converter(model, file, options).run();
}

Expected<OnnxImport> import_onnx_bytes(std::string_view bytes, const std::string& file,
                                       const OnnxImportOptions& options) {
  auto model = onnx::parse_model(bytes, file);
  if (!model) return model.error();
  return import_onnx(*model, file, options);
}

bool looks_like_onnx(const std::string& file, std::string_view bytes) {
  return file.ends_with(".onnx") || bytes.substr(0, 4096).find('\0') != std::string_view::npos;
}

}  // namespace njc
