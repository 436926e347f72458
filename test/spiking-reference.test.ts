import { Network, NETWORK_DEFAULTS, Population, type NetworkMode, type Projection } from '../lib';
import { seededRandom } from './helpers/random';
import { ReferenceNetwork, type Rule, type Stdp } from './helpers/spiking-reference';

// The engine against the plain loop of test/helpers/spiking-reference.ts: bit for bit in
// reference mode (any thread count), within stated statistical bounds in fast mode.

const same = (x: ArrayBufferView, y: ArrayBufferView) =>
  Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));

type Random = () => number;
const between = (random: Random, lo: number, hi: number) => lo + (hi - lo) * random();
const integer = (random: Random, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const each = (n: number, value: (k: number) => number) => Float64Array.from({ length: n }, (_, k) => value(k));

/** Full rule constants for both sides: the reference takes no defaults. */
function fullRule(rule: { kind: 'stdp2006' | 'pair' | 'dopamine' | 'none' } & Record<string, unknown>): Rule {
  if (rule.kind === 'none' || rule.kind === 'stdp2006') return { kind: rule.kind };
  return { ...NETWORK_DEFAULTS.plasticity[rule.kind], ...rule } as Rule;
}

/**
 * One network built twice by the same calls: the engine (lib/network.ts) and the reference.
 * Connectivity the engine generates (fixedOutDegree, probability, ...) is read back from it
 * and handed to the reference, each projection's synapses in the order the engine made them.
 */
class Twin {
  readonly network: Network;
  readonly reference: ReferenceNetwork;
  readonly #projections: Array<{ id: number; pre?: Uint32Array; post?: Uint32Array; delay?: Float64Array; weight?: Float64Array }> = [];

  constructor(options: { seed: number; mode: NetworkMode; threads: number; stdp: Stdp; dopamineDecay: number; compactSynapses?: boolean }) {
    this.network = new Network(options);
    this.reference = new ReferenceNetwork(options);
  }

  izhikevich(size: number, p: { a: number | Float64Array; b: number | Float64Array; c: number | Float64Array; d: number | Float64Array; v?: Float64Array }): Population {
    const population = this.network.addPopulation({ size, ...p });
    expect(this.reference.addIzhikevich(size, p)).toBe(population.first);
    return population;
  }

  lif(size: number, p: { tau: number; vRest: number; vReset: number; vThreshold: number | Float64Array; resistance: number | Float64Array; refractory: number }): Population {
    const population = this.network.addPopulation({ model: 'lif', size, ...p });
    expect(this.reference.addLif(size, p)).toBe(population.first);
    return population;
  }

  poisson(size: number, rate: number): Population {
    const population = this.network.addPoissonSource({ size, rate });
    expect(this.reference.addPoisson(size, rate)).toBe(population.first);
    return population;
  }

  trains(size: number, times: number[], neurons: Uint32Array): Population {
    const population = this.network.addSpikeTrains({ size, times, neurons });
    expect(this.reference.addTrain(size, times, neurons)).toBe(population.first);
    return population;
  }

  /** Synapses listed one by one (indices within source and target). */
  explicit(source: Population, target: Population, rule: Rule, s: { pre: Uint32Array; post: Uint32Array; delay: Float64Array; weight: Float64Array }): Projection {
    const projection = this.network.connect(source, target, {
      rule: { kind: 'explicit', pre: s.pre, post: s.post }, delay: s.delay, weight: s.weight, plastic: rule.kind === 'none' ? false : rule,
    });
    expect(this.reference.addProjection(rule)).toBe(projection.id);
    this.#projections.push({
      id: projection.id, pre: s.pre.map((i) => source.first + i), post: s.post.map((i) => target.first + i), delay: s.delay, weight: s.weight,
    });
    return projection;
  }

  /** Synapses the engine generates by a rule. */
  generated(source: Population, target: Population, rule: Rule, options: Omit<Parameters<Network['connect']>[2], 'plastic'>): Projection {
    const projection = this.network.connect(source, target, { ...options, plastic: rule.kind === 'none' ? false : rule });
    expect(this.reference.addProjection(rule)).toBe(projection.id);
    this.#projections.push({ id: projection.id });
    return projection;
  }

  /** Hands every projection's synapses to the reference, in projection order; checks the stored order. */
  finish(): void {
    const table = this.network.synapses(); // builds the engine
    for (const p of this.#projections) {
      if (p.pre) {
        this.reference.addSynapses(p.id, p.pre, p.post!, p.delay!, p.weight!);
        continue;
      }
      const rows = [...table.projection.keys()].filter((k) => table.projection[k] === p.id);
      this.reference.addSynapses(p.id, rows.map((k) => table.pre[k]), rows.map((k) => table.post[k]),
        rows.map((k) => table.delay[k]), rows.map((k) => table.weight[k]));
    }
    const mine = this.reference.synapses();
    for (const key of ['pre', 'post', 'delay', 'weight', 'projection'] as const) expect(same(table[key], mine[key])).toBe(true);
  }
}

