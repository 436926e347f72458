// Synapse storage, compressed by presynaptic neuron and delay.
//
// Layout (s indexes synapses in storage order):
//   base_[p] + offset(p·(D+1) + d − 1) ..      the synapses of neuron p with delay d, in
//   base_[p] + offset(p·(D+1) + d)             the order they were added (D = max delay);
//                                               offsets are 16-bit unless a neuron has
//                                               65,536 synapses or more
//   synapses_[s]                               target, weight and STDP derivative (sd),
//                                               12 bytes, so a group is one or two cache lines
//   single_projection_[p]                      the projection of all of p's synapses, or
//                                               kMixedProjections; only then is
//   projection_[s]                             kept, per synapse
// and, for the synapses of plastic projections, the incoming view used by STDP:
//   incoming_[q] .. incoming_[q+1]             entries of postsynaptic neuron q, ordered by
//   incoming_source_[e]                        (pre << 8 | delay); the synapse itself is
//                                               found in that small group (IncomingCursor),
//                                               or read from incoming_synapse_[e] when some
//                                               group is too large to scan.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/spiking/huge_pages.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;
class ThreadPool;

constexpr uint32_t kMaxDelay = 255;
constexpr uint32_t kMaxNeuronsWithPlasticity = 1u << 24;  // pre fits in 24 bits

// One synapse as a projection rule draws it, before it is stored.
struct DrawnSynapse {
  uint32_t post;
  float weight;
  uint8_t delay;
  uint16_t projection;
};

// Working memory of one thread that draws synapses (connectivity.cpp).
struct DrawScratch {
  std::vector<uint32_t> picks, candidates;
  std::vector<uint64_t> table;  // (stamp << 32 | index), a set cleared by a new stamp
  uint32_t stamp = 0;
};

// A projection whose synapses are drawn while the store is built, presynaptic neuron by
// presynaptic neuron, each source from its own random stream (connectivity.h): the same
// synapses in the same order whichever thread draws them, and no list of every synapse
// in between. Both calls are safe from several threads at once.
class DrawnProjection {
 public:
  virtual ~DrawnProjection() = default;
  virtual uint16_t projection() const = 0;
  // The number of synapses of presynaptic neuron `pre`; raises `max_delay` to the largest
  // of their delays where that is larger.
  virtual uint32_t count(uint32_t pre, uint32_t& max_delay, DrawScratch& scratch) const = 0;
  // Appends the synapses of `pre`, in the order the rule makes them.
  virtual void draw(uint32_t pre, std::vector<DrawnSynapse>& out, DrawScratch& scratch) const = 0;
};

// Synapses as added, before they are compressed: explicit ones (and projections drawn
// at once) in the arrays, projections drawn later in `drawn`, each placed after the
// first `after` explicit synapses so that the order in which everything was added holds.
struct SynapseList {
  std::vector<uint32_t> pre, post;
  std::vector<uint8_t> delay;
  std::vector<float> weight;
  std::vector<uint16_t> projection;
  struct Drawn {
    uint64_t after;
    std::shared_ptr<const DrawnProjection> rule;
  };
  std::vector<Drawn> drawn;

  void add(uint32_t p, uint32_t q, uint8_t d, float w, uint16_t proj) {
    pre.push_back(p);
    post.push_back(q);
    delay.push_back(d);
    weight.push_back(w);
    projection.push_back(proj);
  }
  // Room for n more explicit synapses, growing geometrically.
  void reserve_more(uint64_t n) {
    if (pre.size() + n <= pre.capacity()) return;
    const uint64_t want = std::max<uint64_t>(pre.size() + n, 2 * pre.capacity());
    pre.reserve(want);
    post.reserve(want);
    delay.reserve(want);
    weight.reserve(want);
    projection.reserve(want);
  }
  // The explicit synapses (drawn projections count only once built).
  uint64_t size() const { return pre.size(); }
};

struct Synapse {
  uint32_t post;
  float weight;
  float derivative;
};

