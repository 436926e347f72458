#include "core/kernels/trace_decay.h"

namespace polychron {

namespace {

void trace_decay_scalar(const float* in, float* out, double factor, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) out[i] = static_cast<float>(factor * in[i]);
}

}  // namespace

TraceDecayKernel trace_decay_kernel(SimdLevel level) {
  switch (level) {
#if defined(POLYCHRON_X86_64)
    case SimdLevel::Avx512: return trace_decay_avx512;
    case SimdLevel::Avx2: return trace_decay_avx2;
#endif
#if defined(POLYCHRON_AARCH64)
    case SimdLevel::Neon: return trace_decay_neon;
#endif
    default: break;
  }
  return trace_decay_scalar;
}

}  // namespace polychron
