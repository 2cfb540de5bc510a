// Autotuning one kernel: candidate schedules around the -O3 pipeline, each compiled, checked against the
// unscheduled kernel (O0) on the same data, and timed with rdtsc; the fastest wins.
#include "runtime/autotune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "frontend/deterministic_init.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "runtime/kernel_profile.h"

namespace njc::runtime {

namespace {

using passes::PassOptions;
using passes::Pipeline;

PassOptions::Value ints(std::vector<int64_t> v) {
  PassOptions::Value out;
  out.ints = std::move(v);
  out.given = true;
  return out;
}

// One-parameter variants of pass i of p: more or fewer split-reduction ways and unroll copies (or the pass
// dropped), half the vector width, a smaller register tile, the weights left in the lowering's layout.
std::vector<Pipeline> variants_of(const Pipeline& p, size_t i) {
  std::vector<Pipeline> out;
  std::string_view name = p[i].info->name;
  const PassOptions& opts = p[i].options;
  auto with = [&](std::string_view option, std::vector<int64_t> v) {
    Pipeline q = p;
    q[i].options.set(option, ints(std::move(v)));
    out.push_back(std::move(q));
  };
  auto without = [&] {
    Pipeline q = p;
    q.erase(q.begin() + static_cast<long>(i));
    out.push_back(std::move(q));
  };
  if (name == "split-reduction") {
    int64_t ways = opts.get_int("ways");
    if (ways * 2 <= 8) with("ways", {ways * 2});
    if (ways / 2 >= 2) with("ways", {ways / 2});
    without();
  } else if (name == "unroll" && opts.get_word("factor").empty()) {
    int64_t f = opts.get_int("factor");
    if (f * 2 <= 8) with("factor", {f * 2});
    without();
  } else if (name == "relayout") {
    without();  // the lowering's layout instead of the order the loops read the weights
  } else if (name == "vectorize") {
    int64_t w = opts.get_int("width");
    if (w / 2 >= 4) with("width", {w / 2});
  } else if (name == "tile" && !opts.get_ints("sizes").empty()) {
    std::vector<int64_t> sizes = opts.get_ints("sizes");
    for (size_t d = 0; d < sizes.size(); ++d) {
      if (sizes[d] < 2) continue;
      std::vector<int64_t> smaller = sizes;
      smaller[d] /= 2;
      with("sizes", smaller);
    }
  }
  return out;
}

loop::BufferData random_buffers(const loop::Kernel& k) {
  loop::BufferData data = loop::make_buffers(k);
  SplitMix64 rng(0x7a11u);
  for (size_t b = 0; b < data.size(); ++b)
    if (k.buffers[b].kind != loop::BufferKind::kParam)
      for (float& x : data[b]) x = static_cast<float>(2 * rng.next_unit() - 1);
  return data;
}

std::vector<float*> pointers(loop::BufferData& data) {
  std::vector<float*> p;
  for (auto& b : data) p.push_back(b.data());
  return p;
}

// Outputs and state after one call of candidate on a copy of data agree with the reference's (fp32
// reassociation only: 1e-4 relative + 1e-5 absolute).
bool agrees(const loop::Kernel& k, const JitKernel& candidate, const loop::BufferData& data,
            const loop::BufferData& reference) {
  loop::BufferData got = data;
  candidate.run(got);
  for (size_t b = 0; b < got.size(); ++b) {
    loop::BufferKind kind = k.buffers[b].kind;
    if (kind != loop::BufferKind::kOutput && kind != loop::BufferKind::kState) continue;
    for (size_t e = 0; e < got[b].size(); ++e) {
      float want = reference[b][e], have = got[b][e];
      if (std::isnan(want) != std::isnan(have)) return false;
      if (!std::isnan(want) && std::fabs(have - want) > 1e-4f * std::fabs(want) + 1e-5f) return false;
    }
  }
  return true;
}

// Cycles of the fastest of `reps` batches of `calls` calls, each batch starting from data.
double time_batches(const JitKernel& j, const loop::BufferData& data, int reps, int calls) {
  loop::BufferData work = data;
  std::vector<float*> ptrs = pointers(work);
  uint64_t best = std::numeric_limits<uint64_t>::max();
  for (int r = 0; r < reps; ++r) {
    for (size_t b = 0; b < work.size(); ++b) std::copy(data[b].begin(), data[b].end(), work[b].begin());
    uint64_t t0 = read_cycles();
    for (int c = 0; c < calls; ++c) j.run(ptrs.data());
    best = std::min(best, read_cycles() - t0);
  }
  return static_cast<double>(best);
}

}  // namespace

std::vector<std::string> candidate_pipelines(const loop::Kernel& k, x86::Target t, int max) {
  passes::TargetDesc desc{x86::target_lanes(t), x86::target_vector_registers(t)};
  Pipeline o3 = passes::default_pipeline(3, k, desc);
  std::vector<std::string> out = {passes::format_pipeline(o3)};
  auto add = [&](const Pipeline& p) {
    std::string text = passes::format_pipeline(p);
    if (static_cast<int>(out.size()) < max && std::find(out.begin(), out.end(), text) == out.end())
      out.push_back(text);
  };
  // Reductions first (they matter most at batch 1), the weights' layout, unrolling, tiles, vector width.
  for (std::string_view kind : {"split-reduction", "relayout", "unroll", "tile", "vectorize"})
    for (size_t i = 0; i < o3.size(); ++i)
      if (o3[i].info->name == kind)
        for (const Pipeline& v : variants_of(o3, i)) add(v);
  return out;
}

Expected<TuneResult> tune_kernel(const loop::Kernel& k, const TuneOptions& o) {
  auto start = std::chrono::steady_clock::now();
  loop::BufferData data = o.data ? *o.data : random_buffers(k);
  JitOptions ref_options;
  ref_options.target = o.target;
  ref_options.opt_level = 0;
  Expected<JitKernel> naive = compile(k, ref_options);
  if (!naive) return naive.error();
  loop::BufferData reference = data;
  naive->run(reference);

  TuneResult result;
  int calls = o.calls_per_batch;
  double best_cycles = std::numeric_limits<double>::infinity();
  for (const std::string& text : candidate_pipelines(k, o.target, std::max(1, o.max_candidates))) {
    TuneCandidate c;
    c.pipeline = text;
    JitOptions jo;
    jo.target = o.target;
    jo.opt_level = 0;
    jo.passes = text;
    Expected<JitKernel> j = compile(k, jo);
    if (!j) {
      c.error = j.error().message;
      if (result.candidates.empty()) return j.error();  // the default schedule must compile
      result.candidates.push_back(std::move(c));
      continue;
    }
    c.compile_micros = j->compile_micros();
    if (!agrees(k, *j, data, reference)) {
      c.error = "disagrees with the unscheduled kernel";
      result.candidates.push_back(std::move(c));
      continue;
    }
    if (calls <= 0)  // calibrate on the first candidate: ~20k cycles per batch
      calls =
          static_cast<int>(std::clamp(20000.0 / std::max(1.0, time_batches(*j, data, 3, 1)), 4.0, 1000.0));
    c.ok = true;
    c.cycles_per_call = time_batches(*j, data, std::max(1, o.repetitions), calls) / calls;
    // Displacing the default schedule takes a clear win: timing noise should not trade it for a twin.
    bool beats_default = result.best == 0 && result.best_kernel;
    if (c.cycles_per_call < best_cycles * (beats_default ? 1.0 - o.min_gain : 1.0)) {
      best_cycles = c.cycles_per_call;
      result.best = result.candidates.size();
      result.best_kernel = std::make_shared<const JitKernel>(std::move(*j));
    }
    result.candidates.push_back(std::move(c));
  }
  if (!result.best_kernel) {  // every compiled candidate disagreed: a code generation bug, not a user error
    Diag d;
    d.message = "autotune: no candidate schedule of " + k.name + " agrees with the unscheduled kernel";
    return d;
  }
  result.total_micros =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  return result;
}

Expected<std::shared_ptr<const JitKernel>> compile_checked(const loop::Kernel& k, const std::string& pipeline,
                                                           x86::Target t, const loop::BufferData* data) {
  loop::BufferData in = data ? *data : random_buffers(k);
  JitOptions jo;
  jo.target = t;
  jo.opt_level = 0;
  Expected<JitKernel> naive = compile(k, jo);
  if (!naive) return naive.error();
  loop::BufferData reference = in;
  naive->run(reference);
  jo.passes = pipeline;
  Expected<JitKernel> j = compile(k, jo);
  if (!j) return j.error();
  if (!agrees(k, *j, in, reference)) {
    Diag d;
    d.message = "schedule '" + pipeline + "' disagrees with the unscheduled kernel " + k.name;
    return d;
  }
  return std::make_shared<const JitKernel>(std::move(*j));
}

Expected<std::string> autotune_kernel(const loop::Kernel& k, const TuneOptions& o) {
  Expected<TuneResult> r = tune_kernel(k, o);
  if (!r) return r.error();
  return r->best_pipeline();
}

}  // namespace njc::runtime
