// Constant folding of the ONNX shape subgraphs (onnx_constants.h). Every fold that moves elements computes
// the source index of each result element and hands it to take(), so the float and integer cases share it.
#include "frontend/onnx_constants.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "frontend/onnx_model.h"
#include "ir/slice_range.h"

namespace njc::onnx {

namespace {
constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// Elements of dims, or -1 if negative or above the folding limit.
int64_t count_of(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d != 0 && n > kMaxFoldedElements / d)) return -1;
    n *= d;
  }
  return n;
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

Constant take(const Constant& src, std::vector<int64_t> dims, const std::vector<int64_t>& from) {
  Constant out;
  out.dims = std::move(dims);
  out.is_float = src.is_float;
  for (int64_t i : from) {
    if (src.is_float)
      out.floats.push_back(src.floats[static_cast<size_t>(i)]);
    else
      out.ints.push_back(src.ints[static_cast<size_t>(i)]);
  }
  return out;
}

std::optional<int64_t> axis_in(int64_t axis, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) return std::nullopt;
  return axis < 0 ? axis + r : axis;
}

// For each element of `out` (row-major), the flat index of the element of `in` that numpy broadcasting
// reads; `in` is right-aligned against out.
std::vector<int64_t> broadcast_sources(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  std::vector<int64_t> in_strides = strides_of(in), out_strides = strides_of(out);
  int64_t n = count_of(out);
  std::vector<int64_t> from(static_cast<size_t>(std::max<int64_t>(n, 0)));
  size_t offset = out.size() - in.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t k = 0; k < in.size(); ++k) {
      int64_t coord = (i / out_strides[k + offset]) % out[k + offset];
      if (in[k] != 1) src += coord * in_strides[k];
    }
    from[static_cast<size_t>(i)] = src;
  }
  return from;
}

std::variant<std::vector<int64_t>, std::string> broadcast_dims(const std::vector<int64_t>& a,
                                                               const std::vector<int64_t>& b) {
  std::vector<int64_t> out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (x != y && x != 1 && y != 1)
      return "shapes " + dims_text(a) + " and " + dims_text(b) + " do not broadcast";
    out[i] = x == 1 ? y : x;
  }
  return out;
}
}  // namespace

int64_t Constant::size() const {
  return is_float ? static_cast<int64_t>(floats.size()) : static_cast<int64_t>(ints.size());
}

Constant Constant::of_ints(std::vector<int64_t> dims, std::vector<int64_t> values) {
  Constant c;
  c.dims = std::move(dims);
  c.ints = std::move(values);
  return c;
}

Constant Constant::of_floats(std::vector<int64_t> dims, std::vector<float> values) {
  Constant c;
  c.dims = std::move(dims);
  c.is_float = true;
  c.floats = std::move(values);
  return c;
}

std::vector<int64_t> as_ints(const Constant& c) {
  if (!c.is_float) return c.ints;
  std::vector<int64_t> out;
  for (float f : c.floats) out.push_back(static_cast<int64_t>(f));
  return out;
}

Constant with_dims(Constant c, std::vector<int64_t> dims) {
  c.dims = std::move(dims);
  return c;
}

std::variant<std::vector<int64_t>, std::string> unsqueeze_dims(const std::vector<int64_t>& dims,
                                                               const std::vector<int64_t>& axes) {
  size_t rank = dims.size() + axes.size();
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    auto axis = axis_in(a, rank);
    if (!axis || inserted[static_cast<size_t>(*axis)])
      return "axes " + dims_text(axes) + " are out of range or repeated for a rank-" + std::to_string(rank) +
             " result";
    inserted[static_cast<size_t>(*axis)] = true;
  }
  std::vector<int64_t> out;
  size_t next = 0;
  for (size_t i = 0; i < rank; ++i) out.push_back(inserted[i] ? 1 : dims[next++]);
  return out;
}

std::variant<std::vector<int64_t>, std::string> squeeze_dims(const std::vector<int64_t>& dims,
                                                             const std::vector<int64_t>* axes) {
  std::vector<bool> drop(dims.size(), false);
  if (!axes) {
    for (size_t i = 0; i < dims.size(); ++i) drop[i] = dims[i] == 1;
  } else {
    for (int64_t a : *axes) {
      auto axis = axis_in(a, dims.size());
      if (!axis || dims[static_cast<size_t>(*axis)] != 1)
        return "axis " + std::to_string(a) + " is not an axis of extent 1 of " + dims_text(dims);
      drop[static_cast<size_t>(*axis)] = true;
    }
  }
  std::vector<int64_t> out;
  for (size_t i = 0; i < dims.size(); ++i)
    if (!drop[i]) out.push_back(dims[i]);
  return out;
}

