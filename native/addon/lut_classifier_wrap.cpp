#include "addon/lut_classifier_wrap.h"

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "addon/convert.h"
#include "addon/environment.h"
#include "addon/lut_circuit_binding.h"
#include "core/errors.h"

namespace polychron::addon {

namespace {

constexpr uint64_t kMaxExamples = uint64_t(1) << 32;

uint32_t ReadU32(const Napi::Object& o, const char* key, uint32_t fallback, uint64_t lo, uint64_t hi) {
  const auto value = Option(o, key);
  return value.IsUndefined() ? fallback : uint32_t(ToInteger(value, key, lo, hi));
}

float ReadFloat(const Napi::Object& o, const char* key, float fallback) {
  const auto value = Option(o, key);
  return value.IsUndefined() ? fallback : float(ToFiniteNumber(value, key));
}

// The same, copied (for async work, which may outlive the caller's array; JavaScript may
// also change or detach it meanwhile).
std::shared_ptr<std::vector<float>> ReadInputs(const Napi::Value& value, uint32_t inputs, uint64_t& count) {
  const float* data;
  count = InputsView(value, inputs, data);
  return std::make_shared<std::vector<float>>(data, data + count * inputs);
}

// Labels: any unsigned or signed integer typed array of `count` entries (range checked by the core).
std::shared_ptr<std::vector<uint32_t>> ReadLabels(const Napi::Value& value, uint64_t count) {
  if (!value.IsTypedArray()) throw TypeError("labels must be a Uint8Array, Uint16Array, Uint32Array or Int32Array");
  const auto array = value.As<Napi::TypedArray>();
  if (array.ElementLength() != count) {
    throw RangeError("labels must hold one label per image (" + std::to_string(count) + "; got " +
                     std::to_string(array.ElementLength()) + ")");
  }
  auto out = std::make_shared<std::vector<uint32_t>>(count);
  const auto copy = [&](auto typed, bool is_signed) {
    for (uint64_t n = 0; n < count; ++n) {
      const auto v = typed.Data()[n];
      if (is_signed && int64_t(v) < 0) throw RangeError("labels[" + std::to_string(n) + "] must not be negative");
      (*out)[n] = uint32_t(v);
    }
  };
  switch (array.TypedArrayType()) {
    case napi_uint8_array: copy(value.As<Napi::Uint8Array>(), false); break;
    case napi_uint16_array: copy(value.As<Napi::Uint16Array>(), false); break;
    case napi_uint32_array: copy(value.As<Napi::Uint32Array>(), false); break;
    case napi_int32_array: copy(value.As<Napi::Int32Array>(), true); break;
    default: throw TypeError("labels must be a Uint8Array, Uint16Array, Uint32Array or Int32Array");
  }
  return out;
}

Napi::Object Layer(Napi::Env env, const LutLayerSize& layer) {
  auto out = Napi::Object::New(env);
  out.Set("width", layer.width);
  out.Set("tables", layer.tables);
  out.Set("comparisons", layer.comparisons);
  return out;
}

LutLayerSize ReadLayer(const Napi::Value& value, const std::string& name, const LutLayerSize& fallback) {
  if (!value.IsObject()) throw TypeError(name + " must be an object { width, tables, comparisons }");
  const auto o = value.As<Napi::Object>();
  LutLayerSize layer = fallback;
  const auto read = [&](const char* key, uint32_t& field, uint64_t lo, uint64_t hi) {
    const auto v = Option(o, key);
    if (!v.IsUndefined()) field = uint32_t(ToInteger(v, name + "." + key, lo, hi));
  };
  read("width", layer.width, 2, 1u << 16);
  read("tables", layer.tables, 1, 4096);
  read("comparisons", layer.comparisons, 1, 30);
  return layer;
}

Napi::Object ConfigObject(Napi::Env env, const LutClassifierConfig& c) {
  auto out = Napi::Object::New(env);
  out.Set("inputs", c.inputs);
  out.Set("classes", c.classes);
  if (c.image_rows > 0) {
    auto shape = Napi::Array::New(env, 2);
    shape.Set(uint32_t(0), c.image_rows);
    shape.Set(uint32_t(1), c.image_cols);
    out.Set("imageShape", shape);
  }
  auto layers = Napi::Array::New(env, c.hidden.size());
  for (size_t l = 0; l < c.hidden.size(); ++l) layers.Set(uint32_t(l), Layer(env, c.hidden[l]));
  out.Set("layers", layers);
  auto readout = Napi::Object::New(env);
  readout.Set("tables", c.readout_tables);
  readout.Set("comparisons", c.readout_comparisons);
  out.Set("readout", readout);
  out.Set("anchors", anchor_policy_name(c.anchors));
  out.Set("anchorRadius", c.anchor_radius);
  out.Set("thresholds", c.thresholds);
  out.Set("thresholdScale", c.threshold_scale);
  out.Set("thresholdShare", c.threshold_share);
  out.Set("seed", double(c.seed));
  out.Set("memoryLimit", double(c.memory_limit));
  return out;
}

Napi::Object TrainObject(Napi::Env env, const LutTrainOptions& o) {
  auto out = Napi::Object::New(env);
  out.Set("epochs", o.epochs);
  out.Set("batch", o.batch);
  out.Set("warmup", o.warmup);
  out.Set("validation", o.validation);
  out.Set("patience", o.patience);
  out.Set("seed", double(o.seed));
  out.Set("threads", o.threads);
  if (o.shift == kShiftAuto) {
    out.Set("shift", "auto");
  } else {
    out.Set("shift", o.shift);
  }
  out.Set("noise", o.noise);
  out.Set("teacherWeight", o.teacher_weight);
  out.Set("temperature", o.temperature);
  return out;
}

Napi::Object EvaluationObject(Napi::Env env, const LutEvaluation& e) {
  auto out = Napi::Object::New(env);
  out.Set("examples", double(e.examples));
  out.Set("correct", double(e.correct));
  out.Set("accuracy", e.examples ? double(e.correct) / double(e.examples) : 0.0);
  out.Set("loss", e.loss);
  return out;
}

class TrainWorker : public AsyncWork<LutEpochReport> {
 public:
  TrainWorker(Napi::Env env, Napi::Object owner, AsyncState& state, std::shared_ptr<LutClassifier> net,
              std::shared_ptr<std::vector<float>> images, std::shared_ptr<std::vector<uint32_t>> labels,
              std::shared_ptr<std::vector<float>> teacher, LutTrainOptions options, Napi::Function on_epoch)
      : AsyncWork(env, "polychron.classify", owner, &state, "train()", on_epoch),
        net_(std::move(net)),
        images_(std::move(images)),
        labels_(std::move(labels)),
        teacher_(std::move(teacher)),
        options_(options) {}

