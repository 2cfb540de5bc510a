// Numpy (multidirectional) broadcasting of shapes and of element indices, as ONNX defines it.
#pragma once

#include <optional>

#include "ir/tensor.h"

namespace njc {

// The broadcast shape of a and b, or nothing if a dimension pair is neither equal nor 1.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b);

// Strides to read a tensor of shape `from` as if it had the broadcast shape `to` (stride 0 on the
// broadcast dimensions). `from` must broadcast to `to`.
std::vector<int64_t> broadcast_strides(const Shape& from, const Shape& to);

}  // namespace njc
