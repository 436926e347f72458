// The millisecond loop of a built network (see spiking/network.h for the order of one ms);
// building and validation are in spiking/network_build.cpp.
#include "core/spiking/network.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/errors.h"

namespace polychron {

void Network::sample_probes_input() {
  const float* I = neurons_.current();
  const float* extra = lane_input_ ? lane_input_->data() : nullptr;  // fast mode's second lane
  for (StateProbe& probe : probes_) {
    if (time_ % probe.every != 0) continue;
    probe.times.push_back(double(time_));
    for (uint32_t i : probe.neurons) probe.I.push_back(extra ? I[i] + extra[i] : I[i]);
  }
}

void Network::sample_probes_state() {
  const float* v = neurons_.v()->data();
  const float* u = neurons_.u()->data();
  for (StateProbe& probe : probes_) {
    if (time_ % probe.every != 0) continue;
    for (uint32_t i : probe.neurons) {
      probe.v.push_back(v[i]);
      probe.u.push_back(u[i]);
    }
  }
}

void Network::fire_sources(std::vector<uint32_t>& fired) {
  const size_t before = fired.size();
  inputs_.fire_sources(fired, time_);
  if (fired.size() == before) return;
  // A source's STDP traces are set as an integrated neuron's are at detection (once per
  // listed spike, as a train may list a neuron twice in one ms)...
  if (!learns_from_history_) {
    for (size_t k = before; k < fired.size(); ++k) {
      if (traces_late_) catch_up_traces(fired[k]);
      plasticity_.mark_spike(fired[k], time_);
    }
  }
  // ...but it fires once.
  std::sort(fired.begin() + before, fired.end());
  fired.erase(std::unique(fired.begin() + before, fired.end()), fired.end());
  std::inplace_merge(fired.begin(), fired.begin() + before, fired.end());
}

uint64_t Network::run(uint64_t ms, const MsObserver& on_ms) {
  build();
  event_driven_ = event_driven_applies();
  neuron_updates_ = 0;
  if (event_driven_ && ms > 0) start_event_driven();
  if (!event_driven_ && ms > 0) settle_traces();
  const uint32_t dense_updates = event_driven_ ? 0 : neurons_.integrating();
  for (uint64_t k = 0; k < ms; ++k) {
    const uint64_t t = time_;
    if (event_driven_) {
      step_event_driven();
    } else {
      step();
      neuron_updates_ += dense_updates;
    }
    const auto& fired = history_[t % max_delay_];
    if (!on_ms(t, fired.data(), uint32_t(fired.size()))) return k + 1;
  }
  return ms;
}

void Network::neuron_part(unsigned k, unsigned parts, uint32_t& begin, uint32_t& end) const {
  const auto edge = [&](unsigned j) {
    return j == parts ? neurons() : std::min<uint32_t>(neurons(), uint32_t(uint64_t(neurons()) * j / parts) & ~15u);
  };
  begin = edge(k);
  end = edge(k + 1);
}

void Network::step() {
  const auto started = std::chrono::steady_clock::now();
  const uint64_t events_before = synaptic_events_;
  pool_->set_active(choice_->threads());
  const unsigned parts = pool_->size();
  // I is zero here: integrate_and_decay clears it after use.
  inputs_.apply(neurons_.current(), time_);
  pool_->run([&](unsigned k) { detect_and_potentiate(k, parts); });
  auto& slot = history_[time_ % max_delay_];
  slot.clear();
  for (unsigned k = 0; k < parts; ++k) {
    slot.insert(slot.end(), fired_parts_[k]->data(), fired_parts_[k]->data() + fired_counts_[k]);
  }
  if (inputs_.has_sources()) fire_sources(slot);
  spike_count_ += slot.size();
  if (learns_from_history_) stdp_history_.record(slot.data(), uint32_t(slot.size()));
  if (plasticity_.rewards_active()) plasticity_.update_rewards(slot, time_);
  if (options_.mode == NetworkMode::Reference) gather_deliveries(0, max_delay_, deliveries_[0]);
  lane_events_.fill(0);
  pool_->run([&](unsigned k) { deliver(k, parts); });
  for (uint64_t events : lane_events_) synaptic_events_ += events;
  if (!probes_.empty()) sample_probes_input();
  pool_->run([&](unsigned k) { integrate_and_decay(k, parts); });
  if (!probes_.empty()) sample_probes_state();
  const bool updated = finish_ms(parts);
  const double work = double(synaptic_events_ - events_before) + 0.25 * neurons();
  choice_->ran(std::chrono::steady_clock::now() - started, work, !updated);
}

bool Network::finish_ms(unsigned parts) {
  ++time_;
  bool updated = false;
  if (learns_from_history_) {
    const bool update = time_ % plasticity_.stdp().period_ms == 0;
    updated = update || time_ - stdp_history_.window_start() >= Stdp2006History::kMaxWindowMs;
    if (updated) settle_history(update);
  } else if (time_ % plasticity_.stdp().period_ms == 0 && !frozen_) {
    pool_->run([&](unsigned k) { update_weights(k, parts); });
    updated = true;
  }
  if (plasticity_.has_dopamine_rule() && !frozen_ && plasticity_.dopamine_update_due(time_)) {
    pool_->run([&](unsigned k) { update_dopamine_weights(k, parts); });
    updated = true;
  }
  plasticity_.decay_dopamine();
  return updated;
}

void Network::detect_and_potentiate(unsigned k, unsigned parts) {
  uint32_t begin, end;
  neuron_part(k, parts, begin, end);
  uint32_t* fired = fired_parts_[k]->data();
  const uint32_t count = neurons_.detect(begin, end, fired);
  fired_counts_[k] = count;
  if (learns_from_history_) return;
  const uint8_t* plastic = plasticity_.plastic().data();
  const PlasticityRule* rules = plasticity_.rules().data();
  Synapse* syn = synapses_.synapses();
  const uint32_t* in_src = synapses_.incoming_source();
  const uint32_t* in_syn = synapses_.incoming_synapse();
  const SynapseStore::Groups groups = synapses_.groups_view();
  // The LTP slot of ms t − d for each delay d, or null before time 0 (trace zero); one
  // modulo per delay per ms rather than one per synapse.
  const float* ltp_at_delay[kMaxDelay + 1];
  for (uint32_t d = 1; d <= max_delay_; ++d) ltp_at_delay[d] = time_ >= d ? plasticity_.ltp_slot(time_ - d) : nullptr;
  // The incoming synapses of a neuron of this part are this part's alone.
  for (uint32_t f = 0; f < count; ++f) {
    const uint32_t i = fired[f];
    plasticity_.mark_spike(i, time_);
    if (frozen_) continue;
    SynapseStore::IncomingCursor cursor(synapses_, i);
    const uint32_t last = synapses_.incoming_end(i);
    for (uint32_t e = synapses_.incoming_begin(i); e < last; ++e) {
      // The entries are sequential; the synapses and traces they name are scattered.
      constexpr uint32_t kAhead = 8;
      if (e + kAhead < last) {
        const uint32_t ahead = in_src[e + kAhead];
        if (in_syn != nullptr) {
          __builtin_prefetch(syn + in_syn[e + kAhead], 1);
        } else {
          // Two hops: the group's index further ahead, the group itself nearer.
          if (e + 2 * kAhead < last) {
            const uint32_t further = in_src[e + 2 * kAhead];
            __builtin_prefetch(synapses_.group_index(further >> 8, further & 0xFF));
          }
          __builtin_prefetch(syn + groups.begin(ahead >> 8, ahead & 0xFF), 1);
        }
        if (ltp_at_delay[ahead & 0xFF] != nullptr) __builtin_prefetch(ltp_at_delay[ahead & 0xFF] + (ahead >> 8));
      }
      const uint32_t s = cursor.synapse(e);
      const uint32_t delay = in_src[e] & 0xFF;
      const uint32_t pre = in_src[e] >> 8;
      if (time_ < delay) continue;
      const uint16_t p = synapses_.projection(pre, s);
      if (!plastic[p]) continue;
      const PlasticityRule& rule = rules[p];
      if (rule.kind != PlasticityRule::Kind::Pair) {
        // The presynaptic trace as it was `delay` ms ago.
        stdp_potentiate(syn[s], ltp_at_delay[delay][pre]);
        continue;
      }
      pair_potentiate(syn[s].weight, rule, plasticity_.pair_x(plasticity_.pair_traces(rule.trace_set), time_ - delay, pre));
    }
  }
}

void Network::gather_deliveries(uint32_t age_begin, uint32_t age_end, std::vector<Delivery>& out) const {
  // The groups of spikes aged [age_begin, age_end) ms, in the reference order: newest
  // first, descending neuron within a ms, each with its synapses of delay age + 1. Each
  // lookup reads two index entries somewhere in memory: the entries of a spike kAhead
  // further on are fetched while this one is read.
  constexpr uint32_t kAhead = 8;
  out.clear();
  const SynapseStore::Groups groups = synapses_.groups_view();
  for (uint32_t age = age_begin; age < age_end && age <= time_; ++age) {
    const auto& spikes = history_[(time_ - age) % max_delay_];
    const uint32_t n = uint32_t(spikes.size());
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t pre = spikes[n - 1 - i];
      if (i + kAhead < n) {
        const uint32_t ahead = spikes[n - 1 - i - kAhead];
        __builtin_prefetch(groups.base + ahead);
        __builtin_prefetch(synapses_.group_index(ahead, age + 1));
      }
      const uint32_t begin = groups.begin(pre, age + 1), end = groups.end(pre, age + 1);
      if (begin != end) out.push_back({pre, begin, end});
    }
  }
}

