// AVX2 twins of the Izhikevich kernels (compiled with -mavx2 -mfma, called only on CPUs
// that have both). Exact: 4 neurons per iteration in float64 lanes, the same operations
// in the same order as the scalar reference, so the results are bit-identical. Fast: 8
// neurons per iteration in float32 lanes with fused multiply-add. Full blocks use plain
// loads and stores; only the tail is masked (vmaskmov stores are slow on AMD CPUs).
//
// This file includes no standard library header: an inline function instantiated here
// would be compiled with AVX2 and could be picked by the linker for baseline code.
#include <immintrin.h>

#include "core/kernels/izhikevich_simd.h"

namespace polychron {

namespace {

inline uint32_t append_fired(unsigned mask, uint32_t first_index, uint32_t* fired) {
  uint32_t count = 0;
  while (mask != 0) {
    fired[count++] = first_index + static_cast<uint32_t>(__builtin_ctz(mask));
    mask &= mask - 1;
  }
  return count;
}

template <bool kDetect, bool kIntegrate>
uint32_t exact_avx2(const ExactNeurons& n, const float* I, uint32_t begin, uint32_t end,
                    uint32_t* fired) {
  constexpr int kPhase = kDetect && kIntegrate ? 0 : kDetect ? 1 : 2;
  const __m128 peak = _mm_set1_ps(kSpikePeak);
  const __m256d k004 = _mm256_set1_pd(0.04);
  const __m256d k5 = _mm256_set1_pd(5.0);
  const __m256d k140 = _mm256_set1_pd(140.0);
  const __m256d khalf = _mm256_set1_pd(0.5);
  uint32_t count = 0;
  uint32_t i = begin;
  for (; end - i >= 4; i += 4) {
    __m128 v = _mm_loadu_ps(n.v + i);
    __m128 u = _mm_loadu_ps(n.u + i);
    if (kDetect) {
      const __m128 fires = _mm_cmp_ps(v, peak, _CMP_GE_OQ);
      const unsigned mask = static_cast<unsigned>(_mm_movemask_ps(fires));
      if (mask != 0) {
        count += append_fired(mask, i, fired + count);
        const __m128 v_reset = _mm256_cvtpd_ps(_mm256_loadu_pd(n.c + i));
        const __m128 u_reset =
            _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(u), _mm256_loadu_pd(n.d + i)));
        v = _mm_blendv_ps(v, v_reset, fires);
        u = _mm_blendv_ps(u, u_reset, fires);
      }
    }
    if (kIntegrate) {
      const __m256d current = _mm256_cvtps_pd(_mm_loadu_ps(I + i));
      const __m256d ud = _mm256_cvtps_pd(u);
      for (int half = 0; half < 2; ++half) {
        const __m256d vd = _mm256_cvtps_pd(v);
        __m256d rhs = _mm256_add_pd(_mm256_mul_pd(k004, vd), k5);
        rhs = _mm256_add_pd(_mm256_mul_pd(rhs, vd), k140);
        rhs = _mm256_add_pd(_mm256_sub_pd(rhs, ud), current);
        v = _mm256_cvtpd_ps(_mm256_add_pd(vd, _mm256_mul_pd(khalf, rhs)));
      }
      const __m256d vd = _mm256_cvtps_pd(v);
      const __m256d drive = _mm256_sub_pd(_mm256_mul_pd(_mm256_loadu_pd(n.b + i), vd), ud);
      u = _mm256_cvtpd_ps(_mm256_add_pd(ud, _mm256_mul_pd(_mm256_loadu_pd(n.a + i), drive)));
    }
    _mm_storeu_ps(n.v + i, v);
    _mm_storeu_ps(n.u + i, u);
  }
  // Exact numerics do not depend on the lane, so the reference finishes the tail.
  return count + izhikevich_kernels(SimdLevel::Scalar).exact[kPhase](n, I, i, end, fired + count);
}

struct FastConstants {
  __m256 peak = _mm256_set1_ps(kSpikePeak);
  __m256 k004 = _mm256_set1_ps(0.04f);
  __m256 k5 = _mm256_set1_ps(5.0f);
  __m256 k140 = _mm256_set1_ps(140.0f);
  __m256 khalf = _mm256_set1_ps(0.5f);
};

// Eight neurons from i. The tail (kTail) uses masked loads and stores so that every
// neuron gets the same fused arithmetic whatever its position.
template <bool kTail, bool kDetect, bool kIntegrate>
inline uint32_t fast_block(const FastNeurons& n, const float* I, uint32_t i, __m256i valid,
                           const FastConstants& k, uint32_t* fired) {
  const auto load = [&](const float* p) { return kTail ? _mm256_maskload_ps(p, valid) : _mm256_loadu_ps(p); };
  const auto store = [&](float* p, __m256 x) {
    if (kTail) {
      _mm256_maskstore_ps(p, valid, x);
    } else {
      _mm256_storeu_ps(p, x);
    }
  };
  __m256 v = load(n.v + i);
  __m256 u = load(n.u + i);
  uint32_t count = 0;
  if (kDetect) {
    const __m256 fires = _mm256_and_ps(_mm256_cmp_ps(v, k.peak, _CMP_GE_OQ), _mm256_castsi256_ps(valid));
    const unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(fires));
    if (mask != 0) {
      count = append_fired(mask, i, fired);
      v = _mm256_blendv_ps(v, load(n.c + i), fires);
      u = _mm256_blendv_ps(u, _mm256_add_ps(u, load(n.d + i)), fires);
    }
  }
  if (kIntegrate) {
    const __m256 current = load(I + i);
    for (int half = 0; half < 2; ++half) {
      __m256 rhs = _mm256_fmadd_ps(k.k004, v, k.k5);
      rhs = _mm256_fmadd_ps(rhs, v, k.k140);
      rhs = _mm256_add_ps(_mm256_sub_ps(rhs, u), current);
      v = _mm256_fmadd_ps(k.khalf, rhs, v);
    }
    const __m256 drive = _mm256_fmsub_ps(load(n.b + i), v, u);
    u = _mm256_fmadd_ps(load(n.a + i), drive, u);
  }
  store(n.v + i, v);
  store(n.u + i, u);
  return count;
}

template <bool kDetect, bool kIntegrate>
uint32_t fast_avx2(const FastNeurons& n, const float* I, uint32_t begin, uint32_t end,
                   uint32_t* fired) {
  const FastConstants k;
  const __m256i all = _mm256_set1_epi32(-1);
  uint32_t count = 0;
  uint32_t i = begin;
  for (; end - i >= 8; i += 8) {
    count += fast_block<false, kDetect, kIntegrate>(n, I, i, all, k, fired + count);
  }
  if (i < end) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(end - i)), lane);
    count += fast_block<true, kDetect, kIntegrate>(n, I, i, valid, k, fired + count);
  }
  return count;
}

}  // namespace

const IzhikevichKernels kIzhikevichAvx2{
    {exact_avx2<true, true>, exact_avx2<true, false>, exact_avx2<false, true>},
    {fast_avx2<true, true>, fast_avx2<true, false>, fast_avx2<false, true>},
};

}  // namespace polychron
