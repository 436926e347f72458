#include "core/thread_pool.h"

#if defined(POLYCHRON_X86_64)
#include <immintrin.h>
#endif

namespace polychron {

namespace {

inline void cpu_relax() {
#if defined(POLYCHRON_X86_64)
  _mm_pause();
#endif
}

// Spin this long between phases (they follow each other within microseconds), yielding
// now and then so that oversubscribed threads still make progress; then sleep.
constexpr int kSpinsBeforeSleep = 1 << 14;
constexpr int kSpinsBetweenYields = 64;

}  // namespace

ThreadPool::ThreadPool(unsigned threads) : threads_(threads < 1 ? 1 : threads) {}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::start_workers() {
  const uint64_t seen = generation_.load();
  for (unsigned k = 1; k < threads_; ++k) workers_.emplace_back([this, k, seen] { work(k, seen); });
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = false;
  retired_ = false;
}

void ThreadPool::run(const std::function<void(unsigned)>& task) {
  if (threads_ == 1) {
    task(0);
    return;
  }
  // Publish the task under the lock that a worker ending for idleness also takes, so that
  // no worker can end between the check and the publication; if one has ended, restart
  // them all (every part k needs its thread).
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!retired_ && !workers_.empty()) {
      task_ = &task;
      pending_.store(unsigned(workers_.size()), std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      break;
    }
    const bool restart = retired_;
    lock.unlock();
    if (restart) stop_workers();
    start_workers();
  }
  wake_.notify_all();
  task(0);
  for (int spins = 1; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins % kSpinsBetweenYields == 0) {
      std::this_thread::yield();
    } else {
      cpu_relax();
    }
  }
}

void ThreadPool::work(unsigned k, uint64_t seen) {
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      if (++spins < kSpinsBeforeSleep) {
        if (spins % kSpinsBetweenYields == 0) {
          std::this_thread::yield();
        } else {
          cpu_relax();
        }
        continue;
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (!wake_.wait_for(lock, kIdleExit, [&] { return generation_.load(std::memory_order_acquire) != seen; })) {
        retired_ = true;
        return;
      }
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    (*task_)(k);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace polychron
