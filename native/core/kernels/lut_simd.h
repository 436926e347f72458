// What the AVX2 and AVX-512 LUT kernels share (see kernels/lut.h): row prefetching, the
// start of a row sum, and the backward op loop, instantiated in each file with that
// file's dot product and row update, so each copy is compiled for its own instruction set. Only <cstdint> comes in, through
// kernels/lut.h, for the reason given in kernels/izhikevich_avx2.cpp.
#pragma once
#include "core/kernels/lut.h"

namespace polychron {

// Asks for a row of m floats in cache, a line at a time (prefetcht0).
inline void lut_prefetch_row(const float* row, uint32_t m) {
  const char* p = reinterpret_cast<const char*>(row);
  for (uint32_t byte = 0; byte < m * 4; byte += 64) __builtin_prefetch(p + byte, 0, 3);
}

// The start of a row sum: the rows of all `segments`, with the first kLutPrefetchRows
// of them prefetched; the sum then prefetches rows[r + kLutPrefetchRows] while that many are left.
inline uint64_t lut_prefetch_first_rows(const float* const* rows, const uint32_t* counts, uint32_t segments, uint32_t m) {
  uint64_t left = 0;
  for (uint32_t s = 0; s < segments; ++s) left += counts[s];
  // A sum of at most kLutPrefetchRows rows (one input's) issues all its loads within the
  // out-of-order window anyway; prefetching them first only adds instructions.
  if (left > kLutPrefetchRows) {
    for (uint32_t r = 0; r < kLutPrefetchRows; ++r) lut_prefetch_row(rows[r], m);
  }
  return left;
}

// indices for tables [from, tables) one by one (the reference; the SIMD twins' tails).
void lut_indices_plain(const float* x, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                       uint32_t* j, uint32_t from);

// to_lanes for values [from, d) one by one (the reference; the SIMD twins' tails).
void lut_to_lanes_plain(const float* xs, uint32_t d, float* xt, uint32_t from);

// sum_lanes for inputs [from, kLutLanes), one sum_rows call per input and block of tables.
void lut_sum_lanes_plain(const LutKernels& kernels, float* out, const float* table, uint32_t width, uint32_t m,
                         const uint32_t* j, uint32_t tables, uint32_t from);

template <typename DeltaDot, typename Sgd>
inline void lut_backward_loop(uint32_t m, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe,
                              DeltaDot delta_dot, Sgd sgd) {
  for (uint32_t o = 0; o < count && o < kLutPrefetchRows; ++o) {
    lut_prefetch_row(ops[o].cur, m);
    lut_prefetch_row(ops[o].flip, m);
  }
  for (uint32_t o = 0; o < count; ++o) {
    if (o + kLutPrefetchRows < count) {
      const LutBackwardOp& ahead = ops[o + kLutPrefetchRows];
      lut_prefetch_row(ahead.cur, m);
      lut_prefetch_row(ahead.flip, m);
      if (ahead.pe != nullptr) lut_prefetch_row(ahead.pe, m);
    }
    const LutBackwardOp& op = ops[o];
    gi[o] = delta_dot(op.g, op.flip, op.cur, m);
    gi_pe[o] = op.pe == nullptr ? 0.0f : delta_dot(op.g, op.pe, op.cur, m);
    sgd(op.cur, op.g, m);
  }
}

}  // namespace polychron
