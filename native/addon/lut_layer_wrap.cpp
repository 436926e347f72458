#include "addon/lut_layer_wrap.h"

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "addon/convert.h"
#include "addon/lut_circuit_binding.h"
#include "core/errors.h"

namespace polychron::addon {

Napi::Function LutLayerWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeLutLayer",
                     {
                         InstanceMethod<&LutLayerWrap::Forward>("forward"),
                         InstanceMethod<&LutLayerWrap::ForwardReference>("forwardReference"),
                         InstanceMethod<&LutLayerWrap::Lookup>("lookup"),
                         InstanceMethod<&LutLayerWrap::CompileSpiking>("compileSpiking"),
                         InstanceMethod<&LutLayerWrap::TableIndices>("tableIndices"),
                         InstanceMethod<&LutLayerWrap::Backward>("backward"),
                         InstanceMethod<&LutLayerWrap::Row>("row"),
                         InstanceMethod<&LutLayerWrap::SetRow>("setRow"),
                         InstanceMethod<&LutLayerWrap::Anchors>("anchors"),
                         InstanceMethod<&LutLayerWrap::SetAnchors>("setAnchors"),
                         InstanceMethod<&LutLayerWrap::TimeForward>("timeForward"),
                         InstanceMethod<&LutLayerWrap::Shape>("shape"),
                         InstanceMethod<&LutLayerWrap::Memory>("memory"),
                         InstanceAccessor<&LutLayerWrap::SimdName>("simd"),
                         InstanceMethod<&LutLayerWrap::Close>("close"),
                         InstanceAccessor<&LutLayerWrap::Closed>("closed"),
                     });
}

// new NativeLutLayer({ inputs, outputs, tables, comparisons, seed?, distinctPairs?, memoryLimit?, simd? })
LutLayerWrap::LutLayerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LutLayerWrap>(info) {
  Guarded(info.Env(), [&] {
    if (info.Length() < 1 || !info[0].IsObject()) throw TypeError("options must be an object");
    const auto o = info[0].As<Napi::Object>();
    LutLayerSpec spec;
    spec.shape.inputs = uint32_t(ToInteger(Option(o, "inputs"), "inputs", 2, 1u << 24));
    spec.shape.outputs = uint32_t(ToInteger(Option(o, "outputs"), "outputs", 1, 1u << 20));
    spec.shape.tables = uint32_t(ToInteger(Option(o, "tables"), "tables", 1, 4096));
    spec.shape.comparisons = uint32_t(ToInteger(Option(o, "comparisons"), "comparisons", 1, 30));
    const auto seed = Option(o, "seed");
    if (!seed.IsUndefined()) spec.seed = ToInteger(seed, "seed", 0, uint64_t(1) << 53);
    ReadFlagOption(o, "distinctPairs", spec.distinct_pairs);
    spec.memory_limit = ReadMemoryLimitOption(o, spec.memory_limit);
    spec.simd = ReadSimdOption(o);
    layer_ = std::make_unique<LutLayer>(spec);
    // The whole table: its pages are mapped as training writes them, and a trained layer
    // has written most of them.
    memory_.Report(info.Env(), layer_->lut().memory().bytes());
    return 0;
  });
}

LutLayerWrap::~LutLayerWrap() { memory_.Report(Env(), 0); }

LutLayer& LutLayerWrap::Live(const char* method) {
  if (!layer_) throw StateError(std::string("LutLayer.") + method + "(): the layer is closed");
  return *layer_;
}

uint32_t LutLayerWrap::Inputs(const Napi::Value& value, const char* name, const float*& data) {
  if (!IsTypedArrayOf(value, napi_float32_array)) throw TypeError(std::string(name) + " must be a Float32Array");
  const auto array = value.As<Napi::Float32Array>();
  const uint32_t d = layer_->shape().inputs;
  if (array.ElementLength() == 0 || array.ElementLength() % d != 0) {
    throw RangeError(std::string(name) + " must hold a positive multiple of inputs = " + std::to_string(d) +
                     " numbers (got " + std::to_string(array.ElementLength()) + ")");
  }
  data = array.Data();
  for (size_t k = 0; k < array.ElementLength(); ++k) {
    if (!std::isfinite(data[k])) throw RangeError(std::string(name) + "[" + std::to_string(k) + "] must be finite");
  }
  return uint32_t(array.ElementLength() / d);
}

// forward(xs) -> Float32Array of count × outputs (the SIMD path, batched)
Napi::Value LutLayerWrap::Forward(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("forward");
    const float* xs;
    const uint32_t count = Inputs(info[0], "x", xs);
    auto ys = Napi::Float32Array::New(info.Env(), size_t(count) * layer.shape().outputs);
    std::fill(ys.Data(), ys.Data() + ys.ElementLength(), 0.0f);
    layer.forward(xs, count, ys.Data());
    return ys;
  });
}

