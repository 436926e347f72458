// The JavaScript class NativeIzhikevichPopulation: one wrapped IzhikevichPopulation.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

#include "addon/external_memory.h"
#include "addon/run_worker.h"
#include "core/spiking/population.h"

namespace polychron::addon {

class PopulationWrap : public Napi::ObjectWrap<PopulationWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit PopulationWrap(const Napi::CallbackInfo& info);
  ~PopulationWrap() override;

 private:
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  void Cancel(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value NumericsName(const Napi::CallbackInfo& info);
  Napi::Value SimdName(const Napi::CallbackInfo& info);
  Napi::Value Time(const Napi::CallbackInfo& info);
  Napi::Value V(const Napi::CallbackInfo& info);
  Napi::Value U(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);

  // The population, or a StateError when it is closed or a run() owns it.
  IzhikevichPopulation& Live(const char* method);
  // The current for one step: a Float32Array of size() (used in place), a number, or
  // undefined (zero). Throws TypeError/RangeError naming `name`.
  const float* CurrentArgument(const Napi::Value& value, const char* name);

  std::unique_ptr<IzhikevichPopulation> population_;
  std::unique_ptr<AlignedArray<float>> scratch_current_;  // backs number/undefined currents
  Napi::Reference<Napi::Float32Array> v_view_, u_view_;
  uint64_t MemoryBytes() const;

  AsyncState async_;
  ExternalMemory memory_;
};

}  // namespace polychron::addon
