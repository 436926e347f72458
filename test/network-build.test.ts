import { NETWORK_DEFAULTS, Network, type Population } from '../lib';
import { caught, expectError } from './helpers/errors';

function twoPopulations(options: ConstructorParameters<typeof Network>[0] = {}) {
  const network = new Network({ seed: 3, ...options });
  const a = network.addPopulation({ size: 50, name: 'a' });
  const b = network.addPopulation({ size: 30, name: 'b', preset: 'FS' });
  return { network, a, b };
}

const counts = (xs: ArrayLike<number>, size: number) => {
  const out = new Array<number>(size).fill(0);
  for (let k = 0; k < xs.length; k++) out[xs[k]]++;
  return out;
};

describe('building networks', () => {
  test('populations get consecutive neuron indices', () => {
    const { network, a, b } = twoPopulations();
    expect([a.first, a.size, b.first, b.size]).toEqual([0, 50, 50, 30]);
    expect(b.neuron(29)).toBe(79);
    expect(() => b.neuron(30)).toThrow(/i must be an integer in \[0, 29\]/);
    expect(network.size).toBe(80);
    expect(network.populations.map((p) => p.name)).toEqual(['a', 'b']);
  });

  test('fixed out-degree: exactly k distinct targets per source, no self-synapses', () => {
    const { network, a, b } = twoPopulations();
    network.connect(a, [a, b], { rule: { kind: 'fixedOutDegree', degree: 20 }, delay: { evenly: [1, 4] }, weight: 6 });
    const s = network.synapses();
    expect(s.pre.length).toBe(50 * 20);
    expect(counts(s.pre, 80).slice(0, 50)).toEqual(new Array(50).fill(20));
    const pairs = new Set<string>();
    for (let k = 0; k < s.pre.length; k++) {
      expect(s.pre[k]).not.toBe(s.post[k]);
      pairs.add(`${s.pre[k]}>${s.post[k]}`);
    }
    expect(pairs.size).toBe(s.pre.length);
    // evenly: 20 synapses over delays 1..4 gives 5 of each per neuron.
    expect(counts(s.delay, 5).slice(1)).toEqual([250, 250, 250, 250]);
    // Storage order: by pre, then delay.
    for (let k = 1; k < s.pre.length; k++) {
      expect(s.pre[k] > s.pre[k - 1] || (s.pre[k] === s.pre[k - 1] && s.delay[k] >= s.delay[k - 1])).toBe(true);
    }
  });

  test('fixed in-degree, probability and one-to-one', () => {
    const { network, a, b } = twoPopulations();
    network.connect(a, b, { rule: { kind: 'fixedInDegree', degree: 7 }, weight: { uniform: [1, 2] }, delay: { uniform: [2, 5] } });
    network.connect(b, a, { rule: { kind: 'probability', probability: 0.2 }, weight: -1 });
    network.connect(a, a, { rule: { kind: 'oneToOne' }, weight: 0.5, delay: 3, plastic: true });
    const s = network.synapses();
    const byProjection = (id: number) => [...s.projection.keys()].filter((k) => s.projection[k] === id);
    const inDegree = byProjection(0);
    expect(counts(inDegree.map((k) => s.post[k]), 80).slice(50)).toEqual(new Array(30).fill(7));
    for (const k of inDegree) {
      expect(s.weight[k]).toBeGreaterThanOrEqual(1);
      expect(s.weight[k]).toBeLessThanOrEqual(2);
      expect(s.delay[k]).toBeGreaterThanOrEqual(2);
      expect(s.delay[k]).toBeLessThanOrEqual(5);
    }
    const random = byProjection(1);
    expect(random.length).toBeGreaterThan(30 * 50 * 0.2 * 0.7);
    expect(random.length).toBeLessThan(30 * 50 * 0.2 * 1.3);
    const oneToOne = byProjection(2);
    expect(oneToOne.map((k) => [s.pre[k], s.post[k], s.delay[k]])).toEqual(
      Array.from({ length: 50 }, (_, i) => [i, i, 3]),
    );
    expect(network.projections.map((p) => p.plastic)).toEqual([false, false, true]);
  });

  test('explicit synapses use indices within the given populations', () => {
    const { network, a, b } = twoPopulations();
    network.connect(a, b, {
      rule: { kind: 'explicit', pre: Uint32Array.of(0, 49, 3), post: Uint32Array.of(0, 29, 3) },
      delay: [1, 2, 255],
      weight: Float64Array.of(1.5, -2, 3),
    });
    const s = network.synapses();
    expect(Array.from(s.pre)).toEqual([0, 3, 49]);
    expect(Array.from(s.post)).toEqual([50, 53, 79]);
    expect(Array.from(s.delay)).toEqual([1, 255, 2]);
    expect(Array.from(s.weight)).toEqual([1.5, 3, -2]);
  });

  test('the same seed builds the same network; another seed another', () => {
    const build = (seed: number) => {
      const { network, a, b } = twoPopulations({ seed });
      network.connect(a, [a, b], { rule: { kind: 'fixedOutDegree', degree: 10 }, weight: { uniform: [0, 1] } });
      return network.synapses();
    };
    expect(build(1)).toEqual(build(1));
    expect(Array.from(build(1).post)).not.toEqual(Array.from(build(2).post));
  });

  const bad: Array<[string, (n: Network, a: Population, b: Population) => unknown, string, RegExp]> = [
    ['a delay of 0', (n, a) => n.connect(a, a, { rule: { kind: 'oneToOne' }, weight: 1, delay: 0 }), 'RangeError', /delay must be an integer in \[1, 255\] ms \(got 0/],
    ['a delay of 256', (n, a, b) => n.connect(a, b, { rule: { kind: 'fixedOutDegree', degree: 1 }, weight: 1, delay: { uniform: [250, 256] } }), 'RangeError', /delay must be an integer in \[1, 255\]/],
    ['a fractional delay', (n, a, b) => n.connect(a, b, { rule: { kind: 'fixedOutDegree', degree: 1 }, weight: 1, delay: 1.5 }), 'RangeError', /delay must be an integer/],
    ['more targets than exist', (n, a, b) => n.connect(a, b, { rule: { kind: 'fixedOutDegree', degree: 31 }, weight: 1 }), 'RangeError', /degree must be at most the number of distinct candidates, 30 \(got 31\)/],
    ['one-to-one of unequal sizes', (n, a, b) => n.connect(a, b, { rule: { kind: 'oneToOne' }, weight: 1 }), 'RangeError', /one-to-one needs as many targets as sources \(50 sources, 30 targets\)/],
    ['a probability above 1', (n, a, b) => n.connect(a, b, { rule: { kind: 'probability', probability: 1.5 }, weight: 1 }), 'RangeError', /probability must be in \[0, 1\]/],
    ['an unknown rule', (n, a, b) => n.connect(a, b, { rule: { kind: 'allToAll' } as never, weight: 1 }), 'TypeError', /rule.kind must be 'fixedOutDegree'/],
    ['a NaN weight', (n, a, b) => n.connect(a, b, { rule: { kind: 'fixedOutDegree', degree: 1 }, weight: NaN }), 'RangeError', /weight must be a finite number/],
    ['explicit indices outside the population', (n, a, b) => n.connect(a, b, { rule: { kind: 'explicit', pre: Uint32Array.of(50), post: Uint32Array.of(0) }, weight: 1 }), 'RangeError', /rule.pre holds 50, outside \[0, 49\]/],
    ['explicit weights of the wrong length', (n, a, b) => n.connect(a, b, { rule: { kind: 'explicit', pre: Uint32Array.of(0, 1), post: Uint32Array.of(0, 1) }, weight: [1] }), 'RangeError', /pre, post, delay and weight must have the same length \(got 2, 2, 2, 1\)/],
    ['explicit indices as a plain array', (n, a, b) => n.connect(a, b, { rule: { kind: 'explicit', pre: [0] as never, post: Uint32Array.of(0) }, weight: 1 }), 'TypeError', /rule.pre must be a Uint32Array/],
    ['a target that is no population', (n, a) => n.connect(a, {} as never, { rule: { kind: 'oneToOne' }, weight: 1 }), 'TypeError', /source and target must be a Population/],
    ['an unknown mode', () => new Network({ mode: 'turbo' as never }), 'TypeError', /mode must be 'reference' or 'fast' \(got 'turbo'\)/],
    ['an STDP decay above 1', () => new Network({ stdp: { decayPlus: 1.5 } }), 'RangeError', /stdp.decayPlus must be in \[0, 1\]/],
    // A target must be a Population (so never of 0 neurons): a look-alike object is refused as such.
    ['a thalamic input drawing from no population', (n) => n.addThalamicInput({ target: { first: 0, size: 0 } as never }), 'TypeError', /options.target must be a Population \(got an object\)/],
    ['a schedule naming a missing neuron', (n) => n.addCurrentSchedule({ times: [0], neurons: Uint32Array.of(80), currents: 1 }), 'RangeError', /schedule neuron 80 is not in \[0, 79\]/],
    ['a schedule out of order', (n) => n.addCurrentSchedule({ times: [5, 4], neurons: Uint32Array.of(0, 1), currents: 1 }), 'RangeError', /schedule times must be ascending/],
  ];
  test.each(bad)('refuses %s with a clear error, keeping nothing of it', (_name, act, type, message) => {
    const { network, a, b } = twoPopulations();
    expectError(caught(() => act(network, a, b)), type, message);
    expect(network.synapses().pre.length).toBe(0);
  });

  test('the structure is fixed once the network has run', async () => {
    const { network, a, b } = twoPopulations();
    const projection = network.connect(a, b, { rule: { kind: 'fixedOutDegree', degree: 2 }, weight: 1 });
    await network.run(5);
    expectError(caught(() => network.addPopulation({ size: 1 })), 'Error', /cannot add a population after the network has started running/);
    expectError(caught(() => network.connect(a, b, { rule: { kind: 'oneToOne' }, weight: 1 })), 'Error', /cannot add a projection after/);
    expectError(caught(() => { projection.plastic = true; }), 'Error', /a projection made static cannot become plastic after the network has started/);
  });

  test('reading v and u after synapses() or plasticWeights() on an unbuilt network gives one value per neuron', () => {
    for (const first of ['synapses', 'plasticWeights'] as const) {
      const { network, a, b } = twoPopulations();
      network.connect(a, b, { rule: { kind: 'fixedOutDegree', degree: 2 }, weight: 1 });
      network[first]();
      expect(network.v.length).toBe(80);
      expect(network.u.length).toBe(80);
    }
  });
});

describe('NETWORK_DEFAULTS', () => {
  test('holds the numbers docs/api.md documents', () => {
    const stdp = { aPlus: 0.1, aMinus: 0.12, decayPlus: 0.95, decayMinus: 0.95, bias: 0.01, derivativeDecay: 0.9, wMin: 0, wMax: 10, periodMs: 1000 };
    expect(NETWORK_DEFAULTS).toEqual({
      stdp,
      plasticity: {
        stdp2006: stdp,
        pair: { aPlus: 0.01, aMinus: 0.012, tauPlus: 20, tauMinus: 20, wMin: 0, wMax: 1, multiplicative: false, nearest: false },
        dopamine: { bias: 0, periodMs: 10, eligibilityDecay: 0.99, wMin: 0, wMax: 4 },
      },
      lif: { tau: 20, vRest: -65, vReset: -65, vThreshold: -50, resistance: 1, refractory: 2 },
      thalamic: { perMs: 1, current: 20 },
      delay: 1,
    });
  });

  test('a LIF population given no constants gets them from the core', async () => {
    const driven = (options: object) => {
      const network = new Network();
      const lif = network.addPopulation({ model: 'lif', size: 2, ...options });
      network.addConstantCurrent(lif, 1000);
      return network;
    };
    const bare = driven({});
    const explicit = driven(NETWORK_DEFAULTS.lif);
    bare.synapses();
    expect(Array.from(bare.v)).toEqual([NETWORK_DEFAULTS.lif.vRest, NETWORK_DEFAULTS.lif.vRest]);
    const a = await bare.run(10);
    const b = await explicit.run(10);
    // A strong current fires each neuron as soon as its refractory ms are over.
    const period = NETWORK_DEFAULTS.lif.refractory + 1;
    expect(Array.from(a.spikeTimes).filter((_, k) => a.spikeNeurons[k] === 0)).toEqual([1, 1 + period, 1 + 2 * period]);
    expect(Array.from(a.spikeTimes)).toEqual(Array.from(b.spikeTimes));
    expect(Array.from(a.spikeNeurons)).toEqual(Array.from(b.spikeNeurons));
    expect(Array.from(bare.v)).toEqual(Array.from(explicit.v));
    bare.close();
    explicit.close();
  });
});
