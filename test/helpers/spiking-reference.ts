/**
 * polychron's spiking network as one plain, single-threaded loop, written beside the spec
 * (../shared/spec/spnet.md) and native/core/spiking/network.h, which state the order of one
 * millisecond. It is the oracle of test/spiking-reference.test.ts: the engine's `reference`
 * mode must reproduce it bit for bit (every spike, final v, u, weights and derivatives), and
 * its `fast` mode must stay within stated statistical bounds of it.
 *
 * Numerics. JavaScript numbers are float64; `f` (Math.fround) is the rounding that a float32
 * store performs in the C++. The engine's state is float32 (v, u, I, weights, derivatives,
 * traces); parameters are float64. Each f() below stands where the C++ assigns to a float, so
 * the arithmetic between two f() calls is float64 when the C++ mixes in a double, and is one
 * float32 operation when both operands are floats (then it is wrapped in f() at once).
 *
 * Covered (bit for bit): Izhikevich neurons with any a, b, c, d (exact numerics of
 * test/helpers/izhikevich-reference.ts); LIF neurons; Poisson sources and spike trains;
 * thalamic input (its xoshiro256** generator is reproduced below), current schedules (assign
 * and add), constant, noise and stepped currents; synapses of any delay 1..255 in the stored
 * order; the 2006 STDP rule with any constants, pair STDP (additive or multiplicative,
 * all-to-all or nearest), the dopamine rule with rewards and rewarded sequences; freezing and
 * switching projections' plasticity between runs.
 * Not covered: the fast mode's numerics (float32 FMA kernels; the engine's fast mode is
 * compared statistically instead); state probes and checkpoints (they only read or copy the
 * state); the weight shuffle of the group search; connectivity rules (fixedOutDegree,
 * probability, ...) are not re-implemented: the reference takes any projection's synapses as
 * a list (the test reads generated ones back from the engine).
 * Exponentials (LIF decay e^(−1/τ), pair trace decay) use Math.exp where the engine uses the
 * C library's exp; the two agree for the time constants the tests use, not provably for all.
 */
import { detectExact, integrateExact, type ReferenceNeurons } from './izhikevich-reference';

const f = Math.fround;

// ---------------------------------------------------------------------------------------
// The engine's random generator (native/core/random.h): xoshiro256** seeded through
// SplitMix64, stream k of a seed. BigInt keeps it obviously equal to the C++, at some cost.
const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & MASK;

export class Random {
  readonly #s: bigint[];

  constructor(seed: number, stream: number) {
    let x = (BigInt(seed) ^ ((0x9e3779b97f4a7c15n * BigInt(stream + 1)) & MASK)) & MASK;
    this.#s = [0, 1, 2, 3].map(() => {
      x = (x + 0x9e3779b97f4a7c15n) & MASK;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
      return z ^ (z >> 31n);
    });
  }

  next(): bigint {
    const s = this.#s;
    const result = (rotl((s[1] * 5n) & MASK, 7n) * 9n) & MASK;
    const t = (s[1] << 17n) & MASK;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
    return result;
  }

  /** Uniform in [0, bound): Lemire's multiply-and-reject on the top 32 bits. */
  below(bound: number): number {
    const b = BigInt(bound);
    let m = (this.next() >> 32n) * b;
    if ((m & 0xffffffffn) < b) {
      const threshold = ((1n << 32n) - b) % b;
      while ((m & 0xffffffffn) < threshold) m = (this.next() >> 32n) * b;
    }
    return Number(m >> 32n);
  }

  /** Uniform in [0, 1) with 53 bits. */
  uniform(): number {
    return Number(this.next() >> 11n) * 2 ** -53;
  }
}

// ---------------------------------------------------------------------------------------
// What a network is made of. Rules and constants are given in full (the engine's defaults
// are the test's business: NETWORK_DEFAULTS).

export interface Stdp {
  aPlus: number; aMinus: number; decayPlus: number; decayMinus: number;
  bias: number; derivativeDecay: number; wMin: number; wMax: number; periodMs: number;
}

export type Rule =
  | { kind: 'none' }
  | { kind: 'stdp2006' }
  | { kind: 'pair'; aPlus: number; aMinus: number; tauPlus: number; tauMinus: number;
    wMin: number; wMax: number; multiplicative: boolean; nearest: boolean }
  | { kind: 'dopamine'; bias: number; periodMs: number; eligibilityDecay: number; wMin: number; wMax: number };

