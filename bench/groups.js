// Polychronous groups (spec polychronous-groups.md, issue 15), with the 2006 group finder's
// search (the default: its budget extended while spikes are in flight) and its shuffled
// control (E→E weights swapped between random E→E synapses, Network.shuffleExcitatoryWeights).
//
// 1. The exact search on the 2006 program's own trained network (../shared/golden/png,
//    connectivity.csv read as `polychron groups --connectivity` reads it): wall time with 1
//    and 2 threads, 3 repeats, the groups checked identical for every run; groups and
//    replays per second; the speed-up over the program's own search (about 500 s of one
//    core, golden README). Target: >= 100× with 2 threads.
// 2. The program's shuffled copy (connectivity_shuffled.csv): counts only (690 / 138).
// 3. The 2006 network trained by polychron in reference mode, network seeds 1–8, 5
//    simulated hours each (checkpoints after each hour in bench/.build/, reused when
//    present): after each hour the groups with minPath 6 and 7 (one search at minPath 6)
//    and those of the weight-shuffled copy (shuffle seed 1); after the last hour also
//    shuffle seeds 2 and 3, and the contrast. Mean and spread across network seeds.
// 4. The raster query: every group of the golden network's set against a 60 s recording of
//    the golden network (with the 2006 thalamic input), and seed 1's set (minPath 6, last
//    hour) against one of the seed-1 network. Target: <= 1 s.
//
// Sections 2 and 3 (the golden shuffled count, training and the counting searches) use 1
// thread, so that they can run on one core; section 1 times 1 and 2 threads. About 75
// minutes on the 2-core development machine when no checkpoint exists yet (training about
// 25 s per simulated hour, a search of a trained network about 25 s with 1 thread, 12 per
// network seed; the raster query against the golden set a few minutes).
// Environment:
//   POLYCHRON_BENCH_THREADS=2    training and counting searches with 2 threads
//   POLYCHRON_BENCH_SEEDS=1,2    only these network seeds (default 1–8)
//   POLYCHRON_BENCH_SMOKE=1      a quick check of the script (about a minute): network seed 1,
//                                one "hour" of 60 s, every 16th mother, 1 repeat; writes
//                                bench/results/groups-smoke.json (not to be committed)
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { polychron, summarize, writeResult } = require('./harness');

const SMOKE = process.env.POLYCHRON_BENCH_SMOKE === '1';
const THREADS = Number(process.env.POLYCHRON_BENCH_THREADS ?? 1);
const NETWORK_SEEDS = process.env.POLYCHRON_BENCH_SEEDS ? process.env.POLYCHRON_BENCH_SEEDS.split(',').map(Number)
  : SMOKE ? [1] : [1, 2, 3, 4, 5, 6, 7, 8];
const HOURS = SMOKE ? 1 : 5;
const HOUR_MS = SMOKE ? 60_000 : 3_600_000;
const REPEATS = SMOKE ? 1 : 3;
// Every k-th excitatory neuron as mothers (1: all of them, the real benchmark).
const MOTHER_STEP = SMOKE ? 16 : 1;
const MIN_PATH = 6;
const SHUFFLE_SEEDS = [1, 2, 3];  // seed 1 after every hour, all three after the last
const PROGRAM_SECONDS = 500;      // the 2006 program's search of the golden network (golden README)
const GOLDEN = { minPath6: 9982, minPath7: 4305, shuffledMinPath6: 690, shuffledMinPath7: 138 };
const RASTER_MS = 60_000;

if (!(Number.isInteger(THREADS) && THREADS >= 1)) throw new RangeError(`POLYCHRON_BENCH_THREADS must be a positive integer (got ${process.env.POLYCHRON_BENCH_THREADS})`);
if (!NETWORK_SEEDS.every((s) => Number.isInteger(s) && s >= 0)) throw new RangeError(`POLYCHRON_BENCH_SEEDS must list integer seeds (got ${process.env.POLYCHRON_BENCH_SEEDS})`);

const build = path.join(__dirname, '.build');
const goldenDir = path.resolve(__dirname, '..', '..', 'shared', 'golden', 'png');
const mothers = MOTHER_STEP === 1 ? undefined : Array.from({ length: Math.ceil(800 / MOTHER_STEP) }, (_, k) => k * MOTHER_STEP);
const partOfSearch = mothers ? { mothers } : {};

