// What this machine's memory system allows, for the physical-limit accounts (issues 16 and 22):
// every engine figure in docs/benchmarks.md is to be read as a fraction of these.
//
// bench/peers/memory_probe.cpp, compiled here with g++ -O2 -march=native into bench/.build/,
// measures (its header has the details):
//   - bandwidth: one pass over a 1 GB buffer, 1 and 2 threads: read, write (plain stores),
//     write-nt (streaming stores), update (load, add, store in place), GB/s;
//   - latency: a dependent pointer chase through a random cycle over every 64-byte line of a
//     working set, 16 KB to 1 GB, ns per load (the curve shows the cache sizes, which this
//     VM does not report in /sys);
//   - random: independent accesses from a precomputed index stream over 256 KB, 4 MB, 32 MB,
//     128 MB and 1 GB, 1 and 2 threads: rmw4 (a[idx[i]] += 1.0f, synaptic delivery into a
//     current array; 2 threads each own half the array), rmw4-prefetch (the same with a
//     software prefetch 16 ahead) and read64 (one 64-byte line per index, a table row; 2
//     threads share the array, each its own stream), ns per access;
// each with 4 KB pages (what a plain allocation gets here: transparent huge pages are
// "madvise") and 2 MB pages (madvise(MADV_HUGEPAGE)). The machine is shared: a sample
// during which a thread was descheduled or another process was runnable is taken again (up
// to twice); medians of 5 samples taken in rounds over the configurations. About 35 s on a
// quiet machine, a minute or more on a busy one.
//
// Other processes' memory traffic and cache use move every figure here (the last-level cache
// especially), so the script first waits up to --wait-quiet seconds (default 60) for the
// machine to go quiet (other processes under 10 % of the CPUs for 6 s), then runs anyway;
// the JSON records how long it waited and the other processes' CPU share during the probe.
// --runs N runs the probe N times (each after its own wait) and pools the samples of the runs
// during which other processes took at most --max-others (0.25) of the CPUs (all runs if
// none was that quiet).
//
// Options (passed to the probe): --repeats 5 --bandwidth-repeats 5 --threads 2
// --bandwidth-mb 1024 --max-mb 1024 --accesses 2097152 --pages 4k,2m
// --phases bandwidth,latency,random
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { summarize, writeResult, option } = require('./harness');

const source = path.join(__dirname, 'peers', 'memory_probe.cpp');
const buildDir = path.join(__dirname, '.build');
const binary = path.join(buildDir, 'memory_probe');
const compileArgs = ['-O2', '-march=native', '-std=c++17', '-pthread', source, '-o', binary];
const PROBE_OPTIONS = ['repeats', 'bandwidth-repeats', 'threads', 'bandwidth-mb', 'max-mb', 'accesses', 'pages', 'phases'];
const TABLE_SIZES = [256 << 10, 4 << 20, 32 << 20, 128 << 20, 1 << 30];

function build() {
  fs.mkdirSync(buildDir, { recursive: true });
  const stale = !fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs;
  if (stale) execFileSync('g++', compileArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  return { command: `g++ ${compileArgs.map((a) => (path.isAbsolute(a) ? path.relative(path.resolve(__dirname, '..'), a) : a)).join(' ')}`, rebuilt: stale };
}


function cpuTimes() {
  const [, ...v] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: v[3] + v[4] };
}

/** Waits (up to `seconds`) for three consecutive 2 s windows with the CPUs at least 90 % idle. */
function waitQuiet(seconds) {
  if (!(seconds > 0) || !fs.existsSync('/proc/stat')) return { waitedSeconds: 0, quiet: null };
  const started = Date.now();
  const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  let quietWindows = 0;
  while (Date.now() - started < seconds * 1000) {
    const a = cpuTimes();
    sleep(2000);
    const b = cpuTimes();
    const idle = (b.idle - a.idle) / Math.max(1, b.total - a.total);
    quietWindows = idle >= 0.9 ? quietWindows + 1 : 0;
    if (quietWindows >= 3) return { waitedSeconds: (Date.now() - started) / 1000, quiet: true };
  }
  console.error(`the machine did not go quiet within ${seconds} s; measuring anyway (figures will be low)`);
  return { waitedSeconds: (Date.now() - started) / 1000, quiet: false };
}

