/**
 * Recorders that a network feeds while it runs: spikes (all or some neurons, bounded by
 * count or time window), state variables of chosen neurons, and population rates.
 * Their memory is bounded by their options, whatever the length of the run.
 */
import { Population } from './network-population';
import { checkAttached, checkOptions, shown } from './describe';

/** A growable pair of arrays that can drop its oldest entries cheaply. */
class SpikeBuffer {
  #times = new Float64Array(1024);
  #neurons = new Uint32Array(1024);
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  push(times: Float64Array, neurons: Uint32Array, keep: (t: number, n: number) => boolean): void {
    for (let k = 0; k < times.length; k++) {
      if (!keep(times[k], neurons[k])) continue;
      if (this.#end === this.#times.length) this.#grow();
      this.#times[this.#end] = times[k];
      this.#neurons[this.#end] = neurons[k];
      this.#end++;
    }
  }

  /** Drops entries from the front while `drop(time)` holds or while more than `max` remain. */
  trim(max: number, drop: (t: number) => boolean): void {
    if (this.length > max) this.#start = this.#end - max;
    while (this.#start < this.#end && drop(this.#times[this.#start])) this.#start++;
  }

  times(): Float64Array {
    return this.#times.slice(this.#start, this.#end);
  }

  neurons(): Uint32Array {
    return this.#neurons.slice(this.#start, this.#end);
  }

  clear(): void {
    this.#start = this.#end = 0;
  }

  #grow(): void {
    const live = this.length;
    // Compact first; double only when more than half is live.
    const capacity = live * 2 > this.#times.length ? this.#times.length * 2 : this.#times.length;
    const times = new Float64Array(capacity);
    const neurons = new Uint32Array(capacity);
    times.set(this.#times.subarray(this.#start, this.#end));
    neurons.set(this.#neurons.subarray(this.#start, this.#end));
    this.#times = times;
    this.#neurons = neurons;
    this.#start = 0;
    this.#end = live;
  }
}

export interface SpikeMonitorOptions {
  /** Which neurons: a population, or network indices (default: all). */
  neurons?: Population | Uint32Array;
  /** Keep at most this many spikes, the most recent (default: no limit). */
  maxSpikes?: number;
  /** Keep only spikes of the last `windowMs` ms of simulated time (default: no limit). */
  windowMs?: number;
}

/** Spikes recorded across runs; the oldest go first when a bound is reached. */
export class SpikeMonitor {
  readonly #buffer = new SpikeBuffer();
  readonly #keep: (t: number, n: number) => boolean;
  readonly #maxSpikes: number;
  readonly #windowMs: number;

  constructor(options: SpikeMonitorOptions = {}) {
    checkOptions(options);
    const { neurons, maxSpikes = Infinity, windowMs = Infinity } = options;
    if (typeof maxSpikes !== 'number') throw new TypeError(`maxSpikes must be a number (got ${shown(maxSpikes)})`);
    if (!(maxSpikes >= 0)) throw new RangeError(`maxSpikes must be >= 0 (got ${shown(maxSpikes)})`);
    if (typeof windowMs !== 'number') throw new TypeError(`windowMs must be a number (got ${shown(windowMs)})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0 (got ${shown(windowMs)})`);
    if (neurons !== undefined && !(neurons instanceof Uint32Array) && !(neurons instanceof Population)) {
      throw new TypeError(`neurons must be a Uint32Array or a Population (got ${shown(neurons)})`);
    }
    if (neurons instanceof Uint32Array) checkAttached(neurons, 'neurons');
    this.#maxSpikes = maxSpikes;
    this.#windowMs = windowMs;
    if (neurons === undefined) {
      this.#keep = () => true;
    } else if (neurons instanceof Uint32Array) {
      const set = new Set(neurons);
      this.#keep = (_t, n) => set.has(n);
    } else {
      const { first, size } = neurons;
      this.#keep = (_t, n) => n >= first && n < first + size;
    }
  }

  /** @internal Called by the network with each chunk of spikes and its time after the chunk. */
  record(times: Float64Array, neurons: Uint32Array, now: number): void {
    this.#buffer.push(times, neurons, this.#keep);
    this.#buffer.trim(this.#maxSpikes, (t) => t < now - this.#windowMs);
  }

  get count(): number {
    return this.#buffer.length;
  }

  /** Spike times (ms), ascending; a copy. */
  get times(): Float64Array {
    return this.#buffer.times();
  }

  /** Neuron of each spike; a copy. */
  get neurons(): Uint32Array {
    return this.#buffer.neurons();
  }

  clear(): void {
    this.#buffer.clear();
  }
}

export interface StateMonitorOptions {
  /** Network indices of the neurons to sample. */
  neurons: Uint32Array | Population;
  /** Sampling period in ms (default 1). */
  every?: number;
}

/** v, u and the input I of chosen neurons, sampled every `every` ms. */
export class StateMonitor {
  /** Neurons sampled (network indices), in the order of each sample's values. */
  readonly neurons: Uint32Array;
  readonly every: number;
  #times: number[] = [];
  #v: number[] = [];
  #u: number[] = [];
  #I: number[] = [];

  /** @internal */
  constructor(neurons: Uint32Array, every: number, readonly id: number) {
    this.neurons = neurons;
    this.every = every;
  }

  /** @internal */
  append(samples: { times: Float64Array; v: Float32Array; u: Float32Array; I: Float32Array }): void {
    for (const x of samples.times) this.#times.push(x);
    for (const x of samples.v) this.#v.push(x);
    for (const x of samples.u) this.#u.push(x);
    for (const x of samples.I) this.#I.push(x);
  }

  /** Sample times (ms): sample k holds the input of that ms and v, u after its update. */
  get times(): Float64Array {
    return Float64Array.from(this.#times);
  }

  /** Values as samples × neurons, row-major: value of neuron j at sample k is at k·n + j. */
  get v(): Float32Array {
    return Float32Array.from(this.#v);
  }

  get u(): Float32Array {
    return Float32Array.from(this.#u);
  }

  get I(): Float32Array {
    return Float32Array.from(this.#I);
  }

  /** The trace of one monitored neuron (its position in `neurons`). */
  trace(j: number, variable: 'v' | 'u' | 'I' = 'v'): Float32Array {
    const n = this.neurons.length;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`j must be an integer in [0, ${n - 1}] (got ${shown(j)})`);
    const all = variable === 'v' ? this.#v : variable === 'u' ? this.#u : this.#I;
    return Float32Array.from({ length: this.#times.length }, (_, k) => all[k * n + j]);
  }

  clear(): void {
    this.#times = [];
    this.#v = [];
    this.#u = [];
    this.#I = [];
  }
}

export interface RateMonitorOptions {
  /** Bin width in ms (default 100). */
  binMs?: number;
}

/** Firing rate (Hz per neuron) of each population per time bin. */
export class RateMonitor {
  readonly binMs: number;
  readonly #populations: readonly Population[];
  readonly #counts = new Map<number, number[]>();

  /** @internal */
  constructor(populations: readonly Population[], options: RateMonitorOptions = {}) {
    checkOptions(options);
    this.binMs = options.binMs ?? 100;
    if (typeof this.binMs !== 'number') throw new TypeError(`binMs must be a number (got ${shown(this.binMs)})`);
    if (!(Number.isInteger(this.binMs) && this.binMs >= 1)) throw new RangeError(`binMs must be an integer >= 1 (got ${shown(this.binMs)})`);
    this.#populations = populations;
  }

  /** @internal */
  record(times: Float64Array, neurons: Uint32Array): void {
    for (let k = 0; k < times.length; k++) {
      const bin = Math.floor(times[k] / this.binMs);
      let row = this.#counts.get(bin);
      if (row === undefined) {
        row = new Array<number>(this.#populations.length).fill(0);
        this.#counts.set(bin, row);
      }
      const p = this.#populations.findIndex((q) => neurons[k] >= q.first && neurons[k] < q.first + q.size);
      if (p >= 0) row[p]++;
    }
  }

  /** One row per bin that saw a spike: its start (ms) and each population's rate in Hz. */
  rates(): Array<{ start: number; rates: Record<string, number> }> {
    return [...this.#counts.keys()].sort((a, b) => a - b).map((bin) => ({
      start: bin * this.binMs,
      rates: Object.fromEntries(this.#populations.map((q, p) => [q.name, (this.#counts.get(bin)![p] / q.size) * (1000 / this.binMs)])),
    }));
  }

  clear(): void {
    this.#counts.clear();
  }
}
