// AVX2 twins of the LUT kernels (see kernels/lut.h for the numerics they share with the
// scalar code). The 16 dot-product partials live in two registers: lanes 0–7 and 8–15.
// Tails are masked with blends, so lanes past the end keep their values as in the scalar code.
#include <immintrin.h>

#include "core/kernels/lut_simd.h"

namespace polychron {

namespace {

// Lanes [0, n) of a vector of 8 set, for n in [0, 8].
inline __m256i lane_mask(uint32_t n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), lanes);
}

void sum_rows_avx2(float* out, uint64_t stride, const float* const* rows, const uint32_t* counts, uint32_t segments,
                   uint32_t m) {
  uint64_t left = lut_prefetch_first_rows(rows, counts, segments, m);
  for (uint32_t s = 0; s < segments; ++s) {
    float* acc = out + s * stride;
    const uint32_t count = counts[s];
    uint32_t k0 = 0;
    for (; k0 + 8 <= m; k0 += 8) {
      __m256 sum = _mm256_loadu_ps(acc + k0);
      for (uint32_t r = 0; r < count; ++r) {
        if (k0 == 0 && left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], m);
        sum = _mm256_add_ps(sum, _mm256_loadu_ps(rows[r] + k0));
      }
      _mm256_storeu_ps(acc + k0, sum);
    }
    if (k0 < m) {
      const __m256i mask = lane_mask(m - k0);
      __m256 sum = _mm256_maskload_ps(acc + k0, mask);
      for (uint32_t r = 0; r < count; ++r) {
        if (k0 == 0 && left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], m);
        sum = _mm256_add_ps(sum, _mm256_maskload_ps(rows[r] + k0, mask));
      }
      _mm256_maskstore_ps(acc + k0, mask, sum);
    }
    rows += count;
    left -= count;
  }
}

// Adds g·(flip − cur) over 8 elements at `k` into `p`, only in lanes [0, n).
inline __m256 partial_step(__m256 p, const float* g, const float* flip, const float* cur, uint32_t k, uint32_t n) {
  if (n >= 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(flip + k), _mm256_loadu_ps(cur + k));
    return _mm256_add_ps(p, _mm256_mul_ps(_mm256_loadu_ps(g + k), d));
  }
  if (n == 0) return p;
  const __m256i mask = lane_mask(n);
  const __m256 d = _mm256_sub_ps(_mm256_maskload_ps(flip + k, mask), _mm256_maskload_ps(cur + k, mask));
  const __m256 sum = _mm256_add_ps(p, _mm256_mul_ps(_mm256_maskload_ps(g + k, mask), d));
  return _mm256_blendv_ps(p, sum, _mm256_castsi256_ps(mask));
}

float delta_dot_avx2(const float* g, const float* flip, const float* cur, uint32_t m) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  uint32_t k = 0;
  for (; k + 16 <= m; k += 16) {
    lo = partial_step(lo, g, flip, cur, k, 8);
    hi = partial_step(hi, g, flip, cur, k + 8, 8);
  }
  if (k < m) {
    const uint32_t left = m - k;
    lo = partial_step(lo, g, flip, cur, k, left < 8 ? left : 8);
    hi = partial_step(hi, g, flip, cur, k + 8, left > 8 ? left - 8 : 0);
  }
  const __m256 q = _mm256_add_ps(lo, hi);
  const __m128 r = _mm_add_ps(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1));
  const __m128 s = _mm_add_ps(r, _mm_movehl_ps(r, r));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

void sgd_row(float* row, const float* g, __m256 lr, uint32_t m) {
  uint32_t k = 0;
  for (; k + 8 <= m; k += 8) {
    _mm256_storeu_ps(row + k, _mm256_sub_ps(_mm256_loadu_ps(row + k), _mm256_mul_ps(lr, _mm256_loadu_ps(g + k))));
  }
  if (k < m) {
    const __m256i mask = lane_mask(m - k);
    const __m256 updated = _mm256_sub_ps(_mm256_maskload_ps(row + k, mask),
                                         _mm256_mul_ps(lr, _mm256_maskload_ps(g + k, mask)));
    _mm256_maskstore_ps(row + k, mask, updated);
  }
}

