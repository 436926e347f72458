#include "core/spiking/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/errors.h"
#include "core/io/binary_io.h"
#include "core/spiking/checkpoint_part.h"

namespace polychron {

namespace {

constexpr char kMagic[8] = {'P', 'O', 'L', 'Y', 'C', 'H', 'R', 'N'};
constexpr uint32_t kKindNetwork = 1;
constexpr uint64_t kHeaderBytes = 32;

}  // namespace

void Network::save(BinaryWriter& out) {
  build();
  settle_traces();  // an event-driven run's late decays
  if (learns_from_history_) {
    // The traces as the reference holds them (a reader of the file need not know the
    // log), and after everything the log itself.
    plasticity_.allocate_traces(neurons(), max_delay_);
    stdp_history_.write_traces(time_, plasticity_);
  }
  out.pod<uint8_t>(options_.mode == NetworkMode::Fast ? 1 : 0);
  out.pod(options_.seed);
  out.pod<uint8_t>(options_.compact_synapses ? 1 : 0);
  save_stdp(out, plasticity_.stdp());
  out.pod(time_);
  out.pod<uint8_t>(frozen_ ? 1 : 0);
  out.pod(spike_count_);
  out.pod(synaptic_events_);
  neurons_.save_state(out);
  plasticity_.save_rules(out);
  synapses_.save(out);
  plasticity_.save_traces(out);
  for (const auto& slot : history_) out.array(slot);
  inputs_.save_currents(out);
  neurons_.save_lif(out);
  inputs_.save_sources(out);
  out.pod<uint8_t>(learns_from_history_ ? 1 : 0);
  if (learns_from_history_) {
    stdp_history_.save(out);
    plasticity_.release_stdp_traces();
  }
}

std::unique_ptr<Network> Network::load(BinaryReader& in, uint32_t version, SimdLevel simd, unsigned threads) {
  NetworkOptions options;
  options.mode = in.pod<uint8_t>() == 1 ? NetworkMode::Fast : NetworkMode::Reference;
  options.seed = in.pod<uint64_t>();
  options.compact_synapses = in.pod<uint8_t>() != 0;
  options.stdp = load_stdp(in);
  options.simd = simd;
  options.threads = threads;
  std::unique_ptr<Network> n;
  check_loaded(in, [&] { n = std::make_unique<Network>(options); });  // checks the STDP parameters read
  n->time_ = in.pod<uint64_t>();
  n->frozen_ = in.pod<uint8_t>() != 0;
  n->spike_count_ = in.pod<uint64_t>();
  n->synaptic_events_ = in.pod<uint64_t>();
  n->neurons_.load_state(in, version);
  const uint32_t count = n->neurons();
  n->plasticity_.load_rules(in, count);
  n->learns_from_history_ = n->stdp_from_history_applies();
  n->synapses_.load(in, count, n->plasticity_.plastic().size(), options.compact_synapses, !n->learns_from_history_);
  n->max_delay_ = n->synapses_.max_delay();
  n->plasticity_.load_traces(in, n->max_delay_);
  n->history_.resize(n->max_delay_);
  for (auto& slot : n->history_) {
    slot = in.array<uint32_t>();
    for (uint32_t i : slot) {
      if (i >= count) in.fail("a spike in flight names a neuron that does not exist");
    }
  }
  n->inputs_.load_currents(in, count);
  n->neurons_.load_lif(in);
  n->inputs_.load_sources(in, count);
  const bool has_log = version >= 3 && in.pod<uint8_t>() != 0;
  if (has_log && !n->learns_from_history_) in.fail("it holds a fast-mode STDP log for a network that keeps traces");
  if (n->learns_from_history_) {
    n->stdp_history_.reset(count, n->max_delay_, options.stdp, n->time_);
    if (has_log) {
      n->stdp_history_.load(in, n->time_);
    } else {
      n->stdp_history_.read_traces(n->time_, n->plasticity_, n->history_);
    }
    n->plasticity_.release_stdp_traces();
  }
  n->neurons_.place_models(in, n->inputs_.source_ranges());
  n->start_threads();
  n->built_ = true;
  return n;
}

void save_checkpoint(Network& network, const std::string& path) {
  BinaryWriter out(path);
  char header[kHeaderBytes] = {};
  out.bytes(header, sizeof(header));
  out.reset_crc();
  network.save(out);
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
  if (version < kOldestCheckpointVersion || version > kCheckpointVersion) {
    in.fail("it has format version " + std::to_string(version) + "; this polychron reads version " +
            std::to_string(kOldestCheckpointVersion) + " to " + std::to_string(kCheckpointVersion));
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
    std::vector<char> buffer(std::min<uint64_t>(1 << 20, std::max<uint64_t>(payload, 1)));  // small files, small buffer
    char skip[kHeaderBytes];
    check.bytes(skip, kHeaderBytes);
    check.reset_crc();
    while (check.remaining() > 0) check.bytes(buffer.data(), std::min<uint64_t>(buffer.size(), check.remaining()));
    if (check.crc() != crc) in.fail("its checksum does not match (the file is corrupt)");
  }
  auto network = Network::load(in, version, simd, threads);
  if (in.remaining() != 0) in.fail("the file has unexpected bytes after its end");
  return network;
}

}  // namespace polychron
