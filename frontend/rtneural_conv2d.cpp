// Banded weights that turn a streaming Conv2D (time x features) into a conv1d_stream over flattened frames.
#include "frontend/rtneural_conv2d.h"

#include <algorithm>

namespace njc::rtneural {

Conv2dGeometry conv2d_geometry(int64_t features, int64_t filters_in, int64_t filters_out, int64_t kernel_time,
                               int64_t kernel_feature, int64_t stride, bool same) {
  Conv2dGeometry g{features, filters_in, filters_out, kernel_time, kernel_feature, stride, 0, 0};
  if (same) {
    g.features_out = (features + stride - 1) / stride;
    g.pad_left = std::max<int64_t>((g.features_out - 1) * stride + kernel_feature - features, 0) / 2;
  } else {
    g.features_out = features >= kernel_feature ? (features - kernel_feature) / stride + 1 : 0;
  }
  return g;
}

std::vector<double> conv2d_as_conv1d_weight(const Array& w, const Conv2dGeometry& g) {
  int64_t in = g.features * g.filters_in, out = g.features_out * g.filters_out, kt = g.kernel_time;
  std::vector<double> big(static_cast<size_t>(out * in * kt), 0.0);
  auto kernel = [&](int64_t t, int64_t j, int64_t c, int64_t m) {
    return w.v[static_cast<size_t>(((t * g.kernel_feature + j) * g.filters_in + c) * g.filters_out + m)];
  };
  for (int64_t fo = 0; fo < g.features_out; ++fo)
    for (int64_t j = 0; j < g.kernel_feature; ++j) {
      int64_t f = fo * g.stride - g.pad_left + j;
      if (f < 0 || f >= g.features) continue;  // the zero padding
      for (int64_t m = 0; m < g.filters_out; ++m)
        for (int64_t c = 0; c < g.filters_in; ++c)
          for (int64_t t = 0; t < kt; ++t)
            big[static_cast<size_t>(((fo * g.filters_out + m) * in + f * g.filters_in + c) * kt + t)] =
                kernel(t, j, c, m);
    }
  return big;
}

std::vector<double> per_feature(const std::vector<double>& per_filter, int64_t features) {
  std::vector<double> out;
  for (int64_t f = 0; f < features; ++f) out.insert(out.end(), per_filter.begin(), per_filter.end());
  return out;
}

}  // namespace njc::rtneural
