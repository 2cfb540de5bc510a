// ONNX's normalizations as compositions of njc ops: BatchNormalization (inference: one scale and shift per
// channel, folded at import from the constant statistics), LayerNormalization and InstanceNormalization
// (mean and variance by ReduceMean over the normalized axes, then (x - mean) / sqrt(var + epsilon)).
#include <cmath>

#include "frontend/onnx_converter.h"

namespace njc::onnx {

namespace {
using Dims = std::vector<int64_t>;

// Emits one node into a fresh value named from hint; returns its name.
Expected<std::string> node(Converter& c, OpKind op, const std::vector<std::string>& ins,
                           const std::string& hint, Attributes attrs = {}) {
  std::string out = c.fresh(hint);
  if (Status s = c.emit(op, ins, {out}, std::move(attrs)); !s) return s.error();
  return out;
}

// A per-channel vector (C values) as a param shaped to broadcast over [N, C, d1, ...] of the given rank.
std::string channel_param(Converter& c, const std::string& hint, std::vector<float> values, size_t rank) {
  Dims dims(rank > 1 ? rank - 1 : 1, 1);
  dims[0] = static_cast<int64_t>(values.size());
  return c.param(hint, dims, std::move(values));
}

// Input i, a per-channel vector of C values, reshaped to broadcast over [N, C, d1, ...] of the given rank.
Expected<std::string> channel_input(Converter& c, const Node& n, size_t i, const char* what, int64_t C,
                                    size_t rank) {
  if (c.input(n, i).empty()) return c.fail(std::string(what) + " is missing");
  auto shape = c.shape_of(c.input(n, i));
  if (!shape) return shape.error();
  if (num_elements(*shape) != C) return c.fail(std::string(what) + " must have one value per channel");
  Dims dims(rank > 1 ? rank - 1 : 1, 1);
  dims[0] = C;
  return node(c, OpKind::Reshape, {c.input(n, i)}, n.outputs.at(0) + ".channels", {{"shape", dims}});
}

Status only_first_output(Converter& c, const Node& n) {
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (!n.outputs[i].empty())
      return c.fail("output " + std::to_string(i) + " is used (njc computes only the normalized tensor)");
  return Status::ok();
}

// y = x * a + b with a = scale / sqrt(var + epsilon), b = B - mean * a per channel (axis 1): folded at
// import when the statistics are constants, else computed by nodes.
Status convert_batch_norm(Converter& c, const Node& n) {
  if (Status s = only_first_output(c, n); !s) return s;
  if (c.int_attr(n, "training_mode", 0)) return c.fail("training_mode is not supported (njc runs inference)");
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  if (shape->size() < 2) return c.fail("X must have rank >= 2 ([N, C, ...])");
  int64_t C = (*shape)[1];
  size_t rank = shape->size();
  const char* what[] = {"BatchNormalization's scale", "BatchNormalization's bias", "BatchNormalization's mean",
                        "BatchNormalization's variance"};
  const std::string& y = n.outputs.at(0);
  float epsilon = c.float_attr(n, "epsilon", 1e-5f);
  const Constant* k[4];
  bool folded = true;
  for (size_t i = 0; i < 4; ++i) {
    k[i] = c.constant(c.input(n, i + 1));
    folded &= k[i] && k[i]->size() == C;
  }
  std::string a, b;
  if (folded) {
    std::vector<float> av(static_cast<size_t>(C)), bv(static_cast<size_t>(C));
    for (size_t ch = 0; ch < av.size(); ++ch) {
      double scale = k[0]->value(ch) / std::sqrt(k[3]->value(ch) + epsilon);
      av[ch] = static_cast<float>(scale);
      bv[ch] = static_cast<float>(k[1]->value(ch) - k[2]->value(ch) * scale);
    }
    a = channel_param(c, y + ".scale", av, rank), b = channel_param(c, y + ".shift", bv, rank);
  } else {
    std::string v[4];
    for (size_t i = 0; i < 4; ++i) {
      auto in = channel_input(c, n, i + 1, what[i], C, rank);
      if (!in) return in.error();
      v[i] = *in;
    }
    std::string eps = c.param(y + ".epsilon", {}, {epsilon});
    auto padded = node(c, OpKind::Add, {v[3], eps}, y + ".var_eps");
    auto deviation = padded ? node(c, OpKind::Sqrt, {*padded}, y + ".std") : padded;
    auto scale = deviation ? node(c, OpKind::Div, {v[0], *deviation}, y + ".scale") : deviation;
    auto moved = scale ? node(c, OpKind::Mul, {v[2], *scale}, y + ".mean_scaled") : scale;
    auto shift = moved ? node(c, OpKind::Sub, {v[1], *moved}, y + ".shift") : moved;
    if (!shift) return shift.error();
    a = *scale, b = *shift;
  }
  auto scaled = node(c, OpKind::Mul, {c.input(n, 0), a}, y);
  if (!scaled) return scaled.error();
  return c.emit(OpKind::Add, {*scaled, b}, {y});
}

// (x - mean) / sqrt(var + epsilon) over `axes`, then * scale + bias (either may be "").
Status normalize(Converter& c, const Node& n, const Dims& axes, const std::string& scale,
                 const std::string& bias) {
  const std::string& x = c.input(n, 0);
  const std::string& y = n.outputs.at(0);
  Attributes over{{"axes", axes}, {"keepdims", int64_t{1}}};
  // LayerNormalization's optional outputs 1 and 2: the mean and 1 / standard deviation, keepdims-shaped.
  auto output = [&](size_t i) {
    return n.op_type == "LayerNormalization" && i < n.outputs.size() ? n.outputs[i] : std::string();
  };
  std::string mean_out = output(1), inv_out = output(2);
  Expected<std::string> mean = mean_out;
  if (mean_out.empty())
    mean = node(c, OpKind::ReduceMean, {x}, y + ".mean", over);
  else if (Status s = c.emit(OpKind::ReduceMean, {x}, {mean_out}, over); !s)
    return s;
  auto centered = mean ? node(c, OpKind::Sub, {x, *mean}, y + ".centered") : mean;
  auto squared = centered ? node(c, OpKind::Mul, {*centered, *centered}, y + ".squared") : centered;
  auto var = squared ? node(c, OpKind::ReduceMean, {*squared}, y + ".var", over) : squared;
  if (!var) return var.error();
  std::string eps = c.param(y + ".epsilon", {}, {c.float_attr(n, "epsilon", 1e-5f)});
  auto padded = node(c, OpKind::Add, {*var, eps}, y + ".var_eps");
  auto deviation = padded ? node(c, OpKind::Sqrt, {*padded}, y + ".std") : padded;
  if (!deviation) return deviation.error();
  if (!inv_out.empty())
    if (Status s = c.emit(OpKind::Reciprocal, {*deviation}, {inv_out}); !s) return s;
  std::string last = scale.empty() && bias.empty() ? y : c.fresh(y + ".normalized");
  if (Status s = c.emit(OpKind::Div, {*centered, *deviation}, {last}); !s) return s;
  if (!scale.empty()) {
    std::string out = bias.empty() ? y : c.fresh(y + ".scaled");
    if (Status s = c.emit(OpKind::Mul, {last, scale}, {out}); !s) return s;
    last = out;
  }
  if (!bias.empty()) return c.emit(OpKind::Add, {last, bias}, {y});
  return Status::ok();
}

Status convert_layer_norm(Converter& c, const Node& n) {
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  int64_t rank = static_cast<int64_t>(shape->size()), axis = c.int_attr(n, "axis", -1);
  if (axis < -rank || axis >= rank) return c.fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  Dims axes;
  for (int64_t d = axis; d < rank; ++d) axes.push_back(d);
  return normalize(c, n, axes, c.input(n, 1), c.input(n, 2));
}

Status convert_instance_norm(Converter& c, const Node& n) {
  auto shape = c.shape_of(c.input(n, 0));
  if (!shape) return shape.error();
  if (shape->size() < 3) return c.fail("X must have rank >= 3 ([N, C, d1, ...])");
  int64_t C = (*shape)[1];
  auto scale = channel_input(c, n, 1, "InstanceNormalization's scale", C, shape->size());
  if (!scale) return scale.error();
  auto bias = channel_input(c, n, 2, "InstanceNormalization's bias", C, shape->size());
  if (!bias) return bias.error();
  Dims axes;
  for (size_t d = 2; d < shape->size(); ++d) axes.push_back(static_cast<int64_t>(d));
  return normalize(c, n, axes, *scale, *bias);
}
}  // namespace

bool is_normalization(const std::string& op) {
  return op == "BatchNormalization" || op == "LayerNormalization" || op == "InstanceNormalization";
}

Status convert_normalization(Converter& c, const Node& n) {
  if (c.input(n, 0).empty()) return c.fail("its input is missing");
  if (n.op_type == "BatchNormalization") return convert_batch_norm(c, n);
  if (n.op_type == "LayerNormalization") return convert_layer_norm(c, n);
  return convert_instance_norm(c, n);
}

}  // namespace njc::onnx
