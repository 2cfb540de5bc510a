// Parsing loop IR text (grammar: docs/loop-ir.md) into kernels. Syntax and name errors are returned as a
// Diag with file:line:col; the parser checks names and scopes only, semantic rules are the verifier's.
#pragma once

#include <string_view>

#include "ir/diag.h"
#include "ir/loop_ir.h"

namespace njc::loop {

// Parses zero or more kernels. file only labels diagnostics. Text after "//" on a line is a comment.
Expected<Module> parse_module(std::string_view text, std::string_view file = "<input>");
// Parses exactly one kernel.
Expected<Kernel> parse_kernel(std::string_view text, std::string_view file = "<input>");

}  // namespace njc::loop
