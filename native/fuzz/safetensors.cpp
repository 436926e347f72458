// libFuzzer target: the safetensors reader (io/safetensors.cpp): the header, then every
// tensor read in full.
#include <vector>

#include "core/io/safetensors.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  polychron_fuzz::MemoryFile file(data, size);
  polychron_fuzz::expect_clean(file.path(), [&] {
    polychron::safetensors::Reader reader(file.path());
    for (const auto& [name, info] : reader.tensors()) {
      std::vector<uint8_t> bytes(info.end - info.begin);  // the reader checked it against the file's size
      reader.read(name, info.dtype, info.shape, bytes.data());
    }
    for (const auto& [key, value] : reader.metadata()) (void)reader.meta(key);
  });
  return 0;
}