/**
 * A seeded random network with every kind of population, projection and input the API
 * offers: heterogeneous regular-spiking, bursting and chattering excitatory neurons;
 * fast-spiking and low-threshold inhibitory ones; two LIF populations; Poisson sources and
 * spike trains; 2006, pair (additive nearest, multiplicative all-to-all) and dopamine STDP;
 * delays 1..20; thalamic input, current schedules (assign and add), constant, noise and
 * stepped currents; a rewarded sequence.
 */
function randomTwin(seed: number, mode: NetworkMode, threads: number, compactSynapses = false) {
  const random = seededRandom(seed);
  // Seed 1 keeps the 2006 constants; the others change every one (period included).
  const stdp: Stdp = seed === 1 ? { ...NETWORK_DEFAULTS.stdp } : {
    aPlus: between(random, 0.05, 0.2), aMinus: between(random, 0.06, 0.24), decayPlus: between(random, 0.9, 0.97),
    decayMinus: between(random, 0.9, 0.97), bias: between(random, 0, 0.02), derivativeDecay: between(random, 0.8, 0.95),
    wMin: 0, wMax: integer(random, 8, 12), periodMs: integer(random, 150, 400),
  };
  const twin = new Twin({ seed, mode, threads, stdp, dopamineDecay: 0.99, compactSynapses });
  const r2 = each(60, () => random() ** 2); // regular spiking (0) to chattering (1), as in Izhikevich 2003
  const rs = twin.izhikevich(60, { a: 0.02, b: 0.2, c: r2.map((r) => -65 + 15 * r), d: r2.map((r) => 8 - 6 * r), v: each(60, () => between(random, -70, -60)) });
  const ib = twin.izhikevich(15, { a: 0.02, b: 0.2, c: -55, d: 4 });
  const ch = twin.izhikevich(10, { a: 0.02, b: 0.2, c: -50, d: 2 });
  const fs = twin.izhikevich(20, { a: each(20, () => between(random, 0.02, 0.1)), b: each(20, () => between(random, 0.2, 0.25)), c: -65, d: 2 });
  const lts = twin.izhikevich(15, { a: 0.02, b: 0.25, c: -65, d: 2 });
  const lif = twin.lif(30, { tau: 20, vRest: -65, vReset: -65, vThreshold: each(30, () => between(random, -52, -48)), resistance: each(30, () => between(random, 0.8, 1.2)), refractory: 2 });
  const lif2 = twin.lif(10, { tau: 10, vRest: -65, vReset: -70, vThreshold: -50, resistance: 2, refractory: 0 });
  const poisson = twin.poisson(20, 15);
  // Spike trains, some spikes listed twice (a source fires once, but its traces count both).
  const listed = Array.from({ length: 170 }, () => [integer(random, 0, 2499), integer(random, 0, 9)]);
  listed.push(...listed.slice(0, 30));
  listed.sort((x, y) => x[0] - y[0]);
  const trains = twin.trains(10, listed.map((x) => x[0]), Uint32Array.from(listed, (x) => x[1]));

  // Excitatory and inhibitory neurons as consecutive blocks (rs, ib, ch; fs, lts).
  const exc = new Population(rs.first, rs.size + ib.size + ch.size, 'excitatory');
  const inh = new Population(fs.first, fs.size + lts.size, 'inhibitory');
  const integrated = new Population(rs.first, lif2.first + lif2.size - rs.first, 'integrated'); // all but the sources
  const synapses = (source: Population, target: Population, perNeuron: number, delay: [number, number], weight: [number, number]) => {
    const n = source.size * perNeuron;
    return {
      pre: Uint32Array.from({ length: n }, (_, k) => Math.floor(k / perNeuron)),
      post: Uint32Array.from({ length: n }, () => integer(random, 0, target.size - 1)),
      delay: each(n, () => integer(random, ...delay)),
      weight: each(n, () => between(random, ...weight)),
    };
  };
  const wMax = stdp.wMax;
  const projections = [
    twin.explicit(exc, integrated, { kind: 'stdp2006' }, synapses(exc, integrated, 15, [1, 20], [0, wMax])),
    twin.explicit(inh, integrated, { kind: 'none' }, synapses(inh, integrated, 12, [1, 5], [-7, -2])),
    twin.explicit(lif, exc, fullRule({ kind: 'pair', aPlus: 0.4, aMinus: 0.5, tauPlus: 10, tauMinus: 20, wMax: 8, nearest: true }), synapses(lif, exc, 8, [1, 20], [0, 8])),
    twin.explicit(poisson, integrated, fullRule({ kind: 'dopamine', periodMs: 10, eligibilityDecay: 0.99, wMax: 8 }), synapses(poisson, integrated, 10, [1, 20], [1, 8])),
    twin.explicit(trains, rs, fullRule({ kind: 'pair', aPlus: 0.2, aMinus: 0.1, tauPlus: 20, tauMinus: 10, wMin: 0, wMax: 12, multiplicative: true }),
      synapses(trains, rs, 10, [1, 20], [4, 12])),
    twin.generated(exc, inh, { kind: 'stdp2006' }, { rule: { kind: 'fixedOutDegree', degree: 5 }, delay: { uniform: [1, 20] }, weight: { uniform: [2, 7] } }),
    twin.generated(inh, inh, { kind: 'none' }, { rule: { kind: 'probability', probability: 0.1 }, delay: 1, weight: -2 }),
  ];

  // Inputs, each kind in an order the engine does not apply them in.
  const n = exc.size + inh.size;
  const scheduled = (count: number) => {
    const times = Array.from({ length: count }, () => integer(random, 0, 2499)).sort((x, y) => x - y);
    return { times, neurons: Uint32Array.from(times, () => integer(random, rs.first, rs.first + n - 1)), currents: each(count, () => between(random, -5, 25)) };
  };
  const add = scheduled(300);
  twin.network.addCurrentSchedule({ ...add, mode: 'add' });
  twin.reference.addSchedule(add.times, add.neurons, add.currents, false);
  twin.network.addSteppedCurrent(ch, { times: [0, 500, 1200], amplitudes: [3, 0, 6] });
  twin.reference.addStepped(ch.first, ch.size, [0, 500, 1200], [3, 0, 6]);
  const constant = each(lif.size, () => between(random, 12, 18));
  twin.network.addConstantCurrent(lif, constant);
  twin.reference.addConstant(lif.first, constant);
  twin.network.addConstantCurrent(lif2, 7.6);
  twin.reference.addConstant(lif2.first, new Float64Array(lif2.size).fill(7.6));
  twin.network.addNoiseCurrent(lts, { low: -2, high: 6 });
  twin.reference.addNoise(lts.first, lts.size, -2, 6);
  for (const [target, perMs, current] of [[rs, 1, 20], [inh, 1, 14], [exc, 2, 9]] as const) {
    twin.network.addThalamicInput({ target, perMs, current });
    twin.reference.addThalamic(target.first, target.size, perMs, current);
  }
  const assign = scheduled(300);
  twin.network.addCurrentSchedule({ ...assign, mode: 'assign' });
  twin.reference.addSchedule(assign.times, assign.neurons, assign.currents, true);
  const sequence = { pre: rs.first + 3, post: rs.first + 7, windowMs: 30, delayMs: 200, amount: 0.25 };
  twin.network.rewardSequence(sequence);
  twin.reference.rewardSequence(sequence);
  twin.finish();
  return { twin, projections };
}

