#include "core/network.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"

namespace polychron {

NetworkMode parse_network_mode(const std::string& name, const char* param) {
  if (name == "reference") return NetworkMode::Reference;
  if (name == "fast") return NetworkMode::Fast;
  throw TypeError(std::string(param) + " must be 'reference' or 'fast' (got '" + name + "')");
}

const char* network_mode_name(NetworkMode mode) {
  return mode == NetworkMode::Fast ? "fast" : "reference";
}

namespace {

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

}  // namespace

Network::Network(const NetworkOptions& options) : options_(options) {
  require_simd_level(options.simd, "simd");
  if (options.threads < 1 || options.threads > 256) {
    throw RangeError("threads must be an integer in [1, 256] (got " + std::to_string(options.threads) + ")");
  }
  check_stdp(options.stdp);
}

void Network::require_building(const char* what) const {
  if (built_) {
    throw StateError(std::string("Network: cannot ") + what + " after the network has started running");
  }
}

uint32_t Network::add_izhikevich(uint32_t size, const std::vector<double>& a, const std::vector<double>& b,
                                 const std::vector<double>& c, const std::vector<double>& d,
                                 const std::vector<double>& v, const std::vector<double>& u) {
  require_building("add a population");
  if (size < 1 || uint64_t(neuron_count_) + size > IzhikevichPopulation::kMaxSize) {
    throw RangeError("size must be an integer >= 1 with at most " +
                     std::to_string(IzhikevichPopulation::kMaxSize) + " neurons in the network");
  }
  const auto append = [&](std::vector<double>& to, const std::vector<double>& from, const char* name) {
    if (from.size() != 1 && from.size() != size) {
      throw RangeError(std::string(name) + " must hold 1 or size = " + std::to_string(size) + " values (got " +
                       std::to_string(from.size()) + ")");
    }
    for (uint32_t i = 0; i < size; ++i) {
      const double x = from.size() == 1 ? from[0] : from[i];
      if (!std::isfinite(x)) {
        throw RangeError(std::string(name) + "[" + std::to_string(i) + "] must be a finite number");
      }
      to.push_back(x);
    }
  };
  const uint32_t first = neuron_count_;
  append(a_, a, "a");
  append(b_, b, "b");
  append(c_, c, "c");
  append(d_, d, "d");
  append(v0_, v.empty() ? std::vector<double>{-65.0} : v, "v");
  if (u.empty()) {
    // u = b·v, rounded to float32 as the state is (the reference's u = 0.2·v).
    for (uint32_t i = 0; i < size; ++i) u0_.push_back(double(float(b_[first + i] * float(v0_[first + i]))));
  } else {
    append(u0_, u, "u");
  }
  neuron_count_ += size;
  return first;
}

uint32_t Network::add_lif(uint32_t size, const std::vector<double>& tau, const std::vector<double>& v_rest,
                          const std::vector<double>& v_reset, const std::vector<double>& v_threshold,
                          const std::vector<double>& resistance, const std::vector<double>& refractory,
                          const std::vector<double>& v) {
  require_building("add a population");
  const auto check = [&](const std::vector<double>& values, const char* name, double low, bool integer) {
    if (values.size() != 1 && values.size() != size) {
      throw RangeError(std::string(name) + " must hold 1 or size = " + std::to_string(size) + " values (got " +
                       std::to_string(values.size()) + ")");
    }
    for (double x : values) {
      if (!std::isfinite(x) || x < low || (integer && std::floor(x) != x)) {
        throw RangeError(std::string(name) + " must hold finite numbers" + (low > -1e300 ? " >= " + std::to_string(low) : std::string()) +
                         (integer ? " (integers)" : ""));
      }
    }
  };
  const double any = -1e308;
  check(tau, "tau", 1e-3, false);
  check(v_rest, "vRest", any, false);
  check(v_reset, "vReset", any, false);
  check(v_threshold, "vThreshold", any, false);
  check(resistance, "resistance", any, false);
  check(refractory, "refractory", 0, true);
  LifBlock block;
  // v starts at v_rest unless given; u (the refractory count) at 0.
  const std::vector<double> v0 = v.empty() ? v_rest : v;
  block.range.first = add_izhikevich(size, {0.02}, {0.2}, {-65}, {8}, v0, {0.0});
  block.range.count = size;
  for (double t : tau) block.decay.push_back(std::exp(-1.0 / t));
  block.v_rest = v_rest;
  block.v_reset = v_reset;
  block.v_threshold = v_threshold;
  block.resistance = resistance;
  block.refractory = refractory;
  lif_.push_back(std::move(block));
  return lif_.back().range.first;
}

template <typename Fn>
void Network::for_each_segment(uint32_t begin, uint32_t end, Fn&& fn) const {
  uint32_t at = begin;
  for (const LifBlock& block : lif_) {
    const uint32_t b = std::max(at, block.range.first);
    const uint32_t e = std::min(end, block.range.first + block.range.count);
    if (b >= e) continue;
    if (at < b) fn(at, b, static_cast<const LifBlock*>(nullptr));
    fn(b, e, &block);
    at = e;
  }
  if (at < end) fn(at, end, static_cast<const LifBlock*>(nullptr));
}

uint16_t Network::add_projection(const PlasticityRule& given) {
  require_building("add a projection");
  if (plastic_.size() >= 65535) throw RangeError("a network may hold at most 65535 projections");
  PlasticityRule rule = given;
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
    const double dp = std::exp(-1.0 / rule.tau_plus), dm = std::exp(-1.0 / rule.tau_minus);
    size_t set = 0;
    while (set < pair_traces_.size() && !(pair_traces_[set].decay_plus == dp && pair_traces_[set].decay_minus == dm &&
                                          pair_traces_[set].nearest == rule.nearest)) {
      ++set;
    }
    if (set == pair_traces_.size()) pair_traces_.push_back({dp, dm, rule.nearest, {}, {}});
    rule.trace_set = uint32_t(set);
  }
  if (rule.kind == PlasticityRule::Kind::Dopamine) {
    if (rule.period_ms < 1) throw RangeError("plasticity.periodMs must be an integer >= 1");
    if (!(rule.eligibility_decay >= 0 && rule.eligibility_decay <= 1)) {
      throw RangeError("plasticity.eligibilityDecay must be in [0, 1]");
    }
  }
  rules_.push_back(rule);
  plastic_.push_back(rule.kind != PlasticityRule::Kind::None ? 1 : 0);
  return uint16_t(plastic_.size() - 1);
}

