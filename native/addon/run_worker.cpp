#include "addon/run_worker.h"

#include <chrono>

#include "addon/convert.h"

namespace polychron::addon {

RunWorker::RunWorker(Napi::Env env, Napi::Object owner, AsyncState& state, uint64_t total, Body body,
                     Napi::Function on_progress, bool record)
    : AsyncWork(env, "polychron.run", owner, &state, "run()", on_progress),
      total_(total),
      body_(std::move(body)),
      record_(record) {}

void RunWorker::Work(const Progress& progress) {
  using Clock = std::chrono::steady_clock;
  auto last_report = Clock::now();
  uint64_t units = 0;
  done_ = body_([&](uint64_t t, const uint32_t* fired, uint32_t count) {
    if (record_) {
      spike_times_.insert(spike_times_.end(), count, double(t));
      spike_neurons_.insert(spike_neurons_.end(), fired, fired + count);
    }
    // Reading the clock every unit would cost more than a small population's step.
    if ((++units & 63) == 0 && Clock::now() - last_report >= std::chrono::milliseconds(50)) {
      last_report = Clock::now();
      progress.Send(units);
    }
    return !cancelled();
  });
  aborted_ = cancelled() && done_ < total_;
}

std::vector<napi_value> RunWorker::Arguments(Napi::Env env, const uint64_t& done) {
  return {Napi::Number::New(env, double(done)), Napi::Number::New(env, double(total_))};
}

Napi::Value RunWorker::Result(Napi::Env env) {
  auto result = Napi::Object::New(env);
  result.Set("steps", Napi::Number::New(env, double(done_)));
  result.Set("aborted", Napi::Boolean::New(env, aborted_));
  result.Set("spikeTimes", ToTypedArray<double, Napi::Float64Array>(env, spike_times_));
  result.Set("spikeNeurons", ToTypedArray<uint32_t, Napi::Uint32Array>(env, spike_neurons_));
  return result;
}

}  // namespace polychron::addon
