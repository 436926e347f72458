// Event-driven neuron updates against the dense loop on a sparse LIF network: 100,000
// memoryless LIF neurons (tau 1e-3 ms: v = vRest + R·I each ms, at rest without input)
// driven by 200 spike-train sources, each firing once per 250 ms at its own phase into
// 500 of them (weights 0.2 .. 1.2, threshold 1: about a fifth of the inputs fire their
// target). Reference and fast mode, one thread: ms per simulated second with
// neuronUpdates 'dense' and 'auto' (event-driven), built and run in the same command, and
// the ratio. Each sample is one run() of a simulated second without recording.
'use strict';
const { polychron, summarize, writeResult } = require('./harness');

const NEURONS = 100_000;
const SOURCES = 200;
const PERIOD_MS = 250;
const FAN_OUT = 500;
const SECONDS = 4; // warm-up second, then 3 samples
const REPEATS = 3;

function build(mode, neuronUpdates) {
  const network = new polychron.Network({ mode, threads: 1, seed: 3, neuronUpdates });
  const lif = network.addPopulation({ model: 'lif', size: NEURONS, tau: 1e-3, vRest: 0, vReset: 0, vThreshold: 1, refractory: 0 });
  const times = [];
  const neurons = [];
  for (let t = 0; t < SECONDS * 1000; t++) {
    // Source k fires at k·PERIOD/SOURCES mod PERIOD: the phases spread over the period.
    for (let k = 0; k < SOURCES; k++) {
      if ((t - Math.floor((k * PERIOD_MS) / SOURCES)) % PERIOD_MS === 0) {
        times.push(t);
        neurons.push(k);
      }
    }
  }
  const sources = network.addSpikeTrains({ size: SOURCES, times, neurons: Uint32Array.from(neurons) });
  network.connect(sources, lif, { rule: { kind: 'fixedOutDegree', degree: FAN_OUT }, weight: { uniform: [0.2, 1.2] }, delay: { uniform: [1, 20] } });
  return network;
}

async function sample(network) {
  const before = network.stats();
  const started = process.hrtime.bigint();
  await network.run(1000, { record: false });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const after = network.stats();
  return { ms, spikes: after.spikes - before.spikes, events: after.synapticEvents - before.synapticEvents, stats: after };
}

async function main() {
  const rows = [];
  for (const mode of ['reference', 'fast']) {
    const medians = {};
    for (const neuronUpdates of ['dense', 'auto']) {
      const network = build(mode, neuronUpdates);
      await network.run(1000, { record: false }); // builds it, warms the caches
      const samples = [];
      let last;
      for (let r = 0; r < REPEATS; r++) {
        last = await sample(network);
        samples.push(last.ms);
      }
      const timing = summarize(samples);
      medians[neuronUpdates] = timing.median;
      const row = {
        name: `${mode}/${neuronUpdates}`,
        parameters: { mode, neuronUpdates, neurons: NEURONS, sources: SOURCES, periodMs: PERIOD_MS, fanOut: FAN_OUT, threads: 1 },
        unit: 'ms per simulated second',
        median: timing.median,
        spread: { min: timing.min, max: timing.max, samples: timing.samples },
        eventDriven: last.stats.eventDriven,
        neuronUpdatesPerMs: last.stats.neuronUpdates / 1000,
        spikesPerSecond: last.spikes,
        synapticEventsPerSecond: last.events,
      };
      if (neuronUpdates === 'auto') row.speedUpOverDense = medians.dense / timing.median;
      rows.push(row);
      console.log(`${row.name.padEnd(16)} ${timing.median.toFixed(2).padStart(9)} ms per simulated s` +
        `  ${row.neuronUpdatesPerMs.toFixed(0).padStart(7)} neuron updates/ms  ${row.spikesPerSecond} spikes/s` +
        (row.speedUpOverDense ? `  ×${row.speedUpOverDense.toFixed(1)} vs dense` : ''));
      network.close();
    }
  }
  const file = writeResult('sparse-lif', {
    description: 'A sparse LIF network (100,000 memoryless neurons, 200 train sources firing once per 250 ms into 500 each), one thread: ' +
      "neuronUpdates 'dense' against 'auto' (event-driven), same network, same command",
    baseline: "neuronUpdates 'dense' in the same mode",
    results: rows,
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
