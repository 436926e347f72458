// libFuzzer target: network checkpoints (spiking/checkpoint.cpp). The file's CRC-32 would
// stop nearly every mutation at the header, so the input is the payload: the target writes
// the 32-byte header around it (magic, the version chosen by the first byte, the payload's
// size and CRC) and the payload parser sees the fuzzer's bytes. A first byte with the top
// bit set instead hands the rest over as the whole file, header included. A network that
// loads runs 2 ms, so that what loading accepted is used.
#include <cstring>
#include <string>

#include "core/io/binary_io.h"
#include "core/spiking/checkpoint.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string bytes;
  if (data[0] & 0x80) {
    bytes.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    const uint32_t version = 1 + data[0] % polychron::kCheckpointVersion;
    const uint32_t kind = 1, zero = 0;
    const uint64_t payload = size - 1;
    const uint32_t crc = polychron::crc32_update(0, data + 1, payload);
    char header[32];
    std::memcpy(header, "POLYCHRN", 8);
    std::memcpy(header + 8, &version, 4);
    std::memcpy(header + 12, &kind, 4);
    std::memcpy(header + 16, &payload, 8);
    std::memcpy(header + 24, &crc, 4);
    std::memcpy(header + 28, &zero, 4);
    bytes.assign(header, sizeof header);
    bytes.append(reinterpret_cast<const char*>(data + 1), payload);
  }
  polychron_fuzz::MemoryFile file(bytes.data(), bytes.size());
  polychron_fuzz::expect_clean(file.path(), [&] {
    auto network = polychron::load_checkpoint(file.path(), polychron::SimdLevel::Scalar, 1);
    network->run(2, [](uint64_t, const uint32_t*, uint32_t) { return true; });
  });
  return 0;
}
