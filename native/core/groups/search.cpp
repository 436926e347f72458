#include "core/groups/search.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "core/errors.h"
#include "core/groups/replay.h"
#include "core/random.h"
#include "core/spiking/network.h"
#include "core/thread_pool.h"

namespace polychron {

namespace {

// The Random streams of the two shuffles: the same seed gives independent draws.
constexpr uint64_t kTargetStream = 7, kWeightStream = 8;

// Excitatory as the search means it: a neuron with no negative outgoing weight.
std::vector<uint8_t> excitatory_of(const SynapseStore& store) {
  std::vector<uint8_t> out(store.neurons(), 1);
  for (uint32_t pre = 0; pre < store.neurons(); ++pre) {
    for (uint32_t s = store.outgoing_begin(pre); s < store.outgoing_end(pre); ++s) {
      if (store.synapses()[s].weight < 0) out[pre] = 0;
    }
  }
  return out;
}

// The one definition of the 2006 program's weight shuffle (search.h, "Weights"): calls
// swap(s, r) for each swap in turn. Synapses are numbered as the structure at hand numbers
// them: presynaptic neuron p's are [begin(p), begin(p + 1)), in the structure's order, and
// post(s) is synapse s's target. The guard: ri is drawn among all excitatory neurons (as
// the 2006 program draws among its Ne), and drawn again while it has no E→E synapse, so
// that the draw of rj, repeated until its target is excitatory, always ends.
template <typename Begin, typename Post, typename Swap>
void for_each_weight_swap(uint32_t neurons, const std::vector<uint8_t>& excitatory, Begin begin, Post post, uint64_t seed,
                          Swap swap) {
  std::vector<uint32_t> pool;            // the excitatory neurons, ascending
  std::vector<uint8_t> has_e_to_e(neurons, 0);
  for (uint32_t p = 0; p < neurons; ++p) {
    if (!excitatory[p]) continue;
    pool.push_back(p);
    for (uint32_t s = begin(p); s < begin(p + 1) && !has_e_to_e[p]; ++s) has_e_to_e[p] = excitatory[post(s)];
  }
  // With no E→E synapse the loop below has nothing to visit (and ri nothing to land on).
  Random rng(seed, kWeightStream);
  for (const uint32_t p : pool) {
    if (!has_e_to_e[p]) continue;
    for (uint32_t s = begin(p); s < begin(p + 1); ++s) {
      if (!excitatory[post(s)]) continue;
      uint32_t ri;
      do {
        ri = pool[rng.below(uint32_t(pool.size()))];
      } while (!has_e_to_e[ri]);
      const uint32_t first = begin(ri), count = begin(ri + 1) - first;
      uint32_t r;
      do {
        r = first + rng.below(count);
      } while (!excitatory[post(r)]);
      swap(s, r);
    }
  }
}

}  // namespace

PngNetwork png_network_of(Network& network) {
  network.build();
  if (network.has_lif()) throw RangeError("polychron: polychronous groups need a network of Izhikevich neurons only");
  PngNetwork out;
  const uint32_t n = network.neurons();
  out.neurons = n;
  // Spike sources have no parameters: they take no input, so in a replay they fire only
  // when forced, and any resting neuron stands in for them; a regular-spiking one does.
  std::vector<double>* parameters[4] = {&out.a, &out.b, &out.c, &out.d};
  const double regular_spiking[4] = {0.02, 0.2, -65, 8};
  for (int k = 0; k < 4; ++k) parameters[k]->assign(n, regular_spiking[k]);
  for (const IzhikevichSegment& segment : network.neuron_store().izhikevich_segments()) {
    for (uint32_t i = 0; i < segment.range.count; ++i) {
      for (int k = 0; k < 4; ++k) (*parameters[k])[segment.range.first + i] = segment.parameter(k, i);
    }
  }
  const SynapseStore& store = network.synapses();
  out.max_delay = std::max<uint32_t>(1, store.max_delay());
  out.excitatory = excitatory_of(store);
  out.begin.assign(n + 1, 0);
  // Storage order: by delay, then the order added (so synapse k of a neuron here is its
  // synapse k in the store, which the weight shuffle relies on).
  for (uint32_t pre = 0; pre < n; ++pre) {
    for (uint32_t delay = 1; delay <= store.max_delay(); ++delay) {
      for (uint32_t s = store.group_begin(pre, delay); s < store.group_end(pre, delay); ++s) {
        out.post.push_back(store.synapses()[s].post);
        out.delay.push_back(uint8_t(delay));
        out.weight.push_back(store.synapses()[s].weight);
      }
    }
    out.begin[pre + 1] = uint32_t(out.post.size());
  }
  return out;
}

const char* shuffle_kind_name(ShuffleKind kind) {
  return kind == ShuffleKind::Weights ? "weights" : "targets";
}

ShuffleKind parse_shuffle_kind(const std::string& name) {
  for (ShuffleKind kind : {ShuffleKind::Weights, ShuffleKind::Targets}) {
    if (name == shuffle_kind_name(kind)) return kind;
  }
  throw RangeError("shuffle must be 'weights' or 'targets' (got '" + name + "')");
}

void shuffle_excitatory_weights(PngNetwork& network, uint64_t seed) {
  check_in_range(kShuffleSeed, seed);
  const auto& begin = network.begin;
  const auto& post = network.post;
  for_each_weight_swap(
      network.neurons, network.excitatory, [&](uint32_t p) { return begin[p]; }, [&](uint32_t s) { return post[s]; }, seed,
      [&](uint32_t a, uint32_t b) { std::swap(network.weight[a], network.weight[b]); });
}

void shuffle_excitatory_weights(Network& network, uint64_t seed) {
  check_in_range(kWeightShuffleSeed, seed);
  network.build();
  network.settle_plasticity();  // sd moves with its weight, so it must be whole
  SynapseStore& store = network.synapses();
  Synapse* synapses = store.synapses();
  for_each_weight_swap(
      store.neurons(), excitatory_of(store), [&](uint32_t p) { return store.outgoing_begin(p); },
      [&](uint32_t s) { return synapses[s].post; }, seed,
      [&](uint32_t a, uint32_t b) {
        std::swap(synapses[a].weight, synapses[b].weight);
        std::swap(synapses[a].derivative, synapses[b].derivative);
      });
}

PngNetwork shuffle_targets(const PngNetwork& network, uint64_t seed) {
  check_in_range(kShuffleSeed, seed);
  PngNetwork out = network;
  Random rng(seed, kTargetStream);
  // Only E→E targets move: after training most synapses onto inhibitory neurons are
  // strong, and moving them onto excitatory ones would make every replay run away.
  std::vector<uint32_t> slots;
  for (uint32_t pre = 0; pre < network.neurons; ++pre) {
    if (!network.excitatory[pre]) continue;
    for (uint32_t s = network.begin[pre]; s < network.begin[pre + 1]; ++s) {
      if (network.excitatory[network.post[s]]) slots.push_back(s);
    }
  }
  for (size_t k = slots.size(); k > 1; --k) {
    const size_t j = rng.below(uint32_t(k));
    std::swap(out.post[slots[k - 1]], out.post[slots[j]]);
  }
  return out;
}

PngNetwork shuffled(const PngNetwork& network, ShuffleKind kind, uint64_t seed) {
  if (kind == ShuffleKind::Targets) return shuffle_targets(network, seed);
  PngNetwork out = network;
  shuffle_excitatory_weights(out, seed);
  return out;
}

const char* replay_budget_name(ReplayBudget budget) {
  return budget == ReplayBudget::Extended ? "extended" : "fixed";
}

ReplayBudget parse_replay_budget(const std::string& name) {
  for (ReplayBudget budget : {ReplayBudget::Extended, ReplayBudget::Fixed}) {
    if (name == replay_budget_name(budget)) return budget;
  }
  throw RangeError("budget must be 'extended' or 'fixed' (got '" + name + "')");
}

void check_search_options(const PngOptions& options) {
  check_in_range(PngOptions::kAnchors, options.anchors);
  check_in_range(PngOptions::kMinPath, options.min_path);
  // 0 asks for the network-derived default.
  if (options.latency != 0) check_in_range(PngOptions::kLatency, options.latency);
  if (options.window != 0) check_in_range(PngOptions::kWindow, options.window);
  check_in_range(PngOptions::kThreads, options.threads);
  if (!(options.strong_fraction > 0 && options.strong_fraction <= 1)) throw RangeError("strongFraction must be in (0, 1]");
  if (!(options.max_weight > 0)) throw RangeError("maxWeight must be a number > 0");
}

std::vector<PolychronousGroup> find_groups(const PngNetwork& network, const PngOptions& options,
                                           const std::function<void(uint32_t, uint32_t)>& on_mother,
                                           const std::atomic<bool>* cancel, PngSearchStats* stats) {
  check_search_options(options);
  const ReplayTables tables(network, options, 0);
  std::vector<uint8_t> asked(network.neurons, options.mothers.empty());
  for (size_t k = 0; k < options.mothers.size(); ++k) {
    const uint32_t q = options.mothers[k];
    if (q >= network.neurons) throw RangeError("mothers[" + std::to_string(k) + "] must be a neuron in [0, " + std::to_string(network.neurons) + ") (got " + std::to_string(q) + ")");
    asked[q] = 1;
  }
  std::vector<uint32_t> mothers;
  for (uint32_t q = 0; q < network.neurons; ++q) {
    if (asked[q] && network.excitatory[q] && tables.strong_inputs[q].size() >= options.anchors) mothers.push_back(q);
  }
  std::vector<std::vector<PolychronousGroup>> found(mothers.size());
  // Per mother, written by the one thread that searches it: replays run, and whether all were.
  std::vector<uint64_t> replays(mothers.size(), 0);
  std::vector<uint8_t> complete(mothers.size(), 0);
  std::atomic<uint32_t> next{0}, done{0};
  std::mutex progress;
  ThreadPool pool(options.threads);
  pool.run([&](unsigned) {
    Replay replay(tables);
    std::vector<uint32_t> pick(options.anchors);
    std::vector<ForcedFiring> anchors(options.anchors);
    for (uint32_t m = next++; m < mothers.size(); m = next++) {
      if (cancel != nullptr && cancel->load()) break;
      const auto& inputs = tables.strong_inputs[mothers[m]];
      const uint32_t k = uint32_t(inputs.size()), W = options.anchors;
      for (uint32_t i = 0; i < W; ++i) pick[i] = i;
      // A mother can have thousands of combinations: stop within one when cancelled
      // (the result is then marked aborted, so a partial mother is never mistaken for all).
      while (cancel == nullptr || !cancel->load(std::memory_order_relaxed)) {
        // Fired at t_k = Dmax − delay_k, the anchors' spikes reach the mother together.
        // They stay in the strong inputs' order: it orders the spikes they send.
        uint8_t longest = 0;
        for (uint32_t i = 0; i < W; ++i) longest = std::max(longest, inputs[pick[i]].second);
        for (uint32_t i = 0; i < W; ++i) {
          anchors[i] = {inputs[pick[i]].first, uint32_t(longest - inputs[pick[i]].second), inputs[pick[i]].second};
        }
        replay.simulate(anchors);
        ++replays[m];
        replay.keep_if_group(mothers[m], W, found[m]);
        replay.reset();
        int i = int(W) - 1;
        while (i >= 0 && pick[i] == k - W + uint32_t(i)) --i;
        if (i < 0) {
          complete[m] = 1;
          break;
        }
        ++pick[i];
        for (uint32_t j = uint32_t(i) + 1; j < W; ++j) pick[j] = pick[j - 1] + 1;
      }
      const uint32_t finished = ++done;
      if (on_mother) {
        std::lock_guard<std::mutex> lock(progress);
        on_mother(finished, uint32_t(mothers.size()));
      }
    }
  });
  if (stats != nullptr) {
    *stats = PngSearchStats();
    for (size_t m = 0; m < mothers.size(); ++m) {
      stats->mothers += complete[m];
      stats->replays += replays[m];
    }
  }
  std::vector<PolychronousGroup> groups;
  for (auto& list : found) {
    for (auto& g : list) groups.push_back(std::move(g));
  }
  return groups;
}

std::vector<PngFiring> replay_pattern(const PngNetwork& network, const PngOptions& options,
                                     std::vector<ForcedFiring> pattern) {
  check_search_options(options);
  for (const ForcedFiring& f : pattern) {
    if (f.neuron >= network.neurons) throw RangeError("polychron: pattern neuron " + std::to_string(f.neuron) + " is not in [0, " + std::to_string(network.neurons) + ")");
  }
  uint32_t last = 0;
  for (const ForcedFiring& f : pattern) last = std::max(last, f.time);
  const ReplayTables tables(network, options, last);
  Replay replay(tables);
  replay.simulate(pattern);
  std::vector<PngFiring> firings = replay.firings();
  sort_by_time_then_neuron(firings);
  return firings;
}

}  // namespace polychron
