// Shape rules of the elementwise, linear-algebra, shape-manipulation and reduction ops (ONNX semantics).
// Convolution and recurrent ops are in shape_inference_seq.cpp.
#include "ir/shape_inference.h"

#include <algorithm>
#include <set>

#include "ir/broadcast.h"
#include "ir/shape_inference_detail.h"

namespace njc {

using namespace shape_detail;

std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

Status check_attributes(const Node& n) {
  for (const auto& [name, value] : n.attrs) {
    auto kind = declared_attr_kind(n.op, name);
    if (!kind) {
      std::string known;
      for (auto a : declared_attr_names(n.op)) known += (known.empty() ? "" : ", ") + std::string(a);
      return fail("/attributes/" + name,
                  "unknown attribute '" + name + "' for " + std::string(op_info(n.op).name) +
                      (known.empty() ? " (it takes none)" : " (it takes: " + known + ")"));
    }
    if (attr_kind_of(value) != *kind)
      return fail("/attributes/" + name,
                  "attribute '" + name + "' must be " + std::string(attr_kind_name(*kind)));
  }
  return Status::ok();
}

namespace {

Expected<std::vector<Shape>> infer_binary(const Node& n, const Ins& in) {
  auto out = broadcast_shapes(*in[0], *in[1]);
  if (!out)
    return fail("", "operand shapes " + shape_to_string(*in[0]) + " and " + shape_to_string(*in[1]) +
                        " do not broadcast");
  (void)n;
  return std::vector<Shape>{*out};
}

Expected<std::vector<Shape>> infer_gemm(const Node& n, const Ins& in) {
  const Shape& a = *in[0];
  const Shape& b = *in[1];
  if (a.size() != 2) return fail("/inputs/0", "Gemm input A must be 2-D, got " + shape_to_string(a));
  if (b.size() != 2) return fail("/inputs/1", "Gemm input B must be 2-D, got " + shape_to_string(b));
  bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  int64_t kb = tb ? b[1] : b[0], nn = tb ? b[0] : b[1];
  if (k != kb)
    return fail("/inputs/1", "Gemm inner dimensions differ: A" + shape_to_string(a) + (ta ? "ᵀ" : "") +
                                 " times B" + shape_to_string(b) + (tb ? "ᵀ" : ""));
  Shape out{m, nn};
  if (in.size() > 2 && in[2]) {
    auto c = broadcast_shapes(*in[2], out);
    if (!c || *c != out)
      return fail("/inputs/2", "Gemm input C " + shape_to_string(*in[2]) + " does not broadcast to " +
                                   shape_to_string(out));
  }
  return std::vector<Shape>{out};
}

Expected<std::vector<Shape>> infer_matmul(const Ins& in) {
  Shape a = *in[0], b = *in[1];
  if (a.empty() || b.empty()) return fail("", "MatMul operands must have rank >= 1");
  bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  int64_t m = a[a.size() - 2], k = a.back(), kb = b[b.size() - 2], nn = b.back();
  if (k != kb)
    return fail("/inputs/1", "MatMul inner dimensions differ: " + shape_to_string(*in[0]) + " times " +
                                 shape_to_string(*in[1]));
  Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  auto batch = broadcast_shapes(batch_a, batch_b);
  if (!batch) return fail("", "MatMul batch dimensions do not broadcast");
  Shape out = *batch;
  if (!a_vec) out.push_back(m);
  if (!b_vec) out.push_back(nn);
  return std::vector<Shape>{out};
}

Expected<std::vector<Shape>> infer_softmax(const Node& n, const Ins& in) {
  int64_t rank = static_cast<int64_t>(in[0]->size());
  if (rank == 0) return fail("/inputs/0", std::string(op_info(n.op).name) + " needs an input of rank >= 1");
  if (!normalize_axis(attr_int(n, "axis", -1), rank))
    return fail("/attributes/axis", "axis " + std::to_string(attr_int(n, "axis", -1)) +
                                        " is out of range for rank " + std::to_string(rank));
  return std::vector<Shape>{*in[0]};
}

Expected<std::vector<Shape>> infer_concat(const Node& n, const Ins& in) {
  for (size_t i = 0; i < in.size(); ++i)  // variadic, but no input is optional
    if (!in[i]) return fail("/inputs/" + std::to_string(i), "Concat input " + std::to_string(i) + " is required");
  if (!n.attrs.count("axis")) return fail("", "Concat needs the attribute 'axis'");
  int64_t rank = static_cast<int64_t>(in[0]->size());
  auto axis = normalize_axis(attr_int(n, "axis", 0), rank);
  if (!axis)
    return fail("/attributes/axis", "axis " + std::to_string(attr_int(n, "axis", 0)) +
                                        " is out of range for rank " + std::to_string(rank));
  Shape out = *in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    const Shape& s = *in[i];
    bool ok = s.size() == out.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int64_t>(d) == *axis || s[d] == out[d];
    if (!ok)
      return fail("/inputs/" + std::to_string(i), "Concat input " + shape_to_string(s) + " does not match " +
                                                      shape_to_string(*in[0]) + " outside axis " +
                                                      std::to_string(*axis));
    out[*axis] += s[*axis];
  }
  return std::vector<Shape>{out};
}

Expected<std::vector<Shape>> infer_slice(const Node& n, const Ins& in) {
  const Shape& x = *in[0];
  int64_t rank = static_cast<int64_t>(x.size());
  auto starts = attr_ints(n, "starts"), ends = attr_ints(n, "ends");
  if (!starts || !ends) return fail("", "Slice needs the attributes 'starts' and 'ends'");
  size_t count = starts->size();
  if (ends->size() != count) return fail("/attributes/ends", "'starts' and 'ends' must have the same length");
  std::vector<int64_t> axes = attr_ints(n, "axes").value_or(std::vector<int64_t>{});
  if (!n.attrs.count("axes"))
    for (size_t i = 0; i < count; ++i) axes.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> steps = attr_ints(n, "steps").value_or(std::vector<int64_t>(count, 1));
  if (axes.size() != count) return fail("/attributes/axes", "'axes' must have as many entries as 'starts'");
  if (steps.size() != count)
    return fail("/attributes/steps", "'steps' must have as many entries as 'starts'");
  Shape out = x;
  std::set<int64_t> seen;
  for (size_t i = 0; i < count; ++i) {
    auto axis = normalize_axis(axes[i], rank);
    if (!axis || !seen.insert(*axis).second)
      return fail("/attributes/axes", "axis " + std::to_string(axes[i]) + " is out of range or repeated");
    if (steps[i] == 0) return fail("/attributes/steps", "a Slice step must not be 0");
    SliceRange r = slice_range((*starts)[i], (*ends)[i], steps[i], x[*axis]);
    out[*axis] = r.count;
  }
  return std::vector<Shape>{out};
}

Expected<std::vector<Shape>> infer_transpose(const Node& n, const Ins& in) {
  const Shape& x = *in[0];
  std::vector<int64_t> perm = attr_ints(n, "perm").value_or(std::vector<int64_t>{});
  if (!n.attrs.count("perm"))
    for (size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool ok = sorted.size() == x.size();
  for (size_t i = 0; ok && i < sorted.size(); ++i) ok = sorted[i] == static_cast<int64_t>(i);
  if (!ok)
    return fail("/attributes/perm",
                "perm must be a permutation of 0.." + std::to_string(static_cast<int64_t>(x.size()) - 1));
  Shape out;
  for (int64_t p : perm) out.push_back(x[static_cast<size_t>(p)]);
  return std::vector<Shape>{out};
}

Expected<std::vector<Shape>> infer_reshape(const Node& n, const Ins& in) {
  const Shape& x = *in[0];
  auto target = attr_ints(n, "shape");
  if (!target) return fail("", "Reshape needs the attribute 'shape'");
  bool allowzero = attr_int(n, "allowzero", 0) != 0;
  Shape out = *target;
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer_at >= 0) return fail("/attributes/shape", "at most one dimension may be -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (out[i] == 0 && !allowzero) {
      if (i >= x.size()) return fail("/attributes/shape", "0 copies a dimension the input does not have");
      out[i] = x[i];
    }
    if (out[i] < 0) return fail("/attributes/shape", "dimension " + std::to_string(out[i]) + " is invalid");
    if (out[i] > kMaxTensorElements || __builtin_mul_overflow(known, out[i], &known) || known > kMaxTensorElements)
      return fail("/attributes/shape", "shape " + shape_to_string(*target) + " has more than 2^28 elements");
  }
  int64_t total = num_elements(x);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      return fail("/attributes/shape", "cannot infer the -1 dimension of " + shape_to_string(*target) +
                                           " from " + shape_to_string(x));
    out[static_cast<size_t>(infer_at)] = total / known;
  } else if (known != total) {
    return fail("/attributes/shape", "cannot reshape " + shape_to_string(x) + " (" + std::to_string(total) +
                                         " elements) to " + shape_to_string(*target));
  }
  return std::vector<Shape>{out};
}

