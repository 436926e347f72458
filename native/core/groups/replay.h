// The group search's noise-free replay, the 2006 group finder's step for step (spec
// polychronous-groups.md, "Detection"); used by search.cpp only.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/groups/search.h"

namespace polychron {

// What every replay of one search shares: the synapses spikes travel along, the strong
// inputs, the budget's bounds and the neurons' rest trajectories.
struct ReplayTables {
  // `origin`: the ms a replay's budget counts from (0 in the search, the pattern's last
  // firing in a pattern replay).
  ReplayTables(const PngNetwork& network, const PngOptions& options, uint32_t origin);

  const PngNetwork& net;
  PngOptions options;   // latency and max_spikes resolved
  uint32_t origin;
  uint32_t window;      // ms a replay runs before any extension
  uint32_t extend_cap;  // the ms an extension reaches at most (the 2006 finder's N − D − 1 from origin)
  uint32_t horizon;     // no replay runs to this ms
  // Synapses a spike travels along (strong ones of excitatory neurons, all of inhibitory
  // ones), by presynaptic neuron, by delay: those of `pre` with delay d are
  // [travel_at[pre·(D+2) + d], travel_at[pre·(D+2) + d + 1]), in the network's order.
  std::vector<uint32_t> travel_at, travel_post;
  std::vector<float> travel_weight;
  // A kick: one spike reaching a neuron at rest (its kind's rest state, once that has
  // stopped changing). The kick of each travelling synapse, by (kind of post, weight);
  // kNoKick past the first kMostKicks kinds of kick.
  static constexpr uint32_t kNoKick = (1u << 24) - 1, kMostKicks = kNoKick;
  std::vector<uint32_t> travel_kick;
  std::vector<std::pair<uint32_t, float>> kick_of;  // by kick: (kind, weight)
  // Strong excitatory inputs of each excitatory neuron: (pre, delay), pre ascending.
  std::vector<std::vector<std::pair<uint32_t, uint8_t>>> strong_inputs;
  // The state of a neuron left alone since the replay began: the 2006 finder steps every
  // neuron every ms, and from v = −70, u = b·v the first steps move v by a rounding error.
  // One trajectory per (a, b) kind, until it stops changing (then its last state repeats).
  std::vector<uint32_t> kind_of;                              // by neuron
  std::vector<std::pair<double, double>> kind_ab;             // by kind: (a, b)
  std::vector<std::vector<std::pair<double, double>>> rest;  // by kind: (v, u) after 0, 1, … steps
  // Kinds whose neurons, left alone from there, fire within the horizon (b = 0.25, say:
  // v = −70, u = b·v is no rest for them) and their neurons, stepped from ms 0 in every
  // replay as the finder steps every neuron.
  std::vector<uint8_t> kind_restless;
  std::vector<uint32_t> restless;

  // Whether a neuron at rest that `kick` alone reaches stays below threshold for `horizon`
  // ms (then it can change nothing until a second spike reaches it). Computed on first
  // use by whichever thread asks (each computes the same answer).
  bool quiet_alone(uint32_t kick) const;
  // The ms from which a neuron of `kind` left alone is in its final rest state.
  uint32_t resting_from(uint32_t kind) const { return uint32_t(rest[kind].size() - 1); }

  const uint32_t* travel_of(uint32_t pre) const { return &travel_at[size_t(pre) * (net.max_delay + 2)]; }
  std::pair<double, double> rest_at(uint32_t neuron, uint32_t t) const {
    const auto& trajectory = rest[kind_of[neuron]];
    return trajectory[std::min<size_t>(t, trajectory.size() - 1)];
  }

 private:
  enum : uint8_t { kUnknown, kQuiet, kMayFire };
  std::unique_ptr<std::atomic<uint8_t>[]> kick_quiet_;  // by kick
};

// A group's firing list order: time, then neuron.
void sort_by_time_then_neuron(std::vector<PngFiring>& firings);

// One ms of a neuron, as the 2006 finder computes it (the order of the operations included).
inline void izhikevich_step(double& v, double& u, double input, double a, double b) {
  v += 0.5 * ((0.04 * v + 5) * v + 140 - u + input);
  v += 0.5 * ((0.04 * v + 5) * v + 140 - u + input);
  u += a * (b * v - u);
}

// One thread's replay: double-precision state; each ms the spikes due are added to the
// input, every neuron is stepped (two half-ms steps of v, then u), and those at v >= 30
// fire in ascending order and send spikes. It computes what stepping every neuron would,
// with less work:
// - a neuron no spike has reached is at its rest trajectory's state, read when one does
//   (unless left alone it would fire: then it is stepped from the start);
// - a neuron at rest that one spike reaches, if that kick alone cannot make it fire
//   (ReplayTables::quiet_alone), is only noted; it gets a state when a second spike
//   reaches it (most never do);
// - a neuron that one ms of input reaches in a state from which, with no further input,
//   it would not fire before the replay's end follows the response to that state and
//   input, shared by every such neuron and cached per thread; it is looked at again only
//   when the next spike reaches it or the end moves (most are reached once or twice,
//   from rest).
class Replay {
 public:
  explicit Replay(const ReplayTables& tables);

