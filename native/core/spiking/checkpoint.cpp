#include "core/spiking/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/errors.h"
#include "core/io/binary_io.h"

namespace polychron {

namespace {

constexpr char kMagic[8] = {'P', 'O', 'L', 'Y', 'C', 'H', 'R', 'N'};
constexpr uint32_t kKindNetwork = 1;
constexpr uint64_t kHeaderBytes = 32;

void write_stdp(BinaryWriter& out, const Stdp2006& s) {
  for (double x : {s.a_plus, s.a_minus, s.decay_plus, s.decay_minus, s.bias, s.derivative_decay, s.w_min, s.w_max}) {
    out.pod(x);
  }
  out.pod(s.period_ms);
}

Stdp2006 read_stdp(BinaryReader& in) {
  Stdp2006 s;
  for (double* x : {&s.a_plus, &s.a_minus, &s.decay_plus, &s.decay_minus, &s.bias, &s.derivative_decay, &s.w_min, &s.w_max}) {
    *x = in.pod<double>();
  }
  s.period_ms = in.pod<uint32_t>();
  return s;
}

}  // namespace

// Reads and writes the private state of Network and SynapseStore (friend of both).
struct NetworkCheckpoint {
  static void save(Network& n, BinaryWriter& out) {
    n.build();
    out.pod<uint8_t>(n.options_.mode == NetworkMode::Fast ? 1 : 0);
    out.pod(n.options_.seed);
    out.pod<uint8_t>(n.options_.compact_synapses ? 1 : 0);
    write_stdp(out, n.options_.stdp);
    out.pod(n.time_);
    out.pod<uint8_t>(n.frozen_ ? 1 : 0);
    out.pod(n.spike_count_);
    out.pod(n.synaptic_events_);

    IzhikevichPopulation& neurons = *n.neurons_;
    out.pod(n.neuron_count_);
    for (int k = 0; k < 4; ++k) out.array(neurons.parameter(k));
    out.array(std::vector<float>(neurons.v()->data(), neurons.v()->data() + n.neuron_count_));
    out.array(std::vector<float>(neurons.u()->data(), neurons.u()->data() + n.neuron_count_));
    n.plasticity_.save_rules(out);

    const SynapseStore& s = n.synapses_;
    out.pod(s.max_delay_);
    out.array(s.groups());
    // One array per field, whatever the layout in memory.
    std::vector<uint32_t> post(s.size());
    std::vector<float> weight(s.size()), derivative(s.size());
    for (uint64_t k = 0; k < s.size(); ++k) {
      post[k] = s.synapses_[k].post;
      weight[k] = s.synapses_[k].weight;
      derivative[k] = s.synapses_[k].derivative;
    }
    out.array(post);
    out.array(weight);
    out.array(derivative);
    out.array(s.projections());
    out.array(s.incoming_projections_);

    n.plasticity_.save_traces(out);
    for (const auto& slot : n.history_) out.array(slot);

    out.pod<uint64_t>(n.thalamic_.size());
    for (const ThalamicInput& t : n.thalamic_) {
      out.pod(t.range.first);
      out.pod(t.range.count);
      out.pod(t.per_ms);
      out.pod(t.value);
      out.bytes(t.random.state(), 4 * sizeof(uint64_t));
    }
    out.pod<uint64_t>(n.schedules_.size());
    for (const ScheduledInput& s : n.schedules_) {
      out.array(s.times);
      out.array(s.neurons);
      out.array(s.values);
      out.pod<uint8_t>(s.assign ? 1 : 0);
      out.pod(s.cursor);
    }
    out.pod<uint64_t>(n.constants_.size());
    for (const ConstantInput& c : n.constants_) {
      out.pod(c.range.first);
      out.array(c.values);
    }
    out.pod<uint64_t>(n.steps_.size());
    for (const SteppedInput& st : n.steps_) {
      out.pod(st.range.first);
      out.pod(st.range.count);
      out.array(st.times);
      out.array(st.amplitudes);
    }
    out.pod<uint64_t>(n.noise_.size());
    for (const NoiseInput& nz : n.noise_) {
      out.pod(nz.range.first);
      out.pod(nz.range.count);
      out.pod(nz.low);
      out.pod(nz.high);
      out.bytes(nz.random.state(), 4 * sizeof(uint64_t));
    }
    out.pod<uint64_t>(n.lif_.size());
    for (const LifBlock& b : n.lif_) {
      out.pod(b.range.first);
      out.pod(b.range.count);
      for (const auto* values : {&b.decay, &b.v_rest, &b.v_reset, &b.v_threshold, &b.resistance, &b.refractory}) out.array(*values);
    }
    out.pod<uint64_t>(n.sources_.size());
    for (const SpikeSource& src : n.sources_) {
      out.pod(uint8_t(src.kind));
      out.pod(src.range.first);
      out.pod(src.range.count);
      out.pod(src.probability);
      out.bytes(src.random.state(), 4 * sizeof(uint64_t));
      out.array(src.times);
      out.array(src.neurons);
      out.pod(src.cursor);
    }
  }

