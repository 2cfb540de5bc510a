// The tiered JIT's background compiler: one thread that runs queued jobs (tier-up compilations, autotuning)
// in order, off the threads that call the model, and a periodic tick while asked for (retiring old code
// once no call can still be in it: runtime/tiered_model.cpp).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace njc::runtime {

class TierCompiler {
 public:
  // tick runs on the worker thread about every 2 ms while want_tick() was called since the last tick.
  explicit TierCompiler(std::function<void()> tick);
  // Finishes the job in progress, drops the queued ones, joins the thread.
  ~TierCompiler();
  TierCompiler(const TierCompiler&) = delete;
  TierCompiler& operator=(const TierCompiler&) = delete;

  void enqueue(std::function<void()> job);
  void want_tick();
  // Blocks until the queue is empty and no job runs (jobs enqueued meanwhile included).
  void wait_idle();
  size_t pending() const;

 private:
  void loop();

  std::function<void()> tick_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false, stop_ = false, tick_wanted_ = false;
  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace njc::runtime
