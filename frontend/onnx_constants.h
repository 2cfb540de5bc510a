// Import-time constant folding for the ONNX importer: the integer and float tensors an ONNX graph computes
// from constants and known shapes (Shape, Gather, Unsqueeze, Squeeze, Concat, ConstantOfShape, Cast, Range,
// Slice, Expand, Reshape, integer arithmetic). torch.onnx.export wraps recurrent ops and reshapes in such
// subgraphs; folding them leaves only the fp32 ops njc runs. Each fold is a pure function that returns the
// result or an error message (the importer adds the node's name).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace njc::onnx {

// A tensor known at import time: floats (fp32, as njc computes) or integers (every ONNX integer type and
// bool).
struct Constant {
  std::vector<int64_t> dims;
  bool is_float = false;
  std::vector<float> floats;
  std::vector<int64_t> ints;

  int64_t size() const;
  double value(size_t i) const { return is_float ? floats[i] : static_cast<double>(ints[i]); }
  static Constant of_ints(std::vector<int64_t> dims, std::vector<int64_t> values);
  static Constant of_floats(std::vector<int64_t> dims, std::vector<float> values);
};

// A fold's result: the constant, or why it cannot be folded.
using Folded = std::variant<Constant, std::string>;

// The constant's values as integers (floats truncated), for inputs that ONNX passes as int64 tensors.
std::vector<int64_t> as_ints(const Constant& c);

// Result shapes of the shape-only ops, shared with their runtime forms (which become Reshape).
std::variant<std::vector<int64_t>, std::string> unsqueeze_dims(const std::vector<int64_t>& dims,
                                                               const std::vector<int64_t>& axes);
std::variant<std::vector<int64_t>, std::string> squeeze_dims(const std::vector<int64_t>& dims,
                                                             const std::vector<int64_t>* axes);
std::variant<std::vector<int64_t>, std::string> reshape_dims(const std::vector<int64_t>& dims,
                                                             const std::vector<int64_t>& shape,
                                                             bool allowzero);

Folded fold_shape(const std::vector<int64_t>& dims, int64_t start, int64_t end);
Folded fold_gather(const Constant& data, const Constant& indices, int64_t axis);
Folded fold_concat(const std::vector<const Constant*>& parts, int64_t axis);
Folded fold_constant_of_shape(const Constant& shape, const Constant* value);
Folded fold_cast(const Constant& x, int32_t to);
Folded fold_range(const Constant& start, const Constant& limit, const Constant& delta);
Folded fold_slice(const Constant& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                  const std::vector<int64_t>& axes, const std::vector<int64_t>& steps);
Folded fold_expand(const Constant& x, const std::vector<int64_t>& shape);
Folded fold_transpose(const Constant& x, const std::vector<int64_t>& perm);
// Elementwise Add, Sub, Mul, Div (integer division truncates as ONNX's does) with numpy broadcasting.
Folded fold_arithmetic(const std::string& op, const Constant& a, const Constant& b);
// The same constant with new dims (same element count).
Constant with_dims(Constant c, std::vector<int64_t> dims);

}  // namespace njc::onnx