  static std::unique_ptr<Network> load(BinaryReader& in, SimdLevel simd, unsigned threads) {
    NetworkOptions options;
    options.mode = in.pod<uint8_t>() == 1 ? NetworkMode::Fast : NetworkMode::Reference;
    options.seed = in.pod<uint64_t>();
    options.compact_synapses = in.pod<uint8_t>() != 0;
    options.stdp = read_stdp(in);
    options.simd = simd;
    options.threads = threads;
    auto n = std::make_unique<Network>(options);
    n->time_ = in.pod<uint64_t>();
    n->frozen_ = in.pod<uint8_t>() != 0;
    n->spike_count_ = in.pod<uint64_t>();
    n->synaptic_events_ = in.pod<uint64_t>();

    const uint32_t count = in.pod<uint32_t>();
    std::vector<double> parameters[4];
    for (auto& p : parameters) p = in.array<double>();
    const auto v = in.array<float>();
    const auto u = in.array<float>();
    if (count == 0 || v.size() != count || u.size() != count) in.fail("the neuron arrays do not match the neuron count");
    for (auto& p : parameters) {
      if (p.size() != count) in.fail("the neuron parameters do not match the neuron count");
    }
    n->neuron_count_ = count;
    n->plasticity_.load_rules(in, count);

    SynapseStore& s = n->synapses_;
    s.neurons_ = count;
    s.max_delay_ = in.pod<uint32_t>();
    const auto groups = in.array<uint32_t>();
    const auto post = in.array<uint32_t>();
    const auto weight = in.array<float>();
    const auto derivative = in.array<float>();
    s.projection_ = in.array<uint16_t>();
    const auto incoming_projections = in.array<uint8_t>();
    check_synapses(in, s, groups, post, weight, derivative, n->plasticity_.plastic().size(), incoming_projections.size());
    s.set_groups(groups);
    s.synapses_.resize(post.size());
    for (uint64_t k = 0; k < post.size(); ++k) s.synapses_[k] = {post[k], weight[k], derivative[k]};

    n->plasticity_.load_traces(in, s.max_delay_);
    n->history_.resize(s.max_delay_);
    for (auto& slot : n->history_) {
      slot = in.array<uint32_t>();
      for (uint32_t i : slot) {
        if (i >= count) in.fail("a spike in flight names a neuron that does not exist");
      }
    }

    const uint64_t thalamic = in.pod<uint64_t>();
    if (thalamic > in.remaining()) in.fail("too many inputs");
    for (uint64_t k = 0; k < thalamic; ++k) {
      ThalamicInput t;
      t.range.first = in.pod<uint32_t>();
      t.range.count = in.pod<uint32_t>();
      t.per_ms = in.pod<uint32_t>();
      t.value = in.pod<float>();
      uint64_t state[4];
      in.bytes(state, sizeof(state));
      t.random.set_state(state);
      if (t.range.count == 0 || uint64_t(t.range.first) + t.range.count > count) in.fail("a thalamic input range is outside the network");
      n->thalamic_.push_back(t);
    }
    const uint64_t schedules = in.pod<uint64_t>();
    if (schedules > in.remaining()) in.fail("too many inputs");
    for (uint64_t k = 0; k < schedules; ++k) {
      ScheduledInput sch;
      sch.times = in.array<uint64_t>();
      sch.neurons = in.array<uint32_t>();
      sch.values = in.array<float>();
      sch.assign = in.pod<uint8_t>() != 0;
      sch.cursor = in.pod<uint64_t>();
      if (sch.neurons.size() != sch.times.size() || sch.values.size() != sch.times.size()) in.fail("a schedule's arrays differ in length");
      for (uint32_t i : sch.neurons) {
        if (i >= count) in.fail("a schedule names a neuron that does not exist");
      }
      n->schedules_.push_back(std::move(sch));
    }
    const uint64_t constants = in.pod<uint64_t>();
    if (constants > in.remaining()) in.fail("too many inputs");
    for (uint64_t k = 0; k < constants; ++k) {
      ConstantInput c;
      c.range.first = in.pod<uint32_t>();
      c.values = in.array<float>();
      c.range.count = uint32_t(c.values.size());
      if (uint64_t(c.range.first) + c.values.size() > count) in.fail("a constant input is outside the network");
      n->constants_.push_back(std::move(c));
    }
    const uint64_t steps = in.pod<uint64_t>();
    if (steps > in.remaining()) in.fail("too many inputs");
    for (uint64_t k = 0; k < steps; ++k) {
      SteppedInput st;
      st.range.first = in.pod<uint32_t>();
      st.range.count = in.pod<uint32_t>();
      st.times = in.array<uint64_t>();
      st.amplitudes = in.array<float>();
      if (uint64_t(st.range.first) + st.range.count > count || st.times.size() != st.amplitudes.size()) {
        in.fail("a stepped current does not fit the network");
      }
      n->steps_.push_back(std::move(st));
    }
    const uint64_t noise = in.pod<uint64_t>();
    if (noise > in.remaining()) in.fail("too many inputs");
    for (uint64_t k = 0; k < noise; ++k) {
      NoiseInput nz;
      nz.range.first = in.pod<uint32_t>();
      nz.range.count = in.pod<uint32_t>();
      nz.low = in.pod<double>();
      nz.high = in.pod<double>();
      uint64_t state[4];
      in.bytes(state, sizeof(state));
      nz.random.set_state(state);
      if (nz.range.count == 0 || uint64_t(nz.range.first) + nz.range.count > count) in.fail("a noise input is outside the network");
      n->noise_.push_back(nz);
    }
    const uint64_t lif = in.pod<uint64_t>();
    if (lif > in.remaining()) in.fail("too many LIF populations");
    for (uint64_t k = 0; k < lif; ++k) {
      LifBlock b;
      b.range.first = in.pod<uint32_t>();
      b.range.count = in.pod<uint32_t>();
      for (auto* values : {&b.decay, &b.v_rest, &b.v_reset, &b.v_threshold, &b.resistance, &b.refractory}) {
        *values = in.array<double>();
        if (values->size() != 1 && values->size() != b.range.count) in.fail("a LIF parameter does not match its population");
      }
      if (uint64_t(b.range.first) + b.range.count > count || (!n->lif_.empty() && b.range.first < n->lif_.back().range.first + n->lif_.back().range.count)) {
        in.fail("a LIF population does not fit the network");
      }
      n->lif_.push_back(std::move(b));
    }
    const uint64_t sources = in.pod<uint64_t>();
    if (sources > in.remaining()) in.fail("too many spike sources");
    for (uint64_t k = 0; k < sources; ++k) {
      SpikeSource src;
      const uint8_t kind = in.pod<uint8_t>();
      if (kind > 1) in.fail("unknown spike source kind");
      src.kind = SpikeSource::Kind(kind);
      src.range.first = in.pod<uint32_t>();
      src.range.count = in.pod<uint32_t>();
      src.probability = in.pod<double>();
      uint64_t state[4];
      in.bytes(state, sizeof(state));
      src.random.set_state(state);
      src.times = in.array<uint64_t>();
      src.neurons = in.array<uint32_t>();
      src.cursor = in.pod<uint64_t>();
      if (uint64_t(src.range.first) + src.range.count > count || src.times.size() != src.neurons.size()) {
        in.fail("a spike source does not fit the network");
      }
      for (uint32_t i : src.neurons) {
        if (i - src.range.first >= src.range.count) in.fail("a spike train names a neuron outside its source");
      }
      n->sources_.push_back(std::move(src));
    }

    // Allocate and attach the state, as build() would, without regrouping synapses. The
    // population checks that every parameter and state value is finite.
    IzhikevichSpec spec;
    spec.size = count;
    for (int k = 0; k < 4; ++k) (k == 0 ? spec.a : k == 1 ? spec.b : k == 2 ? spec.c : spec.d) = parameters[k];
    spec.v.assign(v.begin(), v.end());
    spec.u.assign(u.begin(), u.end());
    spec.numerics = options.mode == NetworkMode::Reference ? Numerics::Exact : Numerics::Fast;
    spec.simd = simd;
    n->neurons_ = std::make_unique<IzhikevichPopulation>(spec);
    s.index(incoming_projections, options.compact_synapses);
    n->max_delay_ = s.max_delay_;
    n->current_ = std::make_unique<AlignedArray<float>>(count);
    n->pending_ = SynapseList();
    n->start_threads();
    n->built_ = true;
    return n;
  }

