// IEEE 754 binary16 ("half") conversions, for checkpoints that store table values in half
// precision: round to nearest, ties to even; overflow becomes ±infinity, NaN stays NaN.
#pragma once
#include <cstdint>
#include <cstring>

namespace polychron {

inline uint16_t float_to_half(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t magnitude = x & 0x7FFFFFFFu;
  if (magnitude >= 0x7F800000u) return uint16_t(sign | 0x7C00u | (magnitude > 0x7F800000u ? 0x200u : 0));  // inf, NaN
  if (magnitude >= 0x477FF000u) return uint16_t(sign | 0x7C00u);  // rounds above 65504: infinity
  if (magnitude < 0x38800000u) {
    // A subnormal half (or zero): the value in units of 2^-24, rounded to nearest even.
    if (magnitude < 0x33000000u) return uint16_t(sign);  // below half of the smallest subnormal
    const uint32_t mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126 - (magnitude >> 23);       // 14 .. 24
    const uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    return uint16_t(sign | (half + (rest > halfway || (rest == halfway && (half & 1)))));
  }
  const uint32_t rebased = magnitude - 0x38000000u;  // exponent bias 127 → 15
  const uint32_t half = rebased >> 13, rest = rebased & 0x1FFFu;
  return uint16_t(sign | (half + (rest > 0x1000u || (rest == 0x1000u && (half & 1)))));
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  uint32_t x;
  if (exponent == 0x1Fu) {
    x = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    x = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    x = sign;
  } else {
    // Subnormal: normalise.
    int e = -1;
    uint32_t m = mantissa;
    do {
      m <<= 1;
      ++e;
    } while ((m & 0x400u) == 0);
    x = sign | (uint32_t(112 - e) << 23) | ((m & 0x3FFu) << 13);
  }
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}

}  // namespace polychron
