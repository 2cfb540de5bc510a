// The tiered JIT: model layout, the profiled call path, tier-up requests, recompilation and the swap with
// epoch-based retirement of old code (the diagram in tiered_model.h).
#include "runtime/tiered_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "ir/assert.h"
#include "runtime/float_mode.h"
#include "runtime/tier_compiler.h"

namespace njc::runtime {

namespace {
std::string level_name(int tier) {
  return "O" + std::to_string(tier);
}
}  // namespace

// ---- compiling ------------------------------------------------------------------------------------------

Expected<std::shared_ptr<const JitKernel>> TieredModel::compile_level(const loop::Kernel& k,
                                                                      int level) const {
  JitOptions jo;
  jo.target = opts_.target;
  jo.opt_level = level;
  if (opts_.cache) return opts_.cache->get_or_compile(k, jo);
  Expected<JitKernel> j = runtime::compile(k, jo);
  if (!j) return j.error();
  return std::make_shared<const JitKernel>(std::move(*j));
}

// The top tier's schedule: the tuning cache's (checked before use) or a fresh autotuning run, which is then
// stored in the cache. Falls back to the default O3 pipeline when tuning fails.
Expected<std::shared_ptr<const JitKernel>> TieredModel::compile_tuned(Slot& s, const loop::BufferData* data,
                                                                      bool* from_cache) {
  std::string sig = kernel_signature(s.kernel, opts_.target);
  *from_cache = false;
  if (opts_.tuning_cache) {
    if (std::optional<TuningEntry> e = opts_.tuning_cache->find(sig)) {
      auto j = compile_checked(s.kernel, e->pipeline, opts_.target, data);
      if (j) {
        *from_cache = true;
        std::lock_guard lock(events_mu_);
        s.tuned = e->pipeline;
        return j;
      }
      std::fprintf(stderr, "njc: warning: tuning cache entry for %s not used: %s\n", s.kernel.name.c_str(),
                   j.error().message.c_str());
    }
  }
  TuneOptions to = opts_.tune;
  to.target = opts_.target;
  to.data = data;
  Expected<TuneResult> r = tune_kernel(s.kernel, to);
  if (!r) return compile_level(s.kernel, kTopTier);
  if (opts_.tuning_cache)
    opts_.tuning_cache->put(sig, {s.kernel.name, r->best_pipeline(), r->candidates[r->best].cycles_per_call});
  std::lock_guard lock(events_mu_);
  s.tuned = r->best_pipeline();
  return r->best_kernel;
}

Expected<std::shared_ptr<TieredModel>> TieredModel::compile(const Graph& g, const TierOptions& o) {
  auto start = std::chrono::steady_clock::now();
  std::shared_ptr<TieredModel> m(new TieredModel());
  m->start_ = start;
  m->graph_ = g;
  m->opts_ = o;
  m->opts_.sample_period = std::max(1, o.sample_period);
  m->top_ = o.pinned_tier >= 0 ? std::min(o.pinned_tier, kTopTier) : kTopTier;
  auto lowered = passes::lower_graph(m->graph_);
  if (!lowered) return lowered.error();
  m->lowered_ = std::move(*lowered);
  std::map<std::string, int> buffer_of;
  auto buffer = [&](const std::string& name, size_t size) {
    auto [it, fresh] = buffer_of.emplace(name, static_cast<int>(m->buffers_.size()));
    if (fresh) {
      m->buffers_.push_back({m->memory_floats_, size});
      m->memory_floats_ += size;
    }
    NJC_ASSERT(m->buffers_[static_cast<size_t>(it->second)].size == size,
               "buffer " + name + " has two sizes");
    return it->second;
  };
  for (const loop::Kernel& k : m->lowered_.module.kernels) {
    auto s = std::make_unique<Slot>();
    s->kernel = k;
    JitOptions key_options;
    key_options.target = o.target;
    s->profile = m->profile_.find_or_add(kernel_key(k, key_options), k.name);
    for (const loop::Buffer& b : k.buffers)
      s->buffer_slots.push_back(
          b.kind == loop::BufferKind::kParam ? -1 : buffer(b.name, static_cast<size_t>(b.size())));
    int tier = m->top_ == kTopTier && o.pinned_tier < 0 ? 0 : m->top_;
    auto t0 = std::chrono::steady_clock::now();
    Expected<std::shared_ptr<const JitKernel>> j = Diag{};
    bool tuned = false;
    if (o.pinned_tier < 0 && o.autotune && o.tuning_cache &&
        o.tuning_cache->find(kernel_signature(k, o.target))) {
      j = m->compile_tuned(*s, nullptr, &tuned);  // known hot last time: start at its best schedule
      tier = kTopTier;
    } else {
      j = m->compile_level(k, tier);
    }
    if (!j) {
      Diag d = j.error();
      d.message = "kernel " + k.name + ": " + d.message;
      return d;
    }
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    TierCounters& tc = s->profile->tiers[static_cast<size_t>(tier)];
    tc.compile_ns.fetch_add(static_cast<uint64_t>(ns));
    int64_t unset = -1;
    tc.arrived_ns.compare_exchange_strong(unset, 0);
    s->code.store(new Code{*j, (*j)->fn(), tier});
    s->tier.store(tier);
    s->requested.store(tier);
    m->slots_.push_back(std::move(s));
  }
  m->signature_ = describe_model(g, m->lowered_, [&](const std::string& name, size_t size) {
    return m->buffers_[static_cast<size_t>(buffer(name, size))].offset;
  });
  if (o.background && o.profile && m->top_ == kTopTier && o.pinned_tier < 0) {
    TieredModel* raw = m.get();
    m->compiler_ = std::make_unique<TierCompiler>([raw] { raw->reclaim(); });
  }
  m->compile_us_ =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  if (o.trace)
    o.trace->span("compile model (first tier)", "compile",
                  o.trace->now_ns() - static_cast<int64_t>(m->compile_us_ * 1000), o.trace->now_ns());
  return m;
}

TieredModel::~TieredModel() {
  compiler_.reset();  // joins the thread: no job runs past this point
  for (auto& s : slots_) delete s->code.load();
  for (auto& [code, epoch] : retired_) delete code;
}

// ---- queries --------------------------------------------------------------------------------------------

const std::string& TieredModel::kernel_name(size_t k) const {
  return slots_.at(k)->kernel.name;
}
int TieredModel::tier_of(size_t k) const {
  return slots_.at(k)->tier.load();
}
const KernelProfile& TieredModel::kernel_profile(size_t k) const {
  return *slots_.at(k)->profile;
}

std::string TieredModel::tuned_pipeline(size_t k) const {
  std::lock_guard lock(events_mu_);
  return slots_.at(k)->tuned;
}

std::vector<TierEvent> TieredModel::events() const {
  std::lock_guard lock(events_mu_);
  return events_;
}

void TieredModel::wait_idle() {
  if (compiler_) compiler_->wait_idle();
}

size_t TieredModel::retired_count() const {
  std::lock_guard lock(retired_mu_);
  return retired_.size();
}

int64_t TieredModel::since_start_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_)
      .count();
}

