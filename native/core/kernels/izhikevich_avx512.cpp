// AVX-512F twins of the Izhikevich kernels (compiled with -mavx512f, called only on CPUs
// that have it). Exact: 8 neurons per iteration in float64 lanes, the same operations in
// the same order as the scalar reference, with float32 rounding made explicit by a
// round trip through float32; bit-identical to the reference. Fast: 16 neurons per
// iteration in float32 lanes with fused multiply-add. Only the tail uses lane masks
// (masked loads and stores are much slower than plain ones on AMD's AVX-512). Fired
// indices are written one by one from the lane mask: spikes are sparse, and a compress
// store to memory is microcoded (slow) on some AVX-512 CPUs, AMD's among them.
//
// No standard library header here, for the reason given in kernels/izhikevich_avx2.cpp.
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

// float64 -> float32 -> float64: the rounding that assigning to a float32 performs.
inline __m512d round_to_float(__m512d x) { return _mm512_cvtps_pd(_mm512_cvtpd_ps(x)); }

struct ExactConstants {
  __m512d peak = _mm512_set1_pd(kSpikePeak);
  __m512d k004 = _mm512_set1_pd(0.04);
  __m512d k5 = _mm512_set1_pd(5.0);
  __m512d k140 = _mm512_set1_pd(140.0);
  __m512d khalf = _mm512_set1_pd(0.5);
};

// Eight neurons from i; `valid` masks the lanes past the end (all set but in the tail).
template <bool kTail, bool kDetect, bool kIntegrate>
inline uint32_t exact_block(const ExactNeurons& n, const float* I, uint32_t i, __mmask8 valid,
                            const ExactConstants& k, uint32_t* fired) {
  const auto load_f32 = [&](const float* p) {
    return kTail ? _mm512_castps512_ps256(_mm512_maskz_loadu_ps(valid, p)) : _mm256_loadu_ps(p);
  };
  const auto load_f64 = [&](const double* p) {
    return kTail ? _mm512_maskz_loadu_pd(valid, p) : _mm512_loadu_pd(p);
  };
  const auto store_f32 = [&](float* p, __m256 x) {
    if (kTail) {
      _mm512_mask_storeu_ps(p, valid, _mm512_castps256_ps512(x));
    } else {
      _mm256_storeu_ps(p, x);
    }
  };
  __m512d vd = _mm512_cvtps_pd(load_f32(n.v + i));
  __m512d ud = _mm512_cvtps_pd(load_f32(n.u + i));
  uint32_t count = 0;
  if (kDetect) {
    const __mmask8 fires = _mm512_mask_cmp_pd_mask(valid, vd, k.peak, _CMP_GE_OQ);
    if (fires != 0) {
      count = append_fired(fires, i, fired);
      vd = _mm512_mask_mov_pd(vd, fires, round_to_float(load_f64(n.c + i)));
      ud = _mm512_mask_mov_pd(ud, fires, round_to_float(_mm512_add_pd(ud, load_f64(n.d + i))));
    }
  }
  if (kIntegrate) {
    const __m512d current = _mm512_cvtps_pd(load_f32(I + i));
    for (int half = 0; half < 2; ++half) {
      __m512d rhs = _mm512_add_pd(_mm512_mul_pd(k.k004, vd), k.k5);
      rhs = _mm512_add_pd(_mm512_mul_pd(rhs, vd), k.k140);
      rhs = _mm512_add_pd(_mm512_sub_pd(rhs, ud), current);
      vd = round_to_float(_mm512_add_pd(vd, _mm512_mul_pd(k.khalf, rhs)));
    }
    const __m512d drive = _mm512_sub_pd(_mm512_mul_pd(load_f64(n.b + i), vd), ud);
    ud = _mm512_add_pd(ud, _mm512_mul_pd(load_f64(n.a + i), drive));
  }
  store_f32(n.v + i, _mm512_cvtpd_ps(vd));
  store_f32(n.u + i, _mm512_cvtpd_ps(ud));
  return count;
}