/** Runs a network in chunks with rewards, a projection switched off and back, and a frozen stretch. */
async function scenario(side: Network | ReferenceNetwork, dopamine: Projection) {
  const spikes: Array<{ spikeTimes: ArrayLike<number>; spikeNeurons: ArrayLike<number> }> = [];
  const run = async (ms: number) => spikes.push(side instanceof Network ? await side.run(ms) : side.run(ms));
  const set = (plastic: boolean) => side instanceof Network ? (side.projections[dopamine.id].plastic = plastic) : side.setPlastic(dopamine.id, plastic);
  const freeze = (frozen: boolean) => side instanceof Network ? (frozen ? side.freeze() : side.unfreeze()) : side.setFrozen(frozen);
  await run(800);
  side.reward(0.5);
  set(false);
  await run(400);
  set(true);
  side.reward(0.3);
  freeze(true);
  await run(300);
  freeze(false);
  await run(1000);
  return {
    spikeTimes: Float64Array.from(spikes.flatMap((s) => Array.from(s.spikeTimes))),
    spikeNeurons: Uint32Array.from(spikes.flatMap((s) => Array.from(s.spikeNeurons))),
  };
}

describe('reference mode equals the plain reference loop bit for bit', () => {
  test.each([1, 2, 3])('random network, seed %i, 1 and 2 threads', async (seed) => {
    const { twin, projections } = randomTwin(seed, 'reference', 1);
    const initial = twin.reference.synapses().weight.slice();
    const expected = await scenario(twin.reference, projections[3]);
    const engines = [twin.network, randomTwin(seed, 'reference', 2, seed === 3).twin.network];
    for (const network of engines) {
      const got = await scenario(network, projections[3]);
      // Any difference: the first spike that differs tells where to look.
      const first = got.spikeNeurons.findIndex((i, k) => i !== expected.spikeNeurons[k] || got.spikeTimes[k] !== expected.spikeTimes[k]);
      expect({ first, spikes: got.spikeTimes.length }).toEqual({ first: -1, spikes: expected.spikeTimes.length });
      const a = network.synapses();
      const b = twin.reference.synapses();
      expect(same(a.weight, b.weight)).toBe(true);
      expect(same(a.derivative, b.derivative)).toBe(true);
      expect(same(network.v, twin.reference.v)).toBe(true);
      expect(same(network.u, twin.reference.u)).toBe(true);
      expect(network.dopamine).toBe(twin.reference.dopamine);
    }
    // The comparison means something: every population fired, and every rule learned.
    const table = twin.reference.synapses();
    for (const p of projections) {
      const rows = [...table.projection.keys()].filter((k) => table.projection[k] === p.id);
      const changed = rows.filter((k) => table.weight[k] !== initial[k]).length;
      if (p.plastic) expect(changed).toBeGreaterThan(rows.length / 3);
      else expect(changed).toBe(0);
    }
    const counts = new Map<number, number>();
    for (const i of expected.spikeNeurons) counts.set(i, (counts.get(i) ?? 0) + 1);
    for (const p of twin.network.populations) {
      let total = 0;
      for (let i = p.first; i < p.first + p.size; i++) total += counts.get(i) ?? 0;
      expect(total).toBeGreaterThan(p.size);
    }
  });
});

