// Conv, LSTM and GRU in loop IR. Semantics: ir/reference_conv.cpp and ir/reference_recurrent.cpp.
#include "passes/lower_sequence_ops.h"

#include <optional>

#include "ir/assert.h"
#include "ir/conv_geometry.h"
#include "passes/recurrent_operands.h"

namespace njc::passes::lowering {

namespace {

// Everything a recurrent step needs to find its operands.
struct RecurrentStep {
  KernelScope& s;
  const Node& n;
  RnnShape r;
  int64_t gates;
  int64_t d;                                       // direction
  Affine t;                                        // time index of this step
  LoopValue batch;                                 // batch-entry loop variable
  std::function<LoopValue(const Affine&)> h_prev;  // previous hidden state, unit k
  std::optional<BufferId> w_t, r_t;                // transposed_gate_weights of W and R, when constant

  // Loops over the H units, body(j).
  void for_units(const std::function<void(const Affine& j)>& body) {
    s.b().loop("u", 0, r.hidden, 1, [&](LoopValue u) { body(Affine::var(u)); });
  }

  // Bias of gate row `row` (which = 0: input bias Wb, 1: recurrent bias Rb), 0 without B.
  LoopValue bias(int which, const Affine& row) {
    ValueId b = input_or_none(n, 3);
    if (b == kNoValue) return s.c(0);
    return s.load(b, {Affine::cst(d), row + which * gates * r.hidden});
  }
  // Element [d, row, k] of weight input `which` (1: W over the input, 2: R over the hidden state).
  LoopValue weight(int which, const Affine& row, const Affine& k) {
    const std::optional<BufferId>& t = which == 1 ? w_t : r_t;
    if (!t) return s.load(n.inputs[static_cast<size_t>(which)], {Affine::cst(d), row, k});
    int64_t K = which == 1 ? r.input : r.hidden, rows = gates * r.hidden;
    return s.b().load(*t, {Affine::cst(d * K * rows) + k * rows + row});
  }
  // sum_i W[d, row_g, i] x[t, b, i] and sum_k R[d, row_g, k] h_prev[k] for several rows at once, each added
  // to its init: one loop over the input and one over the hidden state, the accumulators loop-carried.
  std::vector<LoopValue> input_dots(const std::vector<Affine>& rows, std::vector<LoopValue> inits) {
    loop::Builder& b = s.b();
    return b.loop_iter("ki", 0, r.input, 1, inits, [&](LoopValue i, const std::vector<LoopValue>& acc) {
      LoopValue x = s.load(n.inputs[0], r.x(t, Affine::var(batch), Affine::var(i)));
      std::vector<LoopValue> next;
      for (size_t g = 0; g < rows.size(); ++g) next.push_back(b.fma(weight(1, rows[g], Affine::var(i)), x, acc[g]));
      return next;
    });
  }
  std::vector<LoopValue> hidden_dots(const std::vector<Affine>& rows, std::vector<LoopValue> inits,
                                     const std::function<LoopValue(const Affine&)>& h) {
    loop::Builder& b = s.b();
    return b.loop_iter("kh", 0, r.hidden, 1, inits, [&](LoopValue k, const std::vector<LoopValue>& acc) {
      LoopValue hk = h(Affine::var(k));
      std::vector<LoopValue> next;
      for (size_t g = 0; g < rows.size(); ++g) next.push_back(b.fma(weight(2, rows[g], Affine::var(k)), hk, acc[g]));
      return next;
    });
  }
};

using HiddenAt = std::function<LoopValue(const Affine&)>;
using StepBody = std::function<void(const Affine& t, const HiddenAt& h_prev, bool first)>;

// Drives the steps of one direction: step 0 reads the initial hidden state (or zeros), the others, in a
// loop, the hidden state the previous step wrote into `hs` (Y, or a scratch of Y's shape).
void for_each_step(KernelScope& s, const RnnShape& r, int64_t d, bool backward, LoopValue batch,
                   const View& hs, ValueId initial_h, const StepBody& step) {
  Affine bi = Affine::var(batch);
  auto time = [&](const Affine& step_index) {
    return backward ? Affine::cst(r.seq - 1) + step_index * -1 : step_index;
  };
  HiddenAt initial = [&](const Affine& k) {
    return initial_h == kNoValue ? s.c(0) : s.load(initial_h, r.state(d, bi, k));
  };
  step(time(Affine::cst(0)), initial, true);
  if (r.seq == 1) return;
  s.b().loop("t", 1, r.seq, 1, [&](LoopValue st) {
    Affine prev = time(Affine::var(st) + -1);
    step(
        time(Affine::var(st)), [&](const Affine& k) { return s.load(hs, r.y(prev, d, bi, k)); }, false);
  });
}

// Copies the last step's hidden state of direction d into Y_h.
void store_last_hidden(KernelScope& s, const RnnShape& r, int64_t d, bool backward, LoopValue batch,
                       const View& hs, ValueId y_h) {
  if (y_h == kNoValue || hs.buffer == s.write(y_h).buffer) return;
  Affine last = Affine::cst(backward ? 0 : r.seq - 1), bi = Affine::var(batch);
  s.b().loop("u", 0, r.hidden, 1, [&](LoopValue j) {
    s.store(s.load(hs, r.y(last, d, bi, Affine::var(j))), y_h, r.state(d, bi, Affine::var(j)));
  });
}

}  // namespace

void lower_conv(KernelScope& s, const LoweringContext& ctx, const Node& n) {
  loop::Builder& b = s.b();
  const Shape& xs = ctx.shape(n.inputs[0]);
  const Shape& ws = ctx.shape(n.inputs[1]);
  std::string error, attr;
  Conv1dGeometry g = *conv1d_geometry(n, xs, ws, &error, &attr);
  int64_t cin = ws[1], cout = g.out_channels / g.group;
  ValueId bias = input_or_none(n, 2), y = n.outputs[0];
  s.per_instance([&] {
    // Padding: the input is copied into a zeroed scratch tensor, so the convolution itself has no guards.
    View src = s.read(n.inputs[0]);
    if (g.pad_begin || g.pad_end) {
      Shape padded = {g.batch, g.in_channels, g.length + g.pad_begin + g.pad_end};
      src = s.scratch("padded", padded);
      nest(b, padded, [&](const Idx& idx) { s.store(s.c(0), src, idx); });
      nest(b, xs, [&](const Idx& idx) {
        s.store(s.load(n.inputs[0], idx), src, {idx[0], idx[1], idx[2] + g.pad_begin});
      });
    }
    nest(b, {g.batch, g.group, cout, g.out_length}, [&](const Idx& idx) {
      Affine m = idx[1] * cout + idx[2];
      LoopValue init = bias == kNoValue ? s.c(0) : s.load(bias, {m});
      LoopValue acc = b.loop_iter("c", 0, cin, 1, {init}, [&](LoopValue c, const std::vector<LoopValue>& a0) {
        return b.loop_iter("k", 0, g.kernel, 1, a0, [&](LoopValue k, const std::vector<LoopValue>& a) {
          Affine channel = idx[1] * cin + Affine::var(c);
          Affine pos = idx[3] * g.stride + Affine::var(k, g.dilation);
          LoopValue xv = s.load(src, {idx[0], channel, pos});
          LoopValue wv = s.load(n.inputs[1], {m, Affine::var(c), Affine::var(k)});
          return std::vector<LoopValue>{b.fma(xv, wv, a[0])};
        });
      })[0];
      s.store(acc, y, {idx[0], m, idx[3]});
    });
  });
}

void lower_lstm(KernelScope& s, const LoweringContext& ctx, const Node& n) {
  loop::Builder& b = s.b();
  RnnShape r = rnn_shape(ctx, n);
  std::vector<std::string> act = activations(n, r.dirs, {"Sigmoid", "Tanh", "Tanh"});
  bool reverse_only = attr_string(n, "direction", "forward") == "reverse";
  ValueId peep = input_or_none(n, 7), initial_c = input_or_none(n, 6);
  int64_t H = r.hidden;
  std::optional<BufferId> w_t = transposed_gate_weights(s, ctx, n.inputs[1]),
                          r_t = transposed_gate_weights(s, ctx, n.inputs[2]);
  s.per_instance([&] {
    View hs = hidden_sequence(s, n, r);
    View cs = output_or_none(n, 2) == kNoValue ? s.scratch("cell", r.state_shape()) : s.write(n.outputs[2]);
    for (int64_t d = 0; d < r.dirs; ++d) {
      bool backward = reverse_only || d == 1;
      const std::string &f = act[static_cast<size_t>(3 * d)], &g = act[static_cast<size_t>(3 * d + 1)],
                        &h_act = act[static_cast<size_t>(3 * d + 2)];
      b.loop("bi", 0, r.batch, 1, [&](LoopValue batch) {
        Affine bi = Affine::var(batch);
        for_each_step(s, r, d, backward, batch, hs, input_or_none(n, 5),
                      [&](const Affine& t, const HiddenAt& h_prev, bool first) {
                        RecurrentStep st{s, n, r, 4, d, t, batch, h_prev, w_t, r_t};
                        st.for_units([&](const Affine& j) {
                          std::vector<Affine> rows = {j, j + H, j + 2 * H, j + 3 * H};  // gates i, o, f, c
                          std::vector<LoopValue> init;
                          for (const Affine& row : rows)
                            init.push_back(b.add(st.bias(0, row), st.bias(1, row)));
                          std::vector<LoopValue> pre =
                              st.hidden_dots(rows, st.input_dots(rows, init), h_prev);
                          LoopValue c_prev =
                              first ? (initial_c == kNoValue ? s.c(0) : s.load(initial_c, r.state(d, bi, j)))
                                    : s.load(cs, r.state(d, bi, j));
                          auto peephole = [&](int which, LoopValue pre_gate, LoopValue c) {
                            if (peep == kNoValue) return pre_gate;
                            return b.fma(s.load(peep, {Affine::cst(d), j + which * H}), c, pre_gate);
                          };
                          LoopValue i_gate = rnn_activation(s, f, clipped(s, n, peephole(0, pre[0], c_prev)));
                          LoopValue f_gate = rnn_activation(s, f, clipped(s, n, peephole(2, pre[2], c_prev)));
                          LoopValue cand = rnn_activation(s, g, clipped(s, n, pre[3]));
                          LoopValue c_new = b.fma(f_gate, c_prev, b.mul(i_gate, cand));
                          LoopValue o_gate = rnn_activation(s, f, clipped(s, n, peephole(1, pre[1], c_new)));
                          s.store(c_new, cs, r.state(d, bi, j));
                          s.store(b.mul(o_gate, rnn_activation(s, h_act, c_new)), hs, r.y(t, d, bi, j));
                        });
                      });
        store_last_hidden(s, r, d, backward, batch, hs, output_or_none(n, 1));
      });
    }
  });
}

void lower_gru(KernelScope& s, const LoweringContext& ctx, const Node& n) {
  loop::Builder& b = s.b();
  RnnShape r = rnn_shape(ctx, n);
  std::vector<std::string> act = activations(n, r.dirs, {"Sigmoid", "Tanh"});
  bool reverse_only = attr_string(n, "direction", "forward") == "reverse";
  bool linear_before_reset = attr_int(n, "linear_before_reset", 0) != 0;
  int64_t H = r.hidden;
  std::optional<BufferId> w_t = transposed_gate_weights(s, ctx, n.inputs[1]),
                          r_t = transposed_gate_weights(s, ctx, n.inputs[2]);
  s.per_instance([&] {
    View hs = hidden_sequence(s, n, r);
    View reset = s.scratch("reset_gate", {H});  // linear_before_reset=0 needs r for every unit first
    for (int64_t d = 0; d < r.dirs; ++d) {
      bool backward = reverse_only || d == 1;
      const std::string &f = act[static_cast<size_t>(2 * d)], &g = act[static_cast<size_t>(2 * d + 1)];
      b.loop("bi", 0, r.batch, 1, [&](LoopValue batch) {
        Affine bi = Affine::var(batch);
        for_each_step(
            s, r, d, backward, batch, hs, input_or_none(n, 5),
            [&](const Affine& t, const HiddenAt& h_prev, bool) {
              RecurrentStep st{s, n, r, 3, d, t, batch, h_prev, w_t, r_t};
              auto gate_pre = [&](const Affine& row) { return b.add(st.bias(0, row), st.bias(1, row)); };
              if (!linear_before_reset) {
                st.for_units([&](const Affine& unit) {
                  Affine j = unit + H;  // the reset gate's rows
                  LoopValue pre = st.hidden_dots({j}, st.input_dots({j}, {gate_pre(j)}), h_prev)[0];
                  s.store(rnn_activation(s, f, clipped(s, n, pre)), reset, {unit});
                });
              }
              st.for_units([&](const Affine& j) {
                Affine hrow = j + 2 * H;
                LoopValue z = rnn_activation(
                    s, f, clipped(s, n, st.hidden_dots({j}, st.input_dots({j}, {gate_pre(j)}), h_prev)[0]));
                LoopValue x_part = st.input_dots({hrow}, {st.bias(0, hrow)})[0];
                LoopValue rec;
                if (linear_before_reset) {
                  LoopValue rg = rnn_activation(
                      s, f,
                      clipped(s, n,
                              st.hidden_dots({j + H}, st.input_dots({j + H}, {gate_pre(j + H)}), h_prev)[0]));
                  rec = b.mul(rg, st.hidden_dots({hrow}, {st.bias(1, hrow)}, h_prev)[0]);
                } else {
                  HiddenAt reset_h = [&](const Affine& k) { return b.mul(s.load(reset, {k}), h_prev(k)); };
                  rec = st.hidden_dots({hrow}, {st.bias(1, hrow)}, reset_h)[0];
                }
                LoopValue cand = rnn_activation(s, g, clipped(s, n, b.add(x_part, rec)));
                // h = (1 - z) * cand + z * h_prev = cand + z * (h_prev - cand)
                LoopValue h_new = b.fma(z, b.sub(h_prev(j), cand), cand);
                s.store(h_new, hs, r.y(t, d, bi, j));
              });
            });
        store_last_hidden(s, r, d, backward, batch, hs, output_or_none(n, 1));
      });
    }
  });
}

}  // namespace njc::passes::lowering
