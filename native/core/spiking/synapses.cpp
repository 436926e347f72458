#include "core/spiking/synapses.h"

#include <algorithm>
#include <string>

#include "core/errors.h"
#include "core/io/binary_io.h"

namespace polychron {

SynapseStore::SynapseStore(uint32_t neurons, SynapseList&& list, const std::vector<uint8_t>& plastic, bool compact,
                           bool incoming_view)
    : neurons_(neurons) {
  const uint64_t count = list.size();
  if (count >= (uint64_t(1) << 32)) {
    throw RangeError("the network may hold at most 2^32 - 1 synapses (got " + std::to_string(count) + ")");
  }
  for (uint8_t d : list.delay) max_delay_ = std::max<uint32_t>(max_delay_, d);

  // Counting sort by (pre, delay), stable: within a group, synapses keep the order in
  // which they were added, which the reference delivery order depends on.
  // Group key = pre·D + delay − 1; groups[key] becomes the group's first synapse.
  const uint64_t keys = uint64_t(neurons) * max_delay_;
  std::vector<uint32_t> groups(keys + 1, 0);
  for (uint64_t s = 0; s < count; ++s) ++groups[uint64_t(list.pre[s]) * max_delay_ + list.delay[s]];
  for (uint64_t k = 1; k <= keys; ++k) groups[k] += groups[k - 1];
  std::vector<uint32_t> cursor(groups.begin(), groups.end() - 1);

  synapses_.resize(count);
  projection_.resize(count);
  for (uint64_t s = 0; s < count; ++s) {
    const uint32_t at = cursor[uint64_t(list.pre[s]) * max_delay_ + list.delay[s] - 1]++;
    synapses_[at] = {list.post[s], list.weight[s], 0.0f};
    projection_[at] = list.projection[s];
  }
  list = SynapseList();
  std::vector<uint32_t>().swap(cursor);
  set_groups(groups);
  index(plastic, compact, incoming_view);
}

void SynapseStore::set_groups(const std::vector<uint32_t>& groups) {
  const uint32_t D = max_delay_;
  base_.resize(uint64_t(neurons_) + 1);
  bool wide = false;
  for (uint32_t p = 0; p <= neurons_; ++p) base_[p] = groups[uint64_t(p) * D];
  for (uint32_t p = 0; p < neurons_; ++p) wide = wide || base_[p + 1] - base_[p] > 0xFFFF;
  const uint64_t entries = uint64_t(neurons_) * (D + 1);
  offsets16_.assign(wide ? 0 : entries, 0);
  offsets32_.assign(wide ? entries : 0, 0);
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t j = 0; j <= D; ++j) {
      const uint32_t at = groups[uint64_t(p) * D + j] - base_[p];
      if (wide) {
        offsets32_[uint64_t(p) * (D + 1) + j] = at;
      } else {
        offsets16_[uint64_t(p) * (D + 1) + j] = uint16_t(at);
      }
    }
  }
}

std::vector<uint32_t> SynapseStore::groups() const {
  std::vector<uint32_t> out(uint64_t(neurons_) * max_delay_ + 1);
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t d = 1; d <= max_delay_; ++d) out[uint64_t(p) * max_delay_ + d - 1] = group_begin(p, d);
  }
  out.back() = base_[neurons_];
  return out;
}

