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
  out.excitatory.assign(n, 1);
  out.begin.assign(n + 1, 0);
  for (uint32_t pre = 0; pre < n; ++pre) {
    for (uint32_t delay = 1; delay <= store.max_delay(); ++delay) {
      for (uint32_t s = store.group_begin(pre, delay); s < store.group_end(pre, delay); ++s) {
        out.post.push_back(store.synapses()[s].post);
        out.delay.push_back(uint8_t(delay));
        out.weight.push_back(store.synapses()[s].weight);
        if (store.synapses()[s].weight < 0) out.excitatory[pre] = 0;
      }
    }
    out.begin[pre + 1] = uint32_t(out.post.size());
  }
  return out;
}

PngNetwork shuffle_targets(const PngNetwork& network, uint64_t seed) {
  PngNetwork out = network;
  Random rng(seed, 7);
  // Targets move only among synapses of the same kind (excitatory or inhibitory source,
  // excitatory or inhibitory target), so the amount of inhibition each replay meets is kept.
  for (uint8_t kind = 3; kind < 4; ++kind) {
    std::vector<uint32_t> slots;
    for (uint32_t pre = 0; pre < network.neurons; ++pre) {
      if (network.excitatory[pre] != (kind >> 1)) continue;
      for (uint32_t s = network.begin[pre]; s < network.begin[pre + 1]; ++s) {
        if (network.excitatory[network.post[s]] == (kind & 1)) slots.push_back(s);
      }
    }
    for (size_t k = slots.size(); k > 1; --k) {
      const size_t j = rng.below(uint32_t(k));
      std::swap(out.post[slots[k - 1]], out.post[slots[j]]);
    }
  }
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
                                           const std::atomic<bool>* cancel) {
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
        replay.keep_if_group(mothers[m], W, found[m]);
        replay.reset();
        int i = int(W) - 1;
        while (i >= 0 && pick[i] == k - W + uint32_t(i)) --i;
        if (i < 0) break;
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
