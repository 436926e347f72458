#include "core/lut/lut.h"

#include <algorithm>

#include "core/errors.h"
#include "core/io/float16.h"
#include "core/kernels/lut.h"

namespace polychron {

namespace {

std::string range(uint64_t lo, uint64_t hi) { return "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]"; }

void require(bool ok, const std::string& name, const char* field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (!ok) {
    throw RangeError("polychron: " + name + "." + field + " must be an integer in " + range(lo, hi) + " (got " +
                     std::to_string(value) + ")");
  }
}

}  // namespace

void validate_lut_shape(const LutShape& s, const std::string& name, bool distinct_pairs) {
  require(s.inputs >= 2 && s.inputs <= (1u << 24), name, "inputs", s.inputs, 2, 1u << 24);
  require(s.outputs >= 1 && s.outputs <= (1u << 20), name, "outputs", s.outputs, 1, 1u << 20);
  require(s.tables >= 1 && s.tables <= 4096, name, "tables", s.tables, 1, 4096);
  require(s.comparisons >= 1 && s.comparisons <= 30, name, "comparisons", s.comparisons, 1, 30);
  require(s.width >= s.comparisons && s.width <= 30, name, "index width", s.width, s.comparisons, 30);
  // Flat row numbers (table << width | index) must fit 32 bits, as checkpoints store them so.
  if ((uint64_t(s.tables) << s.width) > (uint64_t(1) << 32)) {
    throw RangeError("polychron: " + name + " has " + std::to_string(s.tables) + " tables of 2^" +
                     std::to_string(s.width) + " rows; tables × rows must be at most 2^32");
  }
  if (distinct_pairs && uint64_t(s.comparisons) > uint64_t(s.inputs) * (s.inputs - 1) / 2) {
    throw RangeError("polychron: " + name + ".comparisons must be at most inputs·(inputs−1)/2 = " +
                     std::to_string(uint64_t(s.inputs) * (s.inputs - 1) / 2) + " with distinct pairs (got " +
                     std::to_string(s.comparisons) + ")");
  }
}

uint64_t lut_table_bytes(const LutShape& s) { return (uint64_t(s.tables) << s.width) * s.outputs * sizeof(float); }

Lut::Lut(const LutShape& shape, Random& rng, bool distinct_pairs, const std::string& name)
    : shape_(shape),
      a_(size_t(shape.tables) * shape.comparisons),
      b_(size_t(shape.tables) * shape.comparisons),
      rows_((uint64_t(shape.tables) << shape.width) * shape.outputs, name + " tables"),
      written_(((uint64_t(shape.tables) << shape.width) + 63) / 64, 0),
      zero_(shape.outputs, 0.0f) {
  const uint32_t T = shape.tables;
  for (uint32_t i = 0; i < T; ++i) {
    for (uint32_t r = 0; r < shape.comparisons; ++r) {
      uint32_t a, b;
      bool repeated;
      do {
        a = rng.below(shape.inputs);
        do b = rng.below(shape.inputs);
        while (b == a);
        repeated = false;
        for (uint32_t q = 0; distinct_pairs && q < r; ++q) {
          const uint32_t qa = a_[q * T + i], qb = b_[q * T + i];
          repeated |= (qa == a && qb == b) || (qa == b && qb == a);
        }
      } while (repeated);
      a_[r * T + i] = a;
      b_[r * T + i] = b;
    }
  }
}

uint64_t Lut::rows_written() const {
  uint64_t count = 0;
  for (uint64_t word : written_) count += uint64_t(__builtin_popcountll(word));
  return count;
}

void Lut::stream_rows(const std::vector<uint32_t>* rows, bool half,
                      const std::function<void(const void*, size_t)>& sink) const {
  const uint32_t m = shape_.outputs;
  std::vector<uint16_t> halves(half ? m : 0);
  const uint64_t count = rows != nullptr ? rows->size() : this->rows();
  for (uint64_t k = 0; k < count; ++k) {
    const float* values = read_row(rows != nullptr ? (*rows)[k] : k);
    if (!half) {
      sink(values, size_t(m) * sizeof(float));
      continue;
    }
    for (uint32_t i = 0; i < m; ++i) halves[i] = float_to_half(values[i]);
    sink(halves.data(), size_t(m) * sizeof(uint16_t));
  }
}

Lut::Snapshot Lut::snapshot() const {
  Snapshot out;
  out.written = written_;
  out.values.reserve(rows_written() * shape_.outputs);
  for (uint64_t r = 0; r < rows(); ++r) {
    if (written(r)) out.values.insert(out.values.end(), read_row(r), read_row(r) + shape_.outputs);
  }
  return out;
}

void Lut::restore(const Snapshot& snapshot) {
  const uint32_t m = shape_.outputs;
  const float* next = snapshot.values.data();
  for (uint64_t r = 0; r < rows(); ++r) {
    const bool was = (snapshot.written[r >> 6] >> (r & 63)) & 1;
    if (was) {
      std::copy(next, next + m, rows_.data() + r * m);
      next += m;
    } else if (written(r)) {
      std::fill(rows_.data() + r * m, rows_.data() + (r + 1) * m, 0.0f);
    }
  }
  written_ = snapshot.written;
}

void Lut::set_anchors(std::vector<uint32_t> a, std::vector<uint32_t> b) {
  const size_t n = size_t(shape_.tables) * shape_.comparisons;
  if (a.size() != n || b.size() != n) throw RangeError("polychron: anchors must hold tables × comparisons entries");
  for (size_t k = 0; k < n; ++k) {
    if (a[k] >= shape_.inputs || b[k] >= shape_.inputs || a[k] == b[k]) {
      throw RangeError("polychron: anchor pair " + std::to_string(k) + " is (" + std::to_string(a[k]) + ", " +
                       std::to_string(b[k]) + "); anchors must be distinct and in [0, " +
                       std::to_string(shape_.inputs - 1) + "]");
    }
  }
  a_ = std::move(a);
  b_ = std::move(b);
}

void Lut::index(const float* x, uint32_t* j, uint32_t* r_min, float* u_min) const {
  const uint32_t T = shape_.tables, C = shape_.comparisons;
  float u[32];
  for (uint32_t i = 0; i < T; ++i) {
    uint32_t index = 0;
    for (uint32_t r = 0; r < C; ++r) {
      u[r] = x[a_[r * T + i]] - x[b_[r * T + i]];
      if (u[r] > 0) index |= 1u << r;
    }
    j[i] = index;
    r_min[i] = weakest(u, C);
    u_min[i] = u[r_min[i]];
  }
}

void Lut::forward(const float* x, float* y) const {
  const uint32_t T = shape_.tables, m = shape_.outputs;
  std::vector<uint32_t> j(T), r_min(T);
  std::vector<float> u_min(T);
  index(x, j.data(), r_min.data(), u_min.data());
  for (uint32_t i = 0; i < T; ++i) {
    const float* s = row(i, j[i]);
    for (uint32_t k = 0; k < m; ++k) y[k] += s[k];
  }
}

void Lut::backward(const float* x, const float* g, float lr, float* dx) {
  const uint32_t T = shape_.tables;
  std::vector<uint32_t> j(T), r_min(T);
  std::vector<float> u_min(T);
  index(x, j.data(), r_min.data(), u_min.data());
  backward(j.data(), r_min.data(), u_min.data(), g, lr, dx);
}

void Lut::backward(const uint32_t* j, const uint32_t* r_min, const float* u_min, const float* g, float lr,
                   float* dx) {
  const uint32_t T = shape_.tables, m = shape_.outputs;
  for (uint32_t i = 0; i < T; ++i) {
    const float* flipped = row(i, j[i] ^ (1u << r_min[i]));
    float* current = write_row(i, j[i]);
    const float gi = lut_delta_dot(g, flipped, current, m);
    const float v = gi * surrogate_slope(u_min[i]);
    dx[a_[r_min[i] * T + i]] += v;
    dx[b_[r_min[i] * T + i]] -= v;
    for (uint32_t k = 0; k < m; ++k) current[k] -= lr * g[k];
  }
}

}  // namespace polychron
