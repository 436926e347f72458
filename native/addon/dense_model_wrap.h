// The JavaScript class NativeDenseModel: one wrapped DenseModel (a trained dense network
// read from ONNX or safetensors, the teacher of a conversion into a LUT network).
#pragma once
#include <napi.h>

#include <memory>

#include "addon/async_work.h"
#include "addon/external_memory.h"
#include "core/lut/dense_model.h"

namespace polychron::addon {

class DenseModelWrap : public Napi::ObjectWrap<DenseModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit DenseModelWrap(const Napi::CallbackInfo& info);
  ~DenseModelWrap() override;

 private:
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Logits(const Napi::CallbackInfo& info);
  Napi::Value TimeInference(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  const DenseModel& Live(const char* method);

  std::shared_ptr<const DenseModel> model_;
  AsyncState async_;
  ExternalMemory memory_;
};

}  // namespace polychron::addon
