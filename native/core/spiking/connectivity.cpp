#include "core/spiking/connectivity.h"

#include <cmath>
#include <string>

#include "core/errors.h"

namespace polychron {

namespace {

// Maps indices of a concatenation of ranges to neurons.
class RangeList {
 public:
  explicit RangeList(const std::vector<NeuronRange>& ranges) : ranges_(ranges) {
    for (const NeuronRange& r : ranges) total_ += r.count;
  }
  uint64_t size() const { return total_; }
  uint32_t neuron(uint64_t index) const {
    for (const NeuronRange& r : ranges_) {
      if (index < r.count) return r.first + uint32_t(index);
      index -= r.count;
    }
    return 0;  // unreachable for index < size()
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

// Draws `k` distinct indices from [0, n) except `excluded` (n if none), in draw order.
// Rejection against a small hash set when k is small against n, else a partial shuffle.
void sample_distinct(uint64_t n, uint64_t excluded, uint32_t k, Random& random, std::vector<uint32_t>& out,
                     std::vector<uint32_t>& scratch) {
  out.clear();
  const uint64_t available = n - (excluded < n ? 1 : 0);
  if (k > available) {
    throw RangeError("degree must be at most the number of distinct candidates, " + std::to_string(available) +
                     " (got " + std::to_string(k) + ")");
  }
  if (uint64_t(k) * 4 <= available) {
    uint32_t capacity = 16;
    while (capacity < 2 * k) capacity *= 2;
    scratch.assign(capacity, UINT32_MAX);
    while (out.size() < k) {
      const uint32_t x = random.below(uint32_t(n));
      if (x == excluded) continue;
      uint32_t h = (x * 2654435761u) & (capacity - 1);
      while (scratch[h] != UINT32_MAX && scratch[h] != x) h = (h + 1) & (capacity - 1);
      if (scratch[h] == x) continue;
      scratch[h] = x;
      out.push_back(x);
    }
    return;
  }
  scratch.clear();
  for (uint64_t x = 0; x < n; ++x) {
    if (x != excluded) scratch.push_back(uint32_t(x));
  }
  for (uint32_t i = 0; i < k; ++i) {
    const uint32_t j = i + random.below(uint32_t(scratch.size() - i));
    std::swap(scratch[i], scratch[j]);
    out.push_back(scratch[i]);
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

}  // namespace

void generate_projection(SynapseList& out, const std::vector<NeuronRange>& sources,
                         const std::vector<NeuronRange>& targets, const ProjectionRule& rule,
                         const ValueRule& delay, const ValueRule& weight, uint16_t projection,
                         Random& random) {
  const RangeList pre(sources);
  const RangeList post(targets);
  ValueSource delays(delay, true, "delay");
  ValueSource weights(weight, false, "weight");
  const auto emit = [&](uint32_t p, uint32_t q, uint32_t rank, uint32_t of) {
    const double d = delays.next(rank, of, random);
    check_delay(d);
    const double w = weights.next(rank, of, random);
    check_weight(w);
    out.add(p, q, uint8_t(d), float(w), projection);
  };
  std::vector<uint32_t> picks, scratch;
  switch (rule.kind) {
    case ProjectionRule::Kind::FixedOutDegree:
      for (uint64_t i = 0; i < pre.size(); ++i) {
        const uint32_t p = pre.neuron(i);
        sample_distinct(post.size(), rule.allow_self ? post.size() : post.index_of(p), rule.degree, random, picks, scratch);
        for (uint32_t r = 0; r < picks.size(); ++r) emit(p, post.neuron(picks[r]), r, rule.degree);
      }
      break;
    case ProjectionRule::Kind::FixedInDegree: {
      // Drawn per target, then emitted per source so that ranks count a source's synapses.
      std::vector<std::vector<uint32_t>> by_source(pre.size());
      for (uint64_t j = 0; j < post.size(); ++j) {
        const uint32_t q = post.neuron(j);
        sample_distinct(pre.size(), rule.allow_self ? pre.size() : pre.index_of(q), rule.degree, random, picks, scratch);
        for (uint32_t x : picks) by_source[x].push_back(q);
      }
      for (uint64_t i = 0; i < pre.size(); ++i) {
        const auto& qs = by_source[i];
        for (uint32_t r = 0; r < qs.size(); ++r) emit(pre.neuron(i), qs[r], r, uint32_t(qs.size()));
      }
      break;
    }
    case ProjectionRule::Kind::Probability: {
      if (!(rule.probability >= 0 && rule.probability <= 1)) {
        throw RangeError("probability must be in [0, 1] (got " + std::to_string(rule.probability) + ")");
      }
      for (uint64_t i = 0; i < pre.size(); ++i) {
        const uint32_t p = pre.neuron(i);
        picks.clear();
        if (rule.probability > 0) {
          // Geometric skips: O(synapses), not O(sources × targets).
          const double log_q = std::log1p(-rule.probability);
          for (double j = -1;;) {
            j += rule.probability >= 1 ? 1 : std::floor(std::log1p(-random.uniform()) / log_q) + 1;
            if (j >= double(post.size())) break;
            const uint32_t q = post.neuron(uint64_t(j));
            if (q != p || rule.allow_self) picks.push_back(q);
          }
        }
        for (uint32_t r = 0; r < picks.size(); ++r) emit(p, picks[r], r, uint32_t(picks.size()));
      }
      break;
    }
    case ProjectionRule::Kind::OneToOne:
      if (pre.size() != post.size()) {
        throw RangeError("one-to-one needs as many targets as sources (" + std::to_string(pre.size()) + " sources, " +
                         std::to_string(post.size()) + " targets)");
      }
      for (uint64_t i = 0; i < pre.size(); ++i) emit(pre.neuron(i), post.neuron(i), 0, 1);
      break;
  }
  delays.check_all_used();
  weights.check_all_used();
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
  for (uint64_t s = 0; s < n; ++s) out.add(pre[s], post[s], uint8_t(delay[s]), float(weight[s]), projection);
}

}  // namespace polychron
