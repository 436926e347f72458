import { izhikevich2006, type NetworkMode } from '../lib';

// Fast mode's float32 neuron arithmetic changes some spike times by a millisecond, and
// the 2006 network is chaotic, so the two modes' rasters part within a second. What must
// agree are the statistics. Measured over seeds 1–4 (seed 1, used here, was the farthest):
// the rate of the final 10 s differed by at most 7.5% and the final excitatory weight
// histogram by a total-variation distance of at most 0.076. For scale, one extra spike at
// t = 0 in reference mode itself moved the final rate by up to 4% and the histogram by up
// to 0.04, and moved the windows in the middle of the minute by up to 31%, because the
// time at which the network recovers from its early dip is itself chaotic; those middle
// windows are therefore not compared. Bounds: final rate within 10%, first-second rate
// within 15%, histogram distance at most 0.1.
async function minute(mode: NetworkMode) {
  const { network } = izhikevich2006({ seed: 1, mode });
  const first = await network.run(1000, { record: false });
  expect(first.ms).toBe(1000);
  const firstRate = network.stats().spikes / 1000;
  await network.run(49_000, { record: false });
  const before = network.stats().spikes;
  await network.run(10_000, { record: false });
  const finalRate = (network.stats().spikes - before) / 1000 / 10;
  const s = network.synapses();
  const histogram = new Array<number>(10).fill(0);
  let count = 0;
  for (let k = 0; k < s.weight.length; k++) {
    if (s.projection[k] !== 0) continue;
    histogram[Math.min(9, Math.floor(s.weight[k]))]++;
    count++;
  }
  return { firstRate, finalRate, histogram: histogram.map((h) => h / count) };
}

describe('fast mode stays close to reference mode over 60 simulated seconds', () => {
  test('rates and the final weight distribution', async () => {
    const reference = await minute('reference');
    const fast = await minute('fast');
    expect(Math.abs(fast.firstRate - reference.firstRate) / reference.firstRate).toBeLessThan(0.15);
    expect(Math.abs(fast.finalRate - reference.finalRate) / reference.finalRate).toBeLessThan(0.1);
    const distance = 0.5 * reference.histogram.reduce((sum, p, k) => sum + Math.abs(p - fast.histogram[k]), 0);
    expect(distance).toBeLessThan(0.1);
    // The comparison means something only once STDP has moved the weights (all 6 at the
    // start): a third at the maximum already, and some driven to near zero.
    expect(reference.histogram[0]).toBeGreaterThan(0.05);
    expect(reference.histogram[9]).toBeGreaterThan(0.3);
    // And the modes did run differently.
    expect(fast.histogram).not.toEqual(reference.histogram);
  });
});
