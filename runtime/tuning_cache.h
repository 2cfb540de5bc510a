// The persistent tuning cache: the best schedule the autotuner (runtime/autotune.h) found per CPU model and
// kernel signature, in a JSON file, so that the next run starts at the best schedule instead of tuning again.
//
//   {"format": "njc-tuning-cache", "version": 1,
//    "entries": [{"cpu": "Intel(R) Xeon(R) ...", "kernel": "<32 hex digits>", "name": "0_Gemm_h1",
//                 "pipeline": "interchange,tile{...},...", "cycles_per_call": 812.5}]}
//
// A file that does not parse, has another format or version, or holds a malformed entry is ignored as a
// whole with one warning on stderr; entries of other CPUs are kept on save but never used. An entry's
// pipeline is still only a suggestion: the tiered JIT compiles it and checks it against the unscheduled
// kernel before using it (autotune.h: compile_checked).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "ir/diag.h"
#include "ir/loop_ir.h"
#include "runtime/jit.h"

namespace njc::runtime {

// The CPU model: the cpuid brand string (leaves 0x80000002..4), trimmed; "unknown-cpu" without one.
std::string cpu_model_name();

// The kernel part of the cache key: kernel_key (runtime/kernel_cache.h) of k for target t, no pipeline,
// as 32 hex digits. Names of the kernel and its buffers do not change it; shapes, weights and target do.
std::string kernel_signature(const loop::Kernel& k, x86::Target t);

struct TuningEntry {
  std::string name;  // informative: the kernel's name when it was tuned
  std::string pipeline;
  double cycles_per_call = 0;
};

class TuningCache {
 public:
  // A cache for this CPU backed by path (not read yet).
  explicit TuningCache(std::string path, std::string cpu = cpu_model_name());

  // Reads the file. A missing file is an empty cache (returns true, no warning). A corrupt or foreign file
  // is ignored: the cache starts empty, warning gets one line why, and false is returned.
  bool load(std::string* warning = nullptr);
  // Writes every entry (this CPU's and the others read from the file) to a temporary file next to path,
  // then renames it over path. Errors (unwritable directory) are Diags.
  Status save() const;

  // For a program's start and end: load() and save(), saying on stderr why a file was ignored or not saved
  // (a cache is an optimization: neither stops the program).
  void load_or_warn();
  void save_or_warn() const;

  std::optional<TuningEntry> find(const std::string& signature) const;
  void put(const std::string& signature, TuningEntry e);
  size_t size() const;  // this CPU's entries
  const std::string& path() const { return path_; }
  const std::string& cpu() const { return cpu_; }

 private:
  std::string path_, cpu_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, TuningEntry> entries_;  // (cpu, signature)
};

}  // namespace njc::runtime
