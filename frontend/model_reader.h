// Reads a model in njc's JSON format v1 (docs/model-format.md) into a verified graph IR: checks every
// part, loads weights, expands layer ops, orders the nodes and infers every shape. Any problem is a Diag
// at `file:line:col` with the JSON pointer of the offending part.
#pragma once

#include <string>

#include "ir/diag.h"
#include "ir/graph.h"
#include "ir/memory_budget.h"

namespace njc {

// What a model may reach besides its own text.
struct ReadOptions {
  // Weight files ("file" params) may lie anywhere, not only in the model's directory or below it (the
  // default, so that a model from a mod folder or a preset cannot read other files into its weights).
  bool weights_anywhere = false;
  // The most bytes the model's tensors may take (ir/memory_budget.h): params once, every other value
  // batch times. A model over it is refused before anything is allocated.
  int64_t memory_budget = kDefaultMemoryBudget;
};

// Reads and checks the model file at path.
Expected<Graph> read_model_file(const std::string& path, const ReadOptions& options = {});

// Same for model text already in memory (an RTNeural model file is recognized and imported first); `file`
// names it in diagnostics and relative weight-file paths resolve against `base_dir`.
Expected<Graph> read_model_text(std::string text, const std::string& file, const std::string& base_dir,
                                const ReadOptions& options = {});

// "dir/npc.json" -> "dir": where a model's relative weight-file paths resolve.
std::string directory_of(const std::string& path);

// "dir/npc.json" -> "npc": the default model name for a file.
std::string model_name_from_path(const std::string& path);

// Reads a whole regular file (frontend/file_reader.h); the Diag says why it could not.
Expected<std::string> read_text_file(const std::string& path);

}  // namespace njc
