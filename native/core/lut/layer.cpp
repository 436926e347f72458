#include "core/lut/layer.h"

#include <algorithm>
#include <vector>

#include "core/errors.h"
#include "core/kernels/lut_simd.h"

namespace polychron {

namespace {

Lut make_lut(const LutLayerSpec& spec) {
  LutShape shape = spec.shape;
  shape.width = shape.comparisons;
  validate_lut_shape(shape, "LutLayer", spec.distinct_pairs);
  const uint64_t bytes = lut_table_bytes(shape);
  if (bytes > spec.memory_limit) {
    throw RangeError("polychron: this layer's tables could take up to " + std::to_string(bytes) +
                     " bytes, more than memoryLimit = " + std::to_string(spec.memory_limit) +
                     " bytes; raise memoryLimit or lower comparisons or tables");
  }
  Random rng(spec.seed, 0);
  return Lut(shape, rng, spec.distinct_pairs, "LutLayer");
}

}  // namespace

LutLayer::LutLayer(const LutLayerSpec& spec)
    : lut_(make_lut(spec)), simd_(spec.simd), kernels_(lut_kernels(spec.simd)) {}

void LutLayer::forward_each(const float* xs, uint32_t count, float* ys) const {
  const LutShape& s = lut_.shape();
  std::vector<uint32_t> j(s.tables);
  for (uint32_t n = 0; n < count; ++n) {
    kernels_.indices(xs + size_t(n) * s.inputs, s.inputs, lut_.a().data(), lut_.b().data(), s.tables, s.comparisons,
                     j.data());
    kernels_.sum_selected(ys + size_t(n) * s.outputs, lut_.memory().data(), s.width, s.outputs, j.data(), s.tables,
                          lut_.written_marks());
  }
}

void LutLayer::forward(const float* xs, uint32_t count, float* ys) const {
  const LutShape& s = lut_.shape();
  constexpr uint32_t kBlock = 256;  // inputs whose indices are computed before their rows are summed
  // Inputs whose rows are requested ahead of the sum (at least kLutPrefetchRows rows).
  const uint32_t ahead = (kLutPrefetchRows + s.tables - 1) / s.tables;
  const float* table = lut_.memory().data();
  const uint64_t* marks = lut_.written_marks();
  std::vector<uint32_t> j(size_t(kBlock) * s.tables);
  // Prefetching touches no page: an unwritten row on an unmapped page is simply not fetched.
  auto prefetch_rows = [&](uint32_t n) {
    for (uint32_t i = 0; i < s.tables; ++i) lut_prefetch_row(lut_.row(i, j[size_t(n) * s.tables + i]), s.outputs);
  };
  for (uint32_t n0 = 0; n0 < count; n0 += kBlock) {
    const uint32_t block = std::min(kBlock, count - n0);
    for (uint32_t n = 0; n < block; ++n) {
      kernels_.indices(xs + size_t(n0 + n) * s.inputs, s.inputs, lut_.a().data(), lut_.b().data(), s.tables,
                       s.comparisons, j.data() + size_t(n) * s.tables);
    }
    for (uint32_t n = 0; n < block && n < ahead; ++n) prefetch_rows(n);
    for (uint32_t n = 0; n < block; ++n) {
      if (n + ahead < block) prefetch_rows(n + ahead);
      kernels_.sum_selected(ys + size_t(n0 + n) * s.outputs, table, s.width, s.outputs, j.data() + size_t(n) * s.tables,
                            s.tables, marks);
    }
  }
}

}  // namespace polychron
