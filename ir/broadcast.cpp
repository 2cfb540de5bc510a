// Numpy broadcasting rules (right-aligned dimensions; 1 stretches).
#include "ir/broadcast.h"

#include "ir/assert.h"

namespace njc {

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const Shape& from, const Shape& to) {
  NJC_ASSERT(from.size() <= to.size(), "broadcast to a lower rank");
  std::vector<int64_t> own = row_major_strides(from);
  std::vector<int64_t> strides(to.size(), 0);
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    NJC_ASSERT(from[i] == to[i + offset] || from[i] == 1, "shape does not broadcast");
    strides[i + offset] = from[i] == 1 ? 0 : own[i];
  }
  return strides;
}

}  // namespace njc
