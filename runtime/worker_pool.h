// A fork-join pool for frame-sized work: parallel_for(n, body) runs body(i, worker) for every i < n on the
// calling thread (worker 0) and the pool's threads (workers 1..), and returns when all are done. Items are
// claimed one at a time from a shared counter, so uneven items balance themselves.
//
//   caller:   publish job ── wake ── claim items ── wait until done == n and no worker active ── return
//   worker k:          wait for a new generation ── active++ ── claim items ── active--
// A job's fields are read under the mutex and no worker is still claiming when the next job is published.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace njc::runtime {

class WorkerPool {
 public:
  // threads: the workers in all, the caller included (1: no thread is started).
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size() + 1; }
  // Not reentrant: one parallel_for at a time.
  void parallel_for(size_t n, const std::function<void(size_t item, size_t worker)>& body);

 private:
  void work(size_t worker);
  void claim_items(const std::function<void(size_t, size_t)>& body, size_t items, size_t worker);

  std::mutex mu_;
  std::condition_variable wake_, finished_;
  uint64_t generation_ = 0;  // under mu_: bumped for every job
  bool stop_ = false;
  size_t active_ = 0;                                          // under mu_: workers inside the current job
  const std::function<void(size_t, size_t)>* body_ = nullptr;  // under mu_
  size_t items_ = 0;                                           // under mu_
  std::atomic<size_t> next_{0}, done_{0};
  std::vector<std::thread> threads_;
};

}  // namespace njc::runtime
