// Cancellation as the addon does it (native/addon/async_work.h): the JS thread sets an
// std::atomic<bool> that the worker thread running the core polls — Network::run's
// observer, the group search's and raster query's `cancel` (read by every pool thread),
// the language model's `cancel` and the classifier's keep_going. Here another std::thread
// sets the flag mid-run; the run must stop early, leave a usable object, and (where
// resuming is defined) continue exactly as if it had not been stopped.
#include <atomic>
#include <chrono>
#include <thread>

#include "check.h"
#include "core/groups/search.h"
#include "core/lut/classifier.h"
#include "core/lut/lm/language_model.h"
#include "fixtures.h"

using namespace fixtures;

namespace {

// Sets `flag` once `started` has been seen true and `delay` has passed.
std::thread canceller(std::atomic<bool>& flag, const std::atomic<bool>& started, std::chrono::milliseconds delay) {
  return std::thread([&flag, &started, delay] {
    while (!started.load()) std::this_thread::yield();
    std::this_thread::sleep_for(delay);
    flag.store(true);
  });
}

}  // namespace

// A network run stopped by another thread stops at a ms boundary (long before the far
// end it was asked for); running on from there gives exactly the spikes and weights of one
// uninterrupted run of the same length.
TEST(network_run_cancelled_then_resumed) {
  NetworkShape s;
  s.mode = NetworkMode::Fast;
  s.threads = 2;
  s.neurons = 800;
  s.seed = 17;
  auto network = spnet(s);
  network->build();
  std::atomic<bool> cancel{false}, started{false};
  Outcome first;
  const uint64_t asked = 10000000;
  std::thread stopper = canceller(cancel, started, std::chrono::milliseconds(100));
  first.ms = network->run(asked, [&](uint64_t t, const uint32_t* fired, uint32_t count) {
    started.store(true);
    for (uint32_t k = 0; k < count; ++k) {
      first.spike_times.push_back(t);
      first.spike_neurons.push_back(fired[k]);
    }
    return !cancel.load(std::memory_order_relaxed);
  });
  stopper.join();
  CHECK(first.ms < asked);
  CHECK_EQ(network->time(), first.ms);
  const uint64_t more = 400;
  Outcome rest = run(*network, more);
  first.spike_times.insert(first.spike_times.end(), rest.spike_times.begin(), rest.spike_times.end());
  first.spike_neurons.insert(first.spike_neurons.end(), rest.spike_neurons.begin(), rest.spike_neurons.end());
  first.weights = rest.weights;
  first.derivatives = rest.derivatives;
  first.v = rest.v;
  first.u = rest.u;
  first.synaptic_events = rest.synaptic_events;
  first.ms += rest.ms;

  auto straight = spnet(s);
  const Outcome whole = run(*straight, first.ms);
  CHECK_SAME_OUTCOME(first, whole);
}

// The group search: every pool thread polls the flag between mothers and within one.
TEST(group_search_cancelled_from_another_thread) {
  NetworkShape s;
  s.neurons = 400;
  s.synapses_per_neuron = 40;
  s.seed = 2;
  auto network = spnet(s);
  const PngNetwork net = png_network_of(*network);
  PngOptions o;
  o.anchors = 3;
  o.max_weight = 6;  // every excitatory synapse is strong: many combinations per mother
  o.strong_fraction = 0.9;
  o.threads = 3;
  std::atomic<bool> cancel{false}, started{false};
  std::thread stopper = canceller(cancel, started, std::chrono::milliseconds(200));
  PngSearchStats stats;
  const auto started_at = std::chrono::steady_clock::now();
  find_groups(net, o, [&](uint32_t, uint32_t) { started.store(true); }, &cancel, &stats);
  started.store(true);  // in case no mother finished before the end
  stopper.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
  uint32_t mothers = 0;
  for (uint32_t q = 0; q < net.neurons; ++q) mothers += net.excitatory[q];
  CHECK(stats.mothers < mothers);  // stopped before the end
  CHECK(seconds < 60);
  // Cancelled before it starts: no replay at all.
  std::atomic<bool> already{true};
  PngSearchStats none;
  CHECK(find_groups(net, o, {}, &already, &none).empty());
  CHECK_EQ(none.replays, uint64_t(0));
}

