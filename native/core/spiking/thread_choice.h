// Whether a network's millisecond loop runs on one thread or on all it was given,
// decided by timing the run itself.
//
// A second thread pays only when a millisecond holds enough work to hide the cost of
// handing it over (a few microseconds per phase on this kind of machine, far more when
// the OS has descheduled the partner because other processes want the cores). Results
// do not depend on the thread count, so the loop may switch at any millisecond: it
// times kTrialMs ms on one thread, then kTrialMs on all (stopping that trial as soon
// as it is clearly slower), keeps the faster for the next stretch and trials again
// after it; each stretch doubles while the choice holds, up to kMaxStretchMs.
// Activity comes in bursts, so the trials compare time per unit of work (the ms's
// synaptic events plus a quarter of the neurons, an update costing about a quarter of
// an event), not per ms. Milliseconds that update the weights are not timed (they come
// once per period and would weigh on whichever trial they fall in).
#pragma once
#include <chrono>
#include <cstdint>

namespace polychron {

class ThreadChoice {
 public:
  static constexpr uint32_t kTrialMs = 64;
  static constexpr uint32_t kFirstStretchMs = 1024;
  static constexpr uint32_t kMaxStretchMs = 65536;

  // Not `adaptive`: always all threads.
  ThreadChoice(unsigned threads, bool adaptive) : threads_(threads), adaptive_(adaptive) {}

  // The threads for the next millisecond.
  unsigned threads() const {
    if (!adaptive_ || phase_ == Phase::TrialAll) return threads_;
    return phase_ == Phase::Chosen ? chosen_ : 1;
  }
  // How long the millisecond just run took and the work it held (`timed`: false for one
  // that updated weights).
  void ran(std::chrono::nanoseconds took, double work, bool timed);

 private:
  enum class Phase { TrialOne, TrialAll, Chosen };
  void choose(unsigned threads);

  const unsigned threads_;
  const bool adaptive_;
  Phase phase_ = Phase::TrialOne;
  unsigned chosen_ = 1;
  uint32_t stretch_ = kFirstStretchMs;
  uint32_t ms_ = 0;        // in the current phase
  uint32_t timed_ = 0;     // of those, timed
  int64_t ns_ = 0;         // their total time
  double work_ = 0;        // and work
  double one_ns_per_work_ = 0;
};

inline void ThreadChoice::choose(unsigned threads) {
  stretch_ = threads == chosen_ ? (stretch_ * 2 > kMaxStretchMs ? kMaxStretchMs : stretch_ * 2) : kFirstStretchMs;
  chosen_ = threads;
  phase_ = Phase::Chosen;
  ms_ = timed_ = 0;
  ns_ = 0;
  work_ = 0;
}

inline void ThreadChoice::ran(std::chrono::nanoseconds took, double work, bool timed) {
  if (threads_ <= 1 || !adaptive_) return;
  ++ms_;
  if (timed) {
    ++timed_;
    ns_ += took.count();
    work_ += work;
  }
  switch (phase_) {
    case Phase::TrialOne:
      if (ms_ < kTrialMs) return;
      one_ns_per_work_ = work_ > 0 ? double(ns_) / work_ : 0;
      phase_ = Phase::TrialAll;
      ms_ = timed_ = 0;
      ns_ = 0;
      work_ = 0;
      return;
    case Phase::TrialAll: {
      // All threads must be at least 5% faster; 1.5× slower so far (with two ms of
      // slack for waking the others) ends the trial.
      const double one_so_far = one_ns_per_work_ * work_;
      const double slack = 2.0 * one_ns_per_work_ * (timed_ > 0 ? work_ / timed_ : 0);
      if (timed_ > 1 && double(ns_) > 1.5 * one_so_far + slack) return choose(1);
      if (ms_ < kTrialMs) return;
      return choose(timed_ > 0 && double(ns_) < 0.95 * one_so_far ? threads_ : 1);
    }
    case Phase::Chosen:
      if (ms_ < stretch_) return;
      phase_ = Phase::TrialOne;
      ms_ = timed_ = 0;
      ns_ = 0;
      work_ = 0;
      return;
  }
}

}  // namespace polychron
