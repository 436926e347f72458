// NEON (AArch64 Advanced SIMD) twins of the LUT kernels (see kernels/lut.h for the
// numerics they share with the scalar code), built only for arm64. Four float32 lanes per
// register: row sums and the SGD row update run 16 elements (four registers) per step,
// then 4, then one by one; the 16 dot-product partials are four registers, reduced in the
// scalar code's tree. Element-wise arithmetic in the order of the scalar code and no fused
// multiply-add (vmulq + vaddq; -ffp-contract=off), so every kernel is bit-identical to it.
// The batched index kernel (indices_lanes) compares 16 inputs per anchor in four
// registers; the single-input one has no gather on NEON and loads its four lanes one by one.
#include <arm_neon.h>

#include "core/kernels/lut_simd.h"

namespace polychron {

namespace {

void sum_rows_neon(float* out, uint64_t stride, const float* const* rows, const uint32_t* counts, uint32_t segments,
                   uint32_t m) {
  uint64_t left = lut_prefetch_first_rows(rows, counts, segments, m);
  for (uint32_t s = 0; s < segments; ++s) {
    float* acc = out + s * stride;
    const uint32_t count = counts[s];
    uint32_t k0 = 0;
    for (; k0 + 16 <= m; k0 += 16) {
      float32x4_t s0 = vld1q_f32(acc + k0), s1 = vld1q_f32(acc + k0 + 4);
      float32x4_t s2 = vld1q_f32(acc + k0 + 8), s3 = vld1q_f32(acc + k0 + 12);
      for (uint32_t r = 0; r < count; ++r) {
        if (k0 == 0 && left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], m);
        const float* row = rows[r] + k0;
        s0 = vaddq_f32(s0, vld1q_f32(row));
        s1 = vaddq_f32(s1, vld1q_f32(row + 4));
        s2 = vaddq_f32(s2, vld1q_f32(row + 8));
        s3 = vaddq_f32(s3, vld1q_f32(row + 12));
      }
      vst1q_f32(acc + k0, s0);
      vst1q_f32(acc + k0 + 4, s1);
      vst1q_f32(acc + k0 + 8, s2);
      vst1q_f32(acc + k0 + 12, s3);
    }
    for (; k0 + 4 <= m; k0 += 4) {
      float32x4_t sum = vld1q_f32(acc + k0);
      for (uint32_t r = 0; r < count; ++r) {
        if (k0 == 0 && left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], m);
        sum = vaddq_f32(sum, vld1q_f32(rows[r] + k0));
      }
      vst1q_f32(acc + k0, sum);
    }
    for (; k0 < m; ++k0) {
      float sum = acc[k0];
      for (uint32_t r = 0; r < count; ++r) {
        if (k0 == 0 && left > r + kLutPrefetchRows) lut_prefetch_row(rows[r + kLutPrefetchRows], m);
        sum += rows[r][k0];
      }
      acc[k0] = sum;
    }
    rows += count;
    left -= count;
  }
}

// g·(flip − cur) over four elements at k, added to the partials p.
inline float32x4_t partial_step(float32x4_t p, const float* g, const float* flip, const float* cur, uint32_t k) {
  const float32x4_t d = vsubq_f32(vld1q_f32(flip + k), vld1q_f32(cur + k));
  return vaddq_f32(p, vmulq_f32(vld1q_f32(g + k), d));
}

