// The JavaScript error a core exception becomes when it is thrown on a worker thread:
// RangeError and TypeError keep their kind, running out of memory is a RangeError that
// says so, anything else is a plain Error. Shared by every AsyncWorker of the addon.
#pragma once
#include <napi.h>

#include <new>
#include <optional>
#include <string>

#include "core/errors.h"

namespace polychron::addon {

class WorkerError {
 public:
  // Runs `body` (on the worker thread); returns the message of what it threw, if it did.
  template <typename Body>
  std::optional<std::string> Catch(Body&& body) {
    try {
      body();
      return std::nullopt;
    } catch (const RangeError& e) {
      kind_ = Kind::Range;
      return e.what();
    } catch (const TypeError& e) {
      kind_ = Kind::Type;
      return e.what();
    } catch (const std::bad_alloc&) {
      kind_ = Kind::Range;
      return "polychron: not enough memory for this request";
    } catch (const std::exception& e) {
      kind_ = Kind::Other;
      return e.what();
    }
  }

  // On the JS thread: the error to reject with, from the one SetError made.
  Napi::Value ToJs(Napi::Env env, const Napi::Error& error) const {
    switch (kind_) {
      case Kind::Range: return Napi::RangeError::New(env, error.Message()).Value();
      case Kind::Type: return Napi::TypeError::New(env, error.Message()).Value();
      case Kind::Other: break;
    }
    return error.Value();
  }

 private:
  enum class Kind { Other, Range, Type };
  Kind kind_ = Kind::Other;
};

}  // namespace polychron::addon
