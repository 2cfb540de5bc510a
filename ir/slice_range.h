// ONNX Slice index arithmetic for one axis: clamps start/end as the spec says and counts the elements.
// Shared by shape inference and the interpreter so both agree on every edge case.
#pragma once

#include <algorithm>
#include <cstdint>

namespace njc {

struct SliceRange {
  int64_t start;  // first index read
  int64_t step;
  int64_t count;  // elements in the result along this axis
};

inline SliceRange slice_range(int64_t start, int64_t end, int64_t step, int64_t dim) {
  // Negative indices count from the end; anything before the first element becomes -1.
  int64_t s = start < 0 ? std::max<int64_t>(start + dim, -1) : start;
  int64_t e = end < 0 ? std::max<int64_t>(end + dim, -1) : end;
  int64_t count;
  if (step > 0) {
    s = std::clamp<int64_t>(s, 0, dim);
    e = std::clamp<int64_t>(e, 0, dim);
    count = e > s ? (e - s + step - 1) / step : 0;
  } else {
    s = std::clamp<int64_t>(s, 0, dim - 1);
    e = std::clamp<int64_t>(e, -1, dim - 1);
    count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
  }
  return SliceRange{s, step, count};
}

}  // namespace njc
