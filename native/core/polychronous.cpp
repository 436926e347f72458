#include "core/polychronous.h"

#include <algorithm>
#include <mutex>

#include "core/errors.h"
#include "core/network.h"
#include "core/random.h"
#include "core/thread_pool.h"

namespace polychron {

PngNetwork png_network_of(Network& network) {
  network.build();
  if (network.has_lif()) throw RangeError("polychron: polychronous groups need a network of Izhikevich neurons only");
  PngNetwork out;
  const uint32_t n = network.neurons();
  out.neurons = n;
  out.a = network.izhikevich().parameter(0);
  out.b = network.izhikevich().parameter(1);
  out.c = network.izhikevich().parameter(2);
  out.d = network.izhikevich().parameter(3);
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
  for (uint8_t kind = 0; kind < 4; ++kind) {
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

// What every replay shares: the synapses spikes travel along, and the strong inputs.
struct Search {
  const PngNetwork& net;
  PngOptions options;
  float strong;
  uint32_t window;  // ms simulated per replay
  // Synapses a spike travels along (strong ones of excitatory neurons, all of inhibitory
  // ones), by presynaptic neuron, by delay.
  std::vector<uint32_t> travel_begin, travel_post;
  std::vector<uint8_t> travel_delay;
  std::vector<float> travel_weight;
  // Strong excitatory inputs of each neuron: (pre, delay), pre ascending.
  std::vector<std::vector<std::pair<uint32_t, uint8_t>>> strong_inputs;

  Search(const PngNetwork& network, const PngOptions& o) : net(network), options(o) {
    strong = float(o.strong_fraction * o.max_weight);
    if (options.latency == 0) options.latency = net.max_delay;
    if (options.max_spikes == 0) options.max_spikes = net.neurons;
    window = 2 * net.max_delay + options.latency;
    travel_begin.assign(net.neurons + 1, 0);
    strong_inputs.resize(net.neurons);
    for (uint32_t pre = 0; pre < net.neurons; ++pre) {
      for (uint32_t s = net.begin[pre]; s < net.begin[pre + 1]; ++s) {
        const bool is_strong = net.excitatory[pre] && net.weight[s] > strong;
        if (is_strong || !net.excitatory[pre]) {
          travel_post.push_back(net.post[s]);
          travel_delay.push_back(net.delay[s]);
          travel_weight.push_back(net.weight[s]);
        }
        if (is_strong && net.excitatory[net.post[s]]) strong_inputs[net.post[s]].push_back({pre, net.delay[s]});
      }
      travel_begin[pre + 1] = uint32_t(travel_post.size());
    }
  }
};

// One thread's noise-free replay state.
class Replay {
 public:
  explicit Replay(const Search& search)
      : s_(search),
        v_(search.net.neurons, -70.0f),
        u_(search.net.neurons, -14.0f),
        current_(search.net.neurons, 0.0f),
        touched_flag_(search.net.neurons, 0),
        arrivals_at_(search.net.neurons),
        events_(search.window + 1) {}

  // Replays anchors (neurons) fired so that they reach `mother` together; appends a kept group.
  void run(uint32_t mother, const std::vector<std::pair<uint32_t, uint8_t>>& anchors, std::vector<PolychronousGroup>& out);

 private:
  struct Event {
    uint32_t post;
    float weight;
    uint32_t firing;
    uint8_t delay;
  };
  struct Arrival {
    uint32_t firing;
    uint32_t time;
    uint8_t delay;
  };

  void touch(uint32_t neuron) {
    if (!touched_flag_[neuron]) {
      touched_flag_[neuron] = 1;
      touched_.push_back(neuron);
    }
  }
  // Records a firing (an anchor's forced one is layer 1) and schedules its spikes along
  // the synapses it travels, of delay at least min_delay.
  void fire(uint32_t neuron, uint32_t t, uint8_t min_delay, bool anchor);
  void reset();

  const Search& s_;
  std::vector<float> v_, u_, current_;
  std::vector<uint8_t> touched_flag_;
  std::vector<uint32_t> touched_;
  std::vector<std::vector<Arrival>> arrivals_at_;
  std::vector<std::vector<Event>> events_;  // by the ms their current is applied
  std::vector<PngFiring> firings_;
  std::vector<uint32_t> fired_now_;
  uint64_t pending_ = 0;  // events scheduled and not yet delivered
};

void Replay::fire(uint32_t neuron, uint32_t t, uint8_t min_delay, bool anchor) {
  const uint32_t index = uint32_t(firings_.size());
  firings_.push_back({neuron, t, anchor ? 1u : 0u});
  touch(neuron);
  v_[neuron] = float(s_.net.c[neuron]);
  u_[neuron] = float(u_[neuron] + s_.net.d[neuron]);
  for (uint32_t k = s_.travel_begin[neuron]; k < s_.travel_begin[neuron + 1]; ++k) {
    const uint8_t delay = s_.travel_delay[k];
    if (delay < min_delay) continue;
    const uint32_t applied = t + delay - 1;  // the ms whose integration sees the current
    if (applied < s_.window) {
      events_[applied].push_back({s_.travel_post[k], s_.travel_weight[k], index, delay});
      ++pending_;
    }
  }
}

void Replay::reset() {
  for (uint32_t q : touched_) {
    v_[q] = -70.0f;
    u_[q] = -14.0f;
    current_[q] = 0;
    touched_flag_[q] = 0;
    arrivals_at_[q].clear();
  }
  touched_.clear();
  for (auto& e : events_) e.clear();
  firings_.clear();
  pending_ = 0;
}

void Replay::run(uint32_t mother, const std::vector<std::pair<uint32_t, uint8_t>>& anchors,
                 std::vector<PolychronousGroup>& out) {
  const PngNetwork& net = s_.net;
  uint8_t longest = 0;
  for (const auto& a : anchors) longest = std::max(longest, a.second);
  const uint32_t W = uint32_t(anchors.size());
  bool overflow = false;
  for (uint32_t t = 0; t < s_.window && !overflow; ++t) {
    // Detection, then the anchors due now.
    fired_now_.clear();
    for (uint32_t q : touched_) {
      if (v_[q] >= 30) fired_now_.push_back(q);
    }
    std::sort(fired_now_.begin(), fired_now_.end());
    for (uint32_t k = 0; k < W; ++k) {
      if (uint32_t(longest - anchors[k].second) == t) fire(anchors[k].first, t, anchors[k].second, true);
    }
    for (uint32_t q : fired_now_) fire(q, t, 0, false);
    if (firings_.size() > s_.options.max_spikes) overflow = true;
    // Delivery of the currents due now.
    pending_ -= events_[t].size();
    for (const Event& e : events_[t]) {
      touch(e.post);
      current_[e.post] += e.weight;
      if (net.excitatory[firings_[e.firing].neuron]) arrivals_at_[e.post].push_back({e.firing, t + 1, e.delay});
    }
    // Integration (the 2006 model: two half-steps for v, then u).
    float highest = -1e30f;
    for (uint32_t q : touched_) {
      double v = v_[q];
      const double I = current_[q];
      v += 0.5 * ((0.04 * v + 5) * v + 140 - u_[q] + I);
      v += 0.5 * ((0.04 * v + 5) * v + 140 - u_[q] + I);
      v_[q] = float(v);
      u_[q] = float(u_[q] + net.a[q] * (net.b[q] * v_[q] - u_[q]));
      current_[q] = 0;
      highest = std::max(highest, v_[q]);
    }
    // Nothing left in flight and every touched neuron far below threshold: the replay is over.
    bool anchors_left = false;
    for (uint32_t k = 0; k < W; ++k) anchors_left |= uint32_t(longest - anchors[k].second) > t;
    if (pending_ == 0 && !anchors_left && highest < -55.0f) break;
  }
  if (!overflow && firings_.size() > 2 * W) {
    PolychronousGroup group;
    group.mother = mother;
    std::vector<uint32_t> anchor_links(W, 0);
    for (uint32_t k = 0; k < W; ++k) group.anchors.push_back(anchors[k].first);
    const uint32_t latency = s_.options.latency;
    // Layers in firing order: every link comes from an earlier firing.
    for (PngFiring& firing : firings_) {
      if (firing.layer == 1) continue;  // a forced anchor firing
      uint32_t layer = 0;
      const size_t first_link = group.links.size();
      for (const Arrival& a : arrivals_at_[firing.neuron]) {
        if (a.time > firing.time || a.time + latency < firing.time) continue;
        const PngFiring& pre = firings_[a.firing];
        layer = std::max(layer, pre.layer);
        group.links.push_back({pre.neuron, firing.neuron, a.delay, 0});
        if (pre.layer == 1 && net.excitatory[firing.neuron]) {
          for (uint32_t k = 0; k < W; ++k) anchor_links[k] += anchors[k].first == pre.neuron;
        }
      }
      firing.layer = layer + 1;
      for (size_t l = first_link; l < group.links.size(); ++l) group.links[l].layer = firing.layer;
      group.longest_path = std::max(group.longest_path, firing.layer);
    }
    const bool trivial = std::find(anchor_links.begin(), anchor_links.end(), 1u) != anchor_links.end();
    if (!trivial && group.longest_path >= s_.options.min_path) {
      group.firings = firings_;
      std::stable_sort(group.firings.begin(), group.firings.end(), [](const PngFiring& x, const PngFiring& y) {
        return x.time != y.time ? x.time < y.time : x.neuron < y.neuron;
      });
      group.span = group.firings.back().time - group.firings.front().time;
      out.push_back(std::move(group));
    }
  }
  reset();
}

}  // namespace

std::vector<PolychronousGroup> find_groups(const PngNetwork& network, const PngOptions& options,
                                           const std::function<void(uint32_t, uint32_t)>& on_mother,
                                           const std::atomic<bool>* cancel) {
  if (options.anchors < 2 || options.anchors > 8) throw RangeError("polychron: anchors must be an integer in [2, 8]");
  if (!(options.strong_fraction > 0 && options.strong_fraction <= 1)) throw RangeError("polychron: strongFraction must be in (0, 1]");
  if (options.min_path < 1) throw RangeError("polychron: minPath must be at least 1");
  const Search search(network, options);
  std::vector<uint32_t> mothers;
  for (uint32_t q = 0; q < network.neurons; ++q) {
    if (network.excitatory[q] && search.strong_inputs[q].size() >= options.anchors) mothers.push_back(q);
  }
  std::vector<std::vector<PolychronousGroup>> found(mothers.size());
  std::atomic<uint32_t> next{0}, done{0};
  std::mutex progress;
  ThreadPool pool(std::max(1u, options.threads));
  pool.run([&](unsigned) {
    Replay replay(search);
    std::vector<uint32_t> pick(options.anchors);
    std::vector<std::pair<uint32_t, uint8_t>> anchors(options.anchors);
    for (uint32_t m = next++; m < mothers.size(); m = next++) {
      if (cancel != nullptr && cancel->load()) break;
      const auto& inputs = search.strong_inputs[mothers[m]];
      const uint32_t k = uint32_t(inputs.size()), W = options.anchors;
      for (uint32_t i = 0; i < W; ++i) pick[i] = i;
      while (true) {
        for (uint32_t i = 0; i < W; ++i) anchors[i] = inputs[pick[i]];
        replay.run(mothers[m], anchors, found[m]);
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

}  // namespace polychron
