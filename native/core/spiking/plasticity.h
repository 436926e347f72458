// Synaptic plasticity: the rules, their defaults and checks, the arithmetic of each
// (potentiation, depression, trace marks, weight updates) and the state they learn
// with (per-projection rules, STDP traces, dopamine and rewards).
//
// The arithmetic is inline because the network's fused loops call it once per synapse
// event: every float/double conversion here is part of the reference numerics, which
// are checked spike for spike against golden data, so the expressions keep their order.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/kernels/trace_decay.h"
#include "core/spiking/synapses.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

// The 2006 rule (spnet.md); defaults are the reference's constants.
struct Stdp2006 {
  double a_plus = 0.1;             // LTP trace value at a spike
  double a_minus = 0.12;           // LTD trace value at a spike
  double decay_plus = 0.95;        // LTP trace factor per ms
  double decay_minus = 0.95;       // LTD trace factor per ms
  double bias = 0.01;              // added to every plastic weight each period
  double derivative_decay = 0.9;   // sd factor each period
  double w_min = 0;
  double w_max = 10;
  uint32_t period_ms = 1000;
};

// How the synapses of one projection learn.
//  Stdp2006: the sd derivative accumulates from the network's 2006 traces and
//            w += bias + sd every stdp.period_ms (network-wide constants);
//  Dopamine: the same sd is an eligibility trace, and every `period_ms`
//            w += (bias + DA)·sd, sd ×= eligibility_decay, DA being the network's
//            dopamine level (Izhikevich 2007);
//  Pair:     pair-based STDP with traces of its own: at a pairing w changes at once,
//            potentiation a_plus·x_pre (× (w_max − w) if multiplicative) at a
//            postsynaptic spike, depression a_minus·y_post (× (w − w_min)) at a
//            presynaptic spike's arrival; x, y add 1 per spike (all-to-all) or are
//            set to 1 (nearest) and decay with tau_plus, tau_minus.
struct PlasticityRule {
  enum class Kind : uint8_t { None = 0, Stdp2006 = 1, Pair = 2, Dopamine = 3 } kind = Kind::None;
  double a_plus = 0.01, a_minus = 0.012, tau_plus = 20, tau_minus = 20;
  bool multiplicative = false, nearest = false;
  double w_min = 0, w_max = 10;
  double bias = 0, eligibility_decay = 0.99;  // Dopamine
  uint32_t period_ms = 10;                     // Dopamine
  uint32_t trace_set = 0;                      // Pair: index into the network's pair traces
};

// The constants a rule of `kind` starts from before the caller's own.
PlasticityRule plasticity_defaults(PlasticityRule::Kind kind);
// Throw RangeError naming the first constant out of range.
void check_stdp(const Stdp2006& stdp);
void check_plasticity_rule(const PlasticityRule& rule);
// Checkpoints: the 2006 constants (checked by whoever makes a Plasticity of them).
void save_stdp(BinaryWriter& out, const Stdp2006& stdp);
Stdp2006 load_stdp(BinaryReader& in);

// Traces of pair-based STDP, one set per distinct (tau+, tau−, nearest).
struct PairTraces {
  double decay_plus = 0, decay_minus = 0;
  bool nearest = false;
  std::vector<float> x;  // (D + 1) slots × N, as the 2006 LTP ring
  std::vector<float> y;  // N
};

// A reward for a sequence: when `post` fires within window_ms after `pre`, dopamine
// rises by `amount` delay_ms later.
struct PairReward {
  uint32_t pre = 0, post = 0;
  uint32_t window_ms = 10, delay_ms = 1000;
  double amount = 0.5;
  int64_t last_pre = -1;  // ms of pre's last spike not yet rewarded, or −1
};

// --- The arithmetic of each rule, for the fused loops ---

// 2006 and dopamine rules: a postsynaptic spike adds the presynaptic LTP trace as it
// was `delay` ms ago to sd; a presynaptic spike's arrival subtracts the postsynaptic LTD.
inline void stdp_potentiate(Synapse& s, float ltp_pre) { s.derivative += ltp_pre; }
inline void stdp_depress(Synapse& s, float ltd_post) { s.derivative -= ltd_post; }

