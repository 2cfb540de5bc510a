// The model format's layer ops — dense, lstm_cell, gru_cell, conv1d_stream, dnc_read, dnc_write — and
// their expansion into graph IR tensor ops (docs/model-format.md gives each one's equations).
#pragma once

#include <string>
#include <vector>

#include "frontend/graph_builder.h"
#include "frontend/json_fields.h"

namespace njc {

struct LayerNode {
  std::string op;
  std::vector<ValueId> inputs;       // kNoValue where the model wrote ""
  std::vector<std::string> outputs;  // names to define (GraphBuilder::kSkip where "")
  const JsonObject* node;            // the node's JSON, for located errors
  const JsonObject* attributes;      // its "attributes" object, or null
};

bool is_layer_op(const std::string& op);
std::vector<std::string> layer_op_names();

// Checks the layer's inputs and attributes and appends its expansion. Errors point into the node's JSON.
Status expand_layer_op(GraphBuilder& b, const LayerNode& n);

}  // namespace njc
