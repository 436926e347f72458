// An AsyncWorker for one-shot work on an object (evaluate, generate, save, load): runs a
// body on a worker thread while the owner is marked busy, then settles a promise with a
// value made on the JS thread. Core errors keep their JavaScript kind.
#pragma once
#include <napi.h>

#include <functional>

#include "addon/run_worker.h"
#include "addon/worker_error.h"

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
    if (auto message = error_.Catch(body_)) SetError(*message);
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
    deferred_.Reject(error_.ToJs(Env(), error));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  AsyncState& state_;
  Body body_;
  Result result_;
  WorkerError error_;
};

}  // namespace polychron::addon