class SynapseStore {
 public:
  static constexpr uint16_t kMixedProjections = 0xFFFF;
  // Groups up to this size are scanned to find an incoming entry's synapse.
  static constexpr uint32_t kScanLimit = 32;

  SynapseStore() = default;
  // Compresses `list` (emptied) for `neurons` neurons; `plastic[k]` says whether
  // projection k takes part in STDP. `compact`: resolve incoming entries by scanning
  // their groups instead of storing each one's synapse (4 bytes less per plastic
  // synapse, slower STDP; ignored when a plastic group exceeds kScanLimit).
  // Without `incoming_view` (fast mode's history-based STDP needs none) only the
  // flags of the projections that may learn are kept.
  // Each presynaptic neuron's synapses are drawn (or gathered) and sorted by delay straight
  // into place, neurons split among the threads of `pool` (null: this thread); the result
  // is the same for any number of threads.
  // A layout that would need more than `memory_limit` bytes is refused (RangeError, with
  // the sizes) once the synapses are counted, before any of it is allocated; `list` is
  // then left as it was.
  SynapseStore(uint32_t neurons, SynapseList&& list, const std::vector<uint8_t>& plastic, bool compact,
               bool incoming_view = true, ThreadPool* pool = nullptr, uint64_t memory_limit = UINT64_MAX);

  uint32_t max_delay() const { return max_delay_; }
  uint64_t size() const { return synapses_.size(); }
  uint32_t neurons() const { return neurons_; }

  uint32_t group_begin(uint32_t pre, uint32_t delay) const { return base_[pre] + offset(key(pre, delay) - 1); }
  uint32_t group_end(uint32_t pre, uint32_t delay) const { return base_[pre] + offset(key(pre, delay)); }
  uint32_t outgoing_begin(uint32_t pre) const { return base_[pre]; }
  uint32_t outgoing_end(uint32_t pre) const { return base_[pre + 1]; }

  // Raw pointers of the delay index, for hot loops: no member loads or width checks per
  // lookup beyond the one pointer test.
  struct Groups {
    const uint32_t* base;
    const uint16_t* offsets16;  // null when offsets32 is used
    const uint32_t* offsets32;
    uint32_t stride;            // D + 1
    uint32_t at(uint32_t pre, uint64_t k) const { return base[pre] + (offsets16 ? offsets16[k] : offsets32[k]); }
    uint32_t begin(uint32_t pre, uint32_t delay) const { return at(pre, uint64_t(pre) * stride + delay - 1); }
    uint32_t end(uint32_t pre, uint32_t delay) const { return at(pre, uint64_t(pre) * stride + delay); }
  };
  Groups groups_view() const {
    return {base_.data(), offsets16_.empty() ? nullptr : offsets16_.data(), offsets32_.data(), max_delay_ + 1};
  }

  Synapse* synapses() { return synapses_.data(); }
  const Synapse* synapses() const { return synapses_.data(); }

  // The projection of all of `pre`'s synapses, or kMixedProjections when they come from
  // several: lets callers decide once per neuron instead of once per synapse.
  uint16_t single_projection(uint32_t pre) const { return single_projection_[pre]; }
  // The projection of synapse s, one of `pre`'s.
  uint16_t projection(uint32_t pre, uint32_t s) const {
    const uint16_t single = single_projection_[pre];
    return single != kMixedProjections ? single : projection_[s];
  }
  // Every synapse's projection, in storage order.
  std::vector<uint16_t> projections() const;

  uint32_t incoming_begin(uint32_t post) const { return incoming_[post]; }
  uint32_t incoming_end(uint32_t post) const { return incoming_[post + 1]; }
  const uint32_t* incoming_source() const { return incoming_source_.data(); }
  // The synapse of each incoming entry, or null when entries are resolved by scanning.
  const uint32_t* incoming_synapse() const { return incoming_synapse_.empty() ? nullptr : incoming_synapse_.data(); }
  // Where group (pre, delay)'s start is kept, for prefetching it.
  const void* group_index(uint32_t pre, uint32_t delay) const {
    const uint64_t k = key(pre, delay) - 1;
    return offsets32_.empty() ? static_cast<const void*>(&offsets16_[k]) : static_cast<const void*>(&offsets32_[k]);
  }

