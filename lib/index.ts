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
  NETWORK_DEFAULTS,
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
export {
  networkFromDescription,
  readNetworkDescription,
  NETWORK_DESCRIPTION_MAX_BYTES,
  NETWORK_DESCRIPTION_MAX_DEPTH,
  type NetworkDescription,
  type PopulationDescription,
  type PopulationReference,
  type ProjectionDescription,
  type InputDescription,
  type DescriptionOverrides,
  type DescribedNetwork,
} from './network-description';
export {
  writeSpikes,
  readSpikes,
  writeWeights,
  readWeights,
  writeStateTrace,
  readStateTrace,
  tableFormatOf,
  type TableFormat,
  type SpikeTable,
  type StateTrace,
} from './formats';
export { encodeNpy, decodeNpy, readNpy, type NpyArray, type NpyData, type NpyDtype } from './formats/npy';
export { encodeNpz, decodeNpz, readNpz } from './formats/npz';
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
export { DenseModel, type DenseActivation, type DenseLayerInfo, type DenseModelLoadOptions } from './dense';
export { convertToLut, CONVERT_DEFAULTS, type ConvertOptions, type ConversionReport } from './convert';
export { readIdx, parseIdx, writeIdx, readIdxImages, IDX_MAX_BYTES, type IdxArray, type IdxType, type ImageSet } from './idx';
export {
  LutLanguageModel,
  LUT_LM_DEFAULTS,
  LUT_LM_TRAIN_DEFAULTS,
  LUT_LM_GENERATE_DEFAULTS,
  learningRate,
  mobyDick,
  type LutLanguageModelOptions,
  type LmDataOptions,
  type LmTrainOptions,
  type LmTeacher,
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
  GROUP_SEARCH_DEFAULTS,
  type GroupSearchOptions,
  type GroupSearchRecord,
  type GroupSearchStats,
  type PolychronousGroup,
  type GroupFiring,
  type GroupLink,
  type GroupActivation,
  type Raster,
  type RasterQueryOptions,
  type ShuffledComparison,
} from './groups';
export { ngramBaselines, type NgramBaselines } from './ngram';
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