/**
 * A 2006-like network of 1100 neurons for the fast-mode comparison: 800 excitatory neurons
 * from regular spiking to chattering (as in Izhikevich 2003), 150 fast-spiking and 50
 * low-threshold inhibitory ones and 100 LIF neurons. Each excitatory neuron has 100 synapses
 * onto any neuron (delays 1..20, weights uniform in [0, 10], the 2006 rule), each inhibitory
 * one 100 onto excitatory ones (1 ms, −5, static), each LIF neuron 50 onto excitatory ones
 * (delays 1..10, weights in [0, 4], pair STDP). Thalamic input drives the Izhikevich
 * neurons, a constant current the LIF ones. The 2006 constants are sped up (period 100 ms,
 * five times the trace amplitudes) so that 4 s reshape the weights: about 30% of them end
 * near 0 and 30% at the maximum. Rates: about 5 Hz excitatory, 21 Hz fast-spiking, 22 Hz
 * low-threshold, 14 Hz LIF.
 */
function fastTwin(seed: number, threads: number, withPairRule = true) {
  const random = seededRandom(1000 + seed);
  const stdp: Stdp = { ...NETWORK_DEFAULTS.stdp, aPlus: 0.5, aMinus: 0.6, periodMs: 100 };
  const twin = new Twin({ seed, mode: 'fast', threads, stdp, dopamineDecay: 0.995 });
  const r = each(800, () => random());
  const exc = twin.izhikevich(800, { a: 0.02, b: 0.2, c: r.map((x) => -65 + 15 * x * x), d: r.map((x) => 8 - 6 * x * x) });
  const fs = twin.izhikevich(150, { a: 0.1, b: 0.2, c: -65, d: 2 });
  const lts = twin.izhikevich(50, { a: 0.02, b: 0.25, c: -65, d: 2 });
  const lif = twin.lif(100, { tau: 20, vRest: -65, vReset: -65, vThreshold: -50, resistance: 1, refractory: 2 });
  const inh = new Population(fs.first, 200, 'inhibitory');
  const all = new Population(0, 1100, 'all');
  const izhikevich = new Population(0, 1000, 'izhikevich');
  const synapses = (source: Population, target: Population, perNeuron: number, delay: [number, number], weight: number) => {
    const n = source.size * perNeuron;
    return {
      pre: Uint32Array.from({ length: n }, (_, k) => Math.floor(k / perNeuron)),
      post: Uint32Array.from({ length: n }, () => integer(random, 0, target.size - 1)),
      delay: each(n, () => integer(random, ...delay)),
      weight: each(n, () => weight * random()),
    };
  };
  const plastic = [twin.explicit(exc, all, { kind: 'stdp2006' }, synapses(exc, all, 100, [1, 20], 10))];
  // Without it every rule is the 2006 rule, and fast mode learns from spike histories.
  if (withPairRule) {
    plastic.push(twin.explicit(lif, exc, fullRule({ kind: 'pair', aPlus: 0.3, aMinus: 0.36, wMax: 4 }), synapses(lif, exc, 50, [1, 10], 4)));
  } else {
    twin.explicit(lif, exc, { kind: 'none' }, synapses(lif, exc, 50, [1, 10], 4));
  }
  twin.explicit(inh, exc, { kind: 'none' }, { ...synapses(inh, exc, 100, [1, 1], 1), weight: new Float64Array(200 * 100).fill(-5) });
  twin.network.addThalamicInput({ target: izhikevich, perMs: 1, current: 20 });
  twin.reference.addThalamic(0, 1000, 1, 20);
  twin.network.addConstantCurrent(lif, 14);
  twin.reference.addConstant(lif.first, new Float64Array(100).fill(14));
  twin.finish();
  return { twin, populations: [exc, fs, lts, lif], plastic, wMax: withPairRule ? [stdp.wMax, 4] : [stdp.wMax] };
}

