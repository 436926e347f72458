// The inner loops of the LUT networks (spec lut-networks.md), with a scalar reference and
// AVX2 / AVX-512 twins (x86-64) or a NEON twin (arm64) picked at run time. Every twin is bit-identical to the scalar code:
//
// - Row sums add rows element by element in the order given, which SIMD lanes keep.
// - Dot products use 16 partial sums: element k goes to partial k mod 16, in order of k;
//   the partials are then reduced as a fixed tree (l + l+8, then l + l+4, l + l+2, l + l+1).
//   An AVX-512 register is exactly those 16 partials; AVX2 holds them in two registers,
//   NEON in four.
// - No fused multiply-add anywhere (the files are compiled with -ffp-contract=off).
//
// Tables are row-major float32: row j of table i starts at base + ((i << width) + j) * m.
// Anchors are stored comparison-major, a[r * T + i], so that one vector load fetches
// comparison r of many tables.
//
// Only <cstdint> is included, for the reason given in kernels/izhikevich_avx2.cpp.
#pragma once
#include <cstdint>

namespace polychron {

// One step of the backward of a table (spec §1 steps 2 and 5, and the positional flip of
// §2): gi = g · (flip − cur); when pe is set also gi_pe = g · (pe − cur); then cur −= lr · g.
struct LutBackwardOp {
  float* cur;
  const float* flip;
  const float* pe;  // nullptr: no positional flip
  const float* g;
};

struct LutKernels {
  // For each segment s in order: out + s·stride (m floats) += its counts[s] rows, taken in
  // order from `rows`. Rows are prefetched ahead across segment boundaries.
  void (*sum_rows)(float* out, uint64_t stride, const float* const* rows, const uint32_t* counts, uint32_t segments,
                   uint32_t m);
  // Runs `count` backward ops in order on rows of m floats, writing gi[k] and gi_pe[k]
  // (0 when the op has no positional flip).
  void (*backward)(uint32_t m, float lr, const LutBackwardOp* ops, uint32_t count, float* gi, float* gi_pe);
  // j[i] = Σ_r [x[a[r*T+i]] − x[b[r*T+i]] > 0] << r for i < T (inputs of width d).
  void (*indices)(const float* x, uint32_t d, const uint32_t* a, const uint32_t* b, uint32_t tables,
                  uint32_t comparisons, uint32_t* j);
  // The same for kLutLanes inputs at once, laid out lane-major: xt[k * kLutLanes + n] is
  // input n's value k, and j[i * kLutLanes + n] is input n's index of table i. Every
  // comparison is then one vector load per anchor instead of a gather.
  void (*indices_lanes)(const float* xt, const uint32_t* a, const uint32_t* b, uint32_t tables, uint32_t comparisons,
                        uint32_t* j);
  // xt[k * kLutLanes + n] = xs[n * d + k] for n < kLutLanes, k < d: kLutLanes inputs
  // (row-major, d values each) turned lane-major for indices_lanes.
  void (*to_lanes)(const float* xs, uint32_t d, float* xt);
  // out[n·m + k] += Σ_i table[((i << width) + j[i·kLutLanes + n])·m + k] for n < kLutLanes:
  // each of kLutLanes inputs adds the rows its lane-major indices select, tables in order
  // (the SIMD twins run several inputs at once, each in its own order: bit-identical).
  void (*sum_lanes)(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables);
  // One input's sum with its row addresses computed inside the kernel: out (m floats) +=
  // the row j[i] of table i (at table + ((i << width) + j[i])·m), tables in order. A row
  // whose mark in `written` (one bit per flat row number, as Lut keeps them) is clear adds
  // m zeros and its memory is not touched (the SIMD twins load it under an empty mask), as
  // Lut::read_row's shared zero row does.
  void (*sum_selected)(float* out, const float* table, uint32_t width, uint32_t m, const uint32_t* j, uint32_t tables,
                       const uint64_t* written);
};

// Whether flat row `row` is marked in `written` (one bit per row, 64 to a word).
inline bool lut_row_marked(const uint64_t* written, uint64_t row) { return (written[row >> 6] >> (row & 63)) & 1; }

// Inputs per call of indices_lanes (one AVX-512 register of floats).
constexpr uint32_t kLutLanes = 16;

// The 16-partial dot product of g with (flip − cur), scalar: the reference the backward
// kernels' dot products equal.
float lut_delta_dot(const float* g, const float* flip, const float* cur, uint32_t m);

enum class SimdLevel;
const LutKernels& lut_kernels(SimdLevel level);

extern const LutKernels kLutKernelsScalar;
extern const LutKernels kLutKernelsAvx2;
extern const LutKernels kLutKernelsAvx512;
extern const LutKernels kLutKernelsNeon;  // arm64 builds only

// How far ahead (in rows) the kernels prefetch.
constexpr uint32_t kLutPrefetchRows = 24;

}  // namespace polychron