export interface Lif { tau: number; vRest: number; vReset: number; vThreshold: number; resistance: number; refractory: number }

type Values = number | ArrayLike<number>;
const at = (x: Values, i: number) => (typeof x === 'number' ? x : x[i]);

export interface SynapseTable {
  pre: Uint32Array; post: Uint32Array; delay: Uint8Array;
  weight: Float32Array; derivative: Float32Array; projection: Uint16Array;
}

const IZHIKEVICH = 0;
const LIF = 1;
const SOURCE = 2;

/** Traces of a pair rule: x per ms (read `delay` ms later), y now. */
interface PairTraces { x: Float32Array[]; y: Float32Array }

export class ReferenceNetwork {
  // Neurons: the model of each, the state (float32), the parameters of its model.
  readonly #model: number[] = [];
  readonly #v: number[] = [];
  readonly #u: number[] = [];
  readonly #izhikevich: number[][] = [[], [], [], []]; // a, b, c, d (NaN for other models)
  readonly #lif: Array<(Lif & { decay: number }) | null> = []; // per neuron; null for other models
  // Synapses as added; build() puts them in the stored order.
  readonly #added: Array<{ pre: number; post: number; delay: number; weight: number; projection: number }> = [];
  readonly #rules: Rule[] = [];
  readonly #plastic: boolean[] = [];
  // Inputs, each kind in the order added.
  readonly #thalamic: Array<{ first: number; count: number; perMs: number; current: number; random: Random }> = [];
  readonly #schedules: Array<{ times: number[]; neurons: number[]; currents: number[]; assign: boolean; cursor: number }> = [];
  readonly #constants: Array<{ first: number; currents: number[] }> = [];
  readonly #noise: Array<{ first: number; count: number; low: number; high: number; random: Random }> = [];
  readonly #stepped: Array<{ first: number; count: number; times: number[]; amplitudes: number[] }> = [];
  readonly #sources: Array<
    | { kind: 'poisson'; first: number; count: number; probability: number; random: Random }
    | { kind: 'train'; times: number[]; neurons: number[]; cursor: number }> = [];
  // Dopamine and rewards.
  #dopamine = 0;
  readonly #pending: Array<[number, number]> = []; // (ms, amount), ascending
  readonly #sequences: Array<{ pre: number; post: number; windowMs: number; delayMs: number; amount: number; lastPre: number }> = [];
  #frozen = false;

  // Built state.
  #built = false;
  #time = 0;
  #D = 1; // the longest delay
  #neurons!: ReferenceNeurons;
  #syn!: SynapseTable; // stored order
  #outgoing!: number[][][]; // [pre][delay]: synapses in stored order
  #incoming!: number[][]; // [post]: synapses onto it
  #ltp!: Float32Array[]; // LTP trace of ms t in slot t mod (D + 1)
  #ltd!: Float32Array;
  #pair: Array<PairTraces | null> = []; // per projection
  readonly #spikes: number[][] = []; // neurons fired at each ms, ascending (all kept: runs are short)

  constructor(readonly options: { seed: number; stdp: Stdp; dopamineDecay: number }) {}

  // --- Building: the native calls of lib/network.ts, one for one ---

  addIzhikevich(size: number, p: { a: Values; b: Values; c: Values; d: Values; v?: Values; u?: Values }): number {
    const first = this.#model.length;
    for (let i = 0; i < size; i++) {
      const v = f(at(p.v ?? -65, i));
      this.#model.push(IZHIKEVICH);
      this.#v.push(v);
      this.#u.push(f(p.u !== undefined ? at(p.u, i) : at(p.b, i) * v)); // default u = b·v
      [p.a, p.b, p.c, p.d].forEach((x, k) => this.#izhikevich[k].push(at(x, i)));
      this.#lif.push(null);
    }
    return first;
  }

  addLif(size: number, p: { [K in keyof Lif]: Values } & { v?: Values }): number {
    const first = this.#model.length;
    for (let i = 0; i < size; i++) {
      this.#model.push(LIF);
      this.#v.push(f(at(p.v ?? p.vRest, i)));
      this.#u.push(0); // refractory ms left
      this.#izhikevich.forEach((x) => x.push(NaN));
      const lif: Lif = {
        tau: at(p.tau, i), vRest: at(p.vRest, i), vReset: at(p.vReset, i),
        vThreshold: at(p.vThreshold, i), resistance: at(p.resistance, i), refractory: at(p.refractory, i),
      };
      this.#lif.push({ ...lif, decay: Math.exp(-1 / lif.tau) });
    }
    return first;
  }

  #addSourceNeurons(size: number): number {
    const first = this.#model.length;
    for (let i = 0; i < size; i++) {
      this.#model.push(SOURCE);
      this.#v.push(-65);
      this.#u.push(0);
      this.#izhikevich.forEach((x) => x.push(NaN));
      this.#lif.push(null);
    }
    return first;
  }

