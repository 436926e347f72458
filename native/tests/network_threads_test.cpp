// The spiking network's threads (spiking/network.cpp, thread_choice.h, stdp_history.cpp,
// and the threaded build of synapses.cpp / network_build.cpp). Every phase of a millisecond
// is split so that each value is written by one thread in the serial order, so 1, 2 and 4
// threads must give the same spikes, weights, derivatives and state bit for bit — and
// ThreadSanitizer checks that the phases' hand-offs through the pool are ordered.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "check.h"
#include "core/spiking/checkpoint.h"
#include "fixtures.h"

using namespace fixtures;

namespace {

Outcome run_with(NetworkShape shape, unsigned threads, uint64_t ms, uint64_t reward_every = 0) {
  shape.threads = threads;
  auto network = spnet(shape);
  Outcome out = run(*network, ms, reward_every);
  CHECK_EQ(network->threads(), threads);
  return out;
}

}  // namespace

// Reference mode: the 2006 rule at every event, weight updates split over the pool
// (1100 ms crosses the update at 1000 ms).
TEST(reference_mode_1_2_4_threads_identical) {
  NetworkShape shape;
  shape.mode = NetworkMode::Reference;
  shape.neurons = 1000;
  shape.seed = 21;
  const Outcome one = run_with(shape, 1, 1100);
  CHECK(one.spike_times.size() > 2000);
  for (unsigned threads : {2u, 4u}) {
    const Outcome other = run_with(shape, threads, 1100);
    CHECK_SAME_OUTCOME(other, one);
  }
}

// Fast mode: two delivery lanes on their own threads, STDP from spike histories settled
// by the pool once per period (and derivatives() settling into a copy with the pool).
TEST(fast_mode_1_2_4_threads_identical) {
  NetworkShape shape;
  shape.mode = NetworkMode::Fast;
  shape.neurons = 1003;  // parts of unequal size, not multiples of the SIMD width
  shape.seed = 5;
  const Outcome one = run_with(shape, 1, 1100);
  CHECK(one.spike_times.size() > 2000);
  for (unsigned threads : {2u, 4u}) {
    const Outcome other = run_with(shape, threads, 1100);
    CHECK_SAME_OUTCOME(other, one);
  }
}

// Pair STDP and the dopamine rule (its weight updates run on the pool every 10 ms), with
// rewards given between milliseconds by the run's observer.
TEST(pair_and_dopamine_rules_1_3_threads_identical) {
  NetworkShape shape;
  shape.mode = NetworkMode::Reference;
  shape.mixed_rules = true;
  shape.neurons = 600;
  shape.seed = 3;
  const Outcome one = run_with(shape, 1, 400, 50);
  CHECK(one.spike_times.size() > 500);
  const Outcome three = run_with(shape, 3, 400, 50);
  CHECK_SAME_OUTCOME(three, one);
}

// Adaptive threads (the default policy): the loop switches between one thread and all at
// millisecond boundaries as its timings say; the results must not move.
TEST(adaptive_thread_choice_matches_one_thread) {
  for (NetworkMode mode : {NetworkMode::Reference, NetworkMode::Fast}) {
    NetworkShape shape;
    shape.mode = mode;
    shape.neurons = 800;
    shape.seed = 9;
    const Outcome one = run_with(shape, 1, 1500);
    shape.adaptive = true;
    const Outcome adaptive = run_with(shape, 2, 1500);
    CHECK_SAME_OUTCOME(adaptive, one);
  }
}

// Freezing, unfreezing and switching a projection's plasticity between runs settles fast
// mode's pending STDP on the pool (settle_history with every thread).
TEST(settling_between_runs_identical) {
  std::vector<Outcome> outcomes;
  for (unsigned threads : {1u, 2u}) {
    NetworkShape shape;
    shape.mode = NetworkMode::Fast;
    shape.threads = threads;
    shape.neurons = 700;
    shape.seed = 13;
    auto network = spnet(shape);
    Outcome all = run(*network, 350);
    network->set_frozen(true);
    Outcome frozen = run(*network, 200);
    network->set_frozen(false);
    network->set_plastic(0, false);
    Outcome fixed = run(*network, 200);
    network->set_plastic(0, true);
    Outcome last = run(*network, 300);
    for (Outcome* part : {&frozen, &fixed, &last}) {
      all.spike_times.insert(all.spike_times.end(), part->spike_times.begin(), part->spike_times.end());
      all.spike_neurons.insert(all.spike_neurons.end(), part->spike_neurons.begin(), part->spike_neurons.end());
    }
    all.weights = last.weights;
    all.derivatives = last.derivatives;
    all.v = last.v;
    all.u = last.u;
    all.synaptic_events = last.synaptic_events;
    outcomes.push_back(std::move(all));
  }
  CHECK_SAME_OUTCOME(outcomes[1], outcomes[0]);
}

