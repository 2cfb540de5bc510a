// The recurrent lowerings' operand helpers (recurrent_operands.h).
#include "passes/recurrent_operands.h"

namespace njc::passes::lowering {

ValueId input_or_none(const Node& n, size_t i) {
  return i < n.inputs.size() ? n.inputs[i] : kNoValue;
}
ValueId output_or_none(const Node& n, size_t i) {
  return i < n.outputs.size() ? n.outputs[i] : kNoValue;
}

RnnShape rnn_shape(const LoweringContext& ctx, const Node& n) {
  RnnShape r{};
  r.batch_first = attr_int(n, "layout", 0) != 0;
  const Shape& x = ctx.shape(n.inputs[0]);
  const Shape& rr = ctx.shape(n.inputs[2]);
  r.seq = r.batch_first ? x[1] : x[0];
  r.batch = r.batch_first ? x[0] : x[1];
  r.input = x[2];
  r.hidden = rr[2];
  r.dirs = rr[0];
  return r;
}

std::vector<std::string> activations(const Node& n, int64_t dirs, std::vector<std::string> dflt) {
  if (auto a = attr_strings(n, "activations")) return *a;
  std::vector<std::string> out;
  for (int64_t d = 0; d < dirs; ++d) out.insert(out.end(), dflt.begin(), dflt.end());
  return out;
}

LoopValue clipped(KernelScope& s, const Node& n, LoopValue v) {
  if (!n.attrs.count("clip")) return v;
  double c = attr_float(n, "clip", 0);
  return s.b().min(s.b().max(v, s.c(-c)), s.c(c));
}

std::optional<BufferId> transposed_gate_weights(KernelScope& s, const LoweringContext& ctx, ValueId w) {
  if (!ctx.is_constant(w)) return std::nullopt;
  const Shape& ws = ctx.shape(w);
  int64_t dirs = ws[0], rows = ws[1], K = ws[2];
  const std::vector<float>& data = ctx.g().data_of(ctx.constant_source(w));
  std::vector<float> t(data.size());
  for (int64_t d = 0; d < dirs; ++d)  // written in order: the reads stride (K floats), the writes do not
    for (int64_t k = 0; k < K; ++k)
      for (int64_t row = 0; row < rows; ++row)
        t[static_cast<size_t>((d * K + k) * rows + row)] =
            data[static_cast<size_t>((d * rows + row) * K + k)];
  return s.constant_buffer(ctx.buffer_name(w) + ".t", std::move(t));
}

View hidden_sequence(KernelScope& s, const Node& n, const RnnShape& r) {
  ValueId y = output_or_none(n, 0), y_h = output_or_none(n, 1);
  if (y != kNoValue) return s.write(y);
  if (r.seq == 1 && y_h != kNoValue) return View{s.write(y_h).buffer, r.y_shape(), true};
  return s.scratch("hidden_sequence", r.y_shape());
}

}  // namespace njc::passes::lowering
