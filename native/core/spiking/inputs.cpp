#include "core/spiking/inputs.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/spiking/checkpoint_part.h"

namespace polychron {

namespace {

bool within(NeuronRange range, uint32_t neurons) {
  return range.count != 0 && uint64_t(range.first) + range.count <= neurons;
}

void check_thalamic(NeuronRange range, uint32_t per_ms, uint32_t neurons) {
  if (!within(range, neurons)) throw RangeError("thalamic input range must lie within the network's neurons");
  if (per_ms > ThalamicInput::kMaxPerMs) {
    throw RangeError("perMs must be an integer in [0, " + std::to_string(ThalamicInput::kMaxPerMs) + "] (got " +
                     std::to_string(per_ms) + ")");
  }
}

void check_schedule(const ScheduledInput& input, uint32_t neurons) {
  const size_t n = input.times.size();
  if (input.neurons.size() != n || input.values.size() != n) {
    throw RangeError("a current schedule needs as many neurons and values as times");
  }
  for (size_t k = 0; k < n; ++k) {
    if (k > 0 && input.times[k] < input.times[k - 1]) throw RangeError("schedule times must be ascending");
    if (input.neurons[k] >= neurons) {
      throw RangeError("neurons[" + std::to_string(k) + "]: schedule neuron " + std::to_string(input.neurons[k]) + " is not in [0, " +
                       std::to_string(neurons - 1) + "]");
    }
    if (!std::isfinite(input.values[k])) throw RangeError("currents[" + std::to_string(k) + "]: schedule values must be finite");
  }
}

void check_constant(const ConstantInput& input, uint32_t neurons) {
  if (uint64_t(input.range.first) + input.range.count > neurons || input.values.size() != input.range.count) {
    throw RangeError("a constant current needs one value per neuron of a range within the network");
  }
}

void check_stepped(const SteppedInput& input, uint32_t neurons) {
  if (!within(input.range, neurons)) throw RangeError("a stepped current's target must lie within the network's neurons");
  if (input.times.size() != input.amplitudes.size() || input.times.empty()) {
    throw RangeError("a stepped current's times and amplitudes must hold one value per step, at least one (got " +
                     std::to_string(input.times.size()) + " and " + std::to_string(input.amplitudes.size()) + ")");
  }
  for (size_t k = 0; k < input.times.size(); ++k) {
    if (k > 0 && input.times[k] <= input.times[k - 1]) throw RangeError("step times must be strictly ascending");
    if (!std::isfinite(input.amplitudes[k])) throw RangeError("step amplitudes must be finite");
  }
}

void check_noise(NeuronRange range, double low, double high, uint32_t neurons) {
  if (!within(range, neurons)) throw RangeError("a noise current's target must lie within the network's neurons");
  if (!(std::isfinite(low) && std::isfinite(high) && low <= high)) throw RangeError("noise bounds must be finite with low <= high");
}

// A source whose range is set and whose train neurons are network indices.
void check_source(const SpikeSource& source, uint32_t neurons) {
  if (!within(source.range, neurons)) throw RangeError("a spike source must lie within the network's neurons");
  if (source.kind == SpikeSource::Kind::Poisson) {
    if (!(source.probability >= 0 && source.probability <= 1)) {
      throw RangeError("rate must be in [0, 1000] Hz (a spike per ms at most)");
    }
    return;
  }
  if (source.times.size() != source.neurons.size()) throw RangeError("times and neurons must have the same length");
  for (size_t k = 0; k < source.times.size(); ++k) {
    if (k > 0 && source.times[k] < source.times[k - 1]) throw RangeError("spike train times must be ascending");
    // Unsigned: an index below the range wraps above it.
    const uint32_t within_source = source.neurons[k] - source.range.first;
    if (within_source >= source.range.count) {
      throw RangeError("neurons[" + std::to_string(k) + "]: spike train neuron " + std::to_string(within_source) + " is not in [0, " +
                       std::to_string(source.range.count - 1) + "]");
    }
  }
}

void save_random(BinaryWriter& out, const Random& random) {
  out.bytes(random.state(), 4 * sizeof(uint64_t));
}

void load_random(BinaryReader& in, Random& random) {
  uint64_t state[4];
  in.bytes(state, sizeof(state));
  random.set_state(state);
}

// Every count of items is bounded by the bytes left, so a corrupt count fails early.
uint64_t load_count(BinaryReader& in, const char* what) {
  const uint64_t count = in.pod<uint64_t>();
  if (count > in.remaining()) in.fail(std::string("too many ") + what);
  return count;
}

}  // namespace

void Inputs::add_thalamic(NeuronRange range, uint32_t per_ms, float value, uint32_t neurons) {
  check_thalamic(range, per_ms, neurons);
  thalamic_.push_back({range, per_ms, value, Random(seed_, thalamic_.size())});
}

void Inputs::add_schedule(ScheduledInput input, uint32_t neurons) {
  check_schedule(input, neurons);
  schedules_.push_back(std::move(input));
}

void Inputs::add_constant(ConstantInput input, uint32_t neurons) {
  check_constant(input, neurons);
  constants_.push_back(std::move(input));
}

void Inputs::add_stepped(SteppedInput input, uint32_t neurons) {
  check_stepped(input, neurons);
  steps_.push_back(std::move(input));
}

void Inputs::add_noise(NeuronRange range, double low, double high, uint32_t neurons) {
  check_noise(range, low, high, neurons);
  noise_.push_back({range, low, high, Random(seed_, 700000 + noise_.size())});
}

void Inputs::check_new_source(NeuronRange range, SpikeSource source) {
  source.range = range;
  for (uint32_t& i : source.neurons) i += range.first;
  check_source(source, range.first + range.count);
}

void Inputs::add_source(NeuronRange range, SpikeSource source) {
  source.range = range;
  for (uint32_t& i : source.neurons) i += range.first;
  check_source(source, range.first + range.count);
  if (source.kind == SpikeSource::Kind::Poisson) source.random = Random(seed_, 500000 + sources_.size());
  sources_.push_back(std::move(source));
}

void Inputs::set_train(uint32_t first, SpikeSource source, uint64_t now) {
  auto it = std::find_if(sources_.begin(), sources_.end(), [&](const SpikeSource& s) {
    return s.kind == SpikeSource::Kind::Train && s.range.first == first;
  });
  if (it == sources_.end()) throw RangeError("population must be a spike-train source of this network");
  if (!source.times.empty() && source.times.front() < now) {
    throw RangeError("times must be at least the network's time, " + std::to_string(now) + " ms (got " +
                     std::to_string(source.times.front()) + ")");
  }
  source.kind = SpikeSource::Kind::Train;
  source.range = it->range;
  for (uint32_t& i : source.neurons) i += source.range.first;
  check_source(source, source.range.first + source.range.count);
  source.cursor = 0;
  *it = std::move(source);
}

std::vector<NeuronRange> Inputs::source_ranges() const {
  std::vector<NeuronRange> ranges;
  for (const SpikeSource& source : sources_) ranges.push_back(source.range);
  return ranges;
}

void Inputs::check_no_input_to_sources(uint32_t neurons, const std::vector<uint32_t>& projection_targets) const {
  if (sources_.empty()) return;
  std::vector<uint8_t> is_source(neurons, 0);
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
  for (uint32_t q : projection_targets) check_range({q, 1}, "a projection");
}

void Inputs::apply(float* I, uint64_t t) {
  for (ThalamicInput& input : thalamic_) {
    for (uint32_t k = 0; k < input.per_ms; ++k) I[input.range.first + input.random.below(input.range.count)] = input.value;
  }
  for (ScheduledInput& input : schedules_) {
    while (input.cursor < input.times.size() && input.times[input.cursor] < t) ++input.cursor;
    for (; input.cursor < input.times.size() && input.times[input.cursor] == t; ++input.cursor) {
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
    const auto next = std::upper_bound(input.times.begin(), input.times.end(), t);
    if (next == input.times.begin()) continue;
    const float amplitude = input.amplitudes[size_t(next - input.times.begin()) - 1];
    for (uint32_t i = 0; i < input.range.count; ++i) I[input.range.first + i] += amplitude;
  }
}

void Inputs::fire_sources(std::vector<uint32_t>& fired, uint64_t t) {
  for (SpikeSource& s : sources_) {
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
      while (s.cursor < s.times.size() && s.times[s.cursor] < t) ++s.cursor;
      for (; s.cursor < s.times.size() && s.times[s.cursor] == t; ++s.cursor) fired.push_back(s.neurons[s.cursor]);
    }
  }
}

void Inputs::save_currents(BinaryWriter& out) const {
  out.pod<uint64_t>(thalamic_.size());
  for (const ThalamicInput& t : thalamic_) {
    out.pod(t.range.first);
    out.pod(t.range.count);
    out.pod(t.per_ms);
    out.pod(t.value);
    save_random(out, t.random);
  }
  out.pod<uint64_t>(schedules_.size());
  for (const ScheduledInput& s : schedules_) {
    out.array(s.times);
    out.array(s.neurons);
    out.array(s.values);
    out.pod<uint8_t>(s.assign ? 1 : 0);
    out.pod(s.cursor);
  }
  out.pod<uint64_t>(constants_.size());
  for (const ConstantInput& c : constants_) {
    out.pod(c.range.first);
    out.array(c.values);
  }
  out.pod<uint64_t>(steps_.size());
  for (const SteppedInput& st : steps_) {
    out.pod(st.range.first);
    out.pod(st.range.count);
    out.array(st.times);
    out.array(st.amplitudes);
  }
  out.pod<uint64_t>(noise_.size());
  for (const NoiseInput& nz : noise_) {
    out.pod(nz.range.first);
    out.pod(nz.range.count);
    out.pod(nz.low);
    out.pod(nz.high);
    save_random(out, nz.random);
  }
}

void Inputs::load_currents(BinaryReader& in, uint32_t neurons) {
  for (uint64_t k = load_count(in, "inputs"); k > 0; --k) {
    ThalamicInput t;
    t.range.first = in.pod<uint32_t>();
    t.range.count = in.pod<uint32_t>();
    t.per_ms = in.pod<uint32_t>();
    t.value = in.pod<float>();
    load_random(in, t.random);
    check_loaded(in, [&] { check_thalamic(t.range, t.per_ms, neurons); });
    thalamic_.push_back(t);
  }
  for (uint64_t k = load_count(in, "inputs"); k > 0; --k) {
    ScheduledInput s;
    s.times = in.array<uint64_t>();
    s.neurons = in.array<uint32_t>();
    s.values = in.array<float>();
    s.assign = in.pod<uint8_t>() != 0;
    s.cursor = in.pod<uint64_t>();
    check_loaded(in, [&] { check_schedule(s, neurons); });
    schedules_.push_back(std::move(s));
  }
  for (uint64_t k = load_count(in, "inputs"); k > 0; --k) {
    ConstantInput c;
    c.range.first = in.pod<uint32_t>();
    c.values = in.array<float>();
    c.range.count = uint32_t(c.values.size());
    check_loaded(in, [&] { check_constant(c, neurons); });
    constants_.push_back(std::move(c));
  }
  for (uint64_t k = load_count(in, "inputs"); k > 0; --k) {
    SteppedInput st;
    st.range.first = in.pod<uint32_t>();
    st.range.count = in.pod<uint32_t>();
    st.times = in.array<uint64_t>();
    st.amplitudes = in.array<float>();
    check_loaded(in, [&] { check_stepped(st, neurons); });
    steps_.push_back(std::move(st));
  }
  for (uint64_t k = load_count(in, "inputs"); k > 0; --k) {
    NoiseInput nz;
    nz.range.first = in.pod<uint32_t>();
    nz.range.count = in.pod<uint32_t>();
    nz.low = in.pod<double>();
    nz.high = in.pod<double>();
    load_random(in, nz.random);
    check_loaded(in, [&] { check_noise(nz.range, nz.low, nz.high, neurons); });
    noise_.push_back(nz);
  }
}

void Inputs::save_sources(BinaryWriter& out) const {
  out.pod<uint64_t>(sources_.size());
  for (const SpikeSource& src : sources_) {
    out.pod(uint8_t(src.kind));
    out.pod(src.range.first);
    out.pod(src.range.count);
    out.pod(src.probability);
    save_random(out, src.random);
    out.array(src.times);
    out.array(src.neurons);
    out.pod(src.cursor);
  }
}

void Inputs::load_sources(BinaryReader& in, uint32_t neurons) {
  for (uint64_t k = load_count(in, "spike sources"); k > 0; --k) {
    SpikeSource src;
    const uint8_t kind = in.pod<uint8_t>();
    if (kind > 1) in.fail("unknown spike source kind");
    src.kind = SpikeSource::Kind(kind);
    src.range.first = in.pod<uint32_t>();
    src.range.count = in.pod<uint32_t>();
    src.probability = in.pod<double>();
    load_random(in, src.random);
    src.times = in.array<uint64_t>();
    src.neurons = in.array<uint32_t>();
    src.cursor = in.pod<uint64_t>();
    check_loaded(in, [&] { check_source(src, neurons); });
    sources_.push_back(std::move(src));
  }
}

}  // namespace polychron
