// Module entry: process-wide functions and the exported classes.
#include <napi.h>

#include "addon/convert.h"
#include "addon/environment.h"
#include "addon/language_model_wrap.h"
#include "addon/dense_model_wrap.h"
#include "addon/lut_circuit_binding.h"
#include "addon/lut_classifier_wrap.h"
#include "addon/lut_layer_wrap.h"
#include "addon/network_options.h"
#include "addon/network_wrap.h"
#include "addon/population_wrap.h"
#include "core/kernels/cpu.h"
#include "core/kernels/trace_decay.h"

namespace polychron::addon {

namespace {

// simd() -> 'scalar' | 'avx2' | 'avx512' | 'neon': the level in use (POLYCHRON_SIMD or the best).
Napi::Value Simd(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), simd_level_name(active_simd_level()));
  });
}

// supportedSimdLevels() -> the levels this CPU runs, lowest first.
Napi::Value SupportedSimdLevels(const Napi::CallbackInfo& info) {
  auto levels = Napi::Array::New(info.Env());
  for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (cpu_supports(level)) levels.Set(levels.Length(), simd_level_name(level));
  }
  return levels;
}

// _traceDecay(input: Float32Array, factor, simd) -> Float32Array: the STDP trace decay
// kernel of one level on its own, so that tests can compare the twins on any input.
Napi::Value TraceDecay(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!IsTypedArrayOf(info[0], napi_float32_array)) throw TypeError("input must be a Float32Array");
    const auto input = info[0].As<Napi::Float32Array>();
    const double factor = ToNumber(info[1], "factor");
    const SimdLevel level = parse_simd_level(ToString(info[2], "simd"), "simd");
    require_simd_level(level, "simd");
    auto output = Napi::Float32Array::New(info.Env(), input.ElementLength());
    trace_decay_kernel(level)(input.Data(), output.Data(), factor, uint32_t(input.ElementLength()));
    return output;
  });
}

Napi::Value CpuModel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), cpu_model_name());
}

}  // namespace

Napi::Value MatchRaster(const Napi::CallbackInfo& info);          // groups_binding.cpp
Napi::Value GroupSearchDefaults(const Napi::CallbackInfo& info);  // groups_binding.cpp

}  // namespace polychron::addon

// NODE_API_MODULE pastes the function's name into an identifier, so it must be unqualified.
static Napi::Object InitPolychron(Napi::Env env, Napi::Object exports) {
  using namespace polychron::addon;
  Environment::Install(env);
  exports.Set("simd", Napi::Function::New<Simd>(env, "simd"));
  exports.Set("supportedSimdLevels", Napi::Function::New<SupportedSimdLevels>(env, "supportedSimdLevels"));
  exports.Set("cpuModel", Napi::Function::New<CpuModel>(env, "cpuModel"));
  exports.Set("_traceDecay", Napi::Function::New<TraceDecay>(env, "_traceDecay"));
  exports.Set("NativeIzhikevichPopulation", PopulationWrap::Define(env));
  exports.Set("NativeNetwork", NetworkWrap::Define(env));
  exports.Set("NativeLutLayer", LutLayerWrap::Define(env));
  exports.Set("NativeLanguageModel", LanguageModelWrap::Define(env));
  exports.Set("NativeLutClassifier", LutClassifierWrap::Define(env));
  exports.Set("NativeDenseModel", DenseModelWrap::Define(env));
  exports.Set("lutClassifierDefaults", Napi::Function::New<LutClassifierDefaults>(env, "lutClassifierDefaults"));
  exports.Set("lutCircuitTrain", Napi::Function::New<LutCircuitTrain>(env, "lutCircuitTrain"));
  exports.Set("lmDefaults", Napi::Function::New<LmDefaults>(env, "lmDefaults"));
  exports.Set("lmLearningRate", Napi::Function::New<LmLearningRate>(env, "lmLearningRate"));
  exports.Set("groupSearchDefaults", Napi::Function::New<GroupSearchDefaults>(env, "groupSearchDefaults"));
  exports.Set("networkDefaults", Napi::Function::New<NetworkDefaults>(env, "networkDefaults"));
  exports.Set("matchRaster", Napi::Function::New<MatchRaster>(env, "matchRaster"));
  return exports;
}

NODE_API_MODULE(polychron, InitPolychron)
