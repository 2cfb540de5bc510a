// The graph IR's text form (grammar: docs/graph-ir.md). print_graph(parse_graph(t)) == t for any t that
// print_graph produced.
#pragma once

#include <string>

#include "ir/diag.h"
#include "ir/graph.h"

namespace njc {

std::string print_graph(const Graph& g);

// Parses the text form, then verifies the graph. Errors carry file:line:col of the offending token.
Expected<Graph> parse_graph(const std::string& text, const std::string& file_name);

// "%x" or "%\"onnx::Gemm_0\"": names made only of [A-Za-z0-9_.] print bare, others quoted.
std::string quote_name(char sigil, const std::string& name);

// Shortest text that reads back to exactly the same float / double; always has a '.', 'e', "inf" or "nan"
// so that it never reads back as an integer.
std::string float_text(double v, bool single_precision);

}  // namespace njc