// Pair rule: the weight moves at once, within [w_min, w_max].
inline void pair_potentiate(float& w, const PlasticityRule& rule, float x_pre) {
  const float gain = rule.multiplicative ? float(rule.w_max) - w : 1.0f;
  w = std::min(float(rule.w_max), w + float(rule.a_plus) * gain * x_pre);
}
inline void pair_depress(float& w, const PlasticityRule& rule, float y_post) {
  const float gain = rule.multiplicative ? w - float(rule.w_min) : 1.0f;
  w = std::max(float(rule.w_min), w - float(rule.a_minus) * gain * y_post);
}
// Pair traces of a neuron that fires: all-to-all pairing adds, nearest pairing resets.
inline void pair_mark_spike(float& x, float& y, bool nearest) {
  x = nearest ? 1.0f : x + 1.0f;
  y = nearest ? 1.0f : y + 1.0f;
}

// Every stdp.period_ms: w += bias + sd in double, sd decays, w clipped (w_min, w_max
// being the float32 bounds).
inline void stdp_update_weight(Synapse& s, const Stdp2006& c, float w_min, float w_max) {
  s.weight = float(s.weight + (c.bias + s.derivative));
  s.derivative = float(s.derivative * c.derivative_decay);
  if (s.weight > w_max) s.weight = w_max;
  if (s.weight < w_min) s.weight = w_min;
}
// Every rule.period_ms: w += (bias + DA)·sd, clipped in double; sd decays.
inline void dopamine_update_weight(Synapse& s, const PlasticityRule& rule, double dopamine) {
  const double next = s.weight + (rule.bias + dopamine) * s.derivative;
  s.weight = float(std::min(rule.w_max, std::max(rule.w_min, next)));
  s.derivative = float(s.derivative * rule.eligibility_decay);
}

// --- The state a network learns with ---
class Plasticity {
 public:
  explicit Plasticity(const Stdp2006& stdp);

  // Building: a projection's rule (checked; pair rules get their trace set) and its id.
  uint16_t add_projection(const PlasticityRule& rule);
  // Undoes add_projection of the last projection (one whose synapses were refused).
  void drop_last_projection(uint16_t projection);
  // Whether a projection learns now. A projection that was static when the synapses
  // were stored has no incoming view (`store` null before then), so it stays static.
  void set_plastic(uint32_t projection, bool plastic, const SynapseStore* store);
  bool any_plastic() const;
  // Ends building: every projection has its flag and rule (projection 0 exists even in
  // a network without any, so that synapses can name it).
  void finish_projections();
  // Allocates the traces once the synapses fix the maximum delay (without the 2006 LTP
  // and LTD traces when `stdp_traces` is false: fast mode keeps spike histories instead).
  void allocate_traces(uint32_t neurons, uint32_t max_delay, bool stdp_traces = true);
  // Frees the 2006 LTP and LTD traces (fast mode keeps spike histories instead).
  void release_stdp_traces();
  // Whether every rule is the 2006 rule or none (what spike histories can stand for).
  bool only_stdp2006() const;

  const Stdp2006& stdp() const { return stdp_; }
  const std::vector<uint8_t>& plastic() const { return plastic_; }
  const std::vector<PlasticityRule>& rules() const { return rules_; }
  const PairTraces& pair_traces(uint32_t set) const { return pair_traces_[set]; }
  bool has_dopamine_rule() const { return has_dopamine_rule_; }
  // Whether a dopamine projection updates its weights at ms t.
  bool dopamine_update_due(uint64_t t) const;
  // Number and mean weight of the synapses of projections that learn now.
  std::pair<uint64_t, double> plastic_weights(const SynapseStore& store) const;