 private:
  void Work(const Progress& progress) override {
    result_ = net_->train(
        images_->data(), labels_->data(), labels_->size(), options_,
        [&](const LutEpochReport& r) {
          history_.push_back(r);
          progress.Send(r);
          return !cancelled();
        },
        [&] { return !cancelled(); }, teacher_ ? teacher_->data() : nullptr);
  }

  static Napi::Object EpochObject(Napi::Env env, const LutEpochReport& r) {
    auto out = Napi::Object::New(env);
    out.Set("epoch", r.epoch);
    out.Set("trainLoss", r.train_loss);
    out.Set("trainAccuracy", r.train_accuracy);
    out.Set("validationLoss", r.validation_loss);
    out.Set("validationAccuracy", r.validation_accuracy);
    out.Set("learningRate", r.learning_rate);
    out.Set("seconds", r.seconds);
    out.Set("best", r.best);
    return out;
  }

  std::vector<napi_value> Arguments(Napi::Env env, const LutEpochReport& r) override { return {EpochObject(env, r)}; }

  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Object::New(env);
    out.Set("epochs", result_.epochs);
    out.Set("bestEpoch", result_.best_epoch);
    out.Set("validationAccuracy", result_.best_validation_accuracy);
    out.Set("validationLoss", result_.best_validation_loss);
    out.Set("trainExamples", double(result_.train_examples));
    out.Set("validationExamples", double(result_.validation_examples));
    out.Set("stopped", result_.stopped);
    out.Set("aborted", result_.stopped == "cancelled");
    out.Set("seconds", result_.seconds);
    auto history = Napi::Array::New(env, history_.size());
    for (size_t k = 0; k < history_.size(); ++k) history.Set(uint32_t(k), EpochObject(env, history_[k]));
    out.Set("history", history);
    return out;
  }

