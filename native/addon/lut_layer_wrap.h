// The JavaScript class NativeLutLayer: one wrapped LutLayer (spec §1).
#pragma once
#include <napi.h>

#include <memory>

#include "addon/external_memory.h"
#include "core/lut/layer.h"

namespace polychron::addon {

class LutLayerWrap : public Napi::ObjectWrap<LutLayerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LutLayerWrap(const Napi::CallbackInfo& info);
  ~LutLayerWrap() override;

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value ForwardReference(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value CompileSpiking(const Napi::CallbackInfo& info);
  Napi::Value TableIndices(const Napi::CallbackInfo& info);
  Napi::Value Backward(const Napi::CallbackInfo& info);
  Napi::Value Row(const Napi::CallbackInfo& info);
  void SetRow(const Napi::CallbackInfo& info);
  Napi::Value Anchors(const Napi::CallbackInfo& info);
  void SetAnchors(const Napi::CallbackInfo& info);
  Napi::Value TimeForward(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Memory(const Napi::CallbackInfo& info);
  Napi::Value SimdName(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);

  LutLayer& Live(const char* method);
  // A Float32Array holding `count` inputs of the layer's width; returns count.
  uint32_t Inputs(const Napi::Value& value, const char* name, const float*& data);

  std::unique_ptr<LutLayer> layer_;
  ExternalMemory memory_;
};

}  // namespace polychron::addon
