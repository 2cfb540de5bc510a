// `njc MODEL --jit run` through the tiered JIT (runtime/tiered_model.h): the flags --profile, --trace FILE,
// --tier=0|1|2|3|auto, --jit-threshold N and --tuning-cache PATH, and a session that runs the calls, then
// prints the profile table (stderr), writes the trace and saves the tuning cache.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "ir/graph.h"
#include "runtime/tiered_model.h"
#include "tools/call_inputs.h"

namespace njc::tools {

struct TierFlags {
  bool profile = false;
  std::string trace_path;
  std::string tier;          // "" (not given), "auto", "0".."3"
  int64_t threshold = -1;    // --jit-threshold; -1: the default
  std::string tuning_cache;  // "" : none
  bool any() const {
    return profile || !trace_path.empty() || !tier.empty() || threshold >= 0 || !tuning_cache.empty();
  }
};

void add_tier_flags(CLI::App& app, TierFlags& f);

class TieredSession {
 public:
  // Loads the tuning cache (a corrupt or foreign file: a warning on stderr, then ignored) and compiles g.
  static Expected<std::unique_ptr<TieredSession>> start(const Graph& g, const TierFlags& f,
                                                        x86::Target target, bool flush_denormals);
  CallInputs run(const CallInputs& in) { return instance_->run(in); }
  // Waits for the background compiler, then prints the profile (with --profile) to stderr, writes the
  // trace and saves the tuning cache. Errors: a file that cannot be written.
  Status finish();

 private:
  TierFlags flags_;
  std::unique_ptr<runtime::TraceRecorder> trace_;
  std::unique_ptr<runtime::TuningCache> cache_;
  std::shared_ptr<runtime::TieredModel> model_;
  std::unique_ptr<runtime::TieredInstance> instance_;
};

}  // namespace njc::tools
