#include "core/thread_pool.h"

#if defined(POLYCHRON_X86_64)
#include <immintrin.h>
#endif

namespace polychron {

namespace {

inline void cpu_relax() {
#if defined(POLYCHRON_X86_64)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until done() or kSpin has passed (the clock read every 64 pauses); says which.
template <typename Done>
bool spin_until(Done&& done) {
  const auto until = std::chrono::steady_clock::now() + ThreadPool::kSpin;
  for (unsigned spins = 1;; ++spins) {
    if (done()) return true;
    cpu_relax();
    if (spins % 64 == 0 && std::chrono::steady_clock::now() >= until) return done();
  }
}

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
  if (active_ == 1) {
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
  if (sleeping_.load() != 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  task(0);
  const auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (spin_until(finished)) return;
  std::unique_lock<std::mutex> lock(mutex_);
  caller_sleeping_.store(true);
  done_.wait(lock, finished);
  caller_sleeping_.store(false);
}

void ThreadPool::work(unsigned k, uint64_t seen) {
  for (;;) {
    const auto published = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(published)) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      const bool woken = wake_.wait_for(lock, kIdleExit, published);
      sleeping_.fetch_sub(1);
      if (!woken) {
        retired_ = true;
        return;
      }
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    (*task_)(k);
    // The last to finish wakes the caller if it has gone to sleep (both flags are
    // sequentially consistent: either it sees pending_ at 0 or this sees it asleep).
    if (pending_.fetch_sub(1) == 1 && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

}  // namespace polychron