// ---- tier-ups -------------------------------------------------------------------------------------------

void TieredModel::account(size_t k, const Code& code, uint64_t cycles, uint64_t calls,
                          TieredInstance& caller) {
  TierCounters& t = slots_[k]->profile->tiers[static_cast<size_t>(code.tier)];
  uint64_t n = t.calls.fetch_add(calls, std::memory_order_relaxed) + calls;
  t.measured_calls.fetch_add(1, std::memory_order_relaxed);
  uint64_t spent = t.measured_cycles.fetch_add(cycles, std::memory_order_relaxed) + cycles;
  if (code.tier < top_ && (n >= opts_.call_threshold || spent >= opts_.cycle_threshold))
    request(k, code.tier + 1, caller);
}

void TieredModel::request(size_t k, int to, TieredInstance& caller) {
  int expected = to - 1;
  if (!slots_[k]->requested.compare_exchange_strong(expected, to)) return;  // already asked for
  Request r{k, to, to == kTopTier && opts_.autotune ? caller.snapshot(k) : nullptr};
  if (compiler_)
    compiler_->enqueue([this, r] { tier_up(r); });
  else
    caller.pending_.push_back(std::move(r));
}

void TieredModel::tier_up(const Request& r) {
  Slot& s = *slots_[r.kernel];
  int64_t begin = since_start_ns();
  int64_t trace_begin = opts_.trace ? opts_.trace->now_ns() : 0;
  bool tuned = false, from_cache = false;
  Expected<std::shared_ptr<const JitKernel>> j = Diag{};
  if (r.to == kTopTier && opts_.autotune) {
    j = compile_tuned(s, r.data.get(), &from_cache);
    tuned = static_cast<bool>(j);
  } else {
    j = compile_level(s.kernel, r.to);
  }
  if (!j) {  // stays at its tier (requested stays at r.to, so it is not asked again)
    std::fprintf(stderr, "njc: warning: kernel %s stays at tier %d: %s\n", s.kernel.name.c_str(), r.to - 1,
                 j.error().message.c_str());
    return;
  }
  int64_t end = since_start_ns();
  TierCounters& tc = s.profile->tiers[static_cast<size_t>(r.to)];
  tc.compile_ns.fetch_add(static_cast<uint64_t>(end - begin));
  uint64_t at_call = s.profile->total_calls();
  swap(r.kernel, new Code{*j, (*j)->fn(), r.to});
  int64_t unset = -1;
  if (tc.arrived_ns.compare_exchange_strong(unset, end)) tc.arrived_call.store(at_call);
  {
    std::lock_guard lock(events_mu_);
    events_.push_back(
        {r.kernel, r.to - 1, r.to, at_call, end, static_cast<double>(end - begin) / 1000.0, tuned});
  }
  if (opts_.trace) {
    if (compiler_) opts_.trace->name_thread("tier compiler");
    int64_t now = opts_.trace->now_ns();
    std::string what = tuned ? (from_cache ? "tuned (cache)" : "autotune") : level_name(r.to);
    opts_.trace->span("compile " + what, "compile", trace_begin, now,
                      {{"kernel", s.kernel.name}, {"tier", std::to_string(r.to)}});
    opts_.trace->instant("tier-up " + s.kernel.name + " -> " + std::to_string(r.to), "tier-up", now,
                         {{"kernel", s.kernel.name}, {"at_call", std::to_string(at_call)}});
  }
}

