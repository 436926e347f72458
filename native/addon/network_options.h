// Reading the option objects of NativeNetwork's methods into the core's structures.
// Every reader names the option in its TypeError or RangeError.
#pragma once
#include <napi.h>

#include <vector>

#include "core/spiking/network.h"

namespace polychron::addon {

// stdp: { aPlus, aMinus, decayPlus, decayMinus, bias, derivativeDecay, wMin, wMax, periodMs }
Stdp2006 ToStdp(const Napi::Value& value);

// threads: 'auto' (undefined too) or an integer in [1, kMaxThreads].
unsigned ToThreads(const Napi::Value& value);
// neuronUpdates: 'auto' (undefined too: event-driven where exact) or 'dense'.
bool ToEventDrivenNeurons(const Napi::Value& value);
// A Uint32Array of (first, count) pairs.
std::vector<NeuronRange> ToRanges(const Napi::Value& value, const char* name);
// number -> constant; { uniform: [lo, hi] } | { evenly: [lo, hi] }; array-like -> explicit.
ValueRule ToValueRule(const Napi::Value& value, const char* name);
// { kind: 'fixedOutDegree' | 'fixedInDegree' | 'probability' | 'oneToOne', ... }
ProjectionRule ToProjectionRule(const Napi::Value& value);
// boolean (the 2006 rule or none) | { kind: 'stdp2006' | 'pair' | 'dopamine', ...constants }
PlasticityRule ToPlasticityRule(const Napi::Value& value);
// networkDefaults(): the core's defaults of a network's options, as JavaScript reads them
// (NETWORK_DEFAULTS in lib/network.ts): { stdp, plasticity: { stdp2006, pair, dopamine },
// lif, thalamic, delay }.
Napi::Value NetworkDefaults(const Napi::CallbackInfo& info);
// The data of a Uint32Array (used at once, never kept), and its length.
const uint32_t* ToUint32s(const Napi::Value& value, const char* name, size_t& length);

}  // namespace polychron::addon