void Network::deliver(unsigned k, unsigned parts) {
  if (options_.mode == NetworkMode::Fast) {
    // Lane l gathers and delivers the spikes of its ages into its own input array; the
    // lanes are summed in lane order at integration. Thread k takes lanes k, k + parts...
    for (unsigned lane = k; lane < kDeliveryLanes; lane += parts) {
      gather_deliveries(lane_ages_[lane], lane_ages_[lane + 1], deliveries_[lane]);
      float* input = lane == 0 ? neurons_.current() : lane_input_->data();
      lane_events_[lane] = deliver_groups<false>(deliveries_[lane], input, 0, neurons());
    }
    return;
  }
  // Part k takes the synapses onto postsynaptic neurons [low, high): every part walks
  // all groups in the reference order, so each I[q] and sd[s] sees the serial order.
  uint64_t low, high;
  split_range(neurons(), parts, k, low, high);
  const uint64_t events = deliver_groups<false>(deliveries_[0], neurons_.current(), uint32_t(low), uint32_t(high - low));
  if (k == 0) lane_events_[0] = events;
}

template <bool kTouch>
uint64_t Network::deliver_groups(const std::vector<Delivery>& list, float* I, uint32_t low, uint32_t span) {
  Synapse* syn = synapses_.synapses();
  const uint8_t* plastic = plasticity_.plastic().data();
  const PlasticityRule* rules = plasticity_.rules().data();
  const float* ltd = plasticity_.ltd();
  const bool learning = !frozen_ && !learns_from_history_;
  const size_t count = list.size();
  uint64_t events = 0;
  for (size_t g = 0; g < count; ++g) {
    // Each group sits elsewhere in memory: fetch a few groups ahead (two lines each,
    // as a group of 12-byte synapses may straddle them).
    constexpr size_t kAhead = 6;
    if (g + kAhead < count) {
      const Synapse* ahead = syn + list[g + kAhead].begin;
      __builtin_prefetch(ahead, 1);
      __builtin_prefetch(ahead + 5, 1);
    }
    const uint32_t pre = list[g].pre, begin = list[g].begin, end = list[g].end;
    events += end - begin;
    // Decided once per group when all of the neuron's synapses share a projection.
    const uint16_t single = synapses_.single_projection(pre);
    if (single != SynapseStore::kMixedProjections &&
        (!learning || !plastic[single] || rules[single].kind != PlasticityRule::Kind::Pair)) {
      if (learning && plastic[single]) {
        for (uint32_t s = begin; s < end; ++s) {
          const uint32_t q = syn[s].post;
          if (q - low >= span) continue;  // another part's (unsigned wrap covers q < low)
          I[q] += syn[s].weight;
          if constexpr (kTouch) touch(q);
          stdp_depress(syn[s], ltd[q]);
        }
      } else if constexpr (kTouch) {
        // Event-driven: the whole network is one part. Restrict-qualified locals, since a
        // store through the byte flags could otherwise alias everything and force every
        // pointer to be reloaded per synapse (the loop is this mode's hot spot).
        const Synapse* __restrict from = syn + begin;
        const Synapse* __restrict to = syn + end;
        float* __restrict input = I;
        uint8_t* __restrict flags = event_flags_.data();
        for (; from < to; ++from) {
          const uint32_t q = from->post;
          const float before = input[q];
          input[q] = before + from->weight;
          // Only a neuron's first input of the ms can find it unmarked (its I is 0 until
          // then; inputs that cancel to 0 leave it marked), so the flag is read rarely.
          if (before == 0.0f && !(flags[q] & kActive)) {
            flags[q] |= kActive;
            active_.push_back(q);
          }
        }
      } else {
        for (uint32_t s = begin; s < end; ++s) {
          const uint32_t q = syn[s].post;
          if (q - low >= span) continue;
          I[q] += syn[s].weight;
        }
      }
      continue;
    }
    for (uint32_t s = begin; s < end; ++s) {
      const uint32_t q = syn[s].post;
      if (q - low >= span) continue;
      I[q] += syn[s].weight;
      if constexpr (kTouch) touch(q);
      const uint16_t p = synapses_.projection(pre, s);
      if (!learning || !plastic[p]) continue;
      const PlasticityRule& rule = rules[p];
      if (rule.kind != PlasticityRule::Kind::Pair) {
        stdp_depress(syn[s], ltd[q]);
        continue;
      }
      pair_depress(syn[s].weight, rule, plasticity_.pair_traces(rule.trace_set).y[q]);
    }
  }
  return events;
}

