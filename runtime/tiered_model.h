// The tiered JIT: a model whose kernels start cheap (tier 0 = the naive -O0 loops) and are recompiled on a
// background thread as the profile shows them hot, one tier at a time — 0 naive, 1 interchanged (O1),
// 2 unrolled (O2), 3 blocked (O3), autotuned at the top. New code is swapped in atomically between kernel
// calls; old code is freed only once no call can still be running it (epochs, below). The interface mirrors
// CompiledModel / ModelInstance (runtime/compiled_model.h), which stay the one-level API.
//
//   auto model = TieredModel::compile(graph, {});    // every kernel at tier 0, compiled in microseconds
//   TieredInstance npc(*model);
//   for (;;) npc.run();                               // hot kernels climb to tier 3 while this runs
//
// Retiring old code (epoch-based reclamation): each instance publishes the global epoch while inside
// run() and 0 outside it. A swap stores the new code, then increments the global epoch to e and retires the
// old code tagged e. It is freed when every instance shows 0 or an epoch >= e: an instance that entered
// after the increment can only have loaded the new code (all of these are sequentially consistent).
//
//   instance:  epoch := E ──load code[k]──run──load code[k+1]──run── epoch := 0
//   swap:               code[k] := new ── E := e ── retire(old, e) ── free when all epochs ∈ {0} ∪ [e, ∞)
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/lower_graph.h"
#include "runtime/autotune.h"
#include "runtime/kernel_cache.h"
#include "runtime/kernel_profile.h"
#include "runtime/model_signature.h"
#include "runtime/trace.h"
#include "runtime/tuning_cache.h"

namespace njc::runtime {

class TierCompiler;
class TieredInstance;

// The defaults and why they are what they are: docs/runtime.md, "Tiered JIT".
struct TierOptions {
  x86::Target target = x86::host_target();
  int pinned_tier = -1;                 // -1: start at 0 and climb; 0..3: every kernel there, for good
  uint64_t call_threshold = 1000;       // a kernel tiers up after this many calls at its tier...
  uint64_t cycle_threshold = 2000000;   // ...or once it has spent this many rdtsc cycles there
  int sample_period = 64;               // at the top tier only every Nth call is timed
  bool profile = true;                  // false: no counting, no timing, no tier-ups
  bool autotune = true;                 // the top tier tunes the schedule (runtime/autotune.h)
  bool background = true;               // false: compile on the calling thread right after its run()
  TuneOptions tune;                     // max_candidates, repetitions (target and data are set per kernel)
  TuningCache* tuning_cache = nullptr;  // consulted before tuning, filled after; kernels it knows start tuned
  KernelCache* cache = &KernelCache::global();  // tiers 0..2 and untuned O3 go through it; null: fresh
  TraceRecorder* trace = nullptr;               // compile and tier-up spans; run spans from the instances
  bool flush_denormals = true;                  // runs with FTZ and DAZ set (runtime/float_mode.h)
};

// One tier change of one kernel.
struct TierEvent {
  size_t kernel = 0;
  int from = 0, to = 0;
  uint64_t at_call = 0;  // the kernel's total calls (all instances) when the new code was swapped in
  int64_t at_ns = 0;     // since the model was compiled
  double compile_micros = 0;
  bool tuned = false;  // the top tier's schedule came from the autotuner or the tuning cache
};

class TieredModel {
 public:
  // Lowers g and compiles every kernel at its first tier (0, the pinned tier, or 3 tuned when the tuning
  // cache knows it). Errors: as CompiledModel::compile.
  static Expected<std::shared_ptr<TieredModel>> compile(const Graph& g, const TierOptions& o);
  // Stops the background compiler. Only once every instance is gone (instances hold the model).
  ~TieredModel();
  TieredModel(const TieredModel&) = delete;
  TieredModel& operator=(const TieredModel&) = delete;

  const Graph& graph() const { return graph_; }
  // Names, shapes and places of the inputs, outputs and states.
  const ModelSignature& signature() const { return signature_; }
  size_t kernel_count() const { return slots_.size(); }
  const std::string& kernel_name(size_t k) const;
  int tier_of(size_t k) const;
  int top_tier() const { return top_; }
  // The kernel's profile record (shared with identical kernels of the model).
  const KernelProfile& kernel_profile(size_t k) const;
  std::string tuned_pipeline(size_t k) const;
  std::vector<TierEvent> events() const;
  const TierOptions& options() const { return opts_; }
  double compile_micros() const { return compile_us_; }

