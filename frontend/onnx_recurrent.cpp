// ONNX's recurrent ops: LSTM and GRU become njc's ops of the same name, RNN is unrolled over its (static)
// sequence into Gemm and activation nodes. With OnnxImportOptions::carry_states, an initial state that is
// absent or zero becomes an njc state whose next value is the op's final state, so each call runs the next
// steps of one sequence; also Erf, which njc lacks, as a composition of its ops.
#include "frontend/onnx_converter.h"

namespace njc::onnx {

namespace {
using Dims = std::vector<int64_t>;

bool all_zero(const Constant& k) {
  for (size_t i = 0; i < static_cast<size_t>(k.size()); ++i)
    if (k.value(i) != 0) return false;
  return true;
}

struct RecurrentShape {
  int64_t directions, batch, hidden, seq;
  bool batch_first;
  Dims state_dims() const {
    return batch_first ? Dims{batch, directions, hidden} : Dims{directions, batch, hidden};
  }
};

Expected<RecurrentShape> recurrent_shape(Converter& c, const Node& n) {
  auto x = c.shape_of(c.input(n, 0));
  if (!x) return x.error();
  if (x->size() != 3) return c.fail("X must have rank 3");
  RecurrentShape r;
  r.batch_first = c.int_attr(n, "layout", 0) == 1;
  r.directions = c.string_attr(n, "direction", "forward") == "bidirectional" ? 2 : 1;
  r.batch = r.batch_first ? (*x)[0] : (*x)[1];
  r.seq = r.batch_first ? (*x)[1] : (*x)[0];
  r.hidden = c.int_attr(n, "hidden_size", 0);
  if (r.hidden <= 0) return c.fail("hidden_size must be given and positive");
  return r;
}

// Input i (an initial state) as the op will read it: when states are carried and it is absent or a
// constant, a carried state (starting from the constant: its initial value, restored by a reset), else as
// given. `next` is the op's output that the state takes; it gets a name if it has none.
Expected<std::string> initial_state(Converter& c, const Node& n, size_t i, std::string& next,
                                    const RecurrentShape& r, const char* which) {
  const std::string& given = c.input(n, i);
  const Constant* k = given.empty() ? nullptr : c.constant(given);
  if (!c.options().carry_states || (!given.empty() && !k)) {
    if (!given.empty()) c.mark_state_input(given);
    return given;
  }
  Dims dims = r.state_dims();
  if (k && k->dims != dims)
    return c.fail(std::string("the initial ") + which + " has the wrong shape (" + shape_to_string(k->dims) +
                  ", expected " + shape_to_string(dims) + ")");
  std::vector<float> initial;
  if (k && !all_zero(*k))
    for (size_t e = 0; e < static_cast<size_t>(k->size()); ++e)
      initial.push_back(static_cast<float>(k->value(e)));
  std::string hint = n.name.empty() ? n.op_type : n.name;
  if (next.empty()) next = c.fresh(hint + "." + which + "_final");
  return c.state(hint + "." + which, dims, next, std::move(initial));
}

Status drop_full_sequence_lens(Converter& c, const Node& n, std::vector<std::string>& ins, int64_t seq) {
  if (ins.size() <= 4 || ins[4].empty()) return Status::ok();
  auto lens = c.constant_input(n, 4, "sequence_lens");
  if (!lens) return lens.error();
  for (int64_t l : as_ints(**lens))
    if (l != seq) return c.fail("sequence_lens shorter than the sequence are not supported");
  ins[4] = "";
  return Status::ok();
}

Status check_activation_params(Converter& c, const Node& n) {
  for (const char* key : {"activation_alpha", "activation_beta"})
    if (n.attribute(key)) return c.fail(std::string("attribute '") + key + "' is not supported");
  return Status::ok();
}

Status convert_lstm_gru(Converter& c, const Node& n, const RecurrentShape& r) {
  bool lstm = n.op_type == "LSTM";
  std::vector<std::string> ins = n.inputs, outs = n.outputs;
  if (Status s = drop_full_sequence_lens(c, n, ins, r.seq); !s) return s;
  outs.resize(lstm ? 3 : 2);
  ins.resize(std::max(ins.size(), size_t{lstm ? 7u : 6u}));
  auto h = initial_state(c, n, 5, outs[1], r, "h");
  if (!h) return h.error();
  ins[5] = *h;
  if (lstm) {
    auto cell = initial_state(c, n, 6, outs[2], r, "c");
    if (!cell) return cell.error();
    ins[6] = *cell;
  }
  while (!ins.empty() && ins.back().empty()) ins.pop_back();
  Attributes attrs;
  for (const Attribute& a : n.attributes) {
    if (a.type == AttrType::kInt)
      attrs[a.name] = a.i;
    else if (a.type == AttrType::kFloat)
      attrs[a.name] = double{a.f};
    else if (a.type == AttrType::kString)
      attrs[a.name] = a.s;
    else if (a.type == AttrType::kStrings)
      attrs[a.name] = a.strings;
    else
      return c.fail("attribute '" + a.name + "' has an unexpected type");
  }
  if (Status s = c.emit(lstm ? OpKind::LSTM : OpKind::GRU, ins, outs, std::move(attrs)); !s) return s;
  for (size_t i = 1; i < outs.size(); ++i)
    if (!outs[i].empty()) c.mark_final_state(outs[i]);
  return Status::ok();
}

// ---- RNN, unrolled ----------------------------------------------------------------------------------------

OpKind rnn_activation(const std::string& name, bool& ok) {
  ok = true;
  if (name == "Tanh") return OpKind::Tanh;
  if (name == "Relu") return OpKind::Relu;
  if (name == "Sigmoid") return OpKind::Sigmoid;
  ok = false;
  return OpKind::Tanh;
}

// Rows [first, first + count) of a constant's leading-axis block d, as a new param [shape].
std::string weight_block(Converter& c, const Constant& k, int64_t d, int64_t offset, Dims shape,
                         const std::string& hint) {
  int64_t block = k.size() / k.dims[0], count = 1;
  for (int64_t e : shape) count *= e;
  auto first = k.floats.begin() + d * block + offset;
  return c.param(hint, shape, std::vector<float>(first, first + count));
}

// One step's slice of X: [batch, input] at time t.
Expected<std::string> time_step(Converter& c, const std::string& x, int64_t t, const Dims& x_shape) {
  std::string sl = c.fresh(x + ".t"), flat = c.fresh(x + ".t");
  if (Status s =
          c.emit(OpKind::Slice, {x}, {sl}, {{"starts", Dims{t}}, {"ends", Dims{t + 1}}, {"axes", Dims{0}}});
      !s)
    return s.error();
  if (Status s = c.emit(OpKind::Reshape, {sl}, {flat}, {{"shape", Dims{x_shape[1], x_shape[2]}}}); !s)
    return s.error();
  return flat;
}

Status convert_rnn(Converter& c, const Node& n, const RecurrentShape& r) {
  if (r.batch_first) return c.fail("RNN with layout 1 is not supported");
  if (n.attribute("clip")) return c.fail("attribute 'clip' is not supported");
  auto w = c.constant_input(n, 1, "RNN's W");
  if (!w) return w.error();
  auto rw = c.constant_input(n, 2, "RNN's R");
  if (!rw) return rw.error();
  const Constant* b = nullptr;
  if (!c.input(n, 3).empty()) {
    auto bk = c.constant_input(n, 3, "RNN's B");
    if (!bk) return bk.error();
    b = *bk;
  }
  int64_t D = r.directions, H = r.hidden, B = r.batch, S = r.seq;
  auto x_shape = c.shape_of(c.input(n, 0));
  if (!x_shape) return x_shape.error();
  int64_t I = (*x_shape)[2];
  if (!(*w)->is_float || (*w)->dims != Dims{D, H, I} || (*rw)->dims != Dims{D, H, H} ||
      (b && b->dims != Dims{D, 2 * H}))
    return c.fail("W, R or B do not have the shapes [D, H, I], [D, H, H], [D, 2H]");
  std::vector<std::string> outs = n.outputs;
  outs.resize(2);
  std::string h_final = outs[1].empty() ? c.fresh("rnn.h_final") : outs[1];
  auto h0 = initial_state(c, n, 5, h_final, r, "h");
  if (!h0) return h0.error();
  std::string h_init =
      h0->empty() ? c.param("rnn.h0", {D, B, H}, std::vector<float>(static_cast<size_t>(D * B * H), 0.f))
                  : *h0;
  std::vector<std::string> acts = n.attribute("activations")
                                      ? n.attribute("activations")->strings
                                      : std::vector<std::string>(static_cast<size_t>(D), "Tanh");
  std::string direction = c.string_attr(n, "direction", "forward");
  std::vector<std::string> xs;
  for (int64_t t = 0; t < S; ++t) {
    auto xt = time_step(c, c.input(n, 0), t, *x_shape);
    if (!xt) return xt.error();
    xs.push_back(*xt);
  }
  std::vector<std::vector<std::string>> ys(static_cast<size_t>(D),
                                           std::vector<std::string>(static_cast<size_t>(S)));
  std::vector<std::string> finals;
  for (int64_t d = 0; d < D; ++d) {
    bool ok = false;
    OpKind act = rnn_activation(acts.size() > static_cast<size_t>(d) ? acts[static_cast<size_t>(d)] : "", ok);
    if (!ok)
      return c.fail("activation '" +
                    (acts.size() > static_cast<size_t>(d) ? acts[static_cast<size_t>(d)] : "") +
                    "' is not supported");
    std::string Wd = weight_block(c, **w, d, 0, {H, I}, "rnn.W"),
                Rd = weight_block(c, **rw, d, 0, {H, H}, "rnn.R");
    std::string bias;
    if (b) {
      std::vector<float> sum(static_cast<size_t>(H));
      for (int64_t k = 0; k < H; ++k)
        sum[static_cast<size_t>(k)] =
            b->floats[static_cast<size_t>(d * 2 * H + k)] + b->floats[static_cast<size_t>(d * 2 * H + H + k)];
      bias = c.param("rnn.B", {H}, sum);
    }
    std::string hs = c.fresh("rnn.h"), h = c.fresh("rnn.h");
    if (Status s = c.emit(OpKind::Slice, {h_init}, {hs},
                          {{"starts", Dims{d}}, {"ends", Dims{d + 1}}, {"axes", Dims{0}}});
        !s)
      return s;
    if (Status s = c.emit(OpKind::Reshape, {hs}, {h}, {{"shape", Dims{B, H}}}); !s) return s;
    bool reverse = direction == "reverse" || d == 1;
    for (int64_t step = 0; step < S; ++step) {
      int64_t t = reverse ? S - 1 - step : step;
      std::string in = c.fresh("rnn.xw"), pre = c.fresh("rnn.pre"), next = c.fresh("rnn.h");
      std::vector<std::string> gemm_in = {xs[static_cast<size_t>(t)], Wd};
      if (!bias.empty()) gemm_in.push_back(bias);
      if (Status s = c.emit(OpKind::Gemm, gemm_in, {in}, {{"transB", int64_t{1}}}); !s) return s;
      if (Status s = c.emit(OpKind::Gemm, {h, Rd, in}, {pre}, {{"transB", int64_t{1}}}); !s) return s;
      if (Status s = c.emit(act, {pre}, {next}); !s) return s;
      h = next;
      ys[static_cast<size_t>(d)][static_cast<size_t>(t)] = h;
    }
    std::string f = c.fresh("rnn.final");
    if (Status s = c.emit(OpKind::Reshape, {h}, {f}, {{"shape", Dims{1, B, H}}}); !s) return s;
    finals.push_back(f);
  }
  if (Status s = c.emit(OpKind::Concat, finals, {h_final}, {{"axis", int64_t{0}}}); !s) return s;
  c.mark_final_state(h_final);
  if (outs[0].empty()) return Status::ok();
  std::vector<std::string> steps;
  for (int64_t t = 0; t < S; ++t) {
    std::vector<std::string> dirs;
    for (int64_t d = 0; d < D; ++d) {
      dirs.push_back(c.fresh("rnn.y"));
      if (Status s = c.emit(OpKind::Reshape, {ys[static_cast<size_t>(d)][static_cast<size_t>(t)]},
                            {dirs.back()}, {{"shape", Dims{1, 1, B, H}}});
          !s)
        return s;
    }
    steps.push_back(c.fresh("rnn.y"));
    if (Status s = c.emit(OpKind::Concat, dirs, {steps.back()}, {{"axis", int64_t{1}}}); !s) return s;
  }
  return c.emit(OpKind::Concat, steps, {outs[0]}, {{"axis", int64_t{0}}});
}
}  // namespace

Status convert_recurrent(Converter& c, const Node& n) {
  if (c.input(n, 0).empty() || c.input(n, 1).empty() || c.input(n, 2).empty())
    return c.fail("X, W and R are required");
  if (Status s = check_activation_params(c, n); !s) return s;
  auto r = recurrent_shape(c, n);
  if (!r) return r.error();
  if (n.op_type == "RNN") return convert_rnn(c, n, *r);
  return convert_lstm_gru(c, n, *r);
}

// erf(x) = sign(x) (1 - (a1 t + ... + a5 t^5) e^(-x^2)), t = 1 / (1 + p |x|): Abramowitz and Stegun 7.1.26,
// |error| <= 1.5e-7, about one fp32 ulp of erf near 1. sign(x) is x / (|x| + 1e-30).
Status convert_erf(Converter& c, const Node& n) {
  const std::string& x = c.input(n, 0);
  if (x.empty()) return c.fail("its input is missing");
  auto k = [&](float v) { return c.param("erf.k", {}, {v}); };
  auto op = [&](OpKind o, std::vector<std::string> ins) -> Expected<std::string> {
    std::string out = c.fresh("erf");
    if (Status s = c.emit(o, ins, {out}); !s) return s.error();
    return out;
  };
  const float a[] = {0.254829592f, -0.284496736f, 1.421413741f, -1.453152027f, 1.061405429f};
  auto ax = op(OpKind::Abs, {x});
  if (!ax) return ax.error();
  auto px = op(OpKind::Mul, {k(0.3275911f), *ax});
  auto den = px ? op(OpKind::Add, {k(1.f), *px}) : px;
  auto t = den ? op(OpKind::Div, {k(1.f), *den}) : den;
  if (!t) return t.error();
  Expected<std::string> poly = k(a[4]);
  for (int i = 3; i >= 0 && poly; --i) {
    poly = op(OpKind::Mul, {*poly, *t});
    if (poly) poly = op(OpKind::Add, {*poly, k(a[i])});
  }
  if (poly) poly = op(OpKind::Mul, {*poly, *t});
  auto sq = poly ? op(OpKind::Mul, {x, x}) : poly;
  auto neg = sq ? op(OpKind::Neg, {*sq}) : sq;
  auto e = neg ? op(OpKind::Exp, {*neg}) : neg;
  auto pe = e ? op(OpKind::Mul, {*poly, *e}) : e;
  auto y = pe ? op(OpKind::Sub, {k(1.f), *pe}) : pe;
  auto axe = y ? op(OpKind::Add, {*ax, k(1e-30f)}) : y;
  auto sign = axe ? op(OpKind::Div, {x, *axe}) : axe;
  if (!sign) return sign.error();
  return c.emit(OpKind::Mul, {*sign, *y}, {n.outputs.at(0)});
}

}  // namespace njc::onnx
