#include "core/groups/search.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "core/errors.h"
#include "core/kernels/izhikevich.h"
#include "core/random.h"
#include "core/spiking/network.h"
#include "core/thread_pool.h"

namespace polychron {

PngNetwork png_network_of(Network& network) {
  network.build();
  if (network.has_lif()) throw RangeError("polychron: polychronous groups need a network of Izhikevich neurons only");
  PngNetwork out;
  const uint32_t n = network.neurons();
  out.neurons = n;
  out.simd = network.options().simd;
  // Spike sources have no parameters: they take no input, so in a replay they fire only
  // when forced, and any resting neuron stands in for them; a regular-spiking one does.
  std::vector<double>* parameters[4] = {&out.a, &out.b, &out.c, &out.d};
  const double regular_spiking[4] = {0.02, 0.2, -65, 8};
  for (int k = 0; k < 4; ++k) parameters[k]->assign(n, regular_spiking[k]);
  for (const IzhikevichSegment& segment : network.neuron_store().izhikevich_segments()) {
    for (uint32_t i = 0; i < segment.range.count; ++i) {
      for (int k = 0; k < 4; ++k) (*parameters[k])[segment.range.first + i] = segment.parameter(k, i);
    }
  }
  const SynapseStore& store = network.synapses();
  out.max_delay = std::max<uint32_t>(1, store.max_delay());
  out.excitatory.assign(n, 1);
  out.begin.assign(n + 1, 0);
  for (uint32_t pre = 0; pre < n; ++pre) {
    for (uint32_t delay = 1; delay <= store.max_delay(); ++delay) {
      for (uint32_t s = store.group_begin(pre, delay); s < store.group_end(pre, delay); ++s) {
        out.post.push_back(store.synapses()[s].post);
        out.delay.push_back(uint8_t(delay));
        out.weight.push_back(store.synapses()[s].weight);
        if (store.synapses()[s].weight < 0) out.excitatory[pre] = 0;
      }
    }
    out.begin[pre + 1] = uint32_t(out.post.size());
  }
  return out;
}

PngNetwork shuffle_targets(const PngNetwork& network, uint64_t seed) {
  PngNetwork out = network;
  Random rng(seed, 7);
  // Targets move only among synapses of the same kind (excitatory or inhibitory source,
  // excitatory or inhibitory target), so the amount of inhibition each replay meets is kept.
  for (uint8_t kind = 3; kind < 4; ++kind) {
    std::vector<uint32_t> slots;
    for (uint32_t pre = 0; pre < network.neurons; ++pre) {
      if (network.excitatory[pre] != (kind >> 1)) continue;
      for (uint32_t s = network.begin[pre]; s < network.begin[pre + 1]; ++s) {
        if (network.excitatory[network.post[s]] == (kind & 1)) slots.push_back(s);
      }
    }
    for (size_t k = slots.size(); k > 1; --k) {
      const size_t j = rng.below(uint32_t(k));
      std::swap(out.post[slots[k - 1]], out.post[slots[j]]);
    }
  }
  return out;
}

namespace {

// Forced firings in time order; those of one ms keep their order (the replay fires them so).
void sort_by_time(std::vector<ForcedFiring>& forced) {
  std::stable_sort(forced.begin(), forced.end(), [](const ForcedFiring& x, const ForcedFiring& y) { return x.time < y.time; });
}

// A group's firing list order: time, then neuron.
void sort_by_time_then_neuron(std::vector<PngFiring>& firings) {
  std::stable_sort(firings.begin(), firings.end(), [](const PngFiring& x, const PngFiring& y) {
    return x.time != y.time ? x.time < y.time : x.neuron < y.neuron;
  });
}

// What every replay shares: the synapses spikes travel along, and the strong inputs.
struct Search {
  const PngNetwork& net;
  PngOptions options;
  uint32_t window;  // ms simulated per replay
  // Synapses a spike travels along (strong ones of excitatory neurons, all of inhibitory
  // ones), by presynaptic neuron, by delay: those of `pre` with delay d are
  // [travel_at[pre·(D+2) + d], travel_at[pre·(D+2) + d + 1]).
  std::vector<uint32_t> travel_at, travel_post;
  std::vector<float> travel_weight;
  std::vector<uint8_t> longest_travel;  // by neuron: its largest travelling delay (0: none)
  // Strong excitatory inputs of each neuron: (pre, delay), pre ascending.
  std::vector<std::vector<std::pair<uint32_t, uint8_t>>> strong_inputs;