  // Blocks until every queued recompilation is done (a no-op without a background thread).
  void wait_idle();
  // Old code versions not yet freed (tests: after wait_idle and with no call running this drops to 0).
  size_t retired_count() const;
  // Tries to free retired code now.
  void reclaim();

 private:
  friend class TieredInstance;
  struct Code {
    std::shared_ptr<const JitKernel> kernel;
    JitKernel::Fn fn;
    int tier;
  };
  struct Slot {
    loop::Kernel kernel;
    KernelProfile* profile = nullptr;
    std::atomic<const Code*> code{nullptr};
    std::atomic<int> tier{0};       // of code; readable without entering an epoch
    std::atomic<int> requested{0};  // the highest tier asked for
    std::vector<int> buffer_slots;  // per kernel buffer: index into buffers_, -1 for params
    std::string tuned;              // under events_mu_
  };
  struct Reader {
    std::atomic<uint64_t> epoch{0};
  };
  struct Buffer {
    size_t offset, size;
  };
  struct Request {
    size_t kernel;
    int to;
    std::shared_ptr<loop::BufferData> data;  // the requesting call's buffers, for autotuning
  };

  TieredModel() = default;
  Expected<std::shared_ptr<const JitKernel>> compile_level(const loop::Kernel& k, int level) const;
  Expected<std::shared_ptr<const JitKernel>> compile_tuned(Slot& s, const loop::BufferData* data,
                                                           bool* from_cache);
  // Accounts one timed call (plus `calls - 1` untimed ones) of kernel k at code.tier; may request a tier-up.
  void account(size_t k, const Code& code, uint64_t cycles, uint64_t calls, TieredInstance& caller);
  void request(size_t k, int to, TieredInstance& caller);
  void tier_up(const Request& r);
  void swap(size_t k, const Code* code);
  void add_reader(Reader* r);
  void remove_reader(Reader* r);
  int64_t since_start_ns() const;

  Graph graph_;
  passes::LoweredModel lowered_;
  TierOptions opts_;
  int top_ = kTopTier;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Buffer> buffers_;
  ModelSignature signature_;
  size_t memory_floats_ = 0;
  ProfileTable profile_;
  std::chrono::steady_clock::time_point start_;
  double compile_us_ = 0;

  std::atomic<uint64_t> epoch_{1};
  mutable std::mutex readers_mu_;
  std::vector<Reader*> readers_;
  mutable std::mutex retired_mu_;
  std::vector<std::pair<const Code*, uint64_t>> retired_;
  mutable std::mutex events_mu_;
  std::vector<TierEvent> events_;
  std::unique_ptr<TierCompiler> compiler_;  // last: destroyed first, before what its jobs touch
};

// One user of a tiered model with its own buffers and state (at the initial values at creation). An instance
// is used by one thread at a time; different instances may run on different threads while their kernels
// change tiers.
class TieredInstance {
 public:
  explicit TieredInstance(std::shared_ptr<TieredModel> model);
  ~TieredInstance();
  TieredInstance(const TieredInstance&) = delete;
  TieredInstance& operator=(const TieredInstance&) = delete;

  std::vector<std::vector<float>> run(const std::vector<std::vector<float>>& inputs);
  float* input(size_t i);
  const float* input(size_t i) const;
  const float* output(size_t i) const;
  void run();
  void reset_state();
  // The recurrent state, as ModelInstance's (runtime/compiled_model.h).
  float* state(size_t i);
  size_t state_size() const { return model_->signature().state_floats; }
  void save_state(float* dst) const;
  void restore_state(const float* src);
  // The tier each kernel ran at in the last profiled run() (tests; in the steady state, when every kernel
  // is at the top, runs no longer record it).
  const std::vector<int>& last_tiers() const { return last_tiers_; }

 private:
  friend class TieredModel;
  std::shared_ptr<loop::BufferData> snapshot(size_t k) const;
  void profiled_calls(bool sampled);
  void flush_counts();

  std::shared_ptr<TieredModel> model_;
  std::vector<float> memory_;
  std::vector<std::vector<float*>> pointers_;
  std::unique_ptr<TieredModel::Reader> reader_;
  int64_t until_sample_ = 0;       // calls until the next timed top-tier call (a countdown: no division)
  std::vector<uint64_t> untimed_;  // per kernel: top-tier calls not yet added to the profile
  uint64_t untimed_runs_ = 0;      // runs since the last sample while every kernel was at the top
  bool all_top_ = false;           // every kernel was at the top in a profiled run
  std::vector<int> last_tiers_;
  std::vector<TieredModel::Request> pending_;  // synchronous mode: tier-ups to compile after this run()
};

}  // namespace njc::runtime
