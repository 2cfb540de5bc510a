// Expansion of layer ops into tensor ops. Each layer validates its operands first, so that the user sees
// "dense: W must be [out, 32]" rather than an error about an internal Gemm.
#include "frontend/layer_ops.h"

#include <algorithm>

#include "ir/assert.h"

namespace njc {

namespace {

using Ids = std::vector<ValueId>;

struct Ctx {
  GraphBuilder& b;
  const LayerNode& n;
  // A copy: emitting nodes grows the value table, which would invalidate a reference.
  Shape shape(ValueId v) const { return b.graph().value(v).shape; }
  std::string hint(const char* suffix) const {
    std::string base = n.outputs.empty() || n.outputs[0] == GraphBuilder::kSkip ? n.op : n.outputs[0];
    return base + "." + suffix;
  }
  Diag input_error(size_t i, std::string msg) const {
    return n.node->doc().error_at(JsonDocument::child(n.node->pointer_of("inputs"), i), n.op + ": " + msg);
  }
  Diag error(std::string msg) const { return n.node->error(n.op + ": " + msg); }
  // Internal nodes of a validated layer cannot fail; if one does, that is a bug in the checks above it.
  ValueId emit(OpKind op, Ids in, Attributes attrs, const std::string& name, const char* suffix) const {
    auto v = b.add1(op, std::move(in), std::move(attrs), name, hint(suffix));
    NJC_ASSERT(v, n.op + " expansion produced an invalid node: " + (v ? "" : v.error().message));
    return *v;
  }
  std::string out_name(size_t i) const { return i < n.outputs.size() ? n.outputs[i] : GraphBuilder::kSkip; }
};

// Checks the input and output counts; inputs below min_in must be given unless listed in `optional`.
Status check_arity(const Ctx& c, size_t min_in, size_t max_in, size_t min_out, size_t max_out,
                   std::initializer_list<size_t> optional = {}) {
  const LayerNode& n = c.n;
  if (n.inputs.size() < min_in || n.inputs.size() > max_in)
    return n.node->error("inputs", n.op + " takes " + std::to_string(min_in) +
                                       (min_in == max_in ? "" : " to " + std::to_string(max_in)) +
                                       " inputs, got " + std::to_string(n.inputs.size()));
  if (n.outputs.size() < min_out || n.outputs.size() > max_out)
    return n.node->error("outputs", n.op + " has " + std::to_string(min_out) +
                                        (min_out == max_out ? "" : " to " + std::to_string(max_out)) +
                                        " outputs, got " + std::to_string(n.outputs.size()));
  for (size_t i = 0; i < min_in; ++i)
    if (n.inputs[i] == kNoValue && std::find(optional.begin(), optional.end(), i) == optional.end())
      return c.input_error(i, "input " + std::to_string(i) + " is required");
  return Status::ok();
}

Status check_attr_keys(const Ctx& c, std::initializer_list<const char*> allowed) {
  if (!c.n.attributes) return Status::ok();
  return c.n.attributes->check_keys(allowed);
}

Status expect(const Ctx& c, size_t i, const Shape& want, const char* what) {
  if (i >= c.n.inputs.size() || c.n.inputs[i] == kNoValue) return Status::ok();
  const Shape have = c.shape(c.n.inputs[i]);
  if (have != want)
    return c.input_error(
        i, std::string(what) + " must be " + shape_to_string(want) + ", got " + shape_to_string(have));
  return Status::ok();
}

Expected<int64_t> int_attr(const Ctx& c, const char* key, int64_t dflt, int64_t lo, int64_t hi) {
  if (!c.n.attributes) return dflt;
  return c.n.attributes->optional_int(key, dflt, lo, hi);
}

// --- dense: y = act(x W^T + b) -------------------------------------------------------------------------

Status expand_dense(const Ctx& c) {
  if (Status s = check_arity(c, 2, 3, 1, 1); !s) return s;
  if (Status s = check_attr_keys(c, {"activation", "alpha"}); !s) return s;
  const Shape x = c.shape(c.n.inputs[0]);
  const Shape w = c.shape(c.n.inputs[1]);
  if (x.size() != 2) return c.input_error(0, "x must be 2-D [batch rows, in], got " + shape_to_string(x));
  if (w.size() != 2 || w[1] != x[1])
    return c.input_error(1, "W must be [out, " + std::to_string(x[1]) + "], got " + shape_to_string(w));
  if (Status s = expect(c, 2, {w[0]}, "the bias"); !s) return s;
  std::string act = "none";
  double alpha = 0;
  if (c.n.attributes) {
    auto a = c.n.attributes->optional_string("activation", "none");
    if (!a) return a.error();
    act = *a;
    auto al = c.n.attributes->optional_number("alpha", act == "elu" ? 1.0 : 0.01);
    if (!al) return al.error();
    alpha = *al;
  }
  static const std::map<std::string, OpKind> kActs = {
      {"relu", OpKind::Relu},        {"tanh", OpKind::Tanh}, {"sigmoid", OpKind::Sigmoid},
      {"softmax", OpKind::Softmax},  {"elu", OpKind::Elu},   {"leaky_relu", OpKind::LeakyRelu},
      {"softplus", OpKind::Softplus}};
  if (act != "none" && !kActs.count(act))
    return c.n.attributes->error("activation",
                                 "dense: unknown activation '" + act +
                                     "' (none, relu, tanh, sigmoid, softmax, elu, leaky_relu, softplus)");
  Ids in = {c.n.inputs[0], c.n.inputs[1]};
  if (c.n.inputs.size() > 2 && c.n.inputs[2] != kNoValue) in.push_back(c.n.inputs[2]);
  ValueId y =
      c.emit(OpKind::Gemm, in, {{"transB", int64_t{1}}}, act == "none" ? c.out_name(0) : "", "linear");
  if (act == "none") return Status::ok();
  OpKind op = kActs.at(act);
  Attributes attrs;
  if (op == OpKind::Elu || op == OpKind::LeakyRelu) attrs["alpha"] = alpha;
  if (op == OpKind::Softmax) attrs["axis"] = int64_t{1};
  c.emit(op, {y}, attrs, c.out_name(0), "act");
  return Status::ok();
}

// --- lstm_cell / gru_cell: one time step of ONNX LSTM / GRU with the state in and out -------------------

Status expand_recurrent_cell(const Ctx& c, bool lstm) {
  size_t gates = lstm ? 4 : 3;
  size_t states = lstm ? 2 : 1;
  if (Status s = check_arity(c, 4 + states, 4 + states, states, states, {3}); !s) return s;
  if (Status s = check_attr_keys(c, lstm ? std::initializer_list<const char*>{}
                                         : std::initializer_list<const char*>{"linear_before_reset"});
      !s)
    return s;
  const Shape x = c.shape(c.n.inputs[0]);
  if (x.size() != 2) return c.input_error(0, "x must be 2-D [batch rows, in], got " + shape_to_string(x));
  const Shape r = c.shape(c.n.inputs[2]);
  if (r.size() != 2 || r[0] != static_cast<int64_t>(gates) * r[1])
    return c.input_error(
        2, "R must be [" + std::to_string(gates) + "*hidden, hidden], got " + shape_to_string(r));
  int64_t rows = x[0], in = x[1], hidden = r[1], g = static_cast<int64_t>(gates) * hidden;
  if (Status s = expect(c, 1, {g, in}, "W"); !s) return s;
  if (Status s = expect(c, 3, {2 * g}, "B (input bias then recurrent bias)"); !s) return s;
  for (size_t i = 4; i < 4 + states; ++i)
    if (Status s = expect(c, i, {rows, hidden}, "the state"); !s) return s;
  Attributes attrs{{"hidden_size", hidden}};
  if (!lstm) {
    auto lbr = int_attr(c, "linear_before_reset", 0, 0, 1);
    if (!lbr) return lbr.error();
    attrs["linear_before_reset"] = *lbr;
  }
  auto reshape = [&](ValueId v, Shape to, const std::string& name, const char* suffix) {
    return c.emit(OpKind::Reshape, {v}, {{"shape", to}}, name, suffix);
  };
  Ids ins = {reshape(c.n.inputs[0], {1, rows, in}, "", "x3"), reshape(c.n.inputs[1], {1, g, in}, "", "W3"),
             reshape(c.n.inputs[2], {1, g, hidden}, "", "R3")};
  ins.push_back(c.n.inputs[3] == kNoValue ? kNoValue : reshape(c.n.inputs[3], {1, 2 * g}, "", "B2"));
  ins.push_back(kNoValue);  // sequence_lens
  for (size_t i = 4; i < 4 + states; ++i)
    ins.push_back(reshape(c.n.inputs[i], {1, rows, hidden}, "", "state3"));
  std::vector<std::string> names = {GraphBuilder::kSkip, "", ""};
  names.resize(1 + states);
  auto outs = c.b.add(lstm ? OpKind::LSTM : OpKind::GRU, ins, attrs, names, c.hint("cell"));
  NJC_ASSERT(outs, "recurrent cell expansion failed: " + (outs ? "" : outs.error().message));
  for (size_t i = 0; i < states; ++i)
    if (c.out_name(i) != GraphBuilder::kSkip)
      reshape((*outs)[1 + i], {rows, hidden}, c.out_name(i), "state2");
  return Status::ok();
}

// --- conv1d_stream: causal convolution over calls; the last (K-1)*dilation inputs live in state ---------

Status expand_conv1d_stream(const Ctx& c) {
  if (Status s = check_attr_keys(c, {"dilation", "group"}); !s) return s;
  auto dilation = int_attr(c, "dilation", 1, 1, 1 << 20);
  auto group = int_attr(c, "group", 1, 1, 1 << 20);
  if (!dilation) return dilation.error();
  if (!group) return group.error();
  if (c.n.inputs.size() < 2) return c.n.node->error("inputs", "conv1d_stream takes x, W, [B], [history]");
  const Shape x = c.shape(c.n.inputs[0]);
  const Shape w = c.shape(c.n.inputs[1]);
  if (x.size() != 2)
    return c.input_error(0, "x must be 2-D [batch rows, channels], got " + shape_to_string(x));
  if (w.size() != 3 || w[1] * *group != x[1] || w[0] % *group != 0)
    return c.input_error(
        1, "W must be [out, " + std::to_string(x[1]) + "/group, kernel], got " + shape_to_string(w));
  int64_t history = (w[2] - 1) * *dilation;
  size_t want_inputs = history > 0 ? 4 : 3;
  if (Status s = check_arity(c, want_inputs, want_inputs, history > 0 ? 2 : 1, history > 0 ? 2 : 1, {2}); !s)
    return s;
  if (Status s = expect(c, 2, {w[0]}, "the bias"); !s) return s;
  if (history > 0)
    if (Status s = expect(c, 3, {x[0], x[1], history}, "the history state"); !s) return s;
  ValueId column = c.emit(OpKind::Reshape, {c.n.inputs[0]}, {{"shape", Shape{x[0], x[1], 1}}}, "", "column");
  ValueId window = history > 0
                       ? c.emit(OpKind::Concat, {c.n.inputs[3], column}, {{"axis", int64_t{2}}}, "", "window")
                       : column;
  Ids conv_in = {window, c.n.inputs[1]};
  if (c.n.inputs[2] != kNoValue) conv_in.push_back(c.n.inputs[2]);
  ValueId y3 =
      c.emit(OpKind::Conv, conv_in,
             {{"dilations", Shape{*dilation}}, {"group", *group}, {"kernel_shape", Shape{w[2]}}}, "", "conv");
  c.emit(OpKind::Reshape, {y3}, {{"shape", Shape{x[0], w[0]}}}, c.out_name(0), "y");
  if (history > 0 && c.out_name(1) != GraphBuilder::kSkip)
    c.emit(OpKind::Slice, {window}, {{"starts", Shape{1}}, {"ends", Shape{history + 1}}, {"axes", Shape{2}}},
           c.out_name(1), "history");
  return Status::ok();
}

// --- DNC content addressing: w = softmax(beta * cos(key, M[i])) over memory rows ------------------------

Expected<double> epsilon_attr(const Ctx& c) {
  if (Status s = check_attr_keys(c, {"epsilon"}); !s) return s.error();
  if (!c.n.attributes) return 1e-6;
  auto e = c.n.attributes->optional_number("epsilon", 1e-6);
  if (e && !(*e > 0 && *e < 1))
    return c.n.attributes->error("epsilon", c.n.op + ": epsilon must be in (0, 1)");
  return e;
}

// Validates memory [rows, width], keys [heads, width], beta [heads, 1] at inputs 0..2.
Status check_addressing(const Ctx& c) {
  const Shape m = c.shape(c.n.inputs[0]);
  if (m.size() != 2) return c.input_error(0, "memory must be 2-D [rows, width], got " + shape_to_string(m));
  const Shape k = c.shape(c.n.inputs[1]);
  if (k.size() != 2 || k[1] != m[1])
    return c.input_error(1, "keys must be [heads, " + std::to_string(m[1]) + "], got " + shape_to_string(k));
  return expect(c, 2, {k[0], 1}, "beta (key strength per head)");
}

ValueId content_weights(const Ctx& c, double epsilon) {
  ValueId memory = c.n.inputs[0], keys = c.n.inputs[1], beta = c.n.inputs[2];
  ValueId memory_t = c.emit(OpKind::Transpose, {memory}, {{"perm", Shape{1, 0}}}, "", "memT");
  ValueId dots = c.emit(OpKind::MatMul, {keys, memory_t}, {}, "", "dots");
  ValueId key_sq = c.emit(OpKind::Mul, {keys, keys}, {}, "", "key_sq");
  ValueId key_norm2 =
      c.emit(OpKind::ReduceSum, {key_sq}, {{"axes", Shape{1}}, {"keepdims", int64_t{1}}}, "", "key_n2");
  ValueId mem_sq = c.emit(OpKind::Mul, {memory, memory}, {}, "", "mem_sq");
  ValueId mem_norm2 =
      c.emit(OpKind::ReduceSum, {mem_sq}, {{"axes", Shape{1}}, {"keepdims", int64_t{1}}}, "", "mem_n2");
  ValueId mem_norm2_t = c.emit(OpKind::Transpose, {mem_norm2}, {{"perm", Shape{1, 0}}}, "", "mem_n2T");
  ValueId norms2 = c.emit(OpKind::Mul, {key_norm2, mem_norm2_t}, {}, "", "norms2");
  ValueId norms = c.emit(OpKind::Sqrt, {norms2}, {}, "", "norms");
  ValueId eps = c.b.constant(c.hint("epsilon"), {1}, {static_cast<float>(epsilon)});
  ValueId denom = c.emit(OpKind::Add, {norms, eps}, {}, "", "denom");
  ValueId cosine = c.emit(OpKind::Div, {dots, denom}, {}, "", "cosine");
  ValueId sharpened = c.emit(OpKind::Mul, {cosine, beta}, {}, "", "sharpened");
  return c.emit(OpKind::Softmax, {sharpened}, {{"axis", int64_t{1}}}, "", "weights");
}

Status expand_dnc_read(const Ctx& c) {
  if (Status s = check_arity(c, 3, 3, 1, 2); !s) return s;
  auto eps = epsilon_attr(c);
  if (!eps) return eps.error();
  if (Status s = check_addressing(c); !s) return s;
  ValueId weights = content_weights(c, *eps);
  c.emit(OpKind::MatMul, {weights, c.n.inputs[0]}, {}, c.out_name(0), "read");
  if (c.out_name(1) != GraphBuilder::kSkip)
    c.emit(OpKind::Reshape, {weights}, {{"shape", c.shape(weights)}}, c.out_name(1), "weights_out");
  return Status::ok();
}

Status expand_dnc_write(const Ctx& c) {
  if (Status s = check_arity(c, 5, 5, 1, 1); !s) return s;
  auto eps = epsilon_attr(c);
  if (!eps) return eps.error();
  if (Status s = check_addressing(c); !s) return s;
  const Shape m = c.shape(c.n.inputs[0]);
  if (c.shape(c.n.inputs[1])[0] != 1)
    return c.input_error(1, "dnc_write has one write head: key must be [1, width]");
  if (Status s = expect(c, 3, {1, m[1]}, "the erase vector"); !s) return s;
  if (Status s = expect(c, 4, {1, m[1]}, "the add vector"); !s) return s;
  ValueId weights = content_weights(c, *eps);
  ValueId weights_t = c.emit(OpKind::Transpose, {weights}, {{"perm", Shape{1, 0}}}, "", "weightsT");
  ValueId erase = c.emit(OpKind::MatMul, {weights_t, c.n.inputs[3]}, {}, "", "erase");
  ValueId one = c.b.constant(c.hint("one"), {1}, {1.0f});
  ValueId keep = c.emit(OpKind::Sub, {one, erase}, {}, "", "keep");
  ValueId kept = c.emit(OpKind::Mul, {c.n.inputs[0], keep}, {}, "", "kept");
  ValueId added = c.emit(OpKind::MatMul, {weights_t, c.n.inputs[4]}, {}, "", "added");
  c.emit(OpKind::Add, {kept, added}, {}, c.out_name(0), "memory");
  return Status::ok();
}

}  // namespace

std::vector<std::string> layer_op_names() {
  return {"dense", "lstm_cell", "gru_cell", "conv1d_stream", "dnc_read", "dnc_write"};
}

bool is_layer_op(const std::string& op) {
  for (const std::string& name : layer_op_names())
    if (name == op) return true;
  return false;
}

Status expand_layer_op(GraphBuilder& b, const LayerNode& n) {
  Ctx c{b, n};
  for (size_t i = 0; i < n.outputs.size(); ++i)
    if (n.outputs[i] != GraphBuilder::kSkip && b.graph().find(n.outputs[i]) != kNoValue)
      return n.node->doc().error_at(JsonDocument::child(n.node->pointer_of("outputs"), i),
                                    "value '" + n.outputs[i] + "' is already defined");
  if (n.op == "dense") return expand_dense(c);
  if (n.op == "lstm_cell") return expand_recurrent_cell(c, true);
  if (n.op == "gru_cell") return expand_recurrent_cell(c, false);
  if (n.op == "conv1d_stream") return expand_conv1d_stream(c);
  if (n.op == "dnc_read") return expand_dnc_read(c);
  if (n.op == "dnc_write") return expand_dnc_write(c);
  NJC_UNREACHABLE("not a layer op: " + n.op);
}

}  // namespace njc