Expected<std::vector<Shape>> infer_reduce(const Node& n, const Ins& in) {
  const Shape& x = *in[0];
  int64_t rank = static_cast<int64_t>(x.size());
  auto axes = attr_ints(n, "axes");
  std::vector<bool> reduced(x.size(), false);
  if (axes && !axes->empty()) {
    for (int64_t a : *axes) {
      auto axis = normalize_axis(a, rank);
      if (!axis || reduced[static_cast<size_t>(*axis)])
        return fail("/attributes/axes", "axis " + std::to_string(a) +
                                            " is out of range or repeated for rank " + std::to_string(rank));
      reduced[static_cast<size_t>(*axis)] = true;
    }
  } else if (!attr_int(n, "noop_with_empty_axes", 0)) {
    std::fill(reduced.begin(), reduced.end(), true);
  }
  bool keep = attr_int(n, "keepdims", 1) != 0;
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!reduced[d])
      out.push_back(x[d]);
    else if (keep)
      out.push_back(1);
  }
  return std::vector<Shape>{out};
}

Status check_scalar_attrs(const Node& n) {
  if (n.op == OpKind::Clip && attr_float(n, "min", -INFINITY) > attr_float(n, "max", INFINITY))
    return fail("/attributes/min", "Clip min is greater than max");
  return Status::ok();
}

}  // namespace

