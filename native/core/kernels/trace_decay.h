// STDP trace decay, out[i] = float32(factor · in[i]) with the product in float64, the
// arithmetic of the 2006 reference (its traces are float32, its 0.95 a double). Run for
// every neuron every millisecond, so it has SIMD twins; each element is independent, so
// every twin is bit-identical to the scalar loop (no fused multiply-add).
#pragma once
#include <cstdint>

#include "core/kernels/cpu.h"

namespace polychron {

// `out` may be `in` (decay in place).
using TraceDecayKernel = void (*)(const float* in, float* out, double factor, uint32_t n);

TraceDecayKernel trace_decay_kernel(SimdLevel level);

void trace_decay_avx2(const float* in, float* out, double factor, uint32_t n);
void trace_decay_avx512(const float* in, float* out, double factor, uint32_t n);
void trace_decay_neon(const float* in, float* out, double factor, uint32_t n);  // arm64 builds only

}  // namespace polychron
