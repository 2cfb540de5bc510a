// Shapes and dense fp32 tensors: the values the graph IR computes on and the interpreter stores.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace njc {

using Shape = std::vector<int64_t>;

// The largest tensor njc accepts anywhere (declared or computed): 2^28 fp32 values, 1 GiB. Networks that
// run every frame are many orders of magnitude smaller; the limit keeps a typo from exhausting memory.
constexpr int64_t kMaxTensorElements = int64_t{1} << 28;
// The highest rank njc accepts anywhere (declared or computed). ONNX models stay below 8; lowering builds
// one loop per dimension, so a hostile shape of rank 100,000 would otherwise nest loops that deep.
constexpr size_t kMaxRank = 32;

// Checks every dimension is >= 0 and the element count is at most kMaxTensorElements, without overflow.
bool shape_within_limits(const Shape& shape);

// Number of elements of a shape; the empty shape is a scalar with one element.
int64_t num_elements(const Shape& shape);

// "[1, 64]" — the spelling used by every text form and diagnostic.
std::string shape_to_string(const Shape& shape);

// Row-major strides of a shape (elements, not bytes).
std::vector<int64_t> row_major_strides(const Shape& shape);

struct Tensor {
  Shape shape;
  std::vector<float> data;  // row-major, num_elements(shape) values

  Tensor() = default;
  explicit Tensor(Shape s, float fill = 0.0f) : shape(std::move(s)), data(num_elements(shape), fill) {}
  Tensor(Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}
  int64_t size() const { return static_cast<int64_t>(data.size()); }
};

}  // namespace njc