  std::shared_ptr<LutClassifier> net_;
  std::shared_ptr<std::vector<float>> images_;
  std::shared_ptr<std::vector<uint32_t>> labels_;
  std::shared_ptr<std::vector<float>> teacher_;  // null: plain training
  LutTrainOptions options_;
  LutTrainResult result_;
  std::vector<LutEpochReport> history_;
};

}  // namespace

unsigned ReadThreads(const Napi::Object& o) {
  return unsigned(ReadU32(o, "threads", LutTrainOptions().threads, 1, 256));
}

// Inputs: a Float32Array of count × inputs finite values, seen in place (for work done
// before the call returns); returns count.
uint64_t InputsView(const Napi::Value& value, uint32_t inputs, const float*& data) {
  if (!IsTypedArrayOf(value, napi_float32_array)) throw TypeError("images must be a Float32Array");
  const auto array = value.As<Napi::Float32Array>();
  const size_t n = array.ElementLength();
  if (n == 0 || n % inputs != 0 || n / inputs > kMaxExamples) {
    throw RangeError("images must hold a positive multiple of inputs = " + std::to_string(inputs) +
                     " numbers (got " + std::to_string(n) + ")");
  }
  data = array.Data();
  const uint64_t bad = first_non_finite(data, n);
  if (bad < n) throw RangeError("images[" + std::to_string(bad) + "] must be finite");
  return n / inputs;
}

Napi::Value LutClassifierDefaults(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("config", ConfigObject(info.Env(), LutClassifierConfig()));
  out.Set("train", TrainObject(info.Env(), LutTrainOptions()));
  return out;
}

Napi::Function LutClassifierWrap::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(env, "NativeLutClassifier",
                     {
                         InstanceMethod<&LutClassifierWrap::Load>("load"),
                         InstanceMethod<&LutClassifierWrap::Train>("train"),
                         InstanceMethod<&LutClassifierWrap::Evaluate>("evaluate"),
                         InstanceMethod<&LutClassifierWrap::Predict>("predict"),
                         InstanceMethod<&LutClassifierWrap::Logits>("logits"),
                         InstanceMethod<&LutClassifierWrap::LogitsReference>("logitsReference"),
                         InstanceMethod<&LutClassifierWrap::TimeInference>("timeInference"),
                         InstanceMethod<&LutClassifierWrap::CompileSpiking>("compileSpiking"),
                         InstanceMethod<&LutClassifierWrap::TableIndices>("tableIndices"),
                         InstanceMethod<&LutClassifierWrap::Save>("save"),
                         InstanceMethod<&LutClassifierWrap::Config>("config"),
                         InstanceMethod<&LutClassifierWrap::Memory>("memory"),
                         InstanceAccessor<&LutClassifierWrap::DefaultLearningRate>("defaultLearningRate"),
                         InstanceAccessor<&LutClassifierWrap::Busy>("busy"),
                         InstanceAccessor<&LutClassifierWrap::Closed>("closed"),
                         InstanceAccessor<&LutClassifierWrap::SimdName>("simd"),
                         InstanceMethod<&LutClassifierWrap::Cancel>("cancel"),
                         InstanceMethod<&LutClassifierWrap::Close>("close"),
                     });
  Environment::Of(env).lut_classifier_constructor = Napi::Persistent(constructor);
  return constructor;
}

