// The JavaScript class NativeLutClassifier: one wrapped LutClassifier.
#pragma once
#include <napi.h>

#include <memory>

#include "addon/async_work.h"
#include "addon/external_memory.h"
#include "core/lut/classifier.h"

namespace polychron::addon {

// The `threads` option of the LUT classifiers' calls (1 … 256, default 1), shared with
// the dense model (addon/dense_model_wrap.cpp).
unsigned ReadThreads(const Napi::Object& options);
// Inputs: a Float32Array of count × inputs finite values, seen in place (for work done
// before the call returns); returns count. RangeError/TypeError naming `images`.
uint64_t InputsView(const Napi::Value& value, uint32_t inputs, const float*& data);

class LutClassifierWrap : public Napi::ObjectWrap<LutClassifierWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LutClassifierWrap(const Napi::CallbackInfo& info);
  ~LutClassifierWrap() override;

  // Makes `net` this (empty) object's classifier: a model made natively (a circuit's twin).
  void Adopt(Napi::Env env, std::shared_ptr<LutClassifier> net);

 private:
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Logits(const Napi::CallbackInfo& info);
  Napi::Value LogitsReference(const Napi::CallbackInfo& info);
  Napi::Value TimeInference(const Napi::CallbackInfo& info);
  Napi::Value CompileSpiking(const Napi::CallbackInfo& info);
  Napi::Value TableIndices(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value Config(const Napi::CallbackInfo& info);
  Napi::Value Memory(const Napi::CallbackInfo& info);
  Napi::Value DefaultLearningRate(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);
  Napi::Value SimdName(const Napi::CallbackInfo& info);
  void Cancel(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  LutClassifier& Live(const char* method);
  // The buffers of the synchronous calls (JS thread only), made on first use.
  LutClassifier::Workspace& Workspace();

  std::shared_ptr<LutClassifier> net_;
  std::unique_ptr<LutClassifier::Workspace> workspace_;  // refers to *net_: reset before it
  AsyncState async_;
  ExternalMemory memory_;
};

// lutClassifierDefaults(): the core's defaults (configuration and training options), so
// that TypeScript never repeats them.
Napi::Value LutClassifierDefaults(const Napi::CallbackInfo& info);

}  // namespace polychron::addon
