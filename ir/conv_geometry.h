// 1-D convolution geometry (ONNX Conv on [N, C, L]): padding from auto_pad or pads, output length.
// Shared by shape inference and the interpreter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ir/graph.h"

namespace njc {

struct Conv1dGeometry {
  int64_t batch, in_channels, length;
  int64_t out_channels, kernel, group;
  int64_t stride, dilation, pad_begin, pad_end;
  int64_t out_length;
};

// Computes the geometry of a Conv node from its X and W shapes. Returns an error message (and the
// attribute it concerns in *attr) instead when the attributes are inconsistent.
std::optional<Conv1dGeometry> conv1d_geometry(const Node& n, const Shape& x, const Shape& w,
                                              std::string* error, std::string* attr);

}  // namespace njc
