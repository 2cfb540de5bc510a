// The on-disk code cache: machine code of compiled kernels kept in a directory across processes, so that
// the next start of the same model maps its kernels instead of compiling them (ModelOptions::code_cache,
// `njc --code-cache DIR`). One file per kernel, named by its KernelKey (runtime/kernel_cache.h: the
// kernel's structure, its weights bit for bit, the target and every JIT option):
//
//   <dir>/<32 hex digits of the key>.njck, little-endian
//
//   offset  bytes  field
//   0       8      magic "NJCCODE\0"
//   8       4      entry format version (1)
//   12      16     KernelKey: lo, hi
//   28      2+v    njc version: length v, then v bytes ("0.2.0")
//   ..      12     CodegenStats: code_bytes, spilled_values, frame_bytes (int32 each)
//   ..      4+8n   the kernel's non-param buffers: count n, then each one's size in floats (int64)
//   ..      8+c    code: length c, then c bytes (position-independent, entry at 0)
//   end-8   8      checksum of every byte before it (code_cache.cpp)
//
// A missing entry is a miss. An entry that is truncated, corrupted (checksum), of another format or njc
// version, of another key, or whose buffers differ from the kernel's is ignored with one warning and
// replaced by a fresh compilation: a cache never changes what a kernel computes. Entries are written to a
// temporary file in the directory and renamed into place, so concurrent processes see each entry whole
// or not at all (the last writer wins; all write the same bytes).
//
// The directory holds code that njc maps executable: it must belong to the user running njc and be
// writable by no one else. open() creates it (mode 0700) or refuses one that fails this check.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ir/diag.h"
#include "ir/loop_ir.h"
#include "runtime/jit.h"
#include "runtime/kernel_cache.h"

namespace njc::runtime {

struct CodeCacheStats {
  uint64_t hits = 0;      // kernels mapped from an entry
  uint64_t misses = 0;    // no entry
  uint64_t rejected = 0;  // an entry was there but ignored (warned)
  uint64_t stored = 0;    // entries written
};

class CodeCache {
 public:
  using Warn = std::function<void(const std::string&)>;

  // The cache in dir, created when missing. Errors: not a directory, not the user's, writable by others,
  // cannot be created. warn gets each warning line (default: stderr).
  static Expected<std::shared_ptr<CodeCache>> open(const std::string& dir, Warn warn = {});

  // The kernel stored for (k, o) under key, mapped; nullopt on a miss or a rejected entry.
  std::optional<JitKernel> load(const KernelKey& key, const loop::Kernel& k);
  // Writes j's code as the entry for key. A failure (full disk, permissions) is a warning, not an error.
  void store(const KernelKey& key, const JitKernel& j);

  // The kernel for (k, o), whose kernel_key is key: from its entry, or compiled and stored. emit_asm
  // compiles without the cache (an entry has no listing), and so does a target the host cannot run (to
  // get compile's error).
  Expected<JitKernel> load_or_compile(const loop::Kernel& k, const JitOptions& o, const KernelKey& key);

  const std::string& dir() const { return dir_; }
  std::string entry_path(const KernelKey& key) const;
  CodeCacheStats stats() const;

 private:
  CodeCache(std::string dir, Warn warn) : dir_(std::move(dir)), warn_(std::move(warn)) {}
  void reject(const std::string& path, const std::string& why);

  std::string dir_;
  Warn warn_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, rejected_{0}, stored_{0}, temp_counter_{0};
};

}  // namespace njc::runtime
