// The pass manager: parses textual pipelines, runs them on kernels with the verifier after every pass,
// and produces what --print-after and --time-passes show. Passes never print; this does, into a string
// the caller writes out.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "ir/diag.h"
#include "ir/loop_ir.h"
#include "passes/pass_registry.h"
#include "passes/target.h"

namespace njc::passes {

struct PassInstance {
  const PassInfo* info = nullptr;
  PassOptions options;
};
using Pipeline = std::vector<PassInstance>;

// Parses "interchange{order=1,0,2},tile{sizes=32,32},unroll{factor=4}". Unknown passes and bad options are
// Diags with file "--passes", line 1 and the 1-based column in text.
Expected<Pipeline> parse_pipeline(std::string_view text);
// The inverse of parse_pipeline (options the user gave only).
std::string format_pipeline(const Pipeline& p);

struct RunConfig {
  TargetDesc target;
  bool verify_each = true;
  std::vector<std::string> print_after;  // pass names, or "all"
  bool time_passes = false;
};

class PassManager {
 public:
  explicit PassManager(RunConfig config) : config_(std::move(config)) {}

  // Runs p on k in order. After each pass the verifier checks k: a failure is a bug in that pass and is
  // returned as a Diag "internal error: pass '<name>' produced invalid IR: ...". A pass refusing (its
  // own Diag) stops the pipeline too. IR selected by print_after is appended to dump, each preceded by
  // "// -----// IR after <pass> //----- //".
  Status run(const Pipeline& p, loop::Kernel& k, std::string& dump);
  // Wall time per pass name summed over every run() so far, largest first; "" when nothing ran.
  std::string timing_report() const;

 private:
  RunConfig config_;
  std::vector<std::pair<std::string, std::chrono::nanoseconds>> times_;
};

}  // namespace njc::passes
