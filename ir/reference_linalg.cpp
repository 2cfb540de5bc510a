// Reference semantics of Gemm and MatMul (numpy matmul with batch broadcasting). Accumulates in double.
#include "ir/broadcast.h"
#include "ir/reference_ops.h"

namespace njc::reference {

Tensor gemm(const Node& n, const Inputs& in, const Shape& shape) {
  const Tensor& a = *in[0];
  const Tensor& b = *in[1];
  bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  double alpha = attr_float(n, "alpha", 1.0), beta = attr_float(n, "beta", 1.0);
  int64_t m = shape[0], nn = shape[1], k = ta ? a.shape[0] : a.shape[1];
  const Tensor* c = in.size() > 2 ? in[2] : nullptr;
  std::vector<int64_t> cs = c ? broadcast_strides(c->shape, shape) : std::vector<int64_t>{0, 0};
  Tensor out(shape);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < nn; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        double av = a.data[static_cast<size_t>(ta ? p * m + i : i * k + p)];
        double bv = b.data[static_cast<size_t>(tb ? j * k + p : p * nn + j)];
        acc += av * bv;
      }
      double r = alpha * acc;
      if (c) r += beta * c->data[static_cast<size_t>(i * cs[0] + j * cs[1])];
      out.data[static_cast<size_t>(i * nn + j)] = static_cast<float>(r);
    }
  return out;
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in, const Shape& shape) {
  Shape as = a_in.shape, bs = b_in.shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), nn = bs.back();
  Shape batch_a(as.begin(), as.end() - 2), batch_b(bs.begin(), bs.end() - 2);
  Shape batch = *broadcast_shapes(batch_a, batch_b);
  std::vector<int64_t> sa = broadcast_strides(batch_a, batch), sb = broadcast_strides(batch_b, batch);
  int64_t batches = num_elements(batch);
  Tensor out(shape);
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < batch.size(); ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
    const float* pa = a_in.data.data() + oa * m * k;
    const float* pb = b_in.data.data() + ob * k * nn;
    float* po = out.data.data() + bi * m * nn;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < nn; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += static_cast<double>(pa[i * k + p]) * pb[p * nn + j];
        po[i * nn + j] = static_cast<float>(acc);
      }
    for (size_t d = batch.size(); d-- > 0;) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace njc::reference
