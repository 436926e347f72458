#include "core/groups/query.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/thread_pool.h"

namespace polychron {

namespace {

// The raster by neuron: spikes of neuron n are times[begin[n], begin[n + 1]), ascending.
struct RasterByNeuron {
  std::vector<size_t> begin;
  std::vector<double> times;
};

RasterByNeuron bucket(const uint32_t* neurons, const double* times, size_t spikes, uint32_t n, const RasterQuery& q) {
  RasterByNeuron r;
  r.begin.assign(size_t(n) + 1, 0);
  for (size_t k = 0; k < spikes; ++k) {
    if (neurons[k] >= n) {
      throw RangeError("polychron: raster neuron " + std::to_string(neurons[k]) + " (spike " + std::to_string(k) +
                       ") is not in [0, " + std::to_string(n) + ")");
    }
    if (!std::isfinite(times[k])) throw RangeError("polychron: raster time of spike " + std::to_string(k) + " is not finite");
    if (times[k] >= q.from && times[k] < q.to) ++r.begin[neurons[k] + 1];
  }
  for (uint32_t i = 0; i < n; ++i) r.begin[i + 1] += r.begin[i];
  r.times.resize(r.begin[n]);
  std::vector<size_t> fill(r.begin.begin(), r.begin.end() - 1);
  for (size_t k = 0; k < spikes; ++k) {
    if (times[k] >= q.from && times[k] < q.to) r.times[fill[neurons[k]]++] = times[k];
  }
  for (uint32_t i = 0; i < n; ++i) std::sort(r.times.begin() + long(r.begin[i]), r.times.begin() + long(r.begin[i + 1]));
  return r;
}

// One group against the raster. Each raster spike of a member's neuron implies an onset
// (spike time − the member's time); a window of implied onsets no wider than 2·jitter
// that holds `need` distinct firings is a match.
class GroupMatcher {
 public:
  void match(const GroupPatterns& groups, uint32_t g, const RasterByNeuron& raster, const RasterQuery& q,
             std::vector<GroupActivation>& out) {
    const uint32_t first = groups.offsets[g], size = groups.offsets[g + 1] - first;
    if (size == 0) return;
    const uint32_t need = std::max<uint32_t>(1, uint32_t(std::ceil(q.min_fraction * size - 1e-9)));
    implied_.clear();
    for (uint32_t i = 0; i < size; ++i) {
      const uint32_t n = groups.neurons[first + i];
      for (size_t k = raster.begin[n]; k < raster.begin[n + 1]; ++k) implied_.push_back({raster.times[k] - groups.times[first + i], i});
    }
    std::sort(implied_.begin(), implied_.end(), [](const Implied& x, const Implied& y) {
      return x.onset != y.onset ? x.onset < y.onset : x.firing < y.firing;
    });
    count_.assign(size, 0);
    uint32_t distinct = 0;
    size_t left = 0;
    bool open = false;  // an activation is being extended
    double open_until = 0;
    GroupActivation best{};
    for (size_t right = 0; right < implied_.size(); ++right) {
      if (count_[implied_[right].firing]++ == 0) ++distinct;
      while (implied_[right].onset - implied_[left].onset > 2 * q.jitter) {
        if (--count_[implied_[left].firing] == 0) --distinct;
        ++left;
      }
      if (distinct < need) continue;
      const double onset = 0.5 * (implied_[left].onset + implied_[right].onset);
      if (open && implied_[left].onset <= open_until) {
        if (distinct > best.matched) best = {g, distinct, onset};
      } else {
        if (open) out.push_back(best);
        open = true;
        best = {g, distinct, onset};
      }
      open_until = implied_[right].onset;
    }
    if (open) out.push_back(best);
  }

 private:
  struct Implied {
    double onset;
    uint32_t firing;
  };
  std::vector<Implied> implied_;
  std::vector<uint32_t> count_;
};

}  // namespace

std::vector<GroupActivation> match_raster(const GroupPatterns& groups, const uint32_t* neurons, const double* times,
                                          size_t spikes, uint32_t neurons_in_network, const RasterQuery& query,
                                          const std::atomic<bool>* cancel) {
  if (!(query.jitter >= 0) || !std::isfinite(query.jitter)) throw RangeError("polychron: jitter must be a finite number >= 0");
  if (!(query.min_fraction > 0 && query.min_fraction <= 1)) throw RangeError("polychron: minFraction must be in (0, 1]");
  if (!(query.from < query.to)) throw RangeError("polychron: the time window must have from < to");
  for (uint32_t n : groups.neurons) {
    if (n >= neurons_in_network) throw RangeError("polychron: group neuron " + std::to_string(n) + " is not in [0, " + std::to_string(neurons_in_network) + ")");
  }
  const RasterByNeuron raster = bucket(neurons, times, spikes, neurons_in_network, query);
  const uint32_t count = uint32_t(groups.size());
  // Groups in blocks, each block's activations kept apart so the result does not depend
  // on which thread took which block.
  constexpr uint32_t kBlock = 16;
  std::vector<std::vector<GroupActivation>> found((count + kBlock - 1) / kBlock);
  std::atomic<uint32_t> next{0};
  ThreadPool pool(std::max(1u, query.threads));
  pool.run([&](unsigned) {
    GroupMatcher matcher;
    for (uint32_t b = next++; b < found.size(); b = next++) {
      if (cancel != nullptr && cancel->load()) break;
      for (uint32_t g = b * kBlock; g < std::min(count, (b + 1) * kBlock); ++g) matcher.match(groups, g, raster, query, found[b]);
    }
  });
  std::vector<GroupActivation> all;
  for (auto& block : found) all.insert(all.end(), block.begin(), block.end());
  std::sort(all.begin(), all.end(), [&](const GroupActivation& x, const GroupActivation& y) {
    // matched/size compared without division: x.matched·y.size vs y.matched·x.size.
    const uint64_t xs = groups.offsets[x.group + 1] - groups.offsets[x.group];
    const uint64_t ys = groups.offsets[y.group + 1] - groups.offsets[y.group];
    const uint64_t lhs = uint64_t(x.matched) * ys, rhs = uint64_t(y.matched) * xs;
    if (lhs != rhs) return lhs > rhs;
    if (x.onset != y.onset) return x.onset < y.onset;
    return x.group < y.group;
  });
  return all;
}

}  // namespace polychron
