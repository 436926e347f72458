// Building a network: populations, projections, inputs, sources, probes, rewards,
// each checked as it is added; build() then lays out the state for the loop.
#include "core/spiking/network.h"

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

const NetworkOptions& checked(const NetworkOptions& options) {
  require_simd_level(options.simd, "simd");
  if (options.threads < 1 || options.threads > 256) {
    throw RangeError("threads must be an integer in [1, 256] (got " + std::to_string(options.threads) + ")");
  }
  return options;
}

}  // namespace

// The options are checked before the plasticity's constants (members in that order).
Network::Network(const NetworkOptions& options) : options_(checked(options)), plasticity_(options.stdp) {}

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

uint16_t Network::add_projection(const PlasticityRule& rule) {
  require_building("add a projection");
  return plasticity_.add_projection(rule);
}

void Network::set_plastic(uint32_t projection, bool plastic) {
  plasticity_.set_plastic(projection, plastic, built_ ? &synapses_ : nullptr);
}

std::pair<uint64_t, double> Network::plastic_weights() {
  build();
  return plasticity_.plastic_weights(synapses_);
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

void Network::build() {
  if (built_) return;
  if (neuron_count_ == 0) throw StateError("Network: add at least one population before running");
  check_no_input_to_sources();
  if (plasticity_.any_plastic() && neuron_count_ > kMaxNeuronsWithPlasticity) {
    throw RangeError("networks with plastic projections may hold at most 2^24 neurons");
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
  plasticity_.finish_projections();
  synapses_ = SynapseStore(neuron_count_, std::move(pending_), plasticity_.plastic(), options_.compact_synapses);
  max_delay_ = synapses_.max_delay();
  current_ = std::make_unique<AlignedArray<float>>(neuron_count_);
  plasticity_.allocate_traces(neuron_count_, max_delay_);
  history_.assign(max_delay_, {});
  start_threads();
  built_ = true;
}

void Network::start_threads() {
  decay_ = trace_decay_kernel(options_.simd);
  pool_ = std::make_unique<ThreadPool>(options_.threads);
  fired_parts_.clear();
  for (unsigned k = 0; k < options_.threads; ++k) {
    uint32_t begin, end;
    neuron_part(k, options_.threads, begin, end);
    fired_parts_.push_back(std::make_unique<AlignedArray<uint32_t>>(end - begin));
  }
  fired_counts_.assign(options_.threads, 0);
}

}  // namespace polychron