void Network::reward(double amount) {
  if (!std::isfinite(amount)) throw RangeError("amount must be a finite number");
  dopamine_ += amount;
}

void Network::add_pair_reward(PairReward reward) {
  if (reward.pre >= neuron_count_ || reward.post >= neuron_count_) {
    throw RangeError("pre and post must be neuron indices in [0, " + std::to_string(neuron_count_ - 1) + "]");
  }
  if (!std::isfinite(reward.amount)) throw RangeError("amount must be a finite number");
  reward.last_pre = -1;
  pair_rewards_.push_back(reward);
}

void Network::set_dopamine_decay(double decay) {
  if (!(decay >= 0 && decay <= 1)) throw RangeError("dopamine decay must be in [0, 1] (per ms)");
  dopamine_decay_ = decay;
}

void Network::mark_pair_spike(uint32_t i) {
  for (PairTraces& set : pair_traces_) {
    float& x = set.x[(time_ % (max_delay_ + 1)) * neuron_count_ + i];
    float& y = set.y[i];
    x = set.nearest ? 1.0f : x + 1.0f;
    y = set.nearest ? 1.0f : y + 1.0f;
  }
}

void Network::update_dopamine(const std::vector<uint32_t>& fired) {
  for (PairReward& r : pair_rewards_) {
    // Post's spike this ms, after pre's spike within the window, earns a reward.
    const bool post_fired = std::binary_search(fired.begin(), fired.end(), r.post);
    if (post_fired && r.last_pre >= 0 && int64_t(time_) > r.last_pre && int64_t(time_) - r.last_pre <= r.window_ms) {
      pending_rewards_.emplace_back(time_ + r.delay_ms, r.amount);
      std::sort(pending_rewards_.begin(), pending_rewards_.end());
      r.last_pre = -1;
    }
    if (std::binary_search(fired.begin(), fired.end(), r.pre)) r.last_pre = int64_t(time_);
  }
  size_t due = 0;
  while (due < pending_rewards_.size() && pending_rewards_[due].first <= time_) dopamine_ += pending_rewards_[due++].second;
  pending_rewards_.erase(pending_rewards_.begin(), pending_rewards_.begin() + due);
}

