// Polychronous groups of the 2006 network (spec polychronous-groups.md), for network
// seeds 1–4: trains each for 18,000 simulated seconds with STDP (reference mode),
// counting groups and shuffled-control groups after each hour; the search's wall time
// with 1 and 2 threads on seed 1 (target: <= 10 s with 2); the counts with minPath 7 and
// 6 and the shuffled control (target: >= 5× fewer); the raster query of a 60 s recording
// against every group (target: <= 1 s). The search is the 2006 finder's (its budget
// extended while spikes are in flight); the counts with the fixed budget of 2·D + latency
// (budget: 'fixed', the earlier search) are reported beside them.
// Trained networks are kept in bench/.build/ and reused.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult } = require('./harness');

const HOUR = 3_600_000;
const HOURS = 5;
const NETWORK_SEEDS = [1, 2, 3, 4];
const SHUFFLE_SEEDS = [1, 2, 3];
const FIXED_BUDGET = { budget: 'fixed' };
const build = path.join(__dirname, '.build');

const checkpoint = (seed, hour) => path.join(build, `spnet-seed${seed}-${hour}h.pcc`);
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

/** Groups of the network and of its shuffled copy (shuffle seed 1), with the default options. */
async function hourly(network) {
  const { groups, shuffled } = await polychron.compareWithShuffled(network, { shuffleSeeds: [1] });
  return { time: network.time, groups, shuffled: shuffled[0] };
}