template <bool kDetect, bool kIntegrate>
uint32_t exact_avx512(const ExactNeurons& n, const float* I, uint32_t begin, uint32_t end,
                      uint32_t* fired) {
  const ExactConstants k;
  uint32_t count = 0;
  uint32_t i = begin;
  for (; end - i >= 8; i += 8) {
    count += exact_block<false, kDetect, kIntegrate>(n, I, i, 0xFF, k, fired + count);
  }
  if (i < end) {
    const __mmask8 valid = static_cast<__mmask8>((1u << (end - i)) - 1u);
    count += exact_block<true, kDetect, kIntegrate>(n, I, i, valid, k, fired + count);
  }
  return count;
}

struct FastConstants {
  __m512 peak = _mm512_set1_ps(kSpikePeak);
  __m512 k004 = _mm512_set1_ps(0.04f);
  __m512 k5 = _mm512_set1_ps(5.0f);
  __m512 k140 = _mm512_set1_ps(140.0f);
  __m512 khalf = _mm512_set1_ps(0.5f);
};

// Sixteen neurons from i, as exact_block.
template <bool kTail, bool kDetect, bool kIntegrate>
inline uint32_t fast_block(const FastNeurons& n, const float* I, uint32_t i, __mmask16 valid,
                           const FastConstants& k, uint32_t* fired) {
  const auto load = [&](const float* p) {
    return kTail ? _mm512_maskz_loadu_ps(valid, p) : _mm512_loadu_ps(p);
  };
  const auto store = [&](float* p, __m512 x) {
    if (kTail) {
      _mm512_mask_storeu_ps(p, valid, x);
    } else {
      _mm512_storeu_ps(p, x);
    }
  };
  __m512 v = load(n.v + i);
  __m512 u = load(n.u + i);
  uint32_t count = 0;
  if (kDetect) {
    const __mmask16 fires = _mm512_mask_cmp_ps_mask(valid, v, k.peak, _CMP_GE_OQ);
    if (fires != 0) {
      count = append_fired(fires, i, fired);
      v = _mm512_mask_mov_ps(v, fires, load(n.c + i));
      u = _mm512_mask_add_ps(u, fires, u, load(n.d + i));
    }
  }
  if (kIntegrate) {
    const __m512 current = load(I + i);
    for (int half = 0; half < 2; ++half) {
      __m512 rhs = _mm512_fmadd_ps(k.k004, v, k.k5);
      rhs = _mm512_fmadd_ps(rhs, v, k.k140);
      rhs = _mm512_add_ps(_mm512_sub_ps(rhs, u), current);
      v = _mm512_fmadd_ps(k.khalf, rhs, v);
    }
    const __m512 drive = _mm512_fmsub_ps(load(n.b + i), v, u);
    u = _mm512_fmadd_ps(load(n.a + i), drive, u);
  }
  store(n.v + i, v);
  store(n.u + i, u);
  return count;
}

template <bool kDetect, bool kIntegrate>
uint32_t fast_avx512(const FastNeurons& n, const float* I, uint32_t begin, uint32_t end,
                     uint32_t* fired) {
  const FastConstants k;
  uint32_t count = 0;
  uint32_t i = begin;
  for (; end - i >= 16; i += 16) {
    count += fast_block<false, kDetect, kIntegrate>(n, I, i, 0xFFFF, k, fired + count);
  }
  if (i < end) {
    const __mmask16 valid = static_cast<__mmask16>((1u << (end - i)) - 1u);
    count += fast_block<true, kDetect, kIntegrate>(n, I, i, valid, k, fired + count);
  }
  return count;
}

}  // namespace

const IzhikevichKernels kIzhikevichAvx512{
    {exact_avx512<true, true>, exact_avx512<true, false>, exact_avx512<false, true>},
    {fast_avx512<true, true>, fast_avx512<true, false>, fast_avx512<false, true>},
};

}  // namespace polychron
