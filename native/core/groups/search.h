// Polychronous groups (spec polychronous-groups.md): detection by anchor combinations of
// strong inputs and noise-free replay as the 2006 group finder does it, the shuffled
// control, and a snapshot of a network in the form the search needs.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/option_range.h"

namespace polychron {

class Network;

// A network frozen for the search: Izhikevich parameters and synapses by presynaptic
// neuron, sorted by delay (CSR).
struct PngNetwork {
  uint32_t neurons = 0;
  uint32_t max_delay = 1;
  std::vector<double> a, b, c, d;
  std::vector<uint8_t> excitatory;  // a neuron with no negative outgoing weight
  std::vector<uint32_t> begin;      // neurons + 1 offsets into post/delay/weight
  // Within one presynaptic neuron and delay, synapses keep the network's order: a replay
  // delivers and links spikes in it.
  std::vector<uint32_t> post;
  std::vector<uint8_t> delay;
  std::vector<float> weight;
};

// Throws RangeError for a network with LIF neurons (the replay is Izhikevich's).
PngNetwork png_network_of(Network& network);

// The shuffled control (spec "Shuffled control"), two ways; both are seeded with the
// project's Random and leave every synapse that is not excitatory→excitatory as it was.
// "Excitatory" is as in the search: a neuron with no negative outgoing weight.
//
// Weights (the 2006 program's control, the default): for each E→E synapse — excitatory
// presynaptic neurons ascending, then that neuron's synapses in the order the structure
// keeps them (PngNetwork and SynapseStore keep the same order: by delay, then the order
// added) — draw an excitatory neuron ri uniformly among all excitatory neurons, drawing
// again while ri has no E→E synapse, then draw rj uniformly among ri's synapses until its
// target is excitatory; swap the two synapses' weights (and, in a live network, STDP
// derivatives). Targets and delays stay. With no E→E synapse there is nothing to swap.
//
// Targets (an alternative): the E→E synapses' targets permuted by a seeded Fisher–Yates
// (weights, delays and sources kept); self-synapses may appear.
enum class ShuffleKind : uint8_t { Weights, Targets };
const char* shuffle_kind_name(ShuffleKind kind);  // "weights", "targets"
// RangeError unless `name` is one of shuffle_kind_name's.
ShuffleKind parse_shuffle_kind(const std::string& name);

// Seeds of the shuffle: integers in [0, 2^53] (exact in JavaScript numbers).
constexpr uint64_t kMaxShuffleSeed = uint64_t(1) << 53;
constexpr IntegerRange kShuffleSeed{"shuffleSeed", 0, kMaxShuffleSeed};  // the search option
constexpr IntegerRange kWeightShuffleSeed{"seed", 0, kMaxShuffleSeed};   // Network's method

// Swaps the E→E weights of a frozen network in place (it has no derivatives).
void shuffle_excitatory_weights(PngNetwork& network, uint64_t seed);
// The same swaps in a live network's synapse store, weights and STDP derivatives (builds
// the network first). The same seed gives the same swaps as on png_network_of(network).
void shuffle_excitatory_weights(Network& network, uint64_t seed);
// A copy with E→E targets permuted (ShuffleKind::Targets).
PngNetwork shuffle_targets(const PngNetwork& network, uint64_t seed);
// A copy shuffled the given way; RangeError for a seed out of kShuffleSeed.
PngNetwork shuffled(const PngNetwork& network, ShuffleKind kind, uint64_t seed);

// How long a replay runs. Extended (the 2006 finder): `window` ms to begin with, and
// whenever a neuron fires, at least until the last spike it sent has arrived (arrival + 1),
// but no further than max_spikes − maxDelay − 1 ms by extension. Fixed: `window` ms.
enum class ReplayBudget : uint8_t { Extended, Fixed };
const char* replay_budget_name(ReplayBudget budget);  // "extended", "fixed"
// RangeError unless `name` is one of replay_budget_name's.
ReplayBudget parse_replay_budget(const std::string& name);

struct PngOptions {
  static constexpr IntegerRange kAnchors{"anchors", 2, 8};
  static constexpr IntegerRange kMinPath{"minPath", 1, 1000};
  static constexpr IntegerRange kLatency{"latency", 1, 255};    // or 0
  static constexpr IntegerRange kWindow{"window", 1, 100000};   // or 0
  static constexpr IntegerRange kThreads{"threads", 1, 256};

  uint32_t anchors = 3;           // W
  double strong_fraction = 0.95;  // strong: weight > strong_fraction · max_weight
  double max_weight = 10;
  uint32_t min_path = 7;
  uint32_t latency = 0;           // 0: the network's max delay
  uint32_t max_spikes = 0;        // firings a replay lists at most; 0: the number of neurons
  uint32_t window = 0;            // ms a replay runs before any extension; 0: 2·maxDelay + latency + 1
  ReplayBudget budget = ReplayBudget::Extended;
  std::vector<uint32_t> mothers;  // only these mothers (a subset of the search); empty: every excitatory neuron
  unsigned threads = 1;
};

// RangeError naming the first option out of its range (strong_fraction in (0, 1],
// max_weight > 0, the integers in the ranges above).
void check_search_options(const PngOptions& options);

struct PngFiring {
  uint32_t neuron;
  uint32_t time;  // ms from the first anchor
  uint32_t layer;
};

// A spike of `pre` (delay in ms) that arrived at `post` within the latency before post
// fired; `layer` is post's layer as it stood when the link was found (the 2006 finder's).
struct PngLink {
  uint32_t pre, post, delay, layer;
};

struct PolychronousGroup {
  uint32_t mother;
  std::vector<uint32_t> anchors;   // ascending
  std::vector<PngFiring> firings;  // in time order (then neuron)
  std::vector<PngLink> links;      // in the finder's order: by firing, then arrival ms descending
  uint32_t span = 0;               // last firing time − first
  uint32_t longest_path = 0;       // largest layer
};

// A firing imposed on a replay: its spikes are sent along synapses of delay >= min_delay ms
// before the replay starts; the neuron itself is not reset (the 2006 finder's anchors).
struct ForcedFiring {
  uint32_t neuron;
  uint32_t time;
  uint8_t min_delay;
};

// What a search did, counted as it ran.
struct PngSearchStats {
  uint32_t mothers = 0;  // mothers whose every anchor combination was replayed
  uint64_t replays = 0;  // replays run: Σ C(k, W) over those mothers (k strong inputs), plus
                         // those of a mother a cancel cut short
};

// Every group, mothers in ascending order and combinations in lexicographic order within
// a mother, whatever the thread count (options checked first; RangeError for a mother
// not in the network). on_mother(done, total) is
// called from worker threads after each mother (serialize in the callback); `cancel`
// stops early. `stats`, when given, receives what the search did.
std::vector<PolychronousGroup> find_groups(const PngNetwork& network, const PngOptions& options,
                                           const std::function<void(uint32_t, uint32_t)>& on_mother,
                                           const std::atomic<bool>* cancel, PngSearchStats* stats = nullptr);

// The search's noise-free replay (from rest; strong excitatory and all inhibitory synapses)
// with `pattern` forced; its budget counts from the pattern's last time. Every firing,
// forced ones included, in time order (then neuron). Throws RangeError for a neuron out
// of range; stops after max_spikes firings.
std::vector<PngFiring> replay_pattern(const PngNetwork& network, const PngOptions& options,
                                      std::vector<ForcedFiring> pattern);

}  // namespace polychron
