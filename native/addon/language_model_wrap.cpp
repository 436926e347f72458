#include "addon/language_model_wrap.h"

#include <cmath>
#include <string>
#include <vector>

#include "addon/async_work.h"
#include "addon/convert.h"
#include "addon/external_memory.h"
#include "core/errors.h"

namespace polychron::addon {

namespace {

LmRuntime ReadRuntime(const Napi::Object& o) {
  LmRuntime runtime;
  const auto impl = Option(o, "impl");
  if (!impl.IsUndefined()) runtime.impl = parse_lm_impl(ToString(impl, "impl"), "impl");
  const auto threads = Option(o, "threads");
  if (!threads.IsUndefined()) runtime.threads = unsigned(ToInteger(threads, LmRuntime::kThreads));
  runtime.simd = ReadSimdOption(o);
  runtime.check();
  return runtime;
}

LmDataSpec ReadDataSpec(const Napi::Object& o) {
  LmDataSpec spec;
  const auto protocol = Option(o, "protocol");
  if (!protocol.IsUndefined()) spec.protocol = parse_lm_protocol(ToString(protocol, "protocol"), "protocol");
  const auto snippets = Option(o, "validationSnippets");
  if (!snippets.IsUndefined()) spec.validation_snippets = uint32_t(ToInteger(snippets, LmDataSpec::kValidationSnippets));
  const auto holdout = Option(o, "holdout");
  if (!holdout.IsUndefined()) spec.holdout = ToNumber(holdout, "holdout");
  spec.check();
  return spec;
}

std::vector<uint8_t> ToBytes(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw TypeError(std::string(name) + " must be a Uint8Array or Buffer");
  }
  const auto array = value.As<Napi::Uint8Array>();
  return std::vector<uint8_t>(array.Data(), array.Data() + array.ElementLength());
}

// options.teacher: { indices: Uint8Array, probabilities: Float32Array, k, weight? }, its
// array types checked here (TypeError) and everything else by LmTeacher::check() in the
// core, before training starts. The arrays are copied into `indices` and `probabilities`
// (as the text is): the caller may change or detach them while the worker runs. The
// returned teacher points into those vectors, whose buffers moving them keeps.
LmTeacher ReadTeacher(const Napi::Object& o, std::vector<uint8_t>& indices, std::vector<float>& probabilities) {
  LmTeacher teacher;
  const auto value = Option(o, "teacher");
  if (value.IsUndefined()) return teacher;
  if (!value.IsObject()) throw TypeError("teacher must be an object { indices, probabilities, k, weight? }");
  const auto t = value.As<Napi::Object>();
  const auto i = Option(t, "indices");
  if (!IsTypedArrayOf(i, napi_uint8_array)) throw TypeError("teacher.indices must be a Uint8Array");
  const auto p = Option(t, "probabilities");
  if (!IsTypedArrayOf(p, napi_float32_array)) throw TypeError("teacher.probabilities must be a Float32Array");
  const auto k = Option(t, "k");
  if (k.IsUndefined()) throw TypeError("teacher.k must be a number");
  teacher.k = uint32_t(ToInteger(k, LmTeacher::kK));
  const auto weight = Option(t, "weight");
  if (!weight.IsUndefined()) teacher.weight = ToNumber(weight, "teacher.weight");
  const auto index_array = i.As<Napi::Uint8Array>();
  const auto probability_array = p.As<Napi::Float32Array>();
  indices.assign(index_array.Data(), index_array.Data() + index_array.ElementLength());
  probabilities.assign(probability_array.Data(), probability_array.Data() + probability_array.ElementLength());
  // An empty vector may have no data pointer; the core tells a teacher by `indices`.
  static const uint8_t kNoBytes = 0;
  static const float kNoFloats = 0;
  teacher.indices = indices.empty() ? &kNoBytes : indices.data();
  teacher.indices_length = indices.size();
  teacher.probabilities = probabilities.empty() ? &kNoFloats : probabilities.data();
  teacher.probabilities_length = probabilities.size();
  return teacher;
}

Napi::Object ConfigObject(Napi::Env env, const LmConfig& c) {
  auto out = Napi::Object::New(env);
  out.Set("context", c.context);
  out.Set("embedding", c.embedding);
  out.Set("positional", c.positional);
  out.Set("layers", c.layers);
  out.Set("heads", c.heads);
  out.Set("tables", c.tables);
  out.Set("comparisons", c.comparisons);
  out.Set("warmup", c.warmup);
  out.Set("distinctPairs", c.distinct_pairs);
  out.Set("seed", double(c.seed));
  out.Set("rng", lm_rng_name(c.rng));
  out.Set("memoryLimit", double(c.memory_limit));
  return out;
}

// The table memory a model has mapped: what it holds (its reservation is address space).
uint64_t LmMemoryBytes(LanguageModel& model) { return model.model().mapped_table_bytes(); }

class TrainWorker : public AsyncWork<LmTrainEvent> {
 public:
  // `options.teacher` points into `indices` and `probabilities` (empty without a
  // teacher), which the worker owns until it ends.
  TrainWorker(Napi::Env env, Napi::Object owner, AsyncState& state, ExternalMemory& memory,
              std::shared_ptr<LanguageModel> model, std::vector<uint8_t> text, LmTrainOptions options,
              Napi::Function on_event, std::vector<uint8_t> indices, std::vector<float> probabilities)
      : AsyncWork(env, "polychron.train", owner, &state, "train()", on_event),
        memory_(memory),
        model_(std::move(model)),
        text_(std::move(text)),
        options_(options),
        teacher_indices_(std::move(indices)),
        teacher_probabilities_(std::move(probabilities)) {}

