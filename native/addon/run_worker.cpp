#include "addon/run_worker.h"

#include <chrono>

#include "addon/convert.h"

namespace polychron::addon {

RunWorker::RunWorker(Napi::Env env, Napi::Object owner, AsyncState& state, uint64_t total, Body body,
                     Napi::Function on_progress, bool record)
    : Napi::AsyncProgressWorker<uint64_t>(env, "polychron.run"),
      deferred_(Napi::Promise::Deferred::New(env)),
      owner_(Napi::Persistent(owner)),
      state_(state),
      total_(total),
      body_(std::move(body)),
      record_(record) {
  if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
  state_.busy = true;
  state_.cancel = false;
}

void RunWorker::Execute(const ExecutionProgress& progress) {
  using Clock = std::chrono::steady_clock;
  auto last_report = Clock::now();
  uint64_t units = 0;
  try {
    done_ = body_([&](uint64_t t, const uint32_t* fired, uint32_t count) {
      if (record_) {
        spike_times_.insert(spike_times_.end(), count, double(t));
        spike_neurons_.insert(spike_neurons_.end(), fired, fired + count);
      }
      // Reading the clock every unit would cost more than a small population's step.
      if ((++units & 63) == 0 && Clock::now() - last_report >= std::chrono::milliseconds(50)) {
        last_report = Clock::now();
        progress.Send(&units, 1);
      }
      return !state_.cancel.load(std::memory_order_relaxed);
    });
  } catch (const std::exception& e) {
    SetError(e.what());
    return;
  }
  aborted_ = state_.cancel.load() && done_ < total_;
}

void RunWorker::OnProgress(const uint64_t* done, size_t count) {
  if (count == 0 || on_progress_.IsEmpty() || !progress_error_.IsEmpty()) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  try {
    on_progress_.Call({Napi::Number::New(env, double(*done)), Napi::Number::New(env, double(total_))});
  } catch (const Napi::Error& e) {
    // A throwing callback stops the run; the promise rejects with its error.
    progress_error_ = Napi::Persistent(e.Value());
    state_.cancel = true;
  }
}

void RunWorker::OnOK() {
  Napi::Env env = Env();
  Finish();
  if (!progress_error_.IsEmpty()) {
    deferred_.Reject(progress_error_.Value());
    return;
  }
  auto result = Napi::Object::New(env);
  result.Set("steps", Napi::Number::New(env, double(done_)));
  result.Set("aborted", Napi::Boolean::New(env, aborted_));
  result.Set("spikeTimes", ToTypedArray<double, Napi::Float64Array>(env, spike_times_));
  result.Set("spikeNeurons", ToTypedArray<uint32_t, Napi::Uint32Array>(env, spike_neurons_));
  deferred_.Resolve(result);
}

void RunWorker::OnError(const Napi::Error& error) {
  Finish();
  deferred_.Reject(error.Value());
}

void RunWorker::Finish() {
  state_.busy = false;
  state_.cancel = false;
}

}  // namespace polychron::addon