// Checkpoints of the standard hour keep the names earlier runs wrote (and are reused);
// other hour lengths (the smoke run) get names of their own.
const checkpoint = (seed, hour) => path.join(build, HOUR_MS === 3_600_000 ? `spnet-seed${seed}-${hour}h.pcc` : `spnet-seed${seed}-${hour}x${HOUR_MS}ms.pcc`);
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
const longer = (set, minPath) => set.groups.filter((g) => g.longestPath >= minPath).length;
const digest = (set) => crypto.createHash('sha256').update(JSON.stringify(set.groups)).digest('hex');
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
// null where a contrast is infinite (no shuffled group): JSON has no Infinity.
const ratio = (a, b) => (b === 0 ? null : a / b);

/** Mean, min, max and sample standard deviation (n − 1) of finite values; the values themselves. */
function spread(values) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (finite.length === 0) return { values, n: 0 };
  const m = mean(finite);
  const sd = finite.length > 1 ? Math.sqrt(finite.reduce((s, v) => s + (v - m) ** 2, 0) / (finite.length - 1)) : 0;
  return { values, n: finite.length, mean: m, min: Math.min(...finite), max: Math.max(...finite), sd };
}

async function timedSearch(network, options) {
  const started = process.hrtime.bigint();
  const set = await polychron.findPolychronousGroups(network, { minPath: MIN_PATH, ...partOfSearch, ...options });
  return { set, seconds: seconds(started) };
}

/** Section 1: the exact search on the golden trained network, 1 and 2 threads. */
async function goldenTiming() {
  const { network } = polychron.spnetFromFiles(path.join(goldenDir, 'connectivity.csv'), undefined);
  const runs = { 1: [], 2: [] };
  let reference;
  let set;
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const threads of [2, 1]) {
      const run = await timedSearch(network, { threads });
      const hash = digest(run.set);
      reference ??= hash;
      if (hash !== reference) throw new Error(`the search found different groups with ${threads} thread(s) in repeat ${repeat + 1}`);
      runs[threads].push(run.seconds);
      set = run.set;
      console.log(`golden search, ${threads} thread(s): ${run.set.size} groups, ${run.set.stats.replays} replays, ${run.seconds.toFixed(2)} s`);
    }
  }
  network.close();
  const per = (threads) => {
    const time = summarize(runs[threads]);
    return { seconds: time, groupsPerSecond: set.size / time.median, replaysPerSecond: set.stats.replays / time.median };
  };
  const two = per(2);
  const speedup = PROGRAM_SECONDS / two.seconds.median;
  return {
    set,
    result: {
      network: 'connectivity.csv of ../shared/golden/png (the 2006 program trained, seed 0, 18,000 s)',
      partial: mothers !== undefined,
      minPath: MIN_PATH,
      groups: set.size,
      groupsMinPath7: longer(set, 7),
      mothers: set.stats.mothers,
      replays: set.stats.replays,
      golden: { minPath6: GOLDEN.minPath6, minPath7: GOLDEN.minPath7 },
      countsMatchGolden: mothers === undefined ? set.size === GOLDEN.minPath6 && longer(set, 7) === GOLDEN.minPath7 : null,
      identicalForThreads: [1, 2],
      groupsSha256: reference,
      oneThread: per(1),
      twoThreads: two,
      program2006Seconds: PROGRAM_SECONDS,
      speedupTwoThreads: mothers === undefined ? speedup : null,
      target: 'program2006Seconds / twoThreads.seconds.median >= 100',
      met: mothers === undefined ? speedup >= 100 : null,
    },
  };
}

/** Section 2: the program's shuffled copy, counts only. */
async function goldenShuffled() {
  const { network } = polychron.spnetFromFiles(path.join(goldenDir, 'connectivity_shuffled.csv'), undefined);
  const { set, seconds: time } = await timedSearch(network, { threads: THREADS });
  network.close();
  console.log(`golden shuffled network: ${set.size} groups (${longer(set, 7)} with L >= 7), ${time.toFixed(2)} s with ${THREADS} thread(s)`);
  return {
    network: 'connectivity_shuffled.csv (the 2006 program\'s own shuffle of the trained network)',
    partial: mothers !== undefined,
    minPath6: set.size,
    minPath7: longer(set, 7),
    golden: { minPath6: GOLDEN.shuffledMinPath6, minPath7: GOLDEN.shuffledMinPath7 },
    countsMatchGolden: mothers === undefined ? set.size === GOLDEN.shuffledMinPath6 && longer(set, 7) === GOLDEN.shuffledMinPath7 : null,
  };
}

