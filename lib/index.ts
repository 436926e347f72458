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
export {
  Network,
  Population,
  Projection,
  type NetworkMode,
  type NetworkOptions,
  type NetworkRunOptions,
  type NetworkRunResult,
  type NetworkStats,
  type PopulationOptions,
  type LifOptions,
  type ConnectOptions,
  type ConnectionRule,
  type SynapseValue,
  type SynapseTable,
  type Stdp2006Options,
  type PlasticityOptions,
  type ThalamicInputOptions,
  type CurrentScheduleOptions,
} from './network';
export {
  izhikevich2006,
  spnetFromFiles,
  readConnectivityCsv,
  readThalamicCsv,
  readSpikesCsv,
  formatSpikesCsv,
  formatWeightsCsv,
  formatG9,
  type Izhikevich2006,
  type Izhikevich2006Options,
  type SpnetConnectivity,
} from './spnet';
export type { AsyncOptions } from './async';
export {
  SpikeMonitor,
  StateMonitor,
  RateMonitor,
  type SpikeMonitorOptions,
  type StateMonitorOptions,
  type RateMonitorOptions,
} from './monitors';
export { runBatch, type BatchOptions, type BatchInstance } from './batch';
export { LutLayer, type LutLayerOptions, type LutLookup } from './lut';
export {
  LutClassifier,
  LUT_CLASSIFIER_DEFAULTS,
  type LutClassifierOptions,
  type LutClassifierLayer,
  type AnchorPolicy,
  type LutTrainOptions,
  type LutTrainResult,
  type LutEpochReport,
  type LutEvaluation,
} from './classifier';
export { readIdx, parseIdx, writeIdx, readIdxImages, IDX_MAX_BYTES, type IdxArray, type IdxType, type ImageSet } from './idx';
export {
  LutLanguageModel,
  LUT_LM_DEFAULTS,
  learningRate,
  mobyDick,
  type LutLanguageModelOptions,
  type LmDataOptions,
  type LmTrainOptions,
  type LmTrainProgress,
  type LmTrainResult,
  type LmGenerateOptions,
  type LmImplementation,
  type LmProtocol,
  type LmRng,
  LossWatch,
} from './lm';
export {
  findPolychronousGroups,
  compareWithShuffled,
  countGroupsOverTraining,
  GroupSet,
  type GroupSearchOptions,
  type GroupSearchRecord,
  type PolychronousGroup,
  type GroupFiring,
  type GroupLink,
  type GroupActivation,
  type Raster,
  type RasterQueryOptions,
  type ShuffledComparison,
} from './groups';
export {
  plotRaster,
  plotRates,
  plotWeightHistogram,
  plotWeightEvolution,
  plotLoss,
  plotGroup,
  renderSvg,
  toPng,
  runReport,
  RUN_FILES,
  type RunReportOptions,
  type PlotOptions,
  type RasterPlotOptions,
  type RatePlotOptions,
  type GroupOccurrence,
  type PopulationSpan,
  type WeightPlotOptions,
  type WeightSnapshot,
  type LossCurves,
  type LossPlotOptions,
  type PngOptions,
  type VegaLiteSpec,
} from './plot';
