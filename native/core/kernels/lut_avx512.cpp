// AVX-512 twins of the LUT kernels (see kernels/lut.h for the numerics they share with
// the scalar code). Rows of up to 64 floats are summed in registers; wider rows block by
// block. Masks are used only for tails, since masked memory operations are slow on some CPUs.
#include <immintrin.h>

#include "core/kernels/lut_simd.h"

namespace polychron {

namespace {

inline __mmask16 tail_mask(uint32_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// One 16-wide block of one segment: acc[k0..k0+16) += rows[0..count)[k0..], prefetching
// rows[r + ahead] while r + ahead < left (rows left in the whole call).
template <bool kTail>
inline void sum_block(float* acc, const float* const* rows, uint32_t count, uint32_t k0, __mmask16 mask,
                      uint64_t left, uint32_t m) {
  __m512 s = kTail ? _mm512_maskz_loadu_ps(mask, acc + k0) : _mm512_loadu_ps(acc + k0);
  for (uint32_t r = 0; r < count; ++r) {
    if (left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], m);
    s = _mm512_add_ps(s, kTail ? _mm512_maskz_loadu_ps(mask, rows[r] + k0) : _mm512_loadu_ps(rows[r] + k0));
  }
  if (kTail) {
    _mm512_mask_storeu_ps(acc + k0, mask, s);
  } else {
    _mm512_storeu_ps(acc + k0, s);
  }
}

void sum_rows_avx512(float* out, uint64_t stride, const float* const* rows, const uint32_t* counts, uint32_t segments,
                     uint32_t m) {
  uint64_t left = lut_prefetch_first_rows(rows, counts, segments, m);
  for (uint32_t s = 0; s < segments; ++s) {
    float* acc = out + s * stride;
    const uint32_t count = counts[s];
    if (m == 32) {
      // The transformer's width: both halves stay in registers for the whole segment.
      __m512 lo = _mm512_loadu_ps(acc), hi = _mm512_loadu_ps(acc + 16);
      for (uint32_t r = 0; r < count; ++r) {
        if (left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], 32);
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(rows[r]));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(rows[r] + 16));
      }
      _mm512_storeu_ps(acc, lo);
      _mm512_storeu_ps(acc + 16, hi);
    } else {
      uint32_t k0 = 0;
      for (; k0 + 16 <= m; k0 += 16) sum_block<false>(acc, rows, count, k0, 0, k0 == 0 ? left : 0, m);
      if (k0 < m) sum_block<true>(acc, rows, count, k0, tail_mask(m - k0), k0 == 0 ? left : 0, m);
    }
    rows += count;
    left -= count;
  }
}

inline float reduce16(__m512 p) {
  __m256 q = _mm256_add_ps(_mm512_castps512_ps256(p), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(p), 1)));
  __m128 r = _mm_add_ps(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1));
  __m128 s = _mm_add_ps(r, _mm_movehl_ps(r, r));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

float delta_dot_avx512(const float* g, const float* flip, const float* cur, uint32_t m) {
  __m512 p = _mm512_setzero_ps();
  uint32_t k = 0;
  for (; k + 16 <= m; k += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(flip + k), _mm512_loadu_ps(cur + k));
    p = _mm512_add_ps(p, _mm512_mul_ps(_mm512_loadu_ps(g + k), d));
  }
  if (k < m) {
    const __mmask16 mask = tail_mask(m - k);
    const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, flip + k), _mm512_maskz_loadu_ps(mask, cur + k));
    p = _mm512_mask_add_ps(p, mask, p, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, g + k), d));
  }
  return reduce16(p);
}

void sgd_row(float* row, const float* g, __m512 lr, uint32_t m) {
  uint32_t k = 0;
  for (; k + 16 <= m; k += 16) {
    _mm512_storeu_ps(row + k, _mm512_sub_ps(_mm512_loadu_ps(row + k), _mm512_mul_ps(lr, _mm512_loadu_ps(g + k))));
  }
  if (k < m) {
    const __mmask16 mask = tail_mask(m - k);
    const __m512 updated = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, row + k),
                                         _mm512_mul_ps(lr, _mm512_maskz_loadu_ps(mask, g + k)));
    _mm512_mask_storeu_ps(row + k, mask, updated);
  }
}

void backward_avx512(uint32_t m, float lr, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe) {
  const __m512 rate = _mm512_set1_ps(lr);
  lut_backward_loop(
      m, ops, count, gi, gi_pe, delta_dot_avx512,
      [rate](float* row, const float* g, uint32_t n) { sgd_row(row, g, rate, n); });
}

// x[index] for 16 lanes: a register permute when x fits in one or two registers.
inline __m512 pick(const float* x, uint32_t d, __m512 x0, __m512 x1, __m512i index) {
  if (d <= 16) return _mm512_permutexvar_ps(index, x0);
  if (d <= 32) return _mm512_permutex2var_ps(x0, index, x1);
  return _mm512_i32gather_ps(index, x, 4);
}