void Network::generate(uint16_t projection, const std::vector<NeuronRange>& sources,
                       const std::vector<NeuronRange>& targets, const ProjectionRule& rule,
                       const ValueRule& delay, const ValueRule& weight) {
  require_building("add synapses");
  for (const auto* list : {&sources, &targets}) {
    for (const NeuronRange& r : *list) {
      if (uint64_t(r.first) + r.count > neuron_count_) throw RangeError("projection ranges must lie within the network's neurons");
    }
  }
  Random random(options_.seed, 1000 + projection);
  const uint64_t before = pending_.size();
  try {
    generate_projection(pending_, sources, targets, rule, delay, weight, projection, random);
  } catch (...) {
    // Nothing of a failed projection stays.
    pending_.pre.resize(before);
    pending_.post.resize(before);
    pending_.delay.resize(before);
    pending_.weight.resize(before);
    pending_.projection.resize(before);
    throw;
  }
}

void Network::add_synapses(uint16_t projection, const uint32_t* pre, const uint32_t* post,
                           const double* delay, const double* weight, uint64_t n) {
  require_building("add synapses");
  add_explicit_synapses(pending_, neuron_count_, pre, post, delay, weight, n, projection);
}

void Network::add_thalamic(NeuronRange range, uint32_t per_ms, float value) {
  require_building("add an input");
  if (range.count == 0 || uint64_t(range.first) + range.count > neuron_count_) {
    throw RangeError("thalamic input range must lie within the network's neurons");
  }
  ThalamicInput input{range, per_ms, value, Random(options_.seed, thalamic_.size())};
  thalamic_.push_back(input);
}

void Network::add_schedule(ScheduledInput input) {
  require_building("add an input");
  const size_t n = input.times.size();
  if (input.neurons.size() != n || input.values.size() != n) {
    throw RangeError("a current schedule needs as many neurons and values as times");
  }
  for (size_t k = 0; k < n; ++k) {
    if (k > 0 && input.times[k] < input.times[k - 1]) throw RangeError("schedule times must be ascending");
    if (input.neurons[k] >= neuron_count_) {
      throw RangeError("schedule neuron " + std::to_string(input.neurons[k]) + " is not in [0, " +
                       std::to_string(neuron_count_ - 1) + "]");
    }
    if (!std::isfinite(input.values[k])) throw RangeError("schedule values must be finite");
  }
  schedules_.push_back(std::move(input));
}

void Network::add_constant(ConstantInput input) {
  require_building("add an input");
  if (uint64_t(input.range.first) + input.range.count > neuron_count_ || input.values.size() != input.range.count) {
    throw RangeError("a constant current needs one value per neuron of a range within the network");
  }
  constants_.push_back(std::move(input));
}

uint32_t Network::add_probe(std::vector<uint32_t> neurons, uint32_t every) {
  if (every < 1) throw RangeError("every must be an integer >= 1 (ms)");
  for (uint32_t i : neurons) {
    if (i >= neuron_count_) {
      throw RangeError("state monitor neuron " + std::to_string(i) + " is not in [0, " + std::to_string(neuron_count_ - 1) + "]");
    }
  }
  StateProbe probe;
  probe.neurons = std::move(neurons);
  probe.every = every;
  probes_.push_back(std::move(probe));
  return uint32_t(probes_.size() - 1);
}

StateProbe Network::take_probe(uint32_t id) {
  if (id >= probes_.size()) throw RangeError("no state monitor " + std::to_string(id));
  StateProbe out;
  out.neurons = probes_[id].neurons;
  out.every = probes_[id].every;
  std::swap(out.times, probes_[id].times);
  std::swap(out.v, probes_[id].v);
  std::swap(out.u, probes_[id].u);
  std::swap(out.I, probes_[id].I);
  return out;
}

void Network::sample_probes_input() {
  const float* I = current_->data();
  for (StateProbe& probe : probes_) {
    if (time_ % probe.every != 0) continue;
    probe.times.push_back(double(time_));
    for (uint32_t i : probe.neurons) probe.I.push_back(I[i]);
  }
}

