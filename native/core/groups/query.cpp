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
  double first = 0, last = 0;  // the earliest and the latest spike time (0 with none)
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
  if (!r.times.empty()) {
    const auto [lo, hi] = std::minmax_element(r.times.begin(), r.times.end());
    r.first = *lo;
    r.last = *hi;
  }
  return r;
}

// One group against the raster. Each raster spike of a member's neuron implies an onset
// (spike time − the member's time); a window of implied onsets no wider than 2·jitter
// that holds `need` distinct firings is a match. Overlapping matches make one activation.
//
// Most of a raster matches nothing, so the onsets are first only counted, in buckets of
// width B >= 2·jitter: a match lies within at most two adjacent buckets (three, allowing
// for rounding), which then hold >= need onsets between them. Only the onsets near such
// buckets are sorted and slid over, region by region; a region reaches 2·jitter + B
// beyond its buckets on either side, so every window that could match is whole inside
// one, and matches in different regions never overlap. match_all() slides over every
// onset, the plain way: it is what the regions must reproduce (and the path when the
// candidates are many).
class GroupMatcher {
 public:
  GroupMatcher(const RasterByNeuron& raster, const RasterQuery& q) : raster_(raster), q_(q) {}

  void match(const GroupPatterns& groups, uint32_t g, std::vector<GroupActivation>& out) {
    const uint32_t first = groups.offsets[g], size = groups.offsets[g + 1] - first;
    if (size == 0 || raster_.times.empty()) return;
    const uint32_t need = std::max<uint32_t>(1, uint32_t(std::ceil(q_.min_fraction * size - 1e-9)));
    double latest = 0;
    for (uint32_t i = 0; i < size; ++i) latest = std::max(latest, groups.times[first + i]);
    if (!count_onsets(groups, first, size, need, latest)) return match_all(groups, g, first, size, need, out);
    if (candidates_.empty()) return;
    std::sort(candidates_.begin(), candidates_.end());
    // Regions: candidate buckets b − 2 … b + 2, widened by 2·jitter + B, overlaps merged.
    const double margin = 2 * q_.jitter + width_;
    size_t c = 0;
    while (c < candidates_.size()) {
      const double from = lowest_ + (double(candidates_[c]) - 2.0 - kPad) * width_ - margin;
      double to = lowest_ + (double(candidates_[c]) + 3.0 - kPad) * width_ + margin;
      for (++c; c < candidates_.size(); ++c) {
        const double next_from = lowest_ + (double(candidates_[c]) - 2.0 - kPad) * width_ - margin;
        if (next_from > to) break;
        to = lowest_ + (double(candidates_[c]) + 3.0 - kPad) * width_ + margin;
      }
      implied_.clear();
      for (uint32_t i = 0; i < size; ++i) {
        const uint32_t n = groups.neurons[first + i];
        const double t = groups.times[first + i];
        const double* begin = raster_.times.data() + raster_.begin[n];
        const double* end = raster_.times.data() + raster_.begin[n + 1];
        // Onsets grow with spike times: the first at or after `from`, as the onset is computed.
        const double* at = std::partition_point(begin, end, [&](double time) { return time - t < from; });
        for (; at != end && *at - t < to; ++at) implied_.push_back({*at - t, i});
      }
      slide(g, size, need, out);
    }
  }

 private:
  struct Implied {
    double onset;
    uint32_t firing;
  };
  static constexpr size_t kMostBuckets = size_t(1) << 20;
  static constexpr size_t kPad = 2;  // buckets kept below the lowest onset's, so b − 2 exists

