// RTNeural's streaming Conv2D (Keras layout) as njc's conv1d_stream: time is the streamed axis, and the
// convolution over features (stride, valid/same padding) is folded into a banded weight matrix over the
// flattened frame, so a frame of F features x C filters is one conv1d_stream input of F*C channels.
#pragma once

#include <vector>

#include "frontend/rtneural_builder.h"

namespace njc::rtneural {

struct Conv2dGeometry {
  int64_t features = 0, filters_in = 0, filters_out = 0;
  int64_t kernel_time = 0, kernel_feature = 0, stride = 1;
  int64_t features_out = 0;  // valid: (F - kf) / stride + 1; same: ceil(F / stride)
  int64_t pad_left = 0;      // same: TensorFlow's floor(total padding / 2); valid: 0
};

// The geometry of a conv2d over F features with the given kernel, stride and padding ("valid" or "same").
// features_out < 1 means the kernel does not fit.
Conv2dGeometry conv2d_geometry(int64_t features, int64_t filters_in, int64_t filters_out, int64_t kernel_time,
                               int64_t kernel_feature, int64_t stride, bool same);

// Keras kernel w [kt][kf][C][M] -> conv1d_stream weight [F'*M][F*C][kt] over frames laid out feature-major
// (index f*C + c): W[f'*M + m][f*C + c][t] = w[t][f - f'*stride + pad_left][c][m] where that index is in the
// kernel, else 0. Time tap t = 0 meets the oldest frame, as Keras's cross-correlation does.
std::vector<double> conv2d_as_conv1d_weight(const Array& w, const Conv2dGeometry& g);

// A per-filter vector (bias, batchnorm parameters) repeated for each of `features` positions.
std::vector<double> per_feature(const std::vector<double>& per_filter, int64_t features);

}  // namespace njc::rtneural
