// The loop IR of one element of each elementwise graph op (graph_ops.def kUnary/kBinary): lower_graph
// calls it inside the nest over the output, for a node alone or for each link of a fused chain. Ops that
// the loop IR has no instruction for are compositions of exact loop ops (Sign, Pow) or range reduction plus
// polynomial (Sin, Cos).
#pragma once

#include <vector>

#include "passes/lowering_scope.h"

namespace njc::passes::lowering {

// The value of elementwise node n at one element, given its operands' values there (one per input, in
// order). n must be unary or binary elementwise; emits loop ops into s and returns the result.
LoopValue elementwise_value(KernelScope& s, const Node& n, const std::vector<LoopValue>& args);

}  // namespace njc::passes::lowering
