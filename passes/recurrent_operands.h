// Shared by the recurrent lowerings (per-unit in lower_sequence_ops.cpp, across instances in
// lower_batched_cells.cpp): where an ONNX LSTM/GRU node's operands are and how its steps index them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "passes/lowering_scope.h"

namespace njc::passes::lowering {

ValueId input_or_none(const Node& n, size_t i);
ValueId output_or_none(const Node& n, size_t i);

// Index arithmetic of X, Y and the [dirs, batch, H] states in either ONNX layout.
struct RnnShape {
  bool batch_first;
  int64_t seq, batch, input, hidden, dirs;
  Idx x(Affine t, Affine b, Affine i) const { return batch_first ? Idx{b, t, i} : Idx{t, b, i}; }
  Idx y(Affine t, int64_t d, Affine b, Affine h) const {
    return batch_first ? Idx{b, t, Affine::cst(d), h} : Idx{t, Affine::cst(d), b, h};
  }
  Idx state(int64_t d, Affine b, Affine h) const {
    return batch_first ? Idx{b, Affine::cst(d), h} : Idx{Affine::cst(d), b, h};
  }
  Shape y_shape() const {
    return batch_first ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden};
  }
  Shape state_shape() const { return batch_first ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden}; }
};

RnnShape rnn_shape(const LoweringContext& ctx, const Node& n);

// The node's gate activations, 3 (LSTM) or 2 (GRU) per direction: the attribute or the defaults.
std::vector<std::string> activations(const Node& n, int64_t dirs, std::vector<std::string> dflt);

// v clamped to [-clip, clip] when the node has a clip attribute.
LoopValue clipped(KernelScope& s, const Node& n, LoopValue v);

// A constant gate weight W[dirs][G*H][K] (ONNX W or R, gates g, units j) transposed at compile time to
// [dirs][K][G*H], so that for one k the units of a gate are contiguous and the unit loop vectorizes
// (vectorize-outer). Which layout streams best depends on that schedule, so O3 chooses it afterwards:
// relayout puts the weights per block of W units as [block][k][gate][W units], each block one stream.
// nullopt for a computed weight.
std::optional<BufferId> transposed_gate_weights(KernelScope& s, const LoweringContext& ctx, ValueId w);

// Where the steps write their hidden states: Y; or, for one step with only Y_h wanted (a cell step), Y_h
// itself, whose flat layout is then the same as Y's; else a scratch tensor of Y's shape.
View hidden_sequence(KernelScope& s, const Node& n, const RnnShape& r);

}  // namespace njc::passes::lowering
