// The op loop shared by the AVX2 and AVX-512 backward kernels (see lut_kernels.h),
// instantiated in each file with that file's dot product, row update and prefetch, so
// each copy is compiled for its own instruction set. Only <cstdint> comes in, through
// lut_kernels.h, for the reason given in izhikevich_avx2.cpp.
#pragma once
#include "core/lut_kernels.h"

namespace polychron {

template <typename DeltaDot, typename Sgd, typename Prefetch>
inline void lut_backward_loop(uint32_t m, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe,
                              DeltaDot delta_dot, Sgd sgd, Prefetch prefetch) {
  for (uint32_t o = 0; o < count && o < kLutPrefetchRows; ++o) {
    prefetch(ops[o].cur, m);
    prefetch(ops[o].flip, m);
  }
  for (uint32_t o = 0; o < count; ++o) {
    if (o + kLutPrefetchRows < count) {
      const LutBackwardOp& ahead = ops[o + kLutPrefetchRows];
      prefetch(ahead.cur, m);
      prefetch(ahead.flip, m);
      if (ahead.pe != nullptr) prefetch(ahead.pe, m);
    }
    const LutBackwardOp& op = ops[o];
    gi[o] = delta_dot(op.g, op.flip, op.cur, m);
    gi_pe[o] = op.pe == nullptr ? 0.0f : delta_dot(op.g, op.pe, op.cur, m);
    sgd(op.cur, op.g, m);
  }
}

}  // namespace polychron
