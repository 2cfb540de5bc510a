// The kernel cache (see kernel_cache.h): the key hash and the LRU map.
#include "runtime/kernel_cache.h"

#include "runtime/code_cache.h"

#include <cstring>
#include <string_view>

#include "ir/loop_printer.h"

namespace njc::runtime {

namespace {

uint64_t rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

uint64_t fmix(uint64_t x) {  // the splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Two independent 64-bit multiply-rotate lanes over 8-byte words: fast on megabytes of weights, and 128 bits
// of state so that distinct keys do not collide in practice.
class Hasher {
 public:
  void word(uint64_t w) {
    a_ = rotl((a_ ^ w) * 0x9e3779b97f4a7c15ull, 29);
    b_ = rotl(b_ + w, 31) * 0xc2b2ae3d27d4eb4full ^ a_;
  }
  void bytes(const void* p, size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, c + i, 8);
      word(w);
    }
    if (i < n) {
      uint64_t w = 0;
      std::memcpy(&w, c + i, n - i);
      word(w);
    }
    word(n);  // so that "ab" + "c" and "a" + "bc" differ
  }
  void text(std::string_view s) { bytes(s.data(), s.size()); }
  KernelKey key() const { return {fmix(a_ ^ fmix(b_)), fmix(b_ + 0x632be59bd9b4e019ull)}; }

 private:
  uint64_t a_ = 0x243f6a8885a308d3ull, b_ = 0x13198a2e03707344ull;
};

}  // namespace

KernelKey kernel_key(const loop::Kernel& k, const JitOptions& o) {
  // Print the kernel without its name, its buffers' names and the param data (hashed raw below, much faster
  // than printing floats). Value names stay: pipelines select loops by them.
  loop::Kernel shape;
  shape.values = k.values;
  shape.body = k.body;
  for (size_t b = 0; b < k.buffers.size(); ++b) {
    loop::Buffer buf;
    buf.name = "$" + std::to_string(b);
    buf.kind = k.buffers[b].kind;
    buf.shape = k.buffers[b].shape;
    shape.buffers.push_back(std::move(buf));
  }
  Hasher h;
  h.text(loop::print(shape));
  for (const loop::Buffer& b : k.buffers)
    if (b.kind == loop::BufferKind::kParam) h.bytes(b.data.data(), b.data.size() * sizeof(float));
  h.word(static_cast<uint64_t>(o.target));
  h.word(static_cast<uint64_t>(static_cast<int64_t>(o.opt_level)));
  h.text(o.passes);
  h.word(o.emit_asm);
  h.word(static_cast<uint64_t>(static_cast<int64_t>(o.max_vector_registers)));
  return h.key();
}

KernelCache::KernelCache(size_t budget_bytes) : budget_(budget_bytes) {}

Expected<std::shared_ptr<const JitKernel>> KernelCache::get_or_compile(const loop::Kernel& k,
                                                                       const JitOptions& o, CodeCache* disk) {
  KernelKey key = kernel_key(k, o);
  if (std::shared_ptr<const JitKernel> hit = find(key)) return hit;
  Expected<JitKernel> compiled = disk ? disk->load_or_compile(k, o, key) : compile(k, o);
  if (!compiled) return compiled.error();
  return insert(key, std::make_shared<const JitKernel>(std::move(*compiled)));
}

std::shared_ptr<const JitKernel> KernelCache::find(const KernelKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->kernel;
}

std::shared_ptr<const JitKernel> KernelCache::insert(const KernelKey& key,
                                                     std::shared_ptr<const JitKernel> k) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {  // another thread compiled it first
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->kernel;
  }
  if (k->code_bytes() > budget_) return k;
  lru_.push_front({key, k});
  index_.emplace(key, lru_.begin());
  bytes_ += k->code_bytes();
  evict_locked();
  return k;
}

void KernelCache::evict_locked() {
  while (bytes_ > budget_ && !lru_.empty()) {
    Entry& victim = lru_.back();
    bytes_ -= victim.kernel->code_bytes();
    index_.erase(victim.key);
    lru_.pop_back();  // the code lives on while a model still holds the kernel
    ++stats_.evictions;
  }
}

bool KernelCache::contains(const KernelKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.count(key) != 0;
}

void KernelCache::set_budget(size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  budget_ = bytes;
  evict_locked();
}

size_t KernelCache::budget() const {
  std::lock_guard<std::mutex> lock(mu_);
  return budget_;
}

size_t KernelCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t KernelCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

KernelCacheStats KernelCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void KernelCache::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

KernelCache& KernelCache::global() {
  // Never destroyed: its kernels would be released at exit into a CodeArena::global() and a GDB descriptor
  // that may already be gone (statics die in reverse order of construction, and this one is built first).
  static KernelCache* cache = new KernelCache;
  return *cache;
}

}  // namespace njc::runtime
