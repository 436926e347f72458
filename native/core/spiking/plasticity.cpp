#include "core/spiking/plasticity.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/errors.h"
#include "core/spiking/checkpoint_part.h"

namespace polychron {

PlasticityRule plasticity_defaults(PlasticityRule::Kind kind) {
  PlasticityRule rule;
  rule.kind = kind;
  // Pair weights are fractions of their bound; dopamine weights grow from rewards.
  if (kind == PlasticityRule::Kind::Pair) rule.w_max = 1;
  if (kind == PlasticityRule::Kind::Dopamine) rule.w_max = 4;
  return rule;
}

void check_stdp(const Stdp2006& s) {
  const auto finite = [](double x, const char* name) {
    if (!std::isfinite(x)) throw RangeError(std::string("stdp.") + name + " must be a finite number");
  };
  finite(s.a_plus, "aPlus");
  finite(s.a_minus, "aMinus");
  finite(s.bias, "bias");
  const auto factor = [](double x, const char* name) {
    if (!(x >= 0 && x <= 1)) {
      throw RangeError(std::string("stdp.") + name + " must be in [0, 1] (got " + std::to_string(x) + ")");
    }
  };
  factor(s.decay_plus, "decayPlus");
  factor(s.decay_minus, "decayMinus");
  factor(s.derivative_decay, "derivativeDecay");
  if (!(std::isfinite(s.w_min) && std::isfinite(s.w_max) && s.w_min <= s.w_max)) {
    throw RangeError("stdp.wMin and stdp.wMax must be finite with wMin <= wMax");
  }
  if (s.period_ms < 1) throw RangeError("stdp.periodMs must be an integer >= 1");
}

void check_plasticity_rule(const PlasticityRule& rule) {
  const auto finite = [](double x, const char* name) {
    if (!std::isfinite(x)) throw RangeError(std::string("plasticity.") + name + " must be a finite number");
  };
  for (auto [x, name] : {std::pair{rule.a_plus, "aPlus"}, {rule.a_minus, "aMinus"}, {rule.bias, "bias"}}) finite(x, name);
  if (!(std::isfinite(rule.w_min) && std::isfinite(rule.w_max) && rule.w_min <= rule.w_max)) {
    throw RangeError("plasticity.wMin and plasticity.wMax must be finite with wMin <= wMax");
  }
  if (rule.kind == PlasticityRule::Kind::Pair) {
    if (!(rule.tau_plus > 0 && rule.tau_minus > 0 && std::isfinite(rule.tau_plus) && std::isfinite(rule.tau_minus))) {
      throw RangeError("plasticity.tauPlus and plasticity.tauMinus must be positive (ms)");
    }
  }
  if (rule.kind == PlasticityRule::Kind::Dopamine) {
    if (rule.period_ms < 1) throw RangeError("plasticity.periodMs must be an integer >= 1");
    if (!(rule.eligibility_decay >= 0 && rule.eligibility_decay <= 1)) {
      throw RangeError("plasticity.eligibilityDecay must be in [0, 1]");
    }
  }
}

void save_stdp(BinaryWriter& out, const Stdp2006& s) {
  for (double x : {s.a_plus, s.a_minus, s.decay_plus, s.decay_minus, s.bias, s.derivative_decay, s.w_min, s.w_max}) {
    out.pod(x);
  }
  out.pod(s.period_ms);
}

Stdp2006 load_stdp(BinaryReader& in) {
  Stdp2006 s;
  for (double* x : {&s.a_plus, &s.a_minus, &s.decay_plus, &s.decay_minus, &s.bias, &s.derivative_decay, &s.w_min, &s.w_max}) {
    *x = in.pod<double>();
  }
  s.period_ms = in.pod<uint32_t>();
  return s;
}

Plasticity::Plasticity(const Stdp2006& stdp) : stdp_(stdp) {
  check_stdp(stdp);
  a_plus_ = float(stdp.a_plus);
  a_minus_ = float(stdp.a_minus);
}

uint16_t Plasticity::add_projection(const PlasticityRule& given) {
  if (plastic_.size() >= 65535) throw RangeError("a network may hold at most 65535 projections");
  check_plasticity_rule(given);
  PlasticityRule rule = given;
  if (rule.kind == PlasticityRule::Kind::Pair) {
    // Rules with the same time constants and pairing share one set of traces.
    const double dp = std::exp(-1.0 / rule.tau_plus), dm = std::exp(-1.0 / rule.tau_minus);
    size_t set = 0;
    while (set < pair_traces_.size() && !(pair_traces_[set].decay_plus == dp && pair_traces_[set].decay_minus == dm &&
                                          pair_traces_[set].nearest == rule.nearest)) {
      ++set;
    }
    if (set == pair_traces_.size()) pair_traces_.push_back({dp, dm, rule.nearest, {}, {}});
    rule.trace_set = uint32_t(set);
  }
  rules_.push_back(rule);
  plastic_.push_back(rule.kind != PlasticityRule::Kind::None ? 1 : 0);
  return uint16_t(plastic_.size() - 1);
}

void Plasticity::drop_last_projection(uint16_t projection) {
  if (rules_.empty() || projection != rules_.size() - 1) throw RangeError("projection " + std::to_string(projection) + " is not the last one");
  const PlasticityRule rule = rules_.back();
  rules_.pop_back();
  plastic_.pop_back();
  // A trace set made for this rule alone goes with it.
  if (rule.kind == PlasticityRule::Kind::Pair && rule.trace_set + 1 == pair_traces_.size() &&
      std::none_of(rules_.begin(), rules_.end(), [&](const PlasticityRule& r) {
        return r.kind == PlasticityRule::Kind::Pair && r.trace_set == rule.trace_set;
      })) {
    pair_traces_.pop_back();
  }
}

void Plasticity::set_plastic(uint32_t projection, bool plastic, const SynapseStore* store) {
  if (projection >= plastic_.size()) throw RangeError("projection " + std::to_string(projection) + " does not exist");
  if (store != nullptr && plastic && !store->has_incoming(uint16_t(projection))) {
    throw StateError("Network.setPlastic(): a projection made static cannot become plastic after the network has started");
  }
  plastic_[projection] = plastic ? 1 : 0;
}

bool Plasticity::any_plastic() const {
  return std::any_of(plastic_.begin(), plastic_.end(), [](uint8_t p) { return p != 0; });
}

void Plasticity::finish_projections() {
  plastic_.resize(std::max<size_t>(plastic_.size(), 1), 0);
  rules_.resize(plastic_.size());
  has_dopamine_rule_ = std::any_of(rules_.begin(), rules_.end(),
                                   [](const PlasticityRule& r) { return r.kind == PlasticityRule::Kind::Dopamine; });
}

void Plasticity::allocate_traces(uint32_t neurons, uint32_t max_delay, bool stdp_traces) {
  neurons_ = neurons;
  max_delay_ = max_delay;
  if (stdp_traces) {
    ltp_.assign(uint64_t(max_delay + 1) * neurons, 0.0f);
    ltd_.assign(neurons, 0.0f);
  }
  for (PairTraces& set : pair_traces_) {
    set.x.assign(uint64_t(max_delay + 1) * neurons, 0.0f);
    set.y.assign(neurons, 0.0f);
  }
}

void Plasticity::release_stdp_traces() {
  ltp_ = {};
  ltd_ = {};
}

bool Plasticity::only_stdp2006() const {
  return std::all_of(rules_.begin(), rules_.end(), [](const PlasticityRule& r) {
    return r.kind == PlasticityRule::Kind::None || r.kind == PlasticityRule::Kind::Stdp2006;
  });
}

bool Plasticity::dopamine_update_due(uint64_t t) const {
  for (size_t p = 0; p < rules_.size(); ++p) {
    if (plastic_[p] && rules_[p].kind == PlasticityRule::Kind::Dopamine && t % rules_[p].period_ms == 0) return true;
  }
  return false;
}

std::pair<uint64_t, double> Plasticity::plastic_weights(const SynapseStore& store) const {
  double sum = 0;
  uint64_t count = 0;
  for (uint32_t pre = 0; pre < store.neurons(); ++pre) {
    for (uint32_t s = store.outgoing_begin(pre); s < store.outgoing_end(pre); ++s) {
      if (!plastic_[store.projection(pre, s)]) continue;
      sum += store.synapses()[s].weight;
      ++count;
    }
  }
  return {count, count ? sum / double(count) : 0.0};
}

void Plasticity::decay_traces(uint32_t begin, uint32_t end, uint64_t t, TraceDecayKernel decay) {
  const uint32_t n = end - begin;
  decay(ltp_slot(t) + begin, ltp_slot(t + 1) + begin, stdp_.decay_plus, n);
  decay(ltd_.data() + begin, ltd_.data() + begin, stdp_.decay_minus, n);
  const uint64_t slots = max_delay_ + 1;
  for (PairTraces& set : pair_traces_) {
    const float* x_now = set.x.data() + (t % slots) * neurons_;
    float* x_next = set.x.data() + ((t + 1) % slots) * neurons_;
    decay(x_now + begin, x_next + begin, set.decay_plus, n);
    decay(set.y.data() + begin, set.y.data() + begin, set.decay_minus, n);
  }
}

namespace {

// decay_traces's arithmetic for one value (kernels/trace_decay.h).
inline float decayed(float x, double factor) { return static_cast<float>(factor * x); }
inline bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// `steps` decays of x, stopping where the decay leaves x as it is.
float decayed_steps(float x, double factor, uint64_t steps) {
  for (; steps > 0; --steps) {
    const float next = decayed(x, factor);
    if (same_bits(next, x)) break;
    x = next;
  }
  return x;
}

}  // namespace

float Plasticity::DecayRun::advanced(float value, uint64_t steps) const {
  if (values.empty() || !same_bits(value, values[0])) return decayed_steps(value, factor, steps);
  if (steps < values.size()) return values[steps];
  return decayed_steps(values.back(), factor, steps - (values.size() - 1));
}

void Plasticity::prepare_catch_up() {
  const auto run_of = [](float start, double factor) {
    DecayRun run;
    run.factor = factor;
    run.values.push_back(start);
    while (run.values.size() < DecayRun::kMaxRun) {
      const float next = decayed(run.values.back(), factor);
      if (same_bits(next, run.values.back())) break;
      run.values.push_back(next);
    }
    return run;
  };
  // What a mark leaves: A+ and A− (2006), 1 (nearest pairing; all-to-all adds 1, often to
  // a trace decayed below 2^-24, which gives 1 as well).
  ltp_run_ = run_of(a_plus_, stdp_.decay_plus);
  ltd_run_ = run_of(a_minus_, stdp_.decay_minus);
  pair_runs_.clear();
  for (const PairTraces& set : pair_traces_) {
    pair_runs_.push_back(run_of(1.0f, set.decay_plus));
    pair_runs_.push_back(run_of(1.0f, set.decay_minus));
  }
}

void Plasticity::catch_up_ring(std::vector<float>& ring, const DecayRun& run, uint32_t neuron, uint64_t from, uint64_t to) {
  // Slot m mod (D + 1) holds ms m: ms (from, to] are written, or the last D + 1 of them.
  const uint64_t slots = max_delay_ + 1;
  uint64_t first = from + 1;
  if (to > max_delay_ && to - max_delay_ > first) first = to - max_delay_;
  float value = run.advanced(ring[(from % slots) * neurons_ + neuron], first - from);
  for (uint64_t m = first;; ++m) {
    ring[(m % slots) * neurons_ + neuron] = value;
    if (m == to) break;
    value = decayed(value, run.factor);
  }
}

void Plasticity::catch_up_traces(uint32_t neuron, uint64_t from, uint64_t to) {
  if (from >= to) return;
  if (!ltp_.empty()) {
    catch_up_ring(ltp_, ltp_run_, neuron, from, to);
    ltd_[neuron] = ltd_run_.advanced(ltd_[neuron], to - from);
  }
  for (size_t k = 0; k < pair_traces_.size(); ++k) {
    catch_up_ring(pair_traces_[k].x, pair_runs_[2 * k], neuron, from, to);
    pair_traces_[k].y[neuron] = pair_runs_[2 * k + 1].advanced(pair_traces_[k].y[neuron], to - from);
  }
}

void Plasticity::reward(double amount) {
  if (!std::isfinite(amount)) throw RangeError("amount must be a finite number");
  dopamine_ += amount;
}

namespace {

void check_pair_reward(const PairReward& reward, uint32_t neurons) {
  if (reward.pre >= neurons || reward.post >= neurons) {
    throw RangeError("pre and post must be neuron indices in [0, " + std::to_string(neurons - 1) + "]");
  }
  if (!std::isfinite(reward.amount)) throw RangeError("amount must be a finite number");
}

}  // namespace

void Plasticity::add_pair_reward(PairReward reward, uint32_t neurons) {
  check_pair_reward(reward, neurons);
  reward.last_pre = -1;
  pair_rewards_.push_back(reward);
}

void Plasticity::set_dopamine_decay(double decay) {
  if (!(decay >= 0 && decay <= 1)) throw RangeError("dopamineDecay must be in [0, 1] (per ms; got " + std::to_string(decay) + ")");
  dopamine_decay_ = decay;
}

void Plasticity::update_rewards(const std::vector<uint32_t>& fired, uint64_t t) {
  for (PairReward& r : pair_rewards_) {
    // Post's spike this ms, after pre's spike within the window, earns a reward.
    const bool post_fired = std::binary_search(fired.begin(), fired.end(), r.post);
    if (post_fired && r.last_pre >= 0 && int64_t(t) > r.last_pre && int64_t(t) - r.last_pre <= r.window_ms) {
      pending_rewards_.emplace_back(t + r.delay_ms, r.amount);
      std::sort(pending_rewards_.begin(), pending_rewards_.end());
      r.last_pre = -1;
    }
    if (std::binary_search(fired.begin(), fired.end(), r.pre)) r.last_pre = int64_t(t);
  }
  size_t due = 0;
  while (due < pending_rewards_.size() && pending_rewards_[due].first <= t) dopamine_ += pending_rewards_[due++].second;
  pending_rewards_.erase(pending_rewards_.begin(), pending_rewards_.begin() + due);
}

uint64_t Plasticity::trace_bytes() const {
  return (ltp_.size() + ltd_.size()) * sizeof(float);
}

uint64_t Plasticity::trace_capacity_bytes() const {
  return (ltp_.capacity() + ltd_.capacity()) * sizeof(float);
}

void Plasticity::save_rules(BinaryWriter& out) const {
  out.array(plastic_);
  for (const PlasticityRule& r : rules_) {
    out.pod(uint8_t(r.kind));
    for (double x : {r.a_plus, r.a_minus, r.tau_plus, r.tau_minus, r.w_min, r.w_max, r.bias, r.eligibility_decay}) out.pod(x);
    out.pod(uint8_t(r.multiplicative));
    out.pod(uint8_t(r.nearest));
    out.pod(r.period_ms);
    out.pod(r.trace_set);
  }
  out.pod<uint64_t>(pair_traces_.size());
  for (const PairTraces& t : pair_traces_) {
    out.pod(t.decay_plus);
    out.pod(t.decay_minus);
    out.pod(uint8_t(t.nearest));
    out.array(t.x);
    out.array(t.y);
  }
  out.pod(dopamine_);
  out.pod(dopamine_decay_);
  out.pod<uint64_t>(pending_rewards_.size());
  for (const auto& [time, amount] : pending_rewards_) {
    out.pod(time);
    out.pod(amount);
  }
  out.pod<uint64_t>(pair_rewards_.size());
  for (const PairReward& r : pair_rewards_) {
    out.pod(r.pre);
    out.pod(r.post);
    out.pod(r.window_ms);
    out.pod(r.delay_ms);
    out.pod(r.amount);
    out.pod(r.last_pre);
  }
}

void Plasticity::load_rules(BinaryReader& in, uint32_t neurons) {
  neurons_ = neurons;
  plastic_ = in.array<uint8_t>();
  if (plastic_.empty()) in.fail("no projection flags");
  for (size_t p = 0; p < plastic_.size(); ++p) {
    PlasticityRule r;
    const uint8_t kind = in.pod<uint8_t>();
    if (kind > 3) in.fail("unknown plasticity rule");
    r.kind = PlasticityRule::Kind(kind);
    for (double* x : {&r.a_plus, &r.a_minus, &r.tau_plus, &r.tau_minus, &r.w_min, &r.w_max, &r.bias, &r.eligibility_decay}) {
      *x = in.pod<double>();
    }
    r.multiplicative = in.pod<uint8_t>() != 0;
    r.nearest = in.pod<uint8_t>() != 0;
    r.period_ms = in.pod<uint32_t>();
    r.trace_set = in.pod<uint32_t>();
    // Every rule's period divides time, whatever its kind.
    if (r.period_ms < 1) in.fail("a plasticity period is zero");
    check_loaded(in, [&] { check_plasticity_rule(r); });
    rules_.push_back(r);
  }
  const uint64_t trace_sets = in.pod<uint64_t>();
  if (trace_sets > in.remaining()) in.fail("too many trace sets");
  for (uint64_t k = 0; k < trace_sets; ++k) {
    PairTraces t;
    t.decay_plus = in.pod<double>();
    t.decay_minus = in.pod<double>();
    t.nearest = in.pod<uint8_t>() != 0;
    t.x = in.array<float>();
    t.y = in.array<float>();
    pair_traces_.push_back(std::move(t));
  }
  for (const PlasticityRule& r : rules_) {
    if (r.kind == PlasticityRule::Kind::Pair && r.trace_set >= pair_traces_.size()) in.fail("a rule names a missing trace set");
  }
  has_dopamine_rule_ = std::any_of(rules_.begin(), rules_.end(),
                                   [](const PlasticityRule& r) { return r.kind == PlasticityRule::Kind::Dopamine; });
  dopamine_ = in.pod<double>();
  const double decay = in.pod<double>();
  check_loaded(in, [&] { set_dopamine_decay(decay); });
  const uint64_t pending = in.pod<uint64_t>();
  if (pending > in.remaining()) in.fail("too many pending rewards");
  for (uint64_t k = 0; k < pending; ++k) {
    const uint64_t time = in.pod<uint64_t>();
    pending_rewards_.emplace_back(time, in.pod<double>());
  }
  const uint64_t watchers = in.pod<uint64_t>();
  if (watchers > in.remaining()) in.fail("too many reward rules");
  for (uint64_t k = 0; k < watchers; ++k) {
    PairReward r;
    r.pre = in.pod<uint32_t>();
    r.post = in.pod<uint32_t>();
    r.window_ms = in.pod<uint32_t>();
    r.delay_ms = in.pod<uint32_t>();
    r.amount = in.pod<double>();
    r.last_pre = in.pod<int64_t>();
    check_loaded(in, [&] { check_pair_reward(r, neurons); });
    pair_rewards_.push_back(r);
  }
}

void Plasticity::save_traces(BinaryWriter& out) const {
  out.array(ltp_);
  out.array(ltd_);
}

void Plasticity::load_traces(BinaryReader& in, uint32_t max_delay) {
  max_delay_ = max_delay;
  ltp_ = in.array<float>();
  ltd_ = in.array<float>();
  if (ltp_.size() != uint64_t(max_delay + 1) * neurons_ || ltd_.size() != neurons_) {
    in.fail("the STDP traces do not match the network");
  }
  for (const PairTraces& t : pair_traces_) {
    if (t.x.size() != ltp_.size() || t.y.size() != neurons_) in.fail("pair STDP traces do not match the network");
  }
}

}  // namespace polychron