void Network::integrate_and_decay(unsigned k, unsigned parts) {
  uint32_t begin, end;
  neuron_part(k, parts, begin, end);
  float* I = neurons_.current();
  if (lane_input_) {
    // Fast mode: the second delivery lane's inputs join the first's, in that order.
    float* extra = lane_input_->data();
    for (uint32_t i = begin; i < end; ++i) {
      I[i] += extra[i];
      extra[i] = 0;
    }
  }
  neurons_.integrate(begin, end);
  std::fill(I + begin, I + end, 0.0f);
  if (!learns_from_history_) plasticity_.decay_traces(begin, end, time_, decay_);
}

// --- Event-driven updates ---
//
// Most neurons of a large LIF circuit rest: no input, v at a point their integration
// leaves as it is (lif_rests: e.g. v = v_rest, or any v of a perfect integrator) and
// not refractory. Their update is the identity, and they cannot start firing unless v
// changes. So a run may integrate only the neurons of `active_`: those not at rest
// after the last integration (leaking, refractory), those the delivery gives input to
// (delivery touches them), and those that fired. After integration, those at rest
// leave `active_`, and those at or above threshold are detection's candidates at the
// next ms; every other neuron kept the v it had below threshold at that ms's detection,
// so it would not fire. Detection runs over the candidates in ascending order, so the
// fired list is the dense one (delivery's order depends on it). The sets are made from
// every neuron at the start of each run: JavaScript may have written v and u since the
// last (or loaded the network), and a neuron above threshold then fires at the first ms.
//
// It is exact only when nothing else touches every neuron every ms: no Izhikevich
// neuron (it never rests), no current input, and nothing that learns now (the
// potentiation and depression of the fused loops and the weight updates then write
// nothing). What is left per neuron per ms is the decay of the STDP traces (kept in
// reference mode, and in fast mode with pair or dopamine rules, learning or not: they
// are state, saved in checkpoints and learned from later). Nothing reads them while
// nothing learns, so they decay late: a neuron's traces catch up (Plasticity::
// catch_up_traces, bit-identical) when it fires, before its mark, and all of them before
// a dense ms or a save. Spike sources, probes, rewards and dopamine work as in the dense
// loop. It runs on the calling thread: it is the work of the spikes alone.