std::variant<std::vector<int64_t>, std::string> reshape_dims(const std::vector<int64_t>& dims,
                                                             const std::vector<int64_t>& shape,
                                                             bool allowzero) {
  int64_t total = count_of(dims), known = 1;
  std::vector<int64_t> out = shape;
  int infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0 && !allowzero) {
      if (i >= dims.size()) return "shape " + dims_text(shape) + " copies a dimension the input lacks";
      out[i] = dims[i];
    }
    if (out[i] == -1) {
      if (infer >= 0) return "shape " + dims_text(shape) + " has two -1";
      infer = static_cast<int>(i);
      continue;
    }
    if (out[i] < 0) return "shape " + dims_text(shape) + " has a negative extent";
    known *= out[i];
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      return "cannot reshape " + dims_text(dims) + " to " + dims_text(shape);
    out[static_cast<size_t>(infer)] = total / known;
  } else if (known != total) {
    return "cannot reshape " + dims_text(dims) + " to " + dims_text(shape);
  }
  return out;
}

Folded fold_shape(const std::vector<int64_t>& dims, int64_t start, int64_t end) {
  int64_t r = static_cast<int64_t>(dims.size());
  start = std::clamp<int64_t>(start < 0 ? start + r : start, 0, r);
  end = std::clamp<int64_t>(end < 0 ? end + r : end, 0, r);
  std::vector<int64_t> v;
  for (int64_t i = start; i < end; ++i) v.push_back(dims[static_cast<size_t>(i)]);
  int64_t n = static_cast<int64_t>(v.size());
  return Constant::of_ints({n}, std::move(v));
}

Folded fold_gather(const Constant& data, const Constant& indices, int64_t axis_attr) {
  auto axis = axis_in(axis_attr, data.dims.size());
  if (!axis) return "axis " + std::to_string(axis_attr) + " is out of range for " + dims_text(data.dims);
  size_t a = static_cast<size_t>(*axis);
  int64_t extent = data.dims[a];
  std::vector<int64_t> idx = as_ints(indices);
  for (int64_t& i : idx) {
    if (i < -extent || i >= extent) return "index " + std::to_string(i) + " is out of range";
    if (i < 0) i += extent;
  }
  std::vector<int64_t> dims(data.dims.begin(), data.dims.begin() + static_cast<long>(a));
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + static_cast<long>(a) + 1, data.dims.end());
  if (count_of(dims) < 0) return "the result is too large to fold";
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < a; ++i) outer *= data.dims[i];
  for (size_t i = a + 1; i < data.dims.size(); ++i) inner *= data.dims[i];
  std::vector<int64_t> from;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx)
      for (int64_t k = 0; k < inner; ++k) from.push_back((o * extent + i) * inner + k);
  return take(data, dims, from);
}

Folded fold_concat(const std::vector<const Constant*>& parts, int64_t axis_attr) {
  const Constant& first = *parts.at(0);
  auto axis = axis_in(axis_attr, first.dims.size());
  if (!axis) return "axis " + std::to_string(axis_attr) + " is out of range for " + dims_text(first.dims);
  size_t a = static_cast<size_t>(*axis);
  Constant out;
  out.dims = first.dims;
  out.dims[a] = 0;
  out.is_float = first.is_float;
  for (const Constant* p : parts) {
    if (p->dims.size() != first.dims.size() || p->is_float != first.is_float)
      return "inputs of different ranks or types";
    for (size_t k = 0; k < first.dims.size(); ++k)
      if (k != a && p->dims[k] != first.dims[k]) return "inputs whose shapes differ off the axis";
    out.dims[a] += p->dims[a];
  }
  int64_t outer = 1;
  for (size_t i = 0; i < a; ++i) outer *= first.dims[i];
  for (int64_t o = 0; o < outer; ++o)
    for (const Constant* p : parts) {
      int64_t block = p->size() / std::max<int64_t>(outer, 1);
      for (int64_t k = 0; k < block; ++k) {
        size_t i = static_cast<size_t>(o * block + k);
        if (out.is_float)
          out.floats.push_back(p->floats[i]);
        else
          out.ints.push_back(p->ints[i]);
      }
    }
  return out;
}

Folded fold_constant_of_shape(const Constant& shape, const Constant* value) {
  std::vector<int64_t> dims = as_ints(shape);
  int64_t n = count_of(dims);
  if (n < 0) return "shape " + dims_text(dims) + " is negative or too large to fold";
  if (value && value->size() != 1) return "its value must hold one element";
  if (!value || value->is_float)
    return Constant::of_floats(dims,
                               std::vector<float>(static_cast<size_t>(n), value ? value->floats[0] : 0.f));
  return Constant::of_ints(dims, std::vector<int64_t>(static_cast<size_t>(n), value->ints[0]));
}

Folded fold_cast(const Constant& x, int32_t to) {
  if (to == kFloat || to == kDouble) {
    Constant out = Constant::of_floats(x.dims, {});
    for (size_t i = 0; i < static_cast<size_t>(x.size()); ++i)
      out.floats.push_back(static_cast<float>(x.value(i)));
    return out;
  }
  if (to == kFloat16 || to == kString || to < kUint8 || to > kUint64)
    return "a cast to " + data_type_name(to) + " is not supported";
  Constant out = Constant::of_ints(x.dims, {});
  for (size_t i = 0; i < static_cast<size_t>(x.size()); ++i) {
    double v = x.value(i);
    if (std::isnan(v) || std::abs(v) > 9.2e18) return "a value does not fit " + data_type_name(to);
    out.ints.push_back(to == kBool ? (v != 0) : static_cast<int64_t>(v));
  }
  return out;
}

