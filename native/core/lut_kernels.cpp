// The scalar reference twins of the LUT kernels (see lut_kernels.h) and their dispatch.
#include "core/lut_kernels.h"

#include "core/cpu.h"

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
  for (uint32_t i = 0; i < tables; ++i) {
    uint32_t index = 0;
    for (uint32_t r = 0; r < comparisons; ++r) {
      const float u = x[a[r * tables + i]] - x[b[r * tables + i]];
      if (u > 0) index |= 1u << r;
    }
    j[i] = index;
  }
}

}  // namespace

const LutKernels kLutKernelsScalar = {sum_rows_scalar, backward_scalar, indices_scalar};

const LutKernels& lut_kernels(SimdLevel level) {
#if defined(POLYCHRON_X86_64)
  switch (level) {
    case SimdLevel::Avx512: return kLutKernelsAvx512;
    case SimdLevel::Avx2: return kLutKernelsAvx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return kLutKernelsScalar;
}

}  // namespace polychron
