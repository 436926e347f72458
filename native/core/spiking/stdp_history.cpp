#include "core/spiking/stdp_history.h"

#include <algorithm>
#include <cstring>

#include "core/io/binary_io.h"

namespace polychron {

namespace {

constexpr int64_t kNever = INT64_MIN;  // no spike known

}  // namespace

void Stdp2006History::reset(uint32_t neurons, uint32_t max_delay, const Stdp2006& stdp, uint64_t now) {
  neurons_ = neurons;
  max_delay_ = max_delay;
  ltp_table_.resize(kTableLength);
  ltd_table_.resize(kTableLength);
  power_minus_.resize(kTableLength);
  // The reference sets a trace to float(A) at a spike and multiplies it by the double
  // factor each ms, rounding to float (kernels/trace_decay.h): the same chain here.
  ltp_table_[0] = float(stdp.a_plus);
  ltd_table_[0] = float(stdp.a_minus);
  double power = 1;
  for (uint32_t k = 0; k < kTableLength; ++k) {
    if (k > 0) {
      ltp_table_[k] = float(stdp.decay_plus * ltp_table_[k - 1]);
      ltd_table_[k] = float(stdp.decay_minus * ltd_table_[k - 1]);
    }
    power_minus_[k] = float(power);
    power *= stdp.decay_minus;
  }
  power_minus_reversed_.assign(power_minus_.rbegin(), power_minus_.rend());
  last_before_.assign(neurons, kNever);
  start_ = now;
  log_begin_ = now;
  log_neurons_.clear();
  log_offsets_.clear();
}

void Stdp2006History::record(const uint32_t* fired, uint32_t count) {
  log_offsets_.push_back(log_neurons_.size());
  log_neurons_.insert(log_neurons_.end(), fired, fired + count);
}

void Stdp2006History::index_spikes(uint64_t now) {
  // A counting sort of the log by neuron; each neuron's ms stay ascending.
  window_.assign(uint64_t(neurons_) + 1, {0, kNever32});
  for (uint32_t n : log_neurons_) ++window_[n + 1].offset;
  for (uint32_t n = 0; n < neurons_; ++n) {
    window_[n + 1].offset += window_[n].offset;
    // Older than 2^31 ms: the trace's table has long reached its last value.
    const int64_t last = last_before_[n];
    if (last != kNever) window_[n].last = int32_t(std::max<int64_t>(last - int64_t(log_begin_), INT32_MIN + 1));
  }
  spikes_.resize(log_neurons_.size());
  std::vector<uint32_t> fill(neurons_);
  for (uint32_t n = 0; n < neurons_; ++n) fill[n] = window_[n].offset;
  const uint64_t ms = now - log_begin_;
  for (uint64_t m = 0; m < ms; ++m) {
    const uint64_t end = m + 1 < log_offsets_.size() ? log_offsets_[m + 1] : log_neurons_.size();
    for (uint64_t e = log_offsets_[m]; e < end; ++e) spikes_[fill[log_neurons_[e]]++] = uint32_t(m);
  }
}

void Stdp2006History::prune(uint64_t now) {
  const uint64_t begin = now >= max_delay_ ? now - max_delay_ : 0;
  if (begin <= log_begin_) return;
  const uint64_t drop_ms = begin - log_begin_;
  const uint64_t drop = drop_ms < log_offsets_.size() ? log_offsets_[drop_ms] : log_neurons_.size();
  for (uint64_t m = 0; m < drop_ms && m < log_offsets_.size(); ++m) {
    const uint64_t end = m + 1 < log_offsets_.size() ? log_offsets_[m + 1] : log_neurons_.size();
    for (uint64_t e = log_offsets_[m]; e < end; ++e) last_before_[log_neurons_[e]] = int64_t(log_begin_ + m);
  }
  log_neurons_.erase(log_neurons_.begin(), log_neurons_.begin() + drop);
  const uint64_t kept_ms = log_offsets_.size() > drop_ms ? log_offsets_.size() - drop_ms : 0;
  for (uint64_t m = 0; m < kept_ms; ++m) log_offsets_[m] = log_offsets_[m + drop_ms] - drop;
  log_offsets_.resize(kept_ms);
  log_begin_ = begin;
}

void Stdp2006History::skip(uint64_t now) {
  start_ = now;
  prune(now);
}

void Stdp2006History::settle(uint64_t now, bool update, SynapseStore& store, const Plasticity& plasticity,
                             ThreadPool& pool) {
  if (now > start_ || update) run_parts(now, update, store.synapses(), store, plasticity, pool, nullptr);
  start_ = now;
  prune(now);
}

void Stdp2006History::settled_derivatives(uint64_t now, const SynapseStore& store, const Plasticity& plasticity,
                                          ThreadPool& pool, float* out) {
  const Synapse* syn = store.synapses();
  for (uint64_t s = 0; s < store.size(); ++s) out[s] = syn[s].derivative;
  if (now > start_) run_parts(now, false, const_cast<Synapse*>(syn), store, plasticity, pool, out);
}

void Stdp2006History::run_parts(uint64_t now, bool update, Synapse* synapses, const SynapseStore& store,
                                const Plasticity& plasticity, ThreadPool& pool, float* out) {
  index_spikes(now);
  scratch_.resize(pool.size());
  const unsigned parts = pool.size();
  pool.run([&](unsigned k) { settle_part(k, parts, now, update, synapses, store, plasticity, out); });
}

void Stdp2006History::settle_part(unsigned k, unsigned parts, uint64_t now, bool update, Synapse* syn,
                                  const SynapseStore& store, const Plasticity& plasticity, float* out) {
  const Stdp2006& c = plasticity.stdp();
  const float w_min = float(c.w_min), w_max = float(c.w_max);
  const uint8_t* plastic = plasticity.plastic().data();
  const PlasticityRule* rules = plasticity.rules().data();
  const auto learns = [&](uint16_t p) { return plastic[p] && rules[p].kind == PlasticityRule::Kind::Stdp2006; };
  // Times below are ms relative to log_begin_; the window is [ws, span).
  const uint64_t span = now - log_begin_;
  const int64_t ws = int64_t(start_ - log_begin_);
  const int64_t base = int64_t(log_begin_);
  std::vector<float>& scratch = scratch_[k];
  scratch.resize(2 * (span + 1));
  float* ltp = scratch.data();
  float* ahead = scratch.data() + span + 1;
  const SynapseStore::Groups groups = store.groups_view();
  const uint64_t total = store.size();

  uint64_t first, last;
  split_range(neurons_, parts, k, first, last);
  for (uint32_t p = uint32_t(first); p < last; ++p) {
    const uint16_t single = store.single_projection(p);
    if (store.outgoing_begin(p) == store.outgoing_end(p)) continue;
    if (single != SynapseStore::kMixedProjections && !learns(single)) continue;
    const uint32_t* own = spikes_.data() + window_[p].offset;
    const uint32_t own_count = window_[p + 1].offset - window_[p].offset;

    // ltp[m]: the trace of p's last spike at or before m, a run of the table.
    int64_t last_spike = window_[p].last == kNever32 ? kNever : window_[p].last;  // relative
    uint64_t m = 0;
    const auto fill_ltp = [&](uint64_t until) {
      if (last_spike == kNever) {
        std::fill(ltp + m, ltp + until, 0.0f);
      } else if (uint64_t(int64_t(m) - last_spike) + (until - m) <= kTableLength) {
        std::copy_n(ltp_table_.data() + (int64_t(m) - last_spike), until - m, ltp + m);
      } else {
        for (uint64_t x = m; x < until; ++x) ltp[x] = ltp_at(uint64_t(int64_t(x) - last_spike));
      }
      m = until;
    };
    for (uint32_t j = 0; j < own_count; ++j) {
      fill_ltp(own[j]);
      last_spike = own[j];
    }
    fill_ltp(span);
    // ahead[x] = decay−^(r_j − x) · G_j for x in (r_{j−1}, r_j], where r_j is p's first
    // spike at or after x and G_j = Σ over i ≥ j of decay−^(r_i − r_j); zero after the last.
    std::fill(ahead + (own_count > 0 ? own[own_count - 1] + 1 : 0), ahead + span + 1, 0.0f);
    float sum_from = 0;  // G_j
    for (uint32_t j = own_count; j-- > 0;) {
      const uint32_t r = own[j];
      sum_from = 1.0f + (j + 1 < own_count ? power_minus_[own[j + 1] - r] * sum_from : 0.0f);
      // power_minus_[r − x] read forward (vectorizes): the reversed table at K − 1 − r + x.
      const float* power = power_minus_reversed_.data() + (kTableLength - 1 - r);
      for (uint32_t x = j > 0 ? own[j - 1] + 1 : 0; x <= r; ++x) ahead[x] = power[x] * sum_from;
    }

    // The synapses in storage order, delay by delay; each names a postsynaptic neuron
    // somewhere else, so its window entry and spikes are fetched a few synapses ahead.
    const uint32_t p_end = store.outgoing_end(p);
    uint32_t d = 0, group_end = store.outgoing_begin(p);
    for (uint32_t s = store.outgoing_begin(p); s < p_end; ++s) {
      while (s == group_end) group_end = groups.end(p, ++d);
      if (s + 40 < total) __builtin_prefetch(&window_[syn[s + 40].post]);
      if (s + 20 < total) __builtin_prefetch(spikes_.data() + window_[syn[s + 20].post].offset);
      if (single == SynapseStore::kMixedProjections && !learns(store.projection(p, s))) continue;
      const uint32_t q = syn[s].post;
      const uint32_t* post = spikes_.data() + window_[q].offset;
      const uint32_t post_count = window_[q + 1].offset - window_[q].offset;
      // Arrivals in [a0, a1) all meet q's trace from its spike at `since`: their
      // spikes r = a − d + 1 lie in [i0, i1), and Σ decay−^(r − i0) = ahead[i0] −
      // decay−^(i1 − i0)·ahead[i1].
      const auto depression = [&](int64_t since, int64_t a0, int64_t a1) {
        int64_t i0 = std::max<int64_t>(a0 - d + 1, 0);
        const int64_t i1 = a1 - d + 1;
        if (i0 >= i1) return 0.0f;
        const float sum = ahead[i0] - power_minus_[std::min<int64_t>(i1 - i0, kTableLength - 1)] * ahead[i1];
        return ltd_at(uint64_t(i0 + d - 1 - since)) * sum;
      };
      int64_t previous = window_[q].last == kNever32 ? kNever : window_[q].last;
      float potentiation = 0, depressed = 0;
      for (uint32_t j = 0; j < post_count; ++j) {
        const int64_t t = post[j];
        if (t >= ws) {
          if (previous != kNever) depressed += depression(previous, std::max(previous, ws), t);
          if (base + t >= int64_t(d)) potentiation += ltp[t - d];
        }
        previous = t;
      }
      if (previous != kNever) depressed += depression(previous, std::max(previous, ws), int64_t(span));
      if (out != nullptr) {
        out[s] = syn[s].derivative + (potentiation - depressed);
        continue;
      }
      syn[s].derivative += potentiation - depressed;
      if (update) stdp_update_weight(syn[s], c, w_min, w_max);
    }
  }
}

void Stdp2006History::write_traces(uint64_t now, Plasticity& plasticity) const {
  // The last spike of each neuron at or before each ms of the ring, from the log.
  const uint64_t ring_begin = now >= max_delay_ ? now - max_delay_ : 0;
  std::vector<int64_t> last(last_before_);
  uint64_t m = log_begin_;
  const auto advance_to = [&](uint64_t until) {  // applies the log's spikes of ms < until
    for (; m < until && m - log_begin_ < log_offsets_.size(); ++m) {
      const uint64_t e0 = log_offsets_[m - log_begin_];
      const uint64_t e1 = m - log_begin_ + 1 < log_offsets_.size() ? log_offsets_[m - log_begin_ + 1] : log_neurons_.size();
      for (uint64_t e = e0; e < e1; ++e) last[log_neurons_[e]] = int64_t(m);
    }
  };
  for (uint64_t t = ring_begin; t <= now; ++t) {
    advance_to(t + 1);
    float* slot = plasticity.ltp_slot(t);
    for (uint32_t n = 0; n < neurons_; ++n) slot[n] = last[n] == kNever ? 0.0f : ltp_at(uint64_t(int64_t(t) - last[n]));
  }
  float* ltd = plasticity.ltd();
  for (uint32_t n = 0; n < neurons_; ++n) ltd[n] = last[n] == kNever ? 0.0f : ltd_at(uint64_t(int64_t(now) - last[n]));
}

void Stdp2006History::read_traces(uint64_t now, const Plasticity& plasticity,
                                  const std::vector<std::vector<uint32_t>>& history) {
  log_begin_ = now >= max_delay_ ? now - max_delay_ : 0;
  start_ = now;
  log_neurons_.clear();
  log_offsets_.clear();
  // A trace value names its age: the table is the reference's own chain, decreasing
  // until it underflows to zero (zero: no spike that still counts).
  const float* slot = plasticity.ltp_slot(log_begin_);
  for (uint32_t n = 0; n < neurons_; ++n) {
    const float v = slot[n];
    if (!(v > 0)) {
      last_before_[n] = kNever;
      continue;
    }
    const auto it = std::lower_bound(ltp_table_.begin(), ltp_table_.end(), v, std::greater<float>());
    const uint64_t age = std::min<uint64_t>(uint64_t(it - ltp_table_.begin()), log_begin_);
    last_before_[n] = int64_t(log_begin_ - age);
  }
  for (uint64_t t = log_begin_; t < now; ++t) {
    const auto& fired = history[t % history.size()];
    record(fired.data(), uint32_t(fired.size()));
  }
}

void Stdp2006History::save(BinaryWriter& out) const {
  out.pod(start_);
  out.pod(log_begin_);
  out.array(log_offsets_);
  out.array(log_neurons_);
  out.array(last_before_);
}

void Stdp2006History::load(BinaryReader& in, uint64_t now) {
  start_ = in.pod<uint64_t>();
  log_begin_ = in.pod<uint64_t>();
  log_offsets_ = in.array<uint64_t>();
  log_neurons_ = in.array<uint32_t>();
  last_before_ = in.array<int64_t>();
  if (!(log_begin_ <= start_ && start_ <= now) || log_offsets_.size() != now - log_begin_) {
    in.fail("the spike log of fast-mode STDP does not match the network's time");
  }
  if (last_before_.size() != neurons_) in.fail("the spike log of fast-mode STDP does not match the network");
  for (size_t m = 0; m < log_offsets_.size(); ++m) {
    if (log_offsets_[m] > log_neurons_.size() || (m > 0 && log_offsets_[m] < log_offsets_[m - 1])) {
      in.fail("the spike log of fast-mode STDP is not ascending");
    }
  }
  for (uint32_t n : log_neurons_) {
    if (n >= neurons_) in.fail("the spike log of fast-mode STDP names a neuron that does not exist");
  }
  for (int64_t t : last_before_) {
    if (t != kNever && !(t >= 0 && uint64_t(t) < log_begin_ + 1)) in.fail("a last spike time of fast-mode STDP is out of range");
  }
}

uint64_t Stdp2006History::memory_bytes() const {
  auto bytes = [](const auto& v) { return uint64_t(v.capacity()) * sizeof(typename std::decay_t<decltype(v)>::value_type); };
  uint64_t total = bytes(log_neurons_) + bytes(log_offsets_) + bytes(last_before_) + bytes(window_) + bytes(spikes_) +
                   bytes(ltp_table_) + bytes(ltd_table_) + bytes(power_minus_) +
                   bytes(power_minus_reversed_);
  for (const auto& s : scratch_) total += bytes(s);
  return total;
}

}  // namespace polychron
