// The JavaScript class NativeNetwork: one wrapped Network.
#pragma once
#include <napi.h>

#include <memory>

#include "addon/async_work.h"
#include "addon/external_memory.h"
#include "core/spiking/network.h"

namespace polychron::addon {

class NetworkWrap : public Napi::ObjectWrap<NetworkWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetworkWrap(const Napi::CallbackInfo& info);
  ~NetworkWrap() override;

  // NativeNetwork.load(path, simd?) -> Promise<NativeNetwork>, read on a worker thread.
  static Napi::Value Load(const Napi::CallbackInfo& info);

  // Makes `network` this object's network (after a load) and exposes its state.
  void Adopt(Napi::Env env, std::unique_ptr<Network> network);

 private:
  Napi::Value AddIzhikevich(const Napi::CallbackInfo& info);
  Napi::Value AddLif(const Napi::CallbackInfo& info);
  Napi::Value AddProjection(const Napi::CallbackInfo& info);
  void DropProjection(const Napi::CallbackInfo& info);
  void Reward(const Napi::CallbackInfo& info);
  void AddPairReward(const Napi::CallbackInfo& info);
  void SetDopamineDecay(const Napi::CallbackInfo& info);
  Napi::Value Dopamine(const Napi::CallbackInfo& info);
  void Generate(const Napi::CallbackInfo& info);
  void AddSynapses(const Napi::CallbackInfo& info);
  void AddThalamic(const Napi::CallbackInfo& info);
  void AddSchedule(const Napi::CallbackInfo& info);
  void AddConstant(const Napi::CallbackInfo& info);
  void AddStepped(const Napi::CallbackInfo& info);
  void AddNoise(const Napi::CallbackInfo& info);
  Napi::Value AddPoisson(const Napi::CallbackInfo& info);
  Napi::Value AddTrain(const Napi::CallbackInfo& info);
  void SetTrain(const Napi::CallbackInfo& info);
  Napi::Value RunLutCircuit(const Napi::CallbackInfo& info);
  void Build(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  // save(path) -> Promise<void>, written on a worker thread.
  Napi::Value Save(const Napi::CallbackInfo& info);
  void Cancel(const Napi::CallbackInfo& info);
  Napi::Value Hold(const Napi::CallbackInfo& info);
  void Release(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value Synapses(const Napi::CallbackInfo& info);
  // In groups_binding.cpp: the polychronous-group search over this network.
  Napi::Value FindGroups(const Napi::CallbackInfo& info);
  Napi::Value ReplayPattern(const Napi::CallbackInfo& info);
  void ShuffleExcitatoryWeights(const Napi::CallbackInfo& info);
  void SetPlastic(const Napi::CallbackInfo& info);
  void SetFrozen(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value PlasticWeights(const Napi::CallbackInfo& info);
  Napi::Value AddProbe(const Napi::CallbackInfo& info);
  Napi::Value TakeProbe(const Napi::CallbackInfo& info);
  Napi::Value State(const Napi::CallbackInfo& info);
  Napi::Value Time(const Napi::CallbackInfo& info);
  Napi::Value Neurons(const Napi::CallbackInfo& info);
  Napi::Value Built(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);

  // The network, or a StateError when it is closed or busy (unless `lease` is the one held).
  Network& Live(const char* method, uint32_t lease = 0);
  static uint32_t LeaseArgument(const Napi::Value& value);
  // Builds the network if it is not yet built, and exposes the new state.
  void EnsureBuilt(Napi::Env env);

  std::unique_ptr<Network> network_;
  AsyncState async_;
  ExternalMemory memory_;
  Napi::Reference<Napi::Float32Array> v_view_, u_view_;
};

}  // namespace polychron::addon
