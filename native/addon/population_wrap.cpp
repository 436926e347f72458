#include "addon/population_wrap.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "addon/convert.h"
#include "core/errors.h"

namespace polychron::addon {

namespace {

constexpr uint64_t kMaxRunSteps = uint64_t(1) << 48;

// A Float32Array over `storage` without copying. The ArrayBuffer holds its own
// reference, so the view stays valid after close() and garbage collection of the
// population; the memory goes when the last holder does.
Napi::Float32Array ViewOf(Napi::Env env, const std::shared_ptr<AlignedArray<float>>& storage) {
  using Holder = std::shared_ptr<AlignedArray<float>>;
  auto* holder = new Holder(storage);
  auto buffer = Napi::ArrayBuffer::New(
      env, storage->data(), storage->bytes(), [](Napi::Env, void*, Holder* h) { delete h; }, holder);
  return Napi::Float32Array::New(env, storage->size(), buffer, 0);
}

Napi::Value OptionOrUndefined(const Napi::Object& options, const char* key) {
  return options.Has(key) ? options.Get(key) : options.Env().Undefined();
}

}  // namespace

// Runs population->run() on a worker thread, reporting progress about every 50 ms.
class RunWorker : public Napi::AsyncProgressWorker<uint64_t> {
 public:
  RunWorker(Napi::Env env, PopulationWrap* owner, uint64_t steps, std::vector<float> current,
            Napi::Function on_progress, bool record)
      : Napi::AsyncProgressWorker<uint64_t>(env, "polychron.run"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        steps_(steps),
        current_(std::move(current)),
        record_(record),
        start_time_(owner->population_->steps_done()) {
    owner_ref_ = Napi::Persistent(owner->Value());
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    using Clock = std::chrono::steady_clock;
    auto last_report = Clock::now();
    IzhikevichPopulation& population = *owner_->population_;
    std::atomic<bool>& cancel = owner_->cancel_;
    steps_done_ = population.run(steps_, current_.data(),
                                 [&](uint64_t step, const uint32_t* fired, uint32_t count) {
      if (record_) {
        spike_times_.insert(spike_times_.end(), count, double(start_time_ + step));
        spike_neurons_.insert(spike_neurons_.end(), fired, fired + count);
      }
      // Reading the clock every step would cost more than a small population's step.
      if ((step & 63) == 63 && Clock::now() - last_report >= std::chrono::milliseconds(50)) {
        last_report = Clock::now();
        const uint64_t done = step + 1;
        progress.Send(&done, 1);
      }
      return !cancel.load(std::memory_order_relaxed);
    });
    aborted_ = cancel.load() && steps_done_ < steps_;
  }

  void OnProgress(const uint64_t* done, size_t count) override {
    if (count == 0 || on_progress_.IsEmpty() || !progress_error_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      on_progress_.Call({Napi::Number::New(env, double(*done)), Napi::Number::New(env, double(steps_))});
    } catch (const Napi::Error& e) {
      // A throwing callback stops the run; the promise rejects with its error.
      progress_error_ = Napi::Persistent(e.Value());
      owner_->cancel_ = true;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Finish();
    if (!progress_error_.IsEmpty()) {
      deferred_.Reject(progress_error_.Value());
      return;
    }
    auto result = Napi::Object::New(env);
    result.Set("steps", Napi::Number::New(env, double(steps_done_)));
    result.Set("aborted", Napi::Boolean::New(env, aborted_));
    result.Set("spikeTimes", ToTypedArray<double, Napi::Float64Array>(env, spike_times_));
    result.Set("spikeNeurons", ToTypedArray<uint32_t, Napi::Uint32Array>(env, spike_neurons_));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    Finish();
    deferred_.Reject(error.Value());
  }

 private:
  void Finish() {
    owner_->busy_ = false;
    owner_->cancel_ = false;
  }

  Napi::Promise::Deferred deferred_;
  PopulationWrap* owner_;
  Napi::ObjectReference owner_ref_;  // keeps the population alive while the run lasts
  Napi::FunctionReference on_progress_;
  Napi::ObjectReference progress_error_;
  const uint64_t steps_;
  const std::vector<float> current_;
  const bool record_;
  const uint64_t start_time_;
  uint64_t steps_done_ = 0;
  bool aborted_ = false;
  std::vector<double> spike_times_;
  std::vector<uint32_t> spike_neurons_;
};

Napi::Function PopulationWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeIzhikevichPopulation",
                     {
                         InstanceMethod<&PopulationWrap::Step>("step"),
                         InstanceMethod<&PopulationWrap::Run>("run"),
                         InstanceMethod<&PopulationWrap::Cancel>("cancel"),
                         InstanceMethod<&PopulationWrap::Close>("close"),
                         InstanceAccessor<&PopulationWrap::Size>("size"),
                         InstanceAccessor<&PopulationWrap::NumericsName>("numerics"),
                         InstanceAccessor<&PopulationWrap::SimdName>("simd"),
                         InstanceAccessor<&PopulationWrap::Time>("time"),
                         InstanceAccessor<&PopulationWrap::V>("v"),
                         InstanceAccessor<&PopulationWrap::U>("u"),
                         InstanceAccessor<&PopulationWrap::Closed>("closed"),
                         InstanceAccessor<&PopulationWrap::Busy>("busy"),
                     });
}

// new NativeIzhikevichPopulation({ size, a, b, c, d, v?, u?, numerics?, simd? })
PopulationWrap::PopulationWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PopulationWrap>(info) {
  Napi::Env env = info.Env();
  Guarded(env, [&] {
    if (info.Length() < 1 || !info[0].IsObject()) throw TypeError("options must be an object");
    const auto options = info[0].As<Napi::Object>();
    IzhikevichSpec spec;
    spec.size = static_cast<uint32_t>(
        ToInteger(OptionOrUndefined(options, "size"), "size", 1, IzhikevichPopulation::kMaxSize));
    spec.a = ToNumbers(OptionOrUndefined(options, "a"), "a");
    spec.b = ToNumbers(OptionOrUndefined(options, "b"), "b");
    spec.c = ToNumbers(OptionOrUndefined(options, "c"), "c");
    spec.d = ToNumbers(OptionOrUndefined(options, "d"), "d");
    const auto v = OptionOrUndefined(options, "v");
    if (!v.IsUndefined()) spec.v = ToNumbers(v, "v");
    const auto u = OptionOrUndefined(options, "u");
    if (!u.IsUndefined()) spec.u = ToNumbers(u, "u");
    const auto numerics = OptionOrUndefined(options, "numerics");
    if (!numerics.IsUndefined()) spec.numerics = parse_numerics(ToString(numerics, "numerics"), "numerics");
    const auto simd = OptionOrUndefined(options, "simd");
    spec.simd = simd.IsUndefined() ? active_simd_level() : parse_simd_level(ToString(simd, "simd"), "simd");
    population_ = std::make_unique<IzhikevichPopulation>(spec);
    scratch_current_ = std::make_unique<AlignedArray<float>>(spec.size);
    v_view_ = Napi::Persistent(ViewOf(env, population_->v()));
    u_view_ = Napi::Persistent(ViewOf(env, population_->u()));
    return 0;
  });
}

IzhikevichPopulation& PopulationWrap::Live(const char* method) {
  if (!population_) throw StateError(std::string("IzhikevichPopulation.") + method + "(): the population is closed");
  if (busy_) {
    throw StateError(std::string("IzhikevichPopulation.") + method +
                     "(): a run() is in progress; await it (or abort it) first");
  }
  return *population_;
}

const float* PopulationWrap::CurrentArgument(const Napi::Value& value, const char* name) {
  const uint32_t size = population_->size();
  if (value.IsUndefined() || value.IsNumber()) {
    const float x = value.IsUndefined() ? 0.0f : static_cast<float>(ToFiniteNumber(value, name));
    std::fill(scratch_current_->data(), scratch_current_->data() + size, x);
    return scratch_current_->data();
  }
  if (!IsTypedArrayOf(value, napi_float32_array)) {
    throw TypeError(std::string(name) + " must be a Float32Array of length size, a number or undefined");
  }
  auto array = value.As<Napi::Float32Array>();
  if (array.ElementLength() != size) {
    throw RangeError(std::string(name) + ".length must equal size = " + std::to_string(size) +
                     " (got " + std::to_string(array.ElementLength()) + ")");
  }
  const float* data = array.Data();
  for (uint32_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i])) {
      throw RangeError(std::string(name) + "[" + std::to_string(i) + "] must be finite (got " +
                       std::to_string(data[i]) + ")");
    }
  }
  return data;
}