bool Network::event_driven_applies() const {
  return options_.event_driven_neurons && !neurons_.has_izhikevich() && !inputs_.has_currents() &&
         (frozen_ || !plasticity_.any_plastic());
}

void Network::start_event_driven() {
  const uint32_t n = neurons();
  if (event_flags_.size() != n) {
    event_flags_.assign(n, 0);
    active_.clear();
  }
  for (uint32_t i : active_) event_flags_[i] &= uint8_t(~kActive);
  active_.clear();
  candidates_.clear();
  const uint32_t* blocks = neurons_.lif_index();
  const float* v = neurons_.v()->data();
  const float* u = neurons_.u()->data();
  const bool exact = neurons_.exact();
  for (uint32_t i = 0; i < n; ++i) {
    if (blocks[i] == NeuronStore::kNotLif) continue;  // a spike source
    const LifBlock& block = neurons_.lif(blocks[i]);
    const uint32_t k = i - block.range.first;
    if (v[i] >= float(lif_at(block.v_threshold, k))) candidates_.push_back(i);
    if (!lif_rests(block, exact, k, v[i], u[i])) touch(i);
  }
  if (!learns_from_history_ && !traces_late_) {
    plasticity_.prepare_catch_up();
    trace_since_.assign(n, 0);
    traces_from_ = time_;
    traces_late_ = true;
  }
  pool_->set_active(1);
}

