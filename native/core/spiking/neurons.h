// The neurons of a network. The state every model has lives in arrays shared by all
// neurons (v, u and the input current I, float32, indexed by neuron), so that the loop,
// views, probes and checkpoints treat every neuron alike. Each model's parameters live
// only with the neurons of that model:
//   Izhikevich segments  a, b, c, d (float64 for exact numerics, float32 for fast),
//                        stepped by the kernels of core/kernels/izhikevich.h;
//   LIF blocks           their constants (spiking/lif.h); u holds the refractory ms left;
//   spike sources        none: they fire per spiking/inputs.h and never integrate, so
//                        their v stays at -65 mV and u at 0.
// Neurons are numbered in the order populations are added; consecutive Izhikevich
// populations share one segment, so the segments are the same however a network was
// made (built, or loaded from either checkpoint version).
#pragma once
#include <cstdint>
#include <array>
#include <memory>
#include <vector>

#include "core/aligned_array.h"
#include "core/kernels/izhikevich.h"
#include "core/spiking/connectivity.h"
#include "core/spiking/lif.h"
#include "core/spiking/population.h"

namespace polychron {

class BinaryReader;
class BinaryWriter;

// a, b, c, d: each 1 value (all neurons) or one per neuron.
using IzhikevichParameters = std::array<std::vector<double>, 4>;

// Consecutive Izhikevich neurons and their parameters (k = 0..3: a, b, c, d), in the
// precision of the network's numerics (only that set is filled).
struct IzhikevichSegment {
  NeuronRange range;
  std::vector<double> exact[4];
  std::vector<float> fast[4];
  // Parameter k of neuron `i` of the segment, as stored.
  double parameter(int k, uint32_t i) const;
};

class NeuronStore {
 public:
  static constexpr uint32_t kMaxNeurons = IzhikevichPopulation::kMaxSize;

  NeuronStore(Numerics numerics, SimdLevel simd);

  // --- Building: each returns the first index of the neurons it adds ---
  // Vectors of 1 or `size` values; empty v: -65; empty u: b·v.
  uint32_t add_izhikevich(uint32_t size, const IzhikevichParameters& parameters, const std::vector<double>& v,
                          const std::vector<double>& u);
  // Empty v: v_rest.
  uint32_t add_lif(uint32_t size, const LifParameters& parameters, const std::vector<double>& v);
  uint32_t add_source(uint32_t size);
  // Allocates the shared state from the initial values.
  void build();

  // --- State ---
  uint32_t size() const { return size_; }
  bool has_lif() const { return !lif_.empty(); }
  bool has_izhikevich() const { return !izhikevich_.empty(); }
  // Neurons that integrate (all but the spike sources).
  uint32_t integrating() const;
  const std::vector<IzhikevichSegment>& izhikevich_segments() const { return izhikevich_; }
  // Shared so that views handed out (e.g. to JavaScript) outlive the network; null until built.
  const std::shared_ptr<AlignedArray<float>>& v() const { return v_; }
  const std::shared_ptr<AlignedArray<float>>& u() const { return u_; }
  float* current() { return current_->data(); }
  // Bytes held: capacities of what is being built, then the state and parameters.
  uint64_t memory_bytes() const;

  // --- The two neuron phases of a ms, over neurons [begin, end) ---
  // Resets the neurons that fire and writes their indices, ascending, to `fired`;
  // returns how many.
  uint32_t detect(uint32_t begin, uint32_t end, uint32_t* fired);
  // Advances the neurons by 1 ms with current(); sources stay as they are.
  void integrate(uint32_t begin, uint32_t end);

  // --- One LIF neuron at a time (the network's event-driven updates) ---
  static constexpr uint32_t kNotLif = UINT32_MAX;
  // Per neuron, the index of its LIF block, or kNotLif (made on the first call).
  const uint32_t* lif_index();
  const LifBlock& lif(uint32_t index) const { return lif_[index]; }
  bool exact() const { return numerics_ == Numerics::Exact; }

  // --- Checkpoints (spiking/checkpoint.h) ---
  // The neuron count, the Izhikevich segments with their parameters, v and u.
  void save_state(BinaryWriter& out) const;
  // Version 1 stored a, b, c, d for every neuron: they are kept until place_models()
  // knows which neurons are Izhikevich.
  void load_state(BinaryReader& in, uint32_t version);
  void save_lif(BinaryWriter& out) const;
  void load_lif(BinaryReader& in);
  // After loading: checks that the Izhikevich segments, LIF blocks and `sources` cover
  // every neuron once (version 1: the Izhikevich segments are the neurons of neither).
  void place_models(BinaryReader& in, const std::vector<NeuronRange>& sources);

 private:
  enum class Model : uint8_t { Izhikevich, Lif, Source };
  // One model's consecutive neurons; `index` into izhikevich_ or lif_.
  struct Segment {
    Model model;
    NeuronRange range;
    uint32_t index;
  };

  // Throws RangeError unless `size` more neurons fit.
  void check_room(uint32_t size) const;
  void add_segment(Model model, uint32_t size, uint32_t index);
  // `size` values of each parameter, checked finite (RangeError naming it).
  static IzhikevichParameters checked_parameters(const IzhikevichParameters& given, uint32_t size);
  // Appends checked parameters in the precision of the numerics.
  void append_izhikevich(IzhikevichSegment& segment, const IzhikevichParameters& parameters);
  uint32_t run_izhikevich(const IzhikevichSegment& segment, IzhikevichPhase phase, uint32_t begin, uint32_t end,
                          uint32_t* fired);
  template <typename Fn>
  void for_each_segment(uint32_t begin, uint32_t end, Fn&& fn) const;

  Numerics numerics_;
  IzhikevichKernels kernels_;
  uint32_t size_ = 0;
  std::vector<Segment> segments_;  // ascending, covering [0, size_)
  std::vector<IzhikevichSegment> izhikevich_;
  std::vector<LifBlock> lif_;
  // Building.
  std::vector<float> initial_v_, initial_u_;
  // Loading a version 1 file.
  IzhikevichParameters every_neuron_parameter_;
  // Built.
  std::shared_ptr<AlignedArray<float>> v_, u_;
  std::unique_ptr<AlignedArray<float>> current_;
  std::vector<uint32_t> lif_index_;  // see lif_index()
};

}  // namespace polychron
