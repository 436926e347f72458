#!/usr/bin/env node
// Sweeps (issue 18): the per-run overhead of the local pool and of the BullMQ queue, timed
// with an empty job (bench/peers/sweep-builders.js: one neuron, 1 ms), and the throughput
// of a 64-run sweep of the 2006 network (10 s each) on a 2-worker pool against the same
// runs one after another in one process (executeRun in a loop, 1 native thread each, as
// each pool worker has), and against two runs at once in one thread with no pool (what the
// two cores give these runs at best). Per-run overhead is the slope between a short and a long sweep, so
// that starting the workers (a one-off, reported apart) is not spread over the runs. The
// queue part starts its own redis-server (Debian's) on a free loopback port and one
// `polychron worker` process; it is skipped, and said so, without redis-server.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { polychron, summarize, writeResult, option } = require('./harness');

const repeats = Number(option('repeats', 5));
const runsThroughput = Number(option('runs', 64));
const secondsPerRun = Number(option('seconds', 10));
const shortSweep = Number(option('short', 100));
const longSweep = Number(option('long', 400));
const emptyBuilders = path.join(__dirname, 'peers', 'sweep-builders.js');
const cli = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-bench-sweep-'));
let trial = 0;

const emptySpec = (runs) => ({ network: 'empty', seconds: 0.001, params: { trial: trial++ }, grid: { seed: Array.from({ length: runs }, (_, k) => k) } });
const folder = () => path.join(scratch, `out-${trial}-${Math.random().toString(16).slice(2)}`);
const seconds = async (work) => {
  const t = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

async function poolOverhead() {
  // Untimed: the first sweep of a process loads apache-arrow for the summary (a one-off ~0.2 s).
  await polychron.runSweep(emptySpec(4), { out: folder(), workers: 1, builders: [emptyBuilders] });
  const short = [];
  const long = [];
  for (let k = 0; k < repeats; k++) {
    short.push(await seconds(() => polychron.runSweep(emptySpec(shortSweep), { out: folder(), workers: 1, builders: [emptyBuilders] })));
    long.push(await seconds(() => polychron.runSweep(emptySpec(longSweep), { out: folder(), workers: 1, builders: [emptyBuilders] })));
  }
  // The same empty runs in this thread: what a run costs with no pool at all.
  const registry = await polychron.BuilderRegistry.load([emptyBuilders]);
  const runs = polychron.expandSweep(emptySpec(longSweep));
  const inProcess = [];
  for (let k = 0; k < repeats; k++) {
    inProcess.push(await seconds(async () => {
      for (const run of runs) await polychron.executeRun(run, registry);
    }) / longSweep);
  }
  const perRun = short.map((s, k) => (long[k] - s) / (longSweep - shortSweep));
  const fixed = short.map((s, k) => s - perRun[k] * shortSweep);
  return {
    perRunMs: summarize(perRun.map((s) => s * 1000)),
    emptyRunInProcessMs: summarize(inProcess.map((s) => s * 1000)),
    startupMs: summarize(fixed.map((s) => s * 1000)),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function withRedis(body) {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => redis.stdout.on('data', (d) => d.toString().includes('Ready to accept') && resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const workers = [];
  const startWorker = (extra = []) => new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'worker', '--queue', url, '--builders', emptyBuilders, '--quiet', ...extra], { stdio: 'ignore' });
    workers.push(child);
    // The worker prints nothing with --quiet; give it time to connect.
    setTimeout(() => resolve(child), 1500);
  });
  try {
    return await body(url, startWorker);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    redis.kill('SIGKILL');
  }
}

async function queueOverhead(url, startWorker) {
  await startWorker();
  await polychron.runSweep(emptySpec(4), { out: folder(), queue: url });
  const short = [];
  const long = [];
  for (let k = 0; k < repeats; k++) {
    short.push(await seconds(() => polychron.runSweep(emptySpec(shortSweep), { out: folder(), queue: url })));
    long.push(await seconds(() => polychron.runSweep(emptySpec(longSweep), { out: folder(), queue: url })));
  }
  const perRun = short.map((s, k) => (long[k] - s) / (longSweep - shortSweep));
  return { perRunMs: summarize(perRun.map((s) => s * 1000)), startupMs: summarize(short.map((s, k) => (s - perRun[k] * shortSweep) * 1000)) };
}


