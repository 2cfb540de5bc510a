// Chrome Trace Event JSON from recorded spans and instants.
#include "runtime/trace.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace njc::runtime {

TraceRecorder::TraceRecorder(size_t max_events)
    : start_(std::chrono::steady_clock::now()), max_(max_events) {}

int64_t TraceRecorder::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_)
      .count();
}

int TraceRecorder::tid_locked() {
  auto [it, fresh] = tids_.try_emplace(std::this_thread::get_id(), static_cast<int>(tids_.size()) + 1);
  return it->second;
}

void TraceRecorder::add(Event e) {
  std::lock_guard lock(mu_);
  e.tid = tid_locked();
  if (events_.size() >= max_) {
    ++dropped_;
    return;
  }
  events_.push_back(std::move(e));
}

void TraceRecorder::span(const std::string& name, const std::string& cat, int64_t start_ns, int64_t end_ns,
                         Args args) {
  add({name, cat, 'X', start_ns, std::max<int64_t>(0, end_ns - start_ns), 0, std::move(args)});
}

void TraceRecorder::instant(const std::string& name, const std::string& cat, int64_t at_ns, Args args) {
  add({name, cat, 'i', at_ns, 0, 0, std::move(args)});
}

void TraceRecorder::name_thread(const std::string& name) {
  std::lock_guard lock(mu_);
  thread_names_[tid_locked()] = name;
}

size_t TraceRecorder::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

size_t TraceRecorder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::string TraceRecorder::json() const {
  std::lock_guard lock(mu_);
  nlohmann::json events = nlohmann::json::array();
  for (const auto& [tid, name] : thread_names_)
    events.push_back(
        {{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", {{"name", name}}}});
  for (const Event& e : events_) {
    nlohmann::json j = {{"name", e.name},
                        {"cat", e.cat},
                        {"ph", std::string(1, e.phase)},
                        {"ts", static_cast<double>(e.ts_ns) / 1000.0},
                        {"pid", 1},
                        {"tid", e.tid}};
    if (e.phase == 'X') j["dur"] = static_cast<double>(e.dur_ns) / 1000.0;
    if (e.phase == 'i') j["s"] = "t";
    nlohmann::json args = nlohmann::json::object();
    for (const auto& [k, v] : e.args) args[k] = v;
    if (!args.empty()) j["args"] = args;
    events.push_back(std::move(j));
  }
  nlohmann::json out = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
  if (dropped_) out["otherData"] = {{"dropped_events", std::to_string(dropped_)}};
  return out.dump(1) + "\n";
}

Status TraceRecorder::write(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json();
  if (!out.flush()) return Diag{path, 0, 0, "", "cannot write the trace file"};
  return {};
}

}  // namespace njc::runtime
