#!/usr/bin/env node
// Building the 2006 network at scale (issue 16): `izhikevich2006({ seed: 1, neurons: N,
// mode: 'fast', threads: T })` and the first `run(1)`, which draws and stores the
// synapses, each in a fresh process; wall seconds of both, user and system CPU seconds,
// and the peak resident memory (VmHWM). Between processes it pauses (`--pause`, default
// 15 s): on the VMs measured, memory a process has just freed is handed out again warm,
// while memory untouched for a while costs the host about 2 s per GB to back on first
// touch, so runs back to back would time mostly warm memory. `--baseline DIR` also times
// another checkout (built), interleaved, for a before/after in the same conditions;
// `--baseline-label` names it in the results (default: its commit, or its folder).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { summarize, writeResult, option } = require('./harness');

const repeats = Number(option('repeats', 3));
const pauseSeconds = Number(option('pause', 15));
const baseline = option('baseline', undefined);
const baselineLabel = option('baseline-label', undefined);
const sizes = option('neurons', '100000,1000000').split(',').map(Number);
const threadCounts = option('threads', '1,2').split(',').map(Number);

const CHILD = `
const fs = require('node:fs');
const p = require(process.argv[1]);
const [neurons, threads] = [Number(process.argv[2]), Number(process.argv[3])];
(async () => {
  const t0 = process.hrtime.bigint();
  const { network } = p.izhikevich2006({ seed: 1, neurons, mode: 'fast', threads });
  const t1 = process.hrtime.bigint();
  await network.run(1, { record: false });
  const t2 = process.hrtime.bigint();
  const peak = Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  const usage = process.resourceUsage();
  console.log(JSON.stringify({
    connectSeconds: Number(t1 - t0) / 1e9, firstRunSeconds: Number(t2 - t1) / 1e9, totalSeconds: Number(t2 - t0) / 1e9,
    userSeconds: usage.userCPUTime / 1e6, systemSeconds: usage.systemCPUTime / 1e6, peakRssBytes: peak,
    synapses: network.stats().synapses,
  }));
  network.close();
})();
`;

function once(root, neurons, threads) {
  const child = spawnSync(process.execPath, ['-e', CHILD, root, String(neurons), String(threads)], { encoding: 'utf8', timeout: 600_000 });
  if (child.status !== 0) throw new Error(`construction run failed: ${child.stderr.slice(-500)}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

function commitOf(root) {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : path.basename(root);
}

const sleep = (seconds) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);

function main() {
  const roots = [{ label: 'this', root: path.resolve(__dirname, '..') }];
  if (baseline !== undefined) roots.push({ label: 'baseline', root: path.resolve(baseline) });
  const samples = new Map();
  for (let r = 0; r < repeats; r++) {
    for (const neurons of sizes) {
      for (const threads of threadCounts) {
        for (const { label, root } of roots) {
          sleep(pauseSeconds);
          const s = once(root, neurons, threads);
          const key = `${label} ${neurons} ${threads}`;
          if (!samples.has(key)) samples.set(key, { label, neurons, threads, runs: [] });
          samples.get(key).runs.push(s);
          console.log(`${label} N=${neurons} threads=${threads}: ${s.totalSeconds.toFixed(2)} s ` +
            `(connect ${s.connectSeconds.toFixed(2)}, first run ${s.firstRunSeconds.toFixed(2)}; ` +
            `user ${s.userSeconds.toFixed(2)}, system ${s.systemSeconds.toFixed(2)}), peak ${(s.peakRssBytes / 1e9).toFixed(2)} GB`);
        }
      }
    }
  }
  const rows = [...samples.values()].map(({ label, neurons, threads, runs }) => ({
    checkout: label === 'this' ? 'this' : baselineLabel ?? commitOf(baseline),
    neurons,
    threads,
    synapses: runs[0].synapses,
    totalSeconds: summarize(runs.map((s) => s.totalSeconds)),
    connectSeconds: summarize(runs.map((s) => s.connectSeconds)),
    firstRunSeconds: summarize(runs.map((s) => s.firstRunSeconds)),
    userSeconds: summarize(runs.map((s) => s.userSeconds)),
    systemSeconds: summarize(runs.map((s) => s.systemSeconds)),
    peakRssBytes: summarize(runs.map((s) => s.peakRssBytes)),
  }));
  writeResult('construction', { repeats, pauseSeconds, rows });
}

main();
