#include "core/spiking/lif.h"

#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/spiking/checkpoint_part.h"

namespace polychron {

uint32_t lif_detect(const LifBlock& block, float* v, float* u, uint32_t begin, uint32_t end, uint32_t* fired) {
  uint32_t count = 0;
  for (uint32_t n = begin; n < end; ++n) {
    if (lif_detect_one(block, n - block.range.first, v[n], u[n])) fired[count++] = n;
  }
  return count;
}

void lif_integrate(const LifBlock& block, bool exact, float* v, float* u, const float* I, uint32_t begin, uint32_t end) {
  for (uint32_t n = begin; n < end; ++n) lif_integrate_one(block, exact, n - block.range.first, v[n], u[n], I[n]);
}

void check_lif_values(const std::vector<double>& values, const char* name, uint32_t size, double low, bool integer) {
  if (values.size() != 1 && values.size() != size) {
    throw RangeError(std::string(name) + " must hold 1 or size = " + std::to_string(size) + " values (got " +
                     std::to_string(values.size()) + ")");
  }
  for (double x : values) {
    if (!std::isfinite(x) || x < low || (integer && std::floor(x) != x)) {
      throw RangeError(std::string(name) + " must hold finite numbers" + (low > -1e300 ? " >= " + std::to_string(low) : std::string()) +
                       (integer ? " (integers)" : ""));
    }
  }
}

void check_lif_tau(const std::vector<double>& tau, uint32_t size) {
  std::vector<double> finite;
  for (double t : tau) finite.push_back(t == HUGE_VAL ? 1 : t);
  check_lif_values(finite, "tau", size, 1e-3, false);
  for (double t : tau) {
    if (t != HUGE_VAL && t > kMaxFiniteTau) {
      throw RangeError("tau must be at most 1e15 ms, or Infinity for a non-leaky integrator (got " + std::to_string(t) + ")");
    }
  }
}

LifBlock lif_block(uint32_t size, const LifParameters& parameters) {
  const double any = -1e308;
  check_lif_tau(parameters.tau, size);
  check_lif_values(parameters.v_rest, "vRest", size, any, false);
  check_lif_values(parameters.v_reset, "vReset", size, any, false);
  check_lif_values(parameters.v_threshold, "vThreshold", size, any, false);
  check_lif_values(parameters.resistance, "resistance", size, any, false);
  check_lif_values(parameters.refractory, "refractory", size, 0, true);
  LifBlock block;
  for (double t : parameters.tau) block.decay.push_back(t == HUGE_VAL ? 1.0 : std::exp(-1.0 / t));
  block.v_rest = parameters.v_rest;
  block.v_reset = parameters.v_reset;
  block.v_threshold = parameters.v_threshold;
  block.resistance = parameters.resistance;
  block.refractory = parameters.refractory;
  return block;
}

void save_lif(BinaryWriter& out, const LifBlock& block) {
  out.pod(block.range.first);
  out.pod(block.range.count);
  for (const auto* values : {&block.decay, &block.v_rest, &block.v_reset, &block.v_threshold, &block.resistance, &block.refractory}) {
    out.array(*values);
  }
}

LifBlock load_lif(BinaryReader& in) {
  LifBlock block;
  block.range.first = in.pod<uint32_t>();
  block.range.count = in.pod<uint32_t>();
  for (auto* values : {&block.decay, &block.v_rest, &block.v_reset, &block.v_threshold, &block.resistance, &block.refractory}) {
    *values = in.array<double>();
  }
  const double any = -1e308;
  check_loaded(in, [&] {
    // decay = exp(−1/τ) for the τ >= 1e-3 that add_lif accepts, 1 for τ = +∞.
    check_lif_values(block.decay, "decay", block.range.count, 0, false);
    for (double d : block.decay) {
      if (d > 1) throw RangeError("decay must be at most 1 (got " + std::to_string(d) + ")");
    }
    check_lif_values(block.v_rest, "vRest", block.range.count, any, false);
    check_lif_values(block.v_reset, "vReset", block.range.count, any, false);
    check_lif_values(block.v_threshold, "vThreshold", block.range.count, any, false);
    check_lif_values(block.resistance, "resistance", block.range.count, any, false);
    check_lif_values(block.refractory, "refractory", block.range.count, 0, true);
  });
  return block;
}

}  // namespace polychron