/** Strong excitatory synapses (weight > 9.5) onto excitatory and onto inhibitory neurons. */
function strongSynapses(network) {
  const s = network.synapses();
  const out = { excitatoryToExcitatory: 0, excitatoryToInhibitory: 0 };
  for (let k = 0; k < s.pre.length; k++) {
    if (s.pre[k] < 800 && s.weight[k] > 9.5) out[s.post[k] < 800 ? 'excitatoryToExcitatory' : 'excitatoryToInhibitory']++;
  }
  return out;
}

/** Groups with minPath 6 and 7 of the network (one search) and of weight-shuffled copies. */
async function counts(network, shuffleSeeds) {
  const found = await timedSearch(network, { threads: THREADS });
  const out = {
    minPath6: found.set.size,
    minPath7: longer(found.set, 7),
    replays: found.set.stats.replays,
    searchSeconds: found.seconds,
    shuffled: {},
  };
  for (const shuffleSeed of shuffleSeeds) {
    const { set } = await timedSearch(network, { threads: THREADS, shuffleSeed, shuffle: 'weights' });
    out.shuffled[`seed${shuffleSeed}`] = { minPath6: set.size, minPath7: longer(set, 7) };
  }
  return { set: found.set, counts: out };
}

/** Section 3 for one network seed: trains (or reuses checkpoints) and counts after each hour. */
async function networkSeed(seed) {
  fs.mkdirSync(build, { recursive: true });
  let network;
  const hours = [];
  let last;
  for (let hour = 1; hour <= HOURS; hour++) {
    let trainingSeconds = null;
    if (fs.existsSync(checkpoint(seed, hour))) {
      network?.close();
      network = await polychron.Network.load(checkpoint(seed, hour), { threads: THREADS });
    } else {
      network ??= hour === 1 ? polychron.izhikevich2006({ seed, mode: 'reference', threads: THREADS }).network
        : await polychron.Network.load(checkpoint(seed, hour - 1), { threads: THREADS });
      const started = process.hrtime.bigint();
      await network.run(HOUR_MS, { record: false });
      trainingSeconds = seconds(started);
      await network.save(checkpoint(seed, hour));
    }
    const final = hour === HOURS;
    const { set, counts: c } = await counts(network, final ? SHUFFLE_SEEDS : [1]);
    hours.push({ hour, time: network.time, trainingSeconds, reused: trainingSeconds === null, ...c });
    console.log(`seed ${seed}, hour ${hour}: ${JSON.stringify(hours[hours.length - 1])}`);
    if (final) last = { set, strong: strongSynapses(network) };
  }
  network.close();
  const end = hours[hours.length - 1];
  const shuffledMean = (minPath) => mean(SHUFFLE_SEEDS.map((s) => end.shuffled[`seed${s}`][`minPath${minPath}`]));
  const contrast = {
    shuffleSeeds: SHUFFLE_SEEDS,
    meanShuffledMinPath6: shuffledMean(6),
    meanShuffledMinPath7: shuffledMean(7),
    minPath6: ratio(end.minPath6, shuffledMean(6)),
    minPath7: ratio(end.minPath7, shuffledMean(7)),
  };
  console.log(`seed ${seed}: contrast after hour ${HOURS} ${JSON.stringify(contrast)}`);
  return { set: last.set, result: { hours, strongSynapses: last.strong, contrast } };
}

/** Mean and spread across network seeds, per hour and of the final contrast. */
function acrossSeeds(networks) {
  const seeds = Object.values(networks);
  const perHour = [];
  for (let h = 0; h < HOURS; h++) {
    const at = (pick) => spread(seeds.map((n) => pick(n.hours[h])));
    perHour.push({
      hour: h + 1,
      minPath6: at((x) => x.minPath6),
      minPath7: at((x) => x.minPath7),
      shuffledSeed1MinPath6: at((x) => x.shuffled.seed1.minPath6),
      shuffledSeed1MinPath7: at((x) => x.shuffled.seed1.minPath7),
    });
  }
  return {
    networkSeeds: NETWORK_SEEDS,
    spread: 'mean, min, max and sample standard deviation (n − 1) across network seeds; values in the order of networkSeeds',
    perHour,
    contrast: {
      definition: `for each network seed, after hour ${HOURS} (${(HOURS * HOUR_MS) / 1000} simulated s): G_L / mean over shuffle seeds ` +
        `${SHUFFLE_SEEDS.join(', ')} of S_L, where G_L is the number of groups of the trained network with longest path >= L ` +
        `(one search with minPath 6; L = 6 and 7) and S_L the same count in the copy made by the 2006 program's weight shuffle ` +
        '(findPolychronousGroups shuffleSeed, shuffle: \'weights\'; the same swaps as Network.shuffleExcitatoryWeights); ' +
        'searches with W = 3, strong: weight > 9.5, latency = D = 20 ms, the extended budget; null where the mean is 0',
      minPath6: spread(seeds.map((n) => n.contrast.minPath6)),
      minPath7: spread(seeds.map((n) => n.contrast.minPath7)),
    },
  };
}

