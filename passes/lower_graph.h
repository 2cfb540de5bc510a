// Lowering from the graph IR to loop IR: one loop IR kernel per fusion group, in call order, sharing
// buffers by name (inputs, outputs, states, scratch for intermediates, params with their constant data).
//
//   graph value  ─▶ a flat row-major buffer of batch × num_elements fp32 (params: num_elements)
//   node         ─▶ loop nests over its output index, wrapped in a loop over the batch instances
//   Reshape      ─▶ no code: the result names the same flat buffer
//   Gemm/MatMul  ─▶ an init nest (β·C or 0) then an i, j, k accumulation nest; a constant B is re-laid out
//                   at compile time to [K][N] (transposes and α folded in) so the j loop reads it contiguously;
//                   single-use elementwise successors (bias, activation chains) are fused into the same kernel
//   states       ─▶ a last kernel copies each state's next value into the state buffer
//
// The ops njc lowers today are the tensor ops except Conv, LSTM and GRU (the recurrent cells and the
// streaming convolution get fused one-kernel-per-step lowerings in the next step; lower_graph says so).
#pragma once

#include <string>
#include <vector>

#include "ir/diag.h"
#include "ir/graph.h"
#include "ir/loop_ir.h"

namespace njc::passes {

struct LoweredModel {
  loop::Module module;                      // kernels in call order
  std::vector<std::string> input_buffers;   // buffer name per graph input
  std::vector<std::string> output_buffers;  // buffer name per graph output
  std::vector<std::string> state_buffers;   // buffer name per graph state
  int64_t batch = 1;
};

// Lowers a verified graph. Fails (a user-facing Diag) for an op that has no lowering yet.
Expected<LoweredModel> lower_graph(const Graph& g);

// Runs a lowered model with the loop IR interpreter, carrying state between calls: the reference that
// checks the lowering (against the graph interpreter) and every pass pipeline run on its kernels.
class LoweredModelInterpreter {
 public:
  explicit LoweredModelInterpreter(const LoweredModel& m);
  // inputs[i]: batch × num_elements values of graph input i. Returns the outputs likewise.
  std::vector<std::vector<float>> run(const std::vector<std::vector<float>>& inputs);
  void reset_state();

 private:
  const LoweredModel& m_;
  std::map<std::string, std::vector<float>> memory_;  // every non-param buffer, by name
};

}  // namespace njc::passes
