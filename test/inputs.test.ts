import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IzhikevichPopulation, Network } from '../lib';
import { caught, expectError } from './helpers/errors';

describe('inputs', () => {
  test('Poisson sources fire at their rate, independently of each other', async () => {
    const network = new Network({ seed: 4 });
    const sources = network.addPoissonSource({ size: 2000, rate: 20 });
    const run = await network.run(5000);
    const rate = run.spikeTimes.length / 2000 / 5;
    // 200,000 expected spikes: the standard error of the rate is 0.045 Hz; allow 5 of them.
    expect(Math.abs(rate - 20)).toBeLessThan(0.25);
    const perNeuron = new Array<number>(2000).fill(0);
    for (const n of run.spikeNeurons) perNeuron[n - sources.first]++;
    const mean = perNeuron.reduce((a, b) => a + b) / 2000;
    const variance = perNeuron.reduce((a, b) => a + (b - mean) ** 2, 0) / 1999;
    // Bernoulli per ms: variance of the count = n·p·(1 − p) = 100 · 0.98.
    expect(variance / mean).toBeGreaterThan(0.85);
    expect(variance / mean).toBeLessThan(1.1);
  });

  test('spike trains fire exactly when told and drive their targets through delays', async () => {
    const network = new Network();
    const trains = network.addSpikeTrains({ size: 3, times: [2, 2, 5, 9], neurons: Uint32Array.of(2, 0, 1, 2) });
    const target = network.addPopulation({ size: 1 });
    network.connect(trains, target, { rule: { kind: 'fixedOutDegree', degree: 1 }, delay: 3, weight: 5 });
    const monitor = network.addStateMonitor({ neurons: target });
    const run = await network.run(12);
    expect(Array.from(run.spikeTimes)).toEqual([2, 2, 5, 9]);
    expect(Array.from(run.spikeNeurons)).toEqual([trains.first, trains.first + 2, trains.first + 1, trains.first + 2]);
    // Input arrives delay − 1 = 2 ms after each spike: at ms 4 (two spikes), 7 and 11.
    expect(Array.from(monitor.trace(0, 'I'))).toEqual([0, 0, 0, 0, 10, 0, 0, 5, 0, 0, 0, 5]);
  });

  test('a stepped current switches at its step times', async () => {
    const network = new Network();
    const neuron = network.addPopulation({ size: 1 });
    network.addSteppedCurrent(neuron, { times: [10, 30], amplitudes: [8, 0] });
    const monitor = network.addStateMonitor({ neurons: neuron });
    await network.run(40);
    const I = Array.from(monitor.trace(0, 'I'));
    expect(I).toEqual(Array.from({ length: 40 }, (_, t) => (t >= 10 && t < 30 ? 8 : 0)));
    const alone = new IzhikevichPopulation({ size: 1 });
    for (let t = 0; t < 40; t++) alone.step(I[t]);
    expect(network.v[0]).toBe(alone.v[0]);
  });

  test('sources take no input, and bad source options are refused', async () => {
    const network = new Network();
    const sources = network.addPoissonSource({ size: 5, rate: 10 });
    const cells = network.addPopulation({ size: 5 });
    network.connect(cells, sources, { rule: { kind: 'oneToOne' }, weight: 1 });
    expect((await caught(() => network.synapses())).message).toMatch(/a projection reaches neuron \d, a spike source: sources take no input/);
    expectError(caught(() => new Network().addPoissonSource({ size: 3, rate: 2000 })), 'RangeError', /rate must be in \[0, 1000\] Hz/);
    expectError(caught(() => new Network().addSpikeTrains({ size: 2, times: [1], neurons: Uint32Array.of(2) })), 'RangeError',
      /spike train neuron 2 is not in \[0, 1\]/);
    expectError(caught(() => new Network().addSpikeTrains({ size: 2, times: [3, 1], neurons: Uint32Array.of(0, 1) })), 'RangeError',
      /spike train times must be ascending/);
  });

  test('sources and stepped currents survive a checkpoint', async () => {
    const build = () => {
      const network = new Network({ seed: 12 });
      const poisson = network.addPoissonSource({ size: 100, rate: 30 });
      const trains = network.addSpikeTrains({ size: 2, times: [50, 150, 250], neurons: Uint32Array.of(0, 1, 0) });
      const cells = network.addPopulation({ size: 50 });
      network.connect([poisson, trains], cells, { rule: { kind: 'fixedInDegree', degree: 10 }, weight: 5, delay: { uniform: [1, 5] }, plastic: true });
      network.addSteppedCurrent(cells, { times: [100, 200], amplitudes: [3, 1] });
      return network;
    };
    const whole = await build().run(300);
    const first = build();
    const head = await first.run(120);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-inputs-')), 'n.pcc');
    await first.save(file);
    const tail = await (await Network.load(file)).run(180);
    expect([...head.spikeNeurons, ...tail.spikeNeurons]).toEqual(Array.from(whole.spikeNeurons));
    expect([...head.spikeTimes, ...tail.spikeTimes]).toEqual(Array.from(whole.spikeTimes));
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  test('setSpikeTrains replaces the spikes still to come of a train, and refuses what is not one', async () => {
    const network = new Network();
    const trains = network.addSpikeTrains({ size: 3, times: [1, 50], neurons: new Uint32Array([0, 1]) });
    const poisson = network.addPoissonSource({ size: 1, rate: 0 });
    const first = await network.run(10);
    expect(Array.from(first.spikeNeurons)).toEqual([0]);
    network.setSpikeTrains(trains, { times: [12, 12, 15], neurons: new Uint32Array([2, 1, 0]) });
    const second = await network.run(60);
    expect(Array.from(second.spikeTimes)).toEqual([12, 12, 15]);
    expect(Array.from(second.spikeNeurons)).toEqual([1, 2, 0]);
    expectError(caught(() => network.setSpikeTrains(trains, { times: [5], neurons: new Uint32Array([0]) })), 'RangeError', /times must be at least the network's time, 70 ms \(got 5\)/);
    expectError(caught(() => network.setSpikeTrains(trains, { times: [80], neurons: new Uint32Array([3]) })), 'RangeError', /spike train neuron 3 is not in \[0, 2\]/);
    expectError(caught(() => network.setSpikeTrains(poisson, { times: [80], neurons: new Uint32Array([0]) })), 'RangeError', /population must be a spike-train source/);
    expectError(caught(() => network.setSpikeTrains({} as never, { times: [], neurons: new Uint32Array(0) })), 'TypeError', /population must be a spike-train population of this network/);
    // A refused call changed nothing.
    expect((await network.run(20)).spikeTimes.length).toBe(0);
  });
});
