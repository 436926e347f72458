#include "core/kernels/izhikevich.h"

#include "core/kernels/izhikevich_simd.h"

namespace polychron {

namespace {

template <bool kDetect, bool kIntegrate>
uint32_t exact_scalar(const ExactNeurons& n, const float* I, uint32_t begin, uint32_t end,
                      uint32_t* fired) {
  uint32_t count = 0;
  for (uint32_t i = begin; i < end; ++i) {
    float v = n.v[i];
    float u = n.u[i];
    if (kDetect && v >= kSpikePeak) {
      fired[count++] = i;
      v = static_cast<float>(n.c[i]);
      u = static_cast<float>(u + n.d[i]);
    }
    if (kIntegrate) {
      const double current = I[i];
      // The literals are double, so each right-hand side is evaluated in double and
      // rounded to float32 by the assignment, exactly as the 2006 reference does.
      v = static_cast<float>(v + 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + current));
      v = static_cast<float>(v + 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + current));
      u = static_cast<float>(u + n.a[i] * (n.b[i] * v - u));
    }
    n.v[i] = v;
    n.u[i] = u;
  }
  return count;
}

template <bool kDetect, bool kIntegrate>
uint32_t fast_scalar(const FastNeurons& n, const float* I, uint32_t begin, uint32_t end,
                     uint32_t* fired) {
  uint32_t count = 0;
  for (uint32_t i = begin; i < end; ++i) {
    float v = n.v[i];
    float u = n.u[i];
    if (kDetect && v >= kSpikePeak) {
      fired[count++] = i;
      v = n.c[i];
      u += n.d[i];
    }
    if (kIntegrate) {
      const float current = I[i];
      v += 0.5f * ((0.04f * v + 5.0f) * v + 140.0f - u + current);
      v += 0.5f * ((0.04f * v + 5.0f) * v + 140.0f - u + current);
      u += n.a[i] * (n.b[i] * v - u);
    }
    n.v[i] = v;
    n.u[i] = u;
  }
  return count;
}

const IzhikevichKernels kIzhikevichScalar{
    {exact_scalar<true, true>, exact_scalar<true, false>, exact_scalar<false, true>},
    {fast_scalar<true, true>, fast_scalar<true, false>, fast_scalar<false, true>},
};

}  // namespace

const IzhikevichKernels& izhikevich_kernels(SimdLevel level) {
  switch (level) {
#if defined(POLYCHRON_X86_64)
    case SimdLevel::Avx512: return kIzhikevichAvx512;
    case SimdLevel::Avx2: return kIzhikevichAvx2;
#endif
#if defined(POLYCHRON_AARCH64)
    case SimdLevel::Neon: return kIzhikevichNeon;
#endif
    default: break;
  }
  return kIzhikevichScalar;
}

}  // namespace polychron
