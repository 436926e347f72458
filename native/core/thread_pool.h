// A small fork-join pool for the millisecond loop: run(task) calls task(k) on threads
// k = 0..size()-1 (0 is the caller) and returns when all have finished. Waiting, on
// either side, spins for at most kSpin (a network runs several short phases per
// millisecond, and waking a sleeping thread costs tens of microseconds) and then
// sleeps until woken, so that a thread whose partner the OS has descheduled (a busy
// machine) gives its core back instead of spinning through its time slice. Workers
// end after kIdleExit without work (an object that is dropped but not yet collected
// holds no threads); the next run() starts them again.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace polychron {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The threads run() uses now: 1 (the caller alone, no synchronisation) or all.
  unsigned size() const { return active_; }
  unsigned capacity() const { return threads_; }
  void set_active(unsigned threads) { active_ = threads <= 1 ? 1 : threads_; }
  void run(const std::function<void(unsigned)>& task);

  static constexpr std::chrono::milliseconds kIdleExit{2000};
  static constexpr std::chrono::microseconds kSpin{50};

 private:
  // Worker k: runs each task published after generation `seen`.
  void work(unsigned k, uint64_t seen);
  void start_workers();
  void stop_workers();

  const unsigned threads_;
  unsigned active_ = threads_;
  std::vector<std::thread> workers_;
  bool retired_ = false;  // a worker ended for idleness (guarded by mutex_)
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> sleeping_{0};      // workers blocked on wake_
  std::condition_variable done_;           // the caller, when it sleeps until pending_ is 0
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<uint64_t> generation_{0};
  std::atomic<unsigned> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(unsigned)>* task_ = nullptr;
};

// [begin, end) of part k when n items are split into `parts` nearly equal parts.
inline void split_range(uint64_t n, unsigned parts, unsigned k, uint64_t& begin, uint64_t& end) {
  begin = n * k / parts;
  end = n * (k + 1) / parts;
}

}  // namespace polychron
