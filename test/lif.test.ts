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

  test('bad LIF parameters are refused', () => {
    const network = new Network();
    expectError(caught(() => network.addPopulation({ model: 'lif', size: 2, tau: 0 })), 'RangeError', /tau must hold finite numbers >= 0.001/);
    expectError(caught(() => network.addPopulation({ model: 'lif', size: 2, refractory: 1.5 })), 'RangeError', /refractory must hold finite numbers >= 0.* \(integers\)/);
    expectError(caught(() => network.addPopulation({ model: 'lif', size: 2, vRest: [1, 2, 3] })), 'RangeError', /vRest must hold 1 or size = 2 values \(got 3\)/);
    expectError(caught(() => network.addPopulation({ model: 'hh' as never, size: 2 })), 'TypeError', /model must be 'izhikevich' or 'lif'/);
  });
});
