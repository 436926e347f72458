#include "addon/language_model_wrap.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "addon/async_work.h"
#include "addon/convert.h"
#include "addon/external_memory.h"
#include "core/errors.h"
#include "core/io/binary_io.h"

namespace polychron::addon {

namespace {

LmRuntime ReadRuntime(const Napi::Object& o) {
  LmRuntime runtime;
  const auto impl = Option(o, "impl");
  if (!impl.IsUndefined()) runtime.impl = parse_lm_impl(ToString(impl, "impl"), "impl");
  const auto threads = Option(o, "threads");
  if (!threads.IsUndefined()) runtime.threads = unsigned(ToInteger(threads, "threads", 1, 256));
  runtime.simd = ReadSimdOption(o);
  if (runtime.impl == LmImpl::Reference && runtime.threads != 1) {
    throw RangeError("threads must be 1 with impl 'reference' (the reference is single-threaded)");
  }
  return runtime;
}

LmDataSpec ReadDataSpec(const Napi::Object& o) {
  LmDataSpec spec;
  const auto protocol = Option(o, "protocol");
  if (!protocol.IsUndefined()) spec.protocol = parse_lm_protocol(ToString(protocol, "protocol"), "protocol");
  const auto snippets = Option(o, "validationSnippets");
  if (!snippets.IsUndefined()) spec.validation_snippets = uint32_t(ToInteger(snippets, "validationSnippets", 1, 100000000));
  const auto holdout = Option(o, "holdout");
  if (!holdout.IsUndefined()) {
    spec.holdout = ToNumber(holdout, "holdout");
    if (!(spec.holdout > 0 && spec.holdout < 1)) throw RangeError("holdout must be a number in (0, 1)");
  }
  return spec;
}

std::vector<uint8_t> ToBytes(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw TypeError(std::string(name) + " must be a Uint8Array or Buffer");
  }
  const auto array = value.As<Napi::Uint8Array>();
  return std::vector<uint8_t>(array.Data(), array.Data() + array.ElementLength());
}

// The table memory a model has mapped: what it holds (its reservation is address space).
uint64_t LmMemoryBytes(LanguageModel& model) { return model.model().mapped_table_bytes(); }

// What a training run reports to JavaScript as it goes.
struct TrainEvent {
  uint64_t step;      // steps done so far in this model's life
  double lr;
  double loss;        // mean training loss of the steps since the last event
  double validation;  // NaN unless this event is a validation
  uint64_t validated_at;
};

class TrainWorker : public AsyncWork<TrainEvent> {
 public:
  TrainWorker(Napi::Env env, Napi::Object owner, AsyncState& state, ExternalMemory& memory,
              std::shared_ptr<LanguageModel> model, std::vector<uint8_t> text, LmDataSpec spec, uint64_t steps,
              uint64_t every, bool resume, Napi::Function on_event)
      : AsyncWork(env, "polychron.train", owner, &state, "train()", on_event),
        memory_(memory),
        model_(std::move(model)),
        text_(std::move(text)),
        spec_(spec),
        steps_(steps),
        every_(every),
        resume_(resume) {}

 private:
  void Work(const Progress& progress) override {
    LanguageModel& model = *model_;
    const LmCorpus corpus = model.corpus(text_.data(), text_.size(), spec_);
    const uint32_t crc = crc32_update(0, text_.data(), text_.size());
    if (resume_ && model.step() > 0 && (model.data_record().bytes != text_.size() || model.data_record().crc32 != crc)) {
      throw RangeError("polychron: this text (" + std::to_string(text_.size()) +
                       " bytes) is not the one the checkpoint was trained on (" +
                       std::to_string(model.data_record().bytes) + " bytes); resuming needs the same text");
    }
    model.remember_data(corpus);
    losses_.reserve(std::min<uint64_t>(steps_, 1u << 20));
    starts_.reserve(losses_.capacity());
    auto last_send = std::chrono::steady_clock::now();
    double loss_sum = 0;
    uint64_t loss_count = 0;
    for (uint64_t k = 0; k < steps_ && !cancelled(); ++k) {
      const uint64_t t = model.step();
      const double lr = model.learning_rate(t);
      const double loss = model.train_step(corpus);
      losses_.push_back(loss);
      starts_.push_back(double(model.last_start()));
      loss_sum += loss;
      ++loss_count;
      const bool validate = every_ > 0 && t % every_ == 0;
      double validation = std::numeric_limits<double>::quiet_NaN();
      if (validate) {
        validation = model.validation_loss(corpus);
        validations_.push_back({double(t), validation});
      }
      const auto now = std::chrono::steady_clock::now();
      if (validate || now - last_send > std::chrono::milliseconds(100) || k + 1 == steps_) {
        progress.Send(TrainEvent{model.step(), lr, loss_sum / double(loss_count), validation, t});
        last_send = now;
        loss_sum = 0;
        loss_count = 0;
      }
    }
    aborted_ = cancelled();
  }

  std::vector<napi_value> Arguments(Napi::Env env, const TrainEvent& e) override {
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
    result.Set("steps", double(losses_.size()));
    result.Set("aborted", aborted_);
    result.Set("losses", ToTypedArray<double, Napi::Float64Array>(env, losses_));
    result.Set("starts", ToTypedArray<double, Napi::Float64Array>(env, starts_));
    std::vector<double> flat;
    for (const auto& [step, loss] : validations_) {
      flat.push_back(step);
      flat.push_back(loss);
    }
    result.Set("validations", ToTypedArray<double, Napi::Float64Array>(env, flat));
    return result;
  }

