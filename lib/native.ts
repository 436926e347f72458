/**
 * Loads the native addon: a local build first (build/Release), then the prebuilt binary
 * for this platform (prebuilds/<platform>-<arch>/). `POLYCHRON_ADDON` may name an addon
 * file to load instead (the sanitizer build uses it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package's root folder (the one holding package.json). */
export const packageRoot = path.resolve(__dirname, '..');

const ADDON_FILE = 'polychron.node';
const PLATFORM_ARCH = `${process.platform}-${process.arch}`;

/** The shape of the addon's exports, mirrored from native/addon/. */
export interface NativeAddon {
  simd(): string;
  supportedSimdLevels(): string[];
  cpuModel(): string;
  /** The STDP trace decay kernel of one SIMD level on its own (for the tests of its twins). */
  _traceDecay(input: Float32Array, factor: number, simd: string): Float32Array;
  NativeIzhikevichPopulation: new (options: object) => NativeIzhikevichPopulation;
  NativeNetwork: {
    new (options: object): NativeNetwork;
    load(path: string, simd?: string, threads?: number | 'auto', neuronUpdates?: 'auto' | 'dense'): Promise<NativeNetwork>;
  };
  NativeLutLayer: new (options: object) => NativeLutLayer;
  NativeLanguageModel: new (options?: object) => NativeLanguageModel;
  NativeLutClassifier: new (options?: object) => NativeLutClassifier;
  lutCircuitTrain(layout: object, images: Float32Array, start: number): { times: Float64Array; neurons: Uint32Array };
  NativeDenseModel: new () => NativeDenseModel;
  lutClassifierDefaults(): { config: Record<string, unknown>; train: Record<string, number> };
  lmDefaults(): {
    config: Record<string, number | boolean | string>;
    train: { every: number; resume: boolean; protocol: string; validationSnippets: number; holdout: number };
    generate: { length: number; temperature: number; seed: number };
    maxPrompts: number;
  };
  lmLearningRate(step: number, warmup: number): number;
  groupSearchDefaults(): {
    anchors: number; strongFraction: number; maxWeight: number; minPath: number; budget: 'extended' | 'fixed'; shuffle: 'weights' | 'targets';
  };
  /** The core's defaults of a network's options (NETWORK_DEFAULTS in lib/network.ts). */
  networkDefaults(): NativeNetworkDefaults;
  matchRaster(
    offsets: Uint32Array,
    neurons: Uint32Array,
    times: Float64Array,
    rasterNeurons: Uint32Array,
    rasterTimes: Float64Array,
    neuronCount: number,
    options: object,
  ): Promise<{ group: Uint32Array; matched: Uint32Array; onset: Float64Array }>;
}

/** What networkDefaults() returns. */
export interface NativeNetworkDefaults {
  stdp: Record<string, number>;
  plasticity: { stdp2006: Record<string, number>; pair: Record<string, number | boolean>; dopamine: Record<string, number> };
  lif: Record<string, number>;
  thalamic: { perMs: number; current: number };
  delay: number;
}

/** One group as the search returns it (see lib/groups.ts). */
export interface NativeGroup {
  mother: number;
  anchors: Uint32Array;
  neurons: Uint32Array;
  times: Uint32Array;
  layers: Uint32Array;
  /** (pre, post, delay, layer) per link. */
  links: Uint32Array;
  span: number;
  longestPath: number;
}

export interface NativeLutLayer {
  forward(x: Float32Array): Float32Array;
  forwardReference(x: Float32Array): Float32Array;
  lookup(x: Float32Array): { index: Uint32Array; rMin: Uint32Array; uMin: Float32Array };
  compileSpiking(options: object): NativeCompiledCircuit;
  tableIndices(xs: Float32Array, grid?: object): Uint32Array;
  backward(x: Float32Array, g: Float32Array, lr: number): Float32Array;
  row(table: number, index: number): Float32Array;
  setRow(table: number, index: number, values: ArrayLike<number>): void;
  anchors(): { a: Uint32Array; b: Uint32Array };
  setAnchors(a: ArrayLike<number>, b: ArrayLike<number>): void;
  timeForward(x: Float32Array, batched: boolean, repeats: number): number;
  shape(): { inputs: number; outputs: number; tables: number; comparisons: number };
  memory(): { tableBytes: number; mappedBytes: number };
  readonly simd: string;
  readonly closed: boolean;
  close(): void;
}

