// The Izhikevich neuron update (spec: ../shared/spec/spnet.md, "Neuron update", with
// spike detection and reset), as kernels over a population laid out as structure of
// arrays: element i of every array belongs to neuron i.
//
// One step of one neuron, in this order:
//   1. detection: if v >= 30 the neuron fires: its index is appended to `fired`,
//      v = c, u += d;
//   2. two half-steps of 0.5 ms: v += 0.5·((0.04·v + 5)·v + 140 − u + I);
//   3. recovery: u += a·(b·v − u).
//
// Two numerics, each with a scalar reference and SIMD twins:
//   exact — v, u, I are float32; parameters are float64; every right-hand side is
//           evaluated in float64 in the order written above and rounded to float32 on
//           assignment; no fused multiply-add. Bit-identical across SIMD levels and to
//           the 2006 reference program (whose a and d are float32 and whose b = 0.2 is a
//           double literal: pass a = fround(0.02), b = 0.2).
//   fast  — float32 throughout. The SIMD twins use fused multiply-add (two roundings
//           fewer per half-step than the scalar twin), so they agree with it to a few
//           float32 ulps per step, not bit for bit.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/kernels/cpu.h"

namespace polychron {

constexpr float kSpikePeak = 30.0f;  // mV; v >= kSpikePeak at the start of a step fires

struct ExactNeurons {
  float* v;
  float* u;
  const double* a;
  const double* b;
  const double* c;
  const double* d;
};

struct FastNeurons {
  float* v;
  float* u;
  const float* a;
  const float* b;
  const float* c;
  const float* d;
};

// Which part of the step a kernel performs. A population does both parts in one pass
// (Step); a network detects, delivers its synapses' spikes into I, then integrates.
enum class IzhikevichPhase : int {
  Step = 0,       // detection then integration
  Detect = 1,     // detection and reset only (I unused)
  Integrate = 2,  // integration only (nothing appended to fired)
};
constexpr int kIzhikevichPhases = 3;

// Processes neurons [begin, end) with input current I (indexed like v), appends the
// indices that fired to `fired` in ascending order and returns how many it appended.
using ExactStepKernel = uint32_t (*)(const ExactNeurons& n, const float* I, uint32_t begin,
                                     uint32_t end, uint32_t* fired);
using FastStepKernel = uint32_t (*)(const FastNeurons& n, const float* I, uint32_t begin,
                                    uint32_t end, uint32_t* fired);

// One kernel per phase, indexed by static_cast<int>(IzhikevichPhase).
struct IzhikevichKernels {
  ExactStepKernel exact[kIzhikevichPhases];
  FastStepKernel fast[kIzhikevichPhases];
};

// The kernels for `level` (SimdLevel::Scalar: the plain, one-neuron-at-a-time references);
// the caller checks cpu_supports(level) first.
const IzhikevichKernels& izhikevich_kernels(SimdLevel level);

}  // namespace polychron
