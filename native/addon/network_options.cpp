#include "addon/network_options.h"

#include <string>

#include "addon/convert.h"
#include "core/errors.h"

namespace polychron::addon {

unsigned ToThreads(const Napi::Value& value) {
  if (value.IsUndefined() || (value.IsString() && value.As<Napi::String>().Utf8Value() == "auto")) return kAutoThreads;
  if (value.IsString()) throw TypeError("threads must be 'auto' or an integer in [1, " + std::to_string(kMaxThreads) + "]");
  return unsigned(ToInteger(value, "threads", 1, kMaxThreads));
}

bool ToEventDrivenNeurons(const Napi::Value& value) {
  if (value.IsUndefined()) return true;
  const std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : std::string();
  if (name == "auto") return true;
  if (name == "dense") return false;
  throw TypeError("neuronUpdates must be 'auto' or 'dense'" + (value.IsString() ? " (got '" + name + "')" : std::string()));
}

Stdp2006 ToStdp(const Napi::Value& value) {
  Stdp2006 s;  // the core's defaults, then the caller's constants
  if (value.IsUndefined()) return s;
  if (!value.IsObject()) throw TypeError("stdp must be an object");
  const auto o = value.As<Napi::Object>();
  for (auto [key, out] : {std::pair{"aPlus", &s.a_plus}, {"aMinus", &s.a_minus}, {"decayPlus", &s.decay_plus},
                          {"decayMinus", &s.decay_minus}, {"bias", &s.bias}, {"derivativeDecay", &s.derivative_decay},
                          {"wMin", &s.w_min}, {"wMax", &s.w_max}}) {
    ReadNumberOption(o, "stdp", key, *out);
  }
  const auto period = Option(o, "periodMs");
  if (!period.IsUndefined()) s.period_ms = uint32_t(ToInteger(period, "stdp.periodMs", 1, 1u << 30));
  return s;
}

std::vector<NeuronRange> ToRanges(const Napi::Value& value, const char* name) {
  if (!IsTypedArrayOf(value, napi_uint32_array) || value.As<Napi::Uint32Array>().ElementLength() % 2 != 0) {
    throw TypeError(std::string(name) + " must be a Uint32Array of (first, count) pairs");
  }
  const auto array = value.As<Napi::Uint32Array>();
  std::vector<NeuronRange> ranges;
  for (size_t k = 0; k < array.ElementLength(); k += 2) ranges.push_back({array[k], array[k + 1]});
  return ranges;
}

// number -> constant; { uniform: [lo, hi] } | { evenly: [lo, hi] }; array-like -> explicit.
ValueRule ToValueRule(const Napi::Value& value, const char* name) {
  ValueRule rule;
  if (value.IsNumber()) {
    rule.low = ToFiniteNumber(value, name);
    return rule;
  }
  if (value.IsObject() && !value.IsArray() && !value.IsTypedArray()) {
    const auto o = value.As<Napi::Object>();
    for (const char* kind : {"uniform", "evenly"}) {
      if (!o.Has(kind)) continue;
      const auto bounds = ToNumbers(o.Get(kind), std::string(name) + "." + kind);
      if (bounds.size() != 2 || !(bounds[0] <= bounds[1])) {
        throw RangeError(std::string(name) + "." + kind + " must be [low, high] with low <= high");
      }
      rule.kind = kind[0] == 'u' ? ValueRule::Kind::Uniform : ValueRule::Kind::Evenly;
      rule.low = bounds[0];
      rule.high = bounds[1];
      return rule;
    }
    throw TypeError(std::string(name) + " must be a number, { uniform: [low, high] }, { evenly: [low, high] } or an array");
  }
  rule.kind = ValueRule::Kind::Explicit;
  rule.values = ToNumbers(value, name);
  return rule;
}

ProjectionRule ToProjectionRule(const Napi::Value& value) {
  if (!value.IsObject()) throw TypeError("rule must be an object");
  const auto o = value.As<Napi::Object>();
  const std::string kind = ToString(Option(o, "kind"), "rule.kind");
  ProjectionRule rule;
  if (kind == "fixedOutDegree" || kind == "fixedInDegree") {
    rule.kind = kind == "fixedOutDegree" ? ProjectionRule::Kind::FixedOutDegree : ProjectionRule::Kind::FixedInDegree;
    rule.degree = uint32_t(ToInteger(Option(o, "degree"), "degree", 0, 1u << 24));
  } else if (kind == "probability") {
    rule.kind = ProjectionRule::Kind::Probability;
    rule.probability = ToNumber(Option(o, "probability"), "probability");
  } else if (kind == "oneToOne") {
    rule.kind = ProjectionRule::Kind::OneToOne;
  } else {
    throw TypeError("rule.kind must be 'fixedOutDegree', 'fixedInDegree', 'probability' or 'oneToOne' (got '" + kind + "')");
  }
  const auto self = Option(o, "allowSelf");
  rule.allow_self = !self.IsUndefined() && self.ToBoolean().Value();
  return rule;
}

const uint32_t* ToUint32s(const Napi::Value& value, const char* name, size_t& length) {
  if (!IsTypedArrayOf(value, napi_uint32_array)) throw TypeError(std::string(name) + " must be a Uint32Array");
  const auto array = value.As<Napi::Uint32Array>();
  length = array.ElementLength();
  return array.Data();
}

PlasticityRule ToPlasticityRule(const Napi::Value& value) {
  using Kind = PlasticityRule::Kind;
  if (value.IsBoolean() || value.IsUndefined()) {
    return plasticity_defaults(value.ToBoolean().Value() ? Kind::Stdp2006 : Kind::None);
  }
  if (!value.IsObject()) throw TypeError("plastic must be a boolean or a plasticity rule object");
  const auto o = value.As<Napi::Object>();
  const std::string kind = ToString(Option(o, "kind"), "plasticity.kind");
  if (kind != "stdp2006" && kind != "pair" && kind != "dopamine") {
    throw TypeError("plasticity.kind must be 'stdp2006', 'pair' or 'dopamine' (got '" + kind + "')");
  }
  PlasticityRule rule = plasticity_defaults(kind == "pair" ? Kind::Pair : kind == "dopamine" ? Kind::Dopamine : Kind::Stdp2006);
  for (auto [key, out] : {std::pair{"aPlus", &rule.a_plus}, {"aMinus", &rule.a_minus}, {"tauPlus", &rule.tau_plus},
                          {"tauMinus", &rule.tau_minus}, {"wMin", &rule.w_min}, {"wMax", &rule.w_max},
                          {"bias", &rule.bias}, {"eligibilityDecay", &rule.eligibility_decay}}) {
    ReadNumberOption(o, "plasticity", key, *out);
  }
  const auto period = Option(o, "periodMs");
  if (!period.IsUndefined()) rule.period_ms = uint32_t(ToInteger(period, "plasticity.periodMs", 1, 1u << 30));
  ReadFlagOption(o, "multiplicative", rule.multiplicative);
  ReadFlagOption(o, "nearest", rule.nearest);
  return rule;
}

namespace {

Napi::Object StdpObject(Napi::Env env, const Stdp2006& s) {
  auto o = Napi::Object::New(env);
  for (auto [key, value] : {std::pair{"aPlus", s.a_plus}, {"aMinus", s.a_minus}, {"decayPlus", s.decay_plus},
                            {"decayMinus", s.decay_minus}, {"bias", s.bias}, {"derivativeDecay", s.derivative_decay},
                            {"wMin", s.w_min}, {"wMax", s.w_max}, {"periodMs", double(s.period_ms)}}) {
    o.Set(key, value);
  }
  return o;
}

// The constants a rule of `kind` is read with (the 2006 rule has none of its own: it
// learns with the network's stdp).
Napi::Object RuleObject(Napi::Env env, PlasticityRule::Kind kind) {
  const PlasticityRule r = plasticity_defaults(kind);
  auto o = Napi::Object::New(env);
  o.Set("wMin", r.w_min);
  o.Set("wMax", r.w_max);
  if (kind == PlasticityRule::Kind::Pair) {
    for (auto [key, value] : {std::pair{"aPlus", r.a_plus}, {"aMinus", r.a_minus}, {"tauPlus", r.tau_plus}, {"tauMinus", r.tau_minus}}) {
      o.Set(key, value);
    }
    o.Set("multiplicative", r.multiplicative);
    o.Set("nearest", r.nearest);
  } else {
    o.Set("bias", r.bias);
    o.Set("periodMs", double(r.period_ms));
    o.Set("eligibilityDecay", r.eligibility_decay);
  }
  return o;
}

}  // namespace

Napi::Value NetworkDefaults(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  auto plasticity = Napi::Object::New(env);
  plasticity.Set("stdp2006", StdpObject(env, Stdp2006{}));
  plasticity.Set("pair", RuleObject(env, PlasticityRule::Kind::Pair));
  plasticity.Set("dopamine", RuleObject(env, PlasticityRule::Kind::Dopamine));
  const LifParameters lif;
  auto lif_object = Napi::Object::New(env);
  for (auto [key, values] : {std::pair{"tau", &lif.tau}, {"vRest", &lif.v_rest}, {"vReset", &lif.v_reset},
                             {"vThreshold", &lif.v_threshold}, {"resistance", &lif.resistance}, {"refractory", &lif.refractory}}) {
    lif_object.Set(key, values->front());
  }
  const ThalamicInput thalamic;
  auto thalamic_object = Napi::Object::New(env);
  thalamic_object.Set("perMs", double(thalamic.per_ms));
  thalamic_object.Set("current", double(thalamic.value));
  auto out = Napi::Object::New(env);
  out.Set("stdp", StdpObject(env, Stdp2006{}));
  out.Set("plasticity", plasticity);
  out.Set("lif", lif_object);
  out.Set("thalamic", thalamic_object);
  out.Set("delay", kDefaultDelayMs);
  return out;
}

}  // namespace polychron::addon
