#include "core/spiking/lif.h"

namespace polychron {

namespace {

inline double at(const std::vector<double>& values, uint32_t i) { return values.size() == 1 ? values[0] : values[i]; }

}  // namespace

uint32_t lif_detect(const LifBlock& block, float* v, float* u, uint32_t begin, uint32_t end, uint32_t* fired) {
  uint32_t count = 0;
  for (uint32_t n = begin; n < end; ++n) {
    const uint32_t i = n - block.range.first;
    if (v[n] >= float(at(block.v_threshold, i))) {
      fired[count++] = n;
      v[n] = float(at(block.v_reset, i));
      u[n] = float(at(block.refractory, i));
    }
  }
  return count;
}

void lif_integrate(const LifBlock& block, bool exact, float* v, float* u, const float* I, uint32_t begin, uint32_t end) {
  for (uint32_t n = begin; n < end; ++n) {
    const uint32_t i = n - block.range.first;
    if (u[n] > 0) {
      u[n] -= 1;
      v[n] = float(at(block.v_reset, i));
      continue;
    }
    if (exact) {
      const double target = at(block.v_rest, i) + at(block.resistance, i) * double(I[n]);
      v[n] = float(target + (double(v[n]) - target) * at(block.decay, i));
    } else {
      const float target = float(at(block.v_rest, i)) + float(at(block.resistance, i)) * I[n];
      v[n] = target + (v[n] - target) * float(at(block.decay, i));
    }
  }
}

}  // namespace polychron
