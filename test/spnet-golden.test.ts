import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatSpikesCsv, formatWeightsCsv, readSpikesCsv, spnetFromFiles, supportedSimdLevels, type NetworkOptions } from '../lib';
import { describeWithGolden, goldenSpnet } from './helpers/shared';

const golden = (file: string) => path.join(goldenSpnet, file);

describeWithGolden('the 2006 network in reference mode reproduces the golden data', () => {
  // Each SIMD level runs the exact kernels; all must give the reference's raster, and so
  // must threads and the compact synapse layout.
  const variants: Array<[string, NetworkOptions]> = [
    ...supportedSimdLevels().map((simd): [string, NetworkOptions] => [simd, { simd }]),
    ['2 threads, compact synapses', { threads: 2, compactSynapses: true }],
  ];
  test.each(variants)('spikes.csv and weights_sec1..5.csv, byte for byte (%s)', async (_name, options) => {
    const { network } = spnetFromFiles(golden('connectivity.csv'), golden('thalamic.csv'), { mode: 'reference', ...options });
    const times: number[] = [];
    const neurons: number[] = [];
    for (let second = 1; second <= 5; second++) {
      const run = await network.run(1000);
      times.push(...run.spikeTimes);
      neurons.push(...run.spikeNeurons);
      const weights = formatWeightsCsv(network.synapses());
      const expected = fs.readFileSync(golden(`weights_sec${second}.csv`), 'utf8');
      if (weights !== expected) throw new Error(`weights after second ${second} differ from weights_sec${second}.csv`);
    }
    expect(times.length).toBe(33_061);
    expect(formatSpikesCsv(times, neurons)).toBe(fs.readFileSync(golden('spikes.csv'), 'utf8'));
    const perSecond = [0, 1, 2, 3, 4].map((s) => times.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length);
    expect(perSecond).toEqual([7140, 7308, 6716, 6393, 5504]);
    expect(network.stats().spikes).toBe(33_061);
  });

  test('reading the raster back gives the same spikes', () => {
    const { times, neurons } = readSpikesCsv(golden('spikes.csv'));
    expect(times.length).toBe(33_061);
    expect(neurons[0]).toBe(426);
    expect(times[0]).toBe(4);
  });
});
