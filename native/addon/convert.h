// Argument checking and error translation shared by every binding. Each check names
// the parameter and its allowed range, so the JavaScript error is self-explanatory.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/aligned_array.h"
#include "core/errors.h"
#include "core/kernels/cpu.h"
#include "core/option_range.h"

namespace polychron::addon {

// Runs `body`, turning core exceptions into the JavaScript error of the same kind.
template <typename F>
auto Guarded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const TypeError& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const RangeError& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "polychron: not enough memory for this request");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

inline bool IsTypedArrayOf(const Napi::Value& value, napi_typedarray_type type) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == type;
}

inline double ToNumber(const Napi::Value& value, const std::string& name) {
  if (!value.IsNumber()) throw TypeError(name + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

inline double ToFiniteNumber(const Napi::Value& value, const std::string& name) {
  const double x = ToNumber(value, name);
  if (!std::isfinite(x)) throw RangeError(name + " must be a finite number (got " + std::to_string(x) + ")");
  return x;
}

// An integer in [min, max] (both at most 2^53, so exactly representable).
inline uint64_t ToInteger(const Napi::Value& value, const std::string& name, uint64_t min, uint64_t max) {
  const double x = ToNumber(value, name);
  if (!(x >= double(min) && x <= double(max)) || std::floor(x) != x) {
    throw RangeError(name + " must be an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "] (got " + value.ToString().Utf8Value() + ")");
  }
  return static_cast<uint64_t>(x);
}

// An integer in a range the core defines (core/option_range.h).
inline uint64_t ToInteger(const Napi::Value& value, const IntegerRange& range) {
  return ToInteger(value, range.name, range.min, range.max);
}

inline std::string ToString(const Napi::Value& value, const std::string& name) {
  if (!value.IsString()) throw TypeError(name + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

// A number, or an array-like of numbers (Array, Float64Array or Float32Array), as doubles.
inline std::vector<double> ToNumbers(const Napi::Value& value, const std::string& name) {
  if (value.IsNumber()) return {value.As<Napi::Number>().DoubleValue()};
  if (IsTypedArrayOf(value, napi_float64_array)) {
    auto array = value.As<Napi::Float64Array>();
    return std::vector<double>(array.Data(), array.Data() + array.ElementLength());
  }
  if (IsTypedArrayOf(value, napi_float32_array)) {
    auto array = value.As<Napi::Float32Array>();
    return std::vector<double>(array.Data(), array.Data() + array.ElementLength());
  }
  if (value.IsArray()) {
    auto array = value.As<Napi::Array>();
    std::vector<double> out(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      out[i] = ToNumber(array.Get(i), name + "[" + std::to_string(i) + "]");
    }
    return out;
  }
  throw TypeError(name + " must be a number, an Array of numbers, a Float64Array or a Float32Array");
}

// options[key], or undefined when absent.
inline Napi::Value Option(const Napi::Object& options, const char* key) {
  return options.Has(key) ? options.Get(key) : options.Env().Undefined();
}

// Reads options[key] into `out` when present (a number, named `prefix.key` in errors).
inline void ReadNumberOption(const Napi::Object& options, const char* prefix, const char* key, double& out) {
  const auto x = Option(options, key);
  if (!x.IsUndefined()) out = ToNumber(x, std::string(prefix) + "." + key);
}

// Reads options[range.name] into `out` when present: an integer within the core's range.
inline void ReadIntegerOption(const Napi::Object& options, const IntegerRange& range, uint32_t& out) {
  const auto x = Option(options, range.name);
  if (!x.IsUndefined()) out = uint32_t(ToInteger(x, range));
}

// Reads options[key] into `out` when present (any value, taken as a boolean).
inline void ReadFlagOption(const Napi::Object& options, const char* key, bool& out) {
  const auto x = Option(options, key);
  if (!x.IsUndefined()) out = x.ToBoolean().Value();
}

// info[k] as an options object: an empty one when undefined, TypeError for a non-object.
inline Napi::Object OptionsObject(const Napi::CallbackInfo& info, size_t k) {
  if (info[k].IsUndefined()) return Napi::Object::New(info.Env());
  if (!info[k].IsObject()) throw TypeError("options must be an object");
  return info[k].As<Napi::Object>();
}

// options.simd: a level name the CPU supports (default: the process level).
inline SimdLevel ReadSimdOption(const Napi::Object& options) {
  const auto simd = Option(options, "simd");
  const SimdLevel level = simd.IsUndefined() ? active_simd_level() : parse_simd_level(ToString(simd, "simd"), "simd");
  require_simd_level(level, "simd");
  return level;
}

// options.memoryLimit in bytes, or `fallback` (the core's default).
inline uint64_t ReadMemoryLimitOption(const Napi::Object& options, uint64_t fallback) {
  const auto limit = Option(options, "memoryLimit");
  return limit.IsUndefined() ? fallback : ToInteger(limit, "memoryLimit", 0, uint64_t(1) << 53);
}

// save()'s options.precision: false for 'float32' (the default), true for 'float16'.
inline bool ReadHalfPrecisionOption(const Napi::Object& options) {
  const auto precision = Option(options, "precision");
  if (precision.IsUndefined()) return false;
  const std::string name = ToString(precision, "precision");
  if (name != "float32" && name != "float16") throw TypeError("precision must be 'float32' or 'float16' (got '" + name + "')");
  return name == "float16";
}

// A Float32Array over `storage` without copying. The ArrayBuffer holds its own
// reference, so the view stays valid after its owner is closed or collected; the memory
// goes when the last holder does.
inline Napi::Float32Array ViewOf(Napi::Env env, const std::shared_ptr<AlignedArray<float>>& storage) {
  using Holder = std::shared_ptr<AlignedArray<float>>;
  auto* holder = new Holder(storage);
  auto buffer = Napi::ArrayBuffer::New(
      env, storage->data(), storage->bytes(), [](Napi::Env, void*, Holder* h) { delete h; }, holder);
  return Napi::Float32Array::New(env, storage->size(), buffer, 0);
}

// Copies a vector into a new typed array that owns its memory outright.
template <typename T, typename TypedArray>
TypedArray ToTypedArray(Napi::Env env, const std::vector<T>& values) {
  auto out = TypedArray::New(env, values.size());
  if (!values.empty()) std::copy(values.begin(), values.end(), out.Data());
  return out;
}

}  // namespace polychron::addon
