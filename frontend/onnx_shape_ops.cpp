// ONNX ops that reshape, select or convert rather than compute: folded at import time when their data is
// constant (onnx_constants.h), otherwise turned into njc's Reshape, Slice and Concat on the known shapes.
// Also the ops whose ONNX inputs are njc attributes (Reshape's shape, Slice's starts, Clip's bounds, ...).
#include <numeric>

#include "frontend/onnx_converter.h"

namespace njc::onnx {

namespace {
using Dims = std::vector<int64_t>;

Status define(Converter& c, const Node& n, Folded f) {
  if (auto* why = std::get_if<std::string>(&f)) return c.fail(*why);
  c.define_constant(n.outputs.at(0), std::get<Constant>(std::move(f)));
  return Status::ok();
}

// The output dims of a shape-only op, or its error.
Status take_dims(Converter& c, std::variant<Dims, std::string> r, Dims& out) {
  if (auto* why = std::get_if<std::string>(&r)) return c.fail(*why);
  out = std::get<Dims>(std::move(r));
  return Status::ok();
}

// Input 0 as a constant (folded path) or its runtime shape.
Status data_dims(Converter& c, const Node& n, Dims& dims) {
  if (const Constant* k = c.constant(c.input(n, 0))) {
    dims = k->dims;
    return Status::ok();
  }
  auto s = c.shape_of(c.input(n, 0));
  if (!s) return s.error();
  dims = *s;
  return Status::ok();
}

// A shape-only op with result dims `dims`: folded if its input is constant, else a Reshape.
Status reshape_to(Converter& c, const Node& n, const Dims& dims) {
  if (const Constant* k = c.constant(c.input(n, 0))) {
    c.define_constant(n.outputs.at(0), with_dims(*k, dims));
    return Status::ok();
  }
  return c.emit(OpKind::Reshape, {c.input(n, 0)}, {n.outputs.at(0)}, {{"shape", dims}});
}

// Axes from the attribute (before `input_since`) or input 1; nullptr when absent.
Status axes_of(Converter& c, const Node& n, int64_t input_since, std::optional<Dims>& axes) {
  if (c.opset() < input_since) {
    if (const Dims* a = c.ints_attr(n, "axes")) axes = *a;
    return Status::ok();
  }
  if (c.input(n, 1).empty()) return Status::ok();
  auto k = c.constant_input(n, 1, "the axes");
  if (!k) return k.error();
  axes = as_ints(**k);
  return Status::ok();
}

Status convert_constant(Converter& c, const Node& n) {
  if (const Attribute* a = n.attribute("value"); a && a->t) {
    if (!a->t->unsupported.empty()) return c.fail("its value cannot be read: " + a->t->unsupported);
    const Tensor& t = *a->t;
    return define(c, n,
                  t.is_float() ? Constant::of_floats(t.dims, t.floats) : Constant::of_ints(t.dims, t.ints));
  }
  if (const Attribute* a = n.attribute("value_float")) return define(c, n, Constant::of_floats({}, {a->f}));
  if (const Attribute* a = n.attribute("value_floats"))
    return define(c, n, Constant::of_floats({static_cast<int64_t>(a->floats.size())}, a->floats));
  if (const Attribute* a = n.attribute("value_int")) return define(c, n, Constant::of_ints({}, {a->i}));
  if (const Attribute* a = n.attribute("value_ints"))
    return define(c, n, Constant::of_ints({static_cast<int64_t>(a->ints.size())}, a->ints));
  return c.fail("Constant without a tensor, float or int value");
}

Status convert_reshape(Converter& c, const Node& n) {
  Dims shape;
  if (c.opset() < 5) {
    const Dims* a = c.ints_attr(n, "shape");
    if (!a) return c.fail("Reshape needs its shape attribute");
    shape = *a;
  } else {
    auto k = c.constant_input(n, 1, "Reshape's shape");
    if (!k) return k.error();
    if ((*k)->is_float) return c.fail("Reshape's shape must be a list of integers");
    shape = (*k)->ints;
  }
  Dims in, out;
  if (Status s = data_dims(c, n, in); !s) return s;
  if (Status s = take_dims(c, reshape_dims(in, shape, c.int_attr(n, "allowzero", 0) != 0), out); !s) return s;
  return reshape_to(c, n, out);
}

Status convert_flatten(Converter& c, const Node& n) {
  Dims in;
  if (Status s = data_dims(c, n, in); !s) return s;
  int64_t rank = static_cast<int64_t>(in.size()), axis = c.int_attr(n, "axis", 1);
  if (axis < -rank || axis > rank)
    return c.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  if (axis < 0) axis += rank;
  int64_t outer = std::accumulate(in.begin(), in.begin() + axis, int64_t{1}, std::multiplies<>());
  int64_t inner = std::accumulate(in.begin() + axis, in.end(), int64_t{1}, std::multiplies<>());
  return reshape_to(c, n, {outer, inner});
}

Status convert_squeeze(Converter& c, const Node& n) {
  std::optional<Dims> axes;
  if (Status s = axes_of(c, n, 13, axes); !s) return s;
  Dims in, out;
  if (Status s = data_dims(c, n, in); !s) return s;
  if (Status s = take_dims(c, squeeze_dims(in, axes ? &*axes : nullptr), out); !s) return s;
  return reshape_to(c, n, out);
}

Status convert_unsqueeze(Converter& c, const Node& n) {
  std::optional<Dims> axes;
  if (Status s = axes_of(c, n, 13, axes); !s) return s;
  if (!axes) return c.fail("Unsqueeze needs its axes");
  Dims in, out;
  if (Status s = data_dims(c, n, in); !s) return s;
  if (Status s = take_dims(c, unsqueeze_dims(in, *axes), out); !s) return s;
  return reshape_to(c, n, out);
}

Status convert_identity(Converter& c, const Node& n) {
  Dims in;
  if (Status s = data_dims(c, n, in); !s) return s;
  return reshape_to(c, n, in);
}

Status convert_slice(Converter& c, const Node& n) {
  Dims starts, ends, axes, steps;
  if (c.opset() < 10) {
    if (const Dims* a = c.ints_attr(n, "starts")) starts = *a;
    if (const Dims* a = c.ints_attr(n, "ends")) ends = *a;
    if (const Dims* a = c.ints_attr(n, "axes")) axes = *a;
  } else {
    const char* what[] = {"Slice's starts", "Slice's ends", "Slice's axes", "Slice's steps"};
    Dims* into[] = {&starts, &ends, &axes, &steps};
    for (size_t i = 1; i <= 4; ++i) {
      if (i > 2 && c.input(n, i).empty()) continue;
      auto k = c.constant_input(n, i, what[i - 1]);
      if (!k) return k.error();
      *into[i - 1] = as_ints(**k);
    }
  }
  if (const Constant* k = c.constant(c.input(n, 0)))
    return define(c, n, fold_slice(*k, starts, ends, axes, steps));
  Attributes attrs{{"starts", starts}, {"ends", ends}};
  if (!axes.empty()) attrs["axes"] = axes;
  if (!steps.empty()) attrs["steps"] = steps;
  return c.emit(OpKind::Slice, {c.input(n, 0)}, {n.outputs.at(0)}, std::move(attrs));
}

// Gather of a runtime value along `axis` by constant indices: a Slice per index, a Concat, a Reshape.
Status gather_runtime(Converter& c, const Node& n, const Constant& indices) {
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  int64_t rank = static_cast<int64_t>(shape->size()), axis = c.int_attr(n, "axis", 0);
  if (axis < -rank || axis >= rank) return c.fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  int64_t extent = (*shape)[static_cast<size_t>(axis)];
  std::vector<std::string> parts;
  for (int64_t i : as_ints(indices)) {
    if (i < -extent || i >= extent) return c.fail("index " + std::to_string(i) + " is out of range");
    if (i < 0) i += extent;
    parts.push_back(c.fresh(n.outputs[0] + ".part"));
    Attributes attrs{{"starts", Dims{i}}, {"ends", Dims{i + 1}}, {"axes", Dims{axis}}};
    if (Status s = c.emit(OpKind::Slice, {c.input(n, 0)}, {parts.back()}, attrs); !s) return s;
  }
  if (parts.empty()) return c.fail("Gather with no indices gives an empty tensor");
  std::string joined = parts[0];
  if (parts.size() > 1) {
    joined = c.fresh(n.outputs[0] + ".joined");
    if (Status s = c.emit(OpKind::Concat, parts, {joined}, {{"axis", axis}}); !s) return s;
  }
  Dims out(shape->begin(), shape->begin() + axis);
  out.insert(out.end(), indices.dims.begin(), indices.dims.end());
  out.insert(out.end(), shape->begin() + axis + 1, shape->end());
  return c.emit(OpKind::Reshape, {joined}, {n.outputs[0]}, {{"shape", out}});
}

Status convert_gather(Converter& c, const Node& n) {
  auto indices = c.constant_input(n, 1, "Gather's indices");
  if (!indices) return indices.error();
  if (const Constant* k = c.constant(c.input(n, 0)))
    return define(c, n, fold_gather(*k, **indices, c.int_attr(n, "axis", 0)));
  return gather_runtime(c, n, **indices);
}

Status convert_concat(Converter& c, const Node& n) {
  std::vector<const Constant*> parts;
  for (const std::string& in : n.inputs) {
    const Constant* k = c.constant(in);
    if (!k) return Status(c.fail("internal: not all constant"));
    if (k->size() > 0 || !k->is_float) parts.push_back(k);
  }
  if (parts.empty()) return c.fail("Concat of empty tensors");
  return define(c, n, fold_concat(parts, c.int_attr(n, "axis", 0)));
}

Status convert_cast(Converter& c, const Node& n) {
  int64_t to = c.int_attr(n, "to", 0);
  if (const Constant* k = c.constant(c.input(n, 0)))
    return define(c, n, fold_cast(*k, static_cast<int32_t>(to)));
  if (to != kFloat) return c.fail("a cast of an fp32 value to " + data_type_name(static_cast<int32_t>(to)));
  return convert_identity(c, n);
}

Status convert_expand(Converter& c, const Node& n) {
  auto shape = c.constant_input(n, 1, "Expand's shape");
  if (!shape) return shape.error();
  const Constant* k = c.constant(c.input(n, 0));
  if (!k) return expand_runtime(c, n, as_ints(**shape));
  return define(c, n, fold_expand(*k, as_ints(**shape)));
}

Status convert_clip(Converter& c, const Node& n) {
  Attributes attrs;
  if (c.opset() >= 11) {
    const char* keys[] = {"min", "max"};
    for (size_t i = 1; i <= 2; ++i) {
      if (c.input(n, i).empty()) continue;
      auto k = c.constant_input(n, i, std::string("Clip's ") + keys[i - 1]);
      if (!k) return k.error();
      if ((*k)->size() != 1) return c.fail(std::string("Clip's ") + keys[i - 1] + " must be a scalar");
      attrs[keys[i - 1]] = (*k)->value(0);
    }
  } else {
    if (const Attribute* a = n.attribute("min")) attrs["min"] = double{a->f};
    if (const Attribute* a = n.attribute("max")) attrs["max"] = double{a->f};
  }
  return c.emit(OpKind::Clip, {c.input(n, 0)}, {n.outputs.at(0)}, std::move(attrs));
}

// ONNX moved the reductions' axes from an attribute to input 1: ReduceSum at opset 13, the others at 18.
Status convert_reduce(Converter& c, const Node& n) {
  auto op = op_from_name(n.op_type);
  if (!op || !is_reduction(*op)) return c.fail("internal: not a reduction");
  Attributes attrs;
  if (const Attribute* a = n.attribute("keepdims")) attrs["keepdims"] = a->i;
  if (const Attribute* a = n.attribute("noop_with_empty_axes")) attrs["noop_with_empty_axes"] = a->i;
  std::optional<Dims> axes;
  if (Status s = axes_of(c, n, *op == OpKind::ReduceSum ? 13 : 18, axes); !s) return s;
  if (axes) attrs["axes"] = *axes;
  return c.emit(*op, {c.input(n, 0)}, {n.outputs.at(0)}, std::move(attrs));
}

// Softmax and LogSoftmax: before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalized
// per row.
Status convert_softmax(Converter& c, const Node& n) {
  OpKind op = n.op_type == "Softmax" ? OpKind::Softmax : OpKind::LogSoftmax;
  const std::string& x = c.input(n, 0);
  const std::string& y = n.outputs.at(0);
  if (c.opset() >= 13) return c.emit(op, {x}, {y}, {{"axis", c.int_attr(n, "axis", -1)}});
  auto shape = c.shape_of(x);
  if (!shape) return shape.error();
  int64_t rank = static_cast<int64_t>(shape->size()), axis = c.int_attr(n, "axis", 1);
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return c.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  if (axis < 0) axis += rank;
  if (axis == rank - 1) return c.emit(op, {x}, {y}, {{"axis", int64_t{-1}}});
  int64_t outer = std::accumulate(shape->begin(), shape->begin() + axis, int64_t{1}, std::multiplies<>());
  std::string flat = c.fresh(y + ".2d"), norm = c.fresh(y + ".norm");
  if (Status s = c.emit(OpKind::Reshape, {x}, {flat}, {{"shape", Dims{outer, -1}}}); !s) return s;
  if (Status s = c.emit(op, {flat}, {norm}, {{"axis", int64_t{1}}}); !s) return s;
  return c.emit(OpKind::Reshape, {norm}, {y}, {{"shape", *shape}});
}

Status convert_conv(Converter& c, const Node& n) {
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  if (shape->size() == 4 || shape->size() == 5) return convert_conv_or_pool(c, n);
  if (shape->size() != 3)
    return c.fail("Conv on a rank-" + std::to_string(shape->size()) + " input (njc's Conv is 1-D to 3-D)");
  Attributes attrs;
  for (const Attribute& a : n.attributes) {
    if (a.type == AttrType::kInts)
      attrs[a.name] = a.ints;
    else if (a.type == AttrType::kInt)
      attrs[a.name] = a.i;
    else if (a.type == AttrType::kString)
      attrs[a.name] = a.s;
    else
      return c.fail("attribute '" + a.name + "' has an unexpected type");
  }
  return c.emit(OpKind::Conv, n.inputs, n.outputs, std::move(attrs));
}

Status convert_shape(Converter& c, const Node& n) {
  Dims dims;
  if (Status s = data_dims(c, n, dims); !s) return s;
  int64_t rank = static_cast<int64_t>(dims.size());
  return define(c, n, fold_shape(dims, c.int_attr(n, "start", 0), c.int_attr(n, "end", rank)));
}

Status convert_size(Converter& c, const Node& n) {
  Dims dims;
  if (Status s = data_dims(c, n, dims); !s) return s;
  int64_t count = std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
  return define(c, n, Constant::of_ints({}, {count}));
}

Status convert_constant_of_shape(Converter& c, const Node& n) {
  auto shape = c.constant_input(n, 0, "ConstantOfShape's shape");
  if (!shape) return shape.error();
  std::optional<Constant> value;
  if (const Attribute* a = n.attribute("value"); a && a->t) {
    if (!a->t->unsupported.empty()) return c.fail("its value cannot be read: " + a->t->unsupported);
    value = a->t->is_float() ? Constant::of_floats(a->t->dims, a->t->floats)
                             : Constant::of_ints(a->t->dims, a->t->ints);
  }
  return define(c, n, fold_constant_of_shape(**shape, value ? &*value : nullptr));
}

Status convert_range(Converter& c, const Node& n) {
  const Constant* k[3];
  const char* what[] = {"Range's start", "Range's limit", "Range's delta"};
  for (size_t i = 0; i < 3; ++i) {
    auto x = c.constant_input(n, i, what[i]);
    if (!x) return x.error();
    k[i] = *x;
  }
  return define(c, n, fold_range(*k[0], *k[1], *k[2]));
}

bool all_inputs_constant(Converter& c, const Node& n) {
  for (const std::string& in : n.inputs)
    if (!in.empty() && !c.constant(in)) return false;
  return !n.inputs.empty();
}
}  // namespace

bool is_shape_op(const std::string& op) {
  static const std::set<std::string> kOps = {"Constant",
                                             "Identity",
                                             "Reshape",
                                             "Flatten",
                                             "Slice",
                                             "ReduceSum",
                                             "ReduceMean",
                                             "ReduceMax",
                                             "ReduceMin",
                                             "ReduceProd",
                                             "ReduceL1",
                                             "ReduceL2",
                                             "ReduceSumSquare",
                                             "ReduceLogSum",
                                             "ReduceLogSumExp",
                                             "Clip",
                                             "Softmax",
                                             "LogSoftmax",
                                             "Conv",
                                             "Shape",
                                             "Gather",
                                             "Squeeze",
                                             "Unsqueeze",
                                             "ConstantOfShape",
                                             "Cast",
                                             "Range",
                                             "Expand",
                                             "Size"};
  return kOps.count(op) > 0;
}

Status convert_shape_op(Converter& c, const Node& n) {
  const std::string& op = n.op_type;
  if (op != "Constant" && (n.inputs.empty() || n.inputs[0].empty()))
    return c.fail("its first input is missing");
  if (op == "Constant") return convert_constant(c, n);
  if (op == "Identity") return convert_identity(c, n);
  if (op == "Reshape") return convert_reshape(c, n);
  if (op == "Flatten") return convert_flatten(c, n);
  if (op == "Squeeze") return convert_squeeze(c, n);
  if (op == "Unsqueeze") return convert_unsqueeze(c, n);
  if (op == "Slice") return convert_slice(c, n);
  if (op == "Gather") return convert_gather(c, n);
  if (op == "Cast") return convert_cast(c, n);
  if (op == "Expand") return convert_expand(c, n);
  if (op == "Clip") return convert_clip(c, n);
  if (op.starts_with("Reduce")) return convert_reduce(c, n);
  if (op == "Softmax" || op == "LogSoftmax") return convert_softmax(c, n);
  if (op == "Conv") return convert_conv(c, n);
  if (op == "Shape") return convert_shape(c, n);
  if (op == "Size") return convert_size(c, n);
  if (op == "ConstantOfShape") return convert_constant_of_shape(c, n);
  if (op == "Range") return convert_range(c, n);
  return c.fail("internal: no converter");
}

// Concat and Transpose of constants fold (the shape vectors exporters build); otherwise they are plain ops.
bool folds_as_constant(Converter& c, const Node& n) {
  return (n.op_type == "Concat" || n.op_type == "Transpose") && all_inputs_constant(c, n) &&
         !c.constant(n.inputs[0])->is_float;
}

Status fold_plain(Converter& c, const Node& n) {
  if (n.op_type == "Concat") return convert_concat(c, n);
  const Dims* perm = c.ints_attr(n, "perm");
  return define(c, n, fold_transpose(*c.constant(n.inputs[0]), perm ? *perm : Dims{}));
}

}  // namespace njc::onnx
