// What drives a network from outside: currents injected each ms and spike sources,
// neurons that fire on their own instead of by integration. Each kind is checked as it
// is added (and as it is loaded from a checkpoint, by the same checks).
#pragma once
#include <cstdint>
#include <vector>

#include "core/random.h"
#include "core/spiking/connectivity.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

// Thalamic: each ms, `per_ms` random neurons of the range get `value` (assigned).
struct ThalamicInput {
  // The most neurons drawn per ms (a checkpoint claiming more is refused: it would run for hours).
  static constexpr uint32_t kMaxPerMs = 1u << 24;
  NeuronRange range;
  uint32_t per_ms = 1;
  float value = 20;
  Random random;
};

// Schedule: at listed ms, listed neurons get values (assigned or added).
struct ScheduledInput {
  std::vector<uint64_t> times;  // ascending
  std::vector<uint32_t> neurons;
  std::vector<float> values;
  bool assign = true;
  uint64_t cursor = 0;  // first entry not yet applied
};

// Constant: every ms each neuron of the range gets its value added.
struct ConstantInput {
  NeuronRange range;
  std::vector<float> values;  // one per neuron of the range
};

// Noise current: each ms each neuron of the range gets a uniform draw from [low, high) added.
struct NoiseInput {
  NeuronRange range;
  double low = 0, high = 0;
  Random random;
};

// Stepped current: from times[k] (ms) until times[k+1], each neuron of the range gets
// amplitudes[k] added (nothing before times[0]).
struct SteppedInput {
  NeuronRange range;
  std::vector<uint64_t> times;  // ascending
  std::vector<float> amplitudes;
};

// Neurons that fire on their own, not by integration: Poisson sources (probability
// rate·1 ms per ms) or explicit trains (spike times and neurons, time-ordered).
struct SpikeSource {
  enum class Kind : uint8_t { Poisson = 0, Train = 1 } kind = Kind::Poisson;
  NeuronRange range;
  double probability = 0;        // Poisson: per neuron per ms
  Random random;                 // Poisson
  std::vector<uint64_t> times;   // Train: ascending
  std::vector<uint32_t> neurons; // Train: network indices within range
  uint64_t cursor = 0;           // Train: first entry not yet fired
};

class Inputs {
 public:
  // Random inputs draw from streams of `seed`, one per input.
  explicit Inputs(uint64_t seed) : seed_(seed) {}

  // Building, for a network of `neurons` neurons so far.
  void add_thalamic(NeuronRange range, uint32_t per_ms, float value, uint32_t neurons);
  void add_schedule(ScheduledInput input, uint32_t neurons);
  void add_constant(ConstantInput input, uint32_t neurons);
  void add_stepped(SteppedInput input, uint32_t neurons);
  void add_noise(NeuronRange range, double low, double high, uint32_t neurons);
  // `range`: the source's neurons, already added to the network; a train's neurons are
  // indices within it.
  void add_source(NeuronRange range, SpikeSource source);
  // The checks add_source makes, alone: so that a network can refuse a source before it
  // adds the source's neurons (a refused call changes nothing).
  static void check_new_source(NeuronRange range, SpikeSource source);
  // Replaces the spikes still to come of the train source starting at neuron `first`:
  // `source.times` (all >= `now`, ascending) and `source.neurons` (within the source).
  // RangeError unless such a train exists and the spikes are valid; nothing changes then.
  void set_train(uint32_t first, SpikeSource source, uint64_t now);
  bool has_sources() const { return !sources_.empty(); }
  // Whether any current is added (thalamic, scheduled, constant, stepped or noise).
  bool has_currents() const {
    return !thalamic_.empty() || !schedules_.empty() || !constants_.empty() || !steps_.empty() || !noise_.empty();
  }
  std::vector<NeuronRange> source_ranges() const;
  // Sources take no input: throws RangeError when a current or a projection (whose
  // targets are `projection_targets`) reaches one.
  void check_no_input_to_sources(uint32_t neurons, const std::vector<uint32_t>& projection_targets) const;

  // At ms t, with I zero: each kind in turn assigns or adds its current.
  void apply(float* I, uint64_t t);
  // Appends the spikes of the sources at ms t to `fired`, source by source (a train may
  // list a neuron twice).
  void fire_sources(std::vector<uint32_t>& fired, uint64_t t);

  // Checkpoints: the currents, then (after the LIF populations) the sources.
  void save_currents(BinaryWriter& out) const;
  void load_currents(BinaryReader& in, uint32_t neurons);
  void save_sources(BinaryWriter& out) const;
  void load_sources(BinaryReader& in, uint32_t neurons);

 private:
  uint64_t seed_;
  std::vector<ThalamicInput> thalamic_;
  std::vector<ScheduledInput> schedules_;
  std::vector<ConstantInput> constants_;
  std::vector<SteppedInput> steps_;
  std::vector<NoiseInput> noise_;
  std::vector<SpikeSource> sources_;
};

}  // namespace polychron
