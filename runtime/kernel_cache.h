// The kernel cache: compiled kernels shared by key (a 128-bit hash of the kernel's structure, its param data,
// the target and the JIT options), so that compiling a model twice — or a model with two identical layers —
// generates each kernel once. CompiledModel::compile (runtime/compiled_model.h) goes through it.
//
//   KernelCache cache(16 << 20);                                  // budget: 16 MiB of code
//   Expected<std::shared_ptr<const JitKernel>> k = cache.get_or_compile(kernel, jit_options);
//
// Ownership: entries are shared_ptr<const JitKernel>. Evicting an entry drops only the cache's reference;
// the code stays mapped until the last model that uses it is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "ir/diag.h"
#include "ir/loop_ir.h"
#include "runtime/jit.h"

namespace njc::runtime {

class CodeCache;

// What a kernel is cached under. Two kernels get the same key when they differ at most in the kernel's name
// and its buffers' names (neither changes the generated code): the key hashes the printed kernel with those
// names replaced by positions, each param buffer's data bit for bit, and every field of JitOptions. 128
// bits, so a collision between different kernels is not a practical concern.
struct KernelKey {
  uint64_t lo = 0, hi = 0;
  bool operator==(const KernelKey&) const = default;
};
KernelKey kernel_key(const loop::Kernel& k, const JitOptions& o);

struct KernelKeyHash {
  size_t operator()(const KernelKey& k) const {
    return static_cast<size_t>(k.lo ^ (k.hi * 0x9e3779b97f4a7c15ull));
  }
};

struct KernelCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

// An LRU map from KernelKey to compiled kernel, bounded by the sum of the entries' code_bytes(). Lookups,
// insertions and evictions are O(1) (an unordered_map into a recency list). Thread-safe; compilation runs
// outside the lock, so two threads missing on the same key both compile and the first insertion wins.
class KernelCache {
 public:
  static constexpr size_t kDefaultBudget = size_t{64} << 20;

  explicit KernelCache(size_t budget_bytes = kDefaultBudget);
  KernelCache(const KernelCache&) = delete;
  KernelCache& operator=(const KernelCache&) = delete;

  // The kernel for (k, o): the cached one (a hit, now most recently used) or a fresh compilation, which is
  // inserted (a miss); with a code cache (runtime/code_cache.h), a miss looks for the kernel there first.
  // Compile errors are returned and nothing is cached.
  Expected<std::shared_ptr<const JitKernel>> get_or_compile(const loop::Kernel& k, const JitOptions& o,
                                                            CodeCache* disk = nullptr);

  // The entry for key, marked most recently used, or null. Counts a hit or a miss.
  std::shared_ptr<const JitKernel> find(const KernelKey& key);
  // Inserts (or replaces) key as the most recently used entry, then evicts least recently used entries until
  // the cache fits its budget. A kernel larger than the whole budget is not kept. Returns the cached kernel:
  // an earlier entry for key if there was one, else k.
  std::shared_ptr<const JitKernel> insert(const KernelKey& key, std::shared_ptr<const JitKernel> k);
  // Whether key is cached; does not touch the recency order or the statistics.
  bool contains(const KernelKey& key) const;

  // Changes the budget, evicting at once if the cache is now over it.
  void set_budget(size_t bytes);
  size_t budget() const;
  size_t bytes() const;  // sum of code_bytes() of the cached kernels
  size_t size() const;   // number of cached kernels
  KernelCacheStats stats() const;
  void clear();  // drops every entry (statistics are kept)

  // The process-wide cache that ModelOptions uses by default. Lives until the process ends (never
  // destroyed, so that no kernel is released during static destruction).
  static KernelCache& global();

 private:
  struct Entry {
    KernelKey key;
    std::shared_ptr<const JitKernel> kernel;
  };
  void evict_locked();

  mutable std::mutex mu_;
  size_t budget_;
  size_t bytes_ = 0;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<KernelKey, std::list<Entry>::iterator, KernelKeyHash> index_;
  KernelCacheStats stats_;
};

}  // namespace njc::runtime