  Search(const PngNetwork& network, const PngOptions& o) : net(network), options(o) {
    const float strong = float(o.strong_fraction * o.max_weight);
    if (options.latency == 0) options.latency = net.max_delay;
    if (options.max_spikes == 0) options.max_spikes = net.neurons;
    window = o.window != 0 ? o.window : 2 * net.max_delay + options.latency;
    const uint32_t stride = net.max_delay + 2;
    travel_at.assign(size_t(net.neurons) * stride, 0);
    longest_travel.assign(net.neurons, 0);
    strong_inputs.resize(net.neurons);
    for (uint32_t pre = 0; pre < net.neurons; ++pre) {
      uint32_t* at = &travel_at[size_t(pre) * stride];
      uint32_t delay = 0;  // the synapses are sorted by delay
      for (uint32_t s = net.begin[pre]; s < net.begin[pre + 1]; ++s) {
        const bool is_strong = net.excitatory[pre] && net.weight[s] > strong;
        if (is_strong || !net.excitatory[pre]) {
          while (delay < net.delay[s]) at[++delay] = uint32_t(travel_post.size());
          travel_post.push_back(net.post[s]);
          travel_weight.push_back(net.weight[s]);
          longest_travel[pre] = net.delay[s];
        }
        if (is_strong && net.excitatory[net.post[s]]) strong_inputs[net.post[s]].push_back({pre, net.delay[s]});
      }
      while (delay < stride - 1) at[++delay] = uint32_t(travel_post.size());
    }
  }
  const uint32_t* travel_of(uint32_t pre) const { return &travel_at[size_t(pre) * (net.max_delay + 2)]; }
};

// One thread's noise-free replay. Only neurons that received a spike are integrated (the
// others stay at rest): they live in dense "slot" arrays in the order they were touched,
// which the network's exact Izhikevich kernels step (float32 state, float64 arithmetic,
// bit-identical at every SIMD level and to the 2006 program).
//
// A replay ends before its window once no spike is in flight and every touched neuron is
// below kQuiet = -55 mV: such a neuron returns to rest without firing for the regular- and
// fast-spiking parameters of the 2006 network (rest -70 mV, threshold saddle -55 mV).
// `exhaustive` runs every replay to the end of its window instead; the tests check that
// both find the same groups.
class Replay {
 public:
  Replay(const Search& search, SimdLevel simd)
      : s_(search), kernels_(izhikevich_kernels(simd)), slot_of_(search.net.neurons, kNone) {}

  // Replays the network from rest with `forced` firings (in time order; forced ones are
  // layer 1) for at most `window` ms. False when more than max_spikes neurons fired.
  bool simulate(const std::vector<ForcedFiring>& forced, uint32_t window, uint32_t max_spikes);
  // After simulate() with the anchors forced: appends the group if the spec keeps it.
  void keep_if_group(uint32_t mother, const std::vector<ForcedFiring>& anchors, std::vector<PolychronousGroup>& out);
  const std::vector<PngFiring>& firings() const { return firings_; }
  void reset();

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr float kQuiet = -55.0f;  // mV
  struct Arrival {
    uint32_t firing;
    uint32_t time;
    uint8_t delay;
  };