void Network::settle_traces() {
  if (!traces_late_) return;
  for (uint32_t i = 0; i < neurons(); ++i) catch_up_traces(i);
  traces_late_ = false;
}

void Network::step_event_driven() {
  if (traces_late_ && time_ - traces_from_ >= UINT32_MAX) {
    // trace_since_ counts ms in 32 bits: start again from now.
    settle_traces();
    trace_since_.assign(neurons(), 0);
    traces_from_ = time_;
    traces_late_ = true;
  }
  const uint32_t* blocks = neurons_.lif_index();
  float* v = neurons_.v()->data();
  float* u = neurons_.u()->data();
  float* I = neurons_.current();
  const bool exact = neurons_.exact();
  // Detection (no current input to apply): the candidates, ascending.
  auto& slot = history_[time_ % max_delay_];
  slot.clear();
  std::sort(candidates_.begin(), candidates_.end());
  for (uint32_t i : candidates_) {
    const LifBlock& block = neurons_.lif(blocks[i]);
    if (!lif_detect_one(block, i - block.range.first, v[i], u[i])) continue;
    slot.push_back(i);
    touch(i);  // reset: integrated this ms
    // Its traces, as detect_and_potentiate sets them; nothing learns, so nothing is potentiated.
    if (!learns_from_history_) {
      catch_up_traces(i);
      plasticity_.mark_spike(i, time_);
    }
  }
  candidates_.clear();
  if (inputs_.has_sources()) fire_sources(slot);
  spike_count_ += slot.size();
  if (learns_from_history_) stdp_history_.record(slot.data(), uint32_t(slot.size()));
  if (plasticity_.rewards_active()) plasticity_.update_rewards(slot, time_);
  // Delivery, as the dense loop on one thread does it.
  if (options_.mode == NetworkMode::Reference) {
    gather_deliveries(0, max_delay_, deliveries_[0]);
    synaptic_events_ += deliver_groups<true>(deliveries_[0], I, 0, neurons());
  } else {
    for (unsigned lane = 0; lane < kDeliveryLanes; ++lane) {
      gather_deliveries(lane_ages_[lane], lane_ages_[lane + 1], deliveries_[lane]);
      synaptic_events_ += deliver_groups<true>(deliveries_[lane], lane == 0 ? I : lane_input_->data(), 0, neurons());
    }
  }
  if (!probes_.empty()) sample_probes_input();
  // Integration of the active neurons; every other I (and second lane) is 0.
  float* extra = lane_input_ ? lane_input_->data() : nullptr;
  size_t kept = 0;
  for (size_t a = 0; a < active_.size(); ++a) {
    const uint32_t i = active_[a];
    if (extra != nullptr) {
      I[i] += extra[i];
      extra[i] = 0;
    }
    if (blocks[i] == NeuronStore::kNotLif) {  // a spike source given input (only a checkpoint could say so)
      I[i] = 0;
      event_flags_[i] &= uint8_t(~kActive);
      continue;
    }
    const LifBlock& block = neurons_.lif(blocks[i]);
    const uint32_t k = i - block.range.first;
    lif_integrate_one(block, exact, k, v[i], u[i], I[i]);
    I[i] = 0;
    if (v[i] >= float(lif_at(block.v_threshold, k))) candidates_.push_back(i);
    if (lif_rests(block, exact, k, v[i], u[i])) {
      event_flags_[i] &= uint8_t(~kActive);
    } else {
      active_[kept++] = i;
    }
  }
  neuron_updates_ += active_.size();
  active_.resize(kept);
  if (!probes_.empty()) sample_probes_state();
  finish_ms(1);
}

