// The reference interpreter: a plain, obviously correct evaluator of the graph IR. Every other execution
// path (loop IR interpreter, JIT at every level and target, object files) is tested against it, and it is
// tested against ONNX's node tests and RTNeural's reference outputs. Arithmetic is done in double and
// rounded to float once per op, so it is at least as accurate as any fp32 path.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace njc {

// Evaluates one node on concrete tensors. The node must have passed shape inference for these inputs
// (asserted). Returns one tensor per declared output, bound or not.
std::vector<Tensor> evaluate_node(const Node& n, const std::vector<const Tensor*>& inputs);

class GraphInterpreter {
 public:
  // g must be verified (verify_graph) and outlive the interpreter. State starts at zero.
  explicit GraphInterpreter(const Graph& g);

  // One call of the model for all batch instances. inputs[i] holds batch * num_elements values for graph
  // input i, instance-major. Returns the outputs likewise and advances the state.
  std::vector<std::vector<float>> run(const std::vector<std::vector<float>>& inputs);

  // Zeroes every state tensor of every instance.
  void reset_state();

  // state()[i] holds batch * num_elements values for graph state i.
  const std::vector<std::vector<float>>& state() const { return state_; }

 private:
  std::vector<std::vector<float>> run_instance(const std::vector<std::vector<float>>& inputs,
                                               int64_t instance);

  const Graph& g_;
  std::vector<std::vector<float>> state_;
};

}  // namespace njc
