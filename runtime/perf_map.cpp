// The perf map file (see perf_map.h).
#include "runtime/perf_map.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <tuple>

namespace njc::runtime {

namespace {

struct PerfMap {
  std::mutex mu;
  std::FILE* file = nullptr;
  bool started = false;  // the file was created by this process (later enables append)
  std::set<std::tuple<uintptr_t, size_t, std::string>> written;
};

PerfMap& state() {
  static PerfMap m;
  return m;
}

}  // namespace

std::string perf_map_path() {
  return "/tmp/perf-" + std::to_string(getpid()) + ".map";
}

bool enable_perf_map() {
  PerfMap& m = state();
  std::lock_guard<std::mutex> lock(m.mu);
  if (m.file) return true;
  // Truncate on the first enable: a file left by an earlier process with the same pid would mislabel code.
  m.file = std::fopen(perf_map_path().c_str(), m.started ? "a" : "w");
  m.started = m.started || m.file;
  return m.file != nullptr;
}

void disable_perf_map() {
  PerfMap& m = state();
  std::lock_guard<std::mutex> lock(m.mu);
  if (m.file) std::fclose(m.file);
  m.file = nullptr;
  m.written.clear();
}

bool perf_map_enabled() {
  PerfMap& m = state();
  std::lock_guard<std::mutex> lock(m.mu);
  return m.file != nullptr;
}

void perf_map_record(const void* start, size_t size, std::string_view name) {
  PerfMap& m = state();
  std::lock_guard<std::mutex> lock(m.mu);
  if (!m.file) return;
  auto entry = std::make_tuple(reinterpret_cast<uintptr_t>(start), size, std::string(name));
  if (!m.written.insert(entry).second) return;
  std::fprintf(m.file, "%lx %zx %.*s\n", static_cast<unsigned long>(std::get<0>(entry)), size,
               static_cast<int>(name.size()), name.data());
  std::fflush(m.file);  // perf may read it while the process still runs
}

}  // namespace njc::runtime
