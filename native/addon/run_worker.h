// The worker behind every `run()` that simulates time and returns spikes: it runs a body
// on a worker thread, records the spikes it reports, sends progress about every 50 ms,
// stops when the owner's cancel flag is set, and resolves with the spikes.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "addon/async_work.h"

namespace polychron::addon {

class RunWorker : public AsyncWork<uint64_t> {
 public:
  // Observes one unit of time t (a step or a ms) and its spikes; false stops the run.
  using Observer = std::function<bool(uint64_t t, const uint32_t* fired, uint32_t count)>;
  // Runs up to `total` units, calling the observer after each; returns the units done.
  using Body = std::function<uint64_t(const Observer&)>;

  // Marks `state` busy with a run(); `owner` is kept alive until the promise settles.
  RunWorker(Napi::Env env, Napi::Object owner, AsyncState& state, uint64_t total, Body body,
            Napi::Function on_progress, bool record);

 private:
  void Work(const Progress& progress) override;
  std::vector<napi_value> Arguments(Napi::Env env, const uint64_t& done) override;
  Napi::Value Result(Napi::Env env) override;

  const uint64_t total_;
  const Body body_;
  const bool record_;
  uint64_t done_ = 0;
  bool aborted_ = false;
  std::vector<double> spike_times_;
  std::vector<uint32_t> spike_neurons_;
};

}  // namespace polychron::addon
