// ONNX elementwise ops that njc spells differently: the variadic Min, Max, Sum and Mean as chains of
// binary nodes, Pow with an integer exponent, and Dropout (inference: the identity).
#include <optional>

#include "frontend/onnx_converter.h"

namespace njc::onnx {

namespace {
// Input i as an fp32 runtime value or param; an integer constant (Pow's exponent) becomes an fp32 param.
Expected<std::string> float_operand(Converter& c, const Node& n, size_t i) {
  const std::string& name = c.input(n, i);
  const Constant* k = c.constant(name);
  if (!k || k->is_float) return name;
  std::vector<float> values;
  for (int64_t v : k->ints) values.push_back(static_cast<float>(v));
  return c.param(name + ".fp32", k->dims, std::move(values));
}

// Min/Max/Sum/Mean of one or more inputs: a left-to-right chain of binary nodes (Mean then scales by
// 1/count); one input is the identity.
Status convert_variadic(Converter& c, const Node& n) {
  if (n.inputs.empty()) return c.fail("it has no inputs");
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (n.inputs[i].empty()) return c.fail("input " + std::to_string(i) + " is missing");
  OpKind op = n.op_type == "Min" ? OpKind::Min : n.op_type == "Max" ? OpKind::Max : OpKind::Add;
  bool mean = n.op_type == "Mean";
  const std::string& y = n.outputs.at(0);
  std::string acc = n.inputs[0];
  for (size_t i = 1; i < n.inputs.size(); ++i) {
    bool last = i + 1 == n.inputs.size() && !mean;
    std::string out = last ? y : c.fresh(y + "." + n.op_type);
    if (Status s = c.emit(op, {acc, n.inputs[i]}, {out}); !s) return s;
    acc = out;
  }
  if (mean && n.inputs.size() > 1) {
    std::string scale = c.param(y + ".scale", {}, {1.0f / static_cast<float>(n.inputs.size())});
    return c.emit(OpKind::Mul, {acc, scale}, {y});
  }
  if (n.inputs.size() > 1) return Status::ok();
  auto shape = c.shape_of(acc);
  if (!shape) return shape.error();
  return c.emit(OpKind::Reshape, {acc}, {y}, {{"shape", *shape}});
}

// The value of a constant scalar exponent (any shape with one element), if it is one.
std::optional<double> scalar_exponent(Converter& c, const Node& n) {
  const Constant* k = c.constant(c.input(n, 1));
  if (!k || k->size() != 1) return std::nullopt;
  return k->value(0);
}

// Pow by a constant 2, 3, 0.5 or -1 (x^2 is how exporters spell a variance) is exact as Mul, Sqrt or
// Reciprocal; any other exponent goes through e^(y log|x|).
Status convert_pow(Converter& c, const Node& n) {
  if (c.input(n, 0).empty() || c.input(n, 1).empty()) return c.fail("an input is missing");
  const std::string &x = c.input(n, 0), &y = n.outputs.at(0);
  auto e = scalar_exponent(c, n);
  auto x_shape = e ? c.shape_of(x) : Expected<Shape>(Shape{});
  if (!x_shape) return x_shape.error();
  bool keeps_shape = e && num_elements(*x_shape) > 0 && c.constant(c.input(n, 1))->dims.size() <= x_shape->size();
  if (keeps_shape && (*e == 2 || *e == 3)) {
    std::string square = *e == 2 ? y : c.fresh(y + ".square");
    if (Status s = c.emit(OpKind::Mul, {x, x}, {square}); !s) return s;
    return *e == 2 ? Status::ok() : c.emit(OpKind::Mul, {square, x}, {y});
  }
  if (keeps_shape && *e == 0.5) return c.emit(OpKind::Sqrt, {x}, {y});
  if (keeps_shape && *e == -1) return c.emit(OpKind::Reciprocal, {x}, {y});
  auto exponent = float_operand(c, n, 1);
  if (!exponent) return exponent.error();
  return c.emit(OpKind::Pow, {c.input(n, 0), *exponent}, {n.outputs.at(0)});
}

// Dropout at inference passes its input through; the mask output and training mode are refused.
Status convert_dropout(Converter& c, const Node& n) {
  if (n.outputs.size() > 1 && !n.outputs[1].empty())
    return c.fail("its mask output is used (njc runs inference only: Dropout is the identity)");
  if (!c.input(n, 2).empty()) {
    const Constant* training = c.constant(c.input(n, 2));
    if (!training || training->value(0) != 0)
      return c.fail("training_mode must be a constant false (njc runs inference only)");
  }
  if (c.input(n, 0).empty()) return c.fail("its input is missing");
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  return c.emit(OpKind::Reshape, {c.input(n, 0)}, {n.outputs.at(0)}, {{"shape", *shape}});
}
}  // namespace

bool is_elementwise_special(const std::string& op) {
  return op == "Min" || op == "Max" || op == "Sum" || op == "Mean" || op == "Pow" || op == "Dropout";
}

Status convert_elementwise_special(Converter& c, const Node& n) {
  if (n.op_type == "Pow") return convert_pow(c, n);
  if (n.op_type == "Dropout") return convert_dropout(c, n);
  return convert_variadic(c, n);
}

}  // namespace njc::onnx
