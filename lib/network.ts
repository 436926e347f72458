import { runNative, type AsyncOptions } from './async';
import {
  RateMonitor,
  SpikeMonitor,
  StateMonitor,
  type RateMonitorOptions,
  type SpikeMonitorOptions,
  type StateMonitorOptions,
} from './monitors';
import { addon, type NativeNetwork, type NativeNetworkStats } from './native';
import { Population } from './network-population';
import { izhikevichParameters, type IzhikevichPopulationOptions, type PerNeuron } from './population';
import type { SimdLevel } from './simd';
import { checkName, checkOptions, shown } from './describe';

export { Population };

/**
 * `reference`: exact neuron numerics and the delivery order of the 2006 reference program;
 * reproduces its spikes and weights bit for bit. `fast`: float32 neuron kernels with fused
 * multiply-add; close to reference (see docs/api.md) and faster.
 */
export type NetworkMode = 'reference' | 'fast';

/** The 2006 STDP rule's constants (spnet.md); every one has the reference's default. */
export interface Stdp2006Options {
  /** LTP trace value set at a spike (default 0.1). */
  aPlus?: number;
  /** LTD trace value set at a spike (default 0.12). */
  aMinus?: number;
  /** LTP trace factor per ms (default 0.95, τ ≈ 20 ms). */
  decayPlus?: number;
  /** LTD trace factor per ms (default 0.95). */
  decayMinus?: number;
  /** Added to every plastic weight each period (default 0.01). */
  bias?: number;
  /** Factor applied to each derivative sd each period (default 0.9). */
  derivativeDecay?: number;
  /** Weight bounds (default [0, 10]). */
  wMin?: number;
  wMax?: number;
  /** Weight update period in ms (default 1000). */
  periodMs?: number;
}

/**
 * A projection's learning rule (see docs/api.md, "Plasticity"):
 * - `stdp2006`: the 2006 rule with the network's `stdp` constants;
 * - `pair`: pair-based STDP with traces, additive or multiplicative, all-to-all or nearest;
 * - `dopamine`: the 2006 derivative as an eligibility trace, gated by dopamine (Izhikevich 2007).
 */
export type PlasticityOptions =
  | { kind: 'stdp2006' }
  | {
    kind: 'pair';
    /** Potentiation per pairing (default 0.01). */
    aPlus?: number;
    /** Depression per pairing (default 0.012). */
    aMinus?: number;
    /** Trace time constants, ms (default 20). */
    tauPlus?: number;
    tauMinus?: number;
    /** Weight bounds (default [0, 1]). */
    wMin?: number;
    wMax?: number;
    /** Changes scale with the distance to the bound (default false: additive). */
    multiplicative?: boolean;
    /** Traces set to 1 at a spike instead of adding 1 (default false: all-to-all). */
    nearest?: boolean;
  }
  | {
    kind: 'dopamine';
    /** Every periodMs: w += (bias + DA)·sd, then sd ×= eligibilityDecay (defaults 0, 10 ms, 0.99). */
    bias?: number;
    periodMs?: number;
    eligibilityDecay?: number;
    /** Weight bounds (default [0, 4]). */
    wMin?: number;
    wMax?: number;
  };

type RuleConstants<Kind extends PlasticityOptions['kind']> = Required<Omit<Extract<PlasticityOptions, { kind: Kind }>, 'kind'>>;

/**
 * The core's defaults of what a network's options leave out (docs/api.md lists them): the
 * 2006 STDP constants, each plasticity rule's constants (the 2006 rule learns with the
 * network's `stdp`), a LIF population's constants, a thalamic input's, a projection's delay.
 */
export const NETWORK_DEFAULTS = addon.networkDefaults() as {
  stdp: Required<Stdp2006Options>;
  plasticity: { stdp2006: Required<Stdp2006Options>; pair: RuleConstants<'pair'>; dopamine: RuleConstants<'dopamine'> };
  lif: { tau: number; vRest: number; vReset: number; vThreshold: number; resistance: number; refractory: number };
  thalamic: { perMs: number; current: number };
  delay: number;
};

