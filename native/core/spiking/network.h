// The spiking network: neurons (spiking/neurons.h: each model's own parameters), synapses
// with axonal delays, inputs, the 2006 STDP rule, and the millisecond loop of
// ../shared/spec/spnet.md.
//
// One millisecond t, in this order:
//   1. I = 0; then thalamic inputs, scheduled currents and constant currents (each kind
//      in the order added) assign or add their current;
//   2. detection: neurons at the peak reset; for each (ascending), its STDP traces are
//      set (LTP(t) = A+, LTD = A−) and each plastic incoming synapse gains
//      sd += LTP_pre(t − delay);
//   3. delivery: spikes of the last D ms, newest first (descending neuron within a ms),
//      deliver their synapses of delay age + 1 in stored order: I[post] += w and, for a
//      plastic synapse, sd −= LTD_post;
//   4. integration of every neuron with I (which is then cleared for the next ms);
//      traces decay: LTP(t+1) = decay+·LTP(t), LTD ×= decay−;
//   5. every `period` ms: for each plastic synapse, w += bias + sd, sd ×= decay_sd,
//      w clipped to [w_min, w_max].
// Event-driven neuron updates: when no neuron is Izhikevich, no current input is added
// and nothing learns now (frozen, or no plastic projection), a run updates only the
// neurons whose update is not the identity (see "Event-driven updates" in network.cpp),
// with the same results, bit for bit, as the dense loop above.
// Reference mode does exactly this with the exact neuron numerics; fast mode uses the
// fast (float32, fused multiply-add) neuron kernels and, when every rule is the 2006
// rule, computes steps 2, 3 and 5's STDP from spike histories once per period
// (spiking/stdp_history.h) instead of at every event.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_array.h"
#include "core/kernels/trace_decay.h"
#include "core/spiking/connectivity.h"
#include "core/spiking/inputs.h"
#include "core/spiking/lif.h"
#include "core/spiking/neurons.h"
#include "core/spiking/plasticity.h"
#include "core/spiking/population.h"
#include "core/spiking/stdp_history.h"
#include "core/spiking/synapses.h"
#include "core/spiking/thread_choice.h"
#include "core/thread_pool.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

enum class NetworkMode { Reference, Fast };
NetworkMode parse_network_mode(const std::string& name, const char* param);
const char* network_mode_name(NetworkMode mode);

constexpr unsigned kAutoThreads = 0;
constexpr unsigned kMaxThreads = 256;

struct NetworkOptions {
  NetworkMode mode = NetworkMode::Reference;
  SimdLevel simd = SimdLevel::Scalar;
  uint64_t seed = 0;
  // Threads for the millisecond loop, or 0 for one per core (kAutoThreads). Every
  // phase is split so that each value is written by one thread in the serial order, so
  // results do not depend on it, and the loop uses them only while they pay
  // (spiking/thread_choice.h).
  unsigned threads = kAutoThreads;
  // False: use every thread at every ms, paying or not (benchmarks, tests).
  bool adaptive_threads = true;
  // Smaller synapses (see SynapseStore): 4 bytes less per plastic synapse, slower STDP.
  bool compact_synapses = false;
  // The most bytes the synapses may take: a network that would need more is refused when
  // it is built, before allocating them (the same default as the LUT models' limit).
  uint64_t memory_limit = uint64_t(8) << 30;
  // Whether runs may update only the neurons that do not rest, where that is exact
  // (see network.cpp); false: every neuron every ms (benchmarks, tests). Not part of
  // checkpoints.
  bool event_driven_neurons = true;
  Stdp2006 stdp;
};

// Records v, u and I of chosen neurons every `every` ms: at ms t (t mod every = 0) the
// input I of that ms and v, u after its update.
struct StateProbe {
  std::vector<uint32_t> neurons;
  uint32_t every = 1;
  std::vector<double> times;
  std::vector<float> v, u, I;  // neurons.size() values per sample
};