  // The LTP trace ring: slot t mod (D + 1) holds ms t.
  float* ltp_slot(uint64_t t) { return ltp_.data() + (t % (max_delay_ + 1)) * neurons_; }
  const float* ltp_slot(uint64_t t) const { return ltp_.data() + (t % (max_delay_ + 1)) * neurons_; }
  float* ltd() { return ltd_.data(); }
  // The pair trace x of `neuron` as it was at ms t.
  float pair_x(const PairTraces& set, uint64_t t, uint32_t neuron) const {
    return set.x[(t % (max_delay_ + 1)) * neurons_ + neuron];
  }
  // Sets the traces of a neuron that fires at ms t.
  void mark_spike(uint32_t neuron, uint64_t t) {
    ltp_slot(t)[neuron] = a_plus_;
    ltd_[neuron] = a_minus_;
    for (PairTraces& set : pair_traces_) {
      pair_mark_spike(set.x[(t % (max_delay_ + 1)) * neurons_ + neuron], set.y[neuron], set.nearest);
    }
  }
  // Decays the traces of neurons [begin, end) from ms t to t + 1.
  void decay_traces(uint32_t begin, uint32_t end, uint64_t t, TraceDecayKernel decay);
  // Late decay (the network's event-driven runs): applies to one neuron's traces the
  // decays of ms [from, to), leaving them bit for bit as decay_traces at each of those
  // ms would (the kernels' arithmetic, value by value). It costs at most D + 1 writes per
  // ring plus a jump: a value the decay of a mark starts from (A+, A−, 1) jumps along its
  // sequence, computed once, and any other value decays step by step until the decay
  // leaves it as it is (traces end at 0 or a small subnormal). Call prepare_catch_up()
  // once the traces are allocated.
  void prepare_catch_up();
  void catch_up_traces(uint32_t neuron, uint64_t from, uint64_t to);

  // Dopamine: the level, a reward now, a reward rule, the per-ms decay.
  double dopamine() const { return dopamine_; }
  void reward(double amount);
  void add_pair_reward(PairReward reward, uint32_t neurons);
  void set_dopamine_decay(double decay);
  void decay_dopamine() { dopamine_ *= dopamine_decay_; }
  bool rewards_active() const { return !pair_rewards_.empty() || !pending_rewards_.empty(); }
  // After detection at ms t (`fired` ascending): rewards earned by sequences, then those due.
  void update_rewards(const std::vector<uint32_t>& fired, uint64_t t);

  // Bytes of the traces: in use, and held.
  uint64_t trace_bytes() const;
  uint64_t trace_capacity_bytes() const;

  // Checkpoints: the rules with their pair traces and the dopamine state, then (after
  // the synapses, which fix D) the 2006 traces.
  void save_rules(BinaryWriter& out) const;
  void load_rules(BinaryReader& in, uint32_t neurons);
  void save_traces(BinaryWriter& out) const;
  void load_traces(BinaryReader& in, uint32_t max_delay);

 private:
  Stdp2006 stdp_;
  float a_plus_, a_minus_;              // stdp_'s, as the traces hold them
  std::vector<uint8_t> plastic_;        // per projection: learning now (rule set and enabled)
  std::vector<PlasticityRule> rules_;   // per projection
  std::vector<PairTraces> pair_traces_;
  bool has_dopamine_rule_ = false;
  double dopamine_ = 0;
  double dopamine_decay_ = 0.995;
  std::vector<std::pair<uint64_t, double>> pending_rewards_;  // (ms, amount), ascending ms
  std::vector<PairReward> pair_rewards_;
  uint32_t neurons_ = 0;
  uint32_t max_delay_ = 1;
  std::vector<float> ltp_;  // (D + 1) slots × N: LTP trace of ms t in slot t mod (D+1)
  std::vector<float> ltd_;  // N

  // catch_up_traces: the values k decays make of a mark's value (values[0]), up to the
  // first that the decay leaves as it is (or kMaxRun values).
  struct DecayRun {
    static constexpr size_t kMaxRun = size_t(1) << 16;
    double factor = 1;
    std::vector<float> values;
    // `steps` decays of `value` (jumping along the run when value is its start).
    float advanced(float value, uint64_t steps) const;
  };
  void catch_up_ring(std::vector<float>& ring, const DecayRun& run, uint32_t neuron, uint64_t from, uint64_t to);
  DecayRun ltp_run_, ltd_run_;
  std::vector<DecayRun> pair_runs_;  // per set: x, y
};

}  // namespace polychron
