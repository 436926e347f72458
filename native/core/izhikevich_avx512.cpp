// AVX-512F twins of the Izhikevich kernels (compiled with -mavx512f, called only on CPUs
// that have it). Exact: 8 neurons per iteration in float64 lanes, the same operations in
// the same order as the scalar reference, with float32 rounding made explicit by a
// round trip through float32; bit-identical to the reference. Fast: 16 neurons per
// iteration in float32 lanes with fused multiply-add. Tails use lane masks, and fired
// indices are written with a compress store.
//
// No standard library header here, for the reason given in izhikevich_avx2.cpp.
#include <immintrin.h>

#include "core/izhikevich_simd.h"

namespace polychron {

namespace {

// float64 -> float32 -> float64: the rounding that assigning to a float32 performs.
inline __m512d round_to_float(__m512d x) { return _mm512_cvtps_pd(_mm512_cvtpd_ps(x)); }

}  // namespace

uint32_t izhikevich_step_exact_avx512(const ExactNeurons& n, const float* I, uint32_t begin,
                                      uint32_t end, uint32_t* fired) {
  const __m512d peak = _mm512_set1_pd(kSpikePeak);
  const __m512d k004 = _mm512_set1_pd(0.04);
  const __m512d k5 = _mm512_set1_pd(5.0);
  const __m512d k140 = _mm512_set1_pd(140.0);
  const __m512d khalf = _mm512_set1_pd(0.5);
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0);
  uint32_t count = 0;
  for (uint32_t i = begin; i < end; i += 8) {
    const uint32_t remaining = end - i < 8 ? end - i : 8;
    const __mmask8 valid = static_cast<__mmask8>((1u << remaining) - 1u);
    const __m256 v_in = _mm512_castps512_ps256(_mm512_maskz_loadu_ps(valid, n.v + i));
    const __m256 u_in = _mm512_castps512_ps256(_mm512_maskz_loadu_ps(valid, n.u + i));
    __m512d vd = _mm512_cvtps_pd(v_in);
    __m512d ud = _mm512_cvtps_pd(u_in);
    const __mmask8 fires = _mm512_mask_cmp_pd_mask(valid, vd, peak, _CMP_GE_OQ);
    if (fires != 0) {
      const __m512i index = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(i)));
      _mm512_mask_compressstoreu_epi32(fired + count, fires, index);
      count += static_cast<uint32_t>(__builtin_popcount(fires));
      vd = _mm512_mask_mov_pd(vd, fires, round_to_float(_mm512_maskz_loadu_pd(valid, n.c + i)));
      ud = _mm512_mask_mov_pd(
          ud, fires, round_to_float(_mm512_add_pd(ud, _mm512_maskz_loadu_pd(valid, n.d + i))));
    }
    const __m512d current =
        _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_maskz_loadu_ps(valid, I + i)));
    for (int half = 0; half < 2; ++half) {
      __m512d rhs = _mm512_add_pd(_mm512_mul_pd(k004, vd), k5);
      rhs = _mm512_add_pd(_mm512_mul_pd(rhs, vd), k140);
      rhs = _mm512_add_pd(_mm512_sub_pd(rhs, ud), current);
      vd = round_to_float(_mm512_add_pd(vd, _mm512_mul_pd(khalf, rhs)));
    }
    const __m512d drive =
        _mm512_sub_pd(_mm512_mul_pd(_mm512_maskz_loadu_pd(valid, n.b + i), vd), ud);
    const __m512d u_next =
        _mm512_add_pd(ud, _mm512_mul_pd(_mm512_maskz_loadu_pd(valid, n.a + i), drive));
    _mm512_mask_storeu_ps(n.v + i, valid, _mm512_castps256_ps512(_mm512_cvtpd_ps(vd)));
    _mm512_mask_storeu_ps(n.u + i, valid, _mm512_castps256_ps512(_mm512_cvtpd_ps(u_next)));
  }
  return count;
}

uint32_t izhikevich_step_fast_avx512(const FastNeurons& n, const float* I, uint32_t begin,
                                     uint32_t end, uint32_t* fired) {
  const __m512 peak = _mm512_set1_ps(kSpikePeak);
  const __m512 k004 = _mm512_set1_ps(0.04f);
  const __m512 k5 = _mm512_set1_ps(5.0f);
  const __m512 k140 = _mm512_set1_ps(140.0f);
  const __m512 khalf = _mm512_set1_ps(0.5f);
  const __m512i lane =
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  uint32_t count = 0;
  for (uint32_t i = begin; i < end; i += 16) {
    const uint32_t remaining = end - i < 16 ? end - i : 16;
    const __mmask16 valid = static_cast<__mmask16>((1u << remaining) - 1u);
    __m512 v = _mm512_maskz_loadu_ps(valid, n.v + i);
    __m512 u = _mm512_maskz_loadu_ps(valid, n.u + i);
    const __mmask16 fires = _mm512_mask_cmp_ps_mask(valid, v, peak, _CMP_GE_OQ);
    if (fires != 0) {
      const __m512i index = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(i)));
      _mm512_mask_compressstoreu_epi32(fired + count, fires, index);
      count += static_cast<uint32_t>(__builtin_popcount(fires));
      v = _mm512_mask_loadu_ps(v, fires, n.c + i);
      u = _mm512_mask_add_ps(u, fires, u, _mm512_maskz_loadu_ps(fires, n.d + i));
    }
    const __m512 current = _mm512_maskz_loadu_ps(valid, I + i);
    for (int half = 0; half < 2; ++half) {
      __m512 rhs = _mm512_fmadd_ps(k004, v, k5);
      rhs = _mm512_fmadd_ps(rhs, v, k140);
      rhs = _mm512_add_ps(_mm512_sub_ps(rhs, u), current);
      v = _mm512_fmadd_ps(khalf, rhs, v);
    }
    const __m512 drive = _mm512_fmsub_ps(_mm512_maskz_loadu_ps(valid, n.b + i), v, u);
    u = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(valid, n.a + i), drive, u);
    _mm512_mask_storeu_ps(n.v + i, valid, v);
    _mm512_mask_storeu_ps(n.u + i, valid, u);
  }
  return count;
}

}  // namespace polychron