 private:
  void Work(const Progress& progress) override {
    run_ = model_->train(text_.data(), text_.size(), options_, [&](const LmTrainEvent& e) { progress.Send(e); },
                         cancel_flag());
  }

  std::vector<napi_value> Arguments(Napi::Env env, const LmTrainEvent& e) override {
    auto event = Napi::Object::New(env);
    event.Set("step", double(e.step));
    event.Set("lr", e.lr);
    event.Set("loss", e.loss);
    if (!std::isnan(e.validation)) {
      event.Set("validation", e.validation);
      event.Set("validatedAt", double(e.validated_at));
    }
    return {event};
  }

  Napi::Value Result(Napi::Env env) override {
    memory_.Report(env, LmMemoryBytes(*model_));
    auto result = Napi::Object::New(env);
    result.Set("steps", double(run_.losses.size()));
    result.Set("aborted", run_.aborted);
    result.Set("losses", ToTypedArray<double, Napi::Float64Array>(env, run_.losses));
    result.Set("starts", ToTypedArray<uint64_t, Napi::Float64Array>(env, run_.starts));
    std::vector<double> flat;
    for (const auto& [step, loss] : run_.validations) {
      flat.push_back(double(step));
      flat.push_back(loss);
    }
    result.Set("validations", ToTypedArray<double, Napi::Float64Array>(env, flat));
    return result;
  }

  ExternalMemory& memory_;  // the owner's, alive while the work runs
  std::shared_ptr<LanguageModel> model_;
  std::vector<uint8_t> text_;
  LmTrainOptions options_;
  // The teacher's rows, copied from the caller's arrays (options_.teacher points into them).
  std::vector<uint8_t> teacher_indices_;
  std::vector<float> teacher_probabilities_;
  LmTrainRun run_;
};

}  // namespace

Napi::Value LmDefaults(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const LmTrainOptions train;
  auto train_out = Napi::Object::New(env);
  train_out.Set("every", double(train.every));
  train_out.Set("resume", train.resume);
  train_out.Set("protocol", lm_protocol_name(train.data.protocol));
  train_out.Set("validationSnippets", train.data.validation_snippets);
  train_out.Set("holdout", train.data.holdout);
  const LmGenerateOptions generate;
  auto generate_out = Napi::Object::New(env);
  generate_out.Set("length", generate.length);
  generate_out.Set("temperature", generate.temperature);
  generate_out.Set("seed", double(generate.seed));
  auto out = Napi::Object::New(env);
  out.Set("config", ConfigObject(env, LmConfig()));
  out.Set("train", train_out);
  out.Set("generate", generate_out);
  out.Set("maxPrompts", double(LmGenerateOptions::kPrompts.max));
  return out;
}

Napi::Value LmLearningRate(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), lm_learning_rate(ToNumber(info[0], "step"), ToNumber(info[1], "warmup")));
  });
}

Napi::Function LanguageModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeLanguageModel",
                     {
                         InstanceMethod<&LanguageModelWrap::Load>("load"),
                         InstanceMethod<&LanguageModelWrap::Train>("train"),
                         InstanceMethod<&LanguageModelWrap::Evaluate>("evaluate"),
                         InstanceMethod<&LanguageModelWrap::Generate>("generate"),
                         InstanceMethod<&LanguageModelWrap::Save>("save"),
                         InstanceMethod<&LanguageModelWrap::Config>("config"),
                         InstanceMethod<&LanguageModelWrap::Memory>("memory"),
                         InstanceMethod<&LanguageModelWrap::DataRecord>("dataRecord"),
                         InstanceAccessor<&LanguageModelWrap::Step>("step"),
                         InstanceAccessor<&LanguageModelWrap::Impl>("impl"),
                         InstanceAccessor<&LanguageModelWrap::Threads>("threads"),
                         InstanceAccessor<&LanguageModelWrap::Busy>("busy"),
                         InstanceAccessor<&LanguageModelWrap::Closed>("closed"),
                         InstanceMethod<&LanguageModelWrap::Cancel>("cancel"),
                         InstanceMethod<&LanguageModelWrap::Close>("close"),
                     });
}

