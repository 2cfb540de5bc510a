// Shape inference and attribute checking for every graph op: the one place that decides whether a node is
// well-formed. The verifier, the model reader and the text parser all call it, so the interpreter and the
// lowering may assume any node they see passed it.
#pragma once

#include <vector>

#include "ir/diag.h"
#include "ir/graph.h"

namespace njc {

// Output shapes of node n for the given input shapes (nullptr where an optional input is absent), one per
// declared output (also for outputs the node does not bind). Fails with a Diag whose pointer is relative to
// the node ("/attributes/axis", "/inputs/1", or "" for the node as a whole) and whose message says what is
// wrong in the user's terms.
Expected<std::vector<Shape>> infer_shapes(const Node& n, const std::vector<const Shape*>& inputs);

// Checks that every attribute is declared for n's op and has the declared kind. Pointer as above.
Status check_attributes(const Node& n);

// Normalizes an axis in [-rank, rank) to [0, rank); nothing if out of range.
std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank);

// Gate activation functions accepted by LSTM/GRU ("Sigmoid", "Tanh", "Relu").
bool is_supported_rnn_activation(const std::string& name);

}  // namespace njc
