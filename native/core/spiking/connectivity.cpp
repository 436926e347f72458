#include "core/spiking/connectivity.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/errors.h"

namespace polychron {

namespace {

// Maps indices of a concatenation of ranges to neurons. Adjacent ranges (one starting
// where the previous ends, as the 2006 network's excitatory and inhibitory targets do)
// are merged, which maps every index to the same neuron, so that one range is common.
class RangeList {
 public:
  explicit RangeList(const std::vector<NeuronRange>& ranges) {
    for (const NeuronRange& r : ranges) {
      total_ += r.count;
      if (r.count == 0) continue;
      if (!ranges_.empty() && uint64_t(ranges_.back().first) + ranges_.back().count == r.first) {
        ranges_.back().count += r.count;
      } else {
        ranges_.push_back(r);
      }
    }
  }
  uint64_t size() const { return total_; }
  uint32_t neuron(uint64_t index) const {
    if (ranges_.size() == 1) return ranges_[0].first + uint32_t(index);
    for (const NeuronRange& r : ranges_) {
      if (index < r.count) return r.first + uint32_t(index);
      index -= r.count;
    }
    return 0;  // unreachable for index < size()
  }
  // Calls f(index) for each index of `neuron` in the concatenation, ascending.
  template <typename F>
  void for_each_index_of(uint32_t neuron, F&& f) const {
    uint64_t base = 0;
    for (const NeuronRange& r : ranges_) {
      if (neuron >= r.first && neuron - r.first < r.count) f(base + (neuron - r.first));
      base += r.count;
    }
  }
  // The index of `neuron` in the concatenation, or size() if absent.
  uint64_t index_of(uint32_t neuron) const {
    uint64_t base = 0;
    for (const NeuronRange& r : ranges_) {
      if (neuron >= r.first && neuron - r.first < r.count) return base + (neuron - r.first);
      base += r.count;
    }
    return total_;
  }

 private:
  std::vector<NeuronRange> ranges_;
  uint64_t total_ = 0;
};

void check_available(uint64_t available, uint32_t k) {
  if (k > available) {
    throw RangeError("degree must be at most the number of distinct candidates, " + std::to_string(available) +
                     " (got " + std::to_string(k) + ")");
  }
}

// Draws `k` distinct indices from [0, n) except `excluded` (n if none) into s.picks, in
// draw order. Rejection against a small hash set when k is small against n (cleared by
// a new stamp, not rewritten), else a partial shuffle.
void sample_distinct(uint64_t n, uint64_t excluded, uint32_t k, Random& random, DrawScratch& s) {
  s.picks.clear();
  const uint64_t available = n - (excluded < n ? 1 : 0);
  check_available(available, k);
  if (uint64_t(k) * 4 <= available) {
    uint32_t capacity = 16;
    while (capacity < 2 * k) capacity *= 2;
    if (s.table.size() < capacity) {
      s.table.assign(capacity, 0);
      s.stamp = 0;
    }
    if (++s.stamp == 0) {
      std::fill(s.table.begin(), s.table.end(), 0);
      s.stamp = 1;
    }
    const uint64_t tag = uint64_t(s.stamp) << 32;
    const uint32_t mask = capacity - 1;
    uint64_t* table = s.table.data();
    while (s.picks.size() < k) {
      const uint32_t x = random.below(uint32_t(n));
      if (x == excluded) continue;
      uint32_t h = (x * 2654435761u) & mask;
      bool seen = false;
      while ((table[h] & ~uint64_t(0xFFFFFFFF)) == tag) {
        if (uint32_t(table[h]) == x) {
          seen = true;
          break;
        }
        h = (h + 1) & mask;
      }
      if (seen) continue;
      table[h] = tag | x;
      s.picks.push_back(x);
    }
    return;
  }
  s.candidates.clear();
  for (uint64_t x = 0; x < n; ++x) {
    if (x != excluded) s.candidates.push_back(uint32_t(x));
  }
  for (uint32_t i = 0; i < k; ++i) {
    const uint32_t j = i + random.below(uint32_t(s.candidates.size() - i));
    std::swap(s.candidates[i], s.candidates[j]);
    s.picks.push_back(s.candidates[i]);
  }
}

class ValueSource {
 public:
  ValueSource(const ValueRule& rule, bool integer, const char* name) : rule_(rule), integer_(integer), name_(name) {}
  double next(uint32_t rank, uint32_t of, Random& random) {
    switch (rule_.kind) {
      case ValueRule::Kind::Constant: return rule_.low;
      case ValueRule::Kind::Uniform:
        if (integer_) return rule_.low + random.below(uint32_t(rule_.high - rule_.low + 1));
        return rule_.low + (rule_.high - rule_.low) * random.uniform();
      case ValueRule::Kind::Evenly:
        return rule_.low + std::floor(double(rank) * (rule_.high - rule_.low + 1) / double(of));
      case ValueRule::Kind::Explicit:
        if (used_ >= rule_.values.size()) {
          throw RangeError(std::string(name_) + " must hold one value per synapse; the rule made more than " +
                           std::to_string(rule_.values.size()));
        }
        return rule_.values[used_++];
    }
    return 0;
  }
  void check_all_used() const {
    if (rule_.kind == ValueRule::Kind::Explicit && used_ != rule_.values.size()) {
      throw RangeError(std::string(name_) + " must hold one value per synapse: the rule made " +
                       std::to_string(used_) + ", " + std::to_string(rule_.values.size()) + " were given");
    }
  }