void Network::sample_probes_state() {
  const float* v = neurons_->v()->data();
  const float* u = neurons_->u()->data();
  for (StateProbe& probe : probes_) {
    if (time_ % probe.every != 0) continue;
    for (uint32_t i : probe.neurons) {
      probe.v.push_back(v[i]);
      probe.u.push_back(u[i]);
    }
  }
}

void Network::add_stepped(SteppedInput input) {
  require_building("add an input");
  if (input.range.count == 0 || uint64_t(input.range.first) + input.range.count > neuron_count_) {
    throw RangeError("a stepped current's target must lie within the network's neurons");
  }
  if (input.times.size() != input.amplitudes.size() || input.times.empty()) {
    throw RangeError("a stepped current needs one amplitude per step time (and at least one step)");
  }
  for (size_t k = 0; k < input.times.size(); ++k) {
    if (k > 0 && input.times[k] <= input.times[k - 1]) throw RangeError("step times must be strictly ascending");
    if (!std::isfinite(input.amplitudes[k])) throw RangeError("step amplitudes must be finite");
  }
  steps_.push_back(std::move(input));
}

void Network::add_noise(NeuronRange range, double low, double high) {
  require_building("add an input");
  if (range.count == 0 || uint64_t(range.first) + range.count > neuron_count_) {
    throw RangeError("a noise current's target must lie within the network's neurons");
  }
  if (!(std::isfinite(low) && std::isfinite(high) && low <= high)) throw RangeError("noise bounds must be finite with low <= high");
  noise_.push_back({range, low, high, Random(options_.seed, 700000 + noise_.size())});
}

uint32_t Network::add_source(uint32_t count, SpikeSource source) {
  require_building("add a spike source");
  // Sources take neuron indices like any population; their Izhikevich state is unused
  // and, since nothing may project or inject into them, never reaches the peak.
  const uint32_t first = add_izhikevich(count, {0.02}, {0.2}, {-65}, {8}, {}, {});
  source.range = {first, count};
  if (source.kind == SpikeSource::Kind::Poisson) {
    if (!(source.probability >= 0 && source.probability <= 1)) {
      throw RangeError("rate must be in [0, 1000] Hz (a spike per ms at most)");
    }
    source.random = Random(options_.seed, 500000 + sources_.size());
  } else {
    for (size_t k = 0; k < source.times.size(); ++k) {
      if (k > 0 && source.times[k] < source.times[k - 1]) throw RangeError("spike train times must be ascending");
      if (source.neurons[k] >= count) {
        throw RangeError("spike train neuron " + std::to_string(source.neurons[k]) + " is not in [0, " + std::to_string(count - 1) + "]");
      }
      source.neurons[k] += first;
    }
  }
  sources_.push_back(std::move(source));
  return first;
}

void Network::check_no_input_to_sources() const {
  if (sources_.empty()) return;
  std::vector<uint8_t> is_source(neuron_count_, 0);
  for (const SpikeSource& s : sources_) std::fill(is_source.begin() + s.range.first, is_source.begin() + s.range.first + s.range.count, 1);
  const auto check_range = [&](NeuronRange r, const char* what) {
    for (uint32_t i = r.first; i < r.first + r.count; ++i) {
      if (is_source[i]) throw RangeError(std::string(what) + " reaches neuron " + std::to_string(i) + ", a spike source: sources take no input");
    }
  };
  for (const ThalamicInput& t : thalamic_) check_range(t.range, "a thalamic input");
  for (const ConstantInput& c : constants_) check_range(c.range, "a constant current");
  for (const SteppedInput& st : steps_) check_range(st.range, "a stepped current");
  for (const NoiseInput& nz : noise_) check_range(nz.range, "a noise current");
  for (const ScheduledInput& sch : schedules_) {
    for (uint32_t i : sch.neurons) check_range({i, 1}, "a current schedule");
  }
  for (uint32_t q : pending_.post) check_range({q, 1}, "a projection");
}