// step(current?) -> Uint32Array of the neurons that fired (a new array each call).
Napi::Value PopulationWrap::Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    IzhikevichPopulation& population = Live("step");
    const float* current = CurrentArgument(info[0], "current");
    const uint32_t count = population.step(current);
    auto fired = Napi::Uint32Array::New(env, count);
    std::copy(population.fired(), population.fired() + count, fired.Data());
    return fired;
  });
}

// run(steps, current?, onProgress?, record?) -> Promise<{ steps, aborted, spikeTimes, spikeNeurons }>
Napi::Value PopulationWrap::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value {
    IzhikevichPopulation& population = Live("run");
    const uint64_t steps = ToInteger(info[0], "steps", 0, kMaxRunSteps);
    const float* current = CurrentArgument(info[1], "current");
    Napi::Function on_progress;
    if (!info[2].IsUndefined() && !info[2].IsNull()) {
      if (!info[2].IsFunction()) throw TypeError("onProgress must be a function");
      on_progress = info[2].As<Napi::Function>();
    }
    const bool record = info[3].IsUndefined() ? true : info[3].ToBoolean().Value();
    // The current is copied so that the caller may reuse its array during the run.
    std::vector<float> current_copy(current, current + population.size());
    auto* worker = new RunWorker(env, this, steps, std::move(current_copy), on_progress, record);
    busy_ = true;
    cancel_ = false;
    worker->Queue();
    return worker->Promise();
  });
}

