import { withSignal, type AsyncOptions } from './async';
import { addon, type NativeIzhikevichPopulation } from './native';
import type { SimdLevel } from './simd';
import { checkOptions, shown } from './describe';

/**
 * `exact`: float32 state, float64 parameters, every right-hand side evaluated in float64
 * and rounded to float32 on assignment, no fused multiply-add; bit-identical on every
 * SIMD level and to the 2006 reference program.
 * `fast`: float32 throughout; the AVX2/AVX-512 kernels use fused multiply-add and agree
 * with the scalar kernel to a few float32 ulps per step.
 */
export type Numerics = 'exact' | 'fast';

/** A value for every neuron, or one value for all of them. */
export type PerNeuron = number | readonly number[] | Float64Array | Float32Array;

export interface IzhikevichParameters {
  /** Time scale of the recovery variable u. */
  a: number;
  /** Sensitivity of u to the sub-threshold membrane potential v. */
  b: number;
  /** After-spike reset value of v (mV). */
  c: number;
  /** After-spike increment of u. */
  d: number;
}

/** Izhikevich (2003) firing types. */
export const IZHIKEVICH_PRESETS = Object.freeze({
  /** Regular spiking (excitatory cortical). */
  RS: Object.freeze({ a: 0.02, b: 0.2, c: -65, d: 8 }),
  /** Intrinsically bursting. */
  IB: Object.freeze({ a: 0.02, b: 0.2, c: -55, d: 4 }),
  /** Chattering. */
  CH: Object.freeze({ a: 0.02, b: 0.2, c: -50, d: 2 }),
  /** Fast spiking (inhibitory interneuron). */
  FS: Object.freeze({ a: 0.1, b: 0.2, c: -65, d: 2 }),
  /** Low-threshold spiking. */
  LTS: Object.freeze({ a: 0.02, b: 0.25, c: -65, d: 2 }),
  /** Thalamo-cortical. */
  TC: Object.freeze({ a: 0.02, b: 0.25, c: -65, d: 0.05 }),
  /** Resonator. */
  RZ: Object.freeze({ a: 0.1, b: 0.26, c: -65, d: 2 }),
}) satisfies Record<string, Readonly<IzhikevichParameters>>;

export type IzhikevichPreset = keyof typeof IZHIKEVICH_PRESETS;

export interface IzhikevichPopulationOptions {
  /** Number of neurons, 1 to 2^27. */
  size: number;
  /** Parameters not given explicitly come from this preset (default 'RS'). */
  preset?: IzhikevichPreset;
  a?: PerNeuron;
  b?: PerNeuron;
  c?: PerNeuron;
  d?: PerNeuron;
  /** Initial membrane potential in mV (default −65). */
  v?: PerNeuron;
  /** Initial recovery variable (default b·v). */
  u?: PerNeuron;
  /** Default 'exact'. */
  numerics?: Numerics;
  /** Kernel level for this population (default: `simd()`); RangeError if the CPU lacks it. */
  simd?: SimdLevel;
}

/** Per-step input current: one value per neuron, one value for all, or none (zero). */
export type Current = Float32Array | number | undefined;

export interface RunOptions extends AsyncOptions {
  /** Input current applied at every step (copied when the run starts). Default 0. */
  current?: Current;
  /** Record the spikes (default true). */
  record?: boolean;
}

export interface RunResult {
  /** Steps run (equal to the steps asked for). */
  steps: number;
  /** Spike times in ms (the population's clock), ascending; pairs with spikeNeurons. */
  spikeTimes: Float64Array;
  /** Neuron index of each spike; within one ms, ascending. */
  spikeNeurons: Uint32Array;
}

/**
 * The parameters a, b, c, d of `options`: each given one, else the preset's (default
 * 'RS'). Throws a TypeError for an unknown preset.
 */
export function izhikevichParameters(options: {
  preset?: IzhikevichPreset;
  a?: PerNeuron;
  b?: PerNeuron;
  c?: PerNeuron;
  d?: PerNeuron;
}): { a: PerNeuron; b: PerNeuron; c: PerNeuron; d: PerNeuron } {
  const presetName = options.preset ?? 'RS';
  // Only the presets' own names: a key such as 'toString', or an object turned into a key, is no preset.
  const preset: IzhikevichParameters | undefined =
    typeof presetName === 'string' && Object.hasOwn(IZHIKEVICH_PRESETS, presetName) ? IZHIKEVICH_PRESETS[presetName] : undefined;
  if (preset === undefined) {
    throw new TypeError(
      `preset must be one of ${Object.keys(IZHIKEVICH_PRESETS).join(', ')} (got ${shown(presetName)})`,
    );
  }
  return { a: options.a ?? preset.a, b: options.b ?? preset.b, c: options.c ?? preset.c, d: options.d ?? preset.d };
}

/**
 * A population of Izhikevich neurons, stepped 1 ms at a time:
 * spike detection (v ≥ 30 mV: v = c, u += d), then two 0.5 ms half-steps of
 * v' = 0.04v² + 5v + 140 − u + I, then u' = a(bv − u).
 */
export class IzhikevichPopulation {
  readonly #native: NativeIzhikevichPopulation;

  constructor(options: IzhikevichPopulationOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('options must be an object such as { size: 1000 }');
    }
    this.#native = new addon.NativeIzhikevichPopulation({
      size: options.size,
      ...izhikevichParameters(options),
      v: options.v,
      u: options.u,
      numerics: options.numerics,
      simd: options.simd,
    });
  }

  get size(): number {
    return this.#native.size;
  }

  get numerics(): Numerics {
    return this.#native.numerics as Numerics;
  }

  /** The SIMD level of this population's kernel. */
  get simd(): SimdLevel {
    return this.#native.simd as SimdLevel;
  }

  /** Milliseconds simulated so far (steps taken). */
  get time(): number {
    return this.#native.time;
  }

  /** Membrane potentials (mV), a live view of the native state: no copy, writable. */
  get v(): Float32Array {
    return this.#native.v;
  }

  /** Recovery variables, a live view of the native state: no copy, writable. */
  get u(): Float32Array {
    return this.#native.u;
  }

  get closed(): boolean {
    return this.#native.closed;
  }

  /** True while a run() is in progress. */
  get busy(): boolean {
    return this.#native.busy;
  }

  /**
   * Advances 1 ms with the given input current (a Float32Array of `size` values is
   * read in place, not copied). Returns the indices of the neurons that fired at the
   * start of this step, ascending.
   */
  step(current?: Current): Uint32Array {
    return this.#native.step(current);
  }

  /**
   * Runs `steps` ms off the JavaScript thread. While it runs, step(), run() and close()
   * throw, and v and u must not be written.
   */
  async run(steps: number, options: RunOptions = {}): Promise<RunResult> {
    checkOptions(options);
    const { current, signal, onProgress, record = true } = options;
    const result = await withSignal(
      (observe) => this.#native.run(steps, current, observe, record),
      () => this.#native.cancel(),
      signal,
      onProgress,
    );
    return { steps: result.steps, spikeTimes: result.spikeTimes, spikeNeurons: result.spikeNeurons };
  }

  /**
   * Frees the native state now rather than at garbage collection. Views obtained from
   * `v` and `u` stay readable. Idempotent; throws while a run() is in progress.
   */
  close(): void {
    this.#native.close();
  }
}
