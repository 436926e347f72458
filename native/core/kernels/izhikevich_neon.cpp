// NEON (AArch64 Advanced SIMD) twins of the Izhikevich kernels, built only for arm64 and
// called when cpu_supports(SimdLevel::Neon). Four neurons per iteration in both numerics.
// Exact: float64 lanes (two registers of two), the same operations in the same order as
// the scalar reference, so the results are bit-identical. Fast: float32 lanes with a
// separate multiply and add (vmulq + vaddq, never vfmaq; the file is compiled with
// -ffp-contract=off like every other), so unlike the x86-64 fast twins, which fuse, this
// one is bit-identical to the scalar fast kernel too. The tails (fewer than four neurons)
// go to the scalar reference, which is then exact for both numerics.
//
// No standard library header, as in the x86-64 kernel files.
#include <arm_neon.h>

#include "core/kernels/izhikevich_simd.h"

namespace polychron {

namespace {

// Bit k set when lane k of `mask` is all ones.
inline unsigned lane_bits(uint32x4_t mask) {
  const uint32_t weights[4] = {1, 2, 4, 8};
  return vaddvq_u32(vandq_u32(mask, vld1q_u32(weights)));
}

inline uint32_t append_fired(unsigned mask, uint32_t first_index, uint32_t* fired) {
  uint32_t count = 0;
  while (mask != 0) {
    fired[count++] = first_index + static_cast<uint32_t>(__builtin_ctz(mask));
    mask &= mask - 1;
  }
  return count;
}

// Four float32 lanes as two float64 registers, and back (rounded to nearest).
struct Wide {
  float64x2_t lo, hi;
};
inline Wide widen(float32x4_t x) { return {vcvt_f64_f32(vget_low_f32(x)), vcvt_high_f64_f32(x)}; }
inline float32x4_t narrow(float64x2_t lo, float64x2_t hi) { return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi); }

// One exact half-step on two lanes: v + 0.5·((0.04·v + 5)·v + 140 − u + I), in float64.
inline float64x2_t exact_half(float64x2_t vd, float64x2_t ud, float64x2_t current) {
  float64x2_t rhs = vaddq_f64(vmulq_f64(vdupq_n_f64(0.04), vd), vdupq_n_f64(5.0));
  rhs = vaddq_f64(vmulq_f64(rhs, vd), vdupq_n_f64(140.0));
  rhs = vaddq_f64(vsubq_f64(rhs, ud), current);
  return vaddq_f64(vd, vmulq_f64(vdupq_n_f64(0.5), rhs));
}

// The recovery on two lanes: u + a·(b·v − u), in float64.
inline float64x2_t exact_recovery(float64x2_t vd, float64x2_t ud, const double* a, const double* b) {
  const float64x2_t drive = vsubq_f64(vmulq_f64(vld1q_f64(b), vd), ud);
  return vaddq_f64(ud, vmulq_f64(vld1q_f64(a), drive));
}

template <bool kDetect, bool kIntegrate>
uint32_t exact_neon(const ExactNeurons& n, const float* I, uint32_t begin, uint32_t end, uint32_t* fired) {
  constexpr int kPhase = kDetect && kIntegrate ? 0 : kDetect ? 1 : 2;
  const float32x4_t peak = vdupq_n_f32(kSpikePeak);
  uint32_t count = 0;
  uint32_t i = begin;
  for (; end - i >= 4; i += 4) {
    float32x4_t v = vld1q_f32(n.v + i);
    float32x4_t u = vld1q_f32(n.u + i);
    if (kDetect) {
      const uint32x4_t fires = vcgeq_f32(v, peak);
      const unsigned mask = lane_bits(fires);
      if (mask != 0) {
        count += append_fired(mask, i, fired + count);
        const float32x4_t v_reset = narrow(vld1q_f64(n.c + i), vld1q_f64(n.c + i + 2));
        const Wide uw = widen(u);
        const float32x4_t u_reset =
            narrow(vaddq_f64(uw.lo, vld1q_f64(n.d + i)), vaddq_f64(uw.hi, vld1q_f64(n.d + i + 2)));
        v = vbslq_f32(fires, v_reset, v);
        u = vbslq_f32(fires, u_reset, u);
      }
    }
    if (kIntegrate) {
      const Wide current = widen(vld1q_f32(I + i));
      const Wide ud = widen(u);
      for (int half = 0; half < 2; ++half) {
        const Wide vd = widen(v);
        v = narrow(exact_half(vd.lo, ud.lo, current.lo), exact_half(vd.hi, ud.hi, current.hi));
      }
      const Wide vd = widen(v);
      u = narrow(exact_recovery(vd.lo, ud.lo, n.a + i, n.b + i), exact_recovery(vd.hi, ud.hi, n.a + i + 2, n.b + i + 2));
    }
    vst1q_f32(n.v + i, v);
    vst1q_f32(n.u + i, u);
  }
  return count + izhikevich_kernels(SimdLevel::Scalar).exact[kPhase](n, I, i, end, fired + count);
}

template <bool kDetect, bool kIntegrate>
uint32_t fast_neon(const FastNeurons& n, const float* I, uint32_t begin, uint32_t end, uint32_t* fired) {
  constexpr int kPhase = kDetect && kIntegrate ? 0 : kDetect ? 1 : 2;
  const float32x4_t peak = vdupq_n_f32(kSpikePeak);
  const float32x4_t k004 = vdupq_n_f32(0.04f);
  const float32x4_t k5 = vdupq_n_f32(5.0f);
  const float32x4_t k140 = vdupq_n_f32(140.0f);
  const float32x4_t khalf = vdupq_n_f32(0.5f);
  uint32_t count = 0;
  uint32_t i = begin;
  for (; end - i >= 4; i += 4) {
    float32x4_t v = vld1q_f32(n.v + i);
    float32x4_t u = vld1q_f32(n.u + i);
    if (kDetect) {
      const uint32x4_t fires = vcgeq_f32(v, peak);
      const unsigned mask = lane_bits(fires);
      if (mask != 0) {
        count += append_fired(mask, i, fired + count);
        v = vbslq_f32(fires, vld1q_f32(n.c + i), v);
        u = vbslq_f32(fires, vaddq_f32(u, vld1q_f32(n.d + i)), u);
      }
    }
    if (kIntegrate) {
      const float32x4_t current = vld1q_f32(I + i);
      for (int half = 0; half < 2; ++half) {
        float32x4_t rhs = vaddq_f32(vmulq_f32(k004, v), k5);
        rhs = vaddq_f32(vmulq_f32(rhs, v), k140);
        rhs = vaddq_f32(vsubq_f32(rhs, u), current);
        v = vaddq_f32(v, vmulq_f32(khalf, rhs));
      }
      const float32x4_t drive = vsubq_f32(vmulq_f32(vld1q_f32(n.b + i), v), u);
      u = vaddq_f32(u, vmulq_f32(vld1q_f32(n.a + i), drive));
    }
    vst1q_f32(n.v + i, v);
    vst1q_f32(n.u + i, u);
  }
  return count + izhikevich_kernels(SimdLevel::Scalar).fast[kPhase](n, I, i, end, fired + count);
}

}  // namespace

const IzhikevichKernels kIzhikevichNeon{
    {exact_neon<true, true>, exact_neon<true, false>, exact_neon<false, true>},
    {fast_neon<true, true>, fast_neon<true, false>, fast_neon<false, true>},
};

}  // namespace polychron