// forwardReference(xs): the plain reference loop, one input at a time.
Napi::Value LutLayerWrap::ForwardReference(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("forwardReference");
    const float* xs;
    const uint32_t count = Inputs(info[0], "x", xs);
    const LutShape& s = layer.shape();
    auto ys = Napi::Float32Array::New(info.Env(), size_t(count) * s.outputs);
    std::fill(ys.Data(), ys.Data() + ys.ElementLength(), 0.0f);
    for (uint32_t n = 0; n < count; ++n) layer.lut().forward(xs + size_t(n) * s.inputs, ys.Data() + size_t(n) * s.outputs);
    return ys;
  });
}

// lookup(x) -> { index: Uint32Array(T), rMin: Uint32Array(T), uMin: Float32Array(T) }
Napi::Value LutLayerWrap::Lookup(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("lookup");
    const float* x;
    if (Inputs(info[0], "x", x) != 1) throw RangeError("x must hold exactly one input of inputs numbers");
    const uint32_t T = layer.shape().tables;
    auto index = Napi::Uint32Array::New(info.Env(), T);
    auto r_min = Napi::Uint32Array::New(info.Env(), T);
    auto u_min = Napi::Float32Array::New(info.Env(), T);
    layer.lut().index(x, index.Data(), r_min.Data(), u_min.Data());
    auto out = Napi::Object::New(info.Env());
    out.Set("index", index);
    out.Set("rMin", r_min);
    out.Set("uMin", u_min);
    return out;
  });
}

// compileSpiking(options) -> { network, layout }: the layer as a spiking circuit whose rows
// fire the indices (core/bridge/lut_circuit.h); built here (a layer's circuit is small).
Napi::Value LutLayerWrap::CompileSpiking(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("compileSpiking");
    return CompiledObject(info.Env(), compile_lut_circuit(layer.lut(), ReadCircuitOptions(OptionsObject(info, 0))));
  });
}

// tableIndices(xs, grid?) -> Uint32Array: the index of every table for each input, the
// inputs rounded to `grid` when given.
Napi::Value LutLayerWrap::TableIndices(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("tableIndices");
    const float* xs;
    const uint32_t count = Inputs(info[0], "xs", xs);
    const bool rounded = !info[1].IsUndefined();
    const LatencyGrid grid = ReadGrid(info[1]);
    auto out = Napi::Uint32Array::New(info.Env(), uint64_t(count) * layer.shape().tables);
    lut_direct_indices(layer.lut(), xs, count, rounded ? &grid : nullptr, out.Data());
    return out;
  });
}

// backward(x, g, lr) -> dx: spec §1 backward for one input; updates the tables.
Napi::Value LutLayerWrap::Backward(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("backward");
    const float* x;
    if (Inputs(info[0], "x", x) != 1) throw RangeError("x must hold exactly one input of inputs numbers");
    if (!IsTypedArrayOf(info[1], napi_float32_array)) throw TypeError("g must be a Float32Array");
    const auto g = info[1].As<Napi::Float32Array>();
    const LutShape& s = layer.shape();
    if (g.ElementLength() != s.outputs) {
      throw RangeError("g must hold outputs = " + std::to_string(s.outputs) + " numbers (got " +
                       std::to_string(g.ElementLength()) + ")");
    }
    for (size_t k = 0; k < g.ElementLength(); ++k) {
      if (!std::isfinite(g.Data()[k])) throw RangeError("g[" + std::to_string(k) + "] must be finite");
    }
    const double lr = ToFiniteNumber(info[2], "lr");
    auto dx = Napi::Float32Array::New(info.Env(), s.inputs);
    std::fill(dx.Data(), dx.Data() + s.inputs, 0.0f);
    layer.lut().backward(x, g.Data(), float(lr), dx.Data());
    return dx;
  });
}

Napi::Value LutLayerWrap::Row(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("row");
    const LutShape& s = layer.shape();
    const uint32_t table = uint32_t(ToInteger(info[0], "table", 0, s.tables - 1));
    const uint32_t index = uint32_t(ToInteger(info[1], "index", 0, (uint64_t(1) << s.width) - 1));
    auto out = Napi::Float32Array::New(info.Env(), s.outputs);
    std::copy_n(layer.lut().read_row(table, index), s.outputs, out.Data());
    return out;
  });
}

void LutLayerWrap::SetRow(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    LutLayer& layer = Live("setRow");
    const LutShape& s = layer.shape();
    const uint32_t table = uint32_t(ToInteger(info[0], "table", 0, s.tables - 1));
    const uint32_t index = uint32_t(ToInteger(info[1], "index", 0, (uint64_t(1) << s.width) - 1));
    const std::vector<double> values = ToNumbers(info[2], "values");
    if (values.size() != s.outputs) throw RangeError("values must hold outputs = " + std::to_string(s.outputs) + " numbers");
    for (size_t k = 0; k < values.size(); ++k) {
      if (!std::isfinite(values[k])) throw RangeError("values[" + std::to_string(k) + "] must be finite");
    }
    float* row = layer.lut().write_row(table, index);
    for (uint32_t k = 0; k < s.outputs; ++k) row[k] = float(values[k]);
    return 0;
  });
}