// The language model stops before its next step; training on for the remaining steps
// then gives the losses and tables of an uninterrupted run.
TEST(language_model_training_cancelled_then_resumed) {
  LmConfig c;
  c.context = 8;
  c.embedding = 8;
  c.positional = 2;
  c.layers = 1;
  c.heads = 2;
  c.tables = 4;
  c.comparisons = 3;
  c.warmup = 10;
  LmRuntime r;
  r.threads = 2;
  r.simd = best_simd_level();
  const std::vector<uint8_t> t = text(5000, 5);
  LmTrainOptions o;
  o.steps = 100000;  // far more than run before the flag is set
  o.data.validation_snippets = 10;
  LanguageModel lm(c, r);
  std::atomic<bool> cancel{false}, started{false};
  std::thread stopper = canceller(cancel, started, std::chrono::milliseconds(150));
  const LmTrainRun first = lm.train(t.data(), t.size(), o, [&](const LmTrainEvent&) { started.store(true); }, &cancel);
  started.store(true);
  stopper.join();
  CHECK(first.aborted);
  CHECK(first.losses.size() < o.steps);
  CHECK(first.losses.size() > 0);
  const uint64_t done = first.losses.size();
  CHECK_EQ(lm.step(), done);
  o.steps = 30;
  const LmTrainRun rest = lm.train(t.data(), t.size(), o, {}, nullptr);
  CHECK(!rest.aborted);

  LanguageModel straight(c, r);
  o.steps = done + 30;
  const LmTrainRun whole = straight.train(t.data(), t.size(), o, {}, nullptr);
  std::vector<double> joined = first.losses;
  joined.insert(joined.end(), rest.losses.begin(), rest.losses.end());
  CHECK_SAME(joined, whole.losses);
  const Lut::Snapshot a = lm.model().unembed.snapshot(), b = straight.model().unembed.snapshot();
  CHECK_SAME(a.values, b.values);
}

// The classifier polls keep_going between batches, on the thread that runs train().
TEST(classifier_training_cancelled_from_another_thread) {
  LutClassifierConfig c;
  c.inputs = 12;
  c.classes = 2;
  c.hidden = {LutLayerSize{6, 16, 5}};
  c.readout_tables = 8;
  c.readout_comparisons = 4;
  c.anchors = AnchorPolicy::Uniform;
  LutClassifier net(c, best_simd_level());
  Random rng(1, 0);
  const uint64_t count = 4000;
  std::vector<float> xs(count * c.inputs);
  std::vector<uint32_t> labels(count);
  for (uint64_t n = 0; n < count; ++n) {
    for (uint32_t i = 0; i < c.inputs; ++i) xs[n * c.inputs + i] = float(rng.below(1000)) / 1000.0f;
    labels[n] = xs[n * c.inputs] > xs[n * c.inputs + 1] ? 1 : 0;
  }
  LutTrainOptions o;
  o.epochs = 100000;
  o.batch = 8;
  o.threads = 2;
  o.patience = 0;
  std::atomic<bool> cancel{false}, started{false};
  std::thread stopper = canceller(cancel, started, std::chrono::milliseconds(100));
  const LutTrainResult result = net.train(
      xs.data(), labels.data(), count, o, [](const LutEpochReport&) { return true; },
      [&] {
        started.store(true);
        return !cancel.load(std::memory_order_relaxed);
      });
  stopper.join();
  CHECK_EQ(result.stopped, std::string("cancelled"));
  CHECK(result.epochs < o.epochs);
  // Still usable: inference on threads after the cancelled run, as on one.
  std::vector<uint32_t> one(count), two(count);
  net.predict(xs.data(), count, one.data(), 1);
  net.predict(xs.data(), count, two.data(), 2);
  CHECK_SAME(two, one);
}
