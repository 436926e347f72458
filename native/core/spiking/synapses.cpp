#include "core/spiking/synapses.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "core/io/binary_io.h"
#include "core/thread_pool.h"

namespace polychron {

namespace {

// Runs body(k, begin, end) for the parts k of [0, n) split among the pool's threads (all
// on this thread without a pool), and rethrows the first part's exception afterwards.
template <typename Body>
void for_parts(ThreadPool* pool, uint64_t n, const Body& body) {
  const unsigned parts = pool != nullptr ? pool->size() : 1;
  std::vector<std::exception_ptr> errors(parts);
  const auto part = [&](unsigned k) {
    uint64_t begin, end;
    split_range(n, parts, k, begin, end);
    try {
      body(k, begin, end);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  if (pool != nullptr && parts > 1) {
    pool->run(part);
  } else {
    part(0);
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

SynapseStore::SynapseStore(uint32_t neurons, SynapseList&& list, const std::vector<uint8_t>& plastic, bool compact,
                           bool incoming_view, ThreadPool* pool, uint64_t memory_limit)
    : neurons_(neurons) {
  const unsigned parts = pool != nullptr ? pool->size() : 1;
  const uint64_t explicit_count = list.size();
  const auto too_many = [](uint64_t count) {
    return RangeError("the network may hold at most 2^32 - 1 synapses (got " + std::to_string(count) + ")");
  };
  if (explicit_count >= (uint64_t(1) << 32)) throw too_many(explicit_count);

  // The explicit synapses of each presynaptic neuron, in the order added (a stable
  // counting sort of their indices by pre).
  std::vector<uint32_t> explicit_begin, explicit_order;
  if (explicit_count > 0) {
    explicit_begin.assign(uint64_t(neurons) + 1, 0);
    for (uint64_t s = 0; s < explicit_count; ++s) ++explicit_begin[list.pre[s] + 1];
    for (uint32_t p = 0; p < neurons; ++p) explicit_begin[p + 1] += explicit_begin[p];
    explicit_order.resize(explicit_count);
    std::vector<uint32_t> fill(explicit_begin.begin(), explicit_begin.end() - 1);
    for (uint64_t s = 0; s < explicit_count; ++s) explicit_order[fill[list.pre[s]]++] = uint32_t(s);
  }

  // Pass 1, by presynaptic neuron: how many synapses, from which projections, the largest
  // delay. Drawn projections count without storing what they draw.
  base_.resize(uint64_t(neurons) + 1);
  base_[0] = 0;
  single_projection_.resize(neurons);
  struct PartSummary {
    uint64_t count = 0;
    uint32_t max_delay = 1;
    bool mixed = false, wide = false;
  };
  std::vector<PartSummary> summary(parts);
  for_parts(pool, neurons, [&](unsigned k, uint64_t begin, uint64_t end) {
    DrawScratch scratch;
    PartSummary& mine = summary[k];
    for (uint64_t p = begin; p < end; ++p) {
      uint64_t total = 0;
      uint32_t first = UINT32_MAX;
      bool mixed = false;
      const auto note = [&](uint16_t projection) {
        if (first == UINT32_MAX) {
          first = projection;
        } else if (first != projection) {
          mixed = true;
        }
      };
      if (explicit_count > 0) {
        for (uint32_t c = explicit_begin[p]; c < explicit_begin[p + 1]; ++c) {
          const uint32_t s = explicit_order[c];
          mine.max_delay = std::max<uint32_t>(mine.max_delay, list.delay[s]);
          note(list.projection[s]);
        }
        total += explicit_begin[p + 1] - explicit_begin[p];
      }
      for (const SynapseList::Drawn& d : list.drawn) {
        const uint32_t n = d.rule->count(uint32_t(p), mine.max_delay, scratch);
        if (n > 0) note(d.rule->projection());
        total += n;
      }
      mine.count += total;
      mine.wide = mine.wide || total > 0xFFFF;
      mine.mixed = mine.mixed || mixed;
      base_[p + 1] = uint32_t(total);
      single_projection_[p] = first == UINT32_MAX ? 0 : mixed ? kMixedProjections : uint16_t(first);
    }
  });
  bool any_mixed = false, wide = false;
  uint64_t count = 0;
  for (const PartSummary& part : summary) {
    count += part.count;
    max_delay_ = std::max(max_delay_, part.max_delay);
    any_mixed = any_mixed || part.mixed;
    wide = wide || part.wide;
  }
  if (count >= (uint64_t(1) << 32)) throw too_many(count);
  // What pass 2 and the incoming view will allocate, at most (every synapse plastic).
  const uint64_t entries_bytes = uint64_t(neurons) * (max_delay_ + 1) * (wide ? 4 : 2);
  const uint64_t per_synapse = sizeof(Synapse) + (any_mixed ? sizeof(uint16_t) : 0) + (incoming_view ? 8 : 0);
  const uint64_t needed = entries_bytes + count * per_synapse + (incoming_view ? (uint64_t(neurons) + 1) * 4 : 0);
  if (needed > memory_limit) {
    throw RangeError("the network's synapses would need " + std::to_string(needed) + " bytes (" + std::to_string(count) +
                     " synapses of up to " + std::to_string(per_synapse) + " bytes each, and their index for " +
                     std::to_string(neurons) + " neurons with delays up to " + std::to_string(max_delay_) +
                     " ms), more than memoryLimit = " + std::to_string(memory_limit) +
                     " bytes; raise memoryLimit or draw fewer synapses");
  }
  for (uint32_t p = 0; p < neurons; ++p) base_[p + 1] += base_[p];

  // Pass 2, by presynaptic neuron: its synapses in the order added (explicit ones and
  // drawn projections interleaved as they came), sorted by delay (stable) into place.
  const uint32_t D = max_delay_;
  const uint64_t entries = uint64_t(neurons) * (D + 1);
  offsets16_.resize(wide ? 0 : entries);
  offsets32_.resize(wide ? entries : 0);
  synapses_.resize(count);
  if (any_mixed) projection_.resize(count);
  std::vector<uint32_t> largest(parts, 0);
  for_parts(pool, neurons, [&](unsigned k, uint64_t begin, uint64_t end) {
    DrawScratch scratch;
    std::vector<DrawnSynapse> gathered;
    std::vector<uint32_t> at(D + 2);
    uint32_t largest_group = 0;
    for (uint64_t p = begin; p < end; ++p) {
      gathered.clear();
      uint32_t c = explicit_count > 0 ? explicit_begin[p] : 0;
      const uint32_t c_end = explicit_count > 0 ? explicit_begin[p + 1] : 0;
      const auto gather_explicit = [&](uint64_t before) {
        for (; c < c_end && explicit_order[c] < before; ++c) {
          const uint32_t s = explicit_order[c];
          gathered.push_back({list.post[s], list.weight[s], list.delay[s], list.projection[s]});
        }
      };
      for (const SynapseList::Drawn& d : list.drawn) {
        gather_explicit(d.after);
        d.rule->draw(uint32_t(p), gathered, scratch);
      }
      gather_explicit(UINT64_MAX);
      const uint32_t first = base_[p];
      if (gathered.size() != base_[p + 1] - first) throw std::logic_error("a projection drew a different number of synapses");

      // at[d] = the first synapse of delay d (relative), at[D + 1] = the count.
      std::fill(at.begin(), at.end(), 0);
      for (const DrawnSynapse& g : gathered) ++at[g.delay + 1];
      for (uint32_t d = 1; d <= D; ++d) at[d + 1] += at[d];
      const uint64_t row = p * (D + 1);
      for (uint32_t j = 0; j <= D; ++j) {
        if (wide) {
          offsets32_[row + j] = at[j + 1];
        } else {
          offsets16_[row + j] = uint16_t(at[j + 1]);
        }
      }
      const uint16_t single = single_projection_[p];
      if (compact) {
        for (uint32_t d = 1; d <= D; ++d) {
          const uint32_t size = at[d + 1] - at[d];
          if (size == 0) continue;
          // The group's projection: its first synapse's, found in the order gathered.
          uint16_t projection = single;
          if (single == kMixedProjections) {
            for (const DrawnSynapse& g : gathered) {
              if (g.delay == d) {
                projection = g.projection;
                break;
              }
            }
          }
          if (plastic[projection]) largest_group = std::max(largest_group, size);
        }
      }
      for (const DrawnSynapse& g : gathered) {
        const uint32_t s = first + at[g.delay]++;
        synapses_[s] = {g.post, g.weight, 0.0f};
        if (any_mixed) projection_[s] = g.projection;
      }
    }
    largest[k] = largest_group;
  });
  list = SynapseList();
  std::vector<uint32_t>().swap(explicit_begin);
  std::vector<uint32_t>().swap(explicit_order);
  if (incoming_view) {
    index_incoming(plastic, compact, *std::max_element(largest.begin(), largest.end()), pool);
  } else {
    incoming_projections_ = plastic;
  }
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
  if (incoming_view) {
    index_incoming(plastic, compact, largest_plastic_group(plastic), nullptr);
  } else {
    incoming_projections_ = plastic;
    incoming_.clear();
    incoming_synapse_.clear();
    incoming_source_.clear();
  }
  if (!any_mixed) BigVector<uint16_t>().swap(projection_);
}

uint32_t SynapseStore::largest_plastic_group(const std::vector<uint8_t>& plastic) const {
  uint32_t largest = 0;
  for (uint32_t p = 0; p < neurons_; ++p) {
    for (uint32_t d = 1; d <= max_delay_; ++d) {
      const uint32_t begin = group_begin(p, d), end = group_end(p, d);
      if (begin != end && plastic[projection(p, begin)]) largest = std::max(largest, end - begin);
    }
  }
  return largest;
}

void SynapseStore::index_incoming(const std::vector<uint8_t>& plastic, bool compact, uint32_t largest_group,
                                  ThreadPool* pool) {
  // Scanning for an incoming entry's synapse pays only while plastic groups are small.
  incoming_projections_ = plastic;
  const bool keep_synapse_index = !compact || largest_group > kScanLimit;
  const uint32_t N = neurons_;
  const auto is_plastic = [&](uint32_t p, uint32_t s) { return plastic[projection(p, s)] != 0; };
  const auto whole_neuron = [&](uint32_t p) -> int {  // 1 all plastic, 0 none, -1 look per synapse
    const uint16_t single = single_projection_[p];
    return single == kMixedProjections ? -1 : plastic[single] ? 1 : 0;
  };

  // Part k (a range of presynaptic neurons, so of storage) counts its entries of each
  // postsynaptic neuron; entries of q from part k then follow those of parts before it,
  // which is storage order whatever the number of parts. One count array of N per part:
  // as many parts as the synapses per neuron pay for, at most the pool's threads.
  const unsigned threads = pool != nullptr ? pool->size() : 1;
  const unsigned parts = unsigned(std::clamp<uint64_t>(N == 0 ? 1 : size() / N, 1, threads));
  ThreadPool* part_pool = parts > 1 ? pool : nullptr;
  std::vector<std::vector<uint32_t>> at(parts);
  const auto part_range = [&](unsigned k, uint32_t& begin, uint32_t& end) {
    uint64_t b, e;
    split_range(N, parts, k, b, e);
    begin = uint32_t(b);
    end = uint32_t(e);
  };
  const auto count_part = [&](unsigned k) {
    std::vector<uint32_t>& counts = at[k];
    counts.assign(uint64_t(N) + 1, 0);
    uint32_t begin, end;
    part_range(k, begin, end);
    for (uint32_t p = begin; p < end; ++p) {
      const int whole = whole_neuron(p);
      if (whole == 0) continue;
      for (uint32_t s = outgoing_begin(p); s < outgoing_end(p); ++s) {
        if (whole == 1 || is_plastic(p, s)) ++counts[synapses_[s].post];
      }
    }
  };
  for_parts(part_pool, parts, [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t k = b; k < e; ++k) count_part(unsigned(k));
  });
  incoming_.resize(uint64_t(N) + 1);
  incoming_[0] = 0;
  for (uint32_t q = 0; q < N; ++q) {
    uint32_t next = incoming_[q];
    for (unsigned k = 0; k < parts; ++k) {
      const uint32_t n = at[k][q];
      at[k][q] = next;
      next += n;
    }
    incoming_[q + 1] = next;
  }
  const uint32_t total = incoming_[N];
  incoming_synapse_.resize(keep_synapse_index ? total : 0);
  incoming_source_.resize(total);
  // Placing is a scatter over the whole view: one random write per entry and array, and
  // one random increment of its postsynaptic neuron's place. Entries are taken kChunk at
  // a time, ordered (stably) by their postsynaptic neuron's window of 2^kWindowBits
  // neurons, then placed window by window: the places read and the view written sweep
  // in address order instead of jumping (measured about twice as fast at 10^8).
  constexpr uint32_t kChunk = 1u << 20;
  constexpr uint32_t kWindowBits = 10;
  const uint32_t windows = (N >> kWindowBits) + 1;
  const auto place_part = [&](unsigned k) {
    struct Entry {
      uint32_t post, s, source;
    };
    BigVector<Entry> chunk, sorted;
    chunk.resize(kChunk);
    sorted.resize(kChunk);
    std::vector<uint32_t> starts(uint64_t(windows) + 1);
    uint32_t* fill = at[k].data();
    uint32_t* to_synapse = incoming_synapse_.data();
    uint32_t* to_source = incoming_source_.data();
    uint32_t n = 0;
    const auto flush = [&] {
      std::fill(starts.begin(), starts.end(), 0);
      for (uint32_t i = 0; i < n; ++i) ++starts[(chunk[i].post >> kWindowBits) + 1];
      for (uint32_t w = 0; w < windows; ++w) starts[w + 1] += starts[w];
      for (uint32_t i = 0; i < n; ++i) sorted[starts[chunk[i].post >> kWindowBits]++] = chunk[i];
      for (uint32_t i = 0; i < n; ++i) {
        const Entry& x = sorted[i];
        const uint32_t e = fill[x.post]++;
        if (keep_synapse_index) to_synapse[e] = x.s;
        to_source[e] = x.source;
      }
      n = 0;
    };
    uint32_t begin, end;
    part_range(k, begin, end);
    for (uint32_t p = begin; p < end; ++p) {
      const int whole = whole_neuron(p);
      if (whole == 0) continue;
      for (uint32_t d = 1; d <= max_delay_; ++d) {
        for (uint32_t s = group_begin(p, d); s < group_end(p, d); ++s) {
          if (whole != 1 && !is_plastic(p, s)) continue;
          chunk[n++] = {synapses_[s].post, s, (p << 8) | d};
          if (n == kChunk) flush();
        }
      }
    }
    flush();
  };
  for_parts(part_pool, parts, [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t k = b; k < e; ++k) place_part(unsigned(k));
  });
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
