// What the addon keeps per Node.js environment (the main thread and each worker thread):
// the constructors it needs again, and the registry of async work in flight, so that all
// of it is cancelled when the environment ends.
//
// Why not an environment cleanup hook: Node runs those only after every pending async
// work has completed, so a hook cannot stop a long run() — `worker.terminate()` would wait
// for it. Two signals come earlier and are used instead:
// - the process's 'exit' event (process.exit(), an uncaught exception, an unhandled
//   rejection, the end of the event loop), on the main thread and in workers;
// - a JS-thread callback of a work (a progress event, the completion) that finds that
//   JavaScript can no longer run: Node keeps turning the event loop while it waits for the
//   work, so a terminated worker's progress events still arrive and reveal the ending.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <vector>

namespace polychron::addon {

class EnvironmentWork {
 public:
  explicit EnvironmentWork(Napi::Env env);

  // JS thread: a work starts or ends; `cancel` is the flag its worker thread polls.
  void Add(std::atomic<bool>* cancel);
  void Remove(std::atomic<bool>* cancel);

  // JS thread: true while JavaScript can run in this environment. The first time it
  // cannot, every work in flight is cancelled and this stays false.
  bool JavaScriptRuns();

  // Cancels every work in flight, for good (the environment is ending).
  void End();

 private:
  napi_env env_;
  Napi::FunctionReference probe_;  // a native no-op: calling it tells whether JS can run
  std::vector<std::atomic<bool>*> active_;
  bool ended_ = false;
};

struct Environment {
  std::shared_ptr<EnvironmentWork> work;
  Napi::FunctionReference network_constructor;
  Napi::FunctionReference lut_classifier_constructor;

  // Made once, when the module is loaded into `env`.
  static void Install(Napi::Env env);
  static Environment& Of(Napi::Env env) { return *env.GetInstanceData<Environment>(); }
};

}  // namespace polychron::addon