  // Resolves the incoming entries of one postsynaptic neuron, in order. Entries with the
  // same (pre, delay) are consecutive and match that group's synapses onto `post` in
  // stored order, so a repeated source resumes after the previous match.
  class IncomingCursor {
   public:
    IncomingCursor(const SynapseStore& store, uint32_t post)
        : store_(store), groups_(store.groups_view()), post_(post) {}
    uint32_t synapse(uint32_t e) {
      if (!store_.incoming_synapse_.empty()) return store_.incoming_synapse_[e];
      const uint32_t source = store_.incoming_source_[e];
      uint32_t s = source == last_source_ ? last_ + 1 : groups_.begin(source >> 8, source & 0xFF);
      while (store_.synapses_[s].post != post_) ++s;
      last_source_ = source;
      last_ = s;
      return s;
    }

   private:
    const SynapseStore& store_;
    const Groups groups_;
    const uint32_t post_;
    uint32_t last_source_ = UINT32_MAX;
    uint32_t last_ = 0;
  };

  // Whether projection k has incoming entries (was plastic when the store was built).
  bool has_incoming(uint16_t projection) const {
    return projection < incoming_projections_.size() && incoming_projections_[projection];
  }

  // The presynaptic neuron and delay of each synapse, in storage order (derived).
  void sources(std::vector<uint32_t>& pre, std::vector<uint8_t>& delay) const;
  // Bytes held, for the bytes-per-synapse figure.
  uint64_t bytes() const;

  // Checkpoints: one array per field, whatever the layout in memory. Loading checks
  // every index the simulation follows, or a crafted file could make it read or write
  // outside its arrays, then indexes as the constructor does.
  void save(BinaryWriter& out) const;
  void load(BinaryReader& in, uint32_t neurons, size_t projections, bool compact, bool incoming_view = true);

 private:
  uint64_t key(uint32_t pre, uint32_t delay) const { return uint64_t(pre) * (max_delay_ + 1) + delay; }
  uint32_t offset(uint64_t k) const { return offsets32_.empty() ? offsets16_[k] : offsets32_[k]; }
  // From / to the flat index: groups[p·D + d − 1] = first synapse of (p, d), N·D + 1 entries.
  void set_groups(const std::vector<uint32_t>& groups);
  std::vector<uint32_t> groups() const;
  // From synapses_, groups_ and a full projection_: the single projections (dropping
  // projection_ when every neuron has one) and the incoming view of `plastic` projections.
  void index(const std::vector<uint8_t>& plastic, bool compact, bool incoming_view);
  // The largest group of a plastic projection's synapses.
  uint32_t largest_plastic_group(const std::vector<uint8_t>& plastic) const;
  // The incoming view of `plastic` projections: a counting sort by postsynaptic neuron,
  // stable in storage order, parts of the storage counted and placed by the pool's threads.
  void index_incoming(const std::vector<uint8_t>& plastic, bool compact, uint32_t largest_group, ThreadPool* pool);

  uint32_t neurons_ = 0;
  uint32_t max_delay_ = 1;
  // Large arrays on huge pages (spiking/huge_pages.h).
  BigVector<uint32_t> base_;       // N + 1: first synapse of each neuron, then the total
  BigVector<uint16_t> offsets16_;  // N·(D + 1), or empty when offsets32_ is used
  BigVector<uint32_t> offsets32_;
  BigVector<Synapse> synapses_;
  BigVector<uint16_t> single_projection_;
  BigVector<uint16_t> projection_;
  BigVector<uint32_t> incoming_, incoming_synapse_, incoming_source_;
  std::vector<uint8_t> incoming_projections_;
};

}  // namespace polychron
