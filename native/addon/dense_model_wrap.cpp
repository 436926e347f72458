#include "addon/dense_model_wrap.h"

#include <chrono>
#include <string>
#include <vector>

#include "addon/convert.h"
#include "core/errors.h"
#include "addon/lut_classifier_wrap.h"
#include "core/lut/classifier.h"

namespace polychron::addon {

namespace {

// The default cap on what loading may allocate (the classifier's, one default for both).
const uint64_t kDefaultMemoryLimit = LutClassifierConfig().memory_limit;

}  // namespace

Napi::Function DenseModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeDenseModel",
                     {
                         InstanceMethod<&DenseModelWrap::Load>("load"),
                         InstanceMethod<&DenseModelWrap::Info>("info"),
                         InstanceMethod<&DenseModelWrap::Logits>("logits"),
                         InstanceMethod<&DenseModelWrap::TimeInference>("timeInference"),
                         InstanceMethod<&DenseModelWrap::Close>("close"),
                     });
}

// new NativeDenseModel(): an empty shell for load().
DenseModelWrap::DenseModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DenseModelWrap>(info) {}

DenseModelWrap::~DenseModelWrap() { memory_.Report(Env(), 0); }

const DenseModel& DenseModelWrap::Live(const char* method) {
  if (!model_) throw StateError(std::string("DenseModel.") + method + "(): the model is closed or not loaded");
  async_.RequireIdle("DenseModel", method);
  return *model_;
}

// load(path, { format?: 'onnx' | 'safetensors', activation?, memoryLimit? }) -> Promise<void>
Napi::Value DenseModelWrap::Load(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (model_ || async_.busy()) throw StateError("DenseModel.load(): this object already holds a model");
    const std::string path = ToString(info[0], "path");
    const auto o = OptionsObject(info, 1);
    const auto format_value = Option(o, "format");
    const std::string format = format_value.IsUndefined() ? "auto" : ToString(format_value, "format");
    if (format != "auto" && format != "onnx" && format != "safetensors") {
      throw RangeError("format must be 'onnx' or 'safetensors' (got '" + format + "')");
    }
    const auto activation_value = Option(o, "activation");
    const DenseActivation hidden = activation_value.IsUndefined()
                                       ? DenseActivation::Relu
                                       : parse_dense_activation(ToString(activation_value, "activation"));
    const uint64_t limit = ReadMemoryLimitOption(o, kDefaultMemoryLimit);
    auto loaded = std::make_shared<std::shared_ptr<const DenseModel>>();
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "load()",
        [=](const TaskWorker::KeepGoing&) {
          *loaded = std::make_shared<const DenseModel>(
              format == "onnx"          ? load_dense_onnx(path, limit)
              : format == "safetensors" ? load_dense_safetensors(path, hidden, limit)
                                        : load_dense_model(path, hidden, limit));
        },
        [this, loaded](Napi::Env env) -> Napi::Value {
          model_ = *loaded;
          memory_.Report(env, model_->parameters() * sizeof(float));
          return env.Undefined();
        });
  });
}

// info() -> { format, inputs, outputs, parameters, multiplyAccumulates, layers: [{ inputs, outputs, activation }] }
Napi::Value DenseModelWrap::Info(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!model_) throw StateError("DenseModel.info(): the model is closed or not loaded");
    const Napi::Env env = info.Env();
    auto out = Napi::Object::New(env);
    out.Set("format", model_->format());
    out.Set("inputs", model_->inputs());
    out.Set("outputs", model_->outputs());
    out.Set("parameters", double(model_->parameters()));
    out.Set("multiplyAccumulates", double(model_->multiply_accumulates()));
    auto layers = Napi::Array::New(env, model_->layers().size());
    for (size_t l = 0; l < model_->layers().size(); ++l) {
      const DenseLayer& layer = model_->layers()[l];
      auto entry = Napi::Object::New(env);
      entry.Set("inputs", layer.inputs);
      entry.Set("outputs", layer.outputs);
      entry.Set("activation", dense_activation_name(layer.activation));
      layers.Set(uint32_t(l), entry);
    }
    out.Set("layers", layers);
    return out;
  });
}

// logits(images, { threads? }) -> Promise<Float32Array> (count × outputs), on a worker thread.
Napi::Value DenseModelWrap::Logits(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    const DenseModel& model = Live("logits");
    const float* data;
    const uint64_t count = InputsView(info[0], model.inputs(), data);
    const unsigned threads = ReadThreads(OptionsObject(info, 1));
    // Copied: the caller may change or detach the array while the worker runs.
    auto images = std::make_shared<std::vector<float>>(data, data + count * model.inputs());
    auto out = std::make_shared<std::vector<float>>(count * model.outputs());
    auto held = model_;
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "logits()",
        [=](const TaskWorker::KeepGoing&) { held->logits(images->data(), count, out->data(), threads); },
        [out](Napi::Env env) -> Napi::Value { return ToTypedArray<float, Napi::Float32Array>(env, *out); });
  });
}

// timeInference(images, { repeats? }) -> nanoseconds per input, one input per call (latency).
Napi::Value DenseModelWrap::TimeInference(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    const DenseModel& model = Live("timeInference");
    const float* images;
    const uint64_t count = InputsView(info[0], model.inputs(), images);
    const auto o = OptionsObject(info, 1);
    const auto repeats_value = Option(o, "repeats");
    const uint64_t repeats = repeats_value.IsUndefined() ? 1 : ToInteger(repeats_value, "repeats", 1, 1u << 20);
    std::vector<float> out(model.outputs()), scratch;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t r = 0; r < repeats; ++r) {
      for (uint64_t n = 0; n < count; ++n) model.logits(images + n * model.inputs(), out.data(), scratch);
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return Napi::Number::New(info.Env(), ns / double(count * repeats));
  });
}

void DenseModelWrap::Close(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    async_.RequireIdle("DenseModel", "close");
    model_.reset();
    memory_.Report(info.Env(), 0);
    return 0;
  });
}

}  // namespace polychron::addon
