// The bridge: a trained LUT network compiled into a circuit of spiking neurons on the
// engine (spiking/network.h), so that spikes, not comparisons in code, compute its look-ups.
//
// One example flows through the circuit like this (s = the example's start, G = grid steps,
// a spike fired at ms t through a synapse of delay d is integrated at ms t + d − 1 and its
// target fires at t + d at the earliest):
//
//   input values   one source neuron per value of layer 0's input (pixels, then threshold
//                  constants): value x fires at s + L(x), L = the latency grid (brighter:
//                  earlier; LatencyGrid below), so x[a] > x[b] ⇔ L(a) < L(b);
//   comparators    one per comparison of the input layer: a perfect integrator (LIF τ = ∞)
//                  that gets +1 from anchor a and −1 from anchor b; it fires on a's spike
//                  only if b's has not come (a tie cancels in one ms: u = 0 gives bit 0);
//   holders        one per comparator, an integrator that holds its spike; the clock source
//                  (firing at s + G − 1) adds +1 so that exactly the holders holding a spike
//                  fire together at s + G, then −1 (absorbed by a fired holder's refractory
//                  ms) to empty the others; a fired holder gives its comparator back the
//                  +1 that anchor b took, so both end at 0: the circuit resets itself;
//   rows           one neuron per table row (T · 2^C), memoryless (LIF τ = 10⁻³ ms: v is
//                  the ms's input): row j gets +1 from the bits set in j and −C from the
//                  others, threshold popcount(j) − ½ (row 0: +1 from the clock, ½): exactly
//                  the row the bits index fires, at s + G + 1;
//   next layers    the selected rows carry their values as synaptic weights: a comparator
//                  of a later layer (memoryless, threshold ½) gets S[i][j][a] − S[i][j][b]
//                  from every row of every earlier hidden layer (delays aligned so that all
//                  arrive in one ms), so it fires iff z[a] > z[b]; its rows decode as above,
//                  two ms per layer;
//   classes        beat neurons E(c, c') (c < c') get logit c' − logit c from the readout's
//                  rows and fire iff c' > c; class c gets +1 from the clock and from each
//                  E(c'', c), −K from each E(c, c'), threshold c + ½: one class fires, the
//                  first largest logit, as the direct path's argmax.
//
// Exactness: the table values are rounded to integers in units of a power of two, q, small
// enough that every sum the circuit or the direct path can form stays below 2^24 units, so
// float32 adds them exactly in any order; the direct path on the same rounded tables (the
// "twin") then agrees with the circuit bit for bit, and the rounding's effect on the
// original model is what the agreement against it measures. Examples follow each other
// every G + 1 ms (the input stage is busy for G ms; later stages overlap the next example).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/lut/classifier.h"
#include "core/lut/lut.h"
#include "core/spiking/network.h"

namespace polychron {

// Values read as spike latencies: `steps` latencies 0..steps−1 over [low, high], the
// highest value earliest. L(x) = round((high − x) / Δ), Δ = (high − low) / (steps − 1),
// clamped to the grid; the circuit sees value(L(x)) = high − L·Δ.
struct LatencyGrid {
  static constexpr uint32_t kMaxSteps = 1u << 16;
  double low = 0, high = 1;
  uint32_t steps = 256;

  void validate() const;  // RangeError naming the field
  uint32_t latency(float x) const;
  float value(uint32_t latency) const;
  float rounded(float x) const { return value(latency(x)); }
};

// A range of neurons of the circuit, and when (ms after an example's start) they fire.
struct CircuitStage {
  uint32_t layer = 0;        // the LUT layer (classifier order: hidden layers, then readout)
  uint32_t tables = 0, comparisons = 0;
  NeuronRange comparators;   // tables × comparisons, table-major (i · C + r)
  NeuronRange holders;       // the input stage's only (count 0 otherwise)
  NeuronRange rows;          // tables × 2^C, table-major (i · 2^C + j)
  uint32_t rows_fire = 0;    // ms after the example's start
};

struct LutCircuitLayout {
  LatencyGrid grid;
  uint32_t period = 0;       // ms from one example's start to the next's
  // The source population: layer 0's input values (the data's, then the constants'), then
  // the clock (its last neuron).
  NeuronRange inputs;
  uint32_t width = 0;                       // the data's values per example
  std::vector<uint32_t> constant_latencies; // the threshold constants' latencies
  uint32_t clock() const { return inputs.first + inputs.count - 1; }
  std::vector<CircuitStage> stages;
  NeuronRange beats, classes;  // classifier circuits only
  uint32_t classes_fire = 0;   // ms after the example's start
  double hidden_unit = 0, logit_unit = 0;  // q of the hidden values and of the logits
  uint32_t tables() const;   // over every stage
  // The ms after an example's start at which its last spike is due.
  uint32_t latency() const;
  // RangeError unless the layout is consistent and lies within `neurons` neurons.
  void validate(uint32_t neurons) const;
};

struct LutCircuitOptions {
  LatencyGrid grid;
  NetworkMode mode = NetworkMode::Reference;
  SimdLevel simd = SimdLevel::Scalar;
  unsigned threads = 1;
  uint64_t memory_limit = uint64_t(8) << 30;
};

struct CompiledLutCircuit {
  std::unique_ptr<Network> network;  // built
  LutCircuitLayout layout;
  // The classifier with the tables rounded as the circuit's weights and the thresholds on
  // the grid: the direct path the circuit equals bit for bit (classifier circuits only).
  std::unique_ptr<LutClassifier> twin;
};

// The most neurons a circuit may have (each table row is one).
constexpr uint64_t kMaxCircuitNeurons = uint64_t(1) << 26;

CompiledLutCircuit compile_lut_circuit(const LutClassifier& model, const LutCircuitOptions& options);
// A single LUT layer (spec §1): its rows are the output (no values carried on).
CompiledLutCircuit compile_lut_circuit(const Lut& layer, const LutCircuitOptions& options);

// The spike train (neurons within the input population, time-ordered) that presents
// `count` inputs of layout.width values, example e from ms start + e · period.
SpikeSource encode_lut_inputs(const LutCircuitLayout& layout, const float* xs, uint64_t count, uint64_t start);

// What a run of examples through a circuit gave.
struct LutCircuitRun {
  uint64_t examples = 0;
  std::vector<uint32_t> classes;  // per example: the class neuron that fired (classifier circuits)
  std::vector<uint32_t> indices;  // per example: every stage's table indices, stage by stage
  uint64_t spikes = 0, synaptic_events = 0, neuron_updates = 0, simulated_ms = 0;
  bool complete = true;  // false when keep_going stopped it
};

// Feeds `count` inputs (layer 0's inputs without thresholds, each `width` values) through
// the circuit from its current time, examples every layout.period ms in chunks, and reads
// the rows and classes that fire. An example whose table fired no row, or more than one,
// is a RangeError (the circuit is not the layout's, or was changed). keep_going is polled
// between chunks.
LutCircuitRun run_lut_circuit(Network& network, const LutCircuitLayout& layout, const float* xs, uint64_t count,
                              uint32_t width, const std::function<bool()>& keep_going);

// The direct path's table indices for `count` inputs, in the order run_lut_circuit gives
// them, with every input value (thresholds included) rounded to `grid` first when given;
// and (when `classes` is not null) each input's class, the first largest logit.
void lut_direct_indices(const LutClassifier& model, const float* xs, uint64_t count, const LatencyGrid* grid,
                        uint32_t* out, uint32_t* classes);
void lut_direct_indices(const Lut& layer, const float* xs, uint64_t count, const LatencyGrid* grid, uint32_t* out);

}  // namespace polychron
