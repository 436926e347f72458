// Synapse storage, compressed by presynaptic neuron and delay.
//
// Layout (s indexes synapses in storage order):
//   groups_[p·D + (d−1)] .. groups_[p·D + d]   the synapses of neuron p with delay d,
//                                               in the order they were added (D = max delay)
//   post_[s], weight_[s], derivative_[s]       target, weight, STDP derivative (sd)
//   projection_[s]                             which projection made s
// and, for the synapses of plastic projections, the incoming view used by STDP:
//   incoming_[q] .. incoming_[q+1]             entries of postsynaptic neuron q, each
//   incoming_synapse_[e], incoming_source_[e]  the synapse and (pre << 8 | delay)
#pragma once
#include <cstdint>
#include <vector>

namespace polychron {

constexpr uint32_t kMaxDelay = 255;
constexpr uint32_t kMaxNeuronsWithPlasticity = 1u << 24;  // pre fits in 24 bits

// Synapses as added, before they are compressed.
struct SynapseList {
  std::vector<uint32_t> pre, post;
  std::vector<uint8_t> delay;
  std::vector<float> weight;
  std::vector<uint16_t> projection;

  void add(uint32_t p, uint32_t q, uint8_t d, float w, uint16_t proj) {
    pre.push_back(p);
    post.push_back(q);
    delay.push_back(d);
    weight.push_back(w);
    projection.push_back(proj);
  }
  uint64_t size() const { return pre.size(); }
};

class SynapseStore {
 public:
  SynapseStore() = default;
  // Compresses `list` (emptied) for `neurons` neurons; `plastic[k]` says whether
  // projection k takes part in STDP.
  SynapseStore(uint32_t neurons, SynapseList&& list, const std::vector<uint8_t>& plastic);

  uint32_t max_delay() const { return max_delay_; }
  uint64_t size() const { return post_.size(); }
  uint32_t neurons() const { return neurons_; }

  uint32_t group_begin(uint32_t pre, uint32_t delay) const { return groups_[uint64_t(pre) * max_delay_ + delay - 1]; }
  uint32_t group_end(uint32_t pre, uint32_t delay) const { return groups_[uint64_t(pre) * max_delay_ + delay]; }
  uint32_t outgoing_begin(uint32_t pre) const { return groups_[uint64_t(pre) * max_delay_]; }

  const uint32_t* post() const { return post_.data(); }
  float* weight() { return weight_.data(); }
  const float* weight() const { return weight_.data(); }
  float* derivative() { return derivative_.data(); }
  const float* derivative() const { return derivative_.data(); }
  const uint16_t* projection() const { return projection_.data(); }

  uint32_t incoming_begin(uint32_t post) const { return incoming_[post]; }
  uint32_t incoming_end(uint32_t post) const { return incoming_[post + 1]; }
  const uint32_t* incoming_synapse() const { return incoming_synapse_.data(); }
  const uint32_t* incoming_source() const { return incoming_source_.data(); }

  // The projection of all of `pre`'s synapses, or kMixedProjections when they come
  // from several: lets delivery decide once per spike instead of once per synapse.
  static constexpr uint16_t kMixedProjections = 0xFFFF;
  uint16_t single_projection(uint32_t pre) const { return single_projection_[pre]; }

  // Whether projection k has incoming entries (was plastic when the store was built).
  bool has_incoming(uint16_t projection) const {
    return projection < incoming_projections_.size() && incoming_projections_[projection];
  }

  // The presynaptic neuron and delay of each synapse, in storage order (derived).
  void sources(std::vector<uint32_t>& pre, std::vector<uint8_t>& delay) const;
  // Bytes held, for the bytes-per-synapse figure.
  uint64_t bytes() const;

 private:
  friend struct NetworkCheckpoint;
  // Builds the incoming view for the projections flagged in `plastic`.
  void build_incoming(const std::vector<uint8_t>& plastic);
  void find_single_projections();

  uint32_t neurons_ = 0;
  uint32_t max_delay_ = 1;
  std::vector<uint32_t> groups_;
  std::vector<uint32_t> post_;
  std::vector<float> weight_, derivative_;
  std::vector<uint16_t> projection_;
  std::vector<uint32_t> incoming_, incoming_synapse_, incoming_source_;
  std::vector<uint8_t> incoming_projections_;
  std::vector<uint16_t> single_projection_;
};

}  // namespace polychron
