// Which polychronous groups a recorded spike raster activates (spec polychronous-groups.md,
// "Queries"): a group is active at onset s when, for at least a minimum fraction of its
// firings (neuron n_i, time t_i from its first firing), the raster holds a spike of n_i
// within s + t_i ± jitter.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace polychron {

// Groups as firing patterns: group g's firings are [offsets[g], offsets[g + 1]) of
// neurons/times, times in ms from the group's first firing.
struct GroupPatterns {
  std::vector<uint32_t> offsets{0};
  std::vector<uint32_t> neurons;
  std::vector<double> times;
  size_t size() const { return offsets.size() - 1; }
};

struct RasterQuery {
  double jitter = 1;          // ms, >= 0
  double min_fraction = 0.5;  // (0, 1]
  double from = -1e300;       // only spikes with from <= time < to count
  double to = 1e300;
  unsigned threads = 1;
};

// One activation: `matched` of the group's firings found, centred on `onset` (ms: the
// middle of the matched spikes' implied onsets). Overlapping candidate onsets of one
// group make one activation, the one matching most firings (the earliest on a tie).
struct GroupActivation {
  uint32_t group;
  uint32_t matched;
  double onset;
};

// Every activation, ranked by matched fraction (descending), then onset, then group.
// Raster spikes are (neurons[k], times[k]) in any order; neurons >= `neurons_in_network`
// are a RangeError, as are non-finite times.
std::vector<GroupActivation> match_raster(const GroupPatterns& groups, const uint32_t* neurons, const double* times,
                                          size_t spikes, uint32_t neurons_in_network, const RasterQuery& query,
                                          const std::atomic<bool>* cancel);

}  // namespace polychron
