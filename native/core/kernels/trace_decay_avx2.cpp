// AVX2 twin of trace_decay_scalar (see kernels/trace_decay.h): 4 float64 lanes per step, the tail
// one element at a time with the same arithmetic. No standard library header here, for
// the reason given in kernels/izhikevich_avx2.cpp.
#include <immintrin.h>

#include "core/kernels/trace_decay.h"

namespace polychron {

void trace_decay_avx2(const float* in, float* out, double factor, uint32_t n) {
  const __m256d f = _mm256_set1_pd(factor);
  uint32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    _mm_storeu_ps(out + i, _mm256_cvtpd_ps(_mm256_mul_pd(f, _mm256_cvtps_pd(_mm_loadu_ps(in + i)))));
  }
  for (; i < n; ++i) out[i] = static_cast<float>(factor * in[i]);
}

}  // namespace polychron