void backward_avx2(uint32_t m, float lr, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe) {
  const __m256 rate = _mm256_set1_ps(lr);
  lut_backward_loop(
      m, ops, count, gi, gi_pe, delta_dot_avx2,
      [rate](float* row, const float* g, uint32_t n) { sgd_row(row, g, rate, n); });
}

void indices_avx2(const float* x, uint32_t, const uint32_t* a, const uint32_t* b, uint32_t tables,
                  uint32_t comparisons, uint32_t* j) {
  const __m256 zero = _mm256_setzero_ps();
  for (uint32_t i0 = 0; i0 < tables; i0 += 8) {
    const uint32_t lanes = tables - i0 < 8 ? tables - i0 : 8;
    const __m256i mask = lane_mask(lanes);
    __m256i index = _mm256_setzero_si256();
    for (uint32_t r = 0; r < comparisons; ++r) {
      const int* ar = reinterpret_cast<const int*>(a + r * tables + i0);
      const int* br = reinterpret_cast<const int*>(b + r * tables + i0);
      const __m256i ia = lanes == 8 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ar)) : _mm256_maskload_epi32(ar, mask);
      const __m256i ib = lanes == 8 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(br)) : _mm256_maskload_epi32(br, mask);
      const __m256 u = _mm256_sub_ps(_mm256_i32gather_ps(x, ia, 4), _mm256_i32gather_ps(x, ib, 4));
      const __m256i positive = _mm256_castps_si256(_mm256_cmp_ps(u, zero, _CMP_GT_OQ));
      index = _mm256_or_si256(index, _mm256_and_si256(positive, _mm256_set1_epi32(int(1u << r))));
    }
    if (lanes == 8) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(j + i0), index);
    } else {
      _mm256_maskstore_epi32(reinterpret_cast<int*>(j + i0), mask, index);
    }
  }
}

void indices_lanes_avx2(const float* xt, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                        uint32_t* j) {
  const __m256 zero = _mm256_setzero_ps();
  for (uint32_t i = 0; i < tables; ++i) {
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    for (uint32_t r = 0; r < comparisons; ++r) {
      const float* xa = xt + size_t(a[r * tables + i]) * kLutLanes;
      const float* xb = xt + size_t(b[r * tables + i]) * kLutLanes;
      const __m256i bit = _mm256_set1_epi32(int(1u << r));
      const __m256 ulo = _mm256_sub_ps(_mm256_loadu_ps(xa), _mm256_loadu_ps(xb));
      const __m256 uhi = _mm256_sub_ps(_mm256_loadu_ps(xa + 8), _mm256_loadu_ps(xb + 8));
      lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(ulo, zero, _CMP_GT_OQ)), bit));
      hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(uhi, zero, _CMP_GT_OQ)), bit));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(j + i * kLutLanes), lo);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(j + i * kLutLanes + 8), hi);
  }
}


void to_lanes_avx2(const float* xs, uint32_t d, float* xt) { lut_to_lanes_plain(xs, d, xt, 0); }

void sum_lanes_avx2(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables) {
  lut_sum_lanes_plain(kLutKernelsAvx2, out, table, width, m, j, tables, 0);
}

// An unwritten row adds a register of zeros and is not loaded (the written mark decides a
// branch, as in the AVX-512 twin).
void sum_selected_avx2(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables,
                       const uint64_t* written) {
  const __m256 zero = _mm256_setzero_ps();
  for (uint32_t k0 = 0; k0 < m; k0 += 8) {
    const bool full = m - k0 >= 8;
    const __m256i block = lane_mask(full ? 8 : m - k0);
    __m256 s = _mm256_maskload_ps(out + k0, block);
    for (uint32_t i = 0; i < tables; ++i) {
      const uint64_t row = (uint64_t(i) << width) + j[i];
      if (!lut_row_marked(written, row)) {
        s = _mm256_add_ps(s, zero);
      } else if (full) {
        s = _mm256_add_ps(s, _mm256_loadu_ps(table + row * m + k0));
      } else {
        s = _mm256_add_ps(s, _mm256_maskload_ps(table + row * m + k0, block));
      }
    }
    _mm256_maskstore_ps(out + k0, block, s);
  }
}

}  // namespace

const LutKernels kLutKernelsAvx2 = {sum_rows_avx2, backward_avx2,  indices_avx2,     indices_lanes_avx2,
                                    to_lanes_avx2, sum_lanes_avx2, sum_selected_avx2};

}  // namespace polychron
