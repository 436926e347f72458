// The AsyncWorker behind every `run()` that simulates time and returns spikes: it runs a
// body on a worker thread, records the spikes it reports, sends progress about every
// 50 ms, stops when the owner's cancel flag is set, and settles a promise.
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace polychron::addon {

// The longest run() accepted, in steps or ms (exact in a double; beyond any real use).
constexpr uint64_t kMaxRunUnits = uint64_t(1) << 48;

// What an object that runs async work keeps: its busy flag (JS thread only) and the
// cancel flag the worker polls.
struct AsyncState {
  std::atomic<bool> cancel{false};
  bool busy = false;
};

class RunWorker : public Napi::AsyncProgressWorker<uint64_t> {
 public:
  // Observes one unit of time t (a step or a ms) and its spikes; false stops the run.
  using Observer = std::function<bool(uint64_t t, const uint32_t* fired, uint32_t count)>;
  // Runs up to `total` units, calling the observer after each; returns the units done.
  using Body = std::function<uint64_t(const Observer&)>;

  // Marks `state` busy; `owner` is kept alive until the promise settles.
  RunWorker(Napi::Env env, Napi::Object owner, AsyncState& state, uint64_t total, Body body,
            Napi::Function on_progress, bool record);

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const uint64_t* done, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  void Finish();

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  AsyncState& state_;
  Napi::FunctionReference on_progress_;
  Napi::ObjectReference progress_error_;
  const uint64_t total_;
  const Body body_;
  const bool record_;
  uint64_t done_ = 0;
  bool aborted_ = false;
  std::vector<double> spike_times_;
  std::vector<uint32_t> spike_neurons_;
};

}  // namespace polychron::addon
