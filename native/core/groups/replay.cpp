#include "core/groups/replay.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

namespace polychron {

ReplayTables::ReplayTables(const PngNetwork& network, const PngOptions& o, uint32_t replay_origin)
    : net(network), options(o), origin(replay_origin) {
  // Compared in double, as the 2006 program compares its float weights with 0.95 · 10.
  const double strong = o.strong_fraction * o.max_weight;
  if (options.latency == 0) options.latency = net.max_delay;
  if (options.max_spikes == 0) options.max_spikes = net.neurons;
  window = o.window != 0 ? o.window : 2 * net.max_delay + options.latency + 1;
  extend_cap = options.max_spikes > net.max_delay + 1 ? options.max_spikes - net.max_delay - 1 : 0;
  horizon = origin + (options.budget == ReplayBudget::Extended ? std::max(window, extend_cap) : window);
  kind_of.resize(net.neurons);
  for (uint32_t q = 0; q < net.neurons; ++q) {
    const std::pair<double, double> ab{net.a[q], net.b[q]};
    const size_t kind = size_t(std::find(kind_ab.begin(), kind_ab.end(), ab) - kind_ab.begin());
    kind_of[q] = uint32_t(kind);
    if (kind < kind_ab.size()) continue;
    kind_ab.push_back(ab);
    std::vector<std::pair<double, double>> trajectory{{-70.0, ab.second * -70.0}};
    bool fires = false;
    while (trajectory.size() < horizon + 1 && !fires) {
      auto [v, u] = trajectory.back();
      izhikevich_step(v, u, 0.0, ab.first, ab.second);
      if (std::make_pair(v, u) == trajectory.back()) break;
      fires = v >= 30;
      trajectory.push_back({v, u});
    }
    rest.push_back(std::move(trajectory));
    kind_restless.push_back(fires);
  }
  for (uint32_t q = 0; q < net.neurons; ++q) {
    if (kind_restless[kind_of[q]]) restless.push_back(q);
  }
  const uint32_t stride = net.max_delay + 2;
  travel_at.assign(size_t(net.neurons) * stride, 0);
  std::map<std::pair<uint32_t, float>, uint32_t> kicks;
  strong_inputs.resize(net.neurons);
  for (uint32_t pre = 0; pre < net.neurons; ++pre) {
    uint32_t* at = &travel_at[size_t(pre) * stride];
    uint32_t delay = 0;  // the synapses are sorted by delay
    for (uint32_t s = net.begin[pre]; s < net.begin[pre + 1]; ++s) {
      const bool is_strong = net.excitatory[pre] && double(net.weight[s]) > strong;
      if (is_strong || !net.excitatory[pre]) {
        while (delay < net.delay[s]) at[++delay] = uint32_t(travel_post.size());
        travel_post.push_back(net.post[s]);
        travel_weight.push_back(net.weight[s]);
        const std::pair<uint32_t, float> kick{kind_of[net.post[s]], net.weight[s]};
        auto known = kicks.find(kick);
        if (known == kicks.end() && kick_of.size() < kMostKicks) {
          known = kicks.emplace(kick, uint32_t(kick_of.size())).first;
          kick_of.push_back(kick);
        }
        travel_kick.push_back(known == kicks.end() ? kNoKick : known->second);
      }
      if (is_strong && net.excitatory[net.post[s]]) strong_inputs[net.post[s]].push_back({pre, net.delay[s]});
    }
    while (delay < stride - 1) at[++delay] = uint32_t(travel_post.size());
  }
  kick_quiet_.reset(new std::atomic<uint8_t>[kick_of.size()]);
  for (size_t k = 0; k < kick_of.size(); ++k) kick_quiet_[k].store(kUnknown, std::memory_order_relaxed);
}

bool ReplayTables::quiet_alone(uint32_t kick) const {
  if (kick == kNoKick) return false;
  uint8_t known = kick_quiet_[kick].load(std::memory_order_relaxed);
  if (known == kUnknown) {
    const auto [kind, weight] = kick_of[kick];
    auto [v, u] = rest[kind].back();
    // As quiet_for steps a response: the input in the first ms, none after.
    known = kQuiet;
    for (uint32_t step = 0; step < horizon && known == kQuiet; ++step) {
      izhikevich_step(v, u, step == 0 ? double(weight) : 0.0, kind_ab[kind].first, kind_ab[kind].second);
      if (v >= 30) known = kMayFire;
    }
    kick_quiet_[kick].store(known, std::memory_order_relaxed);
  }
  return known == kQuiet;
}

void sort_by_time_then_neuron(std::vector<PngFiring>& firings) {
  std::stable_sort(firings.begin(), firings.end(), [](const PngFiring& x, const PngFiring& y) {
    return x.time != y.time ? x.time < y.time : x.neuron < y.neuron;
  });
}

Replay::Replay(const ReplayTables& tables)
    : s_(tables),
      row_length_(tables.net.neurons),
      // Spikes arrive up to D ms after the last firing: a replay's (before the horizon), or
      // an anchor's (the search fires anchors up to D − 1 ms after the origin, so a window
      // shorter than D, with the fixed budget, would otherwise write past the end: heap
      // corruption, found by the API fuzzer with window: 1).
      due_count_(std::max(tables.horizon, tables.origin + tables.net.max_delay) + tables.net.max_delay + 2, 0),
      slot_of_(tables.net.neurons, kNone),
      kicked_at_(tables.net.neurons, kNone),
      kick_weight_(tables.net.neurons, 0.0f),
      best_layer_(tables.net.neurons, 0),
      response_table_(1 << 12, kNoEntry) {}

void Replay::store(uint32_t t, const Spike& spike) {
  const uint32_t k = due_count_[t]++;
  const uint32_t row = t + k / row_length_, column = k % row_length_;
  if (rows_.size() <= row) rows_.resize(row + 1);
  std::vector<Spike>& stored = rows_[row];
  if (column == stored.size()) {
    stored.push_back(spike);
  } else {
    if (column > stored.size()) stored.resize(column + 1);
    stored[column] = spike;
  }
  rows_used_ = std::max(rows_used_, row + 1);
}

uint32_t Replay::send(uint32_t neuron, uint32_t t, uint32_t min_delay) {
  const uint32_t* at = s_.travel_of(neuron);
  uint32_t last = 0;
  for (uint32_t delay = std::max(1u, min_delay); delay <= s_.net.max_delay; ++delay) {
    if (at[delay] == at[delay + 1]) continue;
    const uint32_t arrival = t + delay;
    for (uint32_t e = at[delay]; e < at[delay + 1]; ++e) {
      store(arrival, {s_.travel_post[e], neuron, s_.travel_weight[e], delay, s_.travel_kick[e]});
    }
    last = arrival;
  }
  return last;
}

uint32_t Replay::touch(uint32_t neuron, uint32_t t) {
  uint32_t k = slot_of_[neuron];
  if (k == kNone) {
    k = uint32_t(slots_.size());
    slot_of_[neuron] = k;
    const auto [v, u] = s_.rest_at(neuron, t);
    slots_.push_back({neuron, kNone, kNone, false, v, u, 0.0});
    reached_now_.push_back(k);
    if (arrivals_.size() <= k) arrivals_.emplace_back();
  }
  return k;
}

uint32_t Replay::wake_kicked(uint32_t neuron, uint32_t t) {
  const uint32_t kicked_at = kicked_at_[neuron];
  kicked_at_[neuron] = kNone;
  const uint32_t k = touch(neuron, kicked_at);
  Slot& slot = slots_[k];
  if (kicked_at == t) {  // a second spike in the kick's ms: one input from rest
    slot.input = kick_weight_[neuron];
    return k;
  }
  // What the slot would have been had it been made at the kick: quiet since then.
  const uint32_t response = response_to(s_.kind_of[neuron], slot.v, slot.u, double(kick_weight_[neuron]));
  quiet_for(response, t - kicked_at);  // true: the kick alone is quiet for the horizon
  std::tie(slot.v, slot.u) = quiet_state(response, t - kicked_at);
  return k;
}

namespace {

uint64_t response_hash(uint32_t kind, double v, double u, double input) {
  uint64_t hash = kind;
  for (double x : {v, u, input}) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    hash = (hash ^ bits ^ (bits >> 29)) * 0x9E3779B97F4A7C15ull;
  }
  return hash;
}

}  // namespace

