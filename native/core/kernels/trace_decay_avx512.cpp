// AVX-512 twin of trace_decay_scalar (see kernels/trace_decay.h): 8 float64 lanes per step, the
// tail masked. No standard library header here, for the reason given in kernels/izhikevich_avx2.cpp.
#include <immintrin.h>

#include "core/kernels/trace_decay.h"

namespace polychron {

void trace_decay_avx512(const float* in, float* out, double factor, uint32_t n) {
  const __m512d f = _mm512_set1_pd(factor);
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm512_cvtpd_ps(_mm512_mul_pd(f, _mm512_cvtps_pd(_mm256_loadu_ps(in + i)))));
  }
  if (i < n) {
    const __mmask8 valid = static_cast<__mmask8>((1u << (n - i)) - 1u);
    const __m256 x = _mm512_castps512_ps256(_mm512_maskz_loadu_ps(valid, in + i));
    _mm512_mask_storeu_ps(out + i, valid, _mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_mul_pd(f, _mm512_cvtps_pd(x)))));
  }
}

}  // namespace polychron
