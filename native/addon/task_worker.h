// An AsyncWorker for one-shot work on an object (evaluate, generate, save, load): runs a
// body on a worker thread while the owner is marked busy, then settles a promise with a
// value made on the JS thread. Core errors keep their JavaScript kind.
#pragma once
#include <napi.h>

#include <functional>

#include "addon/run_worker.h"
#include "core/errors.h"

namespace polychron::addon {

class TaskWorker : public Napi::AsyncWorker {
 public:
  using Body = std::function<void()>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  TaskWorker(Napi::Env env, Napi::Object owner, AsyncState& state, Body body, Result result)
      : Napi::AsyncWorker(env, "polychron.task"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(Napi::Persistent(owner)),
        state_(state),
        body_(std::move(body)),
        result_(std::move(result)) {
    state_.busy = true;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      body_();
    } catch (const RangeError& e) {
      kind_ = Kind::Range;
      SetError(e.what());
    } catch (const TypeError& e) {
      kind_ = Kind::Type;
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      kind_ = Kind::Range;
      SetError("polychron: not enough memory for this request");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    state_.busy = false;
    try {
      deferred_.Resolve(result_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& error) override {
    state_.busy = false;
    switch (kind_) {
      case Kind::Range: deferred_.Reject(Napi::RangeError::New(Env(), error.Message()).Value()); break;
      case Kind::Type: deferred_.Reject(Napi::TypeError::New(Env(), error.Message()).Value()); break;
      case Kind::Other: deferred_.Reject(error.Value()); break;
    }
  }

 private:
  enum class Kind { Other, Range, Type };
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  AsyncState& state_;
  Body body_;
  Result result_;
  Kind kind_ = Kind::Other;
};

}  // namespace polychron::addon