uint32_t Replay::response_to(uint32_t kind, double v, double u, double input) {
  const uint64_t hash = response_hash(kind, v, u, input);
  // An entry holds the hash's high half beside the response, so a probe reads the response
  // only when they agree.
  const uint64_t tag = hash & ~uint64_t(0xFFFFFFFFu);
  const size_t mask = response_table_.size() - 1;
  size_t at = size_t(hash >> 20) & mask;
  for (; response_table_[at] != kNoEntry; at = (at + 1) & mask) {
    if ((response_table_[at] & ~uint64_t(0xFFFFFFFFu)) != tag) continue;
    const uint32_t r = uint32_t(response_table_[at]);
    const QuietResponse& known = responses_[r];
    if (known.kind == kind && known.v == v && known.u == u && known.input == input) return r;
  }
  const uint32_t made = responses_used_++;
  if (made == responses_.size()) responses_.emplace_back();
  QuietResponse& response = responses_[made];  // a fresh one or one from before the last clear
  response.kind = kind;
  response.v = v;
  response.u = u;
  response.input = input;
  response.fires = false;
  response.states.clear();
  if (response.states.capacity() > kLongStates) response.states.shrink_to_fit();
  response_table_[at] = tag | made;
  if (2 * responses_used_ > response_table_.size()) {  // keep probes short: rehash at half full
    std::vector<uint64_t> table(2 * response_table_.size(), kNoEntry);
    for (uint64_t entry : response_table_) {
      if (entry == kNoEntry) continue;
      const QuietResponse& known = responses_[uint32_t(entry)];
      size_t to = size_t(response_hash(known.kind, known.v, known.u, known.input) >> 20) & (table.size() - 1);
      while (table[to] != kNoEntry) to = (to + 1) & (table.size() - 1);
      table[to] = entry;
    }
    response_table_ = std::move(table);
  }
  return made;
}

