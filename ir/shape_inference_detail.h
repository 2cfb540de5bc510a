// Helpers shared by the shape-inference files (not part of the public interface).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "ir/diag.h"
#include "ir/graph.h"
#include "ir/slice_range.h"

namespace njc {

Expected<std::vector<Shape>> infer_conv(const Node& n, const std::vector<const Shape*>& in);
Expected<std::vector<Shape>> infer_recurrent(const Node& n, const std::vector<const Shape*>& in);

namespace shape_detail {
using Ins = std::vector<const Shape*>;

// A user error located relative to the node being checked.
inline Diag fail(std::string sub_pointer, std::string message) {
  Diag d;
  d.pointer = std::move(sub_pointer);
  d.message = std::move(message);
  return d;
}

inline std::string arity_text(int lo, int hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi);
}
}  // namespace shape_detail
}  // namespace njc
