// libFuzzer target: language-model checkpoints (lut/lm/checkpoint.cpp), memory limit 64 MiB.
#include "core/lut/lm/language_model.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  polychron_fuzz::MemoryFile file(data, size);
  polychron_fuzz::expect_clean(file.path(), [&] {
    polychron::LmTrainingState state;
    polychron::load_lm_checkpoint(file.path(), uint64_t(64) << 20, state);
  });
  return 0;
}
