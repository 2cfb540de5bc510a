// Reference semantics of the elementwise ops: unary activations and math, and broadcasting binary ops.
#include <cmath>

#include "ir/assert.h"
#include "ir/broadcast.h"
#include "ir/reference_ops.h"

namespace njc::reference {

namespace {
double softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

double apply_unary(const Node& n, double x) {
  switch (n.op) {
    case OpKind::Relu:
      return (x > 0 || std::isnan(x)) ? x : 0.0;
    case OpKind::LeakyRelu:
      return x >= 0 ? x : attr_float(n, "alpha", 0.01) * x;
    case OpKind::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case OpKind::Tanh:
      return std::tanh(x);
    case OpKind::Exp:
      return std::exp(x);
    case OpKind::Log:
      return std::log(x);
    case OpKind::Sqrt:
      return std::sqrt(x);
    case OpKind::Neg:
      return -x;
    case OpKind::Abs:
      return std::fabs(x);
    case OpKind::Clip: {
      double lo = attr_float(n, "min", -INFINITY), hi = attr_float(n, "max", INFINITY);
      return std::isnan(x) ? x : std::min(std::max(x, lo), hi);
    }
    case OpKind::Elu:
      return x >= 0 ? x : attr_float(n, "alpha", 1.0) * std::expm1(x);
    case OpKind::Softplus:
      return softplus(x);
    case OpKind::HardSigmoid:
      return std::max(0.0, std::min(1.0, attr_float(n, "alpha", 0.2) * x + attr_float(n, "beta", 0.5)));
    case OpKind::HardSwish:
      return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5));
    case OpKind::Selu:
      return attr_float(n, "gamma", 1.05070102214813232421875) *
             (x > 0 ? x : attr_float(n, "alpha", 1.67326319217681884765625) * std::expm1(x));
    case OpKind::Celu: {
      double alpha = attr_float(n, "alpha", 1.0);
      return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha));
    }
    case OpKind::Softsign:
      return x / (1.0 + std::fabs(x));
    case OpKind::ThresholdedRelu:
      return x > attr_float(n, "alpha", 1.0) ? x : 0.0;
    case OpKind::Shrink: {
      double bias = attr_float(n, "bias", 0.0), lambd = attr_float(n, "lambd", 0.5);
      return x < -lambd ? x + bias : x > lambd ? x - bias : 0.0;
    }
    case OpKind::Reciprocal:
      return 1.0 / x;
    case OpKind::Sign:
      return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
    case OpKind::Floor:
      return std::floor(x);
    case OpKind::Ceil:
      return std::ceil(x);
    case OpKind::Round:
      return std::nearbyint(x);  // the default rounding mode: ties to even, as ONNX's Round
    case OpKind::Sin:
      return std::sin(x);
    case OpKind::Cos:
      return std::cos(x);
    default:
      NJC_UNREACHABLE("not a unary op");
  }
}

double apply_binary(OpKind op, double a, double b) {
  switch (op) {
    case OpKind::Add:
      return a + b;
    case OpKind::Sub:
      return a - b;
    case OpKind::Mul:
      return a * b;
    case OpKind::Div:
      return a / b;
    case OpKind::Min:  // fmin/fmax, as the loop IR's min and max
      return std::fmin(a, b);
    case OpKind::Max:
      return std::fmax(a, b);
    case OpKind::Pow:
      return std::pow(a, b);
    case OpKind::PRelu:
      return a < 0 ? a * b : a;
    default:
      NJC_UNREACHABLE("not a binary op");
  }
}
}  // namespace

Tensor unary(const Node& n, const Tensor& x) {
  Tensor out(x.shape);
  for (size_t i = 0; i < x.data.size(); ++i) out.data[i] = static_cast<float>(apply_unary(n, x.data[i]));
  return out;
}

Tensor binary(const Node& n, const Tensor& a, const Tensor& b, const Shape& shape) {
  Tensor out(shape);
  std::vector<int64_t> sa = broadcast_strides(a.shape, shape), sb = broadcast_strides(b.shape, shape);
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t oa = 0, ob = 0;
  for (int64_t i = 0; i < out.size(); ++i) {
    out.data[static_cast<size_t>(i)] = static_cast<float>(
        apply_binary(n.op, a.data[static_cast<size_t>(oa)], b.data[static_cast<size_t>(ob)]));
    // Odometer step over the output index, keeping both operand offsets in sync.
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) {
        oa += sa[d], ob += sb[d];
        break;
      }
      oa -= sa[d] * (shape[d] - 1), ob -= sb[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
  return out;
}

double rnn_activation(const std::string& name, double x) {
  if (name == "Sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (name == "Tanh") return std::tanh(x);
  if (name == "Relu") return x > 0 ? x : 0.0;
  NJC_UNREACHABLE("unsupported RNN activation " + name);
}

}  // namespace njc::reference
