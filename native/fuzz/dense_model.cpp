// libFuzzer target: dense models (lut/dense_model.cpp), ONNX or safetensors by their first
// bytes, as DenseModel.load reads them; memory limit 64 MiB.
#include "core/lut/dense_model.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  polychron_fuzz::MemoryFile file(data, size);
  polychron_fuzz::expect_clean(file.path(), [&] {
    polychron::load_dense_model(file.path(), polychron::DenseActivation::Relu, uint64_t(64) << 20);
  });
  return 0;
}