  ExternalMemory& memory_;  // the owner's, alive while the work runs
  std::shared_ptr<LanguageModel> model_;
  std::vector<uint8_t> text_;
  LmDataSpec spec_;
  uint64_t steps_, every_;
  bool resume_;
  std::vector<double> losses_, starts_;
  std::vector<std::pair<double, double>> validations_;
  bool aborted_ = false;
};

}  // namespace

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
    auto read = [&](const char* key, uint32_t& field, uint64_t lo, uint64_t hi) {
      const auto value = Option(o, key);
      if (!value.IsUndefined()) field = uint32_t(ToInteger(value, key, lo, hi));
    };
    read("context", c.context, 2, 4096);
    read("embedding", c.embedding, 2, 4096);
    read("positional", c.positional, 1, 16);
    read("layers", c.layers, 1, 256);
    read("heads", c.heads, 1, 256);
    read("tables", c.tables, 1, 4096);
    read("comparisons", c.comparisons, 1, 30);
    read("warmup", c.warmup, 1, 100000000);
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
    auto* worker = new TaskWorker(
        info.Env(), Value(), &async_, "load()",
        [=](const TaskWorker::KeepGoing&) { *loaded = std::make_shared<LanguageModel>(path, runtime, limit); },
        [this, loaded](Napi::Env env) -> Napi::Value {
          model_ = *loaded;
          memory_.Report(env, LmMemoryBytes(*model_));
          return env.Undefined();
        });
    worker->Queue();
    return worker->Promise();
  });
}

// train(text, { steps, every?, protocol?, validationSnippets?, holdout?, resume? }, onEvent?)
Napi::Value LanguageModelWrap::Train(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("train");
    std::vector<uint8_t> text = ToBytes(info[0], "text");
    const auto o = OptionsObject(info, 1);
    const uint64_t steps = ToInteger(Option(o, "steps"), "steps", 0, kMaxRunUnits);
    const auto every_value = Option(o, "every");
    const uint64_t every = every_value.IsUndefined() ? 0 : ToInteger(every_value, "every", 0, kMaxRunUnits);
    bool resume = false;
    ReadFlagOption(o, "resume", resume);
    const LmDataSpec spec = ReadDataSpec(o);
    Napi::Function on_event;
    if (!info[2].IsUndefined()) {
      if (!info[2].IsFunction()) throw TypeError("onEvent must be a function");
      on_event = info[2].As<Napi::Function>();
    }
    auto* worker =
        new TrainWorker(info.Env(), Value(), async_, memory_, model_, std::move(text), spec, steps, every, resume, on_event);
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
    auto* worker = new TaskWorker(
        info.Env(), Value(), &async_, "evaluate()",
        [=](const TaskWorker::KeepGoing&) {
          const LmCorpus corpus = model->corpus(text->data(), text->size(), spec);
          *loss = model->validation_loss(corpus);
        },
        [loss](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *loss); });
    worker->Queue();
    return worker->Promise();
  });
}

// generate(prompt, { length?, temperature?, seed? }) -> Promise<Uint8Array>
Napi::Value LanguageModelWrap::Generate(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("generate");
    const std::vector<uint8_t> prompt = ToBytes(info[0], "prompt");
    if (prompt.empty()) throw RangeError("prompt must hold at least one byte");
    const auto o = OptionsObject(info, 1);
    const auto length_value = Option(o, "length");
    const uint32_t length = length_value.IsUndefined() ? 200 : uint32_t(ToInteger(length_value, "length", 0, 1u << 24));
    const auto temperature_value = Option(o, "temperature");
    const double temperature = temperature_value.IsUndefined() ? 0.4 : ToFiniteNumber(temperature_value, "temperature");
    if (temperature < 0) throw RangeError("temperature must be ≥ 0 (got " + std::to_string(temperature) + ")");
    const auto seed_value = Option(o, "seed");
    const uint64_t seed = seed_value.IsUndefined() ? 1 : ToInteger(seed_value, "seed", 0, uint64_t(1) << 53);
    auto model = model_;
    auto out = std::make_shared<std::vector<uint8_t>>();
    auto* worker = new TaskWorker(
        info.Env(), Value(), &async_, "generate()",
        [=](const TaskWorker::KeepGoing& keep_going) { *out = model->generate(prompt, length, temperature, seed, keep_going); },
        [out](Napi::Env env) -> Napi::Value { return ToTypedArray<uint8_t, Napi::Uint8Array>(env, *out); });
    worker->Queue();
    return worker->Promise();
  });
}

Napi::Value LanguageModelWrap::Save(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("save");
    const std::string path = ToString(info[0], "path");
    if (path.empty()) throw RangeError("path must not be empty");
    const bool half = ReadHalfPrecisionOption(OptionsObject(info, 1));
    auto model = model_;
    auto* worker = new TaskWorker(info.Env(), Value(), &async_, "save()", [=](const TaskWorker::KeepGoing&) { model->save(path, half); },
                                  [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
    worker->Queue();
    return worker->Promise();
  });
}

Napi::Value LanguageModelWrap::Config(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!model_) throw StateError("LutLanguageModel.config(): the model is closed or not loaded");
    const LmConfig& c = model_->config();
    auto out = Napi::Object::New(info.Env());
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
  return Napi::String::New(info.Env(), model_ ? lm_impl_name(model_->runtime().impl) : "fast");
}
Napi::Value LanguageModelWrap::Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), model_ ? model_->runtime().threads : 1);
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
