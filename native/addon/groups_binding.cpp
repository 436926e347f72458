// Polychronous groups: NativeNetwork.findGroups (the search of core/groups/search.h on a
// snapshot of the network, on a worker thread), NativeNetwork.replayPattern (one
// noise-free replay, synchronous: it is bounded by its budget), and matchRaster (the
// raster query of core/groups/query.h, on a worker thread), and the search's defaults.
#include <string>
#include <vector>

#include "addon/async_work.h"
#include "addon/convert.h"
#include "addon/network_options.h"
#include "addon/network_wrap.h"
#include "core/groups/query.h"
#include "core/groups/search.h"

namespace polychron::addon {

namespace {

// Progress of a search: mothers done, and their total.
struct SearchProgress {
  uint32_t done, total;
};

class GroupsWorker : public AsyncWork<SearchProgress> {
 public:
  GroupsWorker(Napi::Env env, Napi::Object owner, AsyncState& state, PngNetwork network, PngOptions options,
               Napi::Function on_progress)
      : AsyncWork(env, "polychron.findGroups", owner, &state, "findPolychronousGroups()", on_progress),
        network_(std::move(network)),
        options_(options) {}

 private:
  void Work(const Progress& progress) override {
    groups_ = find_groups(network_, options_, [&](uint32_t done, uint32_t total) { progress.Send({done, total}); },
                          cancel_flag(), &stats_);
    aborted_ = cancelled();
  }

  std::vector<napi_value> Arguments(Napi::Env env, const SearchProgress& report) override {
    return {Napi::Number::New(env, report.done), Napi::Number::New(env, report.total)};
  }

  Napi::Value Result(Napi::Env env) override {
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
    result.Set("mothers", stats_.mothers);
    result.Set("replays", double(stats_.replays));
    return result;
  }

  PngNetwork network_;
  PngOptions options_;
  std::vector<PolychronousGroup> groups_;
  PngSearchStats stats_;
  bool aborted_ = false;
};

}  // namespace

namespace {

// The search options every entry point shares: anchors, strongFraction, maxWeight,
// minPath, latency, window, budget, mothers, threads.
PngOptions ReadSearchOptions(const Napi::Value& value) {
  if (!value.IsUndefined() && !value.IsObject()) throw TypeError("options must be an object");
  const auto o = value.IsUndefined() ? Napi::Object::New(value.Env()) : value.As<Napi::Object>();
  PngOptions options;
  ReadIntegerOption(o, PngOptions::kAnchors, options.anchors);
  ReadIntegerOption(o, PngOptions::kMinPath, options.min_path);
  ReadIntegerOption(o, PngOptions::kLatency, options.latency);
  ReadIntegerOption(o, PngOptions::kWindow, options.window);
  uint32_t threads = options.threads;
  ReadIntegerOption(o, PngOptions::kThreads, threads);
  options.threads = threads;
  const auto mothers = Option(o, "mothers");
  if (!mothers.IsUndefined()) {
    size_t count = 0;
    const uint32_t* data = ToUint32s(mothers, "mothers", count);
    options.mothers.assign(data, data + count);
  }
  const auto budget = Option(o, "budget");
  if (!budget.IsUndefined()) options.budget = parse_replay_budget(ToString(budget, "budget"));
  const auto fraction = Option(o, "strongFraction");
  if (!fraction.IsUndefined()) options.strong_fraction = ToFiniteNumber(fraction, "strongFraction");
  const auto max_weight = Option(o, "maxWeight");
  if (!max_weight.IsUndefined()) options.max_weight = ToFiniteNumber(max_weight, "maxWeight");
  check_search_options(options);
  return options;
}

class MatchWorker : public AsyncWork<NoEvent> {
 public:
  MatchWorker(Napi::Env env, GroupPatterns groups, std::vector<uint32_t> neurons, std::vector<double> times,
              uint32_t neuron_count, RasterQuery query)
      : AsyncWork(env, "polychron.matchRaster", Napi::Object(), nullptr, "matchRaster()"),
        groups_(std::move(groups)),
        neurons_(std::move(neurons)),
        times_(std::move(times)),
        neuron_count_(neuron_count),
        query_(query) {}

