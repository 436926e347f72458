#include "addon/population_wrap.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "addon/convert.h"
#include "addon/run_worker.h"
#include "core/errors.h"

namespace polychron::addon {

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
        ToInteger(Option(options, "size"), "size", 1, IzhikevichPopulation::kMaxSize));
    spec.a = ToNumbers(Option(options, "a"), "a");
    spec.b = ToNumbers(Option(options, "b"), "b");
    spec.c = ToNumbers(Option(options, "c"), "c");
    spec.d = ToNumbers(Option(options, "d"), "d");
    const auto v = Option(options, "v");
    if (!v.IsUndefined()) spec.v = ToNumbers(v, "v");
    const auto u = Option(options, "u");
    if (!u.IsUndefined()) spec.u = ToNumbers(u, "u");
    const auto numerics = Option(options, "numerics");
    if (!numerics.IsUndefined()) spec.numerics = parse_numerics(ToString(numerics, "numerics"), "numerics");
    const auto simd = Option(options, "simd");
    spec.simd = simd.IsUndefined() ? active_simd_level() : parse_simd_level(ToString(simd, "simd"), "simd");
    population_ = std::make_unique<IzhikevichPopulation>(spec);
    scratch_current_ = std::make_unique<AlignedArray<float>>(spec.size);
    v_view_ = Napi::Persistent(ViewOf(env, population_->v()));
    u_view_ = Napi::Persistent(ViewOf(env, population_->u()));
    memory_.Report(env, MemoryBytes());
    return 0;
  });
}

PopulationWrap::~PopulationWrap() { memory_.Report(Env(), 0); }

uint64_t PopulationWrap::MemoryBytes() const {
  // v, u, a, b, c, d and the scratch current, one float each per neuron.
  return population_ ? uint64_t(population_->size()) * 7 * sizeof(float) : 0;
}

IzhikevichPopulation& PopulationWrap::Live(const char* method) {
  if (!population_) throw StateError(std::string("IzhikevichPopulation.") + method + "(): the population is closed");
  async_.RequireIdle("IzhikevichPopulation", method);
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
    const uint64_t steps = ToInteger(info[0], "steps", 0, kMaxRunUnits);
    const float* current = CurrentArgument(info[1], "current");
    Napi::Function on_progress;
    if (!info[2].IsUndefined() && !info[2].IsNull()) {
      if (!info[2].IsFunction()) throw TypeError("onProgress must be a function");
      on_progress = info[2].As<Napi::Function>();
    }
    const bool record = info[3].IsUndefined() ? true : info[3].ToBoolean().Value();
    // The current is copied so that the caller may reuse its array during the run.
    auto current_copy = std::make_shared<std::vector<float>>(current, current + population.size());
    auto body = [&population, steps, current_copy](const RunWorker::Observer& observe) {
      return population.run(steps, current_copy->data(), observe);
    };
    auto* worker = new RunWorker(env, Value(), async_, steps, body, on_progress, record);
    worker->Queue();
    return worker->Promise();
  });
}

void PopulationWrap::Cancel(const Napi::CallbackInfo&) {
  async_.Cancel();
}

void PopulationWrap::Close(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    if (population_) async_.RequireIdle("IzhikevichPopulation", "close");
    population_.reset();
    memory_.Report(info.Env(), 0);
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
  return Napi::Boolean::New(info.Env(), async_.busy());
}

}  // namespace polychron::addon