void Network::fire_sources(std::vector<uint32_t>& fired) {
  const size_t before = fired.size();
  float* ltp_now = ltp_slot(time_);
  for (SpikeSource& s : sources_) {
    const size_t first_new = fired.size();
    if (s.kind == SpikeSource::Kind::Poisson) {
      if (s.probability <= 0) continue;
      // Geometric gaps between firing neurons: O(spikes), not O(neurons), per ms.
      const double log_q = std::log1p(-s.probability);
      for (double j = -1;;) {
        j += s.probability >= 1 ? 1 : std::floor(std::log1p(-s.random.uniform()) / log_q) + 1;
        if (j >= s.range.count) break;
        fired.push_back(s.range.first + uint32_t(j));
      }
    } else {
      while (s.cursor < s.times.size() && s.times[s.cursor] < time_) ++s.cursor;
      for (; s.cursor < s.times.size() && s.times[s.cursor] == time_; ++s.cursor) fired.push_back(s.neurons[s.cursor]);
    }
    // A source's STDP traces are set as an integrated neuron's are at detection.
    for (size_t k = first_new; k < fired.size(); ++k) {
      ltp_now[fired[k]] = float(options_.stdp.a_plus);
      ltd_[fired[k]] = float(options_.stdp.a_minus);
      mark_pair_spike(fired[k]);
    }
  }
  if (fired.size() == before) return;
  // A train may list a neuron twice in one ms: it fires once.
  std::sort(fired.begin() + before, fired.end());
  fired.erase(std::unique(fired.begin() + before, fired.end()), fired.end());
  std::inplace_merge(fired.begin(), fired.begin() + before, fired.end());
}

void Network::build() {
  if (built_) return;
  if (neuron_count_ == 0) throw StateError("Network: add at least one population before running");
  check_no_input_to_sources();
  if (!plastic_.empty()) {
    bool any_plastic = false;
    for (uint8_t p : plastic_) any_plastic = any_plastic || p;
    if (any_plastic && neuron_count_ > kMaxNeuronsWithPlasticity) {
      throw RangeError("networks with plastic projections may hold at most 2^24 neurons");
    }
  }
  IzhikevichSpec spec;
  spec.size = neuron_count_;
  spec.a = std::move(a_);
  spec.b = std::move(b_);
  spec.c = std::move(c_);
  spec.d = std::move(d_);
  spec.v = std::move(v0_);
  spec.u = std::move(u0_);
  spec.numerics = options_.mode == NetworkMode::Reference ? Numerics::Exact : Numerics::Fast;
  spec.simd = options_.simd;
  neurons_ = std::make_unique<IzhikevichPopulation>(spec);
  plastic_.resize(std::max<size_t>(plastic_.size(), 1), 0);
  synapses_ = SynapseStore(neuron_count_, std::move(pending_), plastic_);
  max_delay_ = synapses_.max_delay();
  current_ = std::make_unique<AlignedArray<float>>(neuron_count_);
  ltp_.assign(uint64_t(max_delay_ + 1) * neuron_count_, 0.0f);
  ltd_.assign(neuron_count_, 0.0f);
  for (PairTraces& set : pair_traces_) {
    set.x.assign(uint64_t(max_delay_ + 1) * neuron_count_, 0.0f);
    set.y.assign(neuron_count_, 0.0f);
  }
  rules_.resize(plastic_.size());
  has_dopamine_rule_ = std::any_of(rules_.begin(), rules_.end(),
                                   [](const PlasticityRule& r) { return r.kind == PlasticityRule::Kind::Dopamine; });
  history_.assign(max_delay_, {});
  start_threads();
  built_ = true;
}

void Network::start_threads() {
  pool_ = std::make_unique<ThreadPool>(options_.threads);
  fired_parts_.clear();
  for (unsigned k = 0; k < options_.threads; ++k) {
    uint32_t begin, end;
    neuron_part(k, options_.threads, begin, end);
    fired_parts_.push_back(std::make_unique<AlignedArray<uint32_t>>(end - begin));
  }
  fired_counts_.assign(options_.threads, 0);
}

uint64_t Network::run(uint64_t ms, const MsObserver& on_ms) {
  build();
  for (uint64_t k = 0; k < ms; ++k) {
    const uint64_t t = time_;
    step();
    const auto& fired = history_[t % max_delay_];
    if (!on_ms(t, fired.data(), uint32_t(fired.size()))) return k + 1;
  }
  return ms;
}

void Network::neuron_part(unsigned k, unsigned parts, uint32_t& begin, uint32_t& end) const {
  const auto edge = [&](unsigned j) {
    return j == parts ? neuron_count_ : std::min<uint32_t>(neuron_count_, uint32_t(uint64_t(neuron_count_) * j / parts) & ~15u);
  };
  begin = edge(k);
  end = edge(k + 1);
}