// new NativeLutClassifier(options?): without options an empty shell for load().
// options: { inputs, classes, imageShape?, layers?, readout?, anchors?, anchorRadius?,
//            thresholds?, thresholdScale?, thresholdShare?, seed?, memoryLimit?, simd? }
LutClassifierWrap::LutClassifierWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LutClassifierWrap>(info) {
  Guarded(info.Env(), [&] {
    if (info[0].IsUndefined()) return 0;
    const auto o = OptionsObject(info, 0);
    LutClassifierConfig c;
    c.inputs = uint32_t(ToInteger(Option(o, "inputs"), "inputs", 2, 1u << 24));
    c.classes = uint32_t(ToInteger(Option(o, "classes"), "classes", 2, 1u << 16));
    const auto shape = Option(o, "imageShape");
    if (!shape.IsUndefined()) {
      if (!shape.IsArray() || shape.As<Napi::Array>().Length() != 2) {
        throw TypeError("imageShape must be an array [rows, cols]");
      }
      const auto pair = shape.As<Napi::Array>();
      c.image_rows = uint32_t(ToInteger(pair.Get(uint32_t(0)), "imageShape[0]", 1, 1u << 24));
      c.image_cols = uint32_t(ToInteger(pair.Get(uint32_t(1)), "imageShape[1]", 1, 1u << 24));
    }
    const auto layers = Option(o, "layers");
    if (!layers.IsUndefined()) {
      if (!layers.IsArray()) throw TypeError("layers must be an array of { width, tables, comparisons }");
      const auto array = layers.As<Napi::Array>();
      if (array.Length() > 64) throw RangeError("layers must hold at most 64 layers (got " + std::to_string(array.Length()) + ")");
      const LutLayerSize fallback = c.hidden.empty() ? LutLayerSize{32, 256, 8} : c.hidden[0];
      c.hidden.clear();
      for (uint32_t l = 0; l < array.Length(); ++l) {
        c.hidden.push_back(ReadLayer(array.Get(l), "layers[" + std::to_string(l) + "]", fallback));
      }
    }
    const auto readout = Option(o, "readout");
    if (!readout.IsUndefined()) {
      if (!readout.IsObject()) throw TypeError("readout must be an object { tables, comparisons }");
      const auto r = readout.As<Napi::Object>();
      c.readout_tables = ReadU32(r, "tables", c.readout_tables, 1, 4096);
      c.readout_comparisons = ReadU32(r, "comparisons", c.readout_comparisons, 1, 30);
    }
    const auto anchors = Option(o, "anchors");
    if (!anchors.IsUndefined()) c.anchors = parse_anchor_policy(ToString(anchors, "anchors"));
    c.anchor_radius = ReadU32(o, "anchorRadius", c.anchor_radius, 1, 1u << 24);
    c.thresholds = ReadU32(o, "thresholds", c.thresholds, 0, 256);
    c.threshold_scale = ReadFloat(o, "thresholdScale", c.threshold_scale);
    c.threshold_share = ReadFloat(o, "thresholdShare", c.threshold_share);
    const auto seed = Option(o, "seed");
    if (!seed.IsUndefined()) c.seed = ToInteger(seed, "seed", 0, uint64_t(1) << 53);
    c.memory_limit = ReadMemoryLimitOption(o, LutClassifierConfig().memory_limit);
    net_ = std::make_shared<LutClassifier>(c, ReadSimdOption(o));
    memory_.Report(info.Env(), net_->memory_bytes());
    return 0;
  });
}

LutClassifierWrap::~LutClassifierWrap() { memory_.Report(Env(), 0); }

LutClassifier::Workspace& LutClassifierWrap::Workspace() {
  if (!workspace_) workspace_ = net_->workspace();
  return *workspace_;
}

LutClassifier& LutClassifierWrap::Live(const char* method) {
  if (!net_) throw StateError(std::string("LutClassifier.") + method + "(): the classifier is closed or not loaded");
  async_.RequireIdle("LutClassifier", method);
  return *net_;
}

// load(path, { memoryLimit?, simd? }) -> Promise<void>, into an empty shell
Napi::Value LutClassifierWrap::Load(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (net_ || async_.busy()) throw StateError("LutClassifier.load(): this object already holds a classifier");
    const std::string path = ToString(info[0], "path");
    const auto o = OptionsObject(info, 1);
    const uint64_t limit = ReadMemoryLimitOption(o, LutClassifierConfig().memory_limit);
    const SimdLevel simd = ReadSimdOption(o);
    auto loaded = std::make_shared<std::shared_ptr<LutClassifier>>();
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "load()",
        [=](const TaskWorker::KeepGoing&) { *loaded = load_lut_classifier(path, limit, simd); },
        [this, loaded](Napi::Env env) -> Napi::Value {
          net_ = *loaded;
          memory_.Report(env, net_->memory_bytes());
          return env.Undefined();
        });
  });
}

void LutClassifierWrap::Adopt(Napi::Env env, std::shared_ptr<LutClassifier> net) {
  net_ = std::move(net);
  memory_.Report(env, net_->memory_bytes());
}