Folded fold_range(const Constant& start, const Constant& limit, const Constant& delta) {
  if (start.size() != 1 || limit.size() != 1 || delta.size() != 1)
    return "start, limit and delta must be scalars";
  double s = start.value(0), l = limit.value(0), d = delta.value(0);
  if (d == 0) return "delta is 0";
  double n = std::max(std::ceil((l - s) / d), 0.0);
  if (n > static_cast<double>(kMaxFoldedElements)) return "the range is too long to fold";
  Constant out;
  out.is_float = start.is_float;
  out.dims = {static_cast<int64_t>(n)};
  for (int64_t i = 0; i < out.dims[0]; ++i) {
    if (out.is_float)
      out.floats.push_back(static_cast<float>(s + static_cast<double>(i) * d));
    else
      out.ints.push_back(start.ints[0] + i * delta.ints[0]);
  }
  return out;
}

Folded fold_slice(const Constant& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                  const std::vector<int64_t>& axes_in, const std::vector<int64_t>& steps_in) {
  size_t rank = x.dims.size();
  if (starts.size() != ends.size()) return "starts and ends differ in length";
  std::vector<int64_t> first(rank, 0), step(rank, 1), dims = x.dims;
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = axes_in.empty() ? static_cast<int64_t>(k) : axes_in.at(k);
    auto axis = axis_in(a, rank);
    if (!axis) return "axis " + std::to_string(a) + " is out of range";
    int64_t st = steps_in.empty() ? 1 : steps_in.at(k);
    if (st == 0) return "a step is 0";
    size_t i = static_cast<size_t>(*axis);
    SliceRange r = slice_range(starts[k], ends[k], st, x.dims[i]);
    first[i] = r.start;
    step[i] = r.step;
    dims[i] = r.count;
  }
  std::vector<int64_t> in_strides = strides_of(x.dims), out_strides = strides_of(dims), from;
  int64_t n = count_of(dims);
  for (int64_t e = 0; e < n; ++e) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k)
      src += (first[k] + ((e / out_strides[k]) % dims[k]) * step[k]) * in_strides[k];
    from.push_back(src);
  }
  return take(x, dims, from);
}

Folded fold_expand(const Constant& x, const std::vector<int64_t>& shape) {
  auto dims = broadcast_dims(x.dims, shape);
  if (auto* why = std::get_if<std::string>(&dims)) return *why;
  auto& out = std::get<std::vector<int64_t>>(dims);
  if (count_of(out) < 0) return "the result is too large to fold";
  return take(x, out, broadcast_sources(x.dims, out));
}

Folded fold_transpose(const Constant& x, const std::vector<int64_t>& perm_in) {
  size_t rank = x.dims.size();
  std::vector<int64_t> perm = perm_in;
  if (perm.empty())
    for (size_t i = rank; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  if (perm.size() != rank) return "perm has the wrong length";
  std::vector<int64_t> dims, in_strides = strides_of(x.dims);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank)) return "perm is out of range";
    dims.push_back(x.dims[static_cast<size_t>(p)]);
  }
  std::vector<int64_t> out_strides = strides_of(dims), from;
  for (int64_t e = 0; e < count_of(dims); ++e) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k)
      src += ((e / out_strides[k]) % dims[k]) * in_strides[static_cast<size_t>(perm[k])];
    from.push_back(src);
  }
  return take(x, dims, from);
}

Folded fold_arithmetic(const std::string& op, const Constant& a, const Constant& b) {
  if (a.is_float != b.is_float) return "operands of different types";
  auto dims = broadcast_dims(a.dims, b.dims);
  if (auto* why = std::get_if<std::string>(&dims)) return *why;
  auto& out_dims = std::get<std::vector<int64_t>>(dims);
  if (count_of(out_dims) < 0) return "the result is too large to fold";
  std::vector<int64_t> ia = broadcast_sources(a.dims, out_dims), ib = broadcast_sources(b.dims, out_dims);
  Constant out;
  out.dims = out_dims;
  out.is_float = a.is_float;
  for (size_t i = 0; i < ia.size(); ++i) {
    size_t x = static_cast<size_t>(ia[i]), y = static_cast<size_t>(ib[i]);
    if (a.is_float) {
      float u = a.floats[x], v = b.floats[y];
      out.floats.push_back(op == "Add" ? u + v : op == "Sub" ? u - v : op == "Mul" ? u * v : u / v);
    } else {
      int64_t u = a.ints[x], v = b.ints[y];
      if (op == "Div" && v == 0) return "an integer division by zero";
      out.ints.push_back(op == "Add" ? u + v : op == "Sub" ? u - v : op == "Mul" ? u * v : u / v);
    }
  }
  return out;
}

}  // namespace njc::onnx