  // Everything the simulation indexes with must be in range, or a crafted file could
  // make it read or write outside its arrays.
  static void check_synapses(BinaryReader& in, const SynapseStore& s, const std::vector<uint32_t>& groups,
                             const std::vector<uint32_t>& post,
                             const std::vector<float>& weight, const std::vector<float>& derivative,
                             size_t projections, size_t incoming_flags) {
    const uint64_t synapses = post.size();
    if (s.max_delay_ < 1 || s.max_delay_ > kMaxDelay) in.fail("the maximum delay is out of range");
    if (groups.size() != uint64_t(s.neurons_) * s.max_delay_ + 1) in.fail("the synapse index does not match the network");
    if (groups.front() != 0 || groups.back() != synapses) in.fail("the synapse index does not cover the synapses");
    for (size_t k = 1; k < groups.size(); ++k) {
      if (groups[k] < groups[k - 1]) in.fail("the synapse index is not ascending");
    }
    if (weight.size() != synapses || derivative.size() != synapses || s.projection_.size() != synapses) {
      in.fail("the synapse arrays differ in length");
    }
    for (uint64_t k = 0; k < synapses; ++k) {
      if (post[k] >= s.neurons_) in.fail("a synapse targets a neuron that does not exist");
      if (s.projection_[k] >= projections) in.fail("a synapse names a projection that does not exist");
    }
    if (incoming_flags != projections) in.fail("the projection flags differ in number");
  }
};

void save_checkpoint(Network& network, const std::string& path) {
  BinaryWriter out(path);
  char header[kHeaderBytes] = {};
  out.bytes(header, sizeof(header));
  out.reset_crc();
  NetworkCheckpoint::save(network, out);
  const uint64_t payload = out.written() - kHeaderBytes;
  const uint32_t crc = out.crc();
  std::memcpy(header, kMagic, 8);
  std::memcpy(header + 8, &kCheckpointVersion, 4);
  std::memcpy(header + 12, &kKindNetwork, 4);
  std::memcpy(header + 16, &payload, 8);
  std::memcpy(header + 24, &crc, 4);
  out.patch(0, header, sizeof(header));
  out.commit();
}

std::unique_ptr<Network> load_checkpoint(const std::string& path, SimdLevel simd, unsigned threads) {
  BinaryReader in(path);
  if (in.size() < kHeaderBytes) in.fail("the file is truncated (no complete header)");
  char magic[8];
  in.bytes(magic, 8);
  if (std::memcmp(magic, kMagic, 8) != 0) in.fail("it is not a polychron checkpoint");
  const uint32_t version = in.pod<uint32_t>();
  if (version != kCheckpointVersion) {
    in.fail("it has format version " + std::to_string(version) + "; this polychron reads version " +
            std::to_string(kCheckpointVersion));
  }
  if (in.pod<uint32_t>() != kKindNetwork) in.fail("it does not hold a network");
  const uint64_t payload = in.pod<uint64_t>();
  const uint32_t crc = in.pod<uint32_t>();
  in.pod<uint32_t>();
  if (payload > in.remaining()) in.fail("the file is truncated");
  if (payload < in.remaining()) in.fail("the file has unexpected bytes after its end");
  // A whole-payload checksum first: nothing is built from corrupt bytes.
  {
    BinaryReader check(path);
    std::vector<char> buffer(1 << 20);
    char skip[kHeaderBytes];
    check.bytes(skip, kHeaderBytes);
    check.reset_crc();
    while (check.remaining() > 0) check.bytes(buffer.data(), std::min<uint64_t>(buffer.size(), check.remaining()));
    if (check.crc() != crc) in.fail("its checksum does not match (the file is corrupt)");
  }
  auto network = NetworkCheckpoint::load(in, simd, threads);
  if (in.remaining() != 0) in.fail("the file has unexpected bytes after its end");
  return network;
}

}  // namespace polychron
