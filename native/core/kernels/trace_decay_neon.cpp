// NEON twin of trace_decay_scalar (see kernels/trace_decay.h), built only for arm64: four
// float32 traces per step, widened to two float64 registers, multiplied, rounded back;
// the tail one element at a time with the same arithmetic. Bit-identical to the scalar
// loop. No standard library header, as in the x86-64 kernel files.
#include <arm_neon.h>

#include "core/kernels/trace_decay.h"

namespace polychron {

void trace_decay_neon(const float* in, float* out, double factor, uint32_t n) {
  const float64x2_t f = vdupq_n_f64(factor);
  uint32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t x = vld1q_f32(in + i);
    const float64x2_t lo = vmulq_f64(f, vcvt_f64_f32(vget_low_f32(x)));
    const float64x2_t hi = vmulq_f64(f, vcvt_high_f64_f32(x));
    vst1q_f32(out + i, vcvt_high_f32_f64(vcvt_f32_f64(lo), hi));
  }
  for (; i < n; ++i) out[i] = static_cast<float>(factor * in[i]);
}

}  // namespace polychron
