import { IzhikevichPopulation, Network, izhikevich2006 } from '../lib';

describe('recording', () => {
  test('spike monitors: all, a population, at most N, or a sliding window', async () => {
    const { network, inhibitory } = izhikevich2006({ seed: 8 });
    const all = network.addSpikeMonitor();
    const inh = network.addSpikeMonitor({ neurons: inhibitory });
    const some = network.addSpikeMonitor({ neurons: Uint32Array.of(0, 1, 2, 900) });
    const last500 = network.addSpikeMonitor({ maxSpikes: 500 });
    const window = network.addSpikeMonitor({ windowMs: 250 });
    const run = await network.run(3000, { chunkMs: 700 });
    expect(all.count).toBe(run.spikeTimes.length);
    expect(Array.from(all.times)).toEqual(Array.from(run.spikeTimes));
    const isInh = (n: number) => n >= inhibitory.first;
    expect(Array.from(inh.neurons)).toEqual(Array.from(run.spikeNeurons).filter(isInh));
    expect(new Set(some.neurons)).toEqual(new Set(Array.from(run.spikeNeurons).filter((n) => [0, 1, 2, 900].includes(n))));
    expect(last500.count).toBe(500);
    expect(Array.from(last500.neurons)).toEqual(Array.from(run.spikeNeurons.subarray(-500)));
    expect(window.times[0]).toBeGreaterThanOrEqual(3000 - 250);
    expect(window.count).toBe(run.spikeTimes.filter((t) => t >= 2750).length);
    all.clear();
    expect(all.count).toBe(0);
  });

  test('an hour-long style run keeps monitor memory bounded', async () => {
    const { network } = izhikevich2006({ seed: 8 });
    const monitor = network.addSpikeMonitor({ maxSpikes: 1000 });
    let chunks = 0;
    let spikes = 0;
    const result = await network.run(20_000, {
      record: false,
      onSpikes: (times) => {
        chunks++;
        spikes += times.length;
        expect(monitor.count).toBeLessThanOrEqual(1000);
      },
    });
    expect(result.spikeTimes.length).toBe(0); // nothing accumulated
    expect(chunks).toBe(20);
    expect(spikes).toBe(network.stats().spikes);
    expect(monitor.count).toBe(1000);
  });

  test('spikes() yields the run chunk by chunk', async () => {
    const { network } = izhikevich2006({ seed: 8 });
    const reference = izhikevich2006({ seed: 8 }).network;
    const whole = await reference.run(2500);
    const chunks = [];
    for await (const chunk of network.spikes(2500, { chunkMs: 1000 })) chunks.push(chunk);
    expect(chunks.map((c) => c.ms)).toEqual([1000, 1000, 500]);
    expect(chunks.flatMap((c) => Array.from(c.spikeNeurons))).toEqual(Array.from(whole.spikeNeurons));
  });

  test('state monitors sample v, u and the input I of chosen neurons every k ms', async () => {
    const network = new Network();
    const neurons = network.addPopulation({ size: 3, preset: 'CH' });
    network.addConstantCurrent(neurons, [0, 10, 20]);
    const monitor = network.addStateMonitor({ neurons: Uint32Array.of(2, 1), every: 5 });
    await network.run(100, { chunkMs: 30 });
    expect(Array.from(monitor.times)).toEqual(Array.from({ length: 20 }, (_, k) => 5 * k));
    expect(Array.from(monitor.trace(0, 'I'))).toEqual(new Array(20).fill(20));
    const alone = new IzhikevichPopulation({ size: 1, preset: 'CH' });
    const expected: number[] = [];
    for (let t = 0; t < 100; t++) {
      alone.step(20);
      if (t % 5 === 0) expected.push(alone.v[0]);
    }
    expect(Array.from(monitor.trace(0, 'v'))).toEqual(expected);
    expect(monitor.v.length).toBe(40);
    expect(() => monitor.trace(2)).toThrow(/j must be an integer in \[0, 1\]/);
  });

  test('rate monitors report each population in Hz per bin', async () => {
    const { network, excitatory, inhibitory } = izhikevich2006({ seed: 8 });
    const rates = network.addRateMonitor({ binMs: 500 });
    const run = await network.run(2000);
    const rows = rates.rates();
    expect(rows.map((r) => r.start)).toEqual([0, 500, 1000, 1500]);
    const exc = run.spikeTimes.filter((t, k) => t < 500 && run.spikeNeurons[k] < inhibitory.first).length;
    expect(rows[0].rates.excitatory).toBeCloseTo((exc / excitatory.size) * 2, 10);
    expect(rows[0].rates.inhibitory).toBeGreaterThan(0);
  });
});