 private:
  void Work(const Progress&) override {
    found_ = match_raster(groups_, neurons_.data(), times_.data(), neurons_.size(), neuron_count_, query_, cancel_flag());
  }

  Napi::Value Result(Napi::Env env) override {
    const size_t n = found_.size();
    auto group = Napi::Uint32Array::New(env, n);
    auto matched = Napi::Uint32Array::New(env, n);
    auto onset = Napi::Float64Array::New(env, n);
    for (size_t k = 0; k < n; ++k) {
      group[k] = found_[k].group;
      matched[k] = found_[k].matched;
      onset[k] = found_[k].onset;
    }
    auto result = Napi::Object::New(env);
    result.Set("group", group);
    result.Set("matched", matched);
    result.Set("onset", onset);
    return result;
  }

  GroupPatterns groups_;
  std::vector<uint32_t> neurons_;
  std::vector<double> times_;
  uint32_t neuron_count_;
  RasterQuery query_;
  std::vector<GroupActivation> found_;
};

}  // namespace

// groupSearchDefaults() -> { anchors, strongFraction, maxWeight, minPath, budget, shuffle }:
// the core's defaults (latency, window and threads default to values derived at search
// time; `shuffle` is how the control is made when a shuffleSeed is given).
Napi::Value GroupSearchDefaults(const Napi::CallbackInfo& info) {
  const PngOptions defaults;
  auto out = Napi::Object::New(info.Env());
  out.Set("anchors", defaults.anchors);
  out.Set("strongFraction", defaults.strong_fraction);
  out.Set("maxWeight", defaults.max_weight);
  out.Set("minPath", defaults.min_path);
  out.Set("budget", replay_budget_name(defaults.budget));
  out.Set("shuffle", shuffle_kind_name(ShuffleKind::Weights));
  return out;
}

// findGroups({ anchors?, strongFraction?, maxWeight?, minPath?, latency?, window?, budget?, mothers?: Uint32Array, threads?,
//              shuffleSeed?, shuffle?: 'weights' | 'targets' }, onProgress?)
//   -> Promise<{ groups, aborted, mothers, replays }>
// With shuffleSeed, the search runs on a shuffled copy (`shuffle`, default 'weights');
// `shuffle` without shuffleSeed is a TypeError.
Napi::Value NetworkWrap::FindGroups(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("findGroups");
    const PngOptions options = ReadSearchOptions(info[0]);
    const auto o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
    const auto seed = Option(o, "shuffleSeed");
    const auto how = Option(o, "shuffle");
    ShuffleKind kind = ShuffleKind::Weights;
    if (!how.IsUndefined()) {
      kind = parse_shuffle_kind(ToString(how, "shuffle"));
      if (seed.IsUndefined()) throw TypeError("shuffle needs shuffleSeed (the shuffle's seed; the network is searched unshuffled without one)");
    }
    const uint64_t shuffle_seed = seed.IsUndefined() ? 0 : ToInteger(seed, kShuffleSeed);
    PngNetwork snapshot = png_network_of(network);
    if (!seed.IsUndefined()) snapshot = shuffled(snapshot, kind, shuffle_seed);
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

// replayPattern(neurons: Uint32Array, times: Uint32Array, options?) -> { neurons, times }
Napi::Value NetworkWrap::ReplayPattern(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("replayPattern");
    size_t count = 0, time_count = 0;
    const uint32_t* neurons = ToUint32s(info[0], "pattern.neurons", count);
    const uint32_t* times = ToUint32s(info[1], "pattern.times", time_count);
    if (count != time_count) {
      throw RangeError("pattern.neurons and pattern.times must have the same length (got " + std::to_string(count) +
                       " and " + std::to_string(time_count) + ")");
    }
    constexpr uint32_t kLongestPattern = 100000;  // ms
    std::vector<ForcedFiring> pattern(count);
    for (size_t k = 0; k < pattern.size(); ++k) {
      if (times[k] > kLongestPattern) {
        throw RangeError("pattern.times[" + std::to_string(k) + "] must be in [0, " + std::to_string(kLongestPattern) + "] ms (got " + std::to_string(times[k]) + ")");
      }
      pattern[k] = {neurons[k], times[k], 1};
    }
    const PngOptions options = ReadSearchOptions(info[2]);
    const std::vector<PngFiring> firings = replay_pattern(png_network_of(network), options, std::move(pattern));
    auto out_neurons = Napi::Uint32Array::New(info.Env(), firings.size());
    auto out_times = Napi::Uint32Array::New(info.Env(), firings.size());
    for (size_t k = 0; k < firings.size(); ++k) {
      out_neurons[k] = firings[k].neuron;
      out_times[k] = firings[k].time;
    }
    auto result = Napi::Object::New(info.Env());
    result.Set("neurons", out_neurons);
    result.Set("times", out_times);
    return result;
  });
}

