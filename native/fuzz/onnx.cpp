// libFuzzer target: the ONNX reader (io/onnx.cpp), with a memory limit of 64 MiB.
#include "core/io/onnx.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  polychron_fuzz::MemoryFile file(data, size);
  polychron_fuzz::expect_clean(file.path(), [&] { polychron::onnx::read(file.path(), uint64_t(64) << 20); });
  return 0;
}
