// ONNX Conv padding rules restricted to one spatial dimension.
#include "ir/conv_geometry.h"

namespace njc {

namespace {
std::optional<int64_t> single(const Node& n, const char* name, int64_t dflt, size_t expect,
                              std::string* error) {
  auto v = attr_ints(n, name);
  if (!v) return dflt;
  if (v->size() != expect) {
    *error = std::string("'") + name + "' must have " + std::to_string(expect) + " entries for a 1-D Conv";
    return std::nullopt;
  }
  return (*v)[0];
}
}  // namespace

std::optional<Conv1dGeometry> conv1d_geometry(const Node& n, const Shape& x, const Shape& w,
                                              std::string* error, std::string* attr) {
  Conv1dGeometry g{};
  auto bad = [&](const char* a, std::string msg) {
    *attr = a;
    *error = std::move(msg);
    return std::nullopt;
  };
  g.batch = x[0], g.in_channels = x[1], g.length = x[2];
  g.out_channels = w[0], g.kernel = w[2];
  g.group = attr_int(n, "group", 1);
  if (g.group < 1) return bad("group", "group must be >= 1");
  if (g.in_channels != w[1] * g.group || g.out_channels % g.group != 0)
    return bad("group", "input has " + std::to_string(g.in_channels) + " channels but W " + "expects " +
                            std::to_string(w[1]) + " per group times " + std::to_string(g.group) +
                            " groups (and " + std::to_string(g.out_channels) +
                            " outputs must divide by group)");
  if (auto k = attr_ints(n, "kernel_shape"); k && (k->size() != 1 || (*k)[0] != g.kernel))
    return bad("kernel_shape", "kernel_shape does not match W's kernel size " + std::to_string(g.kernel));
  std::string e;
  auto stride = single(n, "strides", 1, 1, &e);
  if (!stride) return bad("strides", e);
  auto dilation = single(n, "dilations", 1, 1, &e);
  if (!dilation) return bad("dilations", e);
  g.stride = *stride, g.dilation = *dilation;
  // Every attribute is at most 2^28 (the largest tensor dimension), so no product below can overflow.
  if (g.stride < 1 || g.stride > kMaxTensorElements) return bad("strides", "strides must be between 1 and 2^28");
  if (g.dilation < 1 || g.dilation > kMaxTensorElements)
    return bad("dilations", "dilations must be between 1 and 2^28");
  std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  int64_t span = g.dilation * (g.kernel - 1) + 1;
  if (auto_pad == "NOTSET") {
    auto pads = attr_ints(n, "pads").value_or(std::vector<int64_t>{0, 0});
    if (pads.size() != 2) return bad("pads", "'pads' must have 2 entries (begin, end) for a 1-D Conv");
    if (pads[0] < 0 || pads[1] < 0 || pads[0] > kMaxTensorElements || pads[1] > kMaxTensorElements)
      return bad("pads", "pads must be between 0 and 2^28");
    g.pad_begin = pads[0], g.pad_end = pads[1];
  } else if (auto_pad == "VALID") {
    g.pad_begin = g.pad_end = 0;
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    int64_t out = (g.length + g.stride - 1) / g.stride;
    int64_t total = std::max<int64_t>(0, (out - 1) * g.stride + span - g.length);
    int64_t small = total / 2;
    g.pad_begin = auto_pad == "SAME_UPPER" ? small : total - small;
    g.pad_end = total - g.pad_begin;
  } else {
    return bad("auto_pad", "auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  int64_t padded = g.length + g.pad_begin + g.pad_end;
  if (padded < span) return bad("kernel_shape", "the kernel is longer than the padded input");
  g.out_length = (padded - span) / g.stride + 1;
  return g;
}

}  // namespace njc
