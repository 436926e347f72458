// Event-driven neuron updates (NetworkOptions.neuronUpdates): a run that updates only
// the neurons whose update is not the identity must give the dense loop's results bit for
// bit: the same spikes, v, u, counters, and the same checkpoint bytes (STDP traces,
// spikes in flight, input RNG states), in both modes and for any thread count.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Network, type NetworkMode } from '../lib';
import { caught, expectError, rejected } from './helpers/errors';
import { seededRandom } from './helpers/random';

type Updates = 'auto' | 'dense';

// Seeded, so that every variant builds the same network.
const random = seededRandom;

interface Variant {
  mode: NetworkMode;
  neuronUpdates: Updates;
  threads: number;
}

interface Shape {
  /** A plastic projection (the 2006 rule, or a pair rule made static). */
  plastic?: 'stdp2006' | 'pair';
  /** Trace decays: the 2006 rule's per ms factors, the pair rule's time constants. */
  decay?: { plus: number; minus: number; tauPlus: number; tauMinus: number };
}

/**
 * A random LIF network: memoryless neurons (tau 1e-3), perfect integrators (tau
 * Infinity, some starting at v = −0), leaky ones at a representable and at an
 * unrepresentable vRest, refractory 0..3 ms, Poisson and train sources, weights of both
 * signs and delays 1..20 ms.
 */
function randomNetwork(seed: number, variant: Variant, shape: Shape = {}): Network {
  const draw = random(seed);
  const between = (low: number, high: number) => low + (high - low) * draw();
  const integer = (low: number, high: number) => low + Math.floor(draw() * (high - low + 1));
  const perNeuron = (size: number, value: () => number) => Float64Array.from({ length: size }, value);
  const stdp = shape.decay ? { decayPlus: shape.decay.plus, decayMinus: shape.decay.minus } : {};
  const network = new Network({ mode: variant.mode, seed, threads: variant.threads, threadPolicy: 'all', neuronUpdates: variant.neuronUpdates, stdp });
  const memoryless = network.addPopulation({
    model: 'lif', size: 80, tau: 1e-3, vRest: 0, vReset: 0,
    vThreshold: perNeuron(80, () => between(0.5, 3)), refractory: perNeuron(80, () => integer(0, 3)),
  });
  const integrators = network.addPopulation({
    model: 'lif', size: 80, tau: Infinity, vRest: 0, vReset: perNeuron(80, () => (draw() < 0.5 ? 0 : -1)),
    vThreshold: perNeuron(80, () => between(1, 6)), refractory: perNeuron(80, () => integer(0, 3)),
    v: perNeuron(80, () => (draw() < 0.3 ? -0 : between(-2, 2))),
  });
  const leaky = network.addPopulation({
    model: 'lif', size: 80, tau: perNeuron(80, () => between(2, 40)), vRest: -65, vReset: -70, vThreshold: -55,
    resistance: 20, refractory: perNeuron(80, () => integer(0, 3)), v: perNeuron(80, () => between(-70, -52)),
  });
  const odd = network.addPopulation({
    model: 'lif', size: 40, tau: perNeuron(40, () => (draw() < 0.5 ? between(1.5, 10) : between(1e3, 1e6))),
    vRest: -65.1, vReset: -65.1, vThreshold: -60, resistance: 10, refractory: perNeuron(40, () => integer(0, 3)),
  });
  const poisson = network.addPoissonSource({ size: 30, rate: 15 });
  const spikes = 60;
  const times = Array.from({ length: spikes }, () => integer(0, 700)).sort((a, b) => a - b);
  const trains = network.addSpikeTrains({ size: 20, times, neurons: Uint32Array.from({ length: spikes }, () => integer(0, 19)) });
  const targets = [memoryless, integrators, leaky, odd];
  const sources = [poisson, trains, ...targets];
  const sourceCount = sources.reduce((n, p) => n + p.size, 0);
  const targetCount = targets.reduce((n, p) => n + p.size, 0);
  const synapses = 3000;
  const pre = Uint32Array.from({ length: synapses }, () => integer(0, sourceCount - 1));
  const post = Uint32Array.from({ length: synapses }, () => integer(0, targetCount - 1));
  const weight = Float64Array.from({ length: synapses }, () => between(-1.5, 2.5));
  const delay = Float64Array.from({ length: synapses }, () => integer(1, 20));
  network.connect(sources, targets, { rule: { kind: 'explicit', pre, post }, weight, delay });
  if (shape.plastic) {
    const taus = { tauPlus: shape.decay?.tauPlus ?? 15, tauMinus: shape.decay?.tauMinus ?? 25 };
    const plastic = shape.plastic === 'pair' ? { kind: 'pair' as const, ...taus } : true;
    const projection = network.connect([poisson, trains], [memoryless, leaky], {
      rule: { kind: 'fixedOutDegree', degree: 20 }, weight: { uniform: [0, 2] }, delay: { uniform: [1, 20] }, plastic,
    });
    if (shape.plastic === 'pair') projection.plastic = false;
  }
  return network;
}

