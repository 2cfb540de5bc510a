// Lowering from the graph IR to loop IR: one loop IR kernel per fusion group, in call order, sharing
// buffers by name (inputs, outputs, states, scratch for intermediates, params with their constant data).
//
//   graph value  ─▶ a flat row-major buffer of batch × num_elements fp32 (params: num_elements)
//   node         ─▶ loop nests over its output index, wrapped in a loop over the batch instances
//   Reshape      ─▶ no code: the result names the same flat buffer
//   Gemm/MatMul  ─▶ an init nest (β·C or 0) then an i, j, k accumulation nest; a constant B is re-laid out
//                   at compile time to [K][N] (transposes and α folded in) so the j loop reads it
//                   contiguously; single-use elementwise successors (bias, activation chains) are fused into
//                   the same kernel; in a model batch, a per-instance A with a constant B folds the batch
//                   into the row loop (one product over batch × M rows, each B panel serves them all)
//   LSTM / GRU   ─▶ one kernel; per hidden unit the gate dot products over x and h are loop-carried
//                   accumulators, activations and the state update work on them (lower_sequence_ops.h);
//                   one step of a model batch: the gate products across instances as a kernel of its
//                   own, then a kernel of activations (lower_batched_cells.h)
//   Conv         ─▶ a loop nest per output element, padding through a zeroed scratch copy
//   states       ─▶ a last kernel copies each state's next value into the state buffer
//
// Every op of the graph IR lowers.
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
  std::vector<int64_t> output_sizes;  // batch × num_elements per graph output (its buffer may be larger)
  std::vector<std::string> state_buffers;  // buffer name per graph state
  std::vector<std::vector<float>>
      state_initial;  // per graph state: one instance's initial value or empty (zeros)
  int64_t batch = 1;
};

// Lowers a verified graph. Fails only on an internal error (asserted); the Expected leaves room for
// limits a later lowering may have.
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
