// The spiking engine against Brian2 (C++ standalone) on the 2006 network, and at scale.
//  1. The golden connectivity (../shared/golden/spnet) with random thalamic input, 10
//     simulated seconds, reference and fast mode, 1 thread; Brian2 runs the same
//     network in the same command (bench/peers/brian2_spnet.py) when it is installed.
//  2. The canonical network scaled to N = 100,000 and 1,000,000 (100 synapses each,
//     the 2006 rule on), fast mode, 1 and 2 threads: ms per simulated second, synaptic
//     events per second, bytes per synapse.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult } = require('./harness');

const root = path.resolve(__dirname, '..');
const golden = path.resolve(root, '..', 'shared', 'golden', 'spnet');

async function timeRun(network, ms, record = false) {
  const before = network.stats();
  const started = process.hrtime.bigint();
  await network.run(ms, { record });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const after = network.stats();
  return { wallSeconds: wall, spikes: after.spikes - before.spikes, events: after.synapticEvents - before.synapticEvents };
}

async function goldenRuns() {
  if (!fs.existsSync(path.join(golden, 'connectivity.csv'))) return { skipped: `${golden} is absent` };
  const rows = [];
  for (const mode of ['reference', 'fast']) {
    const perSecond = [];
    let last;
    for (let repeat = 0; repeat < 5; repeat++) {
      const { network } = polychron.spnetFromFiles(path.join(golden, 'connectivity.csv'), undefined, { mode });
      network.addThalamicInput({ perMs: 1, current: 20 });
      // Spikes recorded, as Brian2's SpikeMonitor records them.
      last = await timeRun(network, 10_000, true);
      perSecond.push((last.wallSeconds * 1000) / 10);
      network.close();
    }
    const timing = summarize(perSecond);
    rows.push({ name: `polychron ${mode}`, mode, threads: 1, msPerSimulatedSecond: timing.median, spread: timing, spikesPerSecond: last.spikes / 10 });
    console.log(`golden network, ${mode}: ${timing.median.toFixed(2)} ms per simulated second (${(last.spikes / 10).toFixed(0)} spikes/s)`);
  }
  return { rows };
}

const findBrian = () => ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import brian2'], { stdio: 'ignore' }).status === 0);

function brian2() {
  const script = path.join(__dirname, 'peers', 'brian2_spnet.py');
  let python = findBrian();
  if (python === undefined && process.getuid?.() === 0) {
    console.log('Brian2 is not installed: trying apt-get install python3-brian');
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'python3-brian'], { stdio: 'ignore' });
    python = findBrian();
  }
  if (python === undefined) {
    return { available: false, reason: 'Brian2 is not installed and could not be (Debian package python3-brian)' };
  }
  const child = spawnSync(python, [script, golden, '--seconds', '10', '--repeats', '5'], { encoding: 'utf8', timeout: 900_000 });
  const line = child.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (child.status !== 0 || line === undefined) return { available: false, reason: `brian2_spnet.py failed: ${child.stderr.slice(-500)}` };
  const result = JSON.parse(line);
  // Medians on both sides (the script's wallSeconds is its fastest run).
  return { available: true, ...result, msPerSimulatedSecondMedian: (1000 * result.wallSecondsMedian) / result.simulatedSeconds };
}

async function scaleRuns() {
  const rows = [];
  const configurations = [
    { neurons: 100_000, threads: 1 }, { neurons: 100_000, threads: 2 },
    { neurons: 1_000_000, threads: 1 }, { neurons: 1_000_000, threads: 2 },
    { neurons: 1_000_000, threads: 2, compactSynapses: true },
  ];
  for (const { neurons, threads, compactSynapses = false } of configurations) {
    {
      const started = process.hrtime.bigint();
      const { network } = polychron.izhikevich2006({ seed: 1, neurons, mode: 'fast', threads, compactSynapses });
      await network.run(1, { record: false });
      const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const simulatedMs = neurons >= 1_000_000 ? 1000 : 2000;
      const t = await timeRun(network, simulatedMs);
      const stats = network.stats();
      const row = {
        name: `N=${neurons} threads=${threads}${compactSynapses ? ' compact' : ''}`,
        neurons,
        threads,
        compactSynapses,
        synapses: stats.synapses,
        simulatedSeconds: simulatedMs / 1000,
        msPerSimulatedSecond: (t.wallSeconds * 1000) / (simulatedMs / 1000),
        realTimeFactor: simulatedMs / 1000 / t.wallSeconds,
        synapticEventsPerSecond: t.events / t.wallSeconds,
        meanRateHz: t.spikes / neurons / (simulatedMs / 1000),
        bytesPerSynapse: stats.synapseBytes / stats.synapses,
        stateBytesPerSynapse: stats.stateBytes / stats.synapses,
        buildSeconds,
      };
      rows.push(row);
      console.log(`${row.name}: ${row.msPerSimulatedSecond.toFixed(0)} ms per simulated second (${row.realTimeFactor.toFixed(3)}x real time), ` +
        `${(row.synapticEventsPerSecond / 1e6).toFixed(1)} M events/s, ${row.bytesPerSynapse.toFixed(1)} B/synapse, build ${buildSeconds.toFixed(1)} s`);
      network.close();
    }
  }
  return rows;
}

async function main() {
  const goldenResult = await goldenRuns();
  const peer = brian2();
  console.log(peer.available ? `brian2 standalone: ${peer.msPerSimulatedSecondMedian.toFixed(2)} ms per simulated second (median)` : `brian2: ${peer.reason}`);
  const scale = await scaleRuns();
  const reference = goldenResult.rows?.find((r) => r.mode === 'reference');
  const fast = goldenResult.rows?.find((r) => r.mode === 'fast');
  const ratio = (row) => (peer.available && row ? peer.msPerSimulatedSecondMedian / row.msPerSimulatedSecond : null);
  const million = scale.find((r) => r.neurons === 1_000_000 && r.threads === 2 && !r.compactSynapses);
  const compact = scale.find((r) => r.compactSynapses);
  const file = writeResult('spiking', {
    description: 'ms of wall time per simulated second (medians, spikes recorded on both sides); ratios = Brian2 time / polychron time, measured in the same command',
    golden: goldenResult,
    brian2: peer,
    ratiosToBrian2: { reference: ratio(reference), fast: ratio(fast) },
    scale,
    targets: [
      { description: 'reference at least 2x faster than Brian2 standalone', measured: ratio(reference), met: ratio(reference) === null ? null : ratio(reference) >= 2 },
      { description: 'fast at least 10x faster than Brian2 standalone', measured: ratio(fast), met: ratio(fast) === null ? null : ratio(fast) >= 10 },
      { description: 'N = 10^6 at >= 0.25x real time with 2 threads', measured: million?.realTimeFactor ?? null, met: million ? million.realTimeFactor >= 0.25 : null },
      { description: '<= 16 bytes per synapse (default layout)', measured: million?.bytesPerSynapse ?? null, met: million ? million.bytesPerSynapse <= 16 : null },
      { description: '<= 16 bytes per synapse (compactSynapses)', measured: compact?.bytesPerSynapse ?? null, met: compact ? compact.bytesPerSynapse <= 16 : null },
    ],
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