  // Replays the network from rest with `forced` firings (listed first, in their order, as
  // layer 1, sending before the replay starts) for the budget.
  void simulate(const std::vector<ForcedFiring>& forced);
  // After simulate() with the anchors forced: appends the group if the finder reports it.
  void keep_if_group(uint32_t mother, uint32_t anchors, std::vector<PolychronousGroup>& out);
  const std::vector<PngFiring>& firings() const { return firings_; }
  void reset();

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Spike {
    uint32_t post, pre;
    float weight;
    uint32_t delay : 8;  // ms
    uint32_t kick : 24;  // ReplayTables::travel_kick
  };
  struct Arrival {
    uint32_t time, pre;
    uint8_t delay;
  };
  // The states of a neuron of `kind` from (v, u) after one ms of `input` and then none:
  // (v, u) after 1, 2, … steps, computed as far as a replay has asked, up to its firing.
  struct QuietResponse {
    uint32_t kind;
    double v, u, input;
    std::vector<std::pair<double, double>> states;
    bool fires = false;  // the step after the last state fires
  };

  // Sends the spikes of `neuron` fired at t along its travelling synapses of delay >=
  // min_delay; returns the arrival ms of the last one (0: none sent).
  uint32_t send(uint32_t neuron, uint32_t t, uint32_t min_delay);
  // Spikes due at ms t are stored as the 2006 finder stores them: N to a ms, the k-th at
  // row t + k / N, column k % N, so that a ms with more than N spikes spills into the rows
  // of the next ones (and is read back so).
  void store(uint32_t t, const Spike& spike);
  const Spike& stored(uint32_t t, uint32_t k) const {
    return rows_[t + k / row_length_][k % row_length_];
  }
  // The slot of `neuron`, made at rest when a spike first reaches it at ms t.
  uint32_t touch(uint32_t neuron, uint32_t t);
  // The slot of a neuron kicked at ms kicked_at and left alone since, made at ms t; the
  // neuron is reached now.
  uint32_t wake_kicked(uint32_t neuron, uint32_t t);
  // A slot's state.
  struct Slot {
    uint32_t neuron;
    uint32_t quiet_since;  // the ms of a quiet neuron's input; kNone: stepped
    uint32_t quiet_as;     // its response
    bool fired;            // listed as a firing of the replay (its arrivals are collected)
    double v, u, input;
  };
  // The response of a neuron of `kind` in state (v, u) to `input`.
  uint32_t response_to(uint32_t kind, double v, double u, double input);
  // Whether a neuron following `response` does not fire in its first `steps` steps.
  bool quiet_for(uint32_t response, uint32_t steps);
  // After quiet_for(response, k): the state k steps after the input.
  std::pair<double, double> quiet_state(uint32_t response, uint32_t k) const { return responses_[response].states[k - 1]; }
  // After the end moved to `end` at ms t: quiet neurons that would fire before it are stepped.
  void wake_before(uint32_t end, uint32_t t);
  // The spikes of the ms before `until` that reached each firing's neuron, by slot.
  void collect_arrivals(uint32_t until);

  const ReplayTables& s_;
  const uint32_t row_length_;
  std::vector<std::vector<Spike>> rows_;  // kept allocated
  std::vector<uint32_t> due_count_;       // by ms
  uint32_t rows_used_ = 0;
  uint32_t steps_done_ = 0;               // ms simulated by the last simulate()
  std::vector<uint32_t> slot_of_;         // by neuron
  std::vector<uint32_t> kicked_at_;       // by neuron without a slot: the ms of its one kick (kNone: none)
  std::vector<float> kick_weight_;        // by neuron kicked: the kick's weight
  std::vector<uint32_t> kicked_;          // the neurons kicked, to clear
  std::vector<Slot> slots_;               // the neurons spikes reached, in the order they were first reached
  std::vector<uint32_t> stepped_;         // slots stepped every ms
  std::vector<uint32_t> reached_now_;     // slots not stepped that spikes reach this ms
  std::vector<std::vector<Arrival>> arrivals_;  // kept allocated
  std::vector<PngFiring> firings_;
  std::vector<uint32_t> fired_now_;
  std::vector<uint32_t> best_layer_;  // by neuron: 1 + its largest layer so far in the link pass (0: none)
  static constexpr size_t kMostResponses = size_t(1) << 16;
  static constexpr size_t kLongStates = 256;  // a reused response keeps at most this many states' room
  std::vector<QuietResponse> responses_;      // the first responses_used_ are in the table
  uint32_t responses_used_ = 0;
  // Open addressing by hash of (kind, v, u, input): the hash's high half and the response.
  static constexpr uint64_t kNoEntry = ~uint64_t(0);
  std::vector<uint64_t> response_table_;
};

}  // namespace polychron
