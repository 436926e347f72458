import * as path from 'node:path';

import { withSignal, checkAsyncOptions } from './async';
import { addon, type NativeLutClassifier, type NativeLutEpoch, type NativeLutEvaluation, type NativeLutTrainResult } from './native';
import type { SimdLevel } from './simd';
import { checkOptions, shown } from './describe';

/** A latency grid: `steps` spike times over [low, high], the highest value first (defaults 0, 1, 256). */
export interface LatencyGridOptions {
  low?: number;
  high?: number;
  steps?: number;
}

/** One LUT layer of a classifier: `tables` tables of `comparisons` comparisons, `width` outputs. */
export interface LutClassifierLayer {
  /** Outputs of the layer (the hidden width; 2 … 65,536). All hidden layers share one width. */
  width: number;
  /** Tables T (1 … 4096). */
  tables: number;
  /** Comparisons per table C (1 … 30); each table holds 2^C rows. */
  comparisons: number;
}

/** How layer 0 draws its anchor pairs (the comparisons it makes of the input). */
export type AnchorPolicy = 'uniform' | 'local' | 'patch';

/** Options of a LUT classifier; every default comes from the native core (`LUT_CLASSIFIER_DEFAULTS`). */
export interface LutClassifierOptions {
  /** Input width d (for images rows × cols). */
  inputs: number;
  /** Number of classes K (labels 0 … K − 1). */
  classes: number;
  /** [rows, cols] of an image input (rows × cols = inputs): needed by 'local' and 'patch' anchors and by shift augmentation. */
  imageShape?: [number, number];
  /**
   * The hidden LUT layers: layer 0 reads the input, each further layer adds into the
   * hidden vector (a residual sum). [] puts the readout directly on the input.
   */
  layers?: LutClassifierLayer[];
  /** The readout LUT (hidden → class logits). */
  readout?: { tables?: number; comparisons?: number };
  /**
   * Layer 0's anchors: 'uniform' pairs over the input; 'local' pairs (b near a in the
   * image); 'patch' (every comparison of a table inside one small window of the image:
   * a table reads a local pattern, as a convolution filter would). Default: 'patch' for
   * images, 'uniform' otherwise.
   */
  anchors?: AnchorPolicy;
  /** Half-width of the 'local' / 'patch' window in pixels. */
  anchorRadius?: number;
  /** Constant inputs appended for layer 0 to compare against (x[a] > c): 0 … 256. */
  thresholds?: number;
  /** The thresholds are (k + 1) / (thresholds + 1) · thresholdScale. */
  thresholdScale?: number;
  /** Fraction of layer-0 comparisons made against a threshold. */
  thresholdShare?: number;
  /** Seeds the anchors. */
  seed?: number;
  /** Refuse a classifier whose tables would exceed this many bytes. */
  memoryLimit?: number;
  /** Kernel level (default: the process level). */
  simd?: SimdLevel;
}

/** One epoch's figures, as train() reports them. */
export type LutEpochReport = NativeLutEpoch;

export interface LutTrainOptions {
  /** Passes over the training part of the data. */
  epochs?: number;
  /** Samples per mini-batch: each is run against the tables as they were at the batch's start. */
  batch?: number;
  /** Peak learning rate of each row update (default: 1 / the largest table count). */
  learningRate?: number;
  /** Fraction of the run spent in a linear warm-up; the rest decays as a cosine to 0. */
  warmup?: number;
  /** Fraction of the data held out for validation (a seeded random split); 0: none. */
  validation?: number;
  /** Stop after this many epochs without a better validation accuracy (0: never). */
  patience?: number;
  /** Time budget for the whole call in seconds: training stops in time for its last validation. */
  seconds?: number;
  /** Seeds the split, the shuffling and the augmentation. */
  seed?: number;
  /** Threads; the result does not depend on it. */
  threads?: number;
  /** Augmentation: shift each training image by up to this many pixels (needs imageShape). */
  shift?: number;
  /** Augmentation: add uniform noise in [−noise, noise] to each training input. */
  noise?: number;
  /**
   * Distillation: another model's logits for the same images (n × classes). The output
   * gradient becomes (1 − teacherWeight)·(softmax − one-hot(label)) + teacherWeight·τ·
   * (softmax(logits/τ) − softmax(teacher/τ)), τ = `temperature`. Reported losses and
   * accuracies stay those against `labels`. convertToLut() builds on this.
   */
  teacher?: Float32Array;
  /** Weight of the teacher's term in [0, 1] (default 1: the labels only score validation). */
  teacherWeight?: number;
  /** Softmax temperature τ of the distillation term (default 1). */
  temperature?: number;
  /** Called after every epoch (JS thread). Throwing or rejecting stops training and rejects train(). */
  onEpoch?: (epoch: LutEpochReport) => unknown;
  /** Aborting stops at the next mini-batch; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface LutTrainResult extends Omit<NativeLutTrainResult, 'aborted' | 'stopped'> {
  /** Why training ended: 'epochs', 'patience' or 'time'. */
  stopped: 'epochs' | 'patience' | 'time';
}

