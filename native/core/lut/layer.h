// A standalone LUT layer (spec §1) for users and benchmarks: the reference Lut plus the
// SIMD forward, single and batched. Each input's rows are summed by one kernel call that
// computes their addresses (sum_selected); batched forward first computes the indices of a
// block of inputs, so that each input's rows are requested while the one before is summed.
#pragma once
#include <cstdint>

#include "core/kernels/cpu.h"
#include "core/kernels/lut.h"
#include "core/lut/lut.h"

namespace polychron {

struct LutLayerSpec {
  LutShape shape;  // width = comparisons
  uint64_t seed = 1;
  bool distinct_pairs = false;
  uint64_t memory_limit = uint64_t(8) << 30;
  SimdLevel simd = SimdLevel::Scalar;
};

class LutLayer {
 public:
  explicit LutLayer(const LutLayerSpec& spec);

  const LutShape& shape() const { return lut_.shape(); }
  SimdLevel simd() const { return simd_; }
  Lut& lut() { return lut_; }
  const Lut& lut() const { return lut_; }

  // ys[n·m ..] += layer(xs[n·d ..]) for n < count, through the SIMD kernels.
  void forward(const float* xs, uint32_t count, float* ys) const;
  // The same, one input at a time with no look-ahead (latency of a single lookup).
  void forward_each(const float* xs, uint32_t count, float* ys) const;

 private:
  Lut lut_;
  SimdLevel simd_;
  const LutKernels& kernels_;
};

}  // namespace polychron
