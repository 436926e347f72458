// The Izhikevich neuron update (detection, reset, two half-steps, recovery) for every
// numerics × SIMD level, at N = 1,000, 100,000 and 1,000,000 neurons, one thread.
// Baseline: the scalar exact kernel at the same N, measured in the same run.
// Each sample is one run() of many steps on the worker thread without recording, so the
// time is the kernel's (plus a per-step loop of a few ns), not JavaScript call overhead.
'use strict';
const { polychron, measure, writeResult } = require('./harness');

const SIZES = [1_000, 100_000, 1_000_000];
const NUMERICS = ['exact', 'fast'];
const TARGET = { size: 1_000, simd: 'avx512', numerics: 'fast', minRatio: 8 };

function randomInputs(size) {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const c = Float64Array.from({ length: size }, () => -65 + 15 * random() ** 2);
  const d = Float64Array.from({ length: size }, () => 8 - 6 * random() ** 2);
  const v = Float64Array.from({ length: size }, () => -70 + 60 * random());
  // A constant drive per neuron: most neurons fire tonically at a few to tens of Hz.
  const current = Float32Array.from({ length: size }, () => 14 * random());
  return { c, d, v, current };
}

async function main() {
  const levels = polychron.supportedSimdLevels();
  const results = [];
  for (const size of SIZES) {
    const inputs = randomInputs(size);
    // About 0.2 s of scalar exact work per sample.
    const steps = Math.max(20, Math.round(2e7 / size));
    let baseline = null;
    for (const numerics of NUMERICS) {
      for (const simd of levels) {
        const population = new polychron.IzhikevichPopulation({
          size, preset: 'RS', c: inputs.c, d: inputs.d, v: inputs.v, numerics, simd,
        });
        const timing = await measure(() => population.run(steps, { current: inputs.current, record: false }),
          { work: steps, repeats: 9 });
        // The firing rate, from a separate recorded second, so that recording is not timed.
        const { spikeTimes } = await population.run(1000, { current: inputs.current });
        population.close();
        baseline ??= timing.median; // scalar exact comes first
        const row = {
          name: `${simd}/${numerics}`,
          parameters: { neurons: size, simd, numerics, stepsPerSample: steps },
          unit: 'ns per step',
          median: timing.median,
          spread: { min: timing.min, p25: timing.p25, p75: timing.p75, max: timing.max, samples: timing.samples },
          nsPerNeuronUpdate: timing.median / size,
          ratioToBaseline: baseline / timing.median,
          firingRateHz: spikeTimes.length / size,
        };
        results.push(row);
        console.log(`N=${String(size).padStart(9)} ${row.name.padEnd(14)} ${(timing.median / 1000).toFixed(2).padStart(10)} µs/step` +
          `  ${row.nsPerNeuronUpdate.toFixed(3).padStart(7)} ns/neuron  ×${row.ratioToBaseline.toFixed(2)} vs scalar/exact`);
      }
    }
  }
  const target = results.find((r) => r.parameters.neurons === TARGET.size && r.parameters.simd === TARGET.simd &&
    r.parameters.numerics === TARGET.numerics);
  const file = writeResult('neuron-update', {
    description: 'Izhikevich neuron update per 1 ms step, one thread; ratio = scalar exact time / this time, same N, same run',
    baseline: 'scalar/exact at the same N',
    results,
    targets: [{
      description: `${TARGET.simd}/${TARGET.numerics} at N = ${TARGET.size} at least ${TARGET.minRatio}x scalar/exact`,
      measuredRatio: target ? target.ratioToBaseline : null,
      met: target ? target.ratioToBaseline >= TARGET.minRatio : null,
    }],
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
