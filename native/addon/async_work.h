// The addon's one worker class and the busy state of the objects that run it.
//
// The policy, the same for every async method:
// - While a work runs, its owner is busy with a named operation ("run()", "save()", …) and
//   refuses every other call with a StateError that names it. A facade operation made of
//   several native calls (a chunked run) holds a lease for its whole length.
// - Progress events reach the callback on the JS thread; a callback that throws cancels
//   the work and the promise rejects with what it threw.
// - A core exception rejects with its JavaScript kind (WorkerError).
// - When the environment ends, the work is cancelled and no callback touches JavaScript
//   (see environment.h): a heartbeat reaches the JS thread every 50 ms while it runs.
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "addon/environment.h"
#include "addon/worker_error.h"
#include "core/errors.h"

namespace polychron::addon {

// The longest run() accepted, in steps or ms (exact in a double; beyond any real use).
constexpr uint64_t kMaxRunUnits = uint64_t(1) << 48;

// What an object that runs async work keeps. JS thread only, but for `cancel`, which its
// worker thread polls.
struct AsyncState {
  std::atomic<bool> cancel{false};
  const char* operation = nullptr;  // the native work in flight ("run()"), or null
  uint32_t lease = 0;               // the lease held by a facade operation, or 0
  const char* leased_operation = nullptr;
  uint32_t last_lease = 0;

  bool busy() const { return operation != nullptr || lease != 0; }

  // Throws "Object.method(): a run() is in progress; await it (or abort it) first" unless
  // no work runs and no lease is held, or the lease is `held` (the facade's own calls).
  void RequireIdle(const char* object, const char* method, uint32_t held = 0) const {
    const char* what = operation != nullptr ? operation : (lease != 0 && lease != held ? leased_operation : nullptr);
    if (what == nullptr) return;
    throw StateError(std::string(object) + "." + method + "(): a " + what +
                     " is in progress; await it (or abort it) first");
  }

  // A lease for a facade operation `what`; the caller has checked RequireIdle.
  uint32_t Hold(const char* what) {
    if (++last_lease == 0) ++last_lease;  // 0 means "no lease"
    lease = last_lease;
    leased_operation = what;
    return lease;
  }
  // Stops the native work in flight at its next safe point (a no-op when none runs).
  void Cancel() {
    if (operation != nullptr) cancel = true;
  }
  void Release(uint32_t id) {
    if (id != 0 && id == lease) {
      lease = 0;
      leased_operation = nullptr;
    }
  }
};

struct NoEvent {};

// What reaches the JS thread: a progress event, or a heartbeat (sent every 50 ms while
// the work runs, whatever the work does, so that an ended environment is noticed).
template <typename Event>
struct Report {
  bool heartbeat;
  Event event;
};

// The promise of a work, made before anything else of it (a base listed first): making it
// is the one step of a work's construction that fails once the environment is ending
// (worker.terminate()), and it must fail before the worker base creates its thread-safe
// function, whose finalizer would otherwise later reach the freed worker.
struct PromiseFirst {
  explicit PromiseFirst(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise::Deferred deferred_;
};

template <typename Event>
class AsyncWork : private PromiseFirst, public Napi::AsyncProgressQueueWorker<Report<Event>> {
  using Base = Napi::AsyncProgressQueueWorker<Report<Event>>;

 public:
  // What Work() reports progress through (thread-safe).
  class Progress {
   public:
    explicit Progress(const typename Base::ExecutionProgress& progress) : progress_(progress) {}
    void Send(const Event& event) const {
      const Report<Event> report{false, event};
      progress_.Send(&report, 1);
    }

   private:
    const typename Base::ExecutionProgress& progress_;
  };

  static constexpr std::chrono::milliseconds kHeartbeat{50};

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  // `owner` and `state` may be empty and null for work that belongs to no object (a load,
  // a raster query). `operation` names the work in busy errors. `on_progress` may be empty.
  AsyncWork(Napi::Env env, const char* name, Napi::Object owner, AsyncState* state, const char* operation,
            Napi::Function on_progress = Napi::Function())
      : PromiseFirst(env),
        Base(env, name),
        state_(state),
        cancel_(state != nullptr ? &state->cancel : &own_cancel_),
        environment_(Environment::Of(env).work) {
    if (!owner.IsEmpty()) owner_ = Napi::Persistent(owner);
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
    if (state_ != nullptr) state_->operation = operation;
    cancel_->store(false);
    environment_->Add(cancel_);
  }

  // Worker thread: the work itself. Throwing rejects the promise (WorkerError).
  virtual void Work(const Progress& progress) = 0;
  // JS thread: the callback's arguments for one event.
  virtual std::vector<napi_value> Arguments(Napi::Env, const Event&) { return {}; }
  // JS thread: the value the promise resolves with.
  virtual Napi::Value Result(Napi::Env env) = 0;