/** A 60 s recording (STDP on, as a recording would be) of a network, closed afterwards. */
async function record(network, label) {
  const run = await network.run(RASTER_MS);
  network.close();
  return { label, spikes: run.spikeTimes.length, raster: { neurons: run.spikeNeurons, times: run.spikeTimes } };
}

/** Section 4: each set against a 60 s recording of its own network. */
async function rasterQuery(seed, goldenSet, seedSet) {
  // The golden network with the 2006 program's random thalamic input (seeded here).
  const { network: golden } = polychron.spnetFromFiles(path.join(goldenDir, 'connectivity.csv'), undefined, { seed: 1 });
  golden.addThalamicInput({ perMs: 1, current: 20 });
  const recordings = [
    [`goldenNetwork`, goldenSet, await record(golden, 'the golden trained network, thalamic input seed 1')],
    [`seed${seed}`, seedSet, await record(await polychron.Network.load(checkpoint(seed, HOURS)), `network seed ${seed} after ${HOURS} hour(s)`)],
  ];
  const out = {};
  for (const [name, set, recording] of recordings) {
    const samples = [];
    let activations;
    for (let repeat = 0; repeat < 5; repeat++) {
      const started = process.hrtime.bigint();
      activations = await set.activatedBy(recording.raster, { jitter: 1, minFraction: 0.5 });
      samples.push(seconds(started));
    }
    out[name] = {
      recording: recording.label,
      spikes: recording.spikes,
      groups: set.size,
      activations: activations.length,
      groupsActivated: new Set(activations.map((a) => a.index)).size,
      seconds: summarize(samples),
      target: 'seconds.median <= 1',
      met: summarize(samples).median <= 1,
    };
    console.log(`raster query (${name}): ${set.size} groups, ${recording.spikes} spikes, ${activations.length} activations, ${out[name].seconds.median.toFixed(3)} s`);
  }
  return { ms: RASTER_MS, jitter: 1, minFraction: 0.5, threads: os.availableParallelism(), sets: out };
}

async function main() {
  if (!fs.existsSync(path.join(goldenDir, 'connectivity.csv'))) throw new Error(`${goldenDir} is absent: the golden network is needed`);
  const started = process.hrtime.bigint();
  // The timing first, while nothing else of this script has run.
  const golden = await goldenTiming();
  const shuffled = await goldenShuffled();
  const networks = {};
  let firstSet;
  for (const seed of NETWORK_SEEDS) {
    const { set, result } = await networkSeed(seed);
    networks[`seed${seed}`] = result;
    firstSet ??= set;
  }
  const query = await rasterQuery(NETWORK_SEEDS[0], golden.set, firstSet);
  const file = writeResult(SMOKE ? 'groups-smoke' : 'groups', {
    description: 'polychronous groups with the 2006 group finder\'s search and shuffled control (issue 15): the exact search on the ' +
      '2006 program\'s trained network; the 2006 network trained by polychron in reference mode, network seeds ' + NETWORK_SEEDS.join(', '),
    smoke: SMOKE,
    options: { anchors: 3, strongFraction: 0.95, maxWeight: 10, latency: 20, budget: 'extended', minPath: MIN_PATH, shuffle: 'weights',
      mothers: mothers === undefined ? 'every excitatory neuron' : `every ${MOTHER_STEP}th excitatory neuron (a part of the search)` },
    threads: { goldenTiming: [1, 2], goldenShuffledAndTrainingAndCounting: THREADS },
    paper: { minPath7: 1973, minPath6: 6071, shuffledMinPath7: 211 },
    goldenSearch: golden.result,
    goldenShuffled: shuffled,
    training: { hours: HOURS, msPerHour: HOUR_MS, mode: 'reference', checkpoints: path.relative(path.resolve(__dirname, '..'), build) },
    networks,
    acrossSeeds: acrossSeeds(networks),
    rasterQuery: query,
    wallSeconds: seconds(started),
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
