// The graph IR verifier: SSA form, evaluation order, op arity, attribute schema, shapes, param data and
// state updates. Every producer of a Graph (model reader, text parser, future passes) runs it.
#pragma once

#include "ir/diag.h"
#include "ir/graph.h"

namespace njc {

// Checks g and returns the first problem found, with a JSON-pointer-style location ("/nodes/3/inputs/1",
// "/params/2", "/states/0/next", "/outputs/1") that the model reader maps back to its source.
Status verify_graph(const Graph& g);

// Coerces an attribute value to the kind an op declares, where that is lossless: int -> float,
// ints -> floats, an empty list -> any list kind. Returns the value unchanged otherwise.
AttrValue coerce_attribute(AttrValue v, AttrKind want);

}  // namespace njc
