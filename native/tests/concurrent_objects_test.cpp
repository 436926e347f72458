// Several independent objects at once, each on its own std::thread and each with its own
// pool (the addon runs every object's async work on libuv's worker threads, several at a
// time): networks in both modes, a language model and a classifier. Nothing is shared
// between them but process-wide state (the CPU/SIMD choice, the kernels' tables), and
// each must give what it gives when run alone.
#include <atomic>
#include <thread>

#include "check.h"
#include "core/kernels/izhikevich.h"
#include "core/kernels/lut.h"
#include "core/kernels/trace_decay.h"
#include "core/lut/lm/language_model.h"
#include "fixtures.h"

using namespace fixtures;

namespace {

NetworkShape shape(NetworkMode mode, uint64_t seed) {
  NetworkShape s;
  s.mode = mode;
  s.threads = 2;
  s.neurons = 600;
  s.seed = seed;
  return s;
}

std::vector<double> lm_losses(unsigned threads) {
  LmConfig c;
  c.context = 10;
  c.embedding = 10;
  c.positional = 2;
  c.layers = 2;
  c.heads = 2;
  c.tables = 5;
  c.comparisons = 3;
  c.warmup = 10;
  LmRuntime r;
  r.threads = threads;
  r.simd = best_simd_level();
  LanguageModel lm(c, r);
  const std::vector<uint8_t> t = text(6000, 3);
  LmTrainOptions o;
  o.steps = 40;
  o.data.validation_snippets = 20;
  o.every = 20;
  const LmTrainRun run = lm.train(t.data(), t.size(), o, {}, nullptr);
  std::vector<double> out = run.losses;
  for (const auto& v : run.validations) out.push_back(v.second);
  return out;
}

}  // namespace

// First (this test runs first in a fresh process): the process-wide choices (the CPU's
// features, POLYCHRON_SIMD, the kernel tables) initialised by several threads at once, as
// several objects created on worker threads would; every thread sees the same.
TEST(process_wide_state_first_used_from_several_threads) {
  constexpr int kThreads = 6;
  std::vector<const void*> seen(kThreads * 4, nullptr);
  std::vector<int> levels(kThreads, -1);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      const SimdLevel level = active_simd_level();
      levels[t] = int(level);
      seen[t * 4 + 0] = &lut_kernels(level);
      seen[t * 4 + 1] = &izhikevich_kernels(level);
      seen[t * 4 + 2] = reinterpret_cast<const void*>(trace_decay_kernel(level));
      seen[t * 4 + 3] = &lut_kernels(best_simd_level());
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  for (int t = 1; t < kThreads; ++t) {
    CHECK_EQ(levels[t], levels[0]);
    for (int k = 0; k < 4; ++k) CHECK(seen[t * 4 + k] == seen[k]);
  }
}

TEST(networks_and_a_model_on_several_threads_at_once) {
  // Alone, one after another.
  std::vector<Outcome> alone;
  for (int k = 0; k < 4; ++k) {
    auto network = spnet(shape(k % 2 == 0 ? NetworkMode::Reference : NetworkMode::Fast, 30 + k));
    alone.push_back(run(*network, 700));
  }
  const std::vector<double> lm_alone = lm_losses(2);

  // All at once: four networks (two pools' worth of threads each) and the model.
  std::vector<Outcome> together(4);
  std::vector<double> lm_together;
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      auto network = spnet(shape(k % 2 == 0 ? NetworkMode::Reference : NetworkMode::Fast, 30 + k));
      together[k] = run(*network, 700);
    });
  }
  threads.emplace_back([&] { lm_together = lm_losses(2); });
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) CHECK_SAME_OUTCOME(together[k], alone[k]);
  CHECK_SAME(lm_together, lm_alone);
}

// One network driven from different threads in turn (the addon's worker threads differ
// from run to run; a run never overlaps another on the same object): its pool is created
// on one thread and used, and ended, from others.
TEST(one_network_run_from_different_threads_in_turn) {
  auto reference = spnet(shape(NetworkMode::Fast, 8));
  Outcome whole = run(*reference, 600);
  auto network = spnet(shape(NetworkMode::Fast, 8));
  Outcome parts;
  for (int k = 0; k < 3; ++k) {
    std::thread t([&] {
      Outcome part = run(*network, 200);
      parts.spike_times.insert(parts.spike_times.end(), part.spike_times.begin(), part.spike_times.end());
      parts.spike_neurons.insert(parts.spike_neurons.end(), part.spike_neurons.begin(), part.spike_neurons.end());
      parts.weights = part.weights;
      parts.derivatives = part.derivatives;
      parts.v = part.v;
      parts.u = part.u;
      parts.synaptic_events = part.synaptic_events;
    });
    t.join();
  }
  parts.ms = whole.ms = 0;
  CHECK_SAME_OUTCOME(parts, whole);
  std::thread closer([&] { network.reset(); });  // destroyed (pool joined) on yet another thread
  closer.join();
}
