// The scalar reference twins of the LUT kernels (see kernels/lut.h) and their dispatch.
#include "core/kernels/lut.h"
#include "core/kernels/lut_simd.h"

#include "core/kernels/cpu.h"

namespace polychron {

float lut_delta_dot(const float* g, const float* flip, const float* cur, uint32_t m) {
  float partial[16] = {0};
  for (uint32_t k = 0; k < m; ++k) {
    const float difference = flip[k] - cur[k];
    partial[k % 16] += g[k] * difference;
  }
  for (uint32_t width = 8; width >= 1; width /= 2) {
    for (uint32_t l = 0; l < width; ++l) partial[l] += partial[l + width];
  }
  return partial[0];
}

namespace {

void sum_rows_scalar(float* out, uint64_t stride, const float* const* rows, const uint32_t* counts, uint32_t segments,
                     uint32_t m) {
  for (uint32_t s = 0; s < segments; ++s) {
    float* acc = out + s * stride;
    for (uint32_t r = 0; r < counts[s]; ++r, ++rows) {
      for (uint32_t k = 0; k < m; ++k) acc[k] += (*rows)[k];
    }
  }
}

void backward_scalar(uint32_t m, float lr, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe) {
  for (uint32_t o = 0; o < count; ++o) {
    const LutBackwardOp& op = ops[o];
    float* cur = op.cur;
    gi[o] = lut_delta_dot(op.g, op.flip, cur, m);
    gi_pe[o] = op.pe == nullptr ? 0.0f : lut_delta_dot(op.g, op.pe, cur, m);
    for (uint32_t k = 0; k < m; ++k) cur[k] -= lr * op.g[k];
  }
}

void indices_scalar(const float* x, uint32_t, const uint32_t* a, const uint32_t* b, uint32_t tables,
                    uint32_t comparisons, uint32_t* j) {
  lut_indices_plain(x, a, b, tables, comparisons, j, 0);
}

void indices_lanes_scalar(const float* xt, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                          uint32_t* j) {
  for (uint32_t i = 0; i < tables; ++i) {
    for (uint32_t n = 0; n < kLutLanes; ++n) {
      uint32_t index = 0;
      for (uint32_t r = 0; r < comparisons; ++r) {
        const float u = xt[a[r * tables + i] * kLutLanes + n] - xt[b[r * tables + i] * kLutLanes + n];
        if (u > 0) index |= 1u << r;
      }
      j[i * kLutLanes + n] = index;
    }
  }
}

}  // namespace

void lut_indices_plain(const float* x, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                       uint32_t* j, uint32_t from) {
  for (uint32_t i = from; i < tables; ++i) {
    uint32_t index = 0;
    for (uint32_t r = 0; r < comparisons; ++r) {
      const float u = x[a[r * tables + i]] - x[b[r * tables + i]];
      if (u > 0) index |= 1u << r;
    }
    j[i] = index;
  }
}

void lut_to_lanes_plain(const float* xs, uint32_t d, float* xt, uint32_t from) {
  for (uint32_t k = from; k < d; ++k) {
    for (uint32_t n = 0; n < kLutLanes; ++n) xt[size_t(k) * kLutLanes + n] = xs[size_t(n) * d + k];
  }
}

void lut_sum_lanes_plain(const LutKernels& kernels, float* out, const float* table, uint32_t width, uint32_t m,
                         const uint32_t* j, uint32_t tables, uint32_t from) {
  const float* rows[64];
  for (uint32_t n = from; n < kLutLanes; ++n) {
    for (uint32_t i0 = 0; i0 < tables; i0 += 64) {
      const uint32_t count = tables - i0 < 64 ? tables - i0 : 64;
      for (uint32_t i = 0; i < count; ++i) {
        rows[i] = table + ((uint64_t(i0 + i) << width) + j[(i0 + i) * kLutLanes + n]) * m;
      }
      kernels.sum_rows(out + size_t(n) * m, m, rows, &count, 1, m);
    }
  }
}

namespace {


void to_lanes_scalar(const float* xs, uint32_t d, float* xt) { lut_to_lanes_plain(xs, d, xt, 0); }

void sum_lanes_scalar(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables) {
  for (uint32_t n = 0; n < kLutLanes; ++n) {
    float* acc = out + size_t(n) * m;
    for (uint32_t i = 0; i < tables; ++i) {
      const float* row = table + ((uint64_t(i) << width) + j[i * kLutLanes + n]) * m;
      for (uint32_t k = 0; k < m; ++k) acc[k] += row[k];
    }
  }
}

void sum_selected_scalar(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables,
                         const uint64_t* written) {
  for (uint32_t i = 0; i < tables; ++i) {
    const uint64_t row = (uint64_t(i) << width) + j[i];
    if (lut_row_marked(written, row)) {
      const float* values = table + row * m;
      for (uint32_t k = 0; k < m; ++k) out[k] += values[k];
    } else {
      for (uint32_t k = 0; k < m; ++k) out[k] += 0.0f;  // as the shared zero row adds (-0 becomes +0)
    }
  }
}

}  // namespace

const LutKernels kLutKernelsScalar = {sum_rows_scalar, backward_scalar,  indices_scalar,     indices_lanes_scalar,
                                      to_lanes_scalar, sum_lanes_scalar, sum_selected_scalar};

const LutKernels& lut_kernels(SimdLevel level) {
  switch (level) {
#if defined(POLYCHRON_X86_64)
    case SimdLevel::Avx512: return kLutKernelsAvx512;
    case SimdLevel::Avx2: return kLutKernelsAvx2;
#endif
#if defined(POLYCHRON_AARCH64)
    case SimdLevel::Neon: return kLutKernelsNeon;
#endif
    default: break;
  }
  return kLutKernelsScalar;
}

}  // namespace polychron
