// Reference semantics of Conv on [N, C, L] inputs (1-D; groups, strides, dilations, pads).
#include "ir/conv_geometry.h"
#include "ir/reference_ops.h"

namespace njc::reference {

Tensor conv1d(const Node& n, const Inputs& in, const Shape& shape) {
  const Tensor& x = *in[0];
  const Tensor& w = *in[1];
  const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
  std::string error, attr;
  Conv1dGeometry g = *conv1d_geometry(n, x.shape, w.shape, &error, &attr);
  int64_t cin_per_group = w.shape[1], cout_per_group = g.out_channels / g.group;
  Tensor out(shape);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t m = 0; m < g.out_channels; ++m) {
      int64_t group = m / cout_per_group;
      for (int64_t t = 0; t < g.out_length; ++t) {
        double acc = bias ? bias->data[static_cast<size_t>(m)] : 0.0;
        for (int64_t c = 0; c < cin_per_group; ++c)
          for (int64_t k = 0; k < g.kernel; ++k) {
            int64_t pos = t * g.stride + k * g.dilation - g.pad_begin;
            if (pos < 0 || pos >= g.length) continue;
            int64_t ci = group * cin_per_group + c;
            acc +=
                static_cast<double>(x.data[static_cast<size_t>((b * g.in_channels + ci) * g.length + pos)]) *
                w.data[static_cast<size_t>((m * cin_per_group + c) * g.kernel + k)];
          }
        out.data[static_cast<size_t>((b * g.out_channels + m) * g.out_length + t)] = static_cast<float>(acc);
      }
    }
  return out;
}

}  // namespace njc::reference
