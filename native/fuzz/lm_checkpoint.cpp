// libFuzzer target: language-model checkpoints (lut/lm/checkpoint.cpp), memory limit 64 MiB;
// the metadata's CRC-32 is set to match the data, so the checks after it are reached.
#include "core/lut/lm/language_model.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = polychron_fuzz::with_data_crc(data, size);  // past the CRC check
  polychron_fuzz::MemoryFile file(bytes.data(), bytes.size());
  polychron_fuzz::expect_clean(file.path(), [&] {
    polychron::LmTrainingState state;
    polychron::load_lm_checkpoint(file.path(), uint64_t(64) << 20, state);
  });
  return 0;
}