namespace {
Expected<std::vector<Shape>> infer_unchecked(const Node& n, const Ins& in);
}

Expected<std::vector<Shape>> infer_shapes(const Node& n, const Ins& in) {
  auto out = infer_unchecked(n, in);
  if (!out) return out;
  for (const Shape& s : *out) {
    if (s.size() > kMaxRank)
      return fail("", std::string(op_info(n.op).name) + " would produce a tensor of rank " +
                          std::to_string(s.size()) + ", more than the " + std::to_string(kMaxRank) +
                          " dimensions njc allows");
    if (!shape_within_limits(s))
      return fail("", std::string(op_info(n.op).name) + " would produce a tensor of shape " +
                          shape_to_string(s) + ", more than the 2^28 elements njc allows");
  }
  return out;
}

namespace {
Expected<std::vector<Shape>> infer_unchecked(const Node& n, const Ins& in) {
  const OpInfo& info = op_info(n.op);
  int count = static_cast<int>(in.size());
  if (count < info.min_inputs || count > info.max_inputs)
    return fail("/inputs", std::string(info.name) + " takes " + arity_text(info.min_inputs, info.max_inputs) +
                               " inputs, got " + std::to_string(count));
  for (int i = 0; i < info.min_inputs; ++i)
    if (!in[static_cast<size_t>(i)])
      return fail("/inputs/" + std::to_string(i),
                  std::string(info.name) + " input " + std::to_string(i) + " is required");
  if (Status s = check_attributes(n); !s) return s.error();
  if (is_binary_elementwise(n.op)) return infer_binary(n, in);
  if (is_unary_elementwise(n.op)) {
    if (Status s = check_scalar_attrs(n); !s) return s.error();
    return std::vector<Shape>{*in[0]};
  }
  if (is_reduction(n.op)) return infer_reduce(n, in);
  switch (n.op) {
    case OpKind::Gemm:
      return infer_gemm(n, in);
    case OpKind::MatMul:
      return infer_matmul(in);
    case OpKind::Softmax:
    case OpKind::LogSoftmax:
      return infer_softmax(n, in);
    case OpKind::Concat:
      return infer_concat(n, in);
    case OpKind::Slice:
      return infer_slice(n, in);
    case OpKind::Transpose:
      return infer_transpose(n, in);
    case OpKind::Reshape:
      return infer_reshape(n, in);
    case OpKind::Conv:
      return infer_conv(n, in);
    case OpKind::LSTM:
    case OpKind::GRU:
      return infer_recurrent(n, in);
    default:
      break;
  }
  NJC_UNREACHABLE("unhandled op in infer_shapes");
}
}  // namespace

}  // namespace njc
