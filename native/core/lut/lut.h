// One look-up-table layer (spec lut-networks.md §1): T tables, each indexed by C
// comparisons of anchor pairs of the input, each holding 2^width rows of m floats.
// This class is the plain reference of the spec; the fast paths (LutLayer, LmEngine)
// use the SIMD kernels of kernels/lut.h on the same data, with the same arithmetic.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/kernels/lut.h"
#include "core/lut/table_memory.h"
#include "core/random.h"

namespace polychron {

struct LutShape {
  uint32_t inputs = 0;       // d
  uint32_t outputs = 0;      // m
  uint32_t tables = 0;       // T
  uint32_t comparisons = 0;  // C
  uint32_t width = 0;        // index bits n (C for a plain layer; 2C + p in attention)
};

// Throws RangeError naming `name` unless the shape is allowed.
void validate_lut_shape(const LutShape& shape, const std::string& name, bool distinct_pairs);

// Bytes the tables of `shape` reserve (all rows, as if every one were written).
uint64_t lut_table_bytes(const LutShape& shape);

// U′(u) = −0.5 · sign(u) / (1 + |u|)², with sign(0) = −1 (spec §1).
inline float surrogate_slope(float u) {
  const float t = 1.0f + (u < 0 ? -u : u);
  return (u > 0 ? -0.5f : 0.5f) / (t * t);
}

// The first r with the smallest |u[r]|, r < count.
inline uint32_t weakest(const float* u, uint32_t count) {
  uint32_t best = 0;
  float best_abs = u[0] < 0 ? -u[0] : u[0];
  for (uint32_t r = 1; r < count; ++r) {
    const float a = u[r] < 0 ? -u[r] : u[r];
    if (a < best_abs) {
      best_abs = a;
      best = r;
    }
  }
  return best;
}

class Lut {
 public:
  Lut() = default;
  // Draws the anchors from `rng` (table by table, comparison by comparison; b is redrawn
  // while it equals a, and with `distinct_pairs` while the pair or its reverse is already
  // in the table); tables start at zero.
  Lut(const LutShape& shape, Random& rng, bool distinct_pairs, const std::string& name);

  const LutShape& shape() const { return shape_; }
  // Anchors, comparison-major: a[r * T + i].
  const std::vector<uint32_t>& a() const { return a_; }
  const std::vector<uint32_t>& b() const { return b_; }
  void set_anchors(std::vector<uint32_t> a, std::vector<uint32_t> b);

  // Rows are numbered flat: table << width | index.
  uint64_t row_offset(uint32_t table, uint64_t index) const { return (uint64_t(table) << shape_.width) + index; }
  uint64_t rows() const { return uint64_t(shape_.tables) << shape_.width; }

  // A row to read. A row never written is zero; it is read from one shared zero row
  // instead of its own page, so that reading the huge tables costs no page faults and no
  // memory (the values are the same +0.0 either way).
  const float* read_row(uint64_t offset) const {
    return written(offset) ? rows_.data() + offset * shape_.outputs : zero_.data();
  }
  const float* read_row(uint32_t table, uint64_t index) const { return read_row(row_offset(table, index)); }
  // A row to write: marks it written. The marks are bits of shared 64-bit words, so
  // threads may write rows at once only in ranges of tables that share no word
  // (table_part); a table of fewer than 64 rows shares its word with its neighbours.
  float* write_row(uint64_t offset) {
    written_[offset >> 6] |= uint64_t(1) << (offset & 63);
    return rows_.data() + offset * shape_.outputs;
  }
  float* write_row(uint32_t table, uint64_t index) { return write_row(row_offset(table, index)); }
  // Tables [begin, end) of part k when the tables are split into `parts` nearly equal
  // parts for threads that write rows at once: each part starts at a word of the written
  // marks (tables in groups of 64 / 2^width when 2^width < 64), so no two parts set bits
  // of one word.
  void table_part(unsigned k, unsigned parts, uint64_t& begin, uint64_t& end) const {
    const uint64_t group = shape_.width < 6 ? uint64_t(64) >> shape_.width : 1;
    const uint64_t groups = (shape_.tables + group - 1) / group;
    begin = std::min<uint64_t>(shape_.tables, groups * k / parts * group);
    end = std::min<uint64_t>(shape_.tables, groups * (k + 1) / parts * group);
  }
  bool written(uint64_t offset) const { return lut_row_marked(written_.data(), offset); }
  // The written marks, one bit per flat row, 64 to a word (for kernels that select rows).
  const uint64_t* written_marks() const { return written_.data(); }
  // A row read in place, written or not (an untouched page reads as zeros, mapped on first
  // read): the plain access of the reference oracle.
  const float* row(uint32_t table, uint64_t index) const {
    return rows_.data() + row_offset(table, index) * shape_.outputs;
  }
  uint64_t rows_written() const;
  const TableMemory& memory() const { return rows_; }

  // Streams the values of `rows` (flat row numbers, in order; every row when null) to
  // `sink`, as float32 or, with `half`, binary16 (rounded to nearest): for the files.
  void stream_rows(const std::vector<uint32_t>* rows, bool half, const std::function<void(const void*, size_t)>& sink) const;

  // A copy of every written row and the written marks (to keep a best state in memory).
  struct Snapshot {
    std::vector<uint64_t> written;
    std::vector<float> values;  // the written rows, in row order
  };
  Snapshot snapshot() const;
  // Back to a snapshot of this layer: rows written since are zeroed.
  void restore(const Snapshot& snapshot);

  // Index, r_min and u_min of every table for input x (arrays of T).
  void index(const float* x, uint32_t* j, uint32_t* r_min, float* u_min) const;
  // y += Σ_i S[i][j_i], tables in order.
  void forward(const float* x, float* y) const;
  // Spec §1 backward for input x with gradient g: adds into dx, updates the tables.
  void backward(const float* x, const float* g, float lr, float* dx);
  // The same from an index computed before (index() of the input the forward saw).
  void backward(const uint32_t* j, const uint32_t* r_min, const float* u_min, const float* g, float lr,
                float* dx);

 private:
  LutShape shape_;
  std::vector<uint32_t> a_, b_;
  TableMemory rows_;
  std::vector<uint64_t> written_;  // one bit per row
  std::vector<float> zero_;        // one row of zeros
};

}  // namespace polychron
