import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Network, type Population } from '../lib';

// The checkpoint format is a promise to files already written: a network with every
// part that has state (both neuron models, spike sources, every input kind, every
// plasticity rule, rewards) must save to exactly the bytes of the version 3 fixture;
// the version 2 fixture, written by the build that introduced the neuron store, must
// load to the same network (version 3 only appends a flag, 0 here: no fast-mode STDP
// log follows), and the version 1 fixture (written before the checkpoint code was split
// into parts; it holds a, b, c, d for every neuron) must still load to the same network.
const fixtureV1 = path.join(__dirname, 'fixtures', 'checkpoint-v1.pcc');
const fixtureV2 = path.join(__dirname, 'fixtures', 'checkpoint-v2.pcc');
const fixtureV3 = path.join(__dirname, 'fixtures', 'checkpoint-v3.pcc');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-checkpoint-format-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// The network's synapses as the seeded rules drew them when the fixtures were written.
// Rules now draw each source from its own stream (issue 16), so a seed makes another
// network; the fixtures promise a format, so their network is given synapse by synapse.
const fixtureSynapses: { pre: number[]; post: number[]; delay: number[]; weight: number[] }[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'checkpoint-every-part-synapses.json'), 'utf8'),
).projections;

function fixtureProjection(k: number, source: Population, target: Population) {
  const p = fixtureSynapses[k];
  return {
    rule: { kind: 'explicit' as const, pre: Uint32Array.from(p.pre, (i) => i - source.first), post: Uint32Array.from(p.post, (i) => i - target.first) },
    delay: Float64Array.from(p.delay),
    weight: Float64Array.from(p.weight),
  };
}

async function everyPart(): Promise<Network> {
  const network = new Network({ seed: 5, mode: 'reference', stdp: { periodMs: 50 } });
  const izh = network.addPopulation({ size: 40, a: 0.02, b: 0.2, c: -65, d: 8 });
  const lif = network.addPopulation({ model: 'lif', size: 20, tau: [10, 20, 30, 15, 25, 12, 18, 22, 28, 16, 11, 21, 31, 14, 24, 13, 19, 23, 29, 17] });
  const poisson = network.addPoissonSource({ size: 10, rate: 40 });
  const trains = network.addSpikeTrains({ size: 4, times: [3, 5, 5, 40, 90], neurons: Uint32Array.of(0, 1, 2, 3, 0) });
  // Drawn by fixedOutDegree 8, weight uniform [0, 6], delay uniform [1, 5]; fixedInDegree 3,
  // weight 4, delay 2; probability 0.5, weight 12, delay evenly [1, 3]; fixedOutDegree 2,
  // weight 3, delay 1; fixedOutDegree 2, weight 2.
  network.connect(izh, izh, { ...fixtureProjection(0, izh, izh), plastic: true });
  network.connect(poisson, izh, { ...fixtureProjection(1, poisson, izh), plastic: { kind: 'pair', multiplicative: true } });
  network.connect(trains, lif, { ...fixtureProjection(2, trains, lif), plastic: { kind: 'pair', nearest: true, tauPlus: 10 } });
  network.connect(izh, lif, { ...fixtureProjection(3, izh, lif), plastic: { kind: 'dopamine', periodMs: 20 } });
  network.connect(lif, izh, fixtureProjection(4, lif, izh));
  network.addThalamicInput({ target: izh, perMs: 2, current: 20 });
  network.addCurrentSchedule({ times: [1, 2, 2, 60], neurons: Uint32Array.of(41, 42, 43, 44), currents: [30, 25, 20, 40], mode: 'add' });
  network.addConstantCurrent(lif, 1.5);
  network.addNoiseCurrent(izh, { low: -1, high: 3 });
  network.addSteppedCurrent(lif, { times: [0, 30, 70], amplitudes: [5, 15, 2] });
  network.rewardSequence({ pre: 0, post: 1, windowMs: 20, delayMs: 30, amount: 0.25 });
  await network.run(120);
  network.reward(0.5);
  return network;
}

function formatVersion(file: string): number {
  return fs.readFileSync(file).readUInt32LE(8);
}

// Both networks run on for 200 ms to the same spikes, dopamine and weights.
async function expectSameFuture(a: Network, b: Network): Promise<void> {
  const ra = await a.run(200);
  const rb = await b.run(200);
  expect(Buffer.from(rb.spikeNeurons.buffer).equals(Buffer.from(ra.spikeNeurons.buffer))).toBe(true);
  expect(Buffer.from(rb.spikeTimes.buffer).equals(Buffer.from(ra.spikeTimes.buffer))).toBe(true);
  expect(b.dopamine).toBe(a.dopamine);
  expect(Buffer.from(b.synapses().weight.buffer).equals(Buffer.from(a.synapses().weight.buffer))).toBe(true);
}

describe('the checkpoint format', () => {
  // exp and log1p come from the platform's libm, which may round differently elsewhere.
  const fixturePlatform = process.platform === 'linux' && process.arch === 'x64';
  (fixturePlatform ? test : test.skip)('a network with every part saves to the bytes of the version 3 fixture', async () => {
    const network = await everyPart();
    const file = path.join(dir, 'every-part.pcc');
    await network.save(file);
    network.close();
    expect(formatVersion(file)).toBe(3);
    expect(fs.readFileSync(file).equals(fs.readFileSync(fixtureV3))).toBe(true);
  });

  test('the version 3 fixture is the version 2 payload and a zero flag', () => {
    const v2 = fs.readFileSync(fixtureV2);
    const v3 = fs.readFileSync(fixtureV3);
    expect(v3.length).toBe(v2.length + 1);
    expect(v3.subarray(32, v3.length - 1).equals(v2.subarray(32))).toBe(true);
    expect(v3[v3.length - 1]).toBe(0);
  });

  test('the version 2 fixture loads, saves as the version 3 fixture and runs on as the network it came from', async () => {
    const loaded = await Network.load(fixtureV2);
    const file = path.join(dir, 'resaved-v2.pcc');
    await loaded.save(file);
    expect(fs.readFileSync(file).equals(fs.readFileSync(fixtureV3))).toBe(true);
    const original = await everyPart();
    await expectSameFuture(original, loaded);
    original.close();
    loaded.close();
  });

  test('the version 1 fixture loads and runs on as the network it came from', async () => {
    expect(formatVersion(fixtureV1)).toBe(1);
    const loaded = await Network.load(fixtureV1);
    const original = await everyPart();
    // Every neuron's state is as saved, but spike sources, which no longer integrate.
    const sources = { first: 60, end: 74 };
    const keep = (values: Float32Array) => Array.from(values).filter((_, i) => i < sources.first || i >= sources.end);
    expect(keep(loaded.v)).toEqual(keep(original.v));
    expect(keep(loaded.u)).toEqual(keep(original.u));
    await expectSameFuture(original, loaded);
    original.close();
    loaded.close();
  });

  test('a version 1 file loaded and saved gives a version 3 file that loads to the same network', async () => {
    const fromV1 = await Network.load(fixtureV1);
    const file = path.join(dir, 'v1-resaved.pcc');
    await fromV1.save(file);
    expect(formatVersion(file)).toBe(3);
    const fromV2 = await Network.load(file);
    expect(fromV2.time).toBe(fromV1.time);
    expect(Buffer.from(fromV2.v.buffer).equals(Buffer.from(fromV1.v.buffer))).toBe(true);
    expect(Buffer.from(fromV2.u.buffer).equals(Buffer.from(fromV1.u.buffer))).toBe(true);
    await expectSameFuture(fromV1, fromV2);
    fromV1.close();
    fromV2.close();
  });
});