 private:
  const ValueRule& rule_;
  bool integer_;
  const char* name_;
  size_t used_ = 0;
};

void check_delay(double d) {
  if (!(d >= 1 && d <= kMaxDelay) || std::floor(d) != d) {
    throw RangeError("delay must be an integer in [1, 255] ms (got " + std::to_string(d) + ")");
  }
}

void check_weight(double w) {
  if (!std::isfinite(w)) throw RangeError("weight must be a finite number (got " + std::to_string(w) + ")");
}

// Whether every value the rule can make is a valid delay / weight.
bool delays_valid(const ValueRule& r) {
  const bool low_ok = r.low >= 1 && r.low <= kMaxDelay && std::floor(r.low) == r.low;
  switch (r.kind) {
    case ValueRule::Kind::Constant: return low_ok;
    case ValueRule::Kind::Uniform:
    case ValueRule::Kind::Evenly: return low_ok && r.low <= r.high && r.high <= kMaxDelay;
    case ValueRule::Kind::Explicit: return false;
  }
  return false;
}

bool weights_valid(const ValueRule& r) {
  switch (r.kind) {
    case ValueRule::Kind::Constant: return std::isfinite(r.low);
    case ValueRule::Kind::Uniform:
      return std::isfinite(r.low) && std::isfinite(r.high) && r.low <= r.high && std::isfinite(r.high - r.low) &&
             std::isfinite(r.low + (r.high - r.low));
    case ValueRule::Kind::Evenly:
      return std::isfinite(r.low) && std::isfinite(r.high) && r.low <= r.high && std::isfinite(r.high - r.low + 1) &&
             std::isfinite(r.low + (r.high - r.low + 1));
    case ValueRule::Kind::Explicit: return false;
  }
  return false;
}

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// One projection's rule over its ranges: what each source draws.
struct ProjectionDraw {
  RangeList pre, post;
  ProjectionRule rule;
  ValueRule delay, weight;
  uint16_t projection;
  uint64_t seed;

  // Throws RangeError when the rule's parameters cannot be met (per source checks aside).
  void check() const {
    if (rule.kind == ProjectionRule::Kind::Probability && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw RangeError("probability must be in [0, 1] (got " + std::to_string(rule.probability) + ")");
    }
    if (rule.kind == ProjectionRule::Kind::OneToOne && pre.size() != post.size()) {
      throw RangeError("source and target: one-to-one needs as many targets as sources (" + std::to_string(pre.size()) + " sources, " +
                       std::to_string(post.size()) + " targets)");
    }
  }

  // The targets (neurons) of source i, neuron p, into s.picks, drawn from `random`.
  void pick(uint64_t i, uint32_t p, Random& random, DrawScratch& s) const {
    switch (rule.kind) {
      case ProjectionRule::Kind::FixedOutDegree:
        sample_distinct(post.size(), rule.allow_self ? post.size() : post.index_of(p), rule.degree, random, s);
        for (uint32_t& x : s.picks) x = post.neuron(x);
        break;
      case ProjectionRule::Kind::Probability:
        s.picks.clear();
        if (rule.probability > 0) {
          // Geometric skips: O(synapses), not O(sources × targets).
          const double log_q = std::log1p(-rule.probability);
          for (double j = -1;;) {
            j += rule.probability >= 1 ? 1 : std::floor(std::log1p(-random.uniform()) / log_q) + 1;
            if (j >= double(post.size())) break;
            const uint32_t q = post.neuron(uint64_t(j));
            if (q != p || rule.allow_self) s.picks.push_back(q);
          }
        }
        break;
      case ProjectionRule::Kind::OneToOne:
        s.picks.assign(1, post.neuron(i));
        break;
      case ProjectionRule::Kind::FixedInDegree:
        s.picks.clear();  // drawn per target (generate_projection)
        break;
    }
  }