// compileSpiking(options) -> Promise<{ network, layout, twin }>: the classifier as a spiking
// circuit (core/bridge/lut_circuit.h), built on a worker thread.
Napi::Value LutClassifierWrap::CompileSpiking(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("compileSpiking");
    const LutCircuitOptions options = ReadCircuitOptions(OptionsObject(info, 0));
    auto model = net_;
    auto compiled = std::make_shared<CompiledLutCircuit>();
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "compileSpiking()",
        [=](const TaskWorker::KeepGoing&) { *compiled = compile_lut_circuit(*model, options); },
        [compiled](Napi::Env env) -> Napi::Value { return CompiledObject(env, std::move(*compiled)); });
  });
}

// tableIndices(images, grid?) -> Promise<{ indices: Uint32Array, classes: Uint32Array }>:
// every layer's table indices and the class of each input (the direct path, reference
// loops), the inputs rounded to `grid` when given.
Napi::Value LutClassifierWrap::TableIndices(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("tableIndices");
    uint64_t count = 0;
    auto images = ReadInputs(info[0], net.config().inputs, count);
    const bool rounded = !info[1].IsUndefined();
    const LatencyGrid grid = ReadGrid(info[1]);
    uint64_t tables = 0;
    for (const Lut& lut : net.layers()) tables += lut.shape().tables;
    auto model = net_;
    auto out = std::make_shared<std::vector<uint32_t>>(count * tables);
    auto classes = std::make_shared<std::vector<uint32_t>>(count);
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "tableIndices()",
        [=](const TaskWorker::KeepGoing&) {
          lut_direct_indices(*model, images->data(), count, rounded ? &grid : nullptr, out->data(), classes->data());
        },
        [out, classes](Napi::Env env) -> Napi::Value {
          auto result = Napi::Object::New(env);
          result.Set("indices", ToTypedArray<uint32_t, Napi::Uint32Array>(env, *out));
          result.Set("classes", ToTypedArray<uint32_t, Napi::Uint32Array>(env, *classes));
          return result;
        });
  });
}

// train(images, labels, { epochs?, batch?, learningRate?, warmup?, validation?, patience?,
//                         seconds?, seed?, threads?, shift?, noise?, teacher?, teacherWeight?,
//                         temperature? }, onEpoch?) -> Promise<result>
Napi::Value LutClassifierWrap::Train(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("train");
    uint64_t count = 0;
    auto images = ReadInputs(info[0], net.config().inputs, count);
    auto labels = ReadLabels(info[1], count);
    const auto o = OptionsObject(info, 2);
    LutTrainOptions t;
    t.epochs = ReadU32(o, "epochs", t.epochs, 1, 1u << 20);
    t.batch = ReadU32(o, "batch", t.batch, 1, 1u << 16);
    t.learning_rate = ReadFloat(o, "learningRate", t.learning_rate);
    if (t.learning_rate < 0) throw RangeError("learningRate must be > 0 (got " + std::to_string(t.learning_rate) + ")");
    const auto read_double = [&](const char* key, double fallback) {
      const auto value = Option(o, key);
      return value.IsUndefined() ? fallback : ToFiniteNumber(value, key);
    };
    t.warmup = read_double("warmup", t.warmup);
    if (!(t.warmup >= 0 && t.warmup <= 1)) throw RangeError("warmup must be in [0, 1] (got " + std::to_string(t.warmup) + ")");
    t.validation = read_double("validation", t.validation);
    if (!(t.validation >= 0 && t.validation < 1)) {
      throw RangeError("validation must be in [0, 1) (got " + std::to_string(t.validation) + ")");
    }
    t.patience = ReadU32(o, "patience", t.patience, 0, 1u << 20);
    const auto seconds = Option(o, "seconds");
    if (!seconds.IsUndefined()) {
      t.seconds = ToFiniteNumber(seconds, "seconds");
      if (t.seconds <= 0) throw RangeError("seconds must be > 0 (got " + std::to_string(t.seconds) + ")");
    }
    const auto seed = Option(o, "seed");
    if (!seed.IsUndefined()) t.seed = ToInteger(seed, "seed", 0, uint64_t(1) << 53);
    t.threads = ReadThreads(o);
    t.shift = ReadU32(o, "shift", t.shift, 0, 64);  // default: kShiftAuto
    t.noise = ReadFloat(o, "noise", t.noise);
    if (t.noise < 0) throw RangeError("noise must be ≥ 0 (got " + std::to_string(t.noise) + ")");
    // Distillation: the teacher's logits, one row of `classes` per image.
    std::shared_ptr<std::vector<float>> teacher;
    const auto teacher_value = Option(o, "teacher");
    if (!teacher_value.IsUndefined()) {
      if (!IsTypedArrayOf(teacher_value, napi_float32_array)) throw TypeError("teacher must be a Float32Array of logits");
      const auto array = teacher_value.As<Napi::Float32Array>();
      const uint64_t want = count * net.config().classes;
      if (array.ElementLength() != want) {
        throw RangeError("teacher must hold images × classes = " + std::to_string(want) + " logits (got " +
                         std::to_string(array.ElementLength()) + ")");
      }
      const uint64_t bad = first_non_finite(array.Data(), want);
      if (bad < want) throw RangeError("teacher[" + std::to_string(bad) + "] must be finite");
      teacher = std::make_shared<std::vector<float>>(array.Data(), array.Data() + want);
    }
    t.teacher_weight = ReadFloat(o, "teacherWeight", t.teacher_weight);
    if (!(t.teacher_weight >= 0 && t.teacher_weight <= 1)) {
      throw RangeError("teacherWeight must be in [0, 1] (got " + std::to_string(t.teacher_weight) + ")");
    }
    t.temperature = ReadFloat(o, "temperature", t.temperature);
    if (!(t.temperature > 0 && t.temperature <= 1000)) {
      throw RangeError("temperature must be in (0, 1000] (got " + std::to_string(t.temperature) + ")");
    }
    Napi::Function on_epoch;
    if (!info[3].IsUndefined()) {
      if (!info[3].IsFunction()) throw TypeError("onEpoch must be a function");
      on_epoch = info[3].As<Napi::Function>();
    }
    auto* worker = new TrainWorker(info.Env(), Value(), async_, net_, std::move(images), std::move(labels),
                                   std::move(teacher), t, on_epoch);
    worker->Queue();
    return worker->Promise();
  });
}

