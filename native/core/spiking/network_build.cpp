// Building a network: populations, projections, inputs, sources, probes, rewards,
// each checked as it is added; build() then lays out the state for the loop.
#include "core/spiking/network.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

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
  if (options.threads > kMaxThreads) {
    throw RangeError("threads must be 'auto' or an integer in [1, " + std::to_string(kMaxThreads) + "] (got " +
                     std::to_string(options.threads) + ")");
  }
  return options;
}

}  // namespace

// The options are checked before the plasticity's constants (members in that order).
Network::Network(const NetworkOptions& options)
    : options_(checked(options)),
      neurons_(options.mode == NetworkMode::Reference ? Numerics::Exact : Numerics::Fast, options.simd),
      inputs_(options.seed),
      plasticity_(options.stdp) {}

void Network::require_building(const char* what) const {
  if (built_) {
    throw StateError(std::string("Network: cannot ") + what + " after the network has started running");
  }
}

uint32_t Network::add_izhikevich(uint32_t size, const IzhikevichParameters& parameters, const std::vector<double>& v,
                                 const std::vector<double>& u) {
  require_building("add a population");
  return neurons_.add_izhikevich(size, parameters, v, u);
}

uint32_t Network::add_lif(uint32_t size, const LifParameters& parameters, const std::vector<double>& v) {
  require_building("add a population");
  return neurons_.add_lif(size, parameters, v);
}

uint16_t Network::add_projection(const PlasticityRule& rule) {
  require_building("add a projection");
  return plasticity_.add_projection(rule);
}

void Network::drop_projection(uint16_t projection) {
  require_building("drop a projection");
  plasticity_.drop_last_projection(projection);
}

void Network::set_plastic(uint32_t projection, bool plastic) {
  if (built_ && learns_from_history_) settle_history(false);  // the window so far learns as it was
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
      if (uint64_t(r.first) + r.count > neurons()) throw RangeError("projection ranges must lie within the network's neurons");
    }
  }
  // Projections are drawn when the network is built, each presynaptic neuron's synapses
  // straight into place by the build's threads (SynapseStore). Those that must be drawn
  // at once (see make_drawn_projection), or whose targets include spike sources (checked
  // synapse by synapse in build()), are drawn now, with the same synapses.
  bool reaches_sources = false;
  for (const NeuronRange& s : inputs_.source_ranges()) {
    for (const NeuronRange& t : targets) {
      reaches_sources = reaches_sources || (t.count > 0 && s.count > 0 && t.first < s.first + s.count && s.first < t.first + t.count);
    }
  }
  if (!reaches_sources) {
    if (auto drawn = make_drawn_projection(sources, targets, rule, delay, weight, projection, options_.seed)) {
      pending_.drawn.push_back({pending_.size(), std::move(drawn)});
      return;
    }
  }
  const uint64_t before = pending_.size();
  try {
    generate_projection(pending_, sources, targets, rule, delay, weight, projection, options_.seed);
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
  add_explicit_synapses(pending_, neurons(), pre, post, delay, weight, n, projection);
}

uint32_t Network::add_probe(std::vector<uint32_t> neurons, uint32_t every) {
  if (every < 1) throw RangeError("every must be an integer >= 1 (ms)");
  for (size_t k = 0; k < neurons.size(); ++k) {
    if (neurons[k] >= neurons_.size()) {
      throw RangeError("neurons[" + std::to_string(k) + "] = " + std::to_string(neurons[k]) + " of a state monitor is not a neuron of the network (" +
                       std::to_string(neurons_.size()) + " neurons)");
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

void Network::add_thalamic(NeuronRange range, uint32_t per_ms, float value) {
  require_building("add an input");
  inputs_.add_thalamic(range, per_ms, value, neurons());
}

void Network::add_schedule(ScheduledInput input) {
  require_building("add an input");
  inputs_.add_schedule(std::move(input), neurons());
}

void Network::add_constant(ConstantInput input) {
  require_building("add an input");
  inputs_.add_constant(std::move(input), neurons());
}

void Network::add_stepped(SteppedInput input) {
  require_building("add an input");
  inputs_.add_stepped(std::move(input), neurons());
}

void Network::add_noise(NeuronRange range, double low, double high) {
  require_building("add an input");
  inputs_.add_noise(range, low, high, neurons());
}

void Network::add_drawn(std::shared_ptr<const DrawnProjection> rule) {
  require_building("add synapses");
  pending_.drawn.push_back({pending_.size(), std::move(rule)});
}

uint32_t Network::add_source(uint32_t count, SpikeSource source) {
  require_building("add a spike source");
  Inputs::check_new_source({neurons(), count}, source);  // before its neurons exist: a refusal adds nothing
  const uint32_t first = neurons_.add_source(count);
  inputs_.add_source({first, count}, std::move(source));
  return first;
}

void Network::build() {
  if (built_) return;
  if (neurons() == 0) throw StateError("Network: add at least one population before running");
  inputs_.check_no_input_to_sources(neurons(), pending_.post);
  if (plasticity_.any_plastic() && neurons() > kMaxNeuronsWithPlasticity) {
    throw RangeError("networks with plastic projections may hold at most 2^24 neurons");
  }
  neurons_.build();
  plasticity_.finish_projections();
  learns_from_history_ = stdp_from_history_applies();
  {
    // The synapses are drawn and indexed by as many threads as the network may run on,
    // with the same result for any number (their own pool: the loop's starts below).
    ThreadPool pool(resolved_threads());
    synapses_ = SynapseStore(neurons(), std::move(pending_), plasticity_.plastic(), options_.compact_synapses,
                             !learns_from_history_, &pool, options_.memory_limit);
  }
  max_delay_ = synapses_.max_delay();
  plasticity_.allocate_traces(neurons(), max_delay_, !learns_from_history_);
  if (learns_from_history_) {
    stdp_history_.reset(neurons(), max_delay_, plasticity_.stdp(), 0);
  }
  history_.assign(max_delay_, {});
  start_threads();
  built_ = true;
}

unsigned Network::resolved_threads() const {
  if (options_.threads != kAutoThreads) return options_.threads;
  return std::max(1u, std::min(kMaxThreads, std::thread::hardware_concurrency()));
}

void Network::start_threads() {
  decay_ = trace_decay_kernel(options_.simd);
  const unsigned threads = resolved_threads();
  pool_ = std::make_unique<ThreadPool>(threads);
  choice_ = std::make_unique<ThreadChoice>(threads, options_.adaptive_threads);
  fired_parts_.clear();
  for (unsigned k = 0; k < threads; ++k) {
    uint32_t begin, end;
    neuron_part(k, threads, begin, end);
    // Part 0 is the whole network when the loop runs on one thread.
    fired_parts_.push_back(std::make_unique<AlignedArray<uint32_t>>(k == 0 ? neurons() : end - begin));
  }
  fired_counts_.assign(threads, 0);
  lane_ages_ = {0, (max_delay_ + 1) / 2, max_delay_};
  if (options_.mode == NetworkMode::Fast) lane_input_ = std::make_unique<AlignedArray<float>>(neurons());
}

}  // namespace polychron
