// LSTM and GRU steps across the instances of a batch (lower_batched_cells.h). Semantics as the per-unit
// lowering's (lower_sequence_ops.cpp) and the reference's (ir/reference_recurrent.cpp).
#include "passes/lower_batched_cells.h"

#include <optional>

#include "ir/assert.h"
#include "passes/recurrent_operands.h"

namespace njc::passes::lowering {

namespace {

using Operand = std::function<LoopValue(const Affine&)>;

// gates[b, row] = init(row) for every instance b and row < rows.
void init_gates(KernelScope& s, const View& gates, int64_t rows, const Operand& init) {
  s.for_instances("i", [&] {
    s.b().loop("j", 0, rows, 1,
               [&](LoopValue row) { s.store(init(Affine::var(row)), gates, {Affine::var(row)}); });
  });
}

// gates[b, row] += sum_k in_b(k) * wt[k * stride + first + row] for row < rows: a GEMM nest (i, j, k)
// with the instances on i, the rows of the transposed weight on j, its inner dimension on k.
void accumulate_product(KernelScope& s, const View& gates, int64_t rows, const Operand& in, int64_t K,
                        BufferId wt, int64_t stride, int64_t first) {
  loop::Builder& b = s.b();
  s.for_instances("i", [&] {
    b.loop("j", 0, rows, 1, [&](LoopValue row) {
      b.loop("k", 0, K, 1, [&](LoopValue k) {
        Affine j = Affine::var(row), kk = Affine::var(k);
        LoopValue w = b.load(wt, {kk * stride + (j + first)});
        s.store(b.fma(in(kk), w, s.load(gates, {j})), gates, {j});
      });
    });
  });
}

// Wb + Rb of a one-direction node with `rows` gate rows, added at compile time; nullopt when B is absent
// or computed (the caller then adds the two in the kernel).
std::optional<BufferId> summed_bias(KernelScope& s, const LoweringContext& ctx, const Node& n, int64_t rows) {
  ValueId b = input_or_none(n, 3);
  if (b == kNoValue || !ctx.is_constant(b)) return std::nullopt;
  const std::vector<float>& data = ctx.g().data_of(ctx.constant_source(b));
  std::vector<float> sum(static_cast<size_t>(rows));
  for (size_t row = 0; row < sum.size(); ++row) sum[row] = data[row] + data[row + sum.size()];
  return s.constant_buffer(ctx.buffer_name(b) + ".sum", std::move(sum));
}

// Constant weights [1][rows][K_i] (W, R) transposed and stacked along K: [K_0 + K_1 + ...][rows].
BufferId stacked_transposed_weights(KernelScope& s, const LoweringContext& ctx,
                                    const std::vector<ValueId>& ws) {
  std::vector<float> t;
  std::string name;
  for (ValueId w : ws) {
    const Shape& shape = ctx.shape(w);
    int64_t rows = shape[1], K = shape[2];
    const std::vector<float>& data = ctx.g().data_of(ctx.constant_source(w));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t row = 0; row < rows; ++row) t.push_back(data[static_cast<size_t>(row * K + k)]);
    name += (name.empty() ? "" : "_") + ctx.buffer_name(w);
  }
  return s.constant_buffer(name + ".t", std::move(t));
}

// The operands a step reads, at unit or input index k of the current instance, in kernel s.
struct StepOperands {
  KernelScope& s;
  const Node& n;
  const RnnShape& r;
  LoopValue x(const Affine& k) { return s.load(n.inputs[0], r.x(Affine::cst(0), Affine::cst(0), k)); }
  // An initial state (input 5: h0, 6: c0), zero when absent.
  LoopValue initial(size_t input, const Affine& k) {
    ValueId v = input_or_none(n, input);
    return v == kNoValue ? s.c(0) : s.load(v, r.state(0, Affine::cst(0), k));
  }
  // Bias of gate row `row` of a cell with `gates` gates (which = 0: input bias Wb, 1: recurrent bias
  // Rb), zero without B.
  LoopValue bias(int which, int64_t gates, const Affine& row) {
    ValueId b = input_or_none(n, 3);
    if (b == kNoValue) return s.c(0);
    return s.load(b, {Affine::cst(0), row + which * gates * r.hidden});
  }
  // Stores the new hidden state at unit j: into Y (or the buffer standing for it) and into Y_h.
  void store_hidden(const View& hs, LoopValue h, const Affine& j) {
    Affine zero = Affine::cst(0);
    s.store(h, hs, r.y(zero, 0, zero, j));
    ValueId y_h = output_or_none(n, 1);
    if (y_h != kNoValue && s.write(y_h).buffer != hs.buffer) s.store(h, y_h, r.state(0, zero, j));
  }
};

// The kernels of one node under construction, appended in call order; buffers passed between them are
// named after the node.
class Stages {
 public:
  Stages(LoweringContext& ctx, const std::string& name, std::vector<loop::Kernel>& out)
      : ctx_(ctx), name_(name), out_(out) {}
  // A kernel named <node>.<suffix> (the empty suffix: the node's own name), built by body.
  void kernel(const std::string& suffix, const std::function<void(KernelScope&)>& body) {
    KernelScope s(ctx_, suffix.empty() ? name_ : ctx_.unique(name_ + "." + suffix));
    body(s);
    out_.push_back(s.take());
  }
  // A fresh name for a buffer passed between the kernels.
  std::string buffer(const std::string& suffix) { return ctx_.unique(name_ + "." + suffix); }

