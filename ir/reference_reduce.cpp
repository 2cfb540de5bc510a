// Reference semantics of the reductions (ReduceSum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum,
// LogSumExp) and of Softmax/LogSoftmax (opset 13: along one axis).
#include <cmath>

#include "ir/reference_ops.h"
#include "ir/shape_inference.h"

namespace njc::reference {

namespace {
double reduce_init(OpKind op) {
  if (op == OpKind::ReduceMax) return -INFINITY;
  if (op == OpKind::ReduceMin) return INFINITY;
  return op == OpKind::ReduceProd ? 1.0 : 0.0;
}

// acc combined with one more element v; NaN wins in Max and Min.
double reduce_step(OpKind op, double acc, double v) {
  switch (op) {
    case OpKind::ReduceMax:
      return (std::isnan(v) || v > acc) ? v : acc;
    case OpKind::ReduceMin:
      return (std::isnan(v) || v < acc) ? v : acc;
    case OpKind::ReduceProd:
      return acc * v;
    case OpKind::ReduceL1:
      return acc + std::fabs(v);
    case OpKind::ReduceL2:
    case OpKind::ReduceSumSquare:
      return acc + v * v;
    case OpKind::ReduceLogSumExp:
      return acc + std::exp(v);
    default:  // Sum, Mean, LogSum
      return acc + v;
  }
}

double reduce_final(OpKind op, double acc, double count) {
  switch (op) {
    case OpKind::ReduceMean:
      return acc / count;
    case OpKind::ReduceL2:
      return std::sqrt(acc);
    case OpKind::ReduceLogSum:
    case OpKind::ReduceLogSumExp:
      return std::log(acc);
    default:
      return acc;
  }
}
}  // namespace

Tensor reduce(const Node& n, const Tensor& x, const Shape& shape) {
  size_t rank = x.shape.size();
  std::vector<bool> reduced(rank, false);
  auto axes = attr_ints(n, "axes");
  if (axes && !axes->empty()) {
    for (int64_t a : *axes)
      reduced[static_cast<size_t>(*normalize_axis(a, static_cast<int64_t>(rank)))] = true;
  } else if (!attr_int(n, "noop_with_empty_axes", 0)) {
    std::fill(reduced.begin(), reduced.end(), true);
  }
  // Output strides over the input's full index space: 0 along reduced axes.
  Shape kept(rank);
  for (size_t d = 0; d < rank; ++d) kept[d] = reduced[d] ? 1 : x.shape[d];
  std::vector<int64_t> ks = row_major_strides(kept);
  std::vector<double> acc(static_cast<size_t>(num_elements(kept)), reduce_init(n.op));
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < rank; ++d) o += reduced[d] ? 0 : idx[d] * ks[d];
    double v = x.data[static_cast<size_t>(i)];
    double& a = acc[static_cast<size_t>(o)];
    a = reduce_step(n.op, a, v);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  double count = static_cast<double>(x.size()) / static_cast<double>(acc.size());
  Tensor out(shape);
  for (size_t i = 0; i < acc.size(); ++i) out.data[i] = static_cast<float>(reduce_final(n.op, acc[i], count));
  return out;
}

Tensor softmax(const Node& n, const Tensor& x) {
  int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = *normalize_axis(attr_int(n, "axis", -1), rank);
  int64_t len = x.shape[static_cast<size_t>(axis)], inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[static_cast<size_t>(d)];
  int64_t outer = x.size() / (len * inner);
  bool log_form = n.op == OpKind::LogSoftmax;
  Tensor out(x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t k) { return static_cast<size_t>((o * len + k) * inner + in); };
      double mx = -INFINITY;
      for (int64_t k = 0; k < len; ++k) mx = std::max(mx, static_cast<double>(x.data[at(k)]));
      double sum = 0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(x.data[at(k)] - mx);
      for (int64_t k = 0; k < len; ++k) {
        double shifted = x.data[at(k)] - mx;
        out.data[at(k)] = static_cast<float>(log_form ? shifted - std::log(sum) : std::exp(shifted) / sum);
      }
    }
  return out;
}

}  // namespace njc::reference