export type LutEvaluation = NativeLutEvaluation;

/** The core's defaults for the classifier's configuration and training. */
export const LUT_CLASSIFIER_DEFAULTS = addon.lutClassifierDefaults() as {
  config: Required<Omit<LutClassifierOptions, 'inputs' | 'classes' | 'imageShape' | 'simd'>>;
  train: Required<Omit<LutTrainOptions, 'onEpoch' | 'signal' | 'seconds' | 'learningRate' | 'teacher'>>;
};

function threadsOption(options: { threads?: number } | undefined): object {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  return options.threads === undefined ? {} : { threads: options.threads };
}

// A loaded native classifier for the next constructor call to adopt (see load()).
let adopting: NativeLutClassifier | undefined;
// Each classifier's native object, for the other modules of the package (spiking-lut.ts).
const natives = new WeakMap<LutClassifier, NativeLutClassifier>();

/** @internal The native object of a classifier (package modules only). */
export function nativeLutClassifier(classifier: LutClassifier): NativeLutClassifier {
  const native = natives.get(classifier);
  if (native === undefined) throw new TypeError(`model must be a LutClassifier (got ${shown(classifier)})`);
  return native;
}

/** @internal A classifier around a native one made by the addon (a circuit's twin). */
export function adoptLutClassifier(native: NativeLutClassifier): LutClassifier {
  adopting = native;
  return new LutClassifier(undefined as unknown as LutClassifierOptions);
}

/** The direct path's table indices: every layer's, table by table, for each input. */
export interface LutTableIndices {
  /** n × (all tables of all layers, hidden layers first, then the readout). */
  indices: Uint32Array;
  /** The class of each input (the first largest logit). */
  classes: Uint32Array;
}

/**
 * A classifier made of look-up-table layers (spec lut-networks.md §1): layer 0 compares
 * pairs of input values (pixel against pixel), each table's comparisons form a row index,
 * and a layer's output is the sum of the rows its tables select — no multiplication.
 * Hidden layers add into one residual vector; a readout LUT turns it into class logits.
 * Trained with the spec's min-margin surrogate gradient in mini-batches.
 */
export class LutClassifier {
  readonly #native: NativeLutClassifier;

  constructor(options: LutClassifierOptions) {
    if (adopting !== undefined) {
      this.#native = adopting;
      adopting = undefined;
    } else {
      if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
      this.#native = new addon.NativeLutClassifier(options);
    }
    natives.set(this, this.#native);
  }

  /** Loads a classifier written by save(). */
  static async load(file: string, options: Pick<LutClassifierOptions, 'memoryLimit' | 'simd'> = {}): Promise<LutClassifier> {
    checkOptions(options);
    if (typeof file !== 'string' || file.length === 0) throw new TypeError('file must be a non-empty string');
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const native = new addon.NativeLutClassifier();
    await native.load(path.resolve(file), options);
    adopting = native;
    return new LutClassifier(undefined as unknown as LutClassifierOptions);
  }

  /** The configuration, defaults filled in. */
  get config(): Required<Omit<LutClassifierOptions, 'simd' | 'imageShape'>> & { imageShape?: [number, number] } {
    return this.#native.config() as unknown as Required<Omit<LutClassifierOptions, 'simd' | 'imageShape'>> & {
      imageShape?: [number, number];
    };
  }

