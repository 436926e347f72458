// Network checkpoints: the whole network (structure and state) in one versioned file.
//
// File layout (little-endian):
//   0   char[8]  "POLYCHRN"
//   8   u32      format version (kCheckpointVersion)
//   12  u32      kind (1 = network)
//   16  u64      payload bytes
//   24  u32      CRC-32 (IEEE) of the payload
//   28  u32      0
//   32  payload  options, time and counters, neurons (version 1: a, b, c, d of every
//                neuron; version 2: of each Izhikevich segment only), projections, synapses, STDP traces,
//                spikes still in flight (the last D ms), inputs with their RNG states
//                and LIF populations and spike sources, and (version 3) whether fast-mode
//                STDP's spike log follows, then the log (see spiking/checkpoint.cpp for
//                the field order)
// Files are written to a temporary name, synced and renamed, so a crash never leaves a
// half-written checkpoint under the real name.
#pragma once
#include <memory>
#include <string>

#include "core/spiking/network.h"

namespace polychron {

// Saving writes kCheckpointVersion; loading reads every version from the oldest.
constexpr uint32_t kCheckpointVersion = 3;
constexpr uint32_t kOldestCheckpointVersion = 1;

void save_checkpoint(Network& network, const std::string& path);

// Throws RangeError naming the file and the problem when it is missing, truncated,
// corrupt (CRC mismatch or inconsistent contents) or of another version.
std::unique_ptr<Network> load_checkpoint(const std::string& path, SimdLevel simd, unsigned threads);

}  // namespace polychron