/** Per-population mean rate (Hz) and, per plastic projection, the histogram of final weights (10 bins over [0, wMax]). */
function statistics(spikeNeurons: ArrayLike<number>, ms: number, populations: Population[], table: { weight: Float32Array; projection: Uint16Array }, plastic: Projection[], wMax: number[]) {
  const rates = populations.map((p) => {
    let count = 0;
    for (let k = 0; k < spikeNeurons.length; k++) if (spikeNeurons[k] >= p.first && spikeNeurons[k] < p.first + p.size) count++;
    return count / p.size / (ms / 1000);
  });
  const histograms = plastic.map((projection, j) => {
    const bins = new Array<number>(10).fill(0);
    let n = 0;
    for (let k = 0; k < table.weight.length; k++) {
      if (table.projection[k] !== projection.id) continue;
      bins[Math.min(9, Math.floor(table.weight[k] / wMax[j] * 10))]++;
      n++;
    }
    return bins.map((b) => b / n);
  });
  const means = plastic.map((projection) => {
    let sum = 0, n = 0;
    for (let k = 0; k < table.weight.length; k++) if (table.projection[k] === projection.id) { sum += table.weight[k]; n++; }
    return sum / n;
  });
  return { rates, histograms, means };
}

const distance = (p: number[], q: number[]) => 0.5 * p.reduce((sum, x, k) => sum + Math.abs(x - q[k]), 0);


// Fast mode relaxes the numerics (float32 neuron kernels with fused multiply-add, and, with
// 2006 rules only, STDP summed per synapse and period from spike histories), so its raster parts from the reference within the
// first second of a chaotic network: what must agree are statistics. Measured when the
// bounds were set (fastTwin, 4 s, seeds 1–10, 1 thread): per-population rates differed by
// at most 6.5%; the total-variation distance between the histograms of final weights (10
// bins over [0, wMax]) was at most 0.012 for the 2006 rule (80,000 synapses) and 0.030 for
// the pair rule (5,000); the mean final weight differed by at most 1.5% (2006) and 1.8% (pair).
// Breaking STDP in the reference (the same comparison, seeds 1–3) gave: the 2006 rule off,
// histogram distance 0.41; no potentiation 0.30; no depression 0.69; delays ignored by
// potentiation 0.09–0.12; the LTD trace decaying twice as fast 0.54; sd never decayed 0.25;
// no bias 0.017–0.020 with the mean weight 2.5–3.4% lower (3.0% over the seeds); the pair rule
// off, pair distance 0.11; no pair potentiation 0.45–0.54. Rates are checked loosely (the
// network's state drifts as a whole; 2006 STDP off moved them by up to 25%).
const BOUNDS = {
  rate: 0.15, // per population and seed, relative
  distance: [0.03, 0.06], // per seed: 2006, pair histograms
  meanWeight: [0.02, 0.04], // mean over the seeds of the relative difference of the mean weight: 2006, pair
};

