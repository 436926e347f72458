// The spiking LUT circuits (core/bridge/lut_circuit.h) as JavaScript sees them: the
// options of a compilation, the layout as a plain object (and back, checked), and the
// compiled result, whose network is an ordinary NativeNetwork.
#pragma once
#include <napi.h>

#include "core/bridge/lut_circuit.h"

namespace polychron::addon {

// { grid?: { low?, high?, steps? }, mode?, simd?, threads?, memoryLimit? }
LutCircuitOptions ReadCircuitOptions(const Napi::Object& options);
// A grid object, or the default grid when undefined.
LatencyGrid ReadGrid(const Napi::Value& value);
Napi::Object LayoutObject(Napi::Env env, const LutCircuitLayout& layout);
// The layout an object describes (RangeError/TypeError naming what is wrong); it is
// checked against a network when one runs it.
LutCircuitLayout ReadLayout(const Napi::Value& value);
// { network: NativeNetwork, layout, twin?: NativeLutClassifier }
Napi::Object CompiledObject(Napi::Env env, CompiledLutCircuit compiled);
// lutCircuitTrain(layout, images: Float32Array, start) -> { times: Float64Array, neurons:
// Uint32Array }: the input spike train of core/bridge encode_lut_inputs.
Napi::Value LutCircuitTrain(const Napi::CallbackInfo& info);
// { classes?: Uint32Array, indices: Uint32Array, spikes, synapticEvents, simulatedMs }
Napi::Object CircuitRunObject(Napi::Env env, const LutCircuitRun& run);

}  // namespace polychron::addon