export interface NetworkOptions {
  /** Default 'reference'. */
  mode?: NetworkMode;
  /** Seeds connectivity and random inputs (default 0). */
  seed?: number;
  /** Kernel level (default: `simd()`). */
  simd?: SimdLevel;
  /**
   * Threads for the millisecond loop: 'auto' (the default: one per core) or an integer in
   * [1, 256]. Results are bit-identical for any thread count, in both modes: each phase is
   * split so that every value is written by one thread, in the serial order. The loop
   * uses the extra threads only while they pay: it times stretches of the run on one
   * thread and on all, and keeps the faster (`stats().threadsInUse`), so a small network,
   * or a machine busy with other work, runs on one.
   */
  threads?: number | 'auto';
  /**
   * 'adaptive' (default): extra threads only while the run's own timing shows they pay;
   * 'all': every thread at every millisecond (for benchmarks and tests of the split).
   */
  threadPolicy?: 'adaptive' | 'all';
  /**
   * Store plastic synapses in 4 bytes less (15.7 B per synapse for the 2006 network instead
   * of 18.9): STDP then finds each incoming synapse by scanning its small delay group, which
   * is slower (1.7× at 10⁶ neurons). Results are identical. Default false.
   */
  compactSynapses?: boolean;
  /**
   * The most bytes the synapses may take (default 8 GiB): a network that would need more
   * is refused when it is built (its first run), before they are allocated, with a
   * RangeError giving the sizes.
   */
  memoryLimit?: number;
  /** Constants of the 2006 STDP rule (and the traces of the dopamine rule). */
  stdp?: Stdp2006Options;
  /** Dopamine decay factor per ms (default 0.995, τ = 200 ms). */
  dopamineDecay?: number;
  /**
   * 'auto' (default): a run updates only the neurons whose update is not the identity
   * (those given input, firing, refractory or leaking towards rest), where that is
   * exact: every neuron LIF or a spike source, no current input (thalamic, scheduled,
   * constant, stepped, noise) and nothing learning (frozen, or no plastic projection).
   * Results are bit-identical to the dense loop; a large, mostly resting circuit runs
   * many times faster. Decided at the start of every run (`stats().eventDriven`).
   * 'dense': every neuron every ms (for comparisons and benchmarks). Not saved in
   * checkpoints: `Network.load` takes it as an option.
   */
  neuronUpdates?: 'auto' | 'dense';
}

/** Izhikevich neurons in a network: a standalone population's options but the numerics and SIMD level, which the network's mode and options set. */
export interface PopulationOptions extends Omit<IzhikevichPopulationOptions, 'numerics' | 'simd'> {
  /** A label for reports. */
  name?: string;
  /** 'izhikevich' (default) or 'lif'; LIF options are in LifOptions. */
  model?: 'izhikevich';
}

/**
 * Leaky integrate-and-fire neurons: τ dv/dt = −(v − vRest) + R·I, integrated exactly over
 * each 1 ms step; v ≥ vThreshold fires, v = vReset, and the neuron ignores input for
 * `refractory` ms. In a network, u holds the refractory ms left.
 */
export interface LifOptions {
  model: 'lif';
  size: number;
  name?: string;
  /** Membrane time constant, ms (default 20; at most 1e15). Infinity: a perfect integrator, v ← v + R·I each ms. */
  tau?: PerNeuron;
  /** Resting potential, mV (default −65). */
  vRest?: PerNeuron;
  /** Reset potential, mV (default −65). */
  vReset?: PerNeuron;
  /** Threshold, mV (default −50). */
  vThreshold?: PerNeuron;
  /** Membrane resistance: mV per unit of input current (default 1). */
  resistance?: PerNeuron;
  /** Refractory period, whole ms (default 2). */
  refractory?: PerNeuron;
  /** Initial v (default vRest). */
  v?: PerNeuron;
}

/** A delay in ms (integer 1..255) or a weight: one value, a range, or one per synapse. */
export type SynapseValue =
  | number
  | { uniform: [number, number] }
  | { evenly: [number, number] }
  | readonly number[]
  | Float64Array
  | Float32Array;

export type ConnectionRule =
  | { kind: 'fixedOutDegree'; degree: number; allowSelf?: boolean }
  | { kind: 'fixedInDegree'; degree: number; allowSelf?: boolean }
  | { kind: 'probability'; probability: number; allowSelf?: boolean }
  | { kind: 'oneToOne' }
  /** Indices are within the source and target populations (concatenated when several). */
  | { kind: 'explicit'; pre: Uint32Array; post: Uint32Array };