async function throughput() {
  const spec = { network: 'izhikevich2006', seconds: secondsPerRun, grid: { seed: Array.from({ length: runsThroughput }, (_, k) => k + 1) } };
  const registry = await polychron.BuilderRegistry.load();
  const runs = polychron.expandSweep(spec);
  const sequential = [];
  const inProcess = [];
  const pool = [];
  let spikes;
  for (let k = 0; k < repeats; k++) {
    // Interleaved, so that drift in the machine's speed falls on both.
    sequential.push(await seconds(async () => {
      spikes = 0;
      for (const run of runs) spikes += (await polychron.executeRun(run, registry, { threads: 1 })).metrics.spikes;
    }));
    // No pool at all: two runs at once in this thread (each on its own libuv thread), the
    // most two cores give for these runs, to tell the pool's cost from the machine's.
    inProcess.push(await seconds(async () => {
      let next = 0;
      const loop = async () => {
        while (next < runs.length) await polychron.executeRun(runs[next++], registry, { threads: 1 });
      };
      await Promise.all([loop(), loop()]);
    }));
    let poolSpikes = 0;
    pool.push(await seconds(async () => {
      const report = await polychron.runSweep(spec, { out: folder(), workers: 2 });
      poolSpikes = report.results.reduce((n, r) => n + r.metrics.spikes, 0);
    }));
    if (poolSpikes !== spikes) throw new Error(`the pool's runs differ from the sequential ones (${poolSpikes} against ${spikes} spikes)`);
  }
  const seq = summarize(sequential);
  const two = summarize(pool);
  return {
    runs: runsThroughput,
    simulatedSecondsPerRun: secondsPerRun,
    sequentialSeconds: seq,
    pool2Seconds: two,
    inProcess2Seconds: summarize(inProcess),
    inProcess2Speedup: seq.median / summarize(inProcess).median,
    // The ratio of the medians, and the median of each repeat's own ratio (its two timings
    // taken back to back, so that the machine's drift between repeats cancels).
    speedup: seq.median / two.median,
    speedupPerRepeat: summarize(sequential.map((s, k) => s / pool[k])),
    totalSpikes: spikes,
  };
}

(async () => {
  const started = Date.now();
  console.log(`sweep: pool overhead (${shortSweep} and ${longSweep} empty runs, ${repeats} repeats)`);
  const pool = await poolOverhead();
  console.log(`  ${pool.perRunMs.median.toFixed(3)} ms per run (empty run in process ${pool.emptyRunInProcessMs.median.toFixed(3)} ms), startup ${pool.startupMs.median.toFixed(0)} ms`);
  console.log('sweep: queue overhead (one worker process, real Redis)');
  const queue = await withRedis((url, startWorker) => queueOverhead(url, startWorker));
  if (queue === undefined) console.log('  skipped: redis-server is not installed');
  else console.log(`  ${queue.perRunMs.median.toFixed(3)} ms per run, startup ${queue.startupMs.median.toFixed(0)} ms`);
  console.log(`sweep: ${runsThroughput} runs of the 2006 network, ${secondsPerRun} s each: 2-worker pool against one after another`);
  const speed = await throughput();
  console.log(`  sequential ${speed.sequentialSeconds.median.toFixed(2)} s, pool ${speed.pool2Seconds.median.toFixed(2)} s: ${speed.speedup.toFixed(2)}× ` +
    `(per repeat: median ${speed.speedupPerRepeat.median.toFixed(2)}×, ${speed.speedupPerRepeat.min.toFixed(2)}–${speed.speedupPerRepeat.max.toFixed(2)}); ` +
    `two runs at once with no pool: ${speed.inProcess2Seconds.median.toFixed(2)} s, ${speed.inProcess2Speedup.toFixed(2)}×`);
  const file = writeResult('sweep', {
    targets: { poolOverheadMs: 5, queueOverheadMs: 20, pool2Speedup: 1.8 },
    met: {
      poolOverhead: pool.perRunMs.median <= 5,
      queueOverhead: queue === undefined ? null : queue.perRunMs.median <= 20,
      pool2Speedup: speed.speedup >= 1.8,
    },
    pool,
    queue: queue ?? { skipped: 'redis-server is not installed' },
    throughput: speed,
    seconds: (Date.now() - started) / 1000,
  });
  fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`wrote ${file}`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