/** Trains (or reuses) the network of `seed`; returns the counts after each hour. */
async function train(seed) {
  fs.mkdirSync(build, { recursive: true });
  const counts = [];
  if (fs.existsSync(checkpoint(seed, HOURS))) {
    console.log(`seed ${seed}: reusing ${path.relative(process.cwd(), checkpoint(seed, HOURS))} and the hourly checkpoints`);
    for (let hour = 1; hour <= HOURS; hour++) {
      const network = await polychron.Network.load(checkpoint(seed, hour));
      counts.push(await hourly(network));
      network.close();
    }
    return { counts, trainingSeconds: null };
  }
  const { network } = polychron.izhikevich2006({ seed, mode: 'reference' });
  let trainingSeconds = 0;
  for (let hour = 1; hour <= HOURS; hour++) {
    const started = process.hrtime.bigint();
    await network.run(HOUR, { record: false });
    trainingSeconds += seconds(started);
    await network.save(checkpoint(seed, hour));
    counts.push(await hourly(network));
    console.log(`seed ${seed}, hour ${hour}: ${JSON.stringify(counts[hour - 1])}`);
  }
  network.close();
  return { counts, trainingSeconds };
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

async function timedSearch(network, options) {
  const started = process.hrtime.bigint();
  const set = await polychron.findPolychronousGroups(network, options);
  return { set, seconds: seconds(started) };
}

async function counts(network, budget) {
  const minPath7 = (await polychron.findPolychronousGroups(network, { ...budget })).size;
  const minPath6 = (await polychron.findPolychronousGroups(network, { ...budget, minPath: 6 })).size;
  const shuffled = [];
  for (const shuffleSeed of SHUFFLE_SEEDS) {
    shuffled.push((await polychron.findPolychronousGroups(network, { ...budget, shuffleSeed })).size);
  }
  const meanShuffled = shuffled.reduce((a, b) => a + b, 0) / shuffled.length;
  return { minPath7, minPath6, shuffled: { seeds: SHUFFLE_SEEDS, counts: shuffled, mean: meanShuffled }, contrast: minPath7 / meanShuffled };
}

async function rasterQuery(network, sets) {
  // A 60 s recording of the trained network, STDP still on, as the query's raster.
  const copy = await polychron.Network.load(checkpoint(NETWORK_SEEDS[0], HOURS));
  const run = await copy.run(60_000);
  copy.close();
  const raster = { neurons: run.spikeNeurons, times: run.spikeTimes };
  const out = {};
  for (const [name, set] of Object.entries(sets)) {
    const samples = [];
    let activations;
    for (let repeat = 0; repeat < 5; repeat++) {
      const started = process.hrtime.bigint();
      activations = await set.activatedBy(raster, { jitter: 1, minFraction: 0.5 });
      samples.push(seconds(started));
    }
    out[name] = {
      groups: set.size,
      activations: activations.length,
      groupsActivated: new Set(activations.map((a) => a.index)).size,
      seconds: summarize(samples),
    };
    console.log(`raster query (${name}): ${set.size} groups, ${activations.length} activations, ${out[name].seconds.median.toFixed(3)} s`);
  }
  return { spikes: run.spikeTimes.length, seconds: 60, jitter: 1, minFraction: 0.5, threads: require('node:os').availableParallelism(), sets: out };
}

async function main() {
  // Search time first, on a quiet machine: 1 and 2 threads, the same groups.
  const timingTraining = await train(NETWORK_SEEDS[0]);
  const trained = await polychron.Network.load(checkpoint(NETWORK_SEEDS[0], HOURS));
  const oneThread = [];
  const twoThreads = [];
  let reference;
  for (let repeat = 0; repeat < 3; repeat++) {
    const two = await timedSearch(trained, { threads: 2 });
    const one = await timedSearch(trained, { threads: 1 });
    reference ??= JSON.stringify(one.set.groups);
    if (JSON.stringify(one.set.groups) !== reference || JSON.stringify(two.set.groups) !== reference) {
      throw new Error('the search found different groups with 1 and 2 threads');
    }
    oneThread.push(one.seconds);
    twoThreads.push(two.seconds);
    console.log(`search: ${one.set.size} groups, ${one.seconds.toFixed(2)} s with 1 thread, ${two.seconds.toFixed(2)} s with 2`);
  }
  const search = { oneThread: summarize(oneThread), twoThreads: summarize(twoThreads) };
  const results = {};
  for (const seed of NETWORK_SEEDS) {
    const training = seed === NETWORK_SEEDS[0] ? timingTraining : await train(seed);
    const network = await polychron.Network.load(checkpoint(seed, HOURS));
    const finder = await counts(network, {});
    const fixed = await counts(network, FIXED_BUDGET);
    results[`seed${seed}`] = {
      overTraining: training.counts,
      trainingSeconds: training.trainingSeconds,
      strongSynapses: strongSynapses(network),
      finder2006: finder,
      fixedBudget: fixed,
    };
    network.close();
    console.log(`seed ${seed}: over training ${JSON.stringify(training.counts)}`);
    console.log(`seed ${seed}: the 2006 finder ${JSON.stringify(finder)}`);
    console.log(`seed ${seed}: fixed budget ${JSON.stringify(fixed)}`);
  }
  const query = await rasterQuery(trained, {
    finder2006: (await polychron.findPolychronousGroups(trained)),
    fixedBudget: (await polychron.findPolychronousGroups(trained, FIXED_BUDGET)),
  });
  trained.close();
  const contrasts = Object.values(results).map((r) => r.finder2006.contrast);
  const file = writeResult('groups', {
    description: 'polychronous groups of the 2006 network (N = 1000) trained 18,000 s with STDP in reference mode, network seeds ' + NETWORK_SEEDS.join(', '),
    paper: { minPath7: 1973, minPath6: 6071, shuffled: 211 },
    options: { anchors: 3, strongFraction: 0.95, maxWeight: 10, latency: 20, fixedBudget: FIXED_BUDGET },
    search: { ...search, target: 'twoThreads.median <= 10 s', met: search.twoThreads.median <= 10 },
    contrast: { target: 'groups / mean(shuffled) >= 5 (the 2006 finder)', bySeed: contrasts, metBySeed: contrasts.map((c) => c >= 5) },
    networks: results,
    rasterQuery: { ...query, target: 'sets.finder2006.seconds.median <= 1 s', met: query.sets.finder2006.seconds.median <= 1 },
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
