// A recorder of Chrome Trace Event Format spans ("ph": "X") and instants ("ph": "i"): what `njc --trace FILE`
// writes, for Perfetto (ui.perfetto.dev) or chrome://tracing. Thread-safe; threads are numbered 1, 2, ...
// in the order they first record. Timestamps are microseconds since the recorder was made.
//
//   {"traceEvents": [{"name": "compile O3", "cat": "compile", "ph": "X", "ts": 12.5, "dur": 480.0,
//                     "pid": 1, "tid": 2, "args": {"kernel": "0_Gemm_h1"}}, ...],
//    "displayTimeUnit": "ns"}
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ir/diag.h"

namespace njc::runtime {

class TraceRecorder {
 public:
  using Args = std::vector<std::pair<std::string, std::string>>;  // string-valued args

  // At most max_events are kept; later ones are counted in dropped() (a long run stays writable).
  explicit TraceRecorder(size_t max_events = 200000);

  int64_t now_ns() const;  // since construction
  void span(const std::string& name, const std::string& cat, int64_t start_ns, int64_t end_ns,
            Args args = {});
  void instant(const std::string& name, const std::string& cat, int64_t at_ns, Args args = {});
  // Names the calling thread in the trace ("thread_name" metadata).
  void name_thread(const std::string& name);

  size_t size() const;
  size_t dropped() const;
  std::string json() const;
  // Writes json() to path. Errors: the file cannot be written.
  Status write(const std::string& path) const;

 private:
  struct Event {
    std::string name, cat;
    char phase;
    int64_t ts_ns, dur_ns;
    int tid;
    Args args;
  };
  int tid_locked();
  void add(Event e);

  std::chrono::steady_clock::time_point start_;
  size_t max_;
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::map<std::thread::id, int> tids_;
  std::map<int, std::string> thread_names_;
  size_t dropped_ = 0;
};

}  // namespace njc::runtime