// The build (network_build.cpp → SynapseStore): each presynaptic neuron's synapses drawn
// straight into place and the incoming index built by the build's own pool. Drawn
// projections (fixed out-degree, probability) and one drawn at once (fixed in-degree).
TEST(threaded_build_same_synapses) {
  std::vector<std::vector<Synapse>> stores;
  std::vector<uint64_t> incoming;
  for (unsigned threads : {1u, 2u, 4u}) {
    NetworkOptions options;
    options.threads = threads;
    options.seed = 77;
    Network network(options);
    const uint32_t n = 5000;
    network.add_izhikevich(n, {{{0.02}, {0.2}, {-65}, {8}}}, {}, {});
    ProjectionRule out;
    out.kind = ProjectionRule::Kind::FixedOutDegree;
    out.degree = 60;
    ProjectionRule probability;
    probability.kind = ProjectionRule::Kind::Probability;
    probability.probability = 0.004;
    ProjectionRule in;
    in.kind = ProjectionRule::Kind::FixedInDegree;
    in.degree = 10;
    ValueRule delay, weight;
    delay.kind = ValueRule::Kind::Uniform;
    delay.low = 1;
    delay.high = 20;
    weight.kind = ValueRule::Kind::Uniform;
    weight.low = 0;
    weight.high = 8;
    const PlasticityRule stdp = plasticity_defaults(PlasticityRule::Kind::Stdp2006);
    network.generate(network.add_projection(stdp), {{0, n}}, {{0, n}}, out, delay, weight);
    network.generate(network.add_projection(stdp), {{0, n / 2}}, {{n / 2, n / 2}}, probability, delay, weight);
    network.generate(network.add_projection(plasticity_defaults(PlasticityRule::Kind::None)), {{0, n}}, {{0, n}}, in,
                     delay, weight);
    network.build();
    const SynapseStore& store = network.synapses();
    stores.emplace_back(store.synapses(), store.synapses() + store.size());
    // The incoming index, as potentiation walks it: every neuron's incoming entries.
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) sum = sum * 31 + (store.incoming_end(i) - store.incoming_begin(i));
    incoming.push_back(sum);
  }
  CHECK(stores[0].size() > 300000);
  for (size_t k = 1; k < stores.size(); ++k) {
    CHECK_EQ(stores[k].size(), stores[0].size());
    bool same = stores[k].size() == stores[0].size();
    for (size_t s = 0; same && s < stores[0].size(); ++s) {
      same = stores[k][s].post == stores[0][s].post && stores[k][s].weight == stores[0][s].weight &&
             stores[k][s].derivative == stores[0][s].derivative;
    }
    CHECK(same);
    CHECK_EQ(incoming[k], incoming[0]);
  }
}

// A checkpoint saved by a network on 2 threads loads with 1 and 4 (the loaded network
// starts its own pool) and runs on identically to the original.
TEST(checkpoint_loads_with_other_thread_counts) {
  for (NetworkMode mode : {NetworkMode::Reference, NetworkMode::Fast}) {
    NetworkShape shape;
    shape.mode = mode;
    shape.threads = 2;
    shape.neurons = 700;
    shape.seed = 6;
    auto network = spnet(shape);
    run(*network, 300);
    const std::string file = (std::filesystem::temp_directory_path() / ("polychron-native-test-" + std::to_string(int(mode)) + "-" +
                                                                         std::to_string(::getpid()) + ".pcc")).string();
    save_checkpoint(*network, file);
    const Outcome tail = run(*network, 400);
    for (unsigned threads : {1u, 4u}) {
      auto loaded = load_checkpoint(file, shape.mode == NetworkMode::Fast ? best_simd_level() : SimdLevel::Scalar, threads);
      CHECK_EQ(loaded->threads(), threads);
      const Outcome again = run(*loaded, 400);
      CHECK_SAME_OUTCOME(again, tail);
    }
    std::remove(file.c_str());
  }
}