void PopulationWrap::Cancel(const Napi::CallbackInfo&) {
  if (busy_) cancel_ = true;
}

void PopulationWrap::Close(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    if (busy_) throw StateError("IzhikevichPopulation.close(): a run() is in progress; await it (or abort it) first");
    population_.reset();
    return 0;
  });
}

Napi::Value PopulationWrap::Size(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!population_) throw StateError("IzhikevichPopulation.size: the population is closed");
    return Napi::Number::New(info.Env(), population_->size());
  });
}

Napi::Value PopulationWrap::NumericsName(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!population_) throw StateError("IzhikevichPopulation.numerics: the population is closed");
    return Napi::String::New(info.Env(), numerics_name(population_->numerics()));
  });
}

Napi::Value PopulationWrap::SimdName(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!population_) throw StateError("IzhikevichPopulation.simd: the population is closed");
    return Napi::String::New(info.Env(), simd_level_name(population_->simd()));
  });
}

Napi::Value PopulationWrap::Time(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!population_) throw StateError("IzhikevichPopulation.time: the population is closed");
    return Napi::Number::New(info.Env(), double(population_->steps_done()));
  });
}

Napi::Value PopulationWrap::V(const Napi::CallbackInfo&) { return v_view_.Value(); }
Napi::Value PopulationWrap::U(const Napi::CallbackInfo&) { return u_view_.Value(); }

Napi::Value PopulationWrap::Closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !population_);
}

Napi::Value PopulationWrap::Busy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), busy_);
}

}  // namespace polychron::addon