bool Replay::quiet_for(uint32_t response, uint32_t steps) {
  QuietResponse& r = responses_[response];
  const auto [a, b] = s_.kind_ab[r.kind];
  while (!r.fires && r.states.size() < steps) {
    auto [v, u] = r.states.empty() ? std::make_pair(r.v, r.u) : r.states.back();
    izhikevich_step(v, u, r.states.empty() ? r.input : 0.0, a, b);
    if (v >= 30) {
      r.fires = true;
    } else {
      r.states.push_back({v, u});
    }
  }
  return r.states.size() >= steps;
}

void Replay::wake_before(uint32_t end, uint32_t t) {
  for (uint32_t q = 0; q < slots_.size(); ++q) {
    Slot& slot = slots_[q];
    if (slot.quiet_since == kNone || quiet_for(slot.quiet_as, end - slot.quiet_since)) continue;
    std::tie(slot.v, slot.u) = quiet_state(slot.quiet_as, t + 1 - slot.quiet_since);
    slot.quiet_since = kNone;
    stepped_.push_back(q);
  }
}

// Every replay starts with no spike stored. (The 2006 finder clears only the ms its budget
// reached, so spikes sent past a capped budget stay counted for later replays; they are
// never delivered nor linked, and the golden comparison finds no group they change.)
void Replay::reset() {
  for (const Slot& slot : slots_) slot_of_[slot.neuron] = kNone;
  for (uint32_t neuron : kicked_) kicked_at_[neuron] = kNone;
  kicked_.clear();
  for (size_t k = 0; k < slots_.size(); ++k) arrivals_[k].clear();
  for (uint32_t row = 0; row < rows_used_; ++row) rows_[row].clear();
  std::fill(due_count_.begin(), due_count_.begin() + std::min<size_t>(rows_used_, due_count_.size()), 0);
  rows_used_ = 0;
  slots_.clear();
  stepped_.clear();
  if (responses_used_ > kMostResponses) {  // memory stays bounded; the first reached fill it again
    responses_used_ = 0;
    std::fill(response_table_.begin(), response_table_.end(), kNoEntry);
  }
  firings_.clear();
}

void Replay::simulate(const std::vector<ForcedFiring>& forced) {
  const PngNetwork& net = s_.net;
  const uint32_t max_spikes = s_.options.max_spikes;
  const bool extend = s_.options.budget == ReplayBudget::Extended;
  const uint32_t cap = s_.origin + s_.extend_cap;
  for (const ForcedFiring& f : forced) {
    firings_.push_back({f.neuron, f.time, 1});
    send(f.neuron, f.time, f.min_delay);
  }
  for (uint32_t neuron : s_.restless) stepped_.push_back(touch(neuron, 0));
  uint32_t end = s_.origin + s_.window, t = 0;
  for (; t < end && firings_.size() < max_spikes; ++t) {
    reached_now_.clear();
    for (uint32_t k = 0; k < due_count_[t]; ++k) {
      const Spike& spike = stored(t, k);
      uint32_t q = slot_of_[spike.post];
      if (q == kNone) {
        if (kicked_at_[spike.post] != kNone) {
          q = wake_kicked(spike.post, t);
        } else if (t >= s_.resting_from(s_.kind_of[spike.post]) && s_.quiet_alone(spike.kick)) {
          kicked_at_[spike.post] = t;
          kick_weight_[spike.post] = spike.weight;
          kicked_.push_back(spike.post);
          continue;
        } else {
          q = touch(spike.post, t);
        }
      }
      Slot& slot = slots_[q];
      if (slot.quiet_since != kNone && slot.quiet_since != t) {  // quiet until now
        std::tie(slot.v, slot.u) = quiet_state(slot.quiet_as, t - slot.quiet_since);
        slot.quiet_since = kNone;
        reached_now_.push_back(slot_of_[spike.post]);
      }
      slot.input += spike.weight;
    }
    for (uint32_t q : reached_now_) {
      Slot& slot = slots_[q];
      const uint32_t response = response_to(s_.kind_of[slot.neuron], slot.v, slot.u, slot.input);
      if (!quiet_for(response, end - t)) {
        stepped_.push_back(q);
      } else {
        slot.quiet_since = t;
        slot.quiet_as = response;
        slot.input = 0.0;
      }
    }
    fired_now_.clear();
    for (uint32_t q : stepped_) {
      Slot& slot = slots_[q];
      izhikevich_step(slot.v, slot.u, slot.input, net.a[slot.neuron], net.b[slot.neuron]);
      slot.input = 0.0;
      if (slot.v >= 30) fired_now_.push_back(slot.neuron);
    }
    std::sort(fired_now_.begin(), fired_now_.end());
    const uint32_t end_before = end;
    for (uint32_t neuron : fired_now_) {
      Slot& slot = slots_[slot_of_[neuron]];
      slot.v = net.c[neuron];
      slot.u += net.d[neuron];
      if (firings_.size() >= max_spikes) continue;  // reset, but neither listed nor sending
      slot.fired = true;
      firings_.push_back({neuron, t, 0});
      const uint32_t last = send(neuron, t, 1);
      if (extend && last + 1 > end) end = std::max(end, std::min(last + 1, cap));
    }
    if (end != end_before) wake_before(end, t);
  }
  steps_done_ = t;
}

