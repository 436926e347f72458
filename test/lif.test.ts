import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Network } from '../lib';
import { caught, expectError } from './helpers/errors';

describe('leaky integrate-and-fire populations', () => {
  test('a LIF neuron under constant current fires at the analytic times, with its refractory period', async () => {
    for (const mode of ['reference', 'fast'] as const) {
      const network = new Network({ mode });
      const lif = network.addPopulation({ model: 'lif', size: 1, tau: 20, vThreshold: -50, refractory: 2 });
      network.addConstantCurrent(lif, 20);
      const run = await network.run(100);
      // v after k integrations: −45 − 20·e^(−k/20) first reaches −50 at k = 28 (27.7 ms);
      // then 2 refractory ms and 28 more: a period of 30.
      expect(Array.from(run.spikeTimes)).toEqual([28, 58, 88]);
    }
  });

  test('exact LIF arithmetic: float64 evaluation rounded to float32 per step', async () => {
    const network = new Network();
    const lif = network.addPopulation({ model: 'lif', size: 1, tau: 7, vRest: -70, v: -60, resistance: 2 });
    network.addConstantCurrent(lif, 3);
    await network.run(5);
    let v = -60;
    for (let k = 0; k < 5; k++) v = Math.fround(-70 + 2 * 3 + (v - (-70 + 2 * 3)) * Math.exp(-1 / 7));
    expect(network.v[0]).toBe(v);
  });

  test('LIF and Izhikevich neurons in one network, bit-identical for any thread count', async () => {
    const build = (threads: number) => {
      const network = new Network({ seed: 6, threads, threadPolicy: 'all' });
      const izh = network.addPopulation({ size: 300 });
      const lif = network.addPopulation({ model: 'lif', size: 301, tau: Float64Array.from({ length: 301 }, (_, i) => 10 + (i % 20)) });
      const noise = network.addPoissonSource({ size: 200, rate: 40 });
      network.connect(noise, [izh, lif], { rule: { kind: 'fixedOutDegree', degree: 50 }, weight: 8, delay: { uniform: [1, 3] } });
      network.connect(lif, izh, { rule: { kind: 'probability', probability: 0.05 }, weight: 3, delay: 2, plastic: true });
      network.connect(izh, lif, { rule: { kind: 'probability', probability: 0.05 }, weight: 2, delay: 4 });
      return network;
    };
    const one = await build(1).run(2000);
    const two = await build(2).run(2000);
    expect(one.spikeTimes.length).toBeGreaterThan(1000);
    expect(Array.from(two.spikeNeurons)).toEqual(Array.from(one.spikeNeurons));
    expect(Array.from(two.spikeTimes)).toEqual(Array.from(one.spikeTimes));
  });

  test('tau = Infinity is a perfect integrator that holds its charge; saved and loaded as such', async () => {
    for (const mode of ['reference', 'fast'] as const) {
      const network = new Network({ mode });
      const inputs = network.addSpikeTrains({ size: 2, times: [3, 10, 40, 41], neurons: new Uint32Array([1, 0, 0, 1]) });
      const detector = network.addPopulation({ model: 'lif', size: 1, tau: Infinity, vRest: 0, vReset: 0, vThreshold: 0.5, refractory: 0 });
      // +1 from input 0 and −1 from input 1: fires only when input 0 comes first.
      const pre = new Uint32Array([0, 1]);
      network.connect(inputs, detector, { rule: { kind: 'explicit', pre, post: new Uint32Array([0, 0]) }, weight: [1, -1], delay: 1 });
      const run = await network.run(30);
      // Input 1 at 3 ms, input 0 at 10 ms: the charge −1 is held 7 ms, then cancelled.
      expect(Array.from(run.spikeNeurons)).toEqual([1, 0]);
      expect(network.v[2]).toBe(0);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-lif-')), 'n.pcn');
      await network.save(file);
      const loaded = await Network.load(file);
      const rest = await loaded.run(20);
      // Input 0 at 40 ms (fires the detector at 41), input 1 at 41 ms: the reset 0 then −1, held.
      expect(Array.from(rest.spikeTimes)).toEqual([40, 41, 41]);
      expect(Array.from(rest.spikeNeurons)).toEqual([0, 1, 2]);
      expect(loaded.v[2]).toBe(-1);
      fs.rmSync(path.dirname(file), { recursive: true });
    }
  });

  test('bad LIF parameters are refused', () => {
    expectError(caught(() => new Network().addPopulation({ model: 'lif', size: 2, tau: 1e16 })), 'RangeError', /tau must be at most 1e15 ms, or Infinity/);
    expectError(caught(() => new Network().addPopulation({ model: 'lif', size: 2, tau: -Infinity })), 'RangeError', /tau must hold finite numbers >= 0.001/);
    const network = new Network();
    expectError(caught(() => network.addPopulation({ model: 'lif', size: 2, tau: 0 })), 'RangeError', /tau must hold finite numbers >= 0.001/);
    expectError(caught(() => network.addPopulation({ model: 'lif', size: 2, refractory: 1.5 })), 'RangeError', /refractory must hold finite numbers >= 0.* \(integers\)/);
    expectError(caught(() => network.addPopulation({ model: 'lif', size: 2, vRest: [1, 2, 3] })), 'RangeError', /vRest must hold 1 or size = 2 values \(got 3\)/);
    expectError(caught(() => network.addPopulation({ model: 'hh' as never, size: 2 })), 'TypeError', /model must be 'izhikevich' or 'lif'/);
  });
});