// ---- the swap and epoch-based retirement ----------------------------------------------------------------

void TieredModel::swap(size_t k, const Code* code) {
  Slot& s = *slots_[k];
  const Code* old = s.code.exchange(code, std::memory_order_seq_cst);
  s.tier.store(code->tier);
  uint64_t e = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
  {
    std::lock_guard lock(retired_mu_);
    retired_.push_back({old, e});
  }
  if (compiler_)
    compiler_->want_tick();
  else
    reclaim();
}

void TieredModel::reclaim() {
  std::vector<uint64_t> active;
  {
    std::lock_guard lock(readers_mu_);
    for (const Reader* r : readers_) active.push_back(r->epoch.load(std::memory_order_seq_cst));
  }
  bool left;
  {
    std::lock_guard lock(retired_mu_);
    std::erase_if(retired_, [&](const std::pair<const Code*, uint64_t>& c) {
      bool safe =
          std::all_of(active.begin(), active.end(), [&](uint64_t a) { return a == 0 || a >= c.second; });
      if (safe) delete c.first;
      return safe;
    });
    left = !retired_.empty();
  }
  if (left && compiler_) compiler_->want_tick();
}

void TieredModel::add_reader(Reader* r) {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(r);
}

void TieredModel::remove_reader(Reader* r) {
  {
    std::lock_guard lock(readers_mu_);
    std::erase(readers_, r);
  }
  reclaim();
}

// ---- instances ------------------------------------------------------------------------------------------

TieredInstance::TieredInstance(std::shared_ptr<TieredModel> model)
    : model_(std::move(model)),
      memory_(model_->memory_floats_, 0.0f),
      reader_(std::make_unique<TieredModel::Reader>()) {
  reset_memory(model_->signature_, memory_);
  for (const auto& s : model_->slots_) {
    std::vector<float*> table;
    for (int b : s->buffer_slots)
      table.push_back(b < 0 ? nullptr : memory_.data() + model_->buffers_[static_cast<size_t>(b)].offset);
    pointers_.push_back(std::move(table));
  }
  untimed_.assign(model_->slots_.size(), 0);
  until_sample_ = model_->opts_.sample_period;
  last_tiers_.assign(model_->slots_.size(), -1);
  model_->add_reader(reader_.get());
}

TieredInstance::~TieredInstance() {
  flush_counts();
  model_->remove_reader(reader_.get());
}

void TieredInstance::flush_counts() {
  for (size_t k = 0; k < untimed_.size(); ++k) {
    uint64_t n = untimed_[k] + untimed_runs_;
    if (!n) continue;
    model_->slots_[k]->profile->tiers[static_cast<size_t>(model_->top_)].calls.fetch_add(
        n, std::memory_order_relaxed);
    untimed_[k] = 0;
  }
  untimed_runs_ = 0;
}

