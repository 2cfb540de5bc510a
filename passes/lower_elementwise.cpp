// Elementwise graph ops in loop IR (lower_elementwise.h): one switch over the ops, with the compositions
// that need more than a few loop ops (Pow, Sin/Cos) in helpers of their own.
#include "passes/lower_elementwise.h"

#include <cmath>

#include "ir/assert.h"

namespace njc::passes::lowering {

namespace {

using loop::Op;

LoopValue select(loop::Builder& b, LoopValue mask, LoopValue if_true, LoopValue if_false) {
  return b.op(Op::Select, {mask, if_true, if_false});
}

// sin(x), or cos(x) = sin(x + pi/2), in the style of Cephes' sinf/cosf: k = round(x * 2/pi), r = x - k*pi/2
// in three fused steps (Cody-Waite; exact for |x| up to a few thousand), then the sine or cosine
// polynomial of r on [-pi/4, pi/4] picked by the quadrant k mod 4. Error: a few fp32 ulps of 1.
LoopValue sine(KernelScope& s, LoopValue x, bool cosine) {
  loop::Builder& b = s.b();
  LoopValue k = b.unary(Op::Round, b.mul(x, s.c(0.63661977236758134)));
  LoopValue r = b.fma(k, s.c(-1.5703125), x);
  r = b.fma(k, s.c(-4.837512969970703125e-4), r);
  r = b.fma(k, s.c(-7.54978995489188216e-8), r);
  if (cosine) k = b.add(k, s.c(1));
  LoopValue quadrant = b.sub(k, b.mul(b.unary(Op::Floor, b.mul(k, s.c(0.25))), s.c(4)));
  LoopValue z = b.mul(r, r);
  // sin r = r + r z (s0 z^2 + s1 z + s2);  cos r = 1 - z/2 + z^2 (c0 z^2 + c1 z + c2)
  LoopValue sp = b.fma(b.fma(s.c(-1.9515295891e-4), z, s.c(8.3321608736e-3)), z, s.c(-1.6666654611e-1));
  LoopValue sin_r = b.fma(b.mul(r, z), sp, r);
  LoopValue cp =
      b.fma(b.fma(s.c(2.443315711809948e-5), z, s.c(-1.388731625493765e-3)), z, s.c(4.166664568298827e-2));
  LoopValue cos_r = b.fma(b.mul(z, z), cp, b.fma(z, s.c(-0.5), s.c(1)));
  LoopValue odd = b.op(
      Op::CmpEq, {b.sub(quadrant, b.mul(b.unary(Op::Floor, b.mul(quadrant, s.c(0.5))), s.c(2))), s.c(1)});
  LoopValue v = select(b, odd, cos_r, sin_r);
  return select(b, b.op(Op::CmpGe, {quadrant, s.c(2)}), b.unary(Op::Neg, v), v);
}

// x^y = e^(y log|x|), negated for a negative x and an odd integer y, NaN (sqrt of x) for a negative x and
// a fractional y, 1 for y = 0 (as std::pow: 0^0 = 1).
LoopValue power(KernelScope& s, LoopValue x, LoopValue y) {
  loop::Builder& b = s.b();
  LoopValue magnitude = b.unary(Op::Exp, b.mul(y, b.unary(Op::Log, b.unary(Op::Abs, x))));
  LoopValue integral = b.op(Op::CmpEq, {b.unary(Op::Floor, y), y});
  LoopValue odd = b.op(Op::CmpNe, {b.mul(b.unary(Op::Floor, b.mul(y, s.c(0.5))), s.c(2)), y});
  LoopValue negative_base =
      select(b, integral, select(b, odd, b.unary(Op::Neg, magnitude), magnitude), b.unary(Op::Sqrt, x));
  LoopValue v = select(b, b.op(Op::CmpLt, {x, s.c(0)}), negative_base, magnitude);
  return select(b, b.op(Op::CmpEq, {y, s.c(0)}), s.c(1), v);
}

}  // namespace

LoopValue elementwise_value(KernelScope& s, const Node& n, const std::vector<LoopValue>& a) {
  loop::Builder& b = s.b();
  auto where_negative = [&](LoopValue x, LoopValue if_neg) {
    return select(b, b.op(Op::CmpLt, {x, s.c(0)}), if_neg, x);
  };
  switch (n.op) {
    case OpKind::Add:
      return b.add(a[0], a[1]);
    case OpKind::Sub:
      return b.sub(a[0], a[1]);
    case OpKind::Mul:
      return b.mul(a[0], a[1]);
    case OpKind::Div:
      return b.div(a[0], a[1]);
    case OpKind::Min:
      return b.min(a[0], a[1]);
    case OpKind::Max:
      return b.max(a[0], a[1]);
    case OpKind::Pow:
      return power(s, a[0], a[1]);
    case OpKind::PRelu:
      return where_negative(a[0], b.mul(a[0], a[1]));
    case OpKind::Relu:
      return b.max(a[0], s.c(0));
    case OpKind::LeakyRelu:
      return where_negative(a[0], b.mul(a[0], s.c(attr_float(n, "alpha", 0.01))));
    case OpKind::Sigmoid:
      return b.unary(Op::Sigmoid, a[0]);
    case OpKind::Tanh:
      return b.unary(Op::Tanh, a[0]);
    case OpKind::Exp:
      return b.unary(Op::Exp, a[0]);
    case OpKind::Log:
      return b.unary(Op::Log, a[0]);
    case OpKind::Sqrt:
      return b.unary(Op::Sqrt, a[0]);
    case OpKind::Neg:
      return b.unary(Op::Neg, a[0]);
    case OpKind::Abs:
      return b.unary(Op::Abs, a[0]);
    case OpKind::Reciprocal:
      return b.unary(Op::Recip, a[0]);
    case OpKind::Floor:
      return b.unary(Op::Floor, a[0]);
    case OpKind::Ceil:
      return b.unary(Op::Ceil, a[0]);
    case OpKind::Round:
      return b.unary(Op::Round, a[0]);
    case OpKind::Sin:
      return sine(s, a[0], false);
    case OpKind::Cos:
      return sine(s, a[0], true);
    case OpKind::Sign:  // 0 and NaN pass through
      return select(b, b.op(Op::CmpGt, {a[0], s.c(0)}), s.c(1), where_negative(a[0], s.c(-1)));
    case OpKind::Clip: {
      LoopValue x = a[0];
      double lo = attr_float(n, "min", -INFINITY), hi = attr_float(n, "max", INFINITY);
      if (std::isfinite(lo)) x = b.max(x, s.c(lo));
      if (std::isfinite(hi)) x = b.min(x, s.c(hi));
      return x;
    }
    case OpKind::Elu:
      return where_negative(a[0],
                            b.mul(s.c(attr_float(n, "alpha", 1.0)), b.sub(b.unary(Op::Exp, a[0]), s.c(1))));
    case OpKind::Selu: {
      double alpha = attr_float(n, "alpha", 1.67326319217681884765625);
      double gamma = attr_float(n, "gamma", 1.05070102214813232421875);
      LoopValue negative = b.mul(s.c(alpha * gamma), b.sub(b.unary(Op::Exp, a[0]), s.c(1)));
      return select(b, b.op(Op::CmpGt, {a[0], s.c(0)}), b.mul(a[0], s.c(gamma)), negative);
    }
    case OpKind::Celu: {  // max(0, x) + min(0, alpha (e^(x/alpha) - 1))
      double alpha = attr_float(n, "alpha", 1.0);
      LoopValue e = b.unary(Op::Exp, b.mul(a[0], s.c(1.0 / alpha)));
      return b.add(b.max(a[0], s.c(0)), b.min(b.mul(s.c(alpha), b.sub(e, s.c(1))), s.c(0)));
    }
    case OpKind::Softplus: {  // max(x, 0) + log(1 + exp(-|x|)): no overflow for large |x|
      LoopValue tail = b.unary(Op::Exp, b.unary(Op::Neg, b.unary(Op::Abs, a[0])));
      return b.add(b.max(a[0], s.c(0)), b.unary(Op::Log, b.add(s.c(1), tail)));
    }
    case OpKind::Softsign:
      return b.div(a[0], b.add(s.c(1), b.unary(Op::Abs, a[0])));
    case OpKind::HardSigmoid: {
      LoopValue lin = b.fma(a[0], s.c(attr_float(n, "alpha", 0.2)), s.c(attr_float(n, "beta", 0.5)));
      return b.min(b.max(lin, s.c(0)), s.c(1));
    }
    case OpKind::HardSwish: {
      LoopValue lin = b.fma(a[0], s.c(1.0 / 6.0), s.c(0.5));
      return b.mul(a[0], b.min(b.max(lin, s.c(0)), s.c(1)));
    }
    case OpKind::ThresholdedRelu:
      return select(b, b.op(Op::CmpGt, {a[0], s.c(attr_float(n, "alpha", 1.0))}), a[0], s.c(0));
    case OpKind::Shrink: {
      double bias = attr_float(n, "bias", 0.0), lambd = attr_float(n, "lambd", 0.5);
      LoopValue above = select(b, b.op(Op::CmpGt, {a[0], s.c(lambd)}), b.sub(a[0], s.c(bias)), s.c(0));
      return select(b, b.op(Op::CmpLt, {a[0], s.c(-lambd)}), b.add(a[0], s.c(bias)), above);
    }
    default:
      NJC_UNREACHABLE("not an elementwise op");
  }
}

}  // namespace njc::passes::lowering