void Network::step() {
  const unsigned parts = pool_->size();
  apply_inputs();
  pool_->run([&](unsigned k) { detect_and_potentiate(k, parts); });
  auto& slot = history_[time_ % max_delay_];
  slot.clear();
  for (unsigned k = 0; k < parts; ++k) {
    slot.insert(slot.end(), fired_parts_[k]->data(), fired_parts_[k]->data() + fired_counts_[k]);
  }
  if (!sources_.empty()) fire_sources(slot);
  spike_count_ += slot.size();
  if (!pair_rewards_.empty() || !pending_rewards_.empty()) update_dopamine(slot);
  pool_->run([&](unsigned k) { deliver(k, parts); });
  if (!probes_.empty()) sample_probes_input();
  pool_->run([&](unsigned k) { integrate_and_decay(k, parts); });
  if (!probes_.empty()) sample_probes_state();
  ++time_;
  if (time_ % options_.stdp.period_ms == 0 && !frozen_) pool_->run([&](unsigned k) { update_weights(k, parts); });
  if (has_dopamine_rule_ && !frozen_) {
    bool due = false;
    for (size_t p = 0; p < rules_.size(); ++p) {
      due = due || (plastic_[p] && rules_[p].kind == PlasticityRule::Kind::Dopamine && time_ % rules_[p].period_ms == 0);
    }
    if (due) pool_->run([&](unsigned k) { update_dopamine_weights(k, parts); });
  }
  dopamine_ *= dopamine_decay_;
}

void Network::apply_inputs() {
  // I is zero here: integrate_and_decay clears it after use.
  float* I = current_->data();
  for (ThalamicInput& input : thalamic_) {
    for (uint32_t k = 0; k < input.per_ms; ++k) I[input.range.first + input.random.below(input.range.count)] = input.value;
  }
  for (ScheduledInput& input : schedules_) {
    while (input.cursor < input.times.size() && input.times[input.cursor] < time_) ++input.cursor;
    for (; input.cursor < input.times.size() && input.times[input.cursor] == time_; ++input.cursor) {
      float& target = I[input.neurons[input.cursor]];
      target = input.assign ? input.values[input.cursor] : target + input.values[input.cursor];
    }
  }
  for (const ConstantInput& input : constants_) {
    for (uint32_t i = 0; i < input.range.count; ++i) I[input.range.first + i] += input.values[i];
  }
  for (NoiseInput& input : noise_) {
    const double span = input.high - input.low;
    for (uint32_t i = 0; i < input.range.count; ++i) I[input.range.first + i] += float(input.low + span * input.random.uniform());
  }
  for (const SteppedInput& input : steps_) {
    const auto next = std::upper_bound(input.times.begin(), input.times.end(), time_);
    if (next == input.times.begin()) continue;
    const float amplitude = input.amplitudes[size_t(next - input.times.begin()) - 1];
    for (uint32_t i = 0; i < input.range.count; ++i) I[input.range.first + i] += amplitude;
  }
}

