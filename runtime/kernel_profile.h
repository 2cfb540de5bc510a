// Per-kernel profile records of the tiered JIT (runtime/tiered_model.h): calls and rdtsc cycles per tier,
// compile time per tier, when each tier arrived. Records live in a ProfileTable, found by the kernel's
// 128-bit structural key (runtime/kernel_cache.h) in O(1); identical kernels of one model share a record.
// Every counter is a relaxed atomic: instances on several threads add to the same record.
#pragma once

#include <x86intrin.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/kernel_cache.h"

namespace njc::runtime {

// A CPU timestamp counter read (rdtsc): the unit of every cycle count here.
inline uint64_t read_cycles() {
  return __rdtsc();
}

constexpr int kTopTier = 3;
constexpr int kTierCount = 4;  // 0 naive (O0), 1 interchanged (O1), 2 unrolled (O2), 3 blocked (O3)

struct TierCounters {
  std::atomic<uint64_t> calls{0};           // calls that ran this tier's code (estimated at the top tier)
  std::atomic<uint64_t> measured_calls{0};  // of those, calls timed with rdtsc
  std::atomic<uint64_t> measured_cycles{0};
  std::atomic<uint64_t> compile_ns{0};    // compiling this tier (incl. autotuning at the top)
  std::atomic<int64_t> arrived_ns{-1};    // when its code was swapped in, since the model's start; -1 never
  std::atomic<uint64_t> arrived_call{0};  // the kernel's total call count then

  double cycles_per_call() const {
    uint64_t n = measured_calls.load(std::memory_order_relaxed);
    return n ? static_cast<double>(measured_cycles.load(std::memory_order_relaxed)) / static_cast<double>(n)
             : 0;
  }
};

struct KernelProfile {
  std::string name;  // the first kernel's name under this key
  KernelKey key;
  std::array<TierCounters, kTierCount> tiers;

  uint64_t total_calls() const;
  // Calls until the compile time of tier `to` is paid back by its per-call saving over tier `from`: compile
  // cycles / (cycles per call at from - at to). 0 when either tier was not measured or `to` is not faster.
  double break_even_calls(int from, int to, double cycles_per_ns) const;
};

// The records of one model. find_or_add is O(1) (a hash map keyed by KernelKey); records never move, so
// pointers to them stay valid for the table's lifetime.
class ProfileTable {
 public:
  KernelProfile* find_or_add(const KernelKey& key, const std::string& name);
  KernelProfile* find(const KernelKey& key) const;
  // Every record in the order they were added.
  std::vector<const KernelProfile*> records() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<KernelKey, std::unique_ptr<KernelProfile>, KernelKeyHash> by_key_;
  std::vector<const KernelProfile*> order_;
};

// rdtsc ticks per nanosecond, measured once (~10 ms) against steady_clock.
double cycles_per_ns();

}  // namespace njc::runtime