  // Source i's (neuron p's) synapses, from its own stream: emit(post, delay, weight) each, in order.
  template <typename Emit>
  void source(uint64_t i, uint32_t p, DrawScratch& s, ValueSource& delays, ValueSource& weights, Emit&& emit) const {
    Random random = projection_random(seed, projection, i);
    pick(i, p, random, s);
    const uint32_t of = uint32_t(s.picks.size());
    for (uint32_t r = 0; r < of; ++r) {
      const double d = delays.next(r, of, random);
      const double w = weights.next(r, of, random);
      emit(s.picks[r], d, w);
    }
  }
};

// A projection drawn when the store is built (see make_drawn_projection).
class DrawnRule final : public DrawnProjection {
 public:
  explicit DrawnRule(ProjectionDraw draw) : draw_(std::move(draw)) {
    const ProjectionRule::Kind kind = draw_.rule.kind;
    if (kind == ProjectionRule::Kind::FixedOutDegree || kind == ProjectionRule::Kind::OneToOne) {
      fixed_count_ = kind == ProjectionRule::Kind::OneToOne ? 1 : draw_.rule.degree;
    }
    const auto fixed_by_rank = [](const ValueRule& r) {
      return r.kind == ValueRule::Kind::Constant || r.kind == ValueRule::Kind::Evenly;
    };
    if (draw_.delay.kind == ValueRule::Kind::Uniform) {
      delay_bound_ = uint32_t(draw_.delay.low) + uint32_t(draw_.delay.high - draw_.delay.low + 1) - 1;
    } else if (fixed_count_ > 0) {
      // Constant and evenly spread delays grow with the rank: the last is the largest.
      ValueSource delays(draw_.delay, true, "delay");
      Random unused;
      fixed_max_delay_ = uint32_t(delays.next(uint32_t(fixed_count_ - 1), uint32_t(fixed_count_), unused));
    }
    if (fixed_count_ > 0 && fixed_count_ <= kMaxTabulated && fixed_by_rank(draw_.delay) && fixed_by_rank(draw_.weight)) {
      // Values that depend on the rank alone draw nothing: tabulated once.
      ValueSource delays(draw_.delay, true, "delay"), weights(draw_.weight, false, "weight");
      Random unused;
      for (uint32_t r = 0; r < uint32_t(fixed_count_); ++r) {
        delay_by_rank_.push_back(uint8_t(delays.next(r, uint32_t(fixed_count_), unused)));
        weight_by_rank_.push_back(float(weights.next(r, uint32_t(fixed_count_), unused)));
      }
    }
  }

  uint16_t projection() const override { return draw_.projection; }

  uint32_t count(uint32_t p, uint32_t& max_delay, DrawScratch& s) const override {
    uint64_t n = 0;
    draw_.pre.for_each_index_of(p, [&](uint64_t i) {
      if (fixed_count_ >= 0) {
        n += uint32_t(fixed_count_);
        if (fixed_count_ == 0) return;
        if (draw_.delay.kind != ValueRule::Kind::Uniform) {
          max_delay = std::max(max_delay, fixed_max_delay_);
          return;
        }
        if (max_delay >= delay_bound_) return;  // no draw can raise it
        ValueSource delays(draw_.delay, true, "delay"), weights(draw_.weight, false, "weight");
        draw_.source(i, p, s, delays, weights, [&](uint32_t, double d, double) {
          max_delay = std::max(max_delay, uint32_t(d));
        });
        return;
      }
      ValueSource delays(draw_.delay, true, "delay"), weights(draw_.weight, false, "weight");
      draw_.source(i, p, s, delays, weights, [&](uint32_t, double d, double) {
        max_delay = std::max(max_delay, uint32_t(d));
        ++n;
      });
    });
    return uint32_t(std::min<uint64_t>(n, UINT32_MAX));  // the store refuses so many anyway
  }

  void draw(uint32_t p, std::vector<DrawnSynapse>& out, DrawScratch& s) const override {
    draw_.pre.for_each_index_of(p, [&](uint64_t i) {
      if (!delay_by_rank_.empty()) {
        Random random = projection_random(draw_.seed, draw_.projection, i);
        draw_.pick(i, p, random, s);
        for (size_t r = 0; r < s.picks.size(); ++r) {
          out.push_back({s.picks[r], weight_by_rank_[r], delay_by_rank_[r], draw_.projection});
        }
        return;
      }
      ValueSource delays(draw_.delay, true, "delay"), weights(draw_.weight, false, "weight");
      draw_.source(i, p, s, delays, weights, [&](uint32_t q, double d, double w) {
        out.push_back({q, float(w), uint8_t(d), draw_.projection});
      });
    });
  }