void indices_avx512(const float* x, uint32_t d, const uint32_t* a, const uint32_t* b, uint32_t tables,
                    uint32_t comparisons, uint32_t* j) {
  __m512 x0 = _mm512_setzero_ps(), x1 = _mm512_setzero_ps();
  if (d <= 32) {
    x0 = _mm512_maskz_loadu_ps(tail_mask(d < 16 ? d : 16), x);
    if (d > 16) x1 = _mm512_maskz_loadu_ps(tail_mask(d - 16), x + 16);
  }
  const __m512 zero = _mm512_setzero_ps();
  for (uint32_t i0 = 0; i0 < tables; i0 += 16) {
    const bool tail = i0 + 16 > tables;
    const __mmask16 mask = tail ? tail_mask(tables - i0) : __mmask16(0xFFFF);
    __m512i index = _mm512_setzero_si512();
    for (uint32_t r = 0; r < comparisons; ++r) {
      const uint32_t* ar = a + r * tables + i0;
      const uint32_t* br = b + r * tables + i0;
      const __m512i ia = tail ? _mm512_maskz_loadu_epi32(mask, ar) : _mm512_loadu_si512(ar);
      const __m512i ib = tail ? _mm512_maskz_loadu_epi32(mask, br) : _mm512_loadu_si512(br);
      const __m512 u = _mm512_sub_ps(pick(x, d, x0, x1, ia), pick(x, d, x0, x1, ib));
      const __mmask16 positive = _mm512_cmp_ps_mask(u, zero, _CMP_GT_OQ);
      index = _mm512_mask_or_epi32(index, positive, index, _mm512_set1_epi32(int(1u << r)));
    }
    if (tail) {
      _mm512_mask_storeu_epi32(j + i0, mask, index);
    } else {
      _mm512_storeu_si512(j + i0, index);
    }
  }
}

void indices_lanes_avx512(const float* xt, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                          uint32_t* j) {
  const __m512 zero = _mm512_setzero_ps();
  for (uint32_t i = 0; i < tables; ++i) {
    __m512i index = _mm512_setzero_si512();
    for (uint32_t r = 0; r < comparisons; ++r) {
      const __m512 u = _mm512_sub_ps(_mm512_loadu_ps(xt + size_t(a[r * tables + i]) * kLutLanes),
                                     _mm512_loadu_ps(xt + size_t(b[r * tables + i]) * kLutLanes));
      index = _mm512_mask_or_epi32(index, _mm512_cmp_ps_mask(u, zero, _CMP_GT_OQ), index, _mm512_set1_epi32(int(1u << r)));
    }
    _mm512_storeu_si512(j + i * kLutLanes, index);
  }
}

// sum_lanes S inputs at a time (m ≤ 16·B): S independent chains of additions, S·B
// accumulators in registers (at most 16), so that many row loads are in flight at once.
// Row offsets are computed 16 lanes at a time for a chunk of tables first, so that the
// inner loop is one scalar load and one vector add per row. (The loops over s and k are
// unrolled by pragma so that the accumulators stay in registers at -O2.)
template <int B, int S>
void sum_lanes_group(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables) {
  constexpr uint32_t kChunk = 64;
  const __mmask16 last = (m % 16) != 0 ? tail_mask(m % 16) : __mmask16(0xFFFF);
  const uint32_t table_floats = m << width;  // fits: the caller checked tables · table_floats < 2^32
  alignas(64) uint32_t offset[kChunk * kLutLanes];
  for (uint32_t i0 = 0; i0 < tables; i0 += kChunk) {
    const uint32_t count = tables - i0 < kChunk ? tables - i0 : kChunk;
    const __m512i rows = _mm512_set1_epi32(int(m));
    for (uint32_t c = 0; c < count; ++c) {
      const __m512i index = _mm512_loadu_si512(j + (i0 + c) * kLutLanes);
      const __m512i at = _mm512_add_epi32(_mm512_mullo_epi32(index, rows), _mm512_set1_epi32(int((i0 + c) * table_floats)));
      _mm512_store_si512(offset + c * kLutLanes, at);
    }
    for (uint32_t n0 = 0; n0 < kLutLanes; n0 += S) {
      __m512 acc[S][B];
#pragma GCC unroll 8
      for (int s = 0; s < S; ++s) {
#pragma GCC unroll 4
        for (int k = 0; k < B; ++k) acc[s][k] = _mm512_maskz_loadu_ps(k + 1 == B ? last : 0xFFFF, out + (n0 + s) * m + 16 * k);
      }
      for (uint32_t c = 0; c < count; ++c) {
        const uint32_t* at = offset + c * kLutLanes + n0;
#pragma GCC unroll 8
        for (int s = 0; s < S; ++s) {
          const float* r = table + at[s];
#pragma GCC unroll 4
          for (int k = 0; k < B; ++k) {
            const __m512 v = k + 1 == B ? _mm512_maskz_loadu_ps(last, r + 16 * k) : _mm512_loadu_ps(r + 16 * k);
            acc[s][k] = _mm512_add_ps(acc[s][k], v);
          }
        }
      }
#pragma GCC unroll 8
      for (int s = 0; s < S; ++s) {
#pragma GCC unroll 4
        for (int k = 0; k < B; ++k) _mm512_mask_storeu_ps(out + (n0 + s) * m + 16 * k, k + 1 == B ? last : 0xFFFF, acc[s][k]);
      }
    }
  }
}