  bool cancelled() const { return cancel_->load(std::memory_order_relaxed); }
  const std::atomic<bool>* cancel_flag() const { return cancel_; }

 private:
  void Execute(const typename Base::ExecutionProgress& progress) final {
    std::mutex mutex;
    std::condition_variable wake;
    bool done = false;
    std::thread heartbeat([&] {
      std::unique_lock<std::mutex> lock(mutex);
      while (!wake.wait_for(lock, kHeartbeat, [&] { return done; })) {
        const Report<Event> beat{true, Event{}};
        progress.Send(&beat, 1);
      }
    });
    if (auto message = error_.Catch([&] { Work(Progress(progress)); })) this->SetError(*message);
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    wake.notify_one();
    heartbeat.join();
  }

  // Every JS-thread callback below goes through OnJsThread: the environment can end at
  // any moment (worker.terminate() between two of these calls, or during one), after which
  // every N-API call fails and node-addon-api throws Napi::Error. No exception may leave a
  // callback (libuv and the thread-safe function call them from C: std::terminate), so
  // one thrown once JavaScript cannot run is dropped, and the work is cancelled.
  template <typename Body>
  void OnJsThread(Body body) {
    if (!environment_->JavaScriptRuns()) return;
    try {
      body();
    } catch (const Napi::Error&) {
      if (environment_->JavaScriptRuns()) throw;  // a live environment's error is a real one
    }
  }

  void OnProgress(const Report<Event>* reports, size_t count) final {
    // Heartbeats come here too: asking whether JavaScript runs (in OnJsThread) is what
    // notices a terminated worker and cancels its work, callback or none.
    OnJsThread([&] {
      if (on_progress_.IsEmpty() || !callback_error_.IsEmpty()) return;
      Napi::Env env = this->Env();
      for (size_t k = 0; k < count; ++k) {
        if (reports[k].heartbeat) continue;
        Napi::HandleScope scope(env);
        const std::vector<napi_value> arguments = Arguments(env, reports[k].event);
        try {
          on_progress_.Call(arguments);
        } catch (const Napi::Error& e) {
          if (!environment_->JavaScriptRuns()) return;
          callback_error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
          cancel_->store(true);
          return;
        }
      }
    });
  }

  void OnOK() final {
    Finish();
    OnJsThread([&] {
      if (!callback_error_.IsEmpty()) {
        deferred_.Reject(callback_error_.Value());
        return;
      }
      Napi::Value result;
      try {
        result = Result(this->Env());
      } catch (const Napi::Error& e) {
        if (!environment_->JavaScriptRuns()) return;
        deferred_.Reject(e.Value());
        return;
      }
      deferred_.Resolve(result);
    });
  }

  void OnError(const Napi::Error& error) final {
    Finish();
    OnJsThread([&] {
      deferred_.Reject(callback_error_.IsEmpty() ? error_.ToJs(this->Env(), error) : callback_error_.Value());
    });
  }

  void Finish() {
    environment_->Remove(cancel_);
    if (state_ != nullptr) {
      state_->operation = nullptr;
      state_->cancel = false;
    }
  }

  Napi::ObjectReference owner_;  // keeps the owner (and so *state_) alive until the end
  AsyncState* state_;
  std::atomic<bool> own_cancel_{false};
  std::atomic<bool>* cancel_;
  std::shared_ptr<EnvironmentWork> environment_;
  Napi::FunctionReference on_progress_;
  Napi::Reference<Napi::Value> callback_error_;
  WorkerError error_;
};

// One-shot work with no progress (save, load, generate, …): a body on the worker thread,
// then a result made on the JS thread. A body that can stop early asks keep_going(),
// which is false once the work is cancelled.
class TaskWorker : public AsyncWork<NoEvent> {
 public:
  using KeepGoing = std::function<bool()>;
  using Body = std::function<void(const KeepGoing& keep_going)>;
  using MakeResult = std::function<Napi::Value(Napi::Env)>;

  // Queues `body` and returns the promise of its result (undefined when `result` is empty).
  static Napi::Promise Start(Napi::Env env, Napi::Object owner, AsyncState* state, const char* operation, Body body,
                             MakeResult result = MakeResult()) {
    auto* worker = new TaskWorker(env, owner, state, operation, std::move(body), std::move(result));
    worker->Queue();
    return worker->Promise();
  }

 private:
  TaskWorker(Napi::Env env, Napi::Object owner, AsyncState* state, const char* operation, Body body, MakeResult result)
      : AsyncWork(env, "polychron.task", owner, state, operation), body_(std::move(body)), result_(std::move(result)) {}

  void Work(const Progress&) override {
    body_([this] { return !cancelled(); });
  }
  Napi::Value Result(Napi::Env env) override { return result_ ? result_(env) : env.Undefined(); }

  Body body_;
  MakeResult result_;
};

}  // namespace polychron::addon
