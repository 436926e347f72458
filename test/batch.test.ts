import { izhikevich2006, runBatch } from '../lib';

describe('batches of seeded instances', () => {
  test('each instance equals the same seed run alone, whatever the concurrency', async () => {
    const build = (seed: number) => izhikevich2006({ seed, neurons: 2000 }).network;
    const batch = await runBatch(build, { seeds: [1, 2, 3, 4, 5], ms: 1000, record: true, concurrency: 3 });
    expect(batch.map((b) => b.seed)).toEqual([1, 2, 3, 4, 5]);
    for (const instance of batch) {
      const alone = await build(instance.seed).run(1000);
      expect(Array.from(instance.run.spikeNeurons)).toEqual(Array.from(alone.spikeNeurons));
      instance.network.close();
    }
    expect(batch[0].run.spikeNeurons).not.toEqual(batch[1].run.spikeNeurons);
  });

  test('progress per instance, and bad options are refused', async () => {
    const seen: number[] = [];
    await runBatch((seed) => izhikevich2006({ seed, neurons: 500 }).network, { seeds: [7, 8], ms: 10, onInstance: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2]);
    await expect(runBatch(() => { throw new Error('unused'); }, { seeds: [], ms: 1 })).rejects.toThrow(/seeds must be a non-empty array/);
    await expect(runBatch(() => { throw new Error('unused'); }, { seeds: [1], ms: 1, concurrency: 0 })).rejects.toThrow(/concurrency must be an integer >= 1/);
  });
});
