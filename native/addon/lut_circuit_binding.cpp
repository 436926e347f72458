#include "addon/lut_circuit_binding.h"

#include <string>

#include "addon/convert.h"
#include "addon/environment.h"
#include "addon/lut_classifier_wrap.h"
#include "addon/network_options.h"
#include "addon/network_wrap.h"

namespace polychron::addon {

namespace {

Napi::Object RangeObject(Napi::Env env, NeuronRange r) {
  auto o = Napi::Object::New(env);
  o.Set("first", double(r.first));
  o.Set("count", double(r.count));
  return o;
}

NeuronRange ReadRange(const Napi::Object& o, const char* key) {
  const auto value = Option(o, key);
  if (value.IsUndefined()) return {};
  if (!value.IsObject()) throw TypeError(std::string("layout.") + key + " must be { first, count }");
  const auto r = value.As<Napi::Object>();
  return {uint32_t(ToInteger(Option(r, "first"), std::string("layout.") + key + ".first", 0, UINT32_MAX)),
          uint32_t(ToInteger(Option(r, "count"), std::string("layout.") + key + ".count", 0, UINT32_MAX))};
}

uint32_t ReadCount(const Napi::Object& o, const char* key) {
  return uint32_t(ToInteger(Option(o, key), std::string("layout.") + key, 0, UINT32_MAX));
}

}  // namespace

LatencyGrid ReadGrid(const Napi::Value& value) {
  LatencyGrid grid;
  if (value.IsUndefined()) return grid;
  if (!value.IsObject()) throw TypeError("grid must be an object { low?, high?, steps? }");
  const auto o = value.As<Napi::Object>();
  ReadNumberOption(o, "grid", "low", grid.low);
  ReadNumberOption(o, "grid", "high", grid.high);
  const auto steps = Option(o, "steps");
  if (!steps.IsUndefined()) grid.steps = uint32_t(ToInteger(steps, "grid.steps", 2, LatencyGrid::kMaxSteps));
  grid.validate();
  return grid;
}

LutCircuitOptions ReadCircuitOptions(const Napi::Object& o) {
  LutCircuitOptions options;
  options.grid = ReadGrid(Option(o, "grid"));
  const auto mode = Option(o, "mode");
  if (!mode.IsUndefined()) options.mode = parse_network_mode(ToString(mode, "mode"), "mode");
  options.simd = ReadSimdOption(o);
  options.threads = ToThreads(Option(o, "threads"));
  options.memory_limit = ReadMemoryLimitOption(o, options.memory_limit);
  return options;
}

Napi::Object LayoutObject(Napi::Env env, const LutCircuitLayout& L) {
  auto o = Napi::Object::New(env);
  auto grid = Napi::Object::New(env);
  grid.Set("low", L.grid.low);
  grid.Set("high", L.grid.high);
  grid.Set("steps", double(L.grid.steps));
  o.Set("grid", grid);
  o.Set("period", double(L.period));
  o.Set("inputs", RangeObject(env, L.inputs));
  o.Set("width", double(L.width));
  auto constants = Napi::Array::New(env, L.constant_latencies.size());
  for (uint32_t k = 0; k < L.constant_latencies.size(); ++k) constants.Set(k, double(L.constant_latencies[k]));
  o.Set("constantLatencies", constants);
  o.Set("clock", double(L.clock()));
  auto stages = Napi::Array::New(env, L.stages.size());
  for (uint32_t k = 0; k < L.stages.size(); ++k) {
    const CircuitStage& s = L.stages[k];
    auto st = Napi::Object::New(env);
    st.Set("layer", double(s.layer));
    st.Set("tables", double(s.tables));
    st.Set("comparisons", double(s.comparisons));
    st.Set("comparators", RangeObject(env, s.comparators));
    st.Set("holders", RangeObject(env, s.holders));
    st.Set("rows", RangeObject(env, s.rows));
    st.Set("rowsFire", double(s.rows_fire));
    stages.Set(k, st);
  }
  o.Set("stages", stages);
  o.Set("beats", RangeObject(env, L.beats));
  o.Set("classes", RangeObject(env, L.classes));
  o.Set("classesFire", double(L.classes_fire));
  o.Set("latency", double(L.latency()));
  o.Set("hiddenUnit", L.hidden_unit);
  o.Set("logitUnit", L.logit_unit);
  return o;
}

LutCircuitLayout ReadLayout(const Napi::Value& value) {
  if (!value.IsObject()) throw TypeError("layout must be a circuit layout object");
  const auto o = value.As<Napi::Object>();
  LutCircuitLayout L;
  L.grid = ReadGrid(Option(o, "grid"));
  L.period = ReadCount(o, "period");
  L.inputs = ReadRange(o, "inputs");
  L.width = ReadCount(o, "width");
  const auto constants = Option(o, "constantLatencies");
  if (!constants.IsUndefined()) {
    for (double l : ToNumbers(constants, "layout.constantLatencies")) {
      if (!(l >= 0 && l < L.grid.steps) || l != double(uint32_t(l))) throw RangeError("layout.constantLatencies must lie on the grid");
      L.constant_latencies.push_back(uint32_t(l));
    }
  }
  const auto stages = Option(o, "stages");
  if (!stages.IsArray()) throw TypeError("layout.stages must be an array");
  const auto list = stages.As<Napi::Array>();
  if (list.Length() > 1000) throw RangeError("layout.stages holds too many stages");
  for (uint32_t k = 0; k < list.Length(); ++k) {
    if (!list.Get(k).IsObject()) throw TypeError("layout.stages[" + std::to_string(k) + "] must be an object");
    const auto st = list.Get(k).As<Napi::Object>();
    CircuitStage s;
    s.layer = ReadCount(st, "layer");
    s.tables = ReadCount(st, "tables");
    s.comparisons = ReadCount(st, "comparisons");
    s.comparators = ReadRange(st, "comparators");
    s.holders = ReadRange(st, "holders");
    s.rows = ReadRange(st, "rows");
    s.rows_fire = ReadCount(st, "rowsFire");
    L.stages.push_back(s);
  }
  L.beats = ReadRange(o, "beats");
  L.classes = ReadRange(o, "classes");
  L.classes_fire = L.classes.count > 0 ? ReadCount(o, "classesFire") : 0;
  ReadNumberOption(o, "layout", "hiddenUnit", L.hidden_unit);
  ReadNumberOption(o, "layout", "logitUnit", L.logit_unit);
  return L;
}

Napi::Object CompiledObject(Napi::Env env, CompiledLutCircuit compiled) {
  auto out = Napi::Object::New(env);
  out.Set("layout", LayoutObject(env, compiled.layout));
  auto network = Environment::Of(env).network_constructor.New({});
  NetworkWrap::Unwrap(network)->Adopt(env, std::move(compiled.network));
  out.Set("network", network);
  if (compiled.twin) {
    auto twin = Environment::Of(env).lut_classifier_constructor.New({});
    LutClassifierWrap::Unwrap(twin)->Adopt(env, std::move(compiled.twin));
    out.Set("twin", twin);
  }
  return out;
}

Napi::Value LutCircuitTrain(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    const LutCircuitLayout layout = ReadLayout(info[0]);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw TypeError("images must be a Float32Array");
    }
    const auto images = info[1].As<Napi::Float32Array>();
    if (layout.width == 0 || images.ElementLength() % layout.width != 0) {
      throw RangeError("images must hold a whole number of examples of " + std::to_string(layout.width) + " values");
    }
    const uint64_t start = ToInteger(info[2], "start", 0, uint64_t(1) << 52);
    const SpikeSource train = encode_lut_inputs(layout, images.Data(), images.ElementLength() / layout.width, start);
    auto times = Napi::Float64Array::New(info.Env(), train.times.size());
    std::copy(train.times.begin(), train.times.end(), times.Data());
    auto out = Napi::Object::New(info.Env());
    out.Set("times", times);
    out.Set("neurons", ToTypedArray<uint32_t, Napi::Uint32Array>(info.Env(), train.neurons));
    return out;
  });
}

Napi::Object CircuitRunObject(Napi::Env env, const LutCircuitRun& run) {
  auto out = Napi::Object::New(env);
  if (!run.classes.empty()) out.Set("classes", ToTypedArray<uint32_t, Napi::Uint32Array>(env, run.classes));
  out.Set("indices", ToTypedArray<uint32_t, Napi::Uint32Array>(env, run.indices));
  out.Set("examples", double(run.examples));
  out.Set("aborted", !run.complete);
  out.Set("spikes", double(run.spikes));
  out.Set("synapticEvents", double(run.synaptic_events));
  out.Set("neuronUpdates", double(run.neuron_updates));
  out.Set("simulatedMs", double(run.simulated_ms));
  return out;
}

}  // namespace polychron::addon