void Network::detect_and_potentiate(unsigned k, unsigned parts) {
  uint32_t begin, end;
  neuron_part(k, parts, begin, end);
  uint32_t* fired = fired_parts_[k]->data();
  uint32_t count = 0;
  float* v = neurons_->v()->data();
  float* u = neurons_->u()->data();
  for_each_segment(begin, end, [&](uint32_t b, uint32_t e, const LifBlock* lif) {
    count += lif ? lif_detect(*lif, v, u, b, e, fired + count) : neurons_->detect(b, e, fired + count);
  });
  fired_counts_[k] = count;
  const float a_plus = float(options_.stdp.a_plus);
  const float a_minus = float(options_.stdp.a_minus);
  float* ltp_now = ltp_slot(time_);
  float* sd = synapses_.derivative();
  const uint32_t* in_syn = synapses_.incoming_synapse();
  const uint32_t* in_src = synapses_.incoming_source();
  const uint16_t* projection = synapses_.projection();
  // The LTP slot of ms t − d for each delay d, or null before time 0 (trace zero); one
  // modulo per delay per ms rather than one per synapse.
  const float* ltp_at_delay[kMaxDelay + 1];
  for (uint32_t d = 1; d <= max_delay_; ++d) ltp_at_delay[d] = time_ >= d ? ltp_slot(time_ - d) : nullptr;
  float* w = synapses_.weight();
  // The incoming synapses of a neuron of this part are this part's alone.
  for (uint32_t f = 0; f < count; ++f) {
    const uint32_t i = fired[f];
    ltp_now[i] = a_plus;
    ltd_[i] = a_minus;
    mark_pair_spike(i);
    if (frozen_) continue;
    const uint32_t last = synapses_.incoming_end(i);
    for (uint32_t e = synapses_.incoming_begin(i); e < last; ++e) {
      // The entries are sequential; what they point to is scattered: fetch ahead.
      constexpr uint32_t kAhead = 8;
      if (e + kAhead < last) {
        __builtin_prefetch(sd + in_syn[e + kAhead], 1);
        const uint32_t ahead = in_src[e + kAhead];
        if (ltp_at_delay[ahead & 0xFF] != nullptr) __builtin_prefetch(ltp_at_delay[ahead & 0xFF] + (ahead >> 8));
      }
      const uint32_t s = in_syn[e];
      const uint32_t delay = in_src[e] & 0xFF;
      const uint32_t pre = in_src[e] >> 8;
      if (time_ < delay || !plastic_[projection[s]]) continue;
      const PlasticityRule& rule = rules_[projection[s]];
      if (rule.kind != PlasticityRule::Kind::Pair) {
        // The presynaptic trace as it was `delay` ms ago.
        sd[s] += ltp_at_delay[delay][pre];
        continue;
      }
      const PairTraces& set = pair_traces_[rule.trace_set];
      const float x = set.x[((time_ - delay) % (max_delay_ + 1)) * neuron_count_ + pre];
      const float gain = rule.multiplicative ? float(rule.w_max) - w[s] : 1.0f;
      w[s] = std::min(float(rule.w_max), w[s] + float(rule.a_plus) * gain * x);
    }
  }
}

void Network::deliver(unsigned k, unsigned parts) {
  // Part k takes the synapses onto postsynaptic neurons [low, high): every part walks
  // all spikes in the reference order, so each I[q] and sd[s] sees the serial order.
  uint64_t low64, high64;
  split_range(neuron_count_, parts, k, low64, high64);
  const uint32_t low = uint32_t(low64);
  const uint32_t span = uint32_t(high64 - low64);
  float* I = current_->data();
  const uint32_t* post = synapses_.post();
  float* w = synapses_.weight();
  float* sd = synapses_.derivative();
  const uint16_t* projection = synapses_.projection();
  const uint8_t* plastic = plastic_.data();
  const bool learning = !frozen_;
  uint64_t events = 0;
  for (uint32_t age = 0; age < max_delay_ && age <= time_; ++age) {
    const auto& spikes = history_[(time_ - age) % max_delay_];
    for (auto it = spikes.rbegin(); it != spikes.rend(); ++it) {
      const uint32_t begin = synapses_.group_begin(*it, age + 1);
      const uint32_t end = synapses_.group_end(*it, age + 1);
      if (k == 0) events += end - begin;
      // Each group sits elsewhere in memory: start fetching the next spike's group now.
      if (it + 1 != spikes.rend()) {
        const uint32_t next = synapses_.group_begin(*(it + 1), age + 1);
        __builtin_prefetch(post + next);
        __builtin_prefetch(w + next);
        __builtin_prefetch(sd + next, 1);
      }
      // Decided once per spike when all of the neuron's synapses share a projection.
      const uint16_t single = synapses_.single_projection(*it);
      if (single != SynapseStore::kMixedProjections &&
          (!learning || !plastic[single] || rules_[single].kind != PlasticityRule::Kind::Pair)) {
        if (learning && plastic[single]) {
          for (uint32_t s = begin; s < end; ++s) {
            const uint32_t q = post[s];
            if (q - low >= span) continue;  // another part's (unsigned wrap covers q < low)
            I[q] += w[s];
            sd[s] -= ltd_[q];
          }
        } else {
          for (uint32_t s = begin; s < end; ++s) {
            const uint32_t q = post[s];
            if (q - low < span) I[q] += w[s];
          }
        }
        continue;
      }
      for (uint32_t s = begin; s < end; ++s) {
        const uint32_t q = post[s];
        if (q - low >= span) continue;
        I[q] += w[s];
        if (!learning || !plastic[projection[s]]) continue;
        const PlasticityRule& rule = rules_[projection[s]];
        if (rule.kind != PlasticityRule::Kind::Pair) {
          sd[s] -= ltd_[q];
          continue;
        }
        const float y = pair_traces_[rule.trace_set].y[q];
        const float gain = rule.multiplicative ? w[s] - float(rule.w_min) : 1.0f;
        w[s] = std::max(float(rule.w_min), w[s] - float(rule.a_minus) * gain * y);
      }
    }
  }
  if (k == 0) synaptic_events_ += events;
}

