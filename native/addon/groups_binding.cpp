// NativeNetwork.findGroups(options, onProgress): the polychronous-group search of
// core/polychronous.h on a snapshot of the network, on a worker thread.
#include <memory>
#include <string>
#include <vector>

#include "addon/convert.h"
#include "addon/network_wrap.h"
#include "core/polychronous.h"

namespace polychron::addon {

namespace {

class GroupsWorker : public Napi::AsyncProgressWorker<uint32_t> {
 public:
  GroupsWorker(Napi::Env env, Napi::Object owner, AsyncState& state, PngNetwork network, PngOptions options,
               Napi::Function on_progress)
      : Napi::AsyncProgressWorker<uint32_t>(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(Napi::Persistent(owner)),
        state_(state),
        network_(std::move(network)),
        options_(options) {
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
    state_.busy = true;
    state_.cancel = false;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    try {
      groups_ = find_groups(network_, options_, [&](uint32_t done, uint32_t total) {
        uint32_t report[2] = {done, total};
        progress.Send(report, 2);
      }, &state_.cancel);
      aborted_ = state_.cancel;
    } catch (const RangeError& e) {
      range_ = true;
      SetError(e.what());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnProgress(const uint32_t* report, size_t count) override {
    if (on_progress_.IsEmpty() || count < 2 || state_.cancel) return;
    try {
      on_progress_.Call({Napi::Number::New(Env(), report[0]), Napi::Number::New(Env(), report[1])});
    } catch (const Napi::Error&) {
      state_.cancel = true;
    }
  }

  void OnOK() override {
    state_.busy = false;
    Napi::Env env = Env();
    auto list = Napi::Array::New(env, groups_.size());
    for (size_t g = 0; g < groups_.size(); ++g) {
      const PolychronousGroup& group = groups_[g];
      auto out = Napi::Object::New(env);
      out.Set("mother", group.mother);
      out.Set("anchors", ToTypedArray<uint32_t, Napi::Uint32Array>(env, group.anchors));
      std::vector<uint32_t> neurons, times, layers;
      for (const PngFiring& f : group.firings) {
        neurons.push_back(f.neuron);
        times.push_back(f.time);
        layers.push_back(f.layer);
      }
      out.Set("neurons", ToTypedArray<uint32_t, Napi::Uint32Array>(env, neurons));
      out.Set("times", ToTypedArray<uint32_t, Napi::Uint32Array>(env, times));
      out.Set("layers", ToTypedArray<uint32_t, Napi::Uint32Array>(env, layers));
      std::vector<uint32_t> links;
      for (const PngLink& l : group.links) links.insert(links.end(), {l.pre, l.post, l.delay, l.layer});
      out.Set("links", ToTypedArray<uint32_t, Napi::Uint32Array>(env, links));
      out.Set("span", group.span);
      out.Set("longestPath", group.longest_path);
      list.Set(uint32_t(g), out);
    }
    auto result = Napi::Object::New(env);
    result.Set("groups", list);
    result.Set("aborted", aborted_);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    state_.busy = false;
    deferred_.Reject(range_ ? Napi::RangeError::New(Env(), error.Message()).Value() : error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  AsyncState& state_;
  PngNetwork network_;
  PngOptions options_;
  Napi::FunctionReference on_progress_;
  std::vector<PolychronousGroup> groups_;
  bool aborted_ = false, range_ = false;
};

}  // namespace

// findGroups({ anchors?, strongFraction?, maxWeight?, minPath?, latency?, threads?, shuffleSeed? }, onProgress?)
Napi::Value NetworkWrap::FindGroups(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("findGroups");
    const auto o = info[0].IsUndefined() ? Napi::Object::New(info.Env()) : info[0].As<Napi::Object>();
    if (!info[0].IsUndefined() && !info[0].IsObject()) throw TypeError("options must be an object");
    PngOptions options;
    auto integer = [&](const char* key, uint32_t& field, uint64_t lo, uint64_t hi) {
      const auto value = Option(o, key);
      if (!value.IsUndefined()) field = uint32_t(ToInteger(value, key, lo, hi));
    };
    integer("anchors", options.anchors, 2, 8);
    integer("minPath", options.min_path, 1, 1000);
    integer("latency", options.latency, 1, 255);
    integer("window", options.window, 1, 100000);
    uint32_t threads = 1;
    integer("threads", threads, 1, 256);
    options.threads = threads;
    const auto fraction = Option(o, "strongFraction");
    if (!fraction.IsUndefined()) {
      options.strong_fraction = ToFiniteNumber(fraction, "strongFraction");
      if (!(options.strong_fraction > 0 && options.strong_fraction <= 1)) throw RangeError("strongFraction must be in (0, 1]");
    }
    const auto max_weight = Option(o, "maxWeight");
    if (!max_weight.IsUndefined()) {
      options.max_weight = ToFiniteNumber(max_weight, "maxWeight");
      if (!(options.max_weight > 0)) throw RangeError("maxWeight must be a number > 0");
    }
    PngNetwork snapshot = png_network_of(network);
    const auto shuffle = Option(o, "shuffleSeed");
    if (!shuffle.IsUndefined()) snapshot = shuffle_targets(snapshot, ToInteger(shuffle, "shuffleSeed", 0, uint64_t(1) << 53));
    Napi::Function on_progress;
    if (!info[1].IsUndefined()) {
      if (!info[1].IsFunction()) throw TypeError("onProgress must be a function");
      on_progress = info[1].As<Napi::Function>();
    }
    auto* worker = new GroupsWorker(info.Env(), Value(), async_, std::move(snapshot), options, on_progress);
    worker->Queue();
    return worker->Promise();
  });
}

}  // namespace polychron::addon
