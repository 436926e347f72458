#include "core/izhikevich.h"

#include "core/izhikevich_simd.h"

namespace polychron {

uint32_t izhikevich_step_exact_scalar(const ExactNeurons& n, const float* I, uint32_t begin,
                                      uint32_t end, uint32_t* fired) {
  uint32_t count = 0;
  for (uint32_t i = begin; i < end; ++i) {
    float v = n.v[i];
    float u = n.u[i];
    if (v >= kSpikePeak) {
      fired[count++] = i;
      v = static_cast<float>(n.c[i]);
      u = static_cast<float>(u + n.d[i]);
    }
    const double current = I[i];
    // The literals are double, so each right-hand side is evaluated in double and
    // rounded to float32 by the assignment, exactly as the 2006 reference does.
    v = static_cast<float>(v + 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + current));
    v = static_cast<float>(v + 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + current));
    u = static_cast<float>(u + n.a[i] * (n.b[i] * v - u));
    n.v[i] = v;
    n.u[i] = u;
  }
  return count;
}

uint32_t izhikevich_step_fast_scalar(const FastNeurons& n, const float* I, uint32_t begin,
                                     uint32_t end, uint32_t* fired) {
  uint32_t count = 0;
  for (uint32_t i = begin; i < end; ++i) {
    float v = n.v[i];
    float u = n.u[i];
    if (v >= kSpikePeak) {
      fired[count++] = i;
      v = n.c[i];
      u += n.d[i];
    }
    const float current = I[i];
    v += 0.5f * ((0.04f * v + 5.0f) * v + 140.0f - u + current);
    v += 0.5f * ((0.04f * v + 5.0f) * v + 140.0f - u + current);
    u += n.a[i] * (n.b[i] * v - u);
    n.v[i] = v;
    n.u[i] = u;
  }
  return count;
}

const IzhikevichKernels& izhikevich_kernels(SimdLevel level) {
  static const IzhikevichKernels scalar{izhikevich_step_exact_scalar, izhikevich_step_fast_scalar};
#if defined(POLYCHRON_X86_64)
  static const IzhikevichKernels avx2{izhikevich_step_exact_avx2, izhikevich_step_fast_avx2};
  static const IzhikevichKernels avx512{izhikevich_step_exact_avx512, izhikevich_step_fast_avx512};
  switch (level) {
    case SimdLevel::Avx512: return avx512;
    case SimdLevel::Avx2: return avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return scalar;
}

}  // namespace polychron
