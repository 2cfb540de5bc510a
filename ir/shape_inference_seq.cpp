// Shape rules of the sequence ops: Conv (1-D) and the recurrent LSTM and GRU (ONNX layouts and gate orders).
#include "ir/conv_geometry.h"
#include "ir/shape_inference.h"
#include "ir/shape_inference_detail.h"

namespace njc {

using namespace shape_detail;

bool is_supported_rnn_activation(const std::string& name) {
  return name == "Sigmoid" || name == "Tanh" || name == "Relu";
}

Expected<std::vector<Shape>> infer_conv(const Node& n, const Ins& in) {
  const Shape& x = *in[0];
  const Shape& w = *in[1];
  if (x.size() != 3)
    return fail("/inputs/0", "njc supports 1-D Conv only: X must be [N, C, L], got " + shape_to_string(x));
  if (w.size() != 3)
    return fail("/inputs/1", "Conv weight must be [M, C/group, K], got " + shape_to_string(w));
  std::string error, attr;
  auto g = conv1d_geometry(n, x, w, &error, &attr);
  if (!g) return fail(attr == "group" ? "/inputs/1" : "/attributes/" + attr, error);
  if (in.size() > 2 && in[2] && *in[2] != Shape{w[0]})
    return fail("/inputs/2",
                "Conv bias must be [" + std::to_string(w[0]) + "], got " + shape_to_string(*in[2]));
  return std::vector<Shape>{{g->batch, g->out_channels, g->out_length}};
}

namespace {
Status expect_shape(const Ins& in, size_t i, const Shape& want, const char* what) {
  if (i < in.size() && in[i] && *in[i] != want)
    return fail("/inputs/" + std::to_string(i),
                std::string(what) + " must be " + shape_to_string(want) + ", got " + shape_to_string(*in[i]));
  return Status::ok();
}
}  // namespace

Expected<std::vector<Shape>> infer_recurrent(const Node& n, const Ins& in) {
  bool lstm = n.op == OpKind::LSTM;
  int64_t gates = lstm ? 4 : 3;
  const Shape& x = *in[0];
  if (x.size() != 3) return fail("/inputs/0", "X must be 3-D, got " + shape_to_string(x));
  int64_t layout = attr_int(n, "layout", 0);
  if (layout != 0 && layout != 1) return fail("/attributes/layout", "layout must be 0 or 1");
  int64_t seq = layout ? x[1] : x[0], batch = layout ? x[0] : x[1], input = x[2];
  std::string direction = attr_string(n, "direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return fail("/attributes/direction", "direction must be forward, reverse or bidirectional");
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const Shape& r = *in[2];
  if (r.size() != 3 || r[0] != dirs || r[1] % gates != 0 || r[1] / gates != r[2])
    return fail("/inputs/2", "R must be [" + std::to_string(dirs) + ", " + std::to_string(gates) +
                                 "*hidden_size, hidden_size], got " + shape_to_string(r));
  int64_t hidden = r[2];
  if (n.attrs.count("hidden_size") && attr_int(n, "hidden_size", 0) != hidden)
    return fail("/attributes/hidden_size", "hidden_size " + std::to_string(attr_int(n, "hidden_size", 0)) +
                                               " does not match R's " + std::to_string(hidden));
  if (Status s = expect_shape(in, 1, {dirs, gates * hidden, input}, "W"); !s) return s.error();
  if (Status s = expect_shape(in, 3, {dirs, 2 * gates * hidden}, "B"); !s) return s.error();
  if (in.size() > 4 && in[4])
    return fail("/inputs/4", "sequence_lens is not supported (all sequences are full length)");
  Shape state = layout ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden};
  if (Status s = expect_shape(in, 5, state, "initial_h"); !s) return s.error();
  if (lstm) {
    if (Status s = expect_shape(in, 6, state, "initial_c"); !s) return s.error();
    if (Status s = expect_shape(in, 7, {dirs, 3 * hidden}, "P"); !s) return s.error();
    if (attr_int(n, "input_forget", 0))
      return fail("/attributes/input_forget", "input_forget=1 is not supported");
  } else {
    int64_t lbr = attr_int(n, "linear_before_reset", 0);
    if (lbr != 0 && lbr != 1)
      return fail("/attributes/linear_before_reset", "linear_before_reset must be 0 or 1");
  }
  if (n.attrs.count("clip") && attr_float(n, "clip", 0) <= 0)
    return fail("/attributes/clip", "clip must be > 0");
  if (auto acts = attr_strings(n, "activations")) {
    size_t per_dir = lstm ? 3 : 2;
    if (acts->size() != per_dir * static_cast<size_t>(dirs))
      return fail("/attributes/activations",
                  "activations must list " + std::to_string(per_dir * dirs) + " functions");
    for (const std::string& a : *acts)
      if (!is_supported_rnn_activation(a))
        return fail("/attributes/activations",
                    "activation '" + a + "' is not supported (Sigmoid, Tanh, Relu are)");
  }
  Shape y = layout ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden};
  std::vector<Shape> out{y, state};
  if (lstm) out.push_back(state);
  return out;
}

}  // namespace njc