 private:
  LoweringContext& ctx_;
  std::string name_;
  std::vector<loop::Kernel>& out_;
};

}  // namespace

bool lowers_across_instances(const LoweringContext& ctx, const Node& n) {
  if (ctx.batch() == 1 || (n.op != OpKind::LSTM && n.op != OpKind::GRU)) return false;
  RnnShape r = rnn_shape(ctx, n);
  return r.seq == 1 && r.batch == 1 && r.dirs == 1 && ctx.is_constant(n.inputs[1]) &&
         ctx.is_constant(n.inputs[2]);
}

void lower_lstm_across_instances(LoweringContext& ctx, const Node& n, const std::string& name,
                                 std::vector<loop::Kernel>& kernels) {
  NJC_ASSERT(lowers_across_instances(ctx, n), "LSTM lowered across instances out of its conditions");
  RnnShape r = rnn_shape(ctx, n);
  int64_t H = r.hidden, rows = 4 * H;
  Stages stages(ctx, name, kernels);
  std::string gates = stages.buffer("pre_gates");  // per instance: i, o, f, c pre-activations

  // One product over [x, h0] (K = input + H) with W^T and R^T stacked, its rows initialized with the
  // bias Wb + Rb summed at compile time: the accumulators make one pass over the gates, not two.
  stages.kernel("gates", [&](KernelScope& s) {
    StepOperands op{s, n, r};
    bool has_h0 = input_or_none(n, 5) != kNoValue;
    int64_t K = r.input + (has_h0 ? H : 0);
    View out = s.passed(gates, {rows}, true);
    View xh = s.scratch("x_h", {K});
    s.for_instances("n", [&] {
      s.b().loop("e", 0, r.input, 1,
                 [&](LoopValue e) { s.store(op.x(Affine::var(e)), xh, {Affine::var(e)}); });
    });
    if (has_h0)
      s.for_instances("n", [&] {
        s.b().loop("e", 0, H, 1, [&](LoopValue e) {
          s.store(op.initial(5, Affine::var(e)), xh, {Affine::var(e) + r.input});
        });
      });
    std::optional<BufferId> bias = summed_bias(s, ctx, n, rows);
    init_gates(s, out, rows, [&](const Affine& row) {
      return bias ? s.b().load(*bias, {row}) : s.b().add(op.bias(0, 4, row), op.bias(1, 4, row));
    });
    std::vector<ValueId> weights = {n.inputs[1]};
    if (has_h0) weights.push_back(n.inputs[2]);
    accumulate_product(
        s, out, rows, [&](const Affine& k) { return s.load(xh, {k}); }, K,
        stacked_transposed_weights(s, ctx, weights), rows, 0);
  });

  stages.kernel("", [&](KernelScope& s) {
    loop::Builder& b = s.b();
    StepOperands op{s, n, r};
    std::vector<std::string> act = activations(n, 1, {"Sigmoid", "Tanh", "Tanh"});
    const std::string &f = act[0], &g = act[1], &h_act = act[2];
    ValueId peep = input_or_none(n, 7);
    View pre_gates = s.passed(gates, {rows}, false);
    View hs = hidden_sequence(s, n, r);
    View cs = output_or_none(n, 2) == kNoValue ? s.scratch("cell", r.state_shape()) : s.write(n.outputs[2]);
    s.for_instances("n", [&] {
      b.loop("u", 0, H, 1, [&](LoopValue unit) {
        Affine j = Affine::var(unit), zero = Affine::cst(0);
        auto pre = [&](int gate) { return s.load(pre_gates, {j + gate * H}); };
        auto peephole = [&](int which, LoopValue pre_gate, LoopValue c) {
          if (peep == kNoValue) return pre_gate;
          return b.fma(s.load(peep, {zero, j + which * H}), c, pre_gate);
        };
        LoopValue c_prev = op.initial(6, j);
        LoopValue i_gate = rnn_activation(s, f, clipped(s, n, peephole(0, pre(0), c_prev)));
        LoopValue f_gate = rnn_activation(s, f, clipped(s, n, peephole(2, pre(2), c_prev)));
        LoopValue cand = rnn_activation(s, g, clipped(s, n, pre(3)));
        LoopValue c_new = b.fma(f_gate, c_prev, b.mul(i_gate, cand));
        LoopValue o_gate = rnn_activation(s, f, clipped(s, n, peephole(1, pre(1), c_new)));
        s.store(c_new, cs, r.state(0, zero, j));
        op.store_hidden(hs, b.mul(o_gate, rnn_activation(s, h_act, c_new)), j);
      });
    });
  });
}