void sum_lanes_avx512(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables) {
  const uint64_t floats = (uint64_t(tables) << width) * m;
  switch (floats < (uint64_t(1) << 31) ? (m + 15) / 16 : 0) {
    case 1: sum_lanes_group<1, 8>(out, table, width, m, j, tables); return;
    case 2: sum_lanes_group<2, 8>(out, table, width, m, j, tables); return;
    case 3: sum_lanes_group<3, 4>(out, table, width, m, j, tables); return;
    case 4: sum_lanes_group<4, 4>(out, table, width, m, j, tables); return;
    default: lut_sum_lanes_plain(kLutKernelsAvx512, out, table, width, m, j, tables, 0); return;
  }
}


// 16 × 16 blocks transposed in registers: 32-bit, then 64-bit interleaves within
// 128-bit lanes, then two rounds of 128-bit lane shuffles.
void to_lanes_avx512(const float* xs, uint32_t d, float* xt) {
  uint32_t k0 = 0;
  for (; k0 + 16 <= d; k0 += 16) {
    __m512 r[16], a[16], b[16];
    for (int n = 0; n < 16; ++n) r[n] = _mm512_loadu_ps(xs + size_t(n) * d + k0);
    for (int i = 0; i < 8; ++i) {
      a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int j = 0; j < 4; ++j) {
      const __m512d a0 = _mm512_castps_pd(a[4 * j]), a1 = _mm512_castps_pd(a[4 * j + 1]);
      const __m512d a2 = _mm512_castps_pd(a[4 * j + 2]), a3 = _mm512_castps_pd(a[4 * j + 3]);
      b[4 * j] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));      // column 4L + 0 of rows 4j..4j+3
      b[4 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));  // column 4L + 1
      b[4 * j + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));  // column 4L + 2
      b[4 * j + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));  // column 4L + 3
    }
    for (int q = 0; q < 4; ++q) {
      const __m512 c1 = _mm512_shuffle_f32x4(b[q], b[4 + q], 0x88), c2 = _mm512_shuffle_f32x4(b[q], b[4 + q], 0xDD);
      const __m512 c3 = _mm512_shuffle_f32x4(b[8 + q], b[12 + q], 0x88), c4 = _mm512_shuffle_f32x4(b[8 + q], b[12 + q], 0xDD);
      _mm512_storeu_ps(xt + size_t(k0 + q) * 16, _mm512_shuffle_f32x4(c1, c3, 0x88));
      _mm512_storeu_ps(xt + size_t(k0 + 4 + q) * 16, _mm512_shuffle_f32x4(c2, c4, 0x88));
      _mm512_storeu_ps(xt + size_t(k0 + 8 + q) * 16, _mm512_shuffle_f32x4(c1, c3, 0xDD));
      _mm512_storeu_ps(xt + size_t(k0 + 12 + q) * 16, _mm512_shuffle_f32x4(c2, c4, 0xDD));
    }
  }
  lut_to_lanes_plain(xs, d, xt, k0);
}

// An unwritten row adds a register of zeros and is not loaded. The written mark decides a
// branch, not a load mask: a predicted branch lets the row's load start before the mark is
// read (a mask would wait for it); a wrong guess touches the row only speculatively, which
// maps no page.
void sum_selected_avx512(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables,
                         const uint64_t* written) {
  const __m512 zero = _mm512_setzero_ps();
  if (m == 32) {  // the common width: the sum stays in two registers
    __m512 lo = _mm512_loadu_ps(out), hi = _mm512_loadu_ps(out + 16);
#pragma GCC unroll 4
    for (uint32_t i = 0; i < tables; ++i) {
      const uint64_t row = (uint64_t(i) << width) + j[i];
      const float* values = table + row * 32;
      if (lut_row_marked(written, row)) {
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(values));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(values + 16));
      } else {
        lo = _mm512_add_ps(lo, zero);
        hi = _mm512_add_ps(hi, zero);
      }
    }
    _mm512_storeu_ps(out, lo);
    _mm512_storeu_ps(out + 16, hi);
    return;
  }
  for (uint32_t k0 = 0; k0 < m; k0 += 16) {
    const __mmask16 block = m - k0 >= 16 ? __mmask16(0xFFFF) : tail_mask(m - k0);
    __m512 s = _mm512_maskz_loadu_ps(block, out + k0);
    for (uint32_t i = 0; i < tables; ++i) {
      const uint64_t row = (uint64_t(i) << width) + j[i];
      s = _mm512_add_ps(s, lut_row_marked(written, row) ? _mm512_maskz_loadu_ps(block, table + row * m + k0) : zero);
    }
    _mm512_mask_storeu_ps(out + k0, block, s);
  }
}

}  // namespace

const LutKernels kLutKernelsAvx512 = {sum_rows_avx512, backward_avx512,  indices_avx512,     indices_lanes_avx512,
                                      to_lanes_avx512, sum_lanes_avx512, sum_selected_avx512};

}  // namespace polychron