describe('fast mode stays within stated bounds of the reference loop', () => {
  test('rates per population and final plastic weights over 4 s, seeds 1–3, 1 and 2 threads', async () => {
    const ms = 4000;
    const seeds = [1, 2, 3];
    const meanWeightDifferences: number[][][] = [[], []]; // [threads − 1][seed][projection]
    for (const seed of seeds) {
      const { twin, populations, plastic, wMax } = fastTwin(seed, 1);
      const initial = statistics([], 1, populations, twin.reference.synapses(), plastic, wMax);
      const reference = statistics(twin.reference.run(ms).spikeNeurons, ms, populations, twin.reference.synapses(), plastic, wMax);
      // The comparison means something only where STDP has reshaped the weights.
      expect(distance(reference.histograms[0], initial.histograms[0])).toBeGreaterThan(0.3);
      expect(distance(reference.histograms[1], initial.histograms[1])).toBeGreaterThan(0.08);
      for (const threads of [1, 2]) {
        const network = threads === 1 ? twin.network : fastTwin(seed, threads).twin.network;
        const fast = statistics((await network.run(ms)).spikeNeurons, ms, populations, network.synapses(), plastic, wMax);
        fast.rates.forEach((rate, k) => expect(Math.abs(rate - reference.rates[k]) / reference.rates[k]).toBeLessThan(BOUNDS.rate));
        fast.histograms.forEach((h, k) => expect(distance(h, reference.histograms[k])).toBeLessThan(BOUNDS.distance[k]));
        meanWeightDifferences[threads - 1].push(fast.means.map((m, k) => Math.abs(m - reference.means[k]) / reference.means[k]));
      }
    }
    for (const differences of meanWeightDifferences) {
      BOUNDS.meanWeight.forEach((bound, k) => expect(differences.reduce((sum, d) => sum + d[k], 0) / seeds.length).toBeLessThan(bound));
    }
  });

  // Without the pair projection the network drifts further as a whole, either way: when
  // this test was written (seeds 1–3) the fast rates differed from the reference's by
  // +15%, −5% and −13% (every population the same sign within a seed), −1% on average,
  // while the weights kept to the bounds above (histogram distance at most 0.024, mean
  // weight within 1.7%). So rates are bounded per seed by 25% and over the seeds by 10%;
  // the weights, which STDP shapes, by the bounds above.
  test('with 2006 rules only (STDP from spike histories): weights within the bounds above, seeds 1–3', async () => {
    const ms = 4000;
    const seeds = [1, 2, 3];
    const weightDifferences: number[] = [];
    const rateDifferences: number[][] = [];
    for (const seed of seeds) {
      const { twin, populations, plastic, wMax } = fastTwin(seed, 2, false);
      const reference = statistics(twin.reference.run(ms).spikeNeurons, ms, populations, twin.reference.synapses(), plastic, wMax);
      const fast = statistics((await twin.network.run(ms)).spikeNeurons, ms, populations, twin.network.synapses(), plastic, wMax);
      expect(twin.network.stats().stdpFromHistory).toBe(true);
      rateDifferences.push(fast.rates.map((rate, k) => (rate - reference.rates[k]) / reference.rates[k]));
      expect(distance(fast.histograms[0], reference.histograms[0])).toBeLessThan(BOUNDS.distance[0]);
      weightDifferences.push(Math.abs(fast.means[0] - reference.means[0]) / reference.means[0]);
    }
    for (const differences of rateDifferences) for (const d of differences) expect(Math.abs(d)).toBeLessThan(0.25);
    for (let k = 0; k < rateDifferences[0].length; k++) {
      expect(Math.abs(rateDifferences.reduce((sum, d) => sum + d[k], 0) / seeds.length)).toBeLessThan(0.1);
    }
    expect(weightDifferences.reduce((a, b) => a + b, 0) / seeds.length).toBeLessThan(BOUNDS.meanWeight[0]);
  });
});