// evaluate(images, labels, { threads? }) -> Promise<{ examples, correct, accuracy, loss }>
Napi::Value LutClassifierWrap::Evaluate(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("evaluate");
    uint64_t count = 0;
    auto images = ReadInputs(info[0], net.config().inputs, count);
    auto labels = ReadLabels(info[1], count);
    const unsigned threads = ReadThreads(OptionsObject(info, 2));
    auto model = net_;
    auto out = std::make_shared<LutEvaluation>();
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "evaluate()",
        [=](const TaskWorker::KeepGoing&) { *out = model->evaluate(images->data(), labels->data(), count, threads); },
        [out](Napi::Env env) -> Napi::Value { return EvaluationObject(env, *out); });
  });
}

// predict(images, { threads? }) -> Promise<Uint32Array>
Napi::Value LutClassifierWrap::Predict(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("predict");
    uint64_t count = 0;
    auto images = ReadInputs(info[0], net.config().inputs, count);
    const unsigned threads = ReadThreads(OptionsObject(info, 1));
    auto model = net_;
    auto out = std::make_shared<std::vector<uint32_t>>(count);
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "predict()",
        [=](const TaskWorker::KeepGoing&) { model->predict(images->data(), count, out->data(), threads); },
        [out](Napi::Env env) -> Napi::Value { return ToTypedArray<uint32_t, Napi::Uint32Array>(env, *out); });
  });
}

// logits(images, threads?, out?) -> Float32Array (count × classes), synchronously: on this
// thread with the object's workspace, or on `threads` threads for a large batch; into
// `out` when given (no allocation). Positional, since reading an options object's
// properties costs more than a small model's whole inference.
Napi::Value LutClassifierWrap::Logits(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("logits");
    const float* images;
    const uint64_t count = InputsView(info[0], net.config().inputs, images);
    const unsigned threads = info[1].IsUndefined() ? 1 : unsigned(ToInteger(info[1], "threads", 1, 256));
    const size_t size = size_t(count) * net.config().classes;
    const Napi::Value into = info[2];
    Napi::Float32Array out;
    if (into.IsUndefined()) {
      out = Napi::Float32Array::New(info.Env(), size);
    } else {
      if (!IsTypedArrayOf(into, napi_float32_array)) throw TypeError("out must be a Float32Array");
      out = into.As<Napi::Float32Array>();
      if (out.ElementLength() != size) {
        throw RangeError("out must hold images × classes = " + std::to_string(size) + " numbers (got " +
                         std::to_string(out.ElementLength()) + ")");
      }
    }
    if (threads > 1) {
      net.logits(images, count, out.Data(), threads);
    } else {
      net.logits(images, count, out.Data(), Workspace());
    }
    return out;
  });
}