template <typename Update>
void Network::for_each_plastic_synapse(unsigned k, unsigned parts, PlasticityRule::Kind kind, Update&& update) {
  // Split by presynaptic neuron: each synapse is one part's, whatever the thread count.
  uint64_t begin, end;
  split_range(neurons(), parts, k, begin, end);
  Synapse* syn = synapses_.synapses();
  const uint8_t* plastic = plasticity_.plastic().data();
  const PlasticityRule* rules = plasticity_.rules().data();
  for (uint32_t pre = uint32_t(begin); pre < end; ++pre) {
    const uint16_t single = synapses_.single_projection(pre);
    if (single != SynapseStore::kMixedProjections && (!plastic[single] || rules[single].kind != kind)) continue;
    for (uint32_t s = synapses_.outgoing_begin(pre); s < synapses_.outgoing_end(pre); ++s) {
      const uint16_t p = synapses_.projection(pre, s);
      if (plastic[p] && rules[p].kind == kind) update(syn[s], rules[p]);
    }
  }
}

void Network::update_weights(unsigned k, unsigned parts) {
  const Stdp2006& c = plasticity_.stdp();
  const float w_min = float(c.w_min);
  const float w_max = float(c.w_max);
  for_each_plastic_synapse(k, parts, PlasticityRule::Kind::Stdp2006,
                           [&](Synapse& s, const PlasticityRule&) { stdp_update_weight(s, c, w_min, w_max); });
}

void Network::update_dopamine_weights(unsigned k, unsigned parts) {
  const double dopamine = plasticity_.dopamine();
  for_each_plastic_synapse(k, parts, PlasticityRule::Kind::Dopamine, [&](Synapse& s, const PlasticityRule& rule) {
    if (time_ % rule.period_ms == 0) dopamine_update_weight(s, rule, dopamine);
  });
}

void Network::settle_history(bool update) {
  if (frozen_) {
    stdp_history_.skip(time_);
    return;
  }
  // One long pass over every synapse: all threads pay, whatever the loop uses.
  const unsigned in_use = pool_->size();
  pool_->set_active(pool_->capacity());
  stdp_history_.settle(time_, update, synapses_, plasticity_, *pool_);
  pool_->set_active(in_use);
}

std::vector<float> Network::derivatives() {
  build();
  std::vector<float> out(synapses_.size());
  if (learns_from_history_ && !frozen_) {
    stdp_history_.settled_derivatives(time_, synapses_, plasticity_, *pool_, out.data());
  } else {
    for (uint64_t s = 0; s < out.size(); ++s) out[s] = synapses_.synapses()[s].derivative;
  }
  return out;
}

void Network::settle_plasticity() {
  if (built_ && learns_from_history_) settle_history(false);
}

void Network::set_frozen(bool frozen) {
  // The window so far learns under the old setting.
  if (built_ && learns_from_history_ && frozen != frozen_) settle_history(false);
  frozen_ = frozen;
}

uint64_t Network::state_bytes() const {
  return synapses_.bytes() + plasticity_.trace_bytes() + stdp_history_.memory_bytes();
}

uint64_t Network::memory_bytes() const {
  auto bytes = [](const auto& v) { return uint64_t(v.capacity()) * sizeof(typename std::decay_t<decltype(v)>::value_type); };
  uint64_t total = synapses_.bytes() + plasticity_.trace_capacity_bytes() + bytes(pending_.pre) + bytes(pending_.post) +
                   bytes(pending_.delay) + bytes(pending_.weight) + bytes(pending_.projection);
  for (const auto& slot : history_) total += bytes(slot);
  total += bytes(event_flags_) + bytes(active_) + bytes(candidates_) + bytes(trace_since_);
  return total + neurons_.memory_bytes() + stdp_history_.memory_bytes();
}

}  // namespace polychron