const bits = (values: Float32Array) => Buffer.from(new Float32Array(values).buffer);

let directory: string;
beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-event-driven-'));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

let files = 0;
/** The checkpoint's size and digest (a diff of the bytes themselves would be unreadable). */
async function checkpointBytes(network: Network): Promise<string> {
  const file = path.join(directory, `n${files++}.pcn`);
  await network.save(file);
  const bytes = fs.readFileSync(file);
  return `${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Everything a run leaves: its spikes, the state, the counters and the checkpoint's bytes
 * (unless `save` is false: saving brings late trace decays up to date).
 */
async function outcome(network: Network, ms: number, save = true) {
  const run = await network.run(ms);
  const stats = network.stats();
  return {
    spikeTimes: Array.from(run.spikeTimes),
    spikeNeurons: Array.from(run.spikeNeurons),
    v: bits(network.v),
    u: bits(network.u),
    spikes: stats.spikes,
    synapticEvents: stats.synapticEvents,
    checkpoint: save ? await checkpointBytes(network) : '',
  };
}

describe('event-driven neuron updates', () => {
  test.each(['reference', 'fast'] as const)('random LIF networks (%s): bit-identical to the dense loop, 1 and 2 threads', async (mode) => {
    for (const seed of [1, 2, 3]) {
      const dense = randomNetwork(seed, { mode, neuronUpdates: 'dense', threads: 1 });
      const expected = await outcome(dense, 700);
      expect(dense.stats().eventDriven).toBe(false);
      expect(dense.stats().neuronUpdates).toBe(280 * 700);
      expect(expected.spikeTimes.length).toBeGreaterThan(500);
      for (const variant of [
        { mode, neuronUpdates: 'auto', threads: 1 },
        { mode, neuronUpdates: 'auto', threads: 2 },
        { mode, neuronUpdates: 'dense', threads: 2 },
      ] as const) {
        const network = randomNetwork(seed, variant);
        const got = await outcome(network, 700);
        expect(network.stats().eventDriven).toBe(variant.neuronUpdates === 'auto');
        expect({ seed, variant, ...got }).toEqual({ seed, variant, ...expected });
        if (variant.neuronUpdates === 'auto') {
          expect(network.stats().neuronUpdates).toBeLessThan(280 * 700);
          expect(network.stats().threadsInUse).toBe(1);
        }
      }
    }
  });

  test.each(['reference', 'fast'] as const)('runs in pieces, with v and u written between them (%s)', async (mode) => {
    const play = async (neuronUpdates: Updates) => {
      const network = randomNetwork(7, { mode, neuronUpdates, threads: 1 });
      const parts = [await outcome(network, 100)];
      // Push resting neurons over threshold, make one refractory, move an integrator's charge.
      network.v[5] = 10;
      network.v[100] = 50;
      network.v[200] = -40;
      network.u[201] = 3;
      network.v[120] = 0.25;
      network.v[121] = -0;
      parts.push(await outcome(network, 1));
      network.v[6] = 10;
      parts.push(await outcome(network, 150));
      expect(network.stats().eventDriven).toBe(neuronUpdates === 'auto');
      return parts;
    };
    expect(await play('auto')).toEqual(await play('dense'));
  });

  // Traces decay to a fixed point (0 or a small subnormal) and then rest: fast decays get
  // there within the run, 0 at once, 1 keeps every value.
  const decays = [
    { plus: 0.95, minus: 0.95, tauPlus: 15, tauMinus: 25 },
    { plus: 0.5, minus: 0.3, tauPlus: 1, tauMinus: 0.5 },
    { plus: 0, minus: 1, tauPlus: 0.01, tauMinus: 3 },
    { plus: 1, minus: 0, tauPlus: 2, tauMinus: 0.01 },
  ];
  test.each(['reference', 'fast'] as const)('STDP traces are kept exactly: a frozen plastic projection, a static pair rule (%s)', async (mode) => {
    for (const decay of decays) {
      for (const plastic of ['stdp2006', 'pair'] as const) {
        const play = async (neuronUpdates: Updates) => {
          const network = randomNetwork(11, { mode, neuronUpdates, threads: 1 }, { plastic, decay });
          if (plastic === 'stdp2006') network.freeze();
          const first = await outcome(network, 400, false);
          expect(network.stats().eventDriven).toBe(neuronUpdates === 'auto');
          const second = await outcome(network, 300);
          if (plastic === 'pair') return [first, second];
          // Learning for a while (a dense run), then frozen again: the traces are found anew.
          await network.run(200);
          network.unfreeze();
          const learning = await outcome(network, 100);
          expect(network.stats().eventDriven).toBe(false);
          network.freeze();
          return [first, second, learning, await outcome(network, 300)];
        };
        const [auto, dense] = [await play('auto'), await play('dense')];
        expect({ decay, plastic, outcome: auto }).toEqual({ decay, plastic, outcome: dense });
      }
    }
  });

  test('a learning projection, an Izhikevich population or a current makes the run dense', async () => {
    const learning = randomNetwork(4, { mode: 'reference', neuronUpdates: 'auto', threads: 1 }, { plastic: 'stdp2006' });
    await learning.run(50);
    expect(learning.stats().eventDriven).toBe(false);
    expect(learning.stats().neuronUpdates).toBe(280 * 50);
    learning.freeze();
    await learning.run(50);
    expect(learning.stats().eventDriven).toBe(true);
    learning.unfreeze();
    await learning.run(50);
    expect(learning.stats().eventDriven).toBe(false);

    const mixed = randomNetwork(4, { mode: 'fast', neuronUpdates: 'auto', threads: 1 });
    mixed.addPopulation({ size: 10 });
    await mixed.run(20);
    expect(mixed.stats().eventDriven).toBe(false);
    expect(mixed.stats().neuronUpdates).toBe(290 * 20);

    const driven = new Network();
    const lif = driven.addPopulation({ model: 'lif', size: 10 });
    driven.addConstantCurrent(lif, 1);
    await driven.run(20);
    expect(driven.stats().eventDriven).toBe(false);

    const quiet = new Network();
    quiet.addPopulation({ model: 'lif', size: 10 });
    expect(quiet.stats().eventDriven).toBe(false);
    await quiet.run(20);
    expect(quiet.stats()).toMatchObject({ eventDriven: true, neuronUpdates: 0 });
  });

  test.each(['reference', 'fast'] as const)('a checkpoint saved between runs loads and continues identically (%s)', async (mode) => {
    const whole = await outcome(randomNetwork(5, { mode, neuronUpdates: 'dense', threads: 1 }), 600);
    const network = randomNetwork(5, { mode, neuronUpdates: 'auto', threads: 1 });
    const first = await network.run(250);
    const file = path.join(directory, `mid-${mode}.pcn`);
    await network.save(file);
    for (const neuronUpdates of ['auto', 'dense'] as const) {
      const loaded = await Network.load(file, { neuronUpdates });
      const rest = await outcome(loaded, 350);
      expect(loaded.stats().eventDriven).toBe(neuronUpdates === 'auto');
      expect([...Array.from(first.spikeTimes), ...rest.spikeTimes]).toEqual(whole.spikeTimes);
      expect([...Array.from(first.spikeNeurons), ...rest.spikeNeurons]).toEqual(whole.spikeNeurons);
      expect({ ...rest, spikeTimes: [], spikeNeurons: [] }).toEqual({ ...whole, spikeTimes: [], spikeNeurons: [] });
    }
    const continued = await outcome(network, 350);
    expect(continued.checkpoint).toEqual(whole.checkpoint);
  });

  test('a sparse network is updated sparsely', async () => {
    for (const mode of ['reference', 'fast'] as const) {
      const network = new Network({ mode });
      const neurons = 20000;
      const lif = network.addPopulation({ model: 'lif', size: neurons, tau: 1e-3, vRest: 0, vReset: 0, vThreshold: 1, refractory: 0 });
      const times = Array.from({ length: 20 }, (_, k) => 25 * k);
      const trains = network.addSpikeTrains({ size: 20, times, neurons: Uint32Array.from(times, (_, k) => k) });
      network.connect(trains, lif, { rule: { kind: 'fixedOutDegree', degree: 100 }, weight: 1, delay: { uniform: [1, 5] } });
      const run = await network.run(500);
      const stats = network.stats();
      expect(stats.eventDriven).toBe(true);
      // Each train spike reaches 100 neurons, which fire once: about 2 updates per synapse.
      expect(run.spikeTimes.length).toBeGreaterThan(20 + 1800);
      expect(run.spikeTimes.length).toBeLessThanOrEqual(20 + 20 * 100);
      expect(stats.neuronUpdates).toBeLessThanOrEqual(2 * 20 * 100);
      expect(stats.neuronUpdates).toBeLessThan((neurons * 500) / 1000);
    }
  });

  test('neuronUpdates is checked', async () => {
    expectError(caught(() => new Network({ neuronUpdates: 'sparse' as never })), 'TypeError', /neuronUpdates must be 'auto' or 'dense' \(got 'sparse'\)/);
    expectError(caught(() => new Network({ neuronUpdates: 1 as never })), 'TypeError', /neuronUpdates must be 'auto' or 'dense'/);
    const network = new Network();
    network.addPopulation({ model: 'lif', size: 2 });
    const file = path.join(directory, 'tiny.pcn');
    await network.save(file);
    expectError(await rejected(() => Network.load(file, { neuronUpdates: 'events' as never })), 'TypeError', /neuronUpdates must be 'auto' or 'dense' \(got 'events'\)/);
  });
});
