// A population of Izhikevich neurons: its parameters, its state and the kernel that
// steps it (chosen once, from the numerics and the SIMD level).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_array.h"
#include "core/kernels/cpu.h"
#include "core/kernels/izhikevich.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

enum class Numerics { Exact, Fast };

const char* numerics_name(Numerics numerics);
// Parses "exact" | "fast"; throws TypeError naming `param` otherwise.
Numerics parse_numerics(const std::string& name, const char* param);

// One value per neuron; a vector of size 1 stands for the same value for all.
struct IzhikevichSpec {
  uint32_t size = 0;
  std::vector<double> a, b, c, d;
  std::vector<double> v;  // initial membrane potential (mV); empty: -65
  std::vector<double> u;  // initial recovery variable; empty: b·v
  Numerics numerics = Numerics::Exact;
  SimdLevel simd = SimdLevel::Scalar;
};

class IzhikevichPopulation {
 public:
  static constexpr uint32_t kMaxSize = 1u << 27;

  // Validates the spec (sizes, finiteness, CPU support) and throws TypeError or
  // RangeError naming the offending field.
  explicit IzhikevichPopulation(const IzhikevichSpec& spec);

  uint32_t size() const { return size_; }
  Numerics numerics() const { return numerics_; }
  SimdLevel simd() const { return simd_; }
  uint64_t steps_done() const { return steps_done_; }

  // Parameter k (0..3 = a, b, c, d) of every neuron, as stored (float64 for exact
  // numerics, float32 for fast).
  std::vector<double> parameter(int k) const;

  // The state, float32, shared so that views handed out (e.g. to JavaScript) keep the
  // memory alive after the population is gone.
  const std::shared_ptr<AlignedArray<float>>& v() const { return v_; }
  const std::shared_ptr<AlignedArray<float>>& u() const { return u_; }

  // One 1 ms step with input current I (size() values). Returns how many neurons fired;
  // their indices, ascending, are in fired()[0 .. count).
  uint32_t step(const float* I);
  const uint32_t* fired() const { return fired_.data(); }

  // The two halves of step(), for a network that delivers synaptic input in between:
  // detect() resets the neurons at the peak and returns how many (indices in fired());
  // integrate() advances every neuron by 1 ms with current I. Neither counts a step.
  uint32_t detect() { return apply(IzhikevichPhase::Detect, nullptr); }
  void integrate(const float* I) { apply(IzhikevichPhase::Integrate, I); }
  // The same over neurons [begin, end), for threads that split the population; detect
  // writes the indices that fired to `fired`.
  uint32_t detect(uint32_t begin, uint32_t end, uint32_t* fired) {
    return apply(IzhikevichPhase::Detect, nullptr, begin, end, fired);
  }
  void integrate(const float* I, uint32_t begin, uint32_t end) {
    apply(IzhikevichPhase::Integrate, I, begin, end, nullptr);
  }

  // `steps` steps with the same current. After each step, on_step(t, fired, count) is
  // called with the step's time t (steps_done() before it); when it returns false the
  // run stops. Returns the steps done.
  using StepObserver = std::function<bool(uint64_t step, const uint32_t* fired, uint32_t count)>;
  uint64_t run(uint64_t steps, const float* I, const StepObserver& on_step);

  // Checkpoints: the size, the parameters (as parameter() gives them) and the state;
  // loading checks them as the constructor does.
  void save(BinaryWriter& out) const;
  static std::unique_ptr<IzhikevichPopulation> load(BinaryReader& in, Numerics numerics, SimdLevel simd);

 private:
  uint32_t apply(IzhikevichPhase phase, const float* I) { return apply(phase, I, 0, size_, fired_.data()); }
  uint32_t apply(IzhikevichPhase phase, const float* I, uint32_t begin, uint32_t end, uint32_t* fired);

  uint32_t size_;
  Numerics numerics_;
  SimdLevel simd_;
  uint64_t steps_done_ = 0;
  std::shared_ptr<AlignedArray<float>> v_, u_;
  // Exact numerics keep float64 parameters; fast numerics keep them rounded to float32.
  std::unique_ptr<AlignedArray<double>> a64_, b64_, c64_, d64_;
  std::unique_ptr<AlignedArray<float>> a32_, b32_, c32_, d32_;
  AlignedArray<uint32_t> fired_;
  IzhikevichKernels kernels_;
};

}  // namespace polychron