// The reset gate r applies to h before the candidate's recurrent product (linear_before_reset = 0) or to
// that product's result (1); with 0, r * h is a row per instance, the input of a third product.
void lower_gru_across_instances(LoweringContext& ctx, const Node& n, const std::string& name,
                                std::vector<loop::Kernel>& kernels) {
  NJC_ASSERT(lowers_across_instances(ctx, n), "GRU lowered across instances out of its conditions");
  RnnShape r = rnn_shape(ctx, n);
  std::vector<std::string> act = activations(n, 1, {"Sigmoid", "Tanh"});
  const std::string &f = act[0], &g = act[1];
  bool linear_before_reset = attr_int(n, "linear_before_reset", 0) != 0;
  bool has_h0 = input_or_none(n, 5) != kNoValue;
  int64_t H = r.hidden, rows = 3 * H, recurrent_rows = linear_before_reset ? rows : 2 * H;
  Stages stages(ctx, name, kernels);
  // x . W^T + Wb for the gates z, r, h; h0 . R^T + Rb for z, r, and h when linear_before_reset.
  std::string from_x = stages.buffer("gates_x"), from_h = stages.buffer("gates_h");
  stages.kernel("gates", [&](KernelScope& s) {
    StepOperands op{s, n, r};
    View x_part = s.passed(from_x, {rows}, true), h_part = s.passed(from_h, {recurrent_rows}, true);
    init_gates(s, x_part, rows, [&](const Affine& row) { return op.bias(0, 3, row); });
    accumulate_product(
        s, x_part, rows, [&](const Affine& k) { return op.x(k); }, r.input,
        *transposed_gate_weights(s, ctx, n.inputs[1]), rows, 0);
    init_gates(s, h_part, recurrent_rows, [&](const Affine& row) { return op.bias(1, 3, row); });
    if (has_h0)
      accumulate_product(
          s, h_part, recurrent_rows, [&](const Affine& k) { return op.initial(5, k); }, H,
          *transposed_gate_weights(s, ctx, n.inputs[2]), rows, 0);
  });
  // Gate z (0) or r (1) at unit j.
  auto gate = [&](KernelScope& s, int which, const Affine& j) {
    LoopValue sum = s.b().add(s.load(s.passed(from_x, {rows}, false), {j + which * H}),
                              s.load(s.passed(from_h, {recurrent_rows}, false), {j + which * H}));
    return rnn_activation(s, f, clipped(s, n, sum));
  };

  // linear_before_reset = 0: (r * h0) . R_h^T + Rb_h, the candidate's recurrent part.
  std::string candidate_h = stages.buffer("candidate_h"), reset_h = stages.buffer("reset_h");
  if (!linear_before_reset && has_h0) {
    stages.kernel("reset", [&](KernelScope& s) {
      StepOperands op{s, n, r};
      View out = s.passed(reset_h, {H}, true);
      s.for_instances("n", [&] {
        s.b().loop("u", 0, H, 1, [&](LoopValue unit) {
          Affine j = Affine::var(unit);
          s.store(s.b().mul(gate(s, 1, j), op.initial(5, j)), out, {j});
        });
      });
    });
  }
  if (!linear_before_reset) {
    stages.kernel("candidate", [&](KernelScope& s) {
      StepOperands op{s, n, r};
      View out = s.passed(candidate_h, {H}, true);
      init_gates(s, out, H, [&](const Affine& row) { return op.bias(1, 3, row + 2 * H); });
      if (!has_h0) return;
      View in = s.passed(reset_h, {H}, false);
      accumulate_product(
          s, out, H, [&](const Affine& k) { return s.load(in, {k}); }, H,
          *transposed_gate_weights(s, ctx, n.inputs[2]), rows, 2 * H);
    });
  }

  stages.kernel("", [&](KernelScope& s) {
    loop::Builder& b = s.b();
    StepOperands op{s, n, r};
    View hs = hidden_sequence(s, n, r);
    s.for_instances("n", [&] {
      b.loop("u", 0, H, 1, [&](LoopValue unit) {
        Affine j = Affine::var(unit);
        LoopValue z = gate(s, 0, j);
        LoopValue x_part = s.load(s.passed(from_x, {rows}, false), {j + 2 * H});
        LoopValue rec = linear_before_reset
                            ? b.mul(gate(s, 1, j), s.load(s.passed(from_h, {rows}, false), {j + 2 * H}))
                            : s.load(s.passed(candidate_h, {H}, false), {j});
        LoopValue cand = rnn_activation(s, g, clipped(s, n, b.add(x_part, rec)));
        // h = (1 - z) * cand + z * h_prev = cand + z * (h_prev - cand)
        op.store_hidden(hs, b.fma(z, b.sub(op.initial(5, j), cand), cand), j);
      });
    });
  });
}

}  // namespace njc::passes::lowering