// new NativeLanguageModel(options?): without options an empty shell for load().
LanguageModelWrap::LanguageModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LanguageModelWrap>(info) {
  Guarded(info.Env(), [&] {
    if (info[0].IsUndefined()) return 0;
    const auto o = OptionsObject(info, 0);
    LmConfig c;
    ReadIntegerOption(o, LmConfig::kContext, c.context);
    ReadIntegerOption(o, LmConfig::kEmbedding, c.embedding);
    ReadIntegerOption(o, LmConfig::kPositional, c.positional);
    ReadIntegerOption(o, LmConfig::kLayers, c.layers);
    ReadIntegerOption(o, LmConfig::kHeads, c.heads);
    ReadIntegerOption(o, LmConfig::kTables, c.tables);
    ReadIntegerOption(o, LmConfig::kComparisons, c.comparisons);
    ReadIntegerOption(o, LmConfig::kWarmup, c.warmup);
    ReadFlagOption(o, "distinctPairs", c.distinct_pairs);
    const auto rng = Option(o, "rng");
    if (!rng.IsUndefined()) c.rng = parse_lm_rng(ToString(rng, "rng"), "rng");
    const auto seed = Option(o, "seed");
    if (!seed.IsUndefined()) c.seed = ToInteger(seed, "seed", 0, uint64_t(1) << 53);
    c.memory_limit = ReadMemoryLimitOption(o, c.memory_limit);
    model_ = std::make_shared<LanguageModel>(c, ReadRuntime(o));
    memory_.Report(info.Env(), LmMemoryBytes(*model_));
    return 0;
  });
}

LanguageModelWrap::~LanguageModelWrap() { memory_.Report(Env(), 0); }

LanguageModel& LanguageModelWrap::Live(const char* method) {
  if (!model_) throw StateError(std::string("LutLanguageModel.") + method + "(): the model is closed or not loaded");
  async_.RequireIdle("LutLanguageModel", method);
  return *model_;
}

// load(path, { impl?, threads?, simd?, memoryLimit? }) -> Promise<void>, into an empty shell
Napi::Value LanguageModelWrap::Load(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (model_ || async_.busy()) throw StateError("LutLanguageModel.load(): this object already holds a model");
    const std::string path = ToString(info[0], "path");
    const auto o = OptionsObject(info, 1);
    const LmRuntime runtime = ReadRuntime(o);
    const uint64_t limit = ReadMemoryLimitOption(o, LmConfig().memory_limit);
    auto loaded = std::make_shared<std::shared_ptr<LanguageModel>>();
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "load()",
        [=](const TaskWorker::KeepGoing&) { *loaded = std::make_shared<LanguageModel>(path, runtime, limit); },
        [this, loaded](Napi::Env env) -> Napi::Value {
          model_ = *loaded;
          memory_.Report(env, LmMemoryBytes(*model_));
          return env.Undefined();
        });
  });
}

// train(text, { steps, every?, protocol?, validationSnippets?, holdout?, resume?, teacher? }, onEvent?)
Napi::Value LanguageModelWrap::Train(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("train");
    std::vector<uint8_t> text = ToBytes(info[0], "text");
    const auto o = OptionsObject(info, 1);
    LmTrainOptions options;
    options.steps = ToInteger(Option(o, "steps"), "steps", 0, kMaxRunUnits);
    const auto every = Option(o, "every");
    if (!every.IsUndefined()) options.every = ToInteger(every, "every", 0, kMaxRunUnits);
    ReadFlagOption(o, "resume", options.resume);
    options.data = ReadDataSpec(o);
    std::vector<uint8_t> teacher_indices;
    std::vector<float> teacher_probabilities;
    options.teacher = ReadTeacher(o, teacher_indices, teacher_probabilities);
    Napi::Function on_event;
    if (!info[2].IsUndefined()) {
      if (!info[2].IsFunction()) throw TypeError("onEvent must be a function");
      on_event = info[2].As<Napi::Function>();
    }
    auto* worker =
        new TrainWorker(info.Env(), Value(), async_, memory_, model_, std::move(text), options, on_event,
                        std::move(teacher_indices), std::move(teacher_probabilities));
    worker->Queue();
    return worker->Promise();
  });
}

// evaluate(text, { protocol?, validationSnippets?, holdout? }) -> Promise<number>
Napi::Value LanguageModelWrap::Evaluate(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("evaluate");
    auto text = std::make_shared<std::vector<uint8_t>>(ToBytes(info[0], "text"));
    const LmDataSpec spec = ReadDataSpec(OptionsObject(info, 1));
    auto model = model_;
    auto loss = std::make_shared<double>(0);
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "evaluate()",
        [=](const TaskWorker::KeepGoing&) {
          const LmCorpus corpus = model->corpus(text->data(), text->size(), spec);
          *loss = model->validation_loss(corpus);
        },
        [loss](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *loss); });
  });
}

