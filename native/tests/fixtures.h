// Networks and data the native tests share: the 2006 network of lib/spnet.ts
// (izhikevich2006) built in C++, a run that records everything a thread count could
// change, and a deterministic text for the language model.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/spiking/network.h"

namespace fixtures {

using namespace polychron;

struct NetworkShape {
  NetworkMode mode = NetworkMode::Reference;
  unsigned threads = 1;
  bool adaptive = false;  // false: every thread at every ms (ThreadChoice off)
  uint64_t seed = 1;
  uint32_t neurons = 1000;
  uint32_t synapses_per_neuron = 100;
  // Extra rules beyond the 2006 one: E→E pair STDP and a dopamine-modulated E→I projection.
  bool mixed_rules = false;
};

// 80% excitatory (RS), 20% inhibitory (FS); E→(E, I) fixed out-degree, delays spread
// evenly over 1..20 ms, weight 6, plastic (2006 rule); I→E weight −5, delay 1, static;
// thalamic input of 20 to one random neuron per 1000 per ms.
inline std::unique_ptr<Network> spnet(const NetworkShape& shape) {
  NetworkOptions options;
  options.mode = shape.mode;
  options.threads = shape.threads;
  options.adaptive_threads = shape.adaptive;
  options.seed = shape.seed;
  // Fast mode's neuron kernels at the CPU's best SIMD level (parts are aligned to them).
  options.simd = shape.mode == NetworkMode::Fast ? best_simd_level() : SimdLevel::Scalar;
  auto network = std::make_unique<Network>(options);
  const uint32_t ne = uint32_t(shape.neurons * 0.8 + 0.5), ni = shape.neurons - ne;
  const uint32_t e = network->add_izhikevich(ne, {{{double(0.02f)}, {0.2}, {-65}, {8}}}, {}, {});
  const uint32_t i = network->add_izhikevich(ni, {{{double(0.1f)}, {0.2}, {-65}, {2}}}, {}, {});
  const NeuronRange E{e, ne}, I{i, ni};
  ProjectionRule out;
  out.kind = ProjectionRule::Kind::FixedOutDegree;
  out.degree = shape.synapses_per_neuron;
  ValueRule evenly;
  evenly.kind = ValueRule::Kind::Evenly;
  evenly.low = 1;
  evenly.high = 20;
  ValueRule six, minus_five, one;
  six.low = 6;
  minus_five.low = -5;
  one.low = 1;
  const PlasticityRule stdp = plasticity_defaults(PlasticityRule::Kind::Stdp2006);
  if (!shape.mixed_rules) {
    network->generate(network->add_projection(stdp), {E}, {E, I}, out, evenly, six);
  } else {
    PlasticityRule pair = plasticity_defaults(PlasticityRule::Kind::Pair);
    PlasticityRule dopamine = plasticity_defaults(PlasticityRule::Kind::Dopamine);
    network->generate(network->add_projection(pair), {E}, {E}, out, evenly, six);
    ProjectionRule few = out;
    few.degree = shape.synapses_per_neuron / 4;
    network->generate(network->add_projection(dopamine), {E}, {I}, few, evenly, six);
  }
  network->generate(network->add_projection(plasticity_defaults(PlasticityRule::Kind::None)), {I}, {E}, out, one, minus_five);
  network->add_thalamic({0, shape.neurons}, std::max(1u, shape.neurons / 1000), 20.0f);
  return network;
}

// What a run leaves that any thread count must reproduce bit for bit.
struct Outcome {
  std::vector<uint64_t> spike_times;
  std::vector<uint32_t> spike_neurons;
  std::vector<float> weights, derivatives, v, u;
  uint64_t synaptic_events = 0;
  uint64_t ms = 0;
};

// The network's state after a run (weights and derivatives in storage order).
inline void capture_state(Network& network, Outcome& out) {
  const SynapseStore& store = network.synapses();
  out.weights.clear();
  for (uint64_t s = 0; s < store.size(); ++s) out.weights.push_back(store.synapses()[s].weight);
  out.derivatives = network.derivatives();
  const auto& v = network.neuron_store().v();
  const auto& u = network.neuron_store().u();
  out.v.assign(v->data(), v->data() + v->size());
  out.u.assign(u->data(), u->data() + u->size());
  out.synaptic_events = network.synaptic_events();
}

// Runs `ms` ms, recording every spike (and, with `reward_every`, giving a reward from the
// observer every that many ms, as a JS callback would between milliseconds).
inline Outcome run(Network& network, uint64_t ms, uint64_t reward_every = 0) {
  Outcome out;
  out.ms = network.run(ms, [&](uint64_t t, const uint32_t* fired, uint32_t count) {
    for (uint32_t k = 0; k < count; ++k) {
      out.spike_times.push_back(t);
      out.spike_neurons.push_back(fired[k]);
    }
    if (reward_every != 0 && t % reward_every == reward_every - 1) network.reward(0.5);
    return true;
  });
  capture_state(network, out);
  return out;
}

// A deterministic English-like text (words from a small vocabulary by a fixed LCG).
inline std::vector<uint8_t> text(size_t bytes, uint32_t seed = 7) {
  static const char* words[] = {"the ", "whale ", "sea ", "ship ", "and ", "of ", "a ", "captain ", "white ",
                                "to ",  "in ",    "was ", "his ",  "that ", "it ", "he said. ", "call me ", "ishmael, "};
  std::vector<uint8_t> out;
  uint32_t state = seed;
  while (out.size() < bytes) {
    state = state * 1103515245u + 12345u;
    const std::string w = words[(state >> 16) % (sizeof(words) / sizeof(words[0]))];
    out.insert(out.end(), w.begin(), w.end());
  }
  out.resize(bytes);
  return out;
}

}  // namespace fixtures

#define CHECK_SAME_OUTCOME(a, b)                          \
  do {                                                    \
    CHECK_EQ((a).ms, (b).ms);                             \
    CHECK_SAME((a).spike_times, (b).spike_times);         \
    CHECK_SAME((a).spike_neurons, (b).spike_neurons);     \
    CHECK_SAME((a).weights, (b).weights);                 \
    CHECK_SAME((a).derivatives, (b).derivatives);         \
    CHECK_SAME((a).v, (b).v);                             \
    CHECK_SAME((a).u, (b).u);                             \
    CHECK_EQ((a).synaptic_events, (b).synaptic_events);   \
  } while (0)