void SynapseStore::index(const std::vector<uint8_t>& plastic, bool compact, bool incoming_view) {
  single_projection_.assign(neurons_, kMixedProjections);
  bool any_mixed = false;
  uint32_t largest_group = 0;
  for (uint32_t p = 0; p < neurons_; ++p) {
    const uint32_t begin = outgoing_begin(p);
    const uint32_t end = outgoing_end(p);
    if (begin == end) {
      single_projection_[p] = 0;
      continue;
    }
    bool single = true;
    for (uint32_t s = begin + 1; s < end && single; ++s) single = projection_[s] == projection_[begin];
    if (single) {
      single_projection_[p] = projection_[begin];
    } else {
      any_mixed = true;
    }
  }

  // Scanning for an incoming entry's synapse pays only while plastic groups are small.
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t d = 1; d <= max_delay_; ++d) {
      const uint32_t begin = group_begin(p, d), end = group_end(p, d);
      if (begin != end && plastic[projection(p, begin)]) largest_group = std::max(largest_group, end - begin);
    }
  }
  incoming_projections_ = plastic;
  if (!incoming_view) {
    incoming_.clear();
    incoming_synapse_.clear();
    incoming_source_.clear();
    if (!any_mixed) BigVector<uint16_t>().swap(projection_);
    return;
  }
  incoming_.assign(uint64_t(neurons_) + 1, 0);
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t s = outgoing_begin(p); s < outgoing_end(p); ++s) {
      if (plastic[projection(p, s)]) ++incoming_[synapses_[s].post + 1];
    }
  }
  for (uint32_t q = 0; q < neurons_; ++q) incoming_[q + 1] += incoming_[q];
  const bool keep_synapse_index = !compact || largest_group > kScanLimit;
  incoming_synapse_.assign(keep_synapse_index ? incoming_[neurons_] : 0, 0);
  incoming_source_.resize(incoming_[neurons_]);
  std::vector<uint32_t> fill(incoming_.begin(), incoming_.end() - 1);
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t d = 1; d <= max_delay_; ++d) {
      for (uint32_t s = group_begin(p, d); s < group_end(p, d); ++s) {
        if (!plastic[projection(p, s)]) continue;
        const uint32_t e = fill[synapses_[s].post]++;
        if (keep_synapse_index) incoming_synapse_[e] = s;
        incoming_source_[e] = (p << 8) | d;
      }
    }
  }
  if (!any_mixed) BigVector<uint16_t>().swap(projection_);
}

std::vector<uint16_t> SynapseStore::projections() const {
  std::vector<uint16_t> out(size());
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t s = outgoing_begin(p); s < outgoing_end(p); ++s) out[s] = projection(p, s);
  }
  return out;
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
  return base_.size() * sizeof(uint32_t) + offsets16_.size() * sizeof(uint16_t) +
         offsets32_.size() * sizeof(uint32_t) + synapses_.size() * sizeof(Synapse) +
         single_projection_.size() * sizeof(uint16_t) + projection_.size() * sizeof(uint16_t) +
         incoming_.size() * sizeof(uint32_t) + incoming_synapse_.size() * sizeof(uint32_t) +
         incoming_source_.size() * sizeof(uint32_t);
}

void SynapseStore::save(BinaryWriter& out) const {
  out.pod(max_delay_);
  out.array(groups());
  std::vector<uint32_t> post(size());
  std::vector<float> weight(size()), derivative(size());
  for (uint64_t k = 0; k < size(); ++k) {
    post[k] = synapses_[k].post;
    weight[k] = synapses_[k].weight;
    derivative[k] = synapses_[k].derivative;
  }
  out.array(post);
  out.array(weight);
  out.array(derivative);
  out.array(projections());
  out.array(incoming_projections_);
}

void SynapseStore::load(BinaryReader& in, uint32_t neurons, size_t projections, bool compact, bool incoming_view) {
  neurons_ = neurons;
  max_delay_ = in.pod<uint32_t>();
  const auto groups = in.array<uint32_t>();
  const auto post = in.array<uint32_t>();
  const auto weight = in.array<float>();
  const auto derivative = in.array<float>();
  {
    const auto stored = in.array<uint16_t>();
    projection_.assign(stored.begin(), stored.end());
  }
  const auto incoming_projections = in.array<uint8_t>();
  const uint64_t synapses = post.size();
  if (max_delay_ < 1 || max_delay_ > kMaxDelay) in.fail("the maximum delay is out of range");
  if (groups.size() != uint64_t(neurons_) * max_delay_ + 1) in.fail("the synapse index does not match the network");
  if (groups.front() != 0 || groups.back() != synapses) in.fail("the synapse index does not cover the synapses");
  for (size_t k = 1; k < groups.size(); ++k) {
    if (groups[k] < groups[k - 1]) in.fail("the synapse index is not ascending");
  }
  if (weight.size() != synapses || derivative.size() != synapses || projection_.size() != synapses) {
    in.fail("the synapse arrays differ in length");
  }
  for (uint64_t k = 0; k < synapses; ++k) {
    if (post[k] >= neurons_) in.fail("a synapse targets a neuron that does not exist");
    if (projection_[k] >= projections) in.fail("a synapse names a projection that does not exist");
  }
  if (incoming_projections.size() != projections) in.fail("the projection flags differ in number");
  set_groups(groups);
  synapses_.resize(synapses);
  for (uint64_t k = 0; k < synapses; ++k) synapses_[k] = {post[k], weight[k], derivative[k]};
  index(incoming_projections, compact, incoming_view);
}

}  // namespace polychron