float delta_dot_neon(const float* g, const float* flip, const float* cur, uint32_t m) {
  // p[q] holds partials 4q .. 4q+3.
  float32x4_t p[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
  uint32_t k = 0;
  for (; k + 16 <= m; k += 16) {
    p[0] = partial_step(p[0], g, flip, cur, k);
    p[1] = partial_step(p[1], g, flip, cur, k + 4);
    p[2] = partial_step(p[2], g, flip, cur, k + 8);
    p[3] = partial_step(p[3], g, flip, cur, k + 12);
  }
  // The tail: whole registers while four elements are left, then element by element into
  // partial k mod 16, as the scalar loop does.
  for (uint32_t q = 0; k + 4 <= m; k += 4, ++q) p[q] = partial_step(p[q], g, flip, cur, k);
  float partial[16];
  for (uint32_t q = 0; q < 4; ++q) vst1q_f32(partial + 4 * q, p[q]);
  for (; k < m; ++k) partial[k % 16] += g[k] * (flip[k] - cur[k]);
  // The fixed tree: l + l+8 (partials 0–3 + 8–11 and 4–7 + 12–15), l + l+4, l + l+2, l + l+1.
  const float32x4_t r0 = vaddq_f32(vld1q_f32(partial), vld1q_f32(partial + 8));
  const float32x4_t r1 = vaddq_f32(vld1q_f32(partial + 4), vld1q_f32(partial + 12));
  const float32x4_t r = vaddq_f32(r0, r1);
  const float32x2_t s = vadd_f32(vget_low_f32(r), vget_high_f32(r));
  return vget_lane_f32(s, 0) + vget_lane_f32(s, 1);
}

void sgd_row(float* row, const float* g, float lr, uint32_t m) {
  const float32x4_t rate = vdupq_n_f32(lr);
  uint32_t k = 0;
  for (; k + 16 <= m; k += 16) {
    for (uint32_t q = 0; q < 16; q += 4) {
      vst1q_f32(row + k + q, vsubq_f32(vld1q_f32(row + k + q), vmulq_f32(rate, vld1q_f32(g + k + q))));
    }
  }
  for (; k + 4 <= m; k += 4) vst1q_f32(row + k, vsubq_f32(vld1q_f32(row + k), vmulq_f32(rate, vld1q_f32(g + k))));
  for (; k < m; ++k) row[k] -= lr * g[k];
}

void backward_neon(uint32_t m, float lr, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe) {
  lut_backward_loop(m, ops, count, gi, gi_pe, delta_dot_neon,
                    [lr](float* row, const float* g, uint32_t n) { sgd_row(row, g, lr, n); });
}

void indices_neon(const float* x, uint32_t, const uint32_t* a, const uint32_t* b, uint32_t tables,
                  uint32_t comparisons, uint32_t* j) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  uint32_t i0 = 0;
  for (; i0 + 4 <= tables; i0 += 4) {
    uint32x4_t index = vdupq_n_u32(0);
    for (uint32_t r = 0; r < comparisons; ++r) {
      const uint32_t* ar = a + r * tables + i0;
      const uint32_t* br = b + r * tables + i0;
      const float xa[4] = {x[ar[0]], x[ar[1]], x[ar[2]], x[ar[3]]};
      const float xb[4] = {x[br[0]], x[br[1]], x[br[2]], x[br[3]]};
      const uint32x4_t positive = vcgtq_f32(vsubq_f32(vld1q_f32(xa), vld1q_f32(xb)), zero);
      index = vorrq_u32(index, vandq_u32(positive, vdupq_n_u32(1u << r)));
    }
    vst1q_u32(j + i0, index);
  }
  lut_indices_plain(x, a, b, tables, comparisons, j, i0);
}

void indices_lanes_neon(const float* xt, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                        uint32_t* j) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  for (uint32_t i = 0; i < tables; ++i) {
    uint32x4_t index[4] = {vdupq_n_u32(0), vdupq_n_u32(0), vdupq_n_u32(0), vdupq_n_u32(0)};
    for (uint32_t r = 0; r < comparisons; ++r) {
      const float* xa = xt + uint64_t(a[r * tables + i]) * kLutLanes;
      const float* xb = xt + uint64_t(b[r * tables + i]) * kLutLanes;
      const uint32x4_t bit = vdupq_n_u32(1u << r);
      for (uint32_t q = 0; q < 4; ++q) {
        const float32x4_t u = vsubq_f32(vld1q_f32(xa + 4 * q), vld1q_f32(xb + 4 * q));
        index[q] = vorrq_u32(index[q], vandq_u32(vcgtq_f32(u, zero), bit));
      }
    }
    for (uint32_t q = 0; q < 4; ++q) vst1q_u32(j + i * kLutLanes + 4 * q, index[q]);
  }
}

void to_lanes_neon(const float* xs, uint32_t d, float* xt) { lut_to_lanes_plain(xs, d, xt, 0); }

void sum_lanes_neon(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables) {
  lut_sum_lanes_plain(kLutKernelsNeon, out, table, width, m, j, tables, 0);
}

// NEON has no masked loads: an unwritten row adds a register of zeros instead of being
// loaded (+0, as the scalar code adds), so its memory is not touched either.
void sum_selected_neon(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables,
                       const uint64_t* written) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  uint32_t k0 = 0;
  for (; k0 + 4 <= m; k0 += 4) {
    float32x4_t s = vld1q_f32(out + k0);
    for (uint32_t i = 0; i < tables; ++i) {
      const uint64_t row = (uint64_t(i) << width) + j[i];
      s = vaddq_f32(s, lut_row_marked(written, row) ? vld1q_f32(table + row * m + k0) : zero);
    }
    vst1q_f32(out + k0, s);
  }
  for (; k0 < m; ++k0) {
    float s = out[k0];
    for (uint32_t i = 0; i < tables; ++i) {
      const uint64_t row = (uint64_t(i) << width) + j[i];
      s += lut_row_marked(written, row) ? table[row * m + k0] : 0.0f;
    }
    out[k0] = s;
  }
}

}  // namespace

const LutKernels kLutKernelsNeon = {sum_rows_neon, backward_neon,  indices_neon,     indices_lanes_neon,
                                    to_lanes_neon, sum_lanes_neon, sum_selected_neon};

}  // namespace polychron