void Replay::collect_arrivals(uint32_t until) {
  // From the stored spikes as they stand after the replay, as the finder reads them.
  for (uint32_t t = 0; t < until; ++t) {
    for (uint32_t k = 0; k < due_count_[t]; ++k) {
      const Spike& spike = stored(t, k);
      const uint32_t q = slot_of_[spike.post];
      if (q != kNone && slots_[q].fired && s_.net.excitatory[spike.pre]) arrivals_[q].push_back({t, spike.pre, uint8_t(spike.delay)});
    }
  }
}

void Replay::keep_if_group(uint32_t mother, uint32_t anchors, std::vector<PolychronousGroup>& out) {
  const PngNetwork& net = s_.net;
  if (firings_.size() <= 2 * anchors) return;
  collect_arrivals(steps_done_);
  const uint32_t latency = s_.options.latency;
  PolychronousGroup group;
  group.mother = mother;
  for (uint32_t i = 0; i < anchors; ++i) best_layer_[firings_[i].neuron] = 2;  // layer 1
  // Each firing's layer: one more than the largest layer of any earlier-listed firing of a
  // neuron whose spike reached it in (t − latency, t], scanned from t down and within one
  // ms in the stored order; every such spike is a link with the layer as it stands then.
  for (size_t i = anchors; i < firings_.size(); ++i) {
    PngFiring& firing = firings_[i];
    const std::vector<Arrival>& arrived = arrivals_[slot_of_[firing.neuron]];
    // Arrivals are in time order: walk back one ms block at a time, each block forward.
    size_t block_end = arrived.size();
    while (block_end > 0 && arrived[block_end - 1].time > firing.time) --block_end;
    while (block_end > 0 && arrived[block_end - 1].time + latency > firing.time) {
      const uint32_t ms = arrived[block_end - 1].time;
      size_t block = block_end;
      while (block > 0 && arrived[block - 1].time == ms) --block;
      for (size_t a = block; a < block_end; ++a) {
        firing.layer = std::max(firing.layer, best_layer_[arrived[a].pre]);  // 1 + the pre's layer, 0: none
        group.links.push_back({arrived[a].pre, firing.neuron, arrived[a].delay, firing.layer});
        group.longest_path = std::max(group.longest_path, firing.layer);
      }
      block_end = block;
    }
    best_layer_[firing.neuron] = std::max(best_layer_[firing.neuron], firing.layer + 1);
  }
  for (const PngFiring& f : firings_) best_layer_[f.neuron] = 0;
  if (group.longest_path < s_.options.min_path) return;
  // A trivial group: some anchor sends exactly one link into an excitatory neuron.
  for (uint32_t i = 0; i < anchors; ++i) {
    size_t used = 0;
    for (const PngLink& link : group.links) used += link.pre == firings_[i].neuron && net.excitatory[link.post];
    if (used == 1) return;
  }
  for (uint32_t i = 0; i < anchors; ++i) group.anchors.push_back(firings_[i].neuron);
  std::sort(group.anchors.begin(), group.anchors.end());
  group.firings = firings_;
  sort_by_time_then_neuron(group.firings);
  group.span = group.firings.back().time - group.firings.front().time;
  out.push_back(std::move(group));
}

}  // namespace polychron
