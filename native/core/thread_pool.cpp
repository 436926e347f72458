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

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned k = 1; k < threads; ++k) workers_.emplace_back([this, k] { work(k); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(const std::function<void(unsigned)>& task) {
  if (workers_.empty()) {
    task(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    pending_.store(unsigned(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
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

void ThreadPool::work(unsigned k) {
  uint64_t seen = 0;
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
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    (*task_)(k);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace polychron