// generate(prompt, { length?, temperature?, seed? }) -> Promise<Uint8Array>
Napi::Value LanguageModelWrap::Generate(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("generate");
    // generate(prompt) → Uint8Array; generate([prompt, …]) → Uint8Array[] (generate_batch).
    const bool batch = info[0].IsArray();
    std::vector<std::vector<uint8_t>> prompts;
    if (batch) {
      const auto array = info[0].As<Napi::Array>();
      check_in_range(LmGenerateOptions::kPrompts, array.Length());
      for (uint32_t k = 0; k < array.Length(); ++k) {
        prompts.push_back(ToBytes(array.Get(k), ("prompts[" + std::to_string(k) + "]").c_str()));
      }
    } else {
      prompts.push_back(ToBytes(info[0], "prompt"));
    }
    const auto o = OptionsObject(info, 1);
    LmGenerateOptions options;
    const auto length = Option(o, "length");
    if (!length.IsUndefined()) options.length = uint32_t(ToInteger(length, LmGenerateOptions::kLength));
    const auto temperature = Option(o, "temperature");
    if (!temperature.IsUndefined()) options.temperature = ToFiniteNumber(temperature, "temperature");
    const auto seed = Option(o, "seed");
    if (!seed.IsUndefined()) options.seed = ToInteger(seed, "seed", 0, uint64_t(1) << 53);
    options.check();
    auto model = model_;
    auto out = std::make_shared<std::vector<std::vector<uint8_t>>>();
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "generate()",
        [=](const TaskWorker::KeepGoing& keep_going) {
          if (batch) {
            *out = model->generate_batch(prompts, options, keep_going);
          } else {
            *out = {model->generate(prompts[0], options, keep_going)};
          }
        },
        [out, batch](Napi::Env env) -> Napi::Value {
          if (!batch) return ToTypedArray<uint8_t, Napi::Uint8Array>(env, (*out)[0]);
          auto results = Napi::Array::New(env, out->size());
          for (uint32_t k = 0; k < out->size(); ++k) results.Set(k, ToTypedArray<uint8_t, Napi::Uint8Array>(env, (*out)[k]));
          return results;
        });
  });
}

Napi::Value LanguageModelWrap::Save(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("save");
    const std::string path = ToString(info[0], "path");
    if (path.empty()) throw RangeError("path must not be empty");
    const bool half = ReadHalfPrecisionOption(OptionsObject(info, 1));
    auto model = model_;
    return TaskWorker::Start(info.Env(), Value(), &async_, "save()", [=](const TaskWorker::KeepGoing&) { model->save(path, half); });
  });
}

Napi::Value LanguageModelWrap::Config(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!model_) throw StateError("LutLanguageModel.config(): the model is closed or not loaded");
    return ConfigObject(info.Env(), model_->config());
  });
}

Napi::Value LanguageModelWrap::Memory(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LanguageModel& model = Live("memory");
    auto out = Napi::Object::New(info.Env());
    out.Set("tableBytes", double(model.model().table_bytes()));
    out.Set("mappedBytes", double(model.model().mapped_table_bytes()));
    return out;
  });
}

Napi::Value LanguageModelWrap::DataRecord(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!model_) throw StateError("LutLanguageModel.dataRecord(): the model is closed or not loaded");
    auto out = Napi::Object::New(info.Env());
    out.Set("protocol", model_->data_record().protocol);
    out.Set("bytes", double(model_->data_record().bytes));
    out.Set("crc32", double(model_->data_record().crc32));
    return out;
  });
}

Napi::Value LanguageModelWrap::Step(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!model_) throw StateError("LutLanguageModel.step: the model is closed or not loaded");
    return Napi::Number::New(info.Env(), double(model_->step()));
  });
}
Napi::Value LanguageModelWrap::Impl(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), lm_impl_name(model_ ? model_->runtime().impl : LmRuntime().impl));
}
Napi::Value LanguageModelWrap::Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), model_ ? model_->runtime().threads : LmRuntime().threads);
}
Napi::Value LanguageModelWrap::Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), async_.busy()); }
Napi::Value LanguageModelWrap::Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !model_); }
void LanguageModelWrap::Cancel(const Napi::CallbackInfo&) {
  async_.Cancel();
}

void LanguageModelWrap::Close(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    if (model_) async_.RequireIdle("LutLanguageModel", "close");
    model_.reset();
    memory_.Report(info.Env(), 0);
    return 0;
  });
}

}  // namespace polychron::addon
