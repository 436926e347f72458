// The JavaScript class NativeLanguageModel: one wrapped LanguageModel (spec §2).
#pragma once
#include <napi.h>

#include <memory>

#include "addon/async_work.h"
#include "addon/external_memory.h"
#include "core/lut/lm/language_model.h"

namespace polychron::addon {

// lmDefaults(): the core's defaults (configuration, training and generation options), so
// that TypeScript states none of its own.
Napi::Value LmDefaults(const Napi::CallbackInfo& info);
// lmLearningRate(step, warmup): the core's learning-rate rule (lm_learning_rate).
Napi::Value LmLearningRate(const Napi::CallbackInfo& info);

class LanguageModelWrap : public Napi::ObjectWrap<LanguageModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LanguageModelWrap(const Napi::CallbackInfo& info);
  ~LanguageModelWrap() override;

 private:
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value Config(const Napi::CallbackInfo& info);
  Napi::Value Memory(const Napi::CallbackInfo& info);
  Napi::Value DataRecord(const Napi::CallbackInfo& info);
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value Impl(const Napi::CallbackInfo& info);
  Napi::Value Threads(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);
  void Cancel(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  LanguageModel& Live(const char* method);

  std::shared_ptr<LanguageModel> model_;
  AsyncState async_;
  ExternalMemory memory_;
};

}  // namespace polychron::addon