 private:
  ProjectionDraw draw_;
  int64_t fixed_count_ = -1;  // synapses per source when the rule fixes it, else −1
  uint32_t fixed_max_delay_ = 1;
  uint32_t delay_bound_ = 1;  // the largest delay a uniform rule can draw
  static constexpr int64_t kMaxTabulated = 1 << 16;
  std::vector<uint8_t> delay_by_rank_;  // when the values depend on the rank alone
  std::vector<float> weight_by_rank_;
};

}  // namespace

Random projection_random(uint64_t seed, uint32_t domain, uint64_t index) {
  return Random(seed, mix64((uint64_t(domain) << 40) ^ index));
}

void generate_projection(SynapseList& out, const std::vector<NeuronRange>& sources,
                         const std::vector<NeuronRange>& targets, const ProjectionRule& rule,
                         const ValueRule& delay, const ValueRule& weight, uint16_t projection,
                         uint64_t seed) {
  const ProjectionDraw draw{RangeList(sources), RangeList(targets), rule, delay, weight, projection, seed};
  const RangeList& pre = draw.pre;
  const RangeList& post = draw.post;
  draw.check();
  ValueSource delays(delay, true, "delay");
  ValueSource weights(weight, false, "weight");
  DrawScratch scratch;
  const auto add = [&](uint32_t p, uint32_t q, double d, double w) {
    check_delay(d);
    check_weight(w);
    out.add(p, q, uint8_t(d), float(w), projection);
  };
  if (rule.kind == ProjectionRule::Kind::FixedInDegree) {
    // Drawn per target, then emitted per source so that ranks count a source's synapses.
    std::vector<std::vector<uint32_t>> by_source(pre.size());
    for (uint64_t j = 0; j < post.size(); ++j) {
      const uint32_t q = post.neuron(j);
      Random random = projection_random(seed, projection, j);
      sample_distinct(pre.size(), rule.allow_self ? pre.size() : pre.index_of(q), rule.degree, random, scratch);
      for (uint32_t x : scratch.picks) by_source[x].push_back(q);
    }
    for (uint64_t i = 0; i < pre.size(); ++i) {
      const auto& qs = by_source[i];
      Random random = projection_random(seed, 0x10000u + projection, i);
      for (uint32_t r = 0; r < qs.size(); ++r) {
        const double d = delays.next(r, uint32_t(qs.size()), random);
        const double w = weights.next(r, uint32_t(qs.size()), random);
        add(pre.neuron(i), qs[r], d, w);
      }
    }
  } else {
    for (uint64_t i = 0; i < pre.size(); ++i) {
      const uint32_t p = pre.neuron(i);
      draw.source(i, p, scratch, delays, weights, [&](uint32_t q, double d, double w) { add(p, q, d, w); });
    }
  }
  delays.check_all_used();
  weights.check_all_used();
}

std::shared_ptr<const DrawnProjection> make_drawn_projection(const std::vector<NeuronRange>& sources,
                                                             const std::vector<NeuronRange>& targets,
                                                             const ProjectionRule& rule, const ValueRule& delay,
                                                             const ValueRule& weight, uint16_t projection,
                                                             uint64_t seed) {
  if (rule.kind == ProjectionRule::Kind::FixedInDegree) return nullptr;
  ProjectionDraw draw{RangeList(sources), RangeList(targets), rule, delay, weight, projection, seed};
  draw.check();
  if (rule.kind == ProjectionRule::Kind::FixedOutDegree && uint64_t(rule.degree) + 1 > draw.post.size()) {
    // Too few candidates for some source: the first such one throws, as when drawn at once.
    for (uint64_t i = 0; i < draw.pre.size(); ++i) {
      const uint32_t p = draw.pre.neuron(i);
      const uint64_t excluded = rule.allow_self ? draw.post.size() : draw.post.index_of(p);
      check_available(draw.post.size() - (excluded < draw.post.size() ? 1 : 0), rule.degree);
    }
  }
  if (!delays_valid(delay) || !weights_valid(weight)) return nullptr;
  return std::make_shared<DrawnRule>(std::move(draw));
}

void add_explicit_synapses(SynapseList& out, uint32_t neurons, const uint32_t* pre,
                           const uint32_t* post, const double* delay, const double* weight,
                           uint64_t n, uint16_t projection) {
  for (uint64_t s = 0; s < n; ++s) {
    if (pre[s] >= neurons || post[s] >= neurons) {
      throw RangeError("synapse " + std::to_string(s) + ": pre and post must be neuron indices in [0, " +
                       std::to_string(neurons - 1) + "] (got " + std::to_string(pre[s]) + " -> " +
                       std::to_string(post[s]) + ")");
    }
    check_delay(delay[s]);
    check_weight(weight[s]);
  }
  out.reserve_more(n);
  for (uint64_t s = 0; s < n; ++s) out.add(pre[s], post[s], uint8_t(delay[s]), float(weight[s]), projection);
}

}  // namespace polychron