class Network {
 public:
  explicit Network(const NetworkOptions& options);

  // --- Building (before the first step) ---
  // Adds Izhikevich neurons (vectors of 1 or `size` values) and returns the first index.
  uint32_t add_izhikevich(uint32_t size, const IzhikevichParameters& parameters, const std::vector<double>& v,
                          const std::vector<double>& u);
  // Adds leaky integrate-and-fire neurons (see spiking/lif.h) and returns the first index.
  uint32_t add_lif(uint32_t size, const LifParameters& parameters, const std::vector<double>& v);
  // Starts a projection and returns its id; its synapses follow.
  uint16_t add_projection(const PlasticityRule& rule);
  // Removes the last projection again, before the build: connect() refused its synapses.
  void drop_projection(uint16_t projection);
  void generate(uint16_t projection, const std::vector<NeuronRange>& sources,
                const std::vector<NeuronRange>& targets, const ProjectionRule& rule,
                const ValueRule& delay, const ValueRule& weight);
  void add_synapses(uint16_t projection, const uint32_t* pre, const uint32_t* post,
                    const double* delay, const double* weight, uint64_t n);
  void add_thalamic(NeuronRange range, uint32_t per_ms, float value);
  void add_schedule(ScheduledInput input);
  void add_constant(ConstantInput input);
  void add_stepped(SteppedInput input);
  void add_noise(NeuronRange range, double low, double high);
  // Adds `count` source neurons (indices returned from the first) that fire per `source`.
  uint32_t add_source(uint32_t count, SpikeSource source);
  // Replaces the spikes still to come of the train source whose first neuron is `first`
  // (any time; see Inputs::set_train): how a built network is fed new input.
  void set_train(uint32_t first, SpikeSource source) { inputs_.set_train(first, std::move(source), time_); }
  // Adds a projection whose synapses `rule` draws when the network is built, presynaptic
  // neuron by presynaptic neuron (no list of them all: for compilers of large circuits).
  void add_drawn(std::shared_ptr<const DrawnProjection> rule);
  // Adds a state probe (any time) and returns its id.
  uint32_t add_probe(std::vector<uint32_t> neurons, uint32_t every);
  // Hands over the samples recorded so far and clears them.
  StateProbe take_probe(uint32_t id);
  // Compresses the synapses and allocates the state; later building throws.
  void build();
  bool built() const { return built_; }

  // --- Running ---
  // Simulates `ms` milliseconds. After each, on_ms(t, fired, count) sees the spikes of
  // millisecond t; returning false stops the run. Returns the ms simulated.
  using MsObserver = std::function<bool(uint64_t t, const uint32_t* fired, uint32_t count)>;
  uint64_t run(uint64_t ms, const MsObserver& on_ms);

