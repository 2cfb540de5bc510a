// Reference semantics of ONNX LSTM (gates i, o, f, c; peepholes; clip) and GRU (gates z, r, h;
// linear_before_reset 0 and 1), forward, reverse and bidirectional, layout 0 and 1.
#include <cmath>

#include "ir/reference_ops.h"

namespace njc::reference {

namespace {

// Index arithmetic for X, Y and the [dirs, batch, H] states in either layout.
struct RnnLayout {
  bool batch_first;
  int64_t seq, batch, input, hidden, dirs;
  size_t x(int64_t t, int64_t b, int64_t i) const {
    return static_cast<size_t>(((batch_first ? b * seq + t : t * batch + b) * input) + i);
  }
  size_t y(int64_t t, int64_t d, int64_t b, int64_t h) const {
    return static_cast<size_t>(batch_first ? ((b * seq + t) * dirs + d) * hidden + h
                                           : ((t * dirs + d) * batch + b) * hidden + h);
  }
  size_t state(int64_t d, int64_t b, int64_t h) const {
    return static_cast<size_t>(batch_first ? (b * dirs + d) * hidden + h : (d * batch + b) * hidden + h);
  }
};

RnnLayout layout_of(const Node& n, const Inputs& in) {
  RnnLayout l{};
  l.batch_first = attr_int(n, "layout", 0) != 0;
  const Shape& x = in[0]->shape;
  l.seq = l.batch_first ? x[1] : x[0];
  l.batch = l.batch_first ? x[0] : x[1];
  l.input = x[2];
  l.hidden = in[2]->shape[2];
  l.dirs = in[2]->shape[0];
  return l;
}

double at(const Tensor* t, size_t i) {
  return t ? static_cast<double>(t->data[i]) : 0.0;
}

// Row `row` of direction d of W (input weights) times x_t, and of R (recurrent weights) times v.
double input_dot(const Inputs& in, const RnnLayout& l, int64_t gates, int64_t d, int64_t row, int64_t t,
                 int64_t b) {
  const float* w = in[1]->data.data() + (d * gates * l.hidden + row) * l.input;
  double acc = 0;
  for (int64_t i = 0; i < l.input; ++i) acc += static_cast<double>(w[i]) * in[0]->data[l.x(t, b, i)];
  return acc;
}

double recurrent_dot(const Inputs& in, const RnnLayout& l, int64_t gates, int64_t d, int64_t row,
                     const std::vector<double>& v) {
  const float* r = in[2]->data.data() + (d * gates * l.hidden + row) * l.hidden;
  double acc = 0;
  for (int64_t k = 0; k < l.hidden; ++k) acc += r[k] * v[static_cast<size_t>(k)];
  return acc;
}

// Bias of gate row `row`: Wb (which = 0) or Rb (which = 1) of direction d; 0 without B.
double bias_at(const Inputs& in, const RnnLayout& l, int64_t gates, int64_t d, int which, int64_t row) {
  const Tensor* bias = in.size() > 3 ? in[3] : nullptr;
  if (!bias) return 0.0;
  return bias->data[static_cast<size_t>((d * 2 + which) * gates * l.hidden + row)];
}

// Gate pre-activations for one direction, batch entry and time step: W x + R h + Wb + Rb, per gate row.
std::vector<double> gate_inputs(const Inputs& in, const RnnLayout& l, int64_t gates, int64_t d, int64_t t,
                                int64_t b, const std::vector<double>& h_prev) {
  std::vector<double> g(static_cast<size_t>(gates * l.hidden));
  for (int64_t j = 0; j < gates * l.hidden; ++j)
    g[static_cast<size_t>(j)] = input_dot(in, l, gates, d, j, t, b) +
                                recurrent_dot(in, l, gates, d, j, h_prev) + bias_at(in, l, gates, d, 0, j) +
                                bias_at(in, l, gates, d, 1, j);
  return g;
}

std::vector<std::string> activations(const Node& n, int64_t dirs, std::vector<std::string> dflt) {
  if (auto a = attr_strings(n, "activations")) return *a;
  std::vector<std::string> out;
  for (int64_t d = 0; d < dirs; ++d) out.insert(out.end(), dflt.begin(), dflt.end());
  return out;
}

double clipped(const Node& n, double v) {
  if (!n.attrs.count("clip")) return v;
  double c = attr_float(n, "clip", 0);
  return std::min(std::max(v, -c), c);
}

std::vector<double> initial(const Tensor* t, const RnnLayout& l, int64_t d, int64_t b) {
  std::vector<double> v(static_cast<size_t>(l.hidden), 0.0);
  for (int64_t h = 0; h < l.hidden; ++h) v[static_cast<size_t>(h)] = at(t, l.state(d, b, h));
  return v;
}

}  // namespace

std::vector<Tensor> lstm(const Node& n, const Inputs& in, const std::vector<Shape>& shapes) {
  RnnLayout l = layout_of(n, in);
  const Tensor* h0 = in.size() > 5 ? in[5] : nullptr;
  const Tensor* c0 = in.size() > 6 ? in[6] : nullptr;
  const Tensor* peep = in.size() > 7 ? in[7] : nullptr;
  std::vector<std::string> act = activations(n, l.dirs, {"Sigmoid", "Tanh", "Tanh"});
  bool reverse_only = attr_string(n, "direction", "forward") == "reverse";
  Tensor y(shapes[0]), yh(shapes[1]), yc(shapes[2]);
  int64_t H = l.hidden;
  for (int64_t d = 0; d < l.dirs; ++d) {
    bool backward = reverse_only || d == 1;
    const std::string &f = act[static_cast<size_t>(3 * d)], &g = act[static_cast<size_t>(3 * d + 1)],
                      &hf = act[static_cast<size_t>(3 * d + 2)];
    for (int64_t b = 0; b < l.batch; ++b) {
      std::vector<double> h = initial(h0, l, d, b), c = initial(c0, l, d, b);
      for (int64_t step = 0; step < l.seq; ++step) {
        int64_t t = backward ? l.seq - 1 - step : step;
        std::vector<double> pre = gate_inputs(in, l, 4, d, t, b, h);
        for (int64_t k = 0; k < H; ++k) {
          size_t uk = static_cast<size_t>(k);
          double pi = at(peep, static_cast<size_t>(d * 3 * H + k)),
                 po = at(peep, static_cast<size_t>(d * 3 * H + H + k)),
                 pf = at(peep, static_cast<size_t>(d * 3 * H + 2 * H + k));
          double i_gate = rnn_activation(f, clipped(n, pre[uk] + pi * c[uk]));
          double f_gate = rnn_activation(f, clipped(n, pre[static_cast<size_t>(2 * H + k)] + pf * c[uk]));
          double cand = rnn_activation(g, clipped(n, pre[static_cast<size_t>(3 * H + k)]));
          c[uk] = f_gate * c[uk] + i_gate * cand;
          double o_gate = rnn_activation(f, clipped(n, pre[static_cast<size_t>(H + k)] + po * c[uk]));
          h[uk] = o_gate * rnn_activation(hf, c[uk]);
          y.data[l.y(t, d, b, k)] = static_cast<float>(h[uk]);
        }
      }
      for (int64_t k = 0; k < H; ++k) {
        yh.data[l.state(d, b, k)] = static_cast<float>(h[static_cast<size_t>(k)]);
        yc.data[l.state(d, b, k)] = static_cast<float>(c[static_cast<size_t>(k)]);
      }
    }
  }
  return {y, yh, yc};
}

std::vector<Tensor> gru(const Node& n, const Inputs& in, const std::vector<Shape>& shapes) {
  RnnLayout l = layout_of(n, in);
  const Tensor* h0 = in.size() > 5 ? in[5] : nullptr;
  std::vector<std::string> act = activations(n, l.dirs, {"Sigmoid", "Tanh"});
  bool reverse_only = attr_string(n, "direction", "forward") == "reverse";
  bool linear_before_reset = attr_int(n, "linear_before_reset", 0) != 0;
  Tensor y(shapes[0]), yh(shapes[1]);
  int64_t H = l.hidden;
  for (int64_t d = 0; d < l.dirs; ++d) {
    bool backward = reverse_only || d == 1;
    const std::string &f = act[static_cast<size_t>(2 * d)], &g = act[static_cast<size_t>(2 * d + 1)];
    for (int64_t b = 0; b < l.batch; ++b) {
      std::vector<double> h = initial(h0, l, d, b);
      for (int64_t step = 0; step < l.seq; ++step) {
        int64_t t = backward ? l.seq - 1 - step : step;
        std::vector<double> z(static_cast<size_t>(H)), reset(static_cast<size_t>(H)),
            reset_h(static_cast<size_t>(H));
        for (int64_t k = 0; k < H; ++k) {
          size_t uk = static_cast<size_t>(k);
          z[uk] = rnn_activation(
              f, clipped(n, input_dot(in, l, 3, d, k, t, b) + recurrent_dot(in, l, 3, d, k, h) +
                                bias_at(in, l, 3, d, 0, k) + bias_at(in, l, 3, d, 1, k)));
          reset[uk] = rnn_activation(
              f, clipped(n, input_dot(in, l, 3, d, H + k, t, b) + recurrent_dot(in, l, 3, d, H + k, h) +
                                bias_at(in, l, 3, d, 0, H + k) + bias_at(in, l, 3, d, 1, H + k)));
          reset_h[uk] = reset[uk] * h[uk];
        }
        std::vector<double> next(static_cast<size_t>(H));
        for (int64_t k = 0; k < H; ++k) {
          size_t uk = static_cast<size_t>(k);
          int64_t row = 2 * H + k;
          double rb = bias_at(in, l, 3, d, 1, row);
          double recurrent = linear_before_reset ? reset[uk] * (recurrent_dot(in, l, 3, d, row, h) + rb)
                                                 : recurrent_dot(in, l, 3, d, row, reset_h) + rb;
          double cand = rnn_activation(
              g, clipped(n, input_dot(in, l, 3, d, row, t, b) + bias_at(in, l, 3, d, 0, row) + recurrent));
          next[uk] = (1.0 - z[uk]) * cand + z[uk] * h[uk];
          y.data[l.y(t, d, b, k)] = static_cast<float>(next[uk]);
        }
        h = next;
      }
      for (int64_t k = 0; k < H; ++k)
        yh.data[l.state(d, b, k)] = static_cast<float>(h[static_cast<size_t>(k)]);
    }
  }
  return {y, yh};
}

}  // namespace njc::reference
