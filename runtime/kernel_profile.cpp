// Kernel profile records and the table that finds them by structural key.
#include "runtime/kernel_profile.h"

#include <thread>

namespace njc::runtime {

uint64_t KernelProfile::total_calls() const {
  uint64_t n = 0;
  for (const TierCounters& t : tiers) n += t.calls.load(std::memory_order_relaxed);
  return n;
}

double KernelProfile::break_even_calls(int from, int to, double cycles_per_ns) const {
  double before = tiers[static_cast<size_t>(from)].cycles_per_call();
  double after = tiers[static_cast<size_t>(to)].cycles_per_call();
  if (before <= 0 || after <= 0 || after >= before) return 0;
  double compile = static_cast<double>(tiers[static_cast<size_t>(to)].compile_ns.load()) * cycles_per_ns;
  return compile / (before - after);
}

KernelProfile* ProfileTable::find_or_add(const KernelKey& key, const std::string& name) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = by_key_.try_emplace(key);
  if (fresh) {
    it->second = std::make_unique<KernelProfile>();
    it->second->name = name;
    it->second->key = key;
    order_.push_back(it->second.get());
  }
  return it->second.get();
}

KernelProfile* ProfileTable::find(const KernelKey& key) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second.get();
}

std::vector<const KernelProfile*> ProfileTable::records() const {
  std::lock_guard lock(mu_);
  return order_;
}

double cycles_per_ns() {
  static const double rate = [] {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t c0 = read_cycles();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    uint64_t c1 = read_cycles();
    auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    return static_cast<double>(c1 - c0) / ns;
  }();
  return rate;
}

}  // namespace njc::runtime
