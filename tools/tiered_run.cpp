// The CLI's tiered-JIT flags and run session.
#include "tools/tiered_run.h"

#include <cstdio>

#include "tools/profile_report.h"

namespace njc::tools {

void add_tier_flags(CLI::App& app, TierFlags& f) {
  app.add_flag(
      "--profile", f.profile,
      "With --jit run: run through the tiered JIT and print per-kernel calls, cycles per call in each "
      "tier, compile time, tier-ups and break-even calls to stderr");
  app.add_option(
      "--trace", f.trace_path,
      "With --jit run: write compile, tier-up and run spans as Chrome Trace Event JSON (Perfetto)");
  app.add_option("--tier", f.tier,
                 "With --jit run: pin every kernel at tier 0..3 (-O0..-O3), or 'auto' (tiered JIT)")
      ->check(CLI::IsMember({"0", "1", "2", "3", "auto"}));
  app.add_option("--jit-threshold", f.threshold,
                 "With --jit run: calls at a tier before a kernel tiers up (tiered JIT; default 1000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--tuning-cache", f.tuning_cache,
                 "With --jit run: JSON file of autotuned schedules, read at start and written at the end");
}

Expected<std::unique_ptr<TieredSession>> TieredSession::start(const Graph& g, const TierFlags& f,
                                                              x86::Target target, bool flush_denormals) {
  auto s = std::make_unique<TieredSession>();
  s->flags_ = f;
  runtime::TierOptions o;
  o.target = target;
  o.flush_denormals = flush_denormals;
  if (!f.tier.empty() && f.tier != "auto") o.pinned_tier = std::stoi(f.tier);
  if (f.threshold >= 0) o.call_threshold = static_cast<uint64_t>(f.threshold);
  if (!f.trace_path.empty()) {
    s->trace_ = std::make_unique<runtime::TraceRecorder>();
    s->trace_->name_thread("main");
    o.trace = s->trace_.get();
  }
  if (!f.tuning_cache.empty()) {
    s->cache_ = std::make_unique<runtime::TuningCache>(f.tuning_cache);
    s->cache_->load_or_warn();
    o.tuning_cache = s->cache_.get();
  }
  auto model = runtime::TieredModel::compile(g, o);
  if (!model) return model.error();
  s->model_ = std::move(*model);
  s->instance_ = std::make_unique<runtime::TieredInstance>(s->model_);
  return s;
}

Status TieredSession::finish() {
  model_->wait_idle();
  instance_.reset();  // flushes the instance's untimed top-tier counts into the profile
  if (flags_.profile) std::fputs(profile_report(*model_).c_str(), stderr);
  if (trace_)
    if (Status s = trace_->write(flags_.trace_path); !s) return s;
  // The results are computed: a cache that cannot be saved costs only the next run's tuning.
  if (cache_) cache_->save_or_warn();
  return {};
}

}  // namespace njc::tools