  // Counts the group's onsets by bucket; candidates_ gets the middle bucket of every run
  // of three adjacent buckets that holds `need` onsets or more. When the buckets are few
  // against the onsets, the runs are read off the counts afterwards; otherwise (a long
  // raster, a small group) each onset looks at the runs that hold its bucket as it is
  // counted, and a run is noted when it reaches `need` (each onset adds one to each run
  // that holds it, so every such run is seen reaching it). False when the candidates are
  // so many that sliding over everything is cheaper.
  bool count_onsets(const GroupPatterns& groups, uint32_t first, uint32_t size, uint32_t need, double latest) {
    candidates_.clear();
    // The group's onsets lie in [first spike − its latest time, last spike]; at most
    // kMostBuckets buckets cover that.
    lowest_ = raster_.first - latest;
    width_ = std::max({2 * q_.jitter, 1.0, (raster_.last - lowest_) / double(kMostBuckets - 2 * kPad - 2)});
    const size_t buckets = size_t((raster_.last - lowest_) / width_) + 2 * kPad + 2;
    if (counts_.size() < buckets) counts_.assign(buckets, 0);
    // Counts saturate below 2^16; `need` is looked for only below that.
    const uint32_t most = 0xFFFF;
    if (need >= most) return false;
    size_t onsets = 0;
    for (uint32_t i = 0; i < size; ++i) onsets += raster_.begin[groups.neurons[first + i] + 1] - raster_.begin[groups.neurons[first + i]];
    const double per_width = 1 / width_;  // a bucket index off by rounding is covered by the regions' margins
    auto for_each_bucket = [&](auto&& counted) {
      for (uint32_t i = 0; i < size; ++i) {
        const uint32_t n = groups.neurons[first + i];
        const double t = groups.times[first + i];
        for (size_t k = raster_.begin[n]; k < raster_.begin[n + 1]; ++k) {
          counted(std::min(buckets - kPad - 1, size_t(std::max(0.0, (raster_.times[k] - t - lowest_) * per_width)) + kPad));
        }
      }
    };
    if (buckets <= 8 * onsets) {
      for_each_bucket([&](size_t b) { counts_[b] = uint16_t(counts_[b] + (counts_[b] < most)); });
      read_runs(buckets, need);
      std::fill(counts_.begin(), counts_.begin() + long(buckets), uint16_t(0));
    } else {
      for_each_bucket([&](size_t b) {
        const uint32_t here = counts_[b] + (counts_[b] < most);
        counts_[b] = uint16_t(here);
        const uint32_t before = counts_[b - 1], after = counts_[b + 1];
        if (counts_[b - 2] + before + here == need) candidates_.push_back(uint32_t(b - 1));
        if (before + here + after == need) candidates_.push_back(uint32_t(b));
        if (here + after + counts_[b + 2] == need) candidates_.push_back(uint32_t(b + 1));
      });
      for_each_bucket([&](size_t b) { counts_[b] = 0; });  // back to 0 for the next group
    }
    return candidates_.size() * 64 < onsets + 64;
  }

  // The middle buckets of the runs of three that hold >= need onsets, in blocks: a block's
  // largest run (a loop the compiler vectorizes) is looked into only when it is enough.
  void read_runs(size_t buckets, uint32_t need) {
    constexpr size_t kBlock = 256;
    const uint16_t* c = counts_.data();
    for (size_t from = 1; from + 1 < buckets; from += kBlock) {
      const size_t to = std::min(buckets - 1, from + kBlock);
      uint32_t largest = 0;
      for (size_t b = from; b < to; ++b) largest = std::max(largest, uint32_t(c[b - 1]) + c[b] + c[b + 1]);
      if (largest < need) continue;
      for (size_t b = from; b < to; ++b) {
        if (uint32_t(c[b - 1]) + c[b] + c[b + 1] >= need) candidates_.push_back(uint32_t(b));
      }
    }
  }

  void match_all(const GroupPatterns& groups, uint32_t g, uint32_t first, uint32_t size, uint32_t need,
                 std::vector<GroupActivation>& out) {
    implied_.clear();
    for (uint32_t i = 0; i < size; ++i) {
      const uint32_t n = groups.neurons[first + i];
      for (size_t k = raster_.begin[n]; k < raster_.begin[n + 1]; ++k) implied_.push_back({raster_.times[k] - groups.times[first + i], i});
    }
    slide(g, size, need, out);
  }

  // The sliding window over implied_ (sorted here).
  void slide(uint32_t g, uint32_t size, uint32_t need, std::vector<GroupActivation>& out) {
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
      while (implied_[right].onset - implied_[left].onset > 2 * q_.jitter) {
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

  const RasterByNeuron& raster_;
  const RasterQuery& q_;
  double width_ = 1;    // B, ms (for the group being matched)
  double lowest_ = 0;   // the onset at the start of bucket kPad
  std::vector<uint16_t> counts_;  // by bucket: the onsets of the group being matched (0 between groups)
  std::vector<uint32_t> candidates_;
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
    GroupMatcher matcher(raster, query);
    for (uint32_t b = next++; b < found.size(); b = next++) {
      if (cancel != nullptr && cancel->load()) break;
      for (uint32_t g = b * kBlock; g < std::min(count, (b + 1) * kBlock); ++g) matcher.match(groups, g, found[b]);
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