export interface ConnectOptions {
  rule: ConnectionRule;
  /**
   * Delay in ms: a number, `{ uniform: [lo, hi] }` (integers), `{ evenly: [lo, hi] }` (a
   * neuron's k-th synapse of M gets lo + ⌊k·(hi−lo+1)/M⌋, as in the 2006 network), or one
   * value per synapse. Default 1.
   */
  delay?: SynapseValue;
  /** Weight: a number, `{ uniform: [lo, hi] }`, or one value per synapse. */
  weight: SynapseValue;
  /** `true` for the 2006 rule, or a rule (default false: static synapses). */
  plastic?: boolean | PlasticityOptions;
}

/** A set of synapses made by one connect() call. */
export class Projection {
  constructor(
    readonly network: Network,
    readonly id: number,
    plastic: boolean,
  ) {
    this.#plastic = plastic;
  }
  #plastic: boolean;

  /** Whether STDP changes these synapses. Can be switched off (and back on) at any time. */
  get plastic(): boolean {
    return this.#plastic;
  }
  set plastic(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`plastic must be true or false (got ${shown(value)})`);
    this.network.native.setPlastic(this.id, value);
    this.#plastic = value;
  }
}

export type Targets = Population | readonly Population[];

export interface ThalamicInputOptions {
  /** Neurons that may be drawn (default: all of the network's neurons at build time). */
  target?: Population;
  /** Neurons drawn per ms (default 1). */
  perMs?: number;
  /** The current they receive, assigned (not added) for that ms (default 20). */
  current?: number;
}

export interface CurrentScheduleOptions {
  /** Milliseconds, ascending integers. */
  times: readonly number[] | Float64Array | Uint32Array;
  /** Network neuron index for each time. */
  neurons: Uint32Array;
  /** Current for each entry, or one for all. */
  currents: number | readonly number[] | Float64Array | Float32Array;
  /** 'assign' replaces the neuron's input for that ms (as thalamic input); 'add' adds (default). */
  mode?: 'assign' | 'add';
}

export interface NetworkRunOptions extends AsyncOptions {
  /**
   * Return the spikes of this run (default true). For long runs set it false and use
   * monitors or `onSpikes`, whose memory is bounded.
   */
  record?: boolean;
  /** Called with the spikes of each chunk of `chunkMs` as the run goes. */
  onSpikes?: (times: Float64Array, neurons: Uint32Array) => void;
  /** Length of the chunks in which monitors and `onSpikes` receive spikes (default 1000 ms). */
  chunkMs?: number;
}

export interface NetworkRunResult {
  /** Milliseconds simulated. */
  ms: number;
  /** Spike times (ms, the network's clock) and neuron indices, in time then neuron order. */
  spikeTimes: Float64Array;
  spikeNeurons: Uint32Array;
}

/** The synapses in storage order: by presynaptic neuron, then delay, then the order added. */
export interface SynapseTable {
  pre: Uint32Array;
  post: Uint32Array;
  delay: Uint8Array;
  weight: Float32Array;
  /** The STDP derivative sd of the 2006 rule. */
  derivative: Float32Array;
  /** The projection (id) each synapse belongs to. */
  projection: Uint16Array;
}

export type NetworkStats = NativeNetworkStats;

function concat<T extends Float64Array | Uint32Array>(Type: { new (n: number): T }, parts: T[]): T {
  if (parts.length === 1) return parts[0];
  const out = new Type(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

/** The one check of a `target` that must be a single Population of this network's kind. */
function checkPopulation(target: unknown, name = 'target'): asserts target is Population {
  if (!(target instanceof Population)) throw new TypeError(`${name} must be a Population (got ${shown(target)})`);
}

function ranges(targets: Targets): Uint32Array {
  const list = targets instanceof Population ? [targets] : targets;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => p instanceof Population)) {
    throw new TypeError('source and target must be a Population or an array of Populations');
  }
  return Uint32Array.from(list.flatMap((p) => [p.first, p.size]));
}

