#include "addon/environment.h"

#include <algorithm>

namespace polychron::addon {

EnvironmentWork::EnvironmentWork(Napi::Env env) : env_(env) {
  probe_ = Napi::Persistent(Napi::Function::New(env, [](const Napi::CallbackInfo&) {}, "polychronProbe"));
}

void EnvironmentWork::Add(std::atomic<bool>* cancel) {
  if (ended_) cancel->store(true);
  active_.push_back(cancel);
}

void EnvironmentWork::Remove(std::atomic<bool>* cancel) {
  active_.erase(std::remove(active_.begin(), active_.end(), cancel), active_.end());
}

bool EnvironmentWork::JavaScriptRuns() {
  if (ended_) return false;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) {
    End();
    return false;
  }
  napi_value probe = nullptr, undefined = nullptr, result = nullptr;
  const bool runs = napi_get_reference_value(env_, probe_.operator napi_ref(), &probe) == napi_ok && probe != nullptr &&
                    napi_get_undefined(env_, &undefined) == napi_ok &&
                    napi_call_function(env_, undefined, probe, 0, nullptr, &result) == napi_ok;
  napi_close_handle_scope(env_, scope);
  if (!runs) End();
  return runs;
}

void EnvironmentWork::End() {
  ended_ = true;
  for (std::atomic<bool>* cancel : active_) cancel->store(true);
}

void Environment::Install(Napi::Env env) {
  auto* data = new Environment{std::make_shared<EnvironmentWork>(env), {}};
  env.SetInstanceData(data);
  // On exit the process joins the thread pool's threads, so in-flight work must stop first.
  auto process = env.Global().Get("process");
  if (process.IsObject()) {
    auto on = process.As<Napi::Object>().Get("on");
    if (on.IsFunction()) {
      std::shared_ptr<EnvironmentWork> work = data->work;
      auto listener = Napi::Function::New(env, [work](const Napi::CallbackInfo&) { work->End(); }, "polychronCancelOnExit");
      on.As<Napi::Function>().Call(process, {Napi::String::New(env, "exit"), listener});
    }
  }
}

}  // namespace polychron::addon
