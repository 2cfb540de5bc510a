// The fork-join pool: a condition variable to start a job, a shared counter to hand out its items.
#include "runtime/worker_pool.h"

namespace njc::runtime {

WorkerPool::WorkerPool(size_t threads) {
  for (size_t w = 1; w < threads; ++w) threads_.emplace_back([this, w] { work(w); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::claim_items(const std::function<void(size_t, size_t)>& body, size_t items, size_t worker) {
  size_t claimed = 0;
  for (size_t i = next_.fetch_add(1); i < items; i = next_.fetch_add(1), ++claimed) body(i, worker);
  done_.fetch_add(claimed);
}

void WorkerPool::work(size_t worker) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(size_t, size_t)>* body;
    size_t items;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (!body_) continue;  // woke after the job was over
      body = body_;
      items = items_;
      ++active_;
    }
    claim_items(*body, items, worker);
    {
      std::lock_guard lock(mu_);
      --active_;
    }
    finished_.notify_all();
  }
}

void WorkerPool::parallel_for(size_t n, const std::function<void(size_t, size_t)>& body) {
  if (n == 0) return;
  if (threads_.empty() || n == 1) {
    for (size_t i = 0; i < n; ++i) body(i, 0);
    return;
  }
  {
    std::unique_lock lock(mu_);
    finished_.wait(lock, [&] { return active_ == 0; });  // a late worker of the last job has left it
    body_ = &body;
    items_ = n;
    next_.store(0);
    done_.store(0);
    ++generation_;
  }
  wake_.notify_all();
  claim_items(body, n, 0);
  std::unique_lock lock(mu_);
  finished_.wait(lock, [&] { return done_.load() == n && active_ == 0; });
  body_ = nullptr;
}

}  // namespace njc::runtime