void Network::integrate_and_decay(unsigned k, unsigned parts) {
  uint32_t begin, end;
  neuron_part(k, parts, begin, end);
  float* I = current_->data();
  float* v = neurons_->v()->data();
  float* u = neurons_->u()->data();
  const bool exact = options_.mode == NetworkMode::Reference;
  for_each_segment(begin, end, [&](uint32_t b, uint32_t e, const LifBlock* lif) {
    if (lif) {
      lif_integrate(*lif, exact, v, u, I, b, e);
    } else {
      neurons_->integrate(I, b, e);
    }
  });
  std::fill(I + begin, I + end, 0.0f);
  // Separate loops over restrict pointers, so that the compiler vectorizes them (each
  // element is independent; float64 multiply, float32 rounding, as the reference).
  const double decay_plus = options_.stdp.decay_plus;
  const double decay_minus = options_.stdp.decay_minus;
  const float* __restrict now = ltp_slot(time_);
  float* __restrict next = ltp_slot(time_ + 1);
  for (uint32_t i = begin; i < end; ++i) next[i] = float(decay_plus * now[i]);
  float* __restrict ltd = ltd_.data();
  for (uint32_t i = begin; i < end; ++i) ltd[i] = float(ltd[i] * decay_minus);
  for (PairTraces& set : pair_traces_) {
    const uint64_t slots = max_delay_ + 1;
    const float* __restrict x_now = set.x.data() + (time_ % slots) * neuron_count_;
    float* __restrict x_next = set.x.data() + ((time_ + 1) % slots) * neuron_count_;
    for (uint32_t i = begin; i < end; ++i) x_next[i] = float(set.decay_plus * x_now[i]);
    float* __restrict y = set.y.data();
    for (uint32_t i = begin; i < end; ++i) y[i] = float(set.decay_minus * y[i]);
  }
}

void Network::update_weights(unsigned k, unsigned parts) {
  const Stdp2006& s = options_.stdp;
  const float w_min = float(s.w_min);
  const float w_max = float(s.w_max);
  float* w = synapses_.weight();
  float* sd = synapses_.derivative();
  const uint16_t* projection = synapses_.projection();
  uint64_t begin, end;
  split_range(synapses_.size(), parts, k, begin, end);
  for (uint64_t i = begin; i < end; ++i) {
    if (!plastic_[projection[i]] || rules_[projection[i]].kind != PlasticityRule::Kind::Stdp2006) continue;
    w[i] = float(w[i] + (s.bias + sd[i]));
    sd[i] = float(sd[i] * s.derivative_decay);
    if (w[i] > w_max) w[i] = w_max;
    if (w[i] < w_min) w[i] = w_min;
  }
}

void Network::update_dopamine_weights(unsigned k, unsigned parts) {
  float* w = synapses_.weight();
  float* sd = synapses_.derivative();
  const uint16_t* projection = synapses_.projection();
  uint64_t begin, end;
  split_range(synapses_.size(), parts, k, begin, end);
  for (uint64_t i = begin; i < end; ++i) {
    if (!plastic_[projection[i]]) continue;
    const PlasticityRule& rule = rules_[projection[i]];
    if (rule.kind != PlasticityRule::Kind::Dopamine || time_ % rule.period_ms != 0) continue;
    const double next = w[i] + (rule.bias + dopamine_) * sd[i];
    w[i] = float(std::min(rule.w_max, std::max(rule.w_min, next)));
    sd[i] = float(sd[i] * rule.eligibility_decay);
  }
}

uint64_t Network::state_bytes() const {
  return synapses_.bytes() + ltp_.size() * sizeof(float) + ltd_.size() * sizeof(float);
}

}  // namespace polychron