  // --- State ---
  uint32_t neurons() const { return neurons_.size(); }
  bool has_lif() const { return neurons_.has_lif(); }
  uint64_t time() const { return time_; }
  NetworkMode mode() const { return options_.mode; }
  const NetworkOptions& options() const { return options_; }
  const NeuronStore& neuron_store() const { return neurons_; }
  SynapseStore& synapses() { return synapses_; }
  // Every synapse's STDP derivative now, in storage order (fast mode learns from spike
  // histories once per period: this adds what is pending without changing the run).
  std::vector<float> derivatives();
  // Adds what fast mode's STDP has pending to sd, ending its window now; for callers
  // that change sd themselves.
  void settle_plasticity();
  const SynapseStore& synapses() const { return synapses_; }
  uint64_t synaptic_events() const { return synaptic_events_; }
  uint64_t spike_count() const { return spike_count_; }
  // Threads the loop was given (`threads`, or the cores for auto), and those it uses now.
  unsigned threads() const { return pool_ ? pool_->capacity() : resolved_threads(); }
  unsigned threads_in_use() const { return pool_ ? pool_->size() : 1; }
  const Plasticity& plasticity() const { return plasticity_; }
  // Whether a projection learns now (see Plasticity::set_plastic).
  void set_plastic(uint32_t projection, bool plastic);
  // Number and mean weight of the synapses of projections that learn now.
  std::pair<uint64_t, double> plastic_weights();
  // Dopamine: the level, a reward now, a reward rule, the per-ms decay.
  double dopamine() const { return plasticity_.dopamine(); }
  void reward(double amount) { plasticity_.reward(amount); }
  void add_pair_reward(PairReward reward) { plasticity_.add_pair_reward(reward, neurons()); }
  void set_dopamine_decay(double decay) { plasticity_.set_dopamine_decay(decay); }
  bool frozen() const { return frozen_; }
  void set_frozen(bool frozen);
  // NetworkOptions::event_driven_neurons, from the next run on (a loaded network's).
  void set_event_driven_neurons(bool allowed) { options_.event_driven_neurons = allowed; }
  // Whether the last run updated its neurons event-driven, and how many neuron updates
  // (integrations of a neuron over a ms) it did: neurons × ms for the dense loop, spike
  // sources left out.
  bool last_run_event_driven() const { return event_driven_; }
  uint64_t last_run_neuron_updates() const { return neuron_updates_; }
  // Whether STDP is computed from spike histories (fast mode, 2006 rules only).
  bool learns_from_history() const { return learns_from_history_; }
  uint64_t state_bytes() const;
  // Bytes of native memory this network holds: what is being built, then the synapses,
  // plasticity traces, spike history and neuron state (an account for the JS garbage
  // collector, within a few percent; capacities of vectors, not their sizes).
  uint64_t memory_bytes() const;

  // Checkpoint payloads (spiking/checkpoint.h): the network's own fields and each
  // part's, in the order of the format. Saving (the current version) builds the network
  // first; loading reads `version` (1 or the current).
  void save(BinaryWriter& out);
  static std::unique_ptr<Network> load(BinaryReader& in, uint32_t version, SimdLevel simd, unsigned threads);

 private:
  void require_building(const char* what) const;
  void step();
  // The end of a ms after integration: the clock, the weight updates due, dopamine;
  // returns whether weights were updated.
  bool finish_ms(unsigned parts);
  // Phases of step(), each over part k of `parts` (neurons, or postsynaptic neurons
  // for delivery, or synapses for the weight update).
  void detect_and_potentiate(unsigned k, unsigned parts);
  // The delay groups of spikes aged [age_begin, age_end) ms, in the reference order.
  struct Delivery {
    uint32_t pre, begin, end;  // synapses [begin, end) of neuron pre (one delay group)
  };
  void gather_deliveries(uint32_t age_begin, uint32_t age_end, std::vector<Delivery>& out) const;
  // Adds the groups' weights to I of targets in [low, low + span) (and depresses); returns
  // the events. kTouch: each target joins the neurons integrated this ms (event-driven).
  template <bool kTouch>
  uint64_t deliver_groups(const std::vector<Delivery>& list, float* I, uint32_t low, uint32_t span);
  void deliver(unsigned k, unsigned parts);
  void integrate_and_decay(unsigned k, unsigned parts);
  void update_weights(unsigned k, unsigned parts);
  void update_dopamine_weights(unsigned k, unsigned parts);
  // Calls update(synapse, rule) for part k of the synapses of enabled projections of `kind`.
  template <typename Update>
  void for_each_plastic_synapse(unsigned k, unsigned parts, PlasticityRule::Kind kind, Update&& update);
  // Neurons [begin, end) of part k, aligned to 16 so that SIMD blocks do not straddle parts.
  void neuron_part(unsigned k, unsigned parts, uint32_t& begin, uint32_t& end) const;
  void start_threads();
  unsigned resolved_threads() const;
  // Whether STDP is computed from spike histories: fast mode, every rule 2006 or none.
  bool stdp_from_history_applies() const {
    return options_.mode == NetworkMode::Fast && plasticity_.only_stdp2006();
  }
  void sample_probes_input();
  // Appends the source spikes of this ms to `fired` (kept ascending) and sets their traces.
  void fire_sources(std::vector<uint32_t>& fired);
  void sample_probes_state();
  // Fast mode's history-based STDP: the sd of ms before now added to the synapses (and,
  // with `update`, the period's weight update), or the window dropped while frozen.
  void settle_history(bool update);
  // Event-driven updates (network.cpp): whether they are exact for this network now; the
  // sets made at the start of a run; one ms.
  bool event_driven_applies() const;
  void start_event_driven();
  void step_event_driven();
  void touch(uint32_t neuron) {
    if (event_flags_[neuron] & kActive) return;
    event_flags_[neuron] |= kActive;
    active_.push_back(neuron);
  }
  // Brings a neuron's STDP traces up to now (before it is marked), and all of them
  // (before anything reads them: a dense ms, a save).
  void catch_up_traces(uint32_t neuron) {
    plasticity_.catch_up_traces(neuron, traces_from_ + trace_since_[neuron], time_);
    trace_since_[neuron] = uint32_t(time_ - traces_from_);
  }
  void settle_traces();

