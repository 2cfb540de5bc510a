// The autotuner: compiles a handful of candidate schedules of one kernel (variants of its -O3 pipeline:
// tile sizes, unroll factors, split-reduction ways, vector width), checks each against the unscheduled
// kernel, times each on call data with rdtsc and keeps the fastest. Used at the JIT's top tier
// (runtime/tiered_model.h) and by ahead-of-time builds; results persist in runtime/tuning_cache.h.
//
//   Expected<std::string> best = autotune_kernel(kernel, {.target = x86::avx2});   // a --passes pipeline
//   JitOptions o{.opt_level = 0, .passes = *best};                                 // compiles the winner
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend-x86/target_features.h"
#include "ir/diag.h"
#include "ir/loop_interpreter.h"
#include "ir/loop_ir.h"
#include "runtime/jit.h"

namespace njc::runtime {

struct TuneOptions {
  x86::Target target = x86::host_target();
  int max_candidates = 8;   // including the default -O3 schedule, which is always candidate 0
  int repetitions = 7;      // timed batches per candidate; the fastest batch counts (least disturbed)
  int calls_per_batch = 0;  // calls per timed batch; 0: enough for ~20k cycles per batch (at least 4)
  double min_gain = 0.03;   // a candidate replaces the default -O3 schedule only when this much faster
  // The buffers of a real call (one vector per buffer of the kernel, as loop::make_buffers sizes them; the
  // tiered JIT passes a snapshot of an instance's memory). Null: deterministic pseudo-random inputs.
  const loop::BufferData* data = nullptr;
};

struct TuneCandidate {
  std::string pipeline;        // JitOptions::passes text, applied at opt_level 0
  bool ok = false;             // compiled and agreed with the unscheduled kernel
  std::string error;           // why not, when !ok
  double cycles_per_call = 0;  // the fastest batch's cycles / calls_per_batch
  double compile_micros = 0;
};

struct TuneResult {
  std::vector<TuneCandidate> candidates;  // [0] is the default -O3 schedule
  size_t best = 0;                        // index into candidates
  std::shared_ptr<const JitKernel> best_kernel;
  double total_micros = 0;  // compiling, checking and timing everything
  const std::string& best_pipeline() const { return candidates[best].pipeline; }
};

// The default -O3 pipeline of k for target t followed by up to max - 1 variants of it, each one parameter
// changed (deduplicated, as JitOptions::passes text). Variants may not apply; tune_kernel drops those.
std::vector<std::string> candidate_pipelines(const loop::Kernel& k, x86::Target t, int max);

// Compiles, checks and times every candidate of k. The best is the fastest candidate, except that the
// default schedule (candidate 0) stays unless another is faster than it by min_gain. Errors: only when not
// even the default schedule compiles (a target the host cannot run, an unsupported kernel: the same Diags as
// runtime::compile).
Expected<TuneResult> tune_kernel(const loop::Kernel& k, const TuneOptions& o);

// Compiles k with pipeline (JitOptions::passes at opt_level 0) and checks it on data (null: deterministic
// pseudo-random inputs) against the unscheduled kernel, as tune_kernel checks its candidates. For schedules
// read from a file (runtime/tuning_cache.h): a pipeline that does not compile or disagrees is a Diag.
Expected<std::shared_ptr<const JitKernel>> compile_checked(const loop::Kernel& k, const std::string& pipeline,
                                                           x86::Target t, const loop::BufferData* data);

// The fastest candidate's pipeline text: compile it with JitOptions{.opt_level = 0, .passes = result}.
Expected<std::string> autotune_kernel(const loop::Kernel& k, const TuneOptions& o);

}  // namespace njc::runtime
