// The background compiler thread and its queue.
#include "runtime/tier_compiler.h"

#include <chrono>

namespace njc::runtime {

TierCompiler::TierCompiler(std::function<void()> tick)
    : tick_(std::move(tick)), thread_([this] { loop(); }) {}

TierCompiler::~TierCompiler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void TierCompiler::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void TierCompiler::want_tick() {
  {
    std::lock_guard lock(mu_);
    tick_wanted_ = true;
  }
  wake_.notify_one();
}

void TierCompiler::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return jobs_.empty() && !busy_; });
}

size_t TierCompiler::pending() const {
  std::lock_guard lock(mu_);
  return jobs_.size() + busy_;
}

void TierCompiler::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (jobs_.empty()) {
      idle_.notify_all();
      if (tick_wanted_) {
        wake_.wait_for(lock, std::chrono::milliseconds(2), [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty() && !stop_) {
          tick_wanted_ = false;
          lock.unlock();
          tick_();
          lock.lock();
        }
      } else {
        wake_.wait(lock, [&] { return stop_ || !jobs_.empty() || tick_wanted_; });
      }
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    job();
    lock.lock();
    busy_ = false;
  }
  idle_.notify_all();
}

}  // namespace njc::runtime
