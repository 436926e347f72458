// libFuzzer target: LUT classifier files (lut/classifier_checkpoint.cpp), memory limit 64 MiB;
// the metadata's CRC-32 is set to match the data, so the checks after it are reached.
#include "core/kernels/cpu.h"
#include "core/lut/classifier.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = polychron_fuzz::with_data_crc(data, size);  // past the CRC check
  polychron_fuzz::MemoryFile file(bytes.data(), bytes.size());
  polychron_fuzz::expect_clean(file.path(), [&] {
    polychron::load_lut_classifier(file.path(), uint64_t(64) << 20, polychron::SimdLevel::Scalar);
  });
  return 0;
}