std::shared_ptr<loop::BufferData> TieredInstance::snapshot(size_t k) const {
  const TieredModel::Slot& s = *model_->slots_[k];
  auto data = std::make_shared<loop::BufferData>();
  for (size_t b = 0; b < s.kernel.buffers.size(); ++b) {
    const loop::Buffer& buf = s.kernel.buffers[b];
    if (buf.kind == loop::BufferKind::kParam) {
      data->push_back(buf.data);
    } else {
      const float* p = pointers_[k][b];
      data->emplace_back(p, p + buf.size());
    }
  }
  return data;
}

void TieredInstance::run() {
  TieredModel& m = *model_;
  FlushDenormalsScope float_mode(m.opts_.flush_denormals);
  const bool profile = m.opts_.profile;
  const bool sampled = profile && --until_sample_ <= 0;
  if (sampled) until_sample_ = m.opts_.sample_period;
  int64_t trace_begin = m.opts_.trace ? m.opts_.trace->now_ns() : 0;
  reader_->epoch.store(m.epoch_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
  if (!profile || (all_top_ && !sampled)) {
    // Steady state (or no profiling): nothing per kernel but the call; one count for the whole run.
    for (size_t k = 0; k < m.slots_.size(); ++k)
      m.slots_[k]->code.load(std::memory_order_seq_cst)->fn(pointers_[k].data());
    untimed_runs_ += profile;
  } else {
    profiled_calls(sampled);
  }
  reader_->epoch.store(0, std::memory_order_release);
  if (m.opts_.trace) m.opts_.trace->span("run", "run", trace_begin, m.opts_.trace->now_ns());
  if (!pending_.empty()) {  // synchronous mode: compile between calls, on this thread
    std::vector<TieredModel::Request> requests = std::move(pending_);
    pending_.clear();
    for (const TieredModel::Request& r : requests) m.tier_up(r);
  }
}

// Below the top tier every call is timed and may request a tier-up; at the top only sampled calls are,
// and they carry the untimed calls since the last sample (per kernel, plus the runs counted in the steady
// state, when every kernel was at the top).
void TieredInstance::profiled_calls(bool sampled) {
  TieredModel& m = *model_;
  bool all_top = true;
  for (size_t k = 0; k < m.slots_.size(); ++k) {
    const TieredModel::Code* c = m.slots_[k]->code.load(std::memory_order_seq_cst);
    last_tiers_[k] = c->tier;
    bool top = c->tier == m.top_;
    all_top = all_top && top;
    if (top && !sampled) {
      c->fn(pointers_[k].data());
      ++untimed_[k];
      continue;
    }
    uint64_t t0 = read_cycles();
    c->fn(pointers_[k].data());
    uint64_t cycles = read_cycles() - t0;
    uint64_t calls = top ? untimed_[k] + untimed_runs_ + 1 : 1;
    if (top) untimed_[k] = 0;
    m.account(k, *c, cycles, calls, *this);
  }
  if (sampled) untimed_runs_ = 0;  // all_top_ was set, so every kernel took them above
  all_top_ = all_top;              // tiers only rise: once at the top, always
}

float* TieredInstance::input(size_t i) {
  return memory_.data() + model_->signature_.inputs.at(i).offset;
}

const float* TieredInstance::input(size_t i) const {
  return memory_.data() + model_->signature_.inputs.at(i).offset;
}

const float* TieredInstance::output(size_t i) const {
  return memory_.data() + model_->signature_.outputs.at(i).offset;
}

float* TieredInstance::state(size_t i) {
  return memory_.data() + model_->signature_.states.at(i).offset;
}

void TieredInstance::save_state(float* dst) const {
  save_states(model_->signature_, memory_.data(), dst);
}

void TieredInstance::restore_state(const float* src) {
  restore_states(model_->signature_, memory_.data(), src);
}

void TieredInstance::reset_state() {
  reset_memory(model_->signature_, memory_);
}

std::vector<std::vector<float>> TieredInstance::run(const std::vector<std::vector<float>>& inputs) {
  const TieredModel& m = *model_;
  NJC_ASSERT(inputs.size() == m.signature_.inputs.size(), "wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSignature& t = m.signature_.inputs[i];
    NJC_ASSERT(inputs[i].size() <= std::max<size_t>(1, t.elements), "input has the wrong size");
    std::copy(inputs[i].begin(), inputs[i].end(), memory_.begin() + static_cast<long>(t.offset));
  }
  run();
  std::vector<std::vector<float>> out;
  for (const TensorSignature& t : m.signature_.outputs) {
    auto begin = memory_.begin() + static_cast<long>(t.offset);
    out.emplace_back(begin, begin + static_cast<long>(t.elements));
  }
  return out;
}

}  // namespace njc::runtime
