// The 2006 STDP rule computed from spike histories (fast mode).
//
// The reference loop touches every plastic synapse at every event: a postsynaptic spike
// adds the presynaptic LTP trace to each incoming synapse's sd (random accesses across
// the whole synapse store), each arrival subtracts the postsynaptic LTD trace, and both
// traces decay every ms for every neuron. But sd is read only when the weights are
// updated (every stdp.period_ms), and each trace is a function of one neuron's last
// spike: LTP_p(m) = A+ · decay+^(m − last spike of p ≤ m), LTD likewise. So fast mode
// only logs the spikes, and once per window (the weight-update period, or at most
// kMaxWindowMs) walks the synapses in storage order, computing for each synapse
// p → q with delay d, from the two neurons' spikes in the window [start, T):
//   potentiation  Σ over q's spikes t ≥ d:   LTP_p(t − d)
//   depression    Σ over p's arrivals a = t_p + d − 1 (the ms its spike is delivered,
//                 see network.h) in the window: LTD_q(a)
// Each term is the reference's own trace value (the same float multiplications, read
// from a table); what differs is the order in which sd sums them (per synapse: all
// potentiation, minus all depression, added once), so fast mode's sd and weights can
// differ from reference mode's in the last bits, and spikes then diverge — bounded by
// test/spiking-reference.test.ts. Results do not depend on the thread count.
//
// Data layout per window (built from the log when the window is settled):
//   spikes_[offset_[n] .. offset_[n+1])   ms of neuron n's spikes in [base, T), ascending,
//                                         base = start − D (the spikes whose arrivals or
//                                         traces reach into the window)
//   window_[n] = {offset, last}            where n's spikes begin in spikes_, and its last
//                                         spike before base (relative to base, or kNever32):
//                                         one 8-byte entry, so one random access per synapse
//   last_before_[n]                       the same last spike, absolute, kept between windows
// and per presynaptic neuron, in the thread's scratch, over m ∈ [base, T]:
//   ltp[m − base]      its LTP trace at ms m
//   ahead[m − base]    Σ over its spikes r in [m, T) of decay−^(r − m), so that the
//                      depression of arrivals in any span is two reads
#pragma once
#include <cstdint>
#include <vector>

#include "core/spiking/plasticity.h"
#include "core/spiking/synapses.h"
#include "core/thread_pool.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

class Stdp2006History {
 public:
  // Windows longer than this are settled early (sd just accumulates): the scratch
  // arrays per thread stay small whatever the period.
  static constexpr uint32_t kMaxWindowMs = 4096;
  // Trace values are tabulated for ages below this; older ones take the last entry.
  static constexpr uint32_t kTableLength = 1u << 16;

  // Starts logging at ms `now` for `neurons` neurons, no spike known.
  void reset(uint32_t neurons, uint32_t max_delay, const Stdp2006& stdp, uint64_t now);
  // Logs the spikes of the next ms (the log is dense: ms log_begin_ + ms logged so far),
  // ascending, each neuron once.
  void record(const uint32_t* fired, uint32_t count);
  uint64_t window_start() const { return start_; }

  // Adds to the sd of every synapse of a learning 2006 projection its potentiation and
  // depression in [window start, now) and, with `update`, applies the period's weight
  // update; the next window starts at now. Splits the synapses by presynaptic neuron.
  void settle(uint64_t now, bool update, SynapseStore& store, const Plasticity& plasticity, ThreadPool& pool);
  // Every synapse's sd as settle(now) would leave it, into `out` (storage order),
  // leaving the window open: reading sd does not change how the run goes on.
  void settled_derivatives(uint64_t now, const SynapseStore& store, const Plasticity& plasticity, ThreadPool& pool,
                           float* out);
  // Starts the next window at now without learning from the current one (frozen).
  void skip(uint64_t now);

  // The reference's trace arrays at ms now (before its step), for checkpoints, and back:
  // the spikes of the last D ms come from `history` (slot t mod D), earlier last spikes
  // from the LTP trace of ms now − D.
  void write_traces(uint64_t now, Plasticity& plasticity) const;
  void read_traces(uint64_t now, const Plasticity& plasticity, const std::vector<std::vector<uint32_t>>& history);

  uint64_t memory_bytes() const;

  // Checkpoints: the open window and its log, so that a resumed run learns exactly as
  // one never stopped (sd sums a window at once). Loading checks every index.
  void save(BinaryWriter& out) const;
  void load(BinaryReader& in, uint64_t now);

 private:
  // The window's spikes per neuron (spikes_, offset_) from the log.
  void index_spikes(uint64_t now);
  // Drops log entries before now − D, remembering each neuron's last one.
  void prune(uint64_t now);
  // Part k of `parts` of the synapses: sd += the window's learning, or out = sd + it
  // when `out` is given; with `update`, the weight update after.
  void settle_part(unsigned k, unsigned parts, uint64_t now, bool update, Synapse* synapses,
                   const SynapseStore& store, const Plasticity& plasticity, float* out);
  void run_parts(uint64_t now, bool update, Synapse* synapses, const SynapseStore& store,
                 const Plasticity& plasticity, ThreadPool& pool, float* out);
  // A trace of value a at a spike, `age` ms later (the reference's float chain).
  float ltp_at(uint64_t age) const { return ltp_table_[age < kTableLength ? age : kTableLength - 1]; }
  float ltd_at(uint64_t age) const { return ltd_table_[age < kTableLength ? age : kTableLength - 1]; }

  uint32_t neurons_ = 0;
  uint32_t max_delay_ = 1;
  uint64_t start_ = 0;                  // first ms of the window
  uint64_t log_begin_ = 0;              // first ms in the log: start − D, or 0
  std::vector<uint32_t> log_neurons_;   // spikes of ms log_begin_.., ms by ms
  std::vector<uint64_t> log_offsets_;   // where each ms begins in log_neurons_
  std::vector<int64_t> last_before_;    // per neuron: last spike before log_begin_, or −1
  struct NeuronWindow {
    uint32_t offset;  // into spikes_; entry N holds the end
    int32_t last;     // last spike before log_begin_, relative to it, or kNever32
  };
  static constexpr int32_t kNever32 = INT32_MIN;
  std::vector<NeuronWindow> window_;     // per neuron + 1 (settling only)
  std::vector<uint32_t> spikes_;
  std::vector<float> ltp_table_, ltd_table_;  // A± · decay±^age, as the reference decays it
  std::vector<float> power_minus_;            // decay−^age
  std::vector<float> power_minus_reversed_;   // the same, last age first
  std::vector<std::vector<float>> scratch_;   // per thread: ltp and ahead arrays
};

}  // namespace polychron