  /** The SIMD level inference runs at. */
  get simd(): SimdLevel {
    return this.#native.simd as SimdLevel;
  }

  /** The row-update rate train() uses when no learningRate is given (1 / the largest table count). */
  get defaultLearningRate(): number {
    return this.#native.defaultLearningRate;
  }

  /** True while train(), evaluate(), predict(), save() or load() is in progress. */
  get busy(): boolean {
    return this.#native.busy;
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#native.closed;
  }

  /** Bytes of the tables, and of the whole model (tables, anchors and row marks). */
  memory(): { tableBytes: number; modelBytes: number } {
    return this.#native.memory();
  }

  /**
   * Trains on `images` (n × inputs values, e.g. pixels in [0, 1]) and `labels` (n class
   * numbers) on a worker thread. Keeps the tables of the epoch with the best validation
   * accuracy. With no time budget the result does not depend on `threads`.
   */
  async train(images: Float32Array, labels: ArrayBufferView, options: LutTrainOptions = {}): Promise<LutTrainResult> {
    checkOptions(options);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const { signal, onEpoch, ...rest } = options;
    checkAsyncOptions(signal, onEpoch, 'onEpoch');
    const native = this.#native;
    const result = await withSignal(
      (observe) => native.train(images, labels, rest, observe),
      () => native.cancel(),
      signal,
      onEpoch as ((epoch: NativeLutEpoch) => unknown) | undefined,
    );
    const { aborted: _aborted, ...kept } = result;
    return kept as LutTrainResult;
  }

  /** Accuracy and mean loss over a labelled set (worker thread). */
  evaluate(images: Float32Array, labels: ArrayBufferView, options?: { threads?: number }): Promise<LutEvaluation> {
    return this.#native.evaluate(images, labels, threadsOption(options));
  }

  /** The predicted class of each input (worker thread). */
  predict(images: Float32Array, options?: { threads?: number }): Promise<Uint32Array> {
    return this.#native.predict(images, threadsOption(options));
  }

  /**
   * Class logits of each input (n × classes), synchronously: the low-latency path (one
   * input, or a batch through the lane-major SIMD kernels; `threads` helpers for large
   * batches). With `out` (a Float32Array of n × classes) the logits are written there and
   * nothing is allocated. Bit-identical to logitsReference().
   */
  logits(images: Float32Array, options?: { threads?: number; out?: Float32Array }): Float32Array {
    if (options === undefined) return this.#native.logits(images);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    return this.#native.logits(images, options.threads, options.out);
  }

  /**
   * Every layer's table index for each input (worker thread, reference loops), and its
   * class: the look-ups a compiled spiking circuit must reproduce. With `grid`, every input
   * value (threshold constants included) is first rounded to that latency grid.
   */
  tableIndices(images: Float32Array, options: { grid?: LatencyGridOptions } = {}): Promise<LutTableIndices> {
    checkOptions(options);
    return this.#native.tableIndices(images, options.grid) as Promise<LutTableIndices>;
  }

  /** The same through the plain scalar reference loop (Lut::forward layer by layer). */
  logitsReference(images: Float32Array): Float32Array {
    return this.#native.logitsReference(images);
  }

  /**
   * Nanoseconds per input of inference over `images`, timed natively: `batch` 1 runs one
   * input per call (latency), a larger batch runs calls of that many inputs on `threads`
   * threads (throughput). For benchmarks.
   */
  timeInference(images: Float32Array, options: { batch: number; threads?: number; repeats?: number }): number {
    return this.#native.timeInference(images, options);
  }

  /** Writes the classifier as safetensors (atomically); 'float16' halves the file, lossily. */
  save(file: string, options: { precision?: 'float32' | 'float16' } = {}): Promise<void> {
    checkOptions(options);
    if (typeof file !== 'string' || file.length === 0) throw new TypeError('file must be a non-empty string');
    return this.#native.save(path.resolve(file), options);
  }

  /** Frees the tables now rather than at garbage collection. */
  close(): void {
    this.#native.close();
  }
}