// anchors() -> { a: Uint32Array(T·C), b } table-major: a[i·C + r]
Napi::Value LutLayerWrap::Anchors(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("anchors");
    const LutShape& s = layer.shape();
    auto a = Napi::Uint32Array::New(info.Env(), size_t(s.tables) * s.comparisons);
    auto b = Napi::Uint32Array::New(info.Env(), size_t(s.tables) * s.comparisons);
    for (uint32_t i = 0; i < s.tables; ++i) {
      for (uint32_t r = 0; r < s.comparisons; ++r) {
        a.Data()[i * s.comparisons + r] = layer.lut().a()[r * s.tables + i];
        b.Data()[i * s.comparisons + r] = layer.lut().b()[r * s.tables + i];
      }
    }
    auto out = Napi::Object::New(info.Env());
    out.Set("a", a);
    out.Set("b", b);
    return out;
  });
}

namespace {
// A number as an error message shows it (shortest form: 3, 2.5, nan).
std::string Shown(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}
}  // namespace

void LutLayerWrap::SetAnchors(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    LutLayer& layer = Live("setAnchors");
    const LutShape& s = layer.shape();
    const std::vector<double> a = ToNumbers(info[0], "a"), b = ToNumbers(info[1], "b");
    const size_t n = size_t(s.tables) * s.comparisons;
    if (a.size() != n || b.size() != n) throw RangeError("a and b must each hold tables × comparisons = " + std::to_string(n) + " numbers");
    std::vector<uint32_t> ca(n), cb(n);
    for (uint32_t i = 0; i < s.tables; ++i) {
      for (uint32_t r = 0; r < s.comparisons; ++r) {
        const double va = a[i * s.comparisons + r], vb = b[i * s.comparisons + r];
        // The API's index (table-major); the core stores comparison-major, so its own check could not name it.
        const size_t k = size_t(i) * s.comparisons + r;
        if (!(va >= 0 && va < s.inputs && va == std::floor(va)) || !(vb >= 0 && vb < s.inputs && vb == std::floor(vb)) || va == vb) {
          throw RangeError("a[" + std::to_string(k) + "] and b[" + std::to_string(k) + "] must be two distinct integers in [0, " +
                           std::to_string(s.inputs - 1) + "] (got " + Shown(va) + " and " + Shown(vb) +
                           "); anchors must be distinct and in range");
        }
        ca[r * s.tables + i] = uint32_t(va);
        cb[r * s.tables + i] = uint32_t(vb);
      }
    }
    layer.lut().set_anchors(std::move(ca), std::move(cb));
    return 0;
  });
}

// timeForward(xs, batched, repeats) -> ns per input: the shipped kernel timed natively,
// without the cost of crossing into JavaScript per input (for bench/).
Napi::Value LutLayerWrap::TimeForward(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    LutLayer& layer = Live("timeForward");
    const float* xs;
    const uint32_t count = Inputs(info[0], "x", xs);
    const bool batched = info[1].ToBoolean().Value();
    const uint32_t repeats = uint32_t(ToInteger(info[2], "repeats", 1, 1u << 30));
    std::vector<float> ys(size_t(count) * layer.shape().outputs, 0.0f);
    const auto start = std::chrono::steady_clock::now();
    for (uint32_t k = 0; k < repeats; ++k) {
      if (batched) {
        layer.forward(xs, count, ys.data());
      } else {
        layer.forward_each(xs, count, ys.data());
      }
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    volatile float sink = ys[0];
    (void)sink;
    return Napi::Number::New(info.Env(), ns / (double(count) * repeats));
  });
}

Napi::Value LutLayerWrap::Shape(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    const LutShape& s = Live("shape").shape();
    auto out = Napi::Object::New(info.Env());
    out.Set("inputs", s.inputs);
    out.Set("outputs", s.outputs);
    out.Set("tables", s.tables);
    out.Set("comparisons", s.comparisons);
    return out;
  });
}

Napi::Value LutLayerWrap::Memory(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    const LutLayer& layer = Live("memory");
    auto out = Napi::Object::New(info.Env());
    out.Set("tableBytes", double(layer.lut().memory().bytes()));
    out.Set("mappedBytes", double(layer.lut().memory().mapped_bytes()));
    return out;
  });
}

Napi::Value LutLayerWrap::SimdName(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), simd_level_name(Live("simd").simd()));
  });
}

void LutLayerWrap::Close(const Napi::CallbackInfo& info) {
  layer_.reset();
  memory_.Report(info.Env(), 0);
}

Napi::Value LutLayerWrap::Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !layer_); }

}  // namespace polychron::addon
