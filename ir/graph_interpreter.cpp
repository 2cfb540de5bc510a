// The reference interpreter's driver: evaluates nodes in order per batch instance and carries state.
#include "ir/graph_interpreter.h"

#include "ir/assert.h"
#include "ir/reference_ops.h"
#include "ir/shape_inference.h"

namespace njc {

std::vector<Tensor> evaluate_node(const Node& n, const std::vector<const Tensor*>& in) {
  std::vector<const Shape*> shapes;
  for (const Tensor* t : in) shapes.push_back(t ? &t->shape : nullptr);
  auto inferred = infer_shapes(n, shapes);
  NJC_ASSERT(inferred, "evaluate_node on an invalid node: " + (inferred ? "" : inferred.error().message));
  const std::vector<Shape>& out = *inferred;
  if (is_binary_elementwise(n.op)) return {reference::binary(n, *in[0], *in[1], out[0])};
  if (is_unary_elementwise(n.op)) return {reference::unary(n, *in[0])};
  if (is_reduction(n.op)) return {reference::reduce(n, *in[0], out[0])};
  switch (n.op) {
    case OpKind::Gemm:
      return {reference::gemm(n, in, out[0])};
    case OpKind::MatMul:
      return {reference::matmul(*in[0], *in[1], out[0])};
    case OpKind::Softmax:
    case OpKind::LogSoftmax:
      return {reference::softmax(n, *in[0])};
    case OpKind::Concat:
      return {reference::concat(n, in, out[0])};
    case OpKind::Slice:
      return {reference::slice(n, *in[0], out[0])};
    case OpKind::Transpose:
      return {reference::transpose(n, *in[0], out[0])};
    case OpKind::Reshape:
      return {Tensor(out[0], in[0]->data)};
    case OpKind::Conv:
      return {reference::conv1d(n, in, out[0])};
    case OpKind::LSTM:
      return reference::lstm(n, in, out);
    case OpKind::GRU:
      return reference::gru(n, in, out);
    default:
      break;
  }
  NJC_UNREACHABLE("unhandled op in evaluate_node");
}

GraphInterpreter::GraphInterpreter(const Graph& g) : g_(g) {
  reset_state();
}

void GraphInterpreter::reset_state() {
  state_.clear();
  for (const StateInfo& s : g_.states) {
    std::vector<float> all;
    for (int64_t b = 0; b < g_.batch; ++b)  // every instance starts from the state's initial value
      if (s.initial.empty())
        all.resize(all.size() + static_cast<size_t>(num_elements(g_.value(s.value).shape)), 0.0f);
      else
        all.insert(all.end(), s.initial.begin(), s.initial.end());
    state_.push_back(std::move(all));
  }
}

std::vector<std::vector<float>> GraphInterpreter::run(const std::vector<std::vector<float>>& inputs) {
  NJC_ASSERT(inputs.size() == g_.inputs.size(), "wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i)
    NJC_ASSERT(
        static_cast<int64_t>(inputs[i].size()) == g_.batch * num_elements(g_.value(g_.inputs[i]).shape),
        "input " + g_.value(g_.inputs[i]).name + " has the wrong size");
  std::vector<std::vector<float>> outputs(g_.outputs.size());
  for (int64_t b = 0; b < g_.batch; ++b) {
    auto outs = run_instance(inputs, b);
    for (size_t o = 0; o < outs.size(); ++o)
      outputs[o].insert(outputs[o].end(), outs[o].begin(), outs[o].end());
  }
  return outputs;
}

std::vector<std::vector<float>> GraphInterpreter::run_instance(const std::vector<std::vector<float>>& inputs,
                                                               int64_t b) {
  std::vector<Tensor> env(g_.values.size());
  auto slice_of = [b](const std::vector<float>& all, const Shape& shape) {
    int64_t n = num_elements(shape);
    return Tensor(shape, std::vector<float>(all.begin() + b * n, all.begin() + (b + 1) * n));
  };
  for (size_t i = 0; i < g_.inputs.size(); ++i)
    env[static_cast<size_t>(g_.inputs[i])] = slice_of(inputs[i], g_.value(g_.inputs[i]).shape);
  for (size_t i = 0; i < g_.states.size(); ++i)
    env[static_cast<size_t>(g_.states[i].value)] = slice_of(state_[i], g_.value(g_.states[i].value).shape);
  for (ValueId p : g_.params) env[static_cast<size_t>(p)] = Tensor(g_.value(p).shape, g_.data_of(p));
  for (const Node& n : g_.nodes) {
    std::vector<const Tensor*> in;
    for (ValueId v : n.inputs) in.push_back(v == kNoValue ? nullptr : &env[static_cast<size_t>(v)]);
    std::vector<Tensor> out = evaluate_node(n, in);
    for (size_t i = 0; i < n.outputs.size(); ++i)
      if (n.outputs[i] != kNoValue) env[static_cast<size_t>(n.outputs[i])] = std::move(out[i]);
  }
  // State updates happen after all outputs are read from the old environment.
  for (size_t i = 0; i < g_.states.size(); ++i) {
    if (g_.states[i].next == kNoValue) continue;
    const std::vector<float>& next = env[static_cast<size_t>(g_.states[i].next)].data;
    std::copy(next.begin(), next.end(), state_[i].begin() + b * static_cast<int64_t>(next.size()));
  }
  std::vector<std::vector<float>> outs;
  for (ValueId v : g_.outputs) outs.push_back(env[static_cast<size_t>(v)].data);
  return outs;
}

}  // namespace njc
