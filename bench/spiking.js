// The spiking engine against Brian2 (C++ standalone) on the 2006 network, and at scale.
//  1. The golden connectivity (../shared/golden/spnet) with random thalamic input, 10
//     simulated seconds, reference and fast mode, 1 thread; Brian2 runs the same
//     network in the same command (bench/peers/brian2_spnet.py) when it is installed.
//  2. The issue-16 thread check: the CLI at N = 1000, 1 and 2 threads.
//  3. The canonical network scaled to N = 1000 .. 1,000,000 (100 synapses each, the 2006
//     rule on), fast mode, 1 and 2 threads (and 2 with threadPolicy 'all'): ms per
//     simulated second, synaptic events per second, bytes per synapse, construction time,
//     and the fraction of this machine's memory bound (bench/memory-account.js, from
//     bench/results/memory-probe.json).
// POLYCHRON_BENCH_PART=golden|threads|scale runs one part.
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
      const { network } = polychron.spnetFromFiles(path.join(golden, 'connectivity.csv'), undefined, { mode, threads: 1 });
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

const cli = path.join(root, 'dist', 'cli', 'index.js');

// The thread check, as a user runs it: the CLI at N = 1000, 10 simulated seconds,
// 1 and 2 threads interleaved, wallSeconds from --summary-json (medians).
function threadCheck(repeats = 5) {
  const samples = { 1: [], 2: [] };
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'polychron-bench-threads-'));
  for (let r = 0; r < repeats; r++) {
    for (const threads of [1, 2]) {
      const summary = path.join(dir, `t${threads}.json`);
      const child = spawnSync(process.execPath, [cli, 'simulate', '--network', 'izhikevich2006', '--neurons', '1000', '--seconds', '10',
        '--mode', 'fast', '--threads', String(threads), '--summary-json', summary, '--quiet'], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`simulate failed: ${child.stderr}`);
      const s = JSON.parse(fs.readFileSync(summary, 'utf8'));
      samples[threads].push({ wallSeconds: s.wallSeconds, threadsInUse: s.threadsInUse });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const row = (threads) => ({
    threads,
    wallSeconds: summarize(samples[threads].map((x) => x.wallSeconds)),
    threadsInUseAtEnd: samples[threads].map((x) => x.threadsInUse),
  });
  const result = { command: 'polychron simulate --network izhikevich2006 --neurons 1000 --seconds 10 --mode fast --threads T --summary-json F',
    one: row(1), two: row(2) };
  result.twoOverOne = result.two.wallSeconds.median / result.one.wallSeconds.median;
  console.log(`thread check (CLI, N = 1000, 10 s): 1 thread ${result.one.wallSeconds.median.toFixed(3)} s, ` +
    `2 threads ${result.two.wallSeconds.median.toFixed(3)} s (${result.twoOverOne.toFixed(2)}x)`);
  return result;
}

// The hardware account of docs/benchmarks.md, per simulated second: the least time this
// machine's memory system needs for the work the run did (bench/memory-account.js, from
// bench/results/memory-probe.json), so that each measured figure reads as a fraction of it.
// Counted: each (spike, delay) group visit fetches one random line of the synapse array;
// each synaptic event one random read-modify-write of I (4 bytes per neuron); each ms
// streams v, u and I in and out (24 bytes per neuron); each period streams every synapse
// in and out (24 bytes) and fetches one random line of its target's spike window.
function hardwareBound(row, probes) {
  const probe = probes?.[Math.min(2, row.threadsInUseAtEnd)];
  if (!probe) return null;
  const { events, spikes, neurons, synapses, maxDelay } = row.counts;
  const stream = 1 / probe.streamBytesPerNs;  // ns per byte
  const delivery = spikes * maxDelay * probe.randomLineNs(12 * synapses) + events * probe.randomRmwNs(4 * neurons);
  const neuronState = 1000 * neurons * 24 * stream;
  const stdp = synapses * (24 * stream + probe.randomLineNs(40 * neurons));
  const seconds = (ns) => ns / 1e9;
  return { secondsPerSimulatedSecond: seconds(delivery + neuronState + stdp), delivery: seconds(delivery), neuronState: seconds(neuronState), stdp: seconds(stdp), threads: probe.threads };
}

function loadProbes() {
  const file = path.join(__dirname, 'results', 'memory-probe.json');
  if (!fs.existsSync(file)) return null;
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { fromProbe } = require('./memory-account');
  return { 1: fromProbe(json, 1), 2: fromProbe(json, 2) };
}

async function scaleRuns(probes) {
  const rows = [];
  const configurations = [];
  for (const neurons of [1000, 10_000, 100_000, 1_000_000]) {
    configurations.push({ neurons, threads: 1 }, { neurons, threads: 2 });
    if (neurons >= 100_000) configurations.push({ neurons, threads: 2, threadPolicy: 'all' });
  }
  const seconds = { 1000: 10, 10_000: 5, 100_000: 3, 1_000_000: 2 };
  for (const { neurons, threads, threadPolicy = 'adaptive' } of configurations) {
    const started = process.hrtime.bigint();
    const { network } = polychron.izhikevich2006({ seed: 1, neurons, mode: 'fast', threads, threadPolicy });
    await network.run(1, { record: false });
    const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await network.run(999, { record: false });  // the first period, untimed
    // Small networks run a simulated second in milliseconds, where the VM's noise is
    // large: five parts, the median part's speed (counts summed over all).
    const simulatedMs = seconds[neurons] * 1000;
    const parts = neurons <= 10_000 ? 5 : 1;
    const timed = [];
    for (let k = 0; k < parts; k++) timed.push(await timeRun(network, simulatedMs / parts, true));
    const t = {
      wallSeconds: summarize(timed.map((x) => x.wallSeconds)).median * parts,
      spikes: timed.reduce((a, x) => a + x.spikes, 0),
      events: timed.reduce((a, x) => a + x.events, 0),
    };
    const stats = network.stats();
    const row = {
      name: `N=${neurons} threads=${threads}${threadPolicy === 'all' ? ' (all)' : ''}`,
      neurons,
      threads,
      threadPolicy,
      threadsInUseAtEnd: stats.threadsInUse,
      synapses: stats.synapses,
      simulatedSeconds: simulatedMs / 1000,
      msPerSimulatedSecond: (t.wallSeconds * 1000) / (simulatedMs / 1000),
      realTimeFactor: simulatedMs / 1000 / t.wallSeconds,
      synapticEventsPerSecond: t.events / t.wallSeconds,
      meanRateHz: t.spikes / neurons / (simulatedMs / 1000),
      bytesPerSynapse: stats.synapseBytes / stats.synapses,
      stateBytesPerSynapse: stats.stateBytes / stats.synapses,
      buildSeconds,
      synapseArrayBytes: 12 * stats.synapses,
      counts: { events: t.events / (simulatedMs / 1000), spikes: t.spikes / (simulatedMs / 1000), neurons, synapses: stats.synapses, maxDelay: stats.maxDelay },
    };
    row.hardwareBound = hardwareBound(row, probes);
    row.fractionOfHardwareLimit = row.hardwareBound ? row.hardwareBound.secondsPerSimulatedSecond / (row.msPerSimulatedSecond / 1000) : null;
    rows.push(row);
    console.log(`${row.name}: ${row.msPerSimulatedSecond.toFixed(1)} ms per simulated second (${row.realTimeFactor.toFixed(3)}x real time), ` +
      `${(row.synapticEventsPerSecond / 1e6).toFixed(1)} M events/s, ${row.bytesPerSynapse.toFixed(1)} B/synapse, build ${buildSeconds.toFixed(2)} s` +
      (row.fractionOfHardwareLimit ? `, ${(100 * row.fractionOfHardwareLimit).toFixed(0)}% of the memory bound` : ''));
    network.close();
  }
  return rows;
}

async function main() {
  const only = process.env.POLYCHRON_BENCH_PART;  // 'golden', 'threads' or 'scale' to run one part
  const probes = loadProbes();
  const goldenResult = only && only !== 'golden' ? { skipped: 'not run' } : await goldenRuns();
  const peer = only && only !== 'golden' ? { available: false, reason: 'not run' } : brian2();
  console.log(peer.available ? `brian2 standalone: ${peer.msPerSimulatedSecondMedian.toFixed(2)} ms per simulated second (median)` : `brian2: ${peer.reason}`);
  const threads = only && only !== 'threads' ? null : threadCheck();
  const scale = only && only !== 'scale' ? [] : await scaleRuns(probes);
  const reference = goldenResult.rows?.find((r) => r.mode === 'reference');
  const fast = goldenResult.rows?.find((r) => r.mode === 'fast');
  const ratio = (row) => (peer.available && row ? peer.msPerSimulatedSecondMedian / row.msPerSimulatedSecond : null);
  const find = (neurons, threads, policy = 'adaptive') => scale.find((r) => r.neurons === neurons && r.threads === threads && r.threadPolicy === policy);
  const million = find(1_000_000, 2);
  const hundredThousand = find(100_000, 2);
  const neverSlower = [1000, 10_000, 100_000, 1_000_000].map((n) => ({ neurons: n, one: find(n, 1), two: find(n, 2) }))
    .filter((x) => x.one && x.two).map((x) => ({ neurons: x.neurons, twoOverOne: x.two.msPerSimulatedSecond / x.one.msPerSimulatedSecond }));
  const file = writeResult('spiking', {
    description: 'ms of wall time per simulated second (medians for the golden network, spikes recorded on both sides); ratios = Brian2 time / polychron time, measured in the same command; ' +
      'scale: the 2006 recipe scaled to N (fast mode, spikes recorded), after one untimed period; hardwareBound: the least time the memory system needs for the same work (docs/benchmarks.md)',
    golden: goldenResult,
    brian2: peer,
    ratiosToBrian2: { reference: ratio(reference), fast: ratio(fast) },
    threadCheck: threads,
    scale,
    targets: [
      { description: 'reference at least 2x faster than Brian2 standalone', measured: ratio(reference), met: ratio(reference) === null ? null : ratio(reference) >= 2 },
      { description: 'fast at least 10x faster than Brian2 standalone', measured: ratio(fast), met: ratio(fast) === null ? null : ratio(fast) >= 10 },
      { description: '2 threads never slower than 1 (time ratio <= 1.05 at every N, and in the CLI check)', measured: { scale: neverSlower, cli: threads?.twoOverOne ?? null },
        met: neverSlower.length ? neverSlower.every((x) => x.twoOverOne <= 1.05) && (threads === null || threads.twoOverOne <= 1.05) : null },
      { description: 'N = 10^6 at >= 0.25x real time with 2 threads', measured: million?.realTimeFactor ?? null, met: million ? million.realTimeFactor >= 0.25 : null },
      { description: '<= 16 bytes per synapse (default layout, fast mode)', measured: million?.bytesPerSynapse ?? null, met: million ? million.bytesPerSynapse <= 16 : null },
      { description: 'N = 10^6 built in <= 5 s', measured: million?.buildSeconds ?? null, met: million ? million.buildSeconds <= 5 : null },
      { description: 'N = 10^5 at >= 1.0x real time with 2 threads', measured: hundredThousand?.realTimeFactor ?? null, met: hundredThousand ? hundredThousand.realTimeFactor >= 1 : null },
    ],
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