// logitsReference(images) -> Float32Array: the plain scalar reference, one input at a time
Napi::Value LutClassifierWrap::LogitsReference(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("logitsReference");
    const float* images;
    const uint64_t count = InputsView(info[0], net.config().inputs, images);
    const uint32_t inputs = net.config().inputs, classes = net.config().classes;
    auto out = Napi::Float32Array::New(info.Env(), size_t(count) * classes);
    for (uint64_t n = 0; n < count; ++n) net.logits_reference(images + n * inputs, out.Data() + n * classes);
    return out;
  });
}

// timeInference(images, { batch, threads?, repeats? }) -> nanoseconds per image, timed
// natively: batch 1 runs one image per call (latency); a larger batch runs the images in
// calls of that many (throughput).
Napi::Value LutClassifierWrap::TimeInference(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutClassifier& net = Live("timeInference");
    const float* images;
    const uint64_t count = InputsView(info[0], net.config().inputs, images);
    const auto o = OptionsObject(info, 1);
    const uint64_t batch = ToInteger(Option(o, "batch"), "batch", 1, kMaxExamples);
    const unsigned threads = ReadThreads(o);
    const uint32_t repeats = ReadU32(o, "repeats", 1, 1, 1u << 20);
    const uint32_t inputs = net.config().inputs, classes = net.config().classes;
    std::vector<float> out(size_t(std::min(batch, count)) * classes);
    LutClassifier::Workspace& workspace = Workspace();
    const auto start = std::chrono::steady_clock::now();
    uint64_t done = 0;
    for (uint32_t r = 0; r < repeats; ++r) {
      for (uint64_t first = 0; first < count; first += batch) {
        const uint64_t size = std::min(batch, count - first);
        if (threads > 1) {
          net.logits(images + first * inputs, size, out.data(), threads);
        } else {
          net.logits(images + first * inputs, size, out.data(), workspace);
        }
        done += size;
      }
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return Napi::Number::New(info.Env(), ns / double(done));
  });
}

// save(path, { precision? }) -> Promise<void>
Napi::Value LutClassifierWrap::Save(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("save");
    const std::string path = ToString(info[0], "path");
    if (path.empty()) throw RangeError("path must not be empty");
    const bool half = ReadHalfPrecisionOption(OptionsObject(info, 1));
    auto model = net_;
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "save()", [=](const TaskWorker::KeepGoing&) { save_lut_classifier(path, *model, half); });
  });
}

Napi::Value LutClassifierWrap::Config(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!net_) throw StateError("LutClassifier.config(): the classifier is closed or not loaded");
    return ConfigObject(info.Env(), net_->config());
  });
}

Napi::Value LutClassifierWrap::Memory(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!net_) throw StateError("LutClassifier.memory(): the classifier is closed or not loaded");
    auto out = Napi::Object::New(info.Env());
    out.Set("tableBytes", double(net_->table_bytes()));
    out.Set("modelBytes", double(net_->memory_bytes()));
    return out;
  });
}

Napi::Value LutClassifierWrap::DefaultLearningRate(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!net_) throw StateError("LutClassifier.defaultLearningRate: the classifier is closed or not loaded");
    return Napi::Number::New(info.Env(), lut_classifier_default_rate(net_->config()));
  });
}

Napi::Value LutClassifierWrap::Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), async_.busy()); }

Napi::Value LutClassifierWrap::Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !net_); }

Napi::Value LutClassifierWrap::SimdName(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!net_) throw StateError("LutClassifier.simd: the classifier is closed or not loaded");
    return Napi::String::New(info.Env(), simd_level_name(net_->simd()));
  });
}

void LutClassifierWrap::Cancel(const Napi::CallbackInfo&) { async_.Cancel(); }

void LutClassifierWrap::Close(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    async_.RequireIdle("LutClassifier", "close");
    workspace_.reset();
    net_.reset();
    memory_.Report(info.Env(), 0);
    return 0;
  });
}

}  // namespace polychron::addon
