// Reference semantics of the data-movement ops: Concat, Slice and Transpose (Reshape is a copy).
#include "ir/reference_ops.h"
#include "ir/shape_inference.h"
#include "ir/slice_range.h"

namespace njc::reference {

namespace {
// Calls fn(out_flat, in_offset) for every output element of a strided view of the input.
template <class F>
void for_each_strided(const Shape& shape, const std::vector<int64_t>& strides, int64_t base, F&& fn) {
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t total = num_elements(shape), off = base;
  for (int64_t i = 0; i < total; ++i) {
    fn(i, off);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}
}  // namespace

Tensor concat(const Node& n, const Inputs& in, const Shape& shape) {
  int64_t axis = *normalize_axis(attr_int(n, "axis", 0), static_cast<int64_t>(shape.size()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  Tensor out(shape);
  float* dst = out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor* t : in) {
      int64_t chunk = t->shape[static_cast<size_t>(axis)] * inner;
      const float* src = t->data.data() + o * chunk;
      dst = std::copy(src, src + chunk, dst);
    }
  return out;
}

Tensor slice(const Node& n, const Tensor& x, const Shape& shape) {
  auto starts = *attr_ints(n, "starts"), ends = *attr_ints(n, "ends");
  std::vector<int64_t> axes = attr_ints(n, "axes").value_or(std::vector<int64_t>{});
  if (!n.attrs.count("axes"))
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> steps = attr_ints(n, "steps").value_or(std::vector<int64_t>(starts.size(), 1));
  std::vector<int64_t> own = row_major_strides(x.shape), strides = own;
  int64_t base = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t axis = static_cast<size_t>(*normalize_axis(axes[i], static_cast<int64_t>(x.shape.size())));
    SliceRange r = slice_range(starts[i], ends[i], steps[i], x.shape[axis]);
    base += r.start * own[axis];
    strides[axis] = own[axis] * r.step;
  }
  Tensor out(shape);
  for_each_strided(shape, strides, base, [&](int64_t i, int64_t off) {
    out.data[static_cast<size_t>(i)] = x.data[static_cast<size_t>(off)];
  });
  return out;
}

Tensor transpose(const Node& n, const Tensor& x, const Shape& shape) {
  std::vector<int64_t> perm = attr_ints(n, "perm").value_or(std::vector<int64_t>{});
  if (!n.attrs.count("perm"))
    for (size_t i = x.shape.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> own = row_major_strides(x.shape), strides;
  for (int64_t p : perm) strides.push_back(own[static_cast<size_t>(p)]);
  Tensor out(shape);
  for_each_strided(shape, strides, 0, [&](int64_t i, int64_t off) {
    out.data[static_cast<size_t>(i)] = x.data[static_cast<size_t>(off)];
  });
  return out;
}

}  // namespace njc::reference