  /** Each ms a neuron fires with probability rate/1000 (random stream 500000 + source index). */
  addPoisson(size: number, rateHz: number): number {
    const first = this.#addSourceNeurons(size);
    const random = new Random(this.options.seed, 500000 + this.#sources.length);
    this.#sources.push({ kind: 'poisson', first, count: size, probability: rateHz / 1000, random });
    return first;
  }

  /** Spike k is neuron `neurons[k]` of the source at ms `times[k]`. */
  addTrain(size: number, times: ArrayLike<number>, neurons: ArrayLike<number>): number {
    const first = this.#addSourceNeurons(size);
    this.#sources.push({ kind: 'train', times: Array.from(times), neurons: Array.from(neurons, (i) => first + i), cursor: 0 });
    return first;
  }

  addProjection(rule: Rule): number {
    this.#rules.push(rule);
    this.#plastic.push(rule.kind !== 'none');
    return this.#rules.length - 1;
  }

  addSynapses(projection: number, pre: ArrayLike<number>, post: ArrayLike<number>, delay: ArrayLike<number>, weight: ArrayLike<number>): void {
    for (let k = 0; k < pre.length; k++) {
      this.#added.push({ pre: pre[k], post: post[k], delay: delay[k], weight: f(weight[k]), projection });
    }
  }

  addThalamic(first: number, count: number, perMs: number, current: number): void {
    this.#thalamic.push({ first, count, perMs, current: f(current), random: new Random(this.options.seed, this.#thalamic.length) });
  }

  addSchedule(times: ArrayLike<number>, neurons: ArrayLike<number>, currents: Values, assign: boolean): void {
    const n = neurons.length;
    this.#schedules.push({
      times: Array.from(times), neurons: Array.from(neurons), currents: Array.from({ length: n }, (_, k) => f(at(currents, k))), assign, cursor: 0,
    });
  }

  addConstant(first: number, currents: ArrayLike<number>): void {
    this.#constants.push({ first, currents: Array.from(currents, f) });
  }

  addNoise(first: number, count: number, low: number, high: number): void {
    this.#noise.push({ first, count, low, high, random: new Random(this.options.seed, 700000 + this.#noise.length) });
  }

  addStepped(first: number, count: number, times: ArrayLike<number>, amplitudes: ArrayLike<number>): void {
    this.#stepped.push({ first, count, times: Array.from(times), amplitudes: Array.from(amplitudes, f) });
  }

  /** When `post` fires within windowMs after `pre`, dopamine rises by `amount`, delayMs later. */
  rewardSequence(r: { pre: number; post: number; windowMs: number; delayMs: number; amount: number }): void {
    this.#sequences.push({ ...r, lastPre: -1 });
  }

  // --- Between runs ---

  reward(amount: number): void { this.#dopamine += amount; }
  setFrozen(frozen: boolean): void { this.#frozen = frozen; }
  setPlastic(projection: number, plastic: boolean): void { this.#plastic[projection] = plastic; }
  get dopamine(): number { return this.#dopamine; }
  get time(): number { return this.#time; }
  get v(): Float32Array { this.build(); return this.#neurons.v; }
  get u(): Float32Array { this.build(); return this.#neurons.u; }
  synapses(): SynapseTable { this.build(); return this.#syn; }

  /** Lays out the state: synapses in the stored order, traces, the delivery and STDP indexes. */
  build(): void {
    if (this.#built) return;
    this.#built = true;
    const n = this.#model.length;
    const [a, b, c, d] = this.#izhikevich.map((x) => Float64Array.from(x));
    this.#neurons = { v: Float32Array.from(this.#v), u: Float32Array.from(this.#u), a, b, c, d };
    // Stored order: by presynaptic neuron, then delay, then the order added (a stable sort).
    const list = this.#added.slice().sort((x, y) => x.pre - y.pre || x.delay - y.delay);
    this.#syn = {
      pre: Uint32Array.from(list, (s) => s.pre),
      post: Uint32Array.from(list, (s) => s.post),
      delay: Uint8Array.from(list, (s) => s.delay),
      weight: Float32Array.from(list, (s) => s.weight),
      derivative: new Float32Array(list.length),
      projection: Uint16Array.from(list, (s) => s.projection),
    };
    this.#D = list.reduce((d, s) => Math.max(d, s.delay), 1);
    this.#outgoing = Array.from({ length: n }, () => Array.from({ length: this.#D + 1 }, () => [] as number[]));
    this.#incoming = Array.from({ length: n }, () => [] as number[]);
    list.forEach((s, k) => {
      this.#outgoing[s.pre][s.delay].push(k);
      this.#incoming[s.post].push(k);
    });
    this.#ltp = Array.from({ length: this.#D + 1 }, () => new Float32Array(n));
    this.#ltd = new Float32Array(n);
    this.#pair = this.#rules.map((r) => r.kind !== 'pair' ? null
      : { x: Array.from({ length: this.#D + 1 }, () => new Float32Array(n)), y: new Float32Array(n) });
  }

  /** Simulates `ms` milliseconds; returns their spikes in time, then neuron order. */
  run(ms: number): { spikeTimes: number[]; spikeNeurons: number[] } {
    this.build();
    const spikeTimes: number[] = [];
    const spikeNeurons: number[] = [];
    for (let k = 0; k < ms; k++) {
      const t = this.#time;
      this.#step();
      for (const i of this.#spikes[t]) {
        spikeTimes.push(t);
        spikeNeurons.push(i);
      }
    }
    return { spikeTimes, spikeNeurons };
  }

  // --- One millisecond, in the order of network.h ---

  #step(): void {
    const t = this.#time;
    const I = this.#input(t); // 1. input
    const fired = this.#detect(t); // 2. detection and potentiation, then the sources
    this.#spikes[t] = fired;
    this.#rewards(fired, t);
    this.#deliver(t, I); // 3. delivery and depression
    this.#integrate(I); // 4. integration, trace decay
    this.#decayTraces(t);
    this.#time = t + 1; // 5. weight updates at the end of the ms; dopamine decays last
    this.#updateWeights(t + 1);
    this.#dopamine *= this.options.dopamineDecay;
  }

  /** I = 0, then each kind of input in turn (thalamic, schedules, constant, noise, stepped), each in the order added. */
  #input(t: number): Float32Array {
    const I = new Float32Array(this.#model.length);
    for (const input of this.#thalamic) {
      for (let k = 0; k < input.perMs; k++) I[input.first + input.random.below(input.count)] = input.current; // assigned
    }
    for (const s of this.#schedules) {
      while (s.cursor < s.times.length && s.times[s.cursor] < t) s.cursor++;
      for (; s.cursor < s.times.length && s.times[s.cursor] === t; s.cursor++) {
        const q = s.neurons[s.cursor];
        I[q] = s.assign ? s.currents[s.cursor] : f(I[q] + s.currents[s.cursor]);
      }
    }
    for (const c of this.#constants) {
      c.currents.forEach((x, i) => { I[c.first + i] = f(I[c.first + i] + x); });
    }
    for (const nz of this.#noise) {
      const span = nz.high - nz.low;
      for (let i = 0; i < nz.count; i++) I[nz.first + i] = f(I[nz.first + i] + f(nz.low + span * nz.random.uniform()));
    }
    for (const st of this.#stepped) {
      let k = -1; // the last step that has begun
      while (k + 1 < st.times.length && st.times[k + 1] <= t) k++;
      if (k < 0) continue;
      for (let i = 0; i < st.count; i++) I[st.first + i] = f(I[st.first + i] + st.amplitudes[k]);
    }
    return I;
  }

  /** A spike at ms t sets the neuron's traces (pair traces of every pair rule too). */
  #markSpike(i: number, t: number): void {
    this.#ltp[t % (this.#D + 1)][i] = f(this.options.stdp.aPlus);
    this.#ltd[i] = f(this.options.stdp.aMinus);
    this.#rules.forEach((rule, p) => {
      const traces = this.#pair[p];
      if (rule.kind !== 'pair' || traces === null) return;
      const x = traces.x[t % (this.#D + 1)];
      x[i] = rule.nearest ? 1 : f(x[i] + 1); // nearest pairing resets, all-to-all adds
      traces.y[i] = rule.nearest ? 1 : f(traces.y[i] + 1);
    });
  }

  /**
   * Neurons at threshold fire (ascending), set their traces and potentiate their plastic
   * incoming synapses with the presynaptic trace as it was `delay` ms ago; then the sources
   * fire (their traces are set once per listed spike, but each fires once).
   */
  #detect(t: number): number[] {
    const fired: number[] = [];
    const n = this.#neurons;
    for (let i = 0; i < this.#model.length; i++) {
      if (this.#model[i] === IZHIKEVICH ? detectExact(n, i) : this.#model[i] === LIF && this.#detectLif(i)) fired.push(i);
    }
    for (const i of fired) {
      this.#markSpike(i, t);
      if (this.#frozen) continue;
      for (const s of this.#incoming[i]) {
        const p = this.#syn.projection[s];
        const delay = this.#syn.delay[s];
        const pre = this.#syn.pre[s];
        const rule = this.#rules[p];
        if (!this.#plastic[p] || t < delay) continue;
        const slot = (t - delay) % (this.#D + 1);
        if (rule.kind === 'pair') this.#syn.weight[s] = potentiatePair(this.#syn.weight[s], rule, this.#pair[p]!.x[slot][pre]);
        else this.#syn.derivative[s] = f(this.#syn.derivative[s] + this.#ltp[slot][pre]);
      }
    }
    const sources: number[] = [];
    for (const src of this.#sources) {
      if (src.kind === 'poisson') {
        if (src.probability <= 0) continue;
        // Geometric gaps between the neurons that fire, as the engine draws them.
        const logQ = Math.log1p(-src.probability);
        for (let j = -1; ;) {
          j += src.probability >= 1 ? 1 : Math.floor(Math.log1p(-src.random.uniform()) / logQ) + 1;
          if (j >= src.count) break;
          sources.push(src.first + j);
        }
      } else {
        while (src.cursor < src.times.length && src.times[src.cursor] < t) src.cursor++;
        for (; src.cursor < src.times.length && src.times[src.cursor] === t; src.cursor++) sources.push(src.neurons[src.cursor]);
      }
    }
    for (const i of sources) this.#markSpike(i, t);
    return [...new Set([...fired, ...sources])].sort((x, y) => x - y);
  }

  #detectLif(i: number): boolean {
    const p = this.#lif[i]!;
    if (!(this.#neurons.v[i] >= f(p.vThreshold))) return false;
    this.#neurons.v[i] = f(p.vReset);
    this.#neurons.u[i] = f(p.refractory);
    return true;
  }

  /** Rewarded sequences see this ms's spikes; then the rewards that are due raise dopamine. */
  #rewards(fired: number[], t: number): void {
    for (const r of this.#sequences) {
      if (fired.includes(r.post) && r.lastPre >= 0 && t > r.lastPre && t - r.lastPre <= r.windowMs) {
        this.#pending.push([t + r.delayMs, r.amount]);
        this.#pending.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        r.lastPre = -1;
      }
      if (fired.includes(r.pre)) r.lastPre = t;
    }
    while (this.#pending.length > 0 && this.#pending[0][0] <= t) this.#dopamine += this.#pending.shift()![1];
  }

  /**
   * Spikes of the last D ms, newest first and descending neuron within a ms, deliver their
   * synapses of delay age + 1 in stored order: I[post] += w (float32 sums, so this order is
   * the result), and a plastic synapse is depressed by the postsynaptic trace now.
   */
  #deliver(t: number, I: Float32Array): void {
    const syn = this.#syn;
    for (let age = 0; age < this.#D && age <= t; age++) {
      const spikes = this.#spikes[t - age];
      for (let k = spikes.length - 1; k >= 0; k--) {
        for (const s of this.#outgoing[spikes[k]][age + 1]) {
          const q = syn.post[s];
          I[q] = f(I[q] + syn.weight[s]);
          const p = syn.projection[s];
          const rule = this.#rules[p];
          if (this.#frozen || !this.#plastic[p]) continue;
          if (rule.kind === 'pair') syn.weight[s] = depressPair(syn.weight[s], rule, this.#pair[p]!.y[q]);
          else syn.derivative[s] = f(syn.derivative[s] - this.#ltd[q]);
        }
      }
    }
  }

  /** Every neuron advances 1 ms with its input (sources do not integrate). */
  #integrate(I: Float32Array): void {
    const n = this.#neurons;
    for (let i = 0; i < this.#model.length; i++) {
      if (this.#model[i] === IZHIKEVICH) integrateExact(n, i, I[i]);
      if (this.#model[i] !== LIF) continue;
      // LIF: refractory ms count down at v_reset; otherwise the exact exponential step in float64.
      const p = this.#lif[i]!;
      if (n.u[i] > 0) {
        n.u[i] = f(n.u[i] - 1);
        n.v[i] = f(p.vReset);
        continue;
      }
      const target = p.vRest + p.resistance * I[i];
      n.v[i] = f(target + (n.v[i] - target) * p.decay);
    }
  }

  /** Traces of ms t decay into ms t + 1 (float64 product, float32 store). */
  #decayTraces(t: number): void {
    const { decayPlus, decayMinus } = this.options.stdp;
    const now = t % (this.#D + 1);
    const next = (t + 1) % (this.#D + 1);
    for (let i = 0; i < this.#model.length; i++) {
      this.#ltp[next][i] = f(decayPlus * this.#ltp[now][i]);
      this.#ltd[i] = f(decayMinus * this.#ltd[i]);
    }
    this.#rules.forEach((rule, p) => {
      const traces = this.#pair[p];
      if (rule.kind !== 'pair' || traces === null) return;
      const [dp, dm] = [Math.exp(-1 / rule.tauPlus), Math.exp(-1 / rule.tauMinus)];
      for (let i = 0; i < this.#model.length; i++) {
        traces.x[next][i] = f(dp * traces.x[now][i]);
        traces.y[i] = f(dm * traces.y[i]);
      }
    });
  }

  /**
   * At the end of ms t − 1 (time is now t): every stdp.periodMs, each 2006 synapse takes
   * w += bias + sd (float64), sd decays, w is clipped to the float32 bounds; every rule's
   * periodMs, each dopamine synapse takes w += (bias + DA)·sd clipped in float64, sd decays.
   */
  #updateWeights(t: number): void {
    const c = this.options.stdp;
    const due = (rule: Rule) => rule.kind === 'stdp2006' ? t % c.periodMs === 0 : rule.kind === 'dopamine' && t % rule.periodMs === 0;
    if (this.#frozen || !this.#rules.some(due)) return; // (a shortcut: the loop below would change nothing)
    const syn = this.#syn;
    for (let s = 0; s < syn.weight.length; s++) {
      const p = syn.projection[s];
      const rule = this.#rules[p];
      if (!this.#plastic[p]) continue;
      if (rule.kind === 'stdp2006' && t % c.periodMs === 0) {
        let w = f(syn.weight[s] + (c.bias + syn.derivative[s]));
        syn.derivative[s] = f(syn.derivative[s] * c.derivativeDecay);
        if (w > f(c.wMax)) w = f(c.wMax);
        if (w < f(c.wMin)) w = f(c.wMin);
        syn.weight[s] = w;
      }
      if (rule.kind === 'dopamine' && t % rule.periodMs === 0) {
        const next = syn.weight[s] + (rule.bias + this.#dopamine) * syn.derivative[s];
        const low = rule.wMin < next ? next : rule.wMin; // std::max(w_min, next)
        syn.weight[s] = f(low < rule.wMax ? low : rule.wMax); // std::min(w_max, ·)
        syn.derivative[s] = f(syn.derivative[s] * rule.eligibilityDecay);
      }
    }
  }
}

type PairRule = Extract<Rule, { kind: 'pair' }>;

/** Pair rule at a postsynaptic spike: w += a+·gain·x_pre in float32, at most w_max. */
function potentiatePair(w: number, rule: PairRule, x: number): number {
  const gain = rule.multiplicative ? f(f(rule.wMax) - w) : 1;
  const next = f(w + f(f(f(rule.aPlus) * gain) * x));
  return next < f(rule.wMax) ? next : f(rule.wMax);
}

/** Pair rule at a presynaptic spike's arrival: w −= a−·gain·y_post in float32, at least w_min. */
function depressPair(w: number, rule: PairRule, y: number): number {
  const gain = rule.multiplicative ? f(w - f(rule.wMin)) : 1;
  const next = f(w - f(f(f(rule.aMinus) * gain) * y));
  return f(rule.wMin) < next ? next : f(rule.wMin);
}
