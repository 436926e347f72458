// Leaky integrate-and-fire neurons, 1 ms steps:
//   detection: v >= v_threshold fires: v = v_reset, refractory for `refractory` ms;
//   integration (not refractory): v = v_rest + R·I + (v − v_rest − R·I)·exp(−1 ms / τ),
//   the exact solution of τ dv/dt = −(v − v_rest) + R·I for I constant over the ms.
// τ = +∞ makes the neuron a perfect (non-leaky) integrator: v = v + R·I each ms, R then
// being the volts per unit of current per ms. It holds its charge for as long as the
// caller needs (the spiking LUT comparators of bridge/lut_circuit.h count on it), and it
// adds exactly in float32 while its charges are small integers. A finite τ is at most
// kMaxFiniteTau, so that e^(−1/τ) < 1 and decay = 1 marks the integrator alone.
// A LIF block keeps its v in the network's v array and its remaining refractory ms in
// the u array, so views, monitors and checkpoints treat every neuron alike. Exact
// numerics evaluate in float64 and round to float32 on assignment; fast ones use float32.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/spiking/connectivity.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

// The constants of a LIF population as given: each 1 value (all neurons) or one per
// neuron. The defaults are the network's (exported to JavaScript as NETWORK_DEFAULTS.lif).
struct LifParameters {
  std::vector<double> tau{20};  // ms
  std::vector<double> v_rest{-65};
  std::vector<double> v_reset{-65};
  std::vector<double> v_threshold{-50};
  std::vector<double> resistance{1};
  std::vector<double> refractory{2};  // ms, integer
};

constexpr double kMaxFiniteTau = 1e15;  // ms

struct LifBlock {
  NeuronRange range;
  // Per neuron (1 value means the same for all).
  std::vector<double> decay;        // exp(−1/τ); exactly 1 for τ = +∞ (the integrator)
  std::vector<double> v_rest, v_reset, v_threshold, resistance;
  std::vector<double> refractory;   // ms, integer
};

// Throws RangeError unless `values` holds 1 or `size` finite numbers >= low (integers
// if `integer`), naming the parameter.
void check_lif_values(const std::vector<double>& values, const char* name, uint32_t size, double low, bool integer);

// The block of `size` neurons with `parameters` (its range is the caller's to set);
// throws RangeError naming a parameter that is out of range.
LifBlock lif_block(uint32_t size, const LifParameters& parameters);

// Checkpoints: the range and every parameter; loading checks them as add_lif does.
void save_lif(BinaryWriter& out, const LifBlock& block);
LifBlock load_lif(BinaryReader& in);

// Detects and resets neurons [begin, end) of the block (network indices), appending
// those that fired to `fired`; returns how many.
uint32_t lif_detect(const LifBlock& block, float* v, float* u, uint32_t begin, uint32_t end, uint32_t* fired);
// Integrates neurons [begin, end) of the block with current I.
void lif_integrate(const LifBlock& block, bool exact, float* v, float* u, const float* I, uint32_t begin, uint32_t end);

// --- One neuron at a time (neuron i of the block), for lif_detect and lif_integrate
// and for the network's event-driven updates, which must match them bit for bit ---

inline double lif_at(const std::vector<double>& values, uint32_t i) { return values.size() == 1 ? values[0] : values[i]; }

// Detection: whether the neuron fires (it is then reset).
inline bool lif_detect_one(const LifBlock& block, uint32_t i, float& v, float& u) {
  if (!(v >= float(lif_at(block.v_threshold, i)))) return false;
  v = float(lif_at(block.v_reset, i));
  u = float(lif_at(block.refractory, i));
  return true;
}

// Integration by 1 ms with current I.
inline void lif_integrate_one(const LifBlock& block, bool exact, uint32_t i, float& v, float& u, float I) {
  if (u > 0) {
    u -= 1;
    v = float(lif_at(block.v_reset, i));
    return;
  }
  const double decay = lif_at(block.decay, i);
  if (decay == 1) {  // τ = +∞: the perfect integrator
    v = exact ? float(double(v) + lif_at(block.resistance, i) * double(I)) : v + float(lif_at(block.resistance, i)) * I;
    return;
  }
  if (exact) {
    const double target = lif_at(block.v_rest, i) + lif_at(block.resistance, i) * double(I);
    v = float(target + (double(v) - target) * decay);
  } else {
    const float target = float(lif_at(block.v_rest, i)) + float(lif_at(block.resistance, i)) * I;
    v = target + (v - target) * float(decay);
  }
}

// Whether the neuron rests: integrating it with no input (I = 0, as the loop leaves
// every I it did not deliver to) leaves v and u bit for bit as they are. The step is a
// function of v alone then (u <= 0 is never changed), so it leaves them so at every
// later ms without input as well. Found by doing the step, so it holds for every case
// the arithmetic allows: τ = +∞ (v + R·0, except v = −0 with R >= 0), v = v_rest
// representable in float32, a v whose leak rounds away, ...
inline bool lif_rests(const LifBlock& block, bool exact, uint32_t i, float v, float u) {
  if (u > 0) return false;
  float next_v = v, next_u = u;
  lif_integrate_one(block, exact, i, next_v, next_u, 0.0f);
  return std::memcmp(&next_v, &v, sizeof(float)) == 0;
}

}  // namespace polychron