/** Maps indices of a concatenation of populations to network indices. */
function toNetworkIndices(indices: Uint32Array, targets: Targets, name: string): Uint32Array {
  if (!(indices instanceof Uint32Array)) throw new TypeError(`rule.${name} must be a Uint32Array`);
  const list = targets instanceof Population ? [targets] : targets;
  const total = list.reduce((n, p) => n + p.size, 0);
  return indices.map((i) => {
    if (i >= total) throw new RangeError(`rule.${name} holds ${i}, outside [0, ${total - 1}]`);
    let rest = i;
    for (const p of list) {
      if (rest < p.size) return p.first + rest;
      rest -= p.size;
    }
    return 0;
  });
}

/**
 * A spiking network: populations of neurons, projections of synapses with axonal
 * delays, inputs, and the 2006 STDP rule. Build it, then `await run(ms)`; the structure
 * is fixed from the first run on.
 */
export class Network {
  /** @internal */
  readonly native: NativeNetwork;
  readonly mode: NetworkMode;
  readonly #populations: Population[] = [];
  readonly #projections: Projection[] = [];
  readonly #spikeMonitors: SpikeMonitor[] = [];
  readonly #stateMonitors: StateMonitor[] = [];
  readonly #rateMonitors: RateMonitor[] = [];

  /**
   * `loaded` (internal): a native network made by the addon (a load, a compiled circuit),
   * with the `populations` it is known to have.
   */
  constructor(options: NetworkOptions = {}, loaded?: NativeNetwork, populations: readonly Population[] = []) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    this.native = loaded ?? new addon.NativeNetwork(options);
    this.mode = loaded ? (loaded.stats().mode as NetworkMode) : options.mode ?? 'reference';
    if (!loaded && options.dopamineDecay !== undefined) this.native.setDopamineDecay(options.dopamineDecay);
    this.#populations.push(...populations);
  }

  /**
   * Reads a checkpoint written by save(): the whole network, structure and state, ready
   * to run on. Rejects with a RangeError naming the file if it is missing, truncated,
   * corrupt or of another format version. Populations and projections come back as
   * neuron and synapse data; `populations` and `projections` of the loaded network are empty.
   */
  static async load(
    path: string,
    options: { simd?: SimdLevel; threads?: number | 'auto'; neuronUpdates?: 'auto' | 'dense' } = {},
  ): Promise<Network> {
    checkOptions(options);
    const native = await addon.NativeNetwork.load(path, options.simd, options.threads, options.neuronUpdates);
    return new Network({}, native);
  }

  /**
   * Writes the whole network (neurons, synapses, STDP traces and derivatives, spikes in
   * flight, input RNG states, time) to `path` atomically: to a temporary file, synced,
   * then renamed, so an existing file is never half-overwritten. The network is busy
   * until the promise settles.
   */
  async save(path: string): Promise<void> {
    await this.native.save(path);
  }

  /** Adds Izhikevich (default) or LIF neurons; their indices follow those of earlier populations. */
  addPopulation(options: PopulationOptions | LifOptions): Population {
    checkOptions(options, true);
    if (options.name !== undefined) checkName(options.name);
    if (options.model === 'lif') {
      // Constants left out keep the core's defaults (NETWORK_DEFAULTS.lif).
      const first = this.native.addLif({
        size: options.size,
        tau: options.tau,
        vRest: options.vRest,
        vReset: options.vReset,
        vThreshold: options.vThreshold,
        resistance: options.resistance,
        refractory: options.refractory,
        v: options.v,
      });
      return this.#register(new Population(first, options.size, options.name ?? `population ${this.#populations.length}`));
    }
    if (options.model !== undefined && options.model !== 'izhikevich') {
      throw new TypeError(`model must be 'izhikevich' or 'lif' (got ${shown(options.model)})`);
    }
    const first = this.native.addIzhikevich({ size: options.size, ...izhikevichParameters(options), v: options.v, u: options.u });
    return this.#register(new Population(first, options.size, options.name ?? `population ${this.#populations.length}`));
  }

  /** Connects sources to targets by a rule; returns the projection. */
  connect(source: Targets, target: Targets, options: ConnectOptions): Projection {
    if (typeof options !== 'object' || options === null || typeof options.rule !== 'object' || options.rule === null) {
      throw new TypeError('options must be an object with a rule');
    }
    const sourceRanges = ranges(source);
    const targetRanges = ranges(target);
    const plasticity = options.plastic ?? false;
    const id = this.native.addProjection(plasticity);
    const plastic = plasticity !== false;
    const delay = options.delay ?? NETWORK_DEFAULTS.delay;
    try {
      if (options.rule.kind === 'explicit') {
        const pre = toNetworkIndices(options.rule.pre, source, 'pre');
        const post = toNetworkIndices(options.rule.post, target, 'post');
        const perSynapse = (value: SynapseValue, name: string) =>
          typeof value === 'number' ? new Float64Array(pre.length).fill(value)
            : ArrayBuffer.isView(value) || Array.isArray(value) ? value
              : (() => { throw new TypeError(`${name} of an explicit projection must be a number or one value per synapse`); })();
        this.native.addSynapses(id, pre, post, perSynapse(delay, 'delay'), perSynapse(options.weight, 'weight'));
      } else {
        this.native.generate(id, sourceRanges, targetRanges, options.rule, delay, options.weight);
      }
    } catch (error) {
      // A refused projection adds nothing (docs/api.md): not even its id and rule.
      this.native.dropProjection(id);
      throw error;
    }
    const projection = new Projection(this, id, plastic);
    this.#projections.push(projection);
    return projection;
  }

  /** Each ms, `perMs` random neurons of `target` receive `current` (assigned, as in spnet). */
  addThalamicInput(options: ThalamicInputOptions = {}): void {
    checkOptions(options);
    if (options.target !== undefined) checkPopulation(options.target, 'options.target');
    const first = options.target?.first ?? 0;
    const count = options.target?.size ?? this.native.neurons;
    // perMs and current left out keep the core's defaults (NETWORK_DEFAULTS.thalamic).
    this.native.addThalamic(first, count, options.perMs, options.current);
  }

  /** Currents at given milliseconds for given neurons (e.g. a recorded thalamic input). */
  addCurrentSchedule(options: CurrentScheduleOptions): void {
    checkOptions(options, true);
    // neurons' own checks are the addon's; one number for all needs their count first.
    const currents = typeof options.currents === 'number'
      ? new Float64Array(ArrayBuffer.isView(options.neurons) ? options.neurons.length : 0).fill(options.currents) : options.currents;
    if (options.mode !== undefined && options.mode !== 'assign' && options.mode !== 'add') {
      throw new TypeError(`mode must be 'assign' or 'add' (got ${shown(options.mode)})`);
    }
    this.native.addSchedule(options.times, options.neurons, currents, options.mode === 'assign');
  }

  /** A current added to every neuron of `target` every ms: one value, or one per neuron. */
  addConstantCurrent(target: Population, current: number | readonly number[] | Float32Array | Float64Array): void {
    checkPopulation(target);
    const values = typeof current === 'number' ? new Float64Array(target.size).fill(current) : current;
    this.native.addConstant(target.first, values);
  }

  /** Each ms, each neuron of `target` gets a current drawn uniformly from [low, high) added. */
  addNoiseCurrent(target: Population, options: { low: number; high: number }): void {
    checkOptions(options, true);
    checkPopulation(target);
    this.native.addNoise(target.first, target.size, options.low, options.high);
  }

  /** A current that steps: `amplitudes[k]` from `times[k]` ms until the next step. */
  addSteppedCurrent(target: Population, options: { times: readonly number[] | Float64Array; amplitudes: readonly number[] | Float64Array }): void {
    checkOptions(options, true);
    checkPopulation(target);
    this.native.addStepped(target.first, target.size, options.times, options.amplitudes);
  }

  /**
   * Adds `size` Poisson spike sources: each fires in each ms with probability rate/1000.
   * Sources are neurons that can be projected from (not to), with their own indices.
   */
  addPoissonSource(options: { size: number; rate: number; name?: string }): Population {
    checkOptions(options, true);
    if (options.name !== undefined) checkName(options.name);
    const first = this.native.addPoisson(options.size, options.rate);
    return this.#register(new Population(first, options.size, options.name ?? `poisson ${this.#populations.length}`));
  }

  /**
   * Adds `size` source neurons that fire at given times: spike k is neuron
   * `neurons[k]` (within the source) at ms `times[k]` (ascending).
   */
  addSpikeTrains(options: { size: number; times: readonly number[] | Float64Array; neurons: Uint32Array; name?: string }): Population {
    checkOptions(options, true);
    if (options.name !== undefined) checkName(options.name);
    const first = this.native.addTrain(options.size, options.times, options.neurons);
    return this.#register(new Population(first, options.size, options.name ?? `trains ${this.#populations.length}`));
  }

  /**
   * Replaces the spikes still to come of a spike-train source (one made by
   * addSpikeTrains): spike k is its neuron `neurons[k]` at ms `times[k]`, ascending and
   * at least the network's time. Any time, built or not: how a running network is fed
   * new input (a compiled LUT circuit is fed images this way).
   */
  setSpikeTrains(population: Population, options: { times: readonly number[] | Float64Array; neurons: Uint32Array }): void {
    if (!(population instanceof Population) || !this.#populations.includes(population)) {
      throw new TypeError(`population must be a spike-train population of this network (got ${shown(population)})`);
    }
    checkOptions(options, true);
    this.native.setTrain(population.first, options.times, options.neurons);
  }

  #register(population: Population): Population {
    this.#populations.push(population);
    return population;
  }

  get populations(): readonly Population[] {
    return this.#populations;
  }

  get projections(): readonly Projection[] {
    return this.#projections;
  }

  /** Number of neurons. */
  get size(): number {
    return this.native.neurons;
  }

  /** Milliseconds simulated so far. */
  get time(): number {
    return this.native.time;
  }

  /** Membrane potentials, a live view (builds the network if needed). */
  get v(): Float32Array {
    return this.native.state().v;
  }

  /** Recovery variables, a live view (builds the network if needed). */
  get u(): Float32Array {
    return this.native.state().u;
  }

  get busy(): boolean {
    return this.native.busy;
  }

  get closed(): boolean {
    return this.native.closed;
  }

  /** Stops all plasticity (traces still run) until unfreeze(). */
  freeze(): void {
    this.native.setFrozen(true);
  }

  unfreeze(): void {
    this.native.setFrozen(false);
  }

  /**
   * The polychronous-group search's shuffled control (the 2006 program's), made in place:
   * for each excitatory→excitatory synapse (excitatory neurons ascending, then each one's
   * synapses in storage order), a random E→E synapse is drawn with `seed` and the two swap
   * their weights and STDP derivatives; targets, delays and every other synapse stay (docs/api.md,
   * "Shuffled control"). "Excitatory" is as in the search: a neuron with no negative outgoing
   * weight. Builds the network if it is not yet built. `seed`: an integer in [0, 2^53].
   */
  shuffleExcitatoryWeights(seed: number): void {
    this.native.shuffleExcitatoryWeights(seed);
  }

  /** A copy of every synapse (see SynapseTable for the order). */
  synapses(): SynapseTable {
    return this.native.synapses();
  }

  /** Counters and sizes: time, spikes, synaptic events, synapses, bytes. */
  stats(): NetworkStats {
    return this.native.stats();
  }

  /** The dopamine level (decays each ms; raised by rewards). */
  get dopamine(): number {
    return this.native.dopamine;
  }

  /** Raises dopamine by `amount` now. */
  reward(amount: number): void {
    this.native.reward(amount);
  }

  /**
   * Rewards a sequence: whenever neuron `post` fires within `windowMs` after neuron `pre`
   * (network indices), dopamine rises by `amount`, `delayMs` later (the distal reward of
   * Izhikevich 2007). Defaults: window 10 ms, delay 1000 ms, amount 0.5.
   */
  rewardSequence(options: { pre: number; post: number; windowMs?: number; delayMs?: number; amount?: number }): void {
    checkOptions(options, true);
    this.native.addPairReward(options.pre, options.post, options.windowMs ?? 10, options.delayMs ?? 1000, options.amount ?? 0.5);
  }

  /** Number and mean weight of the synapses of plastic projections. */
  plasticWeights(): { count: number; mean: number } {
    return this.native.plasticWeights();
  }

  /** Records spikes of all or some neurons across runs, bounded by count or time window. */
  addSpikeMonitor(options: SpikeMonitorOptions = {}): SpikeMonitor {
    checkOptions(options);
    const monitor = new SpikeMonitor(options);
    this.#spikeMonitors.push(monitor);
    return monitor;
  }

  /** Samples v, u and I of chosen neurons every `every` ms. */
  addStateMonitor(options: StateMonitorOptions): StateMonitor {
    checkOptions(options, true);
    const neurons = options.neurons instanceof Population
      ? Uint32Array.from({ length: options.neurons.size }, (_, i) => (options.neurons as Population).first + i)
      : options.neurons;
    const every = options.every ?? 1;
    const monitor = new StateMonitor(neurons, every, this.native.addProbe(neurons, every));
    this.#stateMonitors.push(monitor);
    return monitor;
  }

  /** Firing rate of each population per time bin. */
  addRateMonitor(options: RateMonitorOptions = {}): RateMonitor {
    checkOptions(options);
    const monitor = new RateMonitor(this.#populations, options);
    this.#rateMonitors.push(monitor);
    return monitor;
  }

  /**
   * Simulates `ms` milliseconds off the JavaScript thread. With monitors or `onSpikes` the
   * run goes in chunks of `chunkMs`, each feeding them as it ends. Aborting stops at the
   * next millisecond; the monitors keep what was simulated, and the promise rejects with
   * the signal's reason.
   */
  async run(ms: number, options: NetworkRunOptions = {}): Promise<NetworkRunResult> {
    checkOptions(options);
    const { signal, onProgress, record = true, onSpikes, chunkMs = 1000 } = options;
    if (!(Number.isInteger(ms) && ms >= 0 && ms <= 2 ** 48)) {
      throw new RangeError(`ms must be an integer in [0, 281474976710656] (got ${shown(ms)})`);
    }
    if (!(Number.isInteger(chunkMs) && chunkMs >= 1)) throw new RangeError(`chunkMs must be an integer >= 1 (got ${shown(chunkMs)})`);
    if (onSpikes !== undefined && typeof onSpikes !== 'function') throw new TypeError('onSpikes must be a function');
    const observed = onSpikes !== undefined || this.#spikeMonitors.length + this.#stateMonitors.length + this.#rateMonitors.length > 0;
    const chunk = observed ? chunkMs : Math.max(ms, 1);
    const kept: NetworkRunResult[] = [];
    let done = 0;
    // The network stays busy with this run() between its chunks too, while monitors and
    // onSpikes see each chunk: the lease lets only this run's own native calls through.
    const lease = this.native.hold();
    try {
      do {
        const length = Math.min(chunk, ms - done);
        const progress = onProgress && ((d: number) => onProgress(done + d, ms));
        const result = await runNative(
          (observe) => this.native.run(length, observe, record || observed, lease),
          () => this.native.cancel(),
          signal,
          progress,
        );
        done += result.steps;
        if (observed) this.#feed(result.spikeTimes, result.spikeNeurons, lease, onSpikes);
        if (record) kept.push({ ms: result.steps, spikeTimes: result.spikeTimes, spikeNeurons: result.spikeNeurons });
        if (result.aborted) signal?.throwIfAborted();
      } while (done < ms);
    } finally {
      this.native.release(lease);
    }
    return {
      ms: done,
      spikeTimes: concat(Float64Array, kept.map((r) => r.spikeTimes)),
      spikeNeurons: concat(Uint32Array, kept.map((r) => r.spikeNeurons)),
    };
  }

  /**
   * Runs `ms` milliseconds in chunks and yields each chunk's spikes: memory stays
   * bounded by the chunk, however long the run.
   */
  async *spikes(ms: number, options: { chunkMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<NetworkRunResult> {
    checkOptions(options);
    const chunkMs = options.chunkMs ?? 1000;
    for (let done = 0; done < ms;) {
      const result = await this.run(Math.min(chunkMs, ms - done), { signal: options.signal });
      done += result.ms;
      yield result;
    }
  }

  #feed(times: Float64Array, neurons: Uint32Array, lease: number, onSpikes?: (t: Float64Array, n: Uint32Array) => void): void {
    const now = this.native.time;
    for (const monitor of this.#spikeMonitors) monitor.record(times, neurons, now);
    for (const monitor of this.#rateMonitors) monitor.record(times, neurons);
    for (const monitor of this.#stateMonitors) monitor.append(this.native.takeProbe(monitor.id, lease));
    onSpikes?.(times, neurons);
  }

  /** Frees the native state now rather than at garbage collection. */
  close(): void {
    this.native.close();
  }
}
