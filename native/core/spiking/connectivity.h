// Projection rules: each adds the synapses of one projection to a SynapseList.
// Targets are drawn from a list of neuron ranges taken as one index space (so a
// projection may target several populations at once, as the 2006 network does).
//
// Random streams (since issue 16; networks drawn from a seed differ from earlier
// versions): each source of a projection draws its targets and values from its own
// stream, Random(seed, hash(projection, source index)), so its synapses do not depend on
// which other sources were drawn before it or by which thread. fixedInDegree draws each
// target's sources from the target's stream, then each source's values from a second
// stream of that source.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/random.h"
#include "core/spiking/synapses.h"

namespace polychron {

struct NeuronRange {
  uint32_t first = 0;
  uint32_t count = 0;
};

// The delay (ms) of the synapses of a projection that names none.
constexpr double kDefaultDelayMs = 1;

// How a synapse's delay (ms) or weight is chosen. `rank` is the synapse's position among
// its presynaptic neuron's synapses in this projection, `of` their number.
struct ValueRule {
  enum class Kind { Constant, Uniform, Evenly, Explicit } kind = Kind::Constant;
  double low = 0;   // Constant: the value; Uniform: [low, high] (integers for delays)
  double high = 0;  // Evenly: values low..high spread over the ranks (delays only)
  std::vector<double> values;  // Explicit: one per synapse, in generation order
};

struct ProjectionRule {
  enum class Kind { FixedOutDegree, FixedInDegree, Probability, OneToOne } kind = Kind::FixedOutDegree;
  uint32_t degree = 0;       // FixedOutDegree / FixedInDegree
  double probability = 0;    // Probability
  bool allow_self = false;   // may a neuron target itself (when it is among the targets)
};

// The stream of source (or, for fixedInDegree's draw of sources, target) `index` of a
// projection; `domain` is the projection, or 0x10000 + projection for fixedInDegree's values.
Random projection_random(uint64_t seed, uint32_t domain, uint64_t index);

// Appends the projection's synapses; throws RangeError when the rule cannot be met
// (e.g. more distinct targets asked for than exist) or makes an invalid value.
void generate_projection(SynapseList& out, const std::vector<NeuronRange>& sources,
                         const std::vector<NeuronRange>& targets, const ProjectionRule& rule,
                         const ValueRule& delay, const ValueRule& weight, uint16_t projection,
                         uint64_t seed);

// The same projection, drawn when the synapses are stored (SynapseStore, in parallel and
// without a list of all synapses), with exactly the synapses generate_projection would
// append. Throws RangeError now when the rule cannot be met. Null when the rule must be
// drawn at once: fixedInDegree (drawn per target), explicit values (consumed in order), or
// values the rule might make invalid (generate_projection then throws only if it does).
std::shared_ptr<const DrawnProjection> make_drawn_projection(const std::vector<NeuronRange>& sources,
                                                             const std::vector<NeuronRange>& targets,
                                                             const ProjectionRule& rule, const ValueRule& delay,
                                                             const ValueRule& weight, uint16_t projection,
                                                             uint64_t seed);

// Checks and appends explicit synapses (pre, post, delay, weight arrays of length n).
void add_explicit_synapses(SynapseList& out, uint32_t neurons, const uint32_t* pre,
                           const uint32_t* post, const double* delay, const double* weight,
                           uint64_t n, uint16_t projection);

}  // namespace polychron
