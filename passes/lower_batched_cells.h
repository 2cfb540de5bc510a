// One recurrent cell step (LSTM, GRU) for every instance of a model batch, as matrix products across
// the instances. The per-unit lowering (lower_sequence_ops.h) runs the whole step once per instance, so
// each instance streams all gate weights again; here the gate pre-activations of all instances come from
// one matrix product per weight ([batch, K] x [K, gates*H], the instances on its rows), which O3 register-
// tiles like any GEMM so that each weight panel is loaded once per tile of instances, and a second nest
// over instances and units applies the gates. The products are a kernel of their own: a kernel of plain
// arithmetic gets the whole register file (the AVX2 6x16 micro-kernel needs 15 of 16 ymm registers),
// while the activations' math needs scratch registers. An LSTM is two kernels:
//
//   <node>.gates:  gates[b, :]  = bias                          for every instance b
//                  gates[b, :] += x[b, :] . W^T                 the input product, K = input size
//                  gates[b, :] += h0[b, :] . R^T                the recurrent product, K = H (none without
//                  h0)
//   <node>:        h[b, j], c[b, j] = cell(gates[b, j + g*H])   activations and state update, per unit j
//
// A GRU is two kernels as well, or four with linear_before_reset = 0, whose candidate takes the product
// of r * h with R_h: the gates, then r * h, then that product, then the cell.
//
// It applies to a single forward step (seq 1, ONNX batch 1, one direction) with constant W and R: the
// step a frame-by-frame or sample-by-sample model takes, compiled for many instances (runtime/swarm.h).
#pragma once

#include "passes/lowering_scope.h"

namespace njc::passes::lowering {

// Whether node n (LSTM or GRU) lowers across instances.
bool lowers_across_instances(const LoweringContext& ctx, const Node& n);

// Appends the node's kernels, in call order, to `kernels`; `name` names the last one (the cell) and
// prefixes the others.
void lower_lstm_across_instances(LoweringContext& ctx, const Node& n, const std::string& name,
                                 std::vector<loop::Kernel>& kernels);
void lower_gru_across_instances(LoweringContext& ctx, const Node& n, const std::string& name,
                                std::vector<loop::Kernel>& kernels);

}  // namespace njc::passes::lowering
