// Lowerings of the sequence ops: Conv (1-D) and the recurrent LSTM and GRU. A recurrent step is one loop
// nest per hidden unit: the gate dot products over the input and over the previous hidden state are
// accumulated together in loop-carried values, then the activations and the state update run on those
// values, so no gate tensor is written to memory (GRU with linear_before_reset=0 is the exception: its
// candidate needs the whole reset gate, kept in a scratch vector).
#pragma once

#include "passes/lowering_scope.h"

namespace njc::passes::lowering {

void lower_conv(KernelScope& s, const LoweringContext& ctx, const Node& n);
void lower_lstm(KernelScope& s, const LoweringContext& ctx, const Node& n);
void lower_gru(KernelScope& s, const LoweringContext& ctx, const Node& n);

}  // namespace njc::passes::lowering