// matchRaster(offsets: Uint32Array, neurons: Uint32Array, times: Float64Array,
//             rasterNeurons: Uint32Array, rasterTimes: Float64Array, neuronCount,
//             { jitter?, minFraction?, from?, to?, threads? }) -> Promise<{ group, matched, onset }>
Napi::Value MatchRaster(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    size_t offset_count = 0, firing_count = 0, spike_count = 0;
    const uint32_t* offsets = ToUint32s(info[0], "offsets", offset_count);
    const uint32_t* neurons = ToUint32s(info[1], "neurons", firing_count);
    GroupPatterns groups;
    groups.times = ToNumbers(info[2], "times");
    const uint32_t* raster_neurons = ToUint32s(info[3], "raster.neurons", spike_count);
    std::vector<double> raster_times = ToNumbers(info[4], "raster.times");
    const uint32_t neuron_count = uint32_t(ToInteger(info[5], "neuronCount", 1, 0xFFFFFFFFu));
    if (offset_count == 0 || offsets[0] != 0 || offsets[offset_count - 1] != firing_count || firing_count != groups.times.size()) {
      throw RangeError("offsets must start at 0 and end at the number of firings, and neurons and times must have equal lengths");
    }
    groups.offsets.assign(offsets, offsets + offset_count);
    for (size_t g = 1; g < groups.offsets.size(); ++g) {
      if (groups.offsets[g] < groups.offsets[g - 1]) throw RangeError("offsets must not decrease");
    }
    groups.neurons.assign(neurons, neurons + firing_count);
    if (spike_count != raster_times.size()) {
      throw RangeError("raster.neurons and raster.times must have the same length (got " + std::to_string(spike_count) +
                       " and " + std::to_string(raster_times.size()) + ")");
    }
    RasterQuery query;
    if (!info[6].IsUndefined()) {
      if (!info[6].IsObject()) throw TypeError("options must be an object");
      const auto o = info[6].As<Napi::Object>();
      ReadNumberOption(o, "options", "jitter", query.jitter);
      ReadNumberOption(o, "options", "minFraction", query.min_fraction);
      ReadNumberOption(o, "options", "from", query.from);
      ReadNumberOption(o, "options", "to", query.to);
      const auto threads = Option(o, "threads");
      if (!threads.IsUndefined()) query.threads = unsigned(ToInteger(threads, "threads", 1, 256));
    }
    auto* worker = new MatchWorker(info.Env(), std::move(groups), std::vector<uint32_t>(raster_neurons, raster_neurons + spike_count),
                                   std::move(raster_times), neuron_count, query);
    worker->Queue();
    return worker->Promise();
  });
}

// shuffleExcitatoryWeights(seed): the weight shuffle of the control, in place (weights and
// STDP derivatives; core/groups/search.h).
void NetworkWrap::ShuffleExcitatoryWeights(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("shuffleExcitatoryWeights");
    const uint64_t seed = ToInteger(info[0], kWeightShuffleSeed);
    EnsureBuilt(info.Env());
    shuffle_excitatory_weights(network, seed);
    return 0;
  });
}

}  // namespace polychron::addon
