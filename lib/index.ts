/**
 * polychron: spiking neural networks after Izhikevich, on a C++ core with SIMD kernels.
 * See docs/api.md.
 */
export { simd, supportedSimdLevels, cpuModel, nativeAddonPath, type SimdLevel } from './simd';
export {
  IzhikevichPopulation,
  IZHIKEVICH_PRESETS,
  type IzhikevichParameters,
  type IzhikevichPopulationOptions,
  type IzhikevichPreset,
  type Numerics,
  type PerNeuron,
  type Current,
  type RunOptions,
  type RunResult,
} from './population';