export interface NativeTrainEvent {
  step: number;
  lr: number;
  loss: number;
  validation?: number;
  validatedAt?: number;
}

export interface NativeLanguageModel {
  load(path: string, options: object): Promise<void>;
  train(
    text: Uint8Array,
    options: object,
    onEvent?: (event: NativeTrainEvent) => void,
  ): Promise<{ steps: number; aborted: boolean; losses: Float64Array; starts: Float64Array; validations: Float64Array }>;
  evaluate(text: Uint8Array, options: object): Promise<number>;
  generate(prompt: Uint8Array, options: object): Promise<Uint8Array>;
  generate(prompts: Uint8Array[], options: object): Promise<Uint8Array[]>;
  save(path: string, options?: object): Promise<void>;
  config(): Record<string, number | boolean | string>;
  memory(): { tableBytes: number; mappedBytes: number };
  dataRecord(): { protocol: string; bytes: number; crc32: number };
  readonly step: number;
  readonly impl: string;
  readonly threads: number;
  readonly busy: boolean;
  readonly closed: boolean;
  cancel(): void;
  close(): void;
}

export interface NativeLutEpoch {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number;
  validationAccuracy: number;
  learningRate: number;
  seconds: number;
  best: boolean;
}

export interface NativeLutTrainResult {
  /** Epochs run (the last may be partial when the time budget ran out). */
  epochs: number;
  /** The epoch whose tables the classifier now holds (best validation accuracy). */
  bestEpoch: number;
  validationAccuracy: number;
  validationLoss: number;
  trainExamples: number;
  validationExamples: number;
  /** Why training ended: 'epochs', 'patience', 'time' or 'cancelled'. */
  stopped: string;
  aborted: boolean;
  seconds: number;
  history: NativeLutEpoch[];
}

export interface NativeLutEvaluation {
  examples: number;
  correct: number;
  /** correct / examples. */
  accuracy: number;
  /** Mean softmax cross-entropy, nats. */
  loss: number;
}

export interface NativeLutClassifier {
  load(path: string, options: object): Promise<void>;
  train(
    images: Float32Array,
    labels: ArrayBufferView,
    options: object,
    onEpoch?: (epoch: NativeLutEpoch) => void,
  ): Promise<NativeLutTrainResult>;
  evaluate(images: Float32Array, labels: ArrayBufferView, options: object): Promise<NativeLutEvaluation>;
  predict(images: Float32Array, options: object): Promise<Uint32Array>;
  logits(images: Float32Array, threads?: number, out?: Float32Array): Float32Array;
  logitsReference(images: Float32Array): Float32Array;
  timeInference(images: Float32Array, options: object): number;
  compileSpiking(options: object): Promise<NativeCompiledCircuit>;
  tableIndices(images: Float32Array, grid?: object): Promise<{ indices: Uint32Array; classes: Uint32Array }>;
  save(path: string, options?: object): Promise<void>;
  config(): Record<string, unknown>;
  memory(): { tableBytes: number; modelBytes: number };
  readonly defaultLearningRate: number;
  readonly busy: boolean;
  readonly closed: boolean;
  readonly simd: string;
  cancel(): void;
  close(): void;
}

export interface NativeDenseModelInfo {
  format: 'onnx' | 'safetensors';
  inputs: number;
  outputs: number;
  parameters: number;
  multiplyAccumulates: number;
  layers: { inputs: number; outputs: number; activation: 'relu' | 'tanh' | 'sigmoid' | 'none' }[];
}

