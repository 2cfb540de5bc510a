// Graph IR -> loop IR. See lower_graph.h for the scheme; this file has one function per op family.
#include "passes/lower_graph.h"

#include <cmath>
#include <functional>
#include <set>

#include "ir/assert.h"
#include "ir/broadcast.h"
#include "ir/loop_builder.h"
#include "ir/loop_interpreter.h"
#include "ir/shape_inference.h"
#include "ir/slice_range.h"
#include "passes/lower_batched_cells.h"
#include "passes/lower_elementwise.h"
#include "passes/lower_sequence_ops.h"
#include "passes/lowering_scope.h"

namespace njc::passes {

namespace {

using namespace lowering;

class Lowering {
 public:
  explicit Lowering(const Graph& g) : g_(g), ctx_(g), uses_(g.values.size(), 0) {}
  Expected<LoweredModel> run();

 private:
  const Graph& g_;
  LoweringContext ctx_;
  LoweredModel out_;
  std::vector<int> uses_;
  std::vector<bool> fused_;  // per node: lowered as part of an earlier node's kernel

  void name_buffers();
  Status lower_node(size_t index);
  void emit_state_update();
  std::string emit_output_copy(ValueId v);
  void lower_elementwise(KernelScope& s, size_t index);
  void lower_matmul_like(KernelScope& s, size_t index);
  bool folds_batch_into_rows(size_t index, bool packed_b, const std::vector<size_t>& epilogue) const;
  std::vector<size_t> fusable_epilogue(size_t index);
  void lower_softmax(KernelScope& s, const Node& n);
  void lower_reduce(KernelScope& s, const Node& n);
  void lower_copy_like(KernelScope& s, const Node& n);
  const Shape& shape(ValueId v) const { return g_.value(v).shape; }
  const std::string& buffer_name(ValueId v) const { return ctx_.buffer_name(v); }
  bool is_constant(ValueId v) const { return ctx_.is_constant(v); }
};

// ---- elementwise --------------------------------------------------------------------------------------

// An elementwise node and the single-use elementwise chain after it: one nest, the chain's intermediate
// values stay in registers and only its last result is stored.
void Lowering::lower_elementwise(KernelScope& s, size_t index) {
  const Node& first = g_.nodes[index];
  const Shape& out = shape(first.outputs[0]);
  std::vector<size_t> chain = fusable_epilogue(index);
  s.per_instance([&] {
    nest(s.b(), out, [&](const Idx& idx) {
      std::vector<LoopValue> args;
      for (ValueId in : first.inputs) args.push_back(s.load(in, broadcast_index(shape(in), out, idx)));
      LoopValue v = elementwise_value(s, first, args);
      ValueId cur = first.outputs[0];
      for (size_t c : chain) {
        const Node& e = g_.nodes[c];
        std::vector<LoopValue> operands;
        for (ValueId in : e.inputs)
          operands.push_back(in == cur ? v : s.load(in, broadcast_index(shape(in), out, idx)));
        v = elementwise_value(s, e, operands);
        cur = e.outputs[0];
      }
      s.store(v, cur, idx);
    });
  });
  for (size_t c : chain) fused_[c] = true;
}

// ---- Gemm and MatMul ----------------------------------------------------------------------------------

// Nodes after `index` that can join its kernel as an elementwise epilogue: a chain where each link is the
// only use of the previous result, keeps its shape, and takes any other operand from outside the chain.
std::vector<size_t> Lowering::fusable_epilogue(size_t index) {
  std::vector<size_t> chain;
  ValueId cur = g_.nodes[index].outputs[0];
  while (uses_[static_cast<size_t>(cur)] == 1) {
    size_t next = index + 1 + chain.size();
    if (next >= g_.nodes.size()) break;
    const Node& n = g_.nodes[next];
    bool elementwise = is_unary_elementwise(n.op) || is_binary_elementwise(n.op);
    if (!elementwise || shape(n.outputs[0]) != shape(cur)) break;
    bool uses_cur = false;
    for (ValueId in : n.inputs) uses_cur |= in == cur;
    if (!uses_cur) break;
    chain.push_back(next);
    cur = n.outputs[0];
  }
  return chain;
}

// Whether a batched dense layer can run as one matrix product over all instances' rows: A's rows of
// every instance are consecutive in its buffer (instance b's row i is row b*M + i), and so are y's, so
// the batch folds into the row loop and each panel of the constant B serves every instance's rows. Each
// other operand (C, the epilogue's) must then be either instance data of y's own shape (same row
// folding) or a constant whose rows broadcast.
bool Lowering::folds_batch_into_rows(size_t index, bool packed_b, const std::vector<size_t>& epilogue) const {
  const Node& n = g_.nodes[index];
  bool ta = n.op == OpKind::Gemm && attr_int(n, "transA", 0);
  const Shape& ys = shape(n.outputs[0]);
  if (g_.batch == 1 || !packed_b || ta || shape(n.inputs[0]).size() != 2 || ys.size() != 2 ||
      is_constant(n.inputs[0]))
    return false;
  auto row_foldable = [&](ValueId v) {
    if (v == kNoValue) return true;
    const Shape& vs = shape(v);
    if (!is_constant(v)) return vs == ys;
    return vs.size() < 2 || vs[vs.size() - 2] == 1;
  };
  for (size_t i = 2; i < n.inputs.size(); ++i)
    if (!row_foldable(n.inputs[i])) return false;
  ValueId cur = n.outputs[0];
  for (size_t c : epilogue) {
    for (ValueId in : g_.nodes[c].inputs)
      if (in != cur && !row_foldable(in)) return false;
    cur = g_.nodes[c].outputs[0];
  }
  return true;
}

void Lowering::lower_matmul_like(KernelScope& s, size_t index) {
  const Node& n = g_.nodes[index];
  loop::Builder& b = s.b();
  ValueId a = n.inputs[0], bb = n.inputs[1], y = n.outputs[0];
  bool gemm = n.op == OpKind::Gemm;
  bool ta = gemm && attr_int(n, "transA", 0), tb = gemm && attr_int(n, "transB", 0);
  double alpha = gemm ? attr_float(n, "alpha", 1.0) : 1.0, beta = gemm ? attr_float(n, "beta", 1.0) : 1.0;
  Shape as = shape(a), bs = shape(bb);
  bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  int64_t K = ta ? as[0] : as.back();
  int64_t N = b_vec ? 1 : (tb ? bs[bs.size() - 2] : bs.back());
  int64_t M = a_vec ? 1 : (ta ? as[1] : as[as.size() - 2]);
  const Shape& ys = shape(y);
  size_t batch_rank = ys.size() - (a_vec ? 0 : 1) - (b_vec ? 0 : 1);
  Shape batch(ys.begin(), ys.begin() + static_cast<long>(batch_rank));

  // A constant 2-D B is packed at compile time to [K][N] with alpha folded in: contiguous rows for j.
  std::optional<BufferId> packed;
  if (bs.size() == 2 && is_constant(bb)) {
    const std::vector<float>& w = g_.data_of(ctx_.constant_source(bb));
    std::vector<float> p(static_cast<size_t>(K * N));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j)
        p[static_cast<size_t>(k * N + j)] =
            static_cast<float>(alpha * w[static_cast<size_t>(tb ? j * K + k : k * N + j)]);
    packed = s.constant_buffer(buffer_name(bb) + ".packed", std::move(p));
  }
  std::vector<size_t> chain = fusable_epilogue(index);
  // Folded, the nests run over the rows of all instances at once: y's loop shape is [batch * M, N].
  bool fold = folds_batch_into_rows(index, packed.has_value(), chain);
  int64_t rows = fold ? g_.batch * M : M;
  Shape loop_ys = fold ? Shape{rows, N} : ys;
  auto operand_index = [&](ValueId v, const Idx& idx) {
    return fold && !is_constant(v) ? idx : broadcast_index(shape(v), loop_ys, idx);
  };
  auto y_index = [&](const Idx& bi, Affine i, Affine j) {
    Idx idx = bi;
    if (!a_vec) idx.push_back(i);
    if (!b_vec) idx.push_back(j);
    return idx;
  };
  auto body = [&] {
    // Init nest: y = beta * C (broadcast), or 0.
    nest(b, batch, [&](const Idx& bi) {
      b.loop("i", 0, rows, 1, [&](LoopValue i) {
        b.loop("j", 0, N, 1, [&](LoopValue j) {
          Idx yi = y_index(bi, Affine::var(i), Affine::var(j));
          bool has_c = gemm && n.inputs.size() > 2 && n.inputs[2] != kNoValue;
          LoopValue init = has_c ? s.load(n.inputs[2], operand_index(n.inputs[2], yi)) : s.c(0);
          if (has_c && beta != 1.0) init = b.mul(s.c(beta), init);
          s.store(init, y, yi);
        });
      });
    });
    // Accumulation nest: y[i, j] += A[i, k] * B[k, j].
    nest(b, batch, [&](const Idx& bi) {
      b.loop("i", 0, rows, 1, [&](LoopValue i) {
        b.loop("j", 0, N, 1, [&](LoopValue j) {
          b.loop("k", 0, K, 1, [&](LoopValue k) {
            Affine I = Affine::var(i), J = Affine::var(j), Kx = Affine::var(k);
            Idx ai = a_vec ? Idx{Kx} : Idx{ta ? Kx : I, ta ? I : Kx};
            if (!a_vec && !gemm)
              ai = broadcast_index(Shape(as.begin(), as.end() - 2), batch, bi), ai.push_back(I),
              ai.push_back(Kx);
            LoopValue av = s.load(a, ai);
            if (alpha != 1.0 && !packed) av = b.mul(av, s.c(alpha));
            LoopValue bv;
            if (packed) {
              bv = b.load(*packed, {Kx * N + J});
            } else {
              Idx bi2 = b_vec ? Idx{Kx} : Idx{tb ? J : Kx, tb ? Kx : J};
              if (!b_vec && !gemm)
                bi2 = broadcast_index(Shape(bs.begin(), bs.end() - 2), batch, bi), bi2.push_back(Kx),
                bi2.push_back(J);
              bv = s.load(bb, bi2);
            }
            Idx yi = y_index(bi, I, J);
            s.store(b.fma(av, bv, s.load(y, yi)), y, yi);
          });
        });
      });
    });
    // Fused elementwise epilogue (bias, activation, ...): one pass over y, chain values kept in registers.
    if (chain.empty()) return;
    nest(b, loop_ys, [&](const Idx& idx) {
      ValueId cur = y;
      LoopValue v = s.load(y, idx);
      for (size_t c : chain) {
        const Node& e = g_.nodes[c];
        std::vector<LoopValue> args;
        for (ValueId in : e.inputs) args.push_back(in == cur ? v : s.load(in, operand_index(in, idx)));
        v = elementwise_value(s, e, args);
        cur = e.outputs[0];
      }
      s.store(v, cur, idx);
    });
  };
  if (fold)
    body();
  else
    s.per_instance(body);
  for (size_t c : chain) fused_[c] = true;
}

// ---- softmax and reductions ---------------------------------------------------------------------------

void Lowering::lower_softmax(KernelScope& s, const Node& n) {
  loop::Builder& b = s.b();
  ValueId x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = shape(x);
  size_t axis =
      static_cast<size_t>(*normalize_axis(attr_int(n, "axis", -1), static_cast<int64_t>(xs.size())));
  Shape outer = xs;
  outer[axis] = 1;
  s.per_instance([&] {
    nest(b, outer, [&](const Idx& idx) {
      auto at = [&](LoopValue k) {
        Idx i = idx;
        i[axis] = Affine::var(k);
        return i;
      };
      LoopValue mx = b.loop_iter("k", 0, xs[axis], 1, {s.c(-INFINITY)},
                                 [&](LoopValue k, const std::vector<LoopValue>& acc) {
                                   return std::vector<LoopValue>{b.max(acc[0], s.load(x, at(k)))};
                                 })[0];
      // Softmax keeps each exp(x - max) in y for the final scaling: one exp per element, not two.
      bool log_form = n.op == OpKind::LogSoftmax;
      LoopValue sum =
          b.loop_iter("k", 0, xs[axis], 1, {s.c(0)}, [&](LoopValue k, const std::vector<LoopValue>& acc) {
            LoopValue e = b.unary(loop::Op::Exp, b.sub(s.load(x, at(k)), mx));
            if (!log_form) s.store(e, y, at(k));
            return std::vector<LoopValue>{b.add(acc[0], e)};
          })[0];
      LoopValue scale = log_form ? b.unary(loop::Op::Log, sum) : b.unary(loop::Op::Recip, sum);
      b.loop("k", 0, xs[axis], 1, [&](LoopValue k) {
        LoopValue v = log_form ? b.sub(b.sub(s.load(x, at(k)), mx), scale) : b.mul(s.load(y, at(k)), scale);
        s.store(v, y, at(k));
      });
    });
  });
}

double reduce_init(OpKind op) {
  if (op == OpKind::ReduceMax) return -INFINITY;
  if (op == OpKind::ReduceMin) return INFINITY;
  return op == OpKind::ReduceProd ? 1.0 : 0.0;
}

LoopValue reduce_step(KernelScope& s, OpKind op, LoopValue acc, LoopValue v) {
  loop::Builder& b = s.b();
  switch (op) {
    case OpKind::ReduceMax:
      return b.max(acc, v);
    case OpKind::ReduceMin:
      return b.min(acc, v);
    case OpKind::ReduceProd:
      return b.mul(acc, v);
    case OpKind::ReduceL1:
      return b.add(acc, b.unary(loop::Op::Abs, v));
    case OpKind::ReduceL2:
    case OpKind::ReduceSumSquare:
      return b.fma(v, v, acc);
    case OpKind::ReduceLogSumExp:
      return b.add(acc, b.unary(loop::Op::Exp, v));
    default:  // Sum, Mean, LogSum
      return b.add(acc, v);
  }
}

LoopValue reduce_final(KernelScope& s, OpKind op, LoopValue acc, double count) {
  switch (op) {
    case OpKind::ReduceMean:
      return s.b().mul(acc, s.c(1.0 / count));
    case OpKind::ReduceL2:
      return s.b().unary(loop::Op::Sqrt, acc);
    case OpKind::ReduceLogSum:
    case OpKind::ReduceLogSumExp:
      return s.b().unary(loop::Op::Log, acc);
    default:
      return acc;
  }
}

void Lowering::lower_reduce(KernelScope& s, const Node& n) {
  loop::Builder& b = s.b();
  ValueId x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = shape(x);
  std::vector<bool> reduced(xs.size(), false);
  auto axes = attr_ints(n, "axes");
  if (axes && !axes->empty()) {
    for (int64_t a : *axes)
      reduced[static_cast<size_t>(*normalize_axis(a, static_cast<int64_t>(xs.size())))] = true;
  } else if (!attr_int(n, "noop_with_empty_axes", 0)) {
    std::fill(reduced.begin(), reduced.end(), true);
  }
  Shape kept = xs, inner;
  for (size_t d = 0; d < xs.size(); ++d)
    if (reduced[d]) kept[d] = 1, inner.push_back(xs[d]);
  double count = static_cast<double>(num_elements(inner));
  s.per_instance([&] {
    nest(b, kept, [&](const Idx& idx) {
      // One carried accumulator threaded through a nest over the reduced dimensions.
      std::function<LoopValue(size_t, Idx, LoopValue)> over = [&](size_t d, Idx at,
                                                                  LoopValue acc) -> LoopValue {
        while (d < xs.size() && !reduced[d]) ++d;
        if (d == xs.size()) return reduce_step(s, n.op, acc, s.load(x, at));
        return b.loop_iter("r", 0, xs[d], 1, {acc}, [&](LoopValue r, const std::vector<LoopValue>& a) {
          Idx next = at;
          next[d] = Affine::var(r);
          return std::vector<LoopValue>{over(d + 1, next, a[0])};
        })[0];
      };
      LoopValue total = reduce_final(s, n.op, over(0, idx, s.c(reduce_init(n.op))), count);
      Idx out;
      bool keep = attr_int(n, "keepdims", 1) != 0;
      for (size_t d = 0; d < xs.size(); ++d)
        if (!reduced[d])
          out.push_back(idx[d]);
        else if (keep)
          out.push_back(Affine::cst(0));
      s.store(total, y, out);
    });
  });
}

// ---- data movement ------------------------------------------------------------------------------------

void Lowering::lower_copy_like(KernelScope& s, const Node& n) {
  loop::Builder& b = s.b();
  ValueId y = n.outputs[0];
  const Shape& ys = shape(y);
  s.per_instance([&] {
    if (n.op == OpKind::Concat) {
      size_t axis =
          static_cast<size_t>(*normalize_axis(attr_int(n, "axis", 0), static_cast<int64_t>(ys.size())));
      int64_t offset = 0;
      for (ValueId in : n.inputs) {
        nest(b, shape(in), [&](const Idx& idx) {
          Idx out = idx;
          out[axis] = out[axis] + offset;
          s.store(s.load(in, idx), y, out);
        });
        offset += shape(in)[axis];
      }
      return;
    }
    nest(b, ys, [&](const Idx& idx) {
      ValueId x = n.inputs[0];
      const Shape& xs = shape(x);
      Idx from(xs.size());
      if (n.op == OpKind::Transpose) {
        std::vector<int64_t> perm = attr_ints(n, "perm").value_or(std::vector<int64_t>{});
        if (perm.empty())
          for (size_t d = xs.size(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
        for (size_t p = 0; p < perm.size(); ++p) from[static_cast<size_t>(perm[p])] = idx[p];
      } else if (n.op == OpKind::Slice) {
        from = idx;
        auto starts = *attr_ints(n, "starts"), ends = *attr_ints(n, "ends");
        std::vector<int64_t> axes = attr_ints(n, "axes").value_or(std::vector<int64_t>{});
        if (!n.attrs.count("axes"))
          for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
        std::vector<int64_t> steps = attr_ints(n, "steps").value_or(std::vector<int64_t>(starts.size(), 1));
        for (size_t i = 0; i < starts.size(); ++i) {
          size_t d = static_cast<size_t>(*normalize_axis(axes[i], static_cast<int64_t>(xs.size())));
          SliceRange r = slice_range(starts[i], ends[i], steps[i], xs[d]);
          from[d] = idx[d] * r.step + r.start;
        }
      } else {  // Reshape into a model output: the same elements in the same flat order
        Affine position = linear_index(ys, idx);
        View from = s.read(x), to = s.write(y);
        b.store(b.load(from.buffer, {s.index_at(from, position)}), to.buffer, {s.index_at(to, position)});
        return;
      }
      s.store(s.load(x, from), y, idx);
    });
  });
}

// ---- driver -------------------------------------------------------------------------------------------

void Lowering::name_buffers() {
  for (const Node& n : g_.nodes)
    for (ValueId v : n.inputs)
      if (v != kNoValue) ++uses_[static_cast<size_t>(v)];
  for (ValueId v : g_.outputs) ++uses_[static_cast<size_t>(v)];
  for (const StateInfo& st : g_.states)
    if (st.next != kNoValue) ++uses_[static_cast<size_t>(st.next)];
  for (size_t v = 0; v < g_.values.size(); ++v) {
    const ValueInfo& info = g_.values[v];
    ValueId id = static_cast<ValueId>(v);
    bool alias = info.kind == ValueKind::Result && !ctx_.is_output(id) &&
                 g_.nodes[static_cast<size_t>(info.producer)].op == OpKind::Reshape;
    // A Reshape result that is not a model output is its input's buffer under another shape.
    ctx_.set_buffer_name(id, alias ? buffer_name(g_.nodes[static_cast<size_t>(info.producer)].inputs[0])
                                   : ctx_.unique(info.name));
  }
}

Status Lowering::lower_node(size_t index) {
  const Node& n = g_.nodes[index];
  if (n.op == OpKind::Reshape && buffer_name(n.outputs[0]) == buffer_name(n.inputs[0])) return Status::ok();
  ValueId named = *std::find_if(n.outputs.begin(), n.outputs.end(), [](ValueId v) { return v != kNoValue; });
  std::string name =
      ctx_.unique(std::to_string(index) + "_" + std::string(op_info(n.op).name) + "_" + g_.value(named).name);
  if (lowers_across_instances(ctx_, n)) {
    (n.op == OpKind::LSTM ? lower_lstm_across_instances : lower_gru_across_instances)(ctx_, n, name,
                                                                                      out_.module.kernels);
    return Status::ok();
  }
  KernelScope s(ctx_, name);
  if (n.op == OpKind::Gemm || n.op == OpKind::MatMul)
    lower_matmul_like(s, index);
  else if (is_unary_elementwise(n.op) || is_binary_elementwise(n.op))
    lower_elementwise(s, index);
  else if (n.op == OpKind::Softmax || n.op == OpKind::LogSoftmax)
    lower_softmax(s, n);
  else if (is_reduction(n.op))
    lower_reduce(s, n);
  else if (n.op == OpKind::Conv)
    lower_conv(s, ctx_, n);
  else if (n.op == OpKind::LSTM)
    lower_lstm(s, ctx_, n);
  else if (n.op == OpKind::GRU)
    lower_gru(s, ctx_, n);
  else
    lower_copy_like(s, n);
  out_.module.kernels.push_back(s.take());
  return Status::ok();
}

std::string Lowering::emit_output_copy(ValueId v) {
  KernelScope s(ctx_, ctx_.unique("output_" + g_.value(v).name));
  std::string name = ctx_.unique("out." + g_.value(v).name);
  View to{s.b().output(name, {storage_elements(shape(v)) * g_.batch}), shape(v), true};
  View from = s.read(v);
  s.per_instance([&] {
    s.b().loop("e", 0, num_elements(shape(v)), 1, [&](LoopValue e) {
      Affine at = Affine::var(e);
      s.b().store(s.b().load(from.buffer, {s.index_at(from, at)}), to.buffer, {s.index_at(to, at)});
    });
  });
  out_.module.kernels.push_back(s.take());
  return name;
}

void Lowering::emit_state_update() {
  bool any = false;
  for (const StateInfo& st : g_.states) any |= st.next != kNoValue;
  if (!any) return;
  loop::Kernel k;
  k.name = ctx_.unique("state_update");
  loop::Builder b(k);
  for (const StateInfo& st : g_.states) {
    if (st.next == kNoValue || buffer_name(st.next) == buffer_name(st.value)) continue;
    int64_t n = num_elements(g_.value(st.value).shape) * g_.batch;
    BufferId from = b.input(buffer_name(st.next), {n});
    BufferId to = b.state(buffer_name(st.value), {n});
    b.loop("e", 0, n, 1, [&](LoopValue e) { b.store(b.load(from, {Affine::var(e)}), to, {Affine::var(e)}); });
  }
  out_.module.kernels.push_back(std::move(k));
}

Expected<LoweredModel> Lowering::run() {
  out_.batch = g_.batch;
  fused_.assign(g_.nodes.size(), false);
  name_buffers();
  for (size_t i = 0; i < g_.nodes.size(); ++i)
    if (!fused_[i])
      if (Status st = lower_node(i); !st) return st.error();
  for (ValueId v : g_.outputs) {
    // An output that no node computes (an input, a param, a state) is copied into its own buffer first,
    // before the state update can change it.
    bool computed = g_.value(v).kind == ValueKind::Result && !ctx_.is_constant(v);
    out_.output_buffers.push_back(computed ? buffer_name(v) : emit_output_copy(v));
    out_.output_sizes.push_back(g_.batch * num_elements(shape(v)));
  }
  emit_state_update();
  for (ValueId v : g_.inputs) out_.input_buffers.push_back(buffer_name(v));
  for (const StateInfo& st : g_.states) {
    out_.state_buffers.push_back(buffer_name(st.value));
    out_.state_initial.push_back(st.initial);
  }
  return std::move(out_);
}

}  // namespace

Expected<LoweredModel> lower_graph(const Graph& g) {
  return Lowering(g).run();
}

// ---- running a lowered model --------------------------------------------------------------------------

LoweredModelInterpreter::LoweredModelInterpreter(const LoweredModel& m) : m_(m) {
  reset_state();
}

void LoweredModelInterpreter::reset_state() {
  memory_.clear();
  for (const loop::Kernel& k : m_.module.kernels)
    for (const loop::Buffer& buf : k.buffers)
      if (buf.kind != loop::BufferKind::kParam)
        memory_[buf.name].assign(static_cast<size_t>(buf.size()), 0.0f);
  for (size_t i = 0; i < m_.state_buffers.size(); ++i) {
    const std::vector<float>& initial = m_.state_initial[i];
    auto it = memory_.find(m_.state_buffers[i]);
    if (initial.empty() || it == memory_.end()) continue;  // a state no kernel touches has no buffer
    for (size_t at = 0; at + initial.size() <= it->second.size(); at += initial.size())
      std::copy(initial.begin(), initial.end(), it->second.begin() + static_cast<long>(at));
  }
}

std::vector<std::vector<float>> LoweredModelInterpreter::run(const std::vector<std::vector<float>>& inputs) {
  NJC_ASSERT(inputs.size() == m_.input_buffers.size(), "wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = memory_.find(m_.input_buffers[i]);
    if (it != memory_.end()) it->second = inputs[i];  // an input no kernel reads has no buffer
  }
  for (const loop::Kernel& k : m_.module.kernels) {
    loop::BufferData data = loop::make_buffers(k);
    for (size_t b = 0; b < k.buffers.size(); ++b)
      if (k.buffers[b].kind != loop::BufferKind::kParam) data[b] = memory_.at(k.buffers[b].name);
    loop::interpret(k, data);
    for (size_t b = 0; b < k.buffers.size(); ++b)
      if (!k.buffers[b].read_only()) memory_[k.buffers[b].name] = std::move(data[b]);
  }
  std::vector<std::vector<float>> out;
  for (size_t o = 0; o < m_.output_buffers.size(); ++o) {
    const std::vector<float>& all = memory_.at(m_.output_buffers[o]);
    out.emplace_back(all.begin(), all.begin() + m_.output_sizes[o]);
  }
  return out;
}

}  // namespace njc::passes
