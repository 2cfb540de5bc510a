// Formatting the tiered JIT's profile as text tables.
#include "tools/profile_report.h"

#include <fmt/format.h>

namespace njc::tools {

namespace {
std::string tier_row(const runtime::KernelProfile& p, int t, double cpn) {
  const runtime::TierCounters& c = p.tiers[static_cast<size_t>(t)];
  int64_t arrived = c.arrived_ns.load();
  if (arrived < 0 && c.calls.load() == 0)
    return fmt::format("  {:<5} {:>10} {:>12} {:>11} {:>10} {:>11}\n", t, "-", "-", "-", "-", "-");
  double cyc = c.cycles_per_call();
  double even = t > 0 ? p.break_even_calls(t - 1, t, cpn) : 0;
  return fmt::format("  {:<5} {:>10} {:>12} {:>11.1f} {:>10} {:>11}\n", t, c.calls.load(),
                     cyc > 0 ? fmt::format("{:.1f}", cyc) : "-",
                     static_cast<double>(c.compile_ns.load()) / 1000.0,
                     arrived < 0 ? "-" : std::to_string(c.arrived_call.load()),
                     t == 0 || cyc <= 0 || p.tiers[static_cast<size_t>(t - 1)].cycles_per_call() <= 0 ? "-"
                     : even > 0 ? fmt::format("{:.0f}", even)
                                : "never");
}
}  // namespace

std::string profile_report(const runtime::TieredModel& m) {
  double cpn = runtime::cycles_per_ns();
  const runtime::TierOptions& o = m.options();
  std::string out = fmt::format(
      "njc profile: {} kernels, {}, call threshold {}, cycle threshold {}, top tier sampled 1/{}, TSC {:.2f} "
      "GHz\n",
      m.kernel_count(),
      o.pinned_tier >= 0 ? "tier pinned at " + std::to_string(o.pinned_tier) : std::string("tiers auto"),
      o.call_threshold, o.cycle_threshold, o.sample_period, cpn);
  for (size_t k = 0; k < m.kernel_count(); ++k) {
    const runtime::KernelProfile& p = m.kernel_profile(k);
    std::string tuned = m.tuned_pipeline(k);
    out += fmt::format("\nkernel {}: {} calls, tier {}{}\n", m.kernel_name(k), p.total_calls(), m.tier_of(k),
                       tuned.empty() ? "" : ", tuned: " + tuned);
    out += fmt::format("  {:<5} {:>10} {:>12} {:>11} {:>10} {:>11}\n", "tier", "calls", "cycles/call",
                       "compile us", "from call", "break-even");
    for (int t = 0; t < runtime::kTierCount; ++t) out += tier_row(p, t, cpn);
  }
  return out;
}

}  // namespace njc::tools