export interface NativeDenseModel {
  load(path: string, options: object): Promise<void>;
  info(): NativeDenseModelInfo;
  logits(images: Float32Array, options: object): Promise<Float32Array>;
  timeInference(images: Float32Array, options: object): number;
  close(): void;
}

export interface NativeRunResult {
  steps: number;
  aborted: boolean;
  spikeTimes: Float64Array;
  spikeNeurons: Uint32Array;
}

export interface NativeIzhikevichPopulation {
  readonly size: number;
  readonly numerics: string;
  readonly simd: string;
  readonly time: number;
  readonly v: Float32Array;
  readonly u: Float32Array;
  readonly closed: boolean;
  readonly busy: boolean;
  step(current?: Float32Array | number): Uint32Array;
  run(
    steps: number,
    current: Float32Array | number | undefined,
    onProgress: ((done: number, total: number) => void) | undefined,
    record: boolean,
  ): Promise<NativeRunResult>;
  cancel(): void;
  close(): void;
}

export interface NativeSynapses {
  pre: Uint32Array;
  post: Uint32Array;
  delay: Uint8Array;
  weight: Float32Array;
  derivative: Float32Array;
  projection: Uint16Array;
}

export interface NativeNetworkStats {
  neurons: number;
  time: number;
  spikes: number;
  synapticEvents: number;
  built: boolean;
  synapses?: number;
  maxDelay?: number;
  synapseBytes?: number;
  stateBytes?: number;
  mode: string;
  simd: string;
  /** Threads the loop was given (for 'auto', the cores). */
  threads: number;
  /** Threads it uses now: 1 or `threads`, whichever the run's own timing found faster. */
  threadsInUse: number;
  compactSynapses: boolean;
  /** Fast mode with 2006 rules only, once built: STDP computed from spike histories once per period. */
  stdpFromHistory: boolean;
  /**
   * Whether the last run updated only the neurons that do not rest (see
   * NetworkOptions.neuronUpdates); false before the first run.
   */
  eventDriven: boolean;
  /**
   * Neuron updates (one neuron integrated over one ms) of the last run: for the dense
   * loop, the neurons (spike sources left out) times the ms; event-driven, those done.
   */
  neuronUpdates: number;
}

export interface NativeCompiledCircuit {
  network: NativeNetwork;
  layout: Record<string, unknown>;
  twin?: NativeLutClassifier;
}

export interface NativeCircuitRun {
  classes?: Uint32Array;
  indices: Uint32Array;
  examples: number;
  spikes: number;
  synapticEvents: number;
  neuronUpdates: number;
  simulatedMs: number;
  aborted: boolean;
}