  NetworkOptions options_;
  bool built_ = false;
  bool frozen_ = false;
  bool learns_from_history_ = false;
  uint64_t time_ = 0;
  NeuronStore neurons_;

  // Building.
  SynapseList pending_;
  Inputs inputs_;
  std::vector<StateProbe> probes_;

  // Simulation.
  SynapseStore synapses_;
  Plasticity plasticity_;
  Stdp2006History stdp_history_;  // when learns_from_history_
  uint32_t max_delay_ = 1;
  std::vector<std::vector<uint32_t>> history_;  // slot t mod D: neurons that fired at ms t
  // Delivery. Reference mode: one list of this ms's groups, in the reference order,
  // split by target among the threads. Fast mode: kDeliveryLanes lanes, each the spikes
  // of a range of ages (lane_ages_[l] .. lane_ages_[l + 1]) delivered by one thread into
  // its own input array (lane 0: I; lane 1: lane_input_), summed in lane order at
  // integration — a fixed order whatever the thread count.
  static constexpr unsigned kDeliveryLanes = 2;
  std::array<std::vector<Delivery>, kDeliveryLanes> deliveries_;
  std::array<uint32_t, kDeliveryLanes + 1> lane_ages_{};
  std::array<uint64_t, kDeliveryLanes> lane_events_{};
  std::unique_ptr<AlignedArray<float>> lane_input_;
  // Per thread: the neurons of its part that fired this ms (fired_counts_[k] of them).
  std::vector<std::unique_ptr<AlignedArray<uint32_t>>> fired_parts_;
  std::vector<uint32_t> fired_counts_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<ThreadChoice> choice_;
  TraceDecayKernel decay_ = nullptr;  // for options_.simd
  uint64_t synaptic_events_ = 0;
  uint64_t spike_count_ = 0;

  // Event-driven updates (made by the first run that uses them).
  static constexpr uint8_t kActive = 1;
  std::vector<uint8_t> event_flags_;  // per neuron: in active_ (kActive)
  std::vector<uint32_t> active_;      // neurons to integrate this ms: not at rest, given input, or fired
  std::vector<uint32_t> candidates_;  // LIF neurons at or above threshold: next ms's detection
  // While traces_late_: neuron i's STDP traces lack the decays of ms from
  // traces_from_ + trace_since_[i] on.
  bool traces_late_ = false;
  uint64_t traces_from_ = 0;
  std::vector<uint32_t> trace_since_;
  bool event_driven_ = false;         // the last run's
  uint64_t neuron_updates_ = 0;       // the last run's
};

}  // namespace polychron
