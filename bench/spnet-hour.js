// One simulated hour of the 2006 network (N = 1000, seed 1) in fast mode: wall time,
// firing rate per minute, and the final excitatory weight distribution, expected to be
// bimodal (most weights near 0 or near the maximum 10).
'use strict';
const { polychron, writeResult } = require('./harness');

async function main() {
  const { network } = polychron.izhikevich2006({ seed: 1, mode: 'fast' });
  const ratePerMinute = [];
  const started = process.hrtime.bigint();
  for (let minute = 0; minute < 60; minute++) {
    const before = network.stats().spikes;
    await network.run(60_000, { record: false });
    ratePerMinute.push((network.stats().spikes - before) / network.size / 60);
    if ((minute + 1) % 10 === 0) {
      console.log(`minute ${minute + 1}: ${ratePerMinute[minute].toFixed(2)} Hz, mean excitatory weight ${network.plasticWeights().mean.toFixed(3)}`);
    }
  }
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const s = network.synapses();
  const histogram = new Array(20).fill(0);
  let count = 0;
  for (let k = 0; k < s.weight.length; k++) {
    if (s.projection[k] !== 0) continue;
    histogram[Math.min(19, Math.floor(s.weight[k] * 2))]++;
    count++;
  }
  const fraction = histogram.map((h) => h / count);
  const nearZero = fraction[0] + fraction[1];
  const nearMax = fraction[18] + fraction[19];
  console.log(`${wallSeconds.toFixed(1)} s for 3600 simulated seconds; weights < 1: ${(nearZero * 100).toFixed(1)}%, >= 9: ${(nearMax * 100).toFixed(1)}%`);
  const file = writeResult('spnet-hour', {
    description: 'one simulated hour of the 2006 network (N = 1000, seed 1), fast mode, 1 thread',
    simulatedSeconds: 3600,
    wallSeconds,
    msPerSimulatedSecond: (wallSeconds * 1000) / 3600,
    ratePerMinuteHz: ratePerMinute,
    finalExcitatoryWeightHistogram: { binWidth: 0.5, range: [0, 10], fraction },
    fractionBelow1: nearZero,
    fractionAtLeast9: nearMax,
    bimodal: nearZero + nearMax > 0.5 && nearZero > 0.1 && nearMax > 0.1,
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