  uint32_t slot(uint32_t neuron) {
    uint32_t k = slot_of_[neuron];
    if (k == kNone) {
      k = uint32_t(neuron_.size());
      slot_of_[neuron] = k;
      neuron_.push_back(neuron);
      v_.push_back(-70.0f);
      u_.push_back(float(0.2 * -70.0));
      current_.push_back(0.0f);
      a_.push_back(s_.net.a[neuron]);
      b_.push_back(s_.net.b[neuron]);
      c_.push_back(s_.net.c[neuron]);
      d_.push_back(s_.net.d[neuron]);
      if (arrivals_.size() <= k) arrivals_.emplace_back();
    }
    return k;
  }
  ExactNeurons neurons() { return {v_.data(), u_.data(), a_.data(), b_.data(), c_.data(), d_.data()}; }
  // Records a firing (an anchor's forced one is layer 1) whose spikes travel along the
  // synapses of delay at least min_delay.
  void fire(uint32_t neuron, uint32_t t, uint8_t min_delay, bool anchor);
  // Adds the currents of every spike whose integration ms is t.
  void deliver(uint32_t t);
  bool any_near_threshold() const;

  const Search& s_;
  const IzhikevichKernels& kernels_;
  std::vector<uint32_t> slot_of_;  // by neuron
  // By slot.
  std::vector<uint32_t> neuron_;
  std::vector<float> v_, u_, current_;
  std::vector<double> a_, b_, c_, d_;
  std::vector<std::vector<Arrival>> arrivals_;  // spikes of excitatory firings received; kept allocated
  std::vector<PngFiring> firings_;
  std::vector<uint8_t> min_delay_;  // by firing
  uint32_t first_live_ = 0;         // firings before it have delivered every spike
  uint32_t last_delivery_ = 0;      // 1 + the last ms any spike in flight is delivered
  std::vector<uint32_t> fired_slots_, fired_now_;
};

void Replay::fire(uint32_t neuron, uint32_t t, uint8_t min_delay, bool anchor) {
  firings_.push_back({neuron, t, anchor ? 1u : 0u});
  min_delay_.push_back(std::max<uint8_t>(1, min_delay));
  // A spike of delay d fired at t is seen by the integration of ms t + d − 1.
  if (s_.longest_travel[neuron] >= min_delay) last_delivery_ = std::max(last_delivery_, t + s_.longest_travel[neuron]);
}

void Replay::deliver(uint32_t t) {
  const uint32_t max_delay = s_.net.max_delay;
  while (first_live_ < firings_.size() && firings_[first_live_].time + max_delay <= t) ++first_live_;
  for (uint32_t f = first_live_; f < firings_.size(); ++f) {
    const PngFiring& firing = firings_[f];
    const uint32_t delay = t + 1 - firing.time;
    if (delay < min_delay_[f]) continue;
    const uint32_t* at = s_.travel_of(firing.neuron);
    const bool excitatory = s_.net.excitatory[firing.neuron];
    for (uint32_t e = at[delay]; e < at[delay + 1]; ++e) {
      const uint32_t k = slot(s_.travel_post[e]);
      current_[k] += s_.travel_weight[e];
      if (excitatory) arrivals_[k].push_back({f, t + 1, uint8_t(delay)});
    }
  }
}

bool Replay::any_near_threshold() const {
  bool near = false;
  for (float v : v_) near |= v >= kQuiet;
  return near;
}

void Replay::reset() {
  for (uint32_t q : neuron_) slot_of_[q] = kNone;
  for (size_t k = 0; k < neuron_.size(); ++k) arrivals_[k].clear();
  neuron_.clear();
  v_.clear();
  u_.clear();
  current_.clear();
  a_.clear();
  b_.clear();
  c_.clear();
  d_.clear();
  firings_.clear();
  min_delay_.clear();
  first_live_ = 0;
  last_delivery_ = 0;
}

bool Replay::simulate(const std::vector<ForcedFiring>& forced, uint32_t window, uint32_t max_spikes) {
  const auto detect = kernels_.exact[int(IzhikevichPhase::Detect)];
  const auto integrate = kernels_.exact[int(IzhikevichPhase::Integrate)];
  uint32_t next_forced = 0;  // `forced` is in time order
  for (uint32_t t = 0; t < window; ++t) {
    // Detection (v >= 30 after the last integration fires and resets), the forced firings
    // due now (with the same reset), then the detected ones in neuron order.
    fired_slots_.resize(v_.size());
    const uint32_t fired = detect(neurons(), current_.data(), 0, uint32_t(v_.size()), fired_slots_.data());
    fired_now_.clear();
    for (uint32_t f = 0; f < fired; ++f) fired_now_.push_back(neuron_[fired_slots_[f]]);
    std::sort(fired_now_.begin(), fired_now_.end());
    for (; next_forced < forced.size() && forced[next_forced].time == t; ++next_forced) {
      const ForcedFiring& f = forced[next_forced];
      const uint32_t q = slot(f.neuron);
      v_[q] = float(c_[q]);
      u_[q] = float(u_[q] + d_[q]);
      fire(f.neuron, t, f.min_delay, true);
    }
    for (uint32_t q : fired_now_) fire(q, t, 0, false);
    if (firings_.size() > max_spikes) return false;
    deliver(t);
    integrate(neurons(), current_.data(), 0, uint32_t(v_.size()), nullptr);
    std::fill(current_.begin(), current_.end(), 0.0f);
    // Nothing left in flight or to force and every touched neuron far below threshold:
    // the replay is over (see kQuiet).
    if (!s_.options.exhaustive && t + 1 >= last_delivery_ && next_forced == forced.size() && !any_near_threshold()) break;
  }
  return true;
}

void Replay::keep_if_group(uint32_t mother, const std::vector<ForcedFiring>& anchors,
                           std::vector<PolychronousGroup>& out) {
  const PngNetwork& net = s_.net;
  const uint32_t W = uint32_t(anchors.size());
  if (firings_.size() <= 2 * W) return;
  PolychronousGroup group;
  group.mother = mother;
  std::vector<uint32_t> anchor_links(W, 0);
  for (uint32_t k = 0; k < W; ++k) group.anchors.push_back(anchors[k].neuron);
  std::sort(group.anchors.begin(), group.anchors.end());
  const uint32_t latency = s_.options.latency;
  // Layers in firing order: every link comes from an earlier firing.
  for (PngFiring& firing : firings_) {
    if (firing.layer == 1) continue;  // a forced anchor firing
    uint32_t layer = 0;
    const size_t first_link = group.links.size();
    for (const Arrival& a : arrivals_[slot_of_[firing.neuron]]) {
      if (a.time > firing.time || a.time + latency <= firing.time) continue;
      const PngFiring& pre = firings_[a.firing];
      layer = std::max(layer, pre.layer);
      group.links.push_back({pre.neuron, firing.neuron, a.delay, 0});
      if (pre.layer == 1 && net.excitatory[firing.neuron]) {
        for (uint32_t k = 0; k < W; ++k) anchor_links[k] += anchors[k].neuron == pre.neuron;
      }
    }
    firing.layer = layer + 1;
    for (size_t l = first_link; l < group.links.size(); ++l) group.links[l].layer = firing.layer;
    group.longest_path = std::max(group.longest_path, firing.layer);
  }
  const bool trivial = std::find(anchor_links.begin(), anchor_links.end(), 1u) != anchor_links.end();
  if (trivial || group.longest_path < s_.options.min_path) return;
  group.firings = firings_;
  sort_by_time_then_neuron(group.firings);
  group.span = group.firings.back().time - group.firings.front().time;
  out.push_back(std::move(group));
}

}  // namespace

void check_search_options(const PngOptions& options) {
  check_in_range(PngOptions::kAnchors, options.anchors);
  check_in_range(PngOptions::kMinPath, options.min_path);
  // 0 asks for the network-derived default.
  if (options.latency != 0) check_in_range(PngOptions::kLatency, options.latency);
  if (options.window != 0) check_in_range(PngOptions::kWindow, options.window);
  check_in_range(PngOptions::kThreads, options.threads);
  if (!(options.strong_fraction > 0 && options.strong_fraction <= 1)) throw RangeError("strongFraction must be in (0, 1]");
  if (!(options.max_weight > 0)) throw RangeError("maxWeight must be a number > 0");
}

std::vector<PolychronousGroup> find_groups(const PngNetwork& network, const PngOptions& options,
                                           const std::function<void(uint32_t, uint32_t)>& on_mother,
                                           const std::atomic<bool>* cancel) {
  check_search_options(options);
  const Search search(network, options);
  std::vector<uint32_t> mothers;
  for (uint32_t q = 0; q < network.neurons; ++q) {
    if (network.excitatory[q] && search.strong_inputs[q].size() >= options.anchors) mothers.push_back(q);
  }
  std::vector<std::vector<PolychronousGroup>> found(mothers.size());
  std::atomic<uint32_t> next{0}, done{0};
  std::mutex progress;
  ThreadPool pool(options.threads);
  pool.run([&](unsigned) {
    Replay replay(search, network.simd);
    std::vector<uint32_t> pick(options.anchors);
    std::vector<ForcedFiring> anchors(options.anchors);
    for (uint32_t m = next++; m < mothers.size(); m = next++) {
      if (cancel != nullptr && cancel->load()) break;
      const auto& inputs = search.strong_inputs[mothers[m]];
      const uint32_t k = uint32_t(inputs.size()), W = options.anchors;
      for (uint32_t i = 0; i < W; ++i) pick[i] = i;
      // A mother can have thousands of combinations: stop within one when cancelled
      // (the result is then marked aborted, so a partial mother is never mistaken for all).
      while (cancel == nullptr || !cancel->load(std::memory_order_relaxed)) {
        // Fired at t_k = Dmax − delay_k, the anchors' spikes reach the mother together.
        uint8_t longest = 0;
        for (uint32_t i = 0; i < W; ++i) longest = std::max(longest, inputs[pick[i]].second);
        for (uint32_t i = 0; i < W; ++i) {
          anchors[i] = {inputs[pick[i]].first, uint32_t(longest - inputs[pick[i]].second), inputs[pick[i]].second};
        }
        sort_by_time(anchors);
        if (replay.simulate(anchors, search.window, search.options.max_spikes)) replay.keep_if_group(mothers[m], anchors, found[m]);
        replay.reset();
        int i = int(W) - 1;
        while (i >= 0 && pick[i] == k - W + uint32_t(i)) --i;
        if (i < 0) break;
        ++pick[i];
        for (uint32_t j = uint32_t(i) + 1; j < W; ++j) pick[j] = pick[j - 1] + 1;
      }
      const uint32_t finished = ++done;
      if (on_mother) {
        std::lock_guard<std::mutex> lock(progress);
        on_mother(finished, uint32_t(mothers.size()));
      }
    }
  });
  std::vector<PolychronousGroup> groups;
  for (auto& list : found) {
    for (auto& g : list) groups.push_back(std::move(g));
  }
  return groups;
}

std::vector<PngFiring> replay_pattern(const PngNetwork& network, const PngOptions& options,
                                     std::vector<ForcedFiring> pattern) {
  check_search_options(options);
  for (const ForcedFiring& f : pattern) {
    if (f.neuron >= network.neurons) throw RangeError("polychron: pattern neuron " + std::to_string(f.neuron) + " is not in [0, " + std::to_string(network.neurons) + ")");
  }
  sort_by_time(pattern);
  const Search search(network, options);
  const uint32_t last = pattern.empty() ? 0 : pattern.back().time;
  Replay replay(search, network.simd);
  replay.simulate(pattern, last + search.window, search.options.max_spikes);
  std::vector<PngFiring> firings = replay.firings();
  sort_by_time_then_neuron(firings);
  return firings;
}

}  // namespace polychron