function forwardedOptions() {
  const args = [];
  for (const name of PROBE_OPTIONS) {
    const at = process.argv.indexOf(`--${name}`);
    if (at > 0 && process.argv[at + 1] !== undefined) args.push(`--${name}`, process.argv[at + 1]);
  }
  return args;
}

/** What glibc (getconf) says of the caches: CPUID as the hypervisor passes it, not always true. */
function reportedCaches() {
  const out = {};
  for (const key of ['LEVEL1_DCACHE_SIZE', 'LEVEL2_CACHE_SIZE', 'LEVEL3_CACHE_SIZE']) {
    try {
      out[key] = Number(execFileSync('getconf', [key]).toString().trim()) || null;
    } catch {
      out[key] = null;
    }
  }
  return out;
}

const kb = (bytes) => (bytes >= 1 << 30 ? `${bytes / (1 << 30)} GB` : bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`);

/**
 * Steps in the 4 KB-page latency curve: consecutive sizes whose median latency rises by at
 * least 1.4x, adjacent steps merged, ignoring the DRAM range (above 100 ns, where the slow
 * rise is address translation, not a cache). Each step: the last size that still fits,
 * the first that does not, and the latencies either side.
 */
function latencySteps(curve) {
  const steps = [];
  for (let i = 0; i + 1 < curve.length; i++) {
    const [a, b] = [curve[i], curve[i + 1]];
    if (a.nsPerAccess.median >= 100 || b.nsPerAccess.median < 1.4 * a.nsPerAccess.median) continue;
    const last = steps[steps.length - 1];
    if (last && last.missesFrom === a.bytes) {
      last.missesFrom = b.bytes;
      last.nsAfter = b.nsPerAccess.median;
    } else {
      steps.push({ fitsUpTo: a.bytes, missesFrom: b.bytes, nsBefore: a.nsPerAccess.median, nsAfter: b.nsPerAccess.median });
    }
  }
  return steps.map((s) => ({ ...s, text: `${kb(s.fitsUpTo)} → ${kb(s.missesFrom)}: ${s.nsBefore.toFixed(1)} → ${s.nsAfter.toFixed(1)} ns` }));
}

function main() {
  const built = build();
  const args = forwardedOptions();
  const runs = Math.max(1, Number(option('runs', 1)));
  const probeRuns = [];
  for (let run = 0; run < runs; run++) {
    const waited = waitQuiet(Number(option('wait-quiet', 60)));
    console.error(`running ${path.relative(process.cwd(), binary)} ${args.join(' ')}${runs > 1 ? ` (run ${run + 1} of ${runs})` : ''}`);
    const child = spawnSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    if (child.status !== 0) throw new Error(`memory_probe exited with ${child.status ?? child.signal}`);
    probeRuns.push({ waited, raw: JSON.parse(child.stdout) });
  }
  // Runs during which other processes took more than --max-others of the CPUs (default 0.25)
  // are left out of the figures, unless every run was that busy.
  const maxOthers = Number(option('max-others', 0.25));
  for (const r of probeRuns) r.pooled = r.raw.otherProcessesCpuShare <= maxOthers;
  if (!probeRuns.some((r) => r.pooled)) for (const r of probeRuns) r.pooled = true;
  const used = probeRuns.filter((r) => r.pooled);
  const raw = used[0].raw;

  // Every configuration's samples from the runs used pooled; each run's own median kept beside.
  const pooled = (list, keys, field) => raw[list].map((first) => {
    const same = used.map((r) => r.raw[list].find((x) => keys.every((k) => x[k] === first[k])));
    return {
      first, summary: summarize(same.flatMap((x) => x[field])),
      runMedians: used.length > 1 ? same.map((x) => summarize(x[field]).median) : undefined,
      dropped: same.reduce((sum, x) => sum + x.dropped, 0),
      kept: same.reduce((sum, x) => sum + x.disturbedKept, 0),
    };
  });
  const bandwidth = pooled('bandwidth', ['kind', 'threads', 'pages'], 'gbPerSecond').map(({ first: b, summary, runMedians, dropped, kept }) => ({
    kind: b.kind, threads: b.threads, pages: b.pages, bytes: b.bytes, hugeFraction: b.hugeFraction,
    gbPerSecond: summary, runMedians, droppedSamples: dropped, disturbedSamplesKept: kept,
  }));
  const latency = pooled('latency', ['bytes', 'pages'], 'nsPerAccess').map(({ first: l, summary, runMedians, dropped, kept }) => ({
    bytes: l.bytes, pages: l.pages, steps: l.steps, nsPerAccess: summary, runMedians, droppedSamples: dropped, disturbedSamplesKept: kept,
  }));
  const random = pooled('random', ['pattern', 'bytes', 'threads', 'pages'], 'nsPerAccess').map(({ first: r, summary, runMedians, dropped, kept }) => ({
    pattern: r.pattern, bytes: r.bytes, threads: r.threads, pages: r.pages, accessesPerThread: r.accessesPerThread,
    nsPerAccess: summary, millionAccessesPerSecond: 1e3 / summary.median, runMedians, droppedSamples: dropped, disturbedSamplesKept: kept,
  }));
  const steps = latencySteps(latency.filter((l) => l.pages === '4k'));
  const record = {
    probe: {
      source: path.relative(path.resolve(__dirname, '..'), source), compile: built.command, options: args,
      vectorBytes: raw.vectorBytes,
      runs: probeRuns.map((r) => ({
        seconds: r.raw.seconds, waitedForQuietSeconds: r.waited.waitedSeconds, quietBeforeStart: r.waited.quiet,
        otherProcessesCpuShare: r.raw.otherProcessesCpuShare, pooled: r.pooled,
      })),
      maxOthers,
      note: 'medians over all runs\' samples, taken in rounds over the configurations; a sample is disturbed when a thread '
        + 'was descheduled (wall > 1.1 x its CPU time) or another process was seen runnable during it, and is retaken up to '
        + 'twice: droppedSamples counts the disturbed samples replaced, disturbedSamplesKept those kept for want of a clean one',
    },
    caches: {
      latencySteps: steps,
      reportedByGetconf: reportedCaches(),
      cpuidLeaf8000001D: raw.cpuidCaches,
    },
    bandwidth, latency, random,
  };
  const file = writeResult('memory-probe', record);

  // The short table.
  const pick = (list, where) => list.find((x) => Object.entries(where).every(([k, v]) => x[k] === v));
  const cell = (x, key, digits = 1) => (x ? x[key].median.toFixed(digits) : '—');
  const pagesList = [...new Set(bandwidth.map((b) => b.pages))];
  const threadsList = [...new Set(bandwidth.map((b) => b.threads))];
  const cols = pagesList.flatMap((p) => threadsList.map((t) => ({ pages: p, threads: t })));
  const header = cols.map((c) => `${c.threads}T ${c.pages}`.padStart(9)).join('');
  console.log(`\nsequential bandwidth over ${kb(bandwidth[0].bytes)}, GB/s (update counts read + write)`);
  console.log(`${''.padEnd(14)}${header}`);
  for (const kind of ['read', 'write', 'write-nt', 'update']) {
    console.log(`${kind.padEnd(14)}${cols.map((c) => cell(pick(bandwidth, { kind, ...c }), 'gbPerSecond').padStart(9)).join('')}`);
  }
  console.log('\ndependent random load (pointer chase), ns');
  console.log(`${''.padEnd(14)}${pagesList.map((p) => p.padStart(9)).join('')}`);
  for (const bytes of TABLE_SIZES) {
    console.log(`${kb(bytes).padEnd(14)}${pagesList.map((p) => cell(pick(latency, { bytes, pages: p }), 'nsPerAccess').padStart(9)).join('')}`);
  }
  console.log(`latency steps (4 KB pages): ${steps.map((s) => s.text).join('; ')}`);
  console.log('\nindependent random accesses, ns per access (all threads together)');
  console.log(`${''.padEnd(22)}${header}`);
  for (const bytes of TABLE_SIZES) {
    for (const pattern of ['rmw4', 'rmw4-prefetch', 'read64']) {
      const row = cols.map((c) => cell(pick(random, { pattern, bytes, ...c }), 'nsPerAccess', 2).padStart(9)).join('');
      console.log(`${`${kb(bytes)} ${pattern}`.padEnd(22)}${row}`);
    }
  }
  for (const r of probeRuns) {
    console.error(`other processes used ${(100 * r.raw.otherProcessesCpuShare).toFixed(0)} % of the CPUs during the probe `
      + `(${r.raw.seconds.toFixed(1)} s)${r.pooled ? '' : ': left out'}`);
  }
  console.error(`wrote ${file}`);
}

main();