export interface NativeNetwork {
  runLutCircuit(layout: object, images: Float32Array, width: number): Promise<NativeCircuitRun>;
  readonly time: number;
  readonly neurons: number;
  readonly built: boolean;
  readonly busy: boolean;
  readonly closed: boolean;
  addIzhikevich(options: object): number;
  addLif(options: object): number;
  addProjection(plasticity: boolean | object): number;
  dropProjection(id: number): void;
  reward(amount: number): void;
  addPairReward(pre: number, post: number, windowMs: number, delayMs: number, amount: number): void;
  setDopamineDecay(decay: number): void;
  readonly dopamine: number;
  generate(projection: number, sources: Uint32Array, targets: Uint32Array, rule: object, delay: unknown, weight: unknown): void;
  addSynapses(projection: number, pre: Uint32Array, post: Uint32Array, delay: unknown, weight: unknown): void;
  addThalamic(first: number, count: number, perMs?: number, current?: number): void;
  addSchedule(times: unknown, neurons: Uint32Array, currents: unknown, assign: boolean): void;
  addConstant(first: number, current: unknown): void;
  addStepped(first: number, count: number, times: unknown, amplitudes: unknown): void;
  addNoise(first: number, count: number, low: number, high: number): void;
  addPoisson(size: number, rateHz: number): number;
  addTrain(size: number, times: unknown, neurons: Uint32Array): number;
  setTrain(first: number, times: unknown, neurons: Uint32Array): void;
  build(): void;
  run(
    ms: number,
    onProgress: ((done: number, total: number) => void) | undefined,
    record: boolean,
    lease?: number,
  ): Promise<NativeRunResult>;
  /** Keeps the network busy with a run() until release(lease); calls passing the lease still run. */
  hold(): number;
  release(lease: number): void;
  cancel(): void;
  close(): void;
  save(path: string): Promise<void>;
  synapses(): NativeSynapses;
  setPlastic(projection: number, plastic: boolean): void;
  setFrozen(frozen: boolean): void;
  stats(): NativeNetworkStats;
  plasticWeights(): { count: number; mean: number };
  addProbe(neurons: Uint32Array, every: number): number;
  takeProbe(id: number, lease?: number): { times: Float64Array; v: Float32Array; u: Float32Array; I: Float32Array };
  state(): { v: Float32Array; u: Float32Array };
  findGroups(
    options: object,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ groups: NativeGroup[]; aborted: boolean; mothers: number; replays: number }>;
  /** The control's weight shuffle, in place (weights and STDP derivatives). */
  shuffleExcitatoryWeights(seed: number): void;
  replayPattern(neurons: Uint32Array, times: Uint32Array, options?: object): { neurons: Uint32Array; times: Uint32Array };
}

/** The paths tried, in order (without the POLYCHRON_ADDON override). */
export function addonCandidates(): string[] {
  return [
    path.join(packageRoot, 'build', 'Release', ADDON_FILE),
    path.join(packageRoot, 'prebuilds', PLATFORM_ARCH, ADDON_FILE),
  ];
}

function loadAddon(): NativeAddon {
  const override = process.env.POLYCHRON_ADDON;
  if (override) return require(path.resolve(override)) as NativeAddon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bindings = require('bindings') as (options: object) => NativeAddon;
    return bindings({
      bindings: ADDON_FILE,
      module_root: packageRoot,
      platformArch: PLATFORM_ARCH,
      try: [
        ['module_root', 'build', 'Release', 'bindings'],
        ['module_root', 'prebuilds', 'platformArch', 'bindings'],
      ],
    });
  } catch (cause) {
    const tried = addonCandidates().map((p) => `  ${p}`).join('\n');
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    const shipped = prebuiltPlatforms();
    throw new Error(
      `polychron: no native addon could be loaded for ${PLATFORM_ARCH} (${reason}).\n` +
        `Tried:\n${tried}\n` +
        `Prebuilt binaries in this package: ${shipped.length > 0 ? shipped.join(', ') : 'none'}` +
        `${libcNote()}.\n` +
        `Build it from source (needs cmake, a C++17 compiler and the packages cmake-js and node-addon-api,\n` +
        `which a prebuilt install leaves out) with:\n` +
        `  npm install cmake-js node-addon-api && npm rebuild polychron`,
      { cause },
    );
  }
}

/** The platforms whose prebuilt binary this package carries (prebuilds/<platform>-<arch>/). */
function prebuiltPlatforms(): string[] {
  try {
    const dir = path.join(packageRoot, 'prebuilds');
    return fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, ADDON_FILE))).sort();
  } catch {
    return [];
  }
}

/** On Linux, the C library the prebuilt binaries need against the one running. */
function libcNote(): string {
  if (process.platform !== 'linux') return '';
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  return `; the Linux ones need glibc >= 2.36, and this system has ${glibc ? `glibc ${glibc}` : 'no glibc (musl?)'}`;
}

/** The addon, loaded when this module is first required. */
export const addon: NativeAddon = loadAddon();

/** The file the addon was loaded from. */
export const addonPath: string =
  Object.keys(require.cache).find((file) => file.endsWith(ADDON_FILE)) ?? 'unknown';
