#include "core/synapses.h"

#include <algorithm>
#include <string>

#include "core/errors.h"

namespace polychron {

SynapseStore::SynapseStore(uint32_t neurons, SynapseList&& list, const std::vector<uint8_t>& plastic)
    : neurons_(neurons) {
  const uint64_t count = list.size();
  if (count >= (uint64_t(1) << 32)) {
    throw RangeError("the network may hold at most 2^32 - 1 synapses (got " + std::to_string(count) + ")");
  }
  for (uint8_t d : list.delay) max_delay_ = std::max<uint32_t>(max_delay_, d);

  // Counting sort by (pre, delay), stable: within a group, synapses keep the order in
  // which they were added, which the reference delivery order depends on.
  // Group key = pre·D + delay − 1; groups_[key] becomes the group's first synapse.
  const uint64_t keys = uint64_t(neurons) * max_delay_;
  groups_.assign(keys + 1, 0);
  for (uint64_t s = 0; s < count; ++s) ++groups_[uint64_t(list.pre[s]) * max_delay_ + list.delay[s]];
  for (uint64_t k = 1; k <= keys; ++k) groups_[k] += groups_[k - 1];
  std::vector<uint32_t> cursor(groups_.begin(), groups_.end() - 1);

  post_.resize(count);
  weight_.resize(count);
  derivative_.assign(count, 0.0f);
  projection_.resize(count);
  for (uint64_t s = 0; s < count; ++s) {
    const uint32_t at = cursor[uint64_t(list.pre[s]) * max_delay_ + list.delay[s] - 1]++;
    post_[at] = list.post[s];
    weight_[at] = list.weight[s];
    projection_[at] = list.projection[s];
  }
  list = SynapseList();
  std::vector<uint32_t>().swap(cursor);
  build_incoming(plastic);
}

void SynapseStore::find_single_projections() {
  single_projection_.assign(neurons_, kMixedProjections);
  for (uint32_t p = 0; p < neurons_; ++p) {
    const uint32_t begin = outgoing_begin(p);
    const uint32_t end = groups_[uint64_t(p + 1) * max_delay_];
    if (begin == end) continue;
    bool single = true;
    for (uint32_t s = begin + 1; s < end && single; ++s) single = projection_[s] == projection_[begin];
    if (single) single_projection_[p] = projection_[begin];
  }
}

void SynapseStore::build_incoming(const std::vector<uint8_t>& plastic) {
  find_single_projections();
  incoming_projections_ = plastic;
  const uint32_t neurons = neurons_;
  const uint64_t count = size();
  incoming_.assign(uint64_t(neurons) + 1, 0);
  for (uint32_t s = 0; s < count; ++s) {
    if (plastic[projection_[s]]) ++incoming_[post_[s] + 1];
  }
  for (uint32_t q = 0; q < neurons; ++q) incoming_[q + 1] += incoming_[q];
  incoming_synapse_.resize(incoming_[neurons]);
  incoming_source_.resize(incoming_[neurons]);
  std::vector<uint32_t> fill(incoming_.begin(), incoming_.end() - 1);
  for (uint32_t p = 0; p < neurons; ++p) {
    for (uint32_t d = 1; d <= max_delay_; ++d) {
      for (uint32_t s = group_begin(p, d); s < group_end(p, d); ++s) {
        if (!plastic[projection_[s]]) continue;
        const uint32_t e = fill[post_[s]]++;
        incoming_synapse_[e] = s;
        incoming_source_[e] = (p << 8) | d;
      }
    }
  }
}

void SynapseStore::sources(std::vector<uint32_t>& pre, std::vector<uint8_t>& delay) const {
  pre.resize(size());
  delay.resize(size());
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t d = 1; d <= max_delay_; ++d) {
      for (uint32_t s = group_begin(p, d); s < group_end(p, d); ++s) {
        pre[s] = p;
        delay[s] = static_cast<uint8_t>(d);
      }
    }
  }
}

uint64_t SynapseStore::bytes() const {
  return groups_.size() * sizeof(uint32_t) + post_.size() * sizeof(uint32_t) +
         weight_.size() * sizeof(float) + derivative_.size() * sizeof(float) +
         projection_.size() * sizeof(uint16_t) + incoming_.size() * sizeof(uint32_t) +
         incoming_synapse_.size() * sizeof(uint32_t) + incoming_source_.size() * sizeof(uint32_t);
}

}  // namespace polychron
