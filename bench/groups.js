// Polychronous groups of the 2006 network (spec polychronous-groups.md): trains it for
// 18,000 simulated seconds with STDP (reference mode), counting groups after each hour;
// then the search's wall time with 1 and 2 threads (target: <= 10 s with 2), the counts
// with minPath 7 and 6, the shuffled control, and the raster query of a 60 s recording
// against every group (target: <= 1 s). The same counts with the replay budget of the
// 2006 C program (a replay goes on while spikes are in flight) are reported beside them.
// Trained networks are kept in bench/.build/ and reused.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult } = require('./harness');

const HOUR = 3_600_000;
const HOURS = 5;
const NETWORK_SEEDS = [1, 2];
const SHUFFLE_SEEDS = [1, 2, 3, 4, 5];
const C_PROGRAM_BUDGET = { window: 1000 };
const build = path.join(__dirname, '.build');

const checkpoint = (seed, hour) => path.join(build, `spnet-seed${seed}-${hour}h.pcc`);
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

/** Trains (or reuses) the network of `seed`; returns the groups counted after each hour. */
async function train(seed) {
  fs.mkdirSync(build, { recursive: true });
  if (fs.existsSync(checkpoint(seed, HOURS))) {
    console.log(`seed ${seed}: reusing ${path.relative(process.cwd(), checkpoint(seed, HOURS))} and the hourly checkpoints`);
    const counts = [];
    for (let hour = 1; hour <= HOURS; hour++) {
      const network = await polychron.Network.load(checkpoint(seed, hour));
      counts.push({ time: network.time, groups: (await polychron.findPolychronousGroups(network)).size });
      network.close();
    }
    return { counts, trainingSeconds: null };
  }
  const { network } = polychron.izhikevich2006({ seed, mode: 'reference' });
  const counts = [];
  let trainingSeconds = 0;
  for (let hour = 1; hour <= HOURS; hour++) {
    const started = process.hrtime.bigint();
    await network.run(HOUR, { record: false });
    trainingSeconds += seconds(started);
    // countGroupsOverTraining does the same run-then-search; the loop also saves each hour.
    counts.push(...(await polychron.countGroupsOverTraining(network, { at: [network.time] })));
    await network.save(checkpoint(seed, hour));
    console.log(`seed ${seed}, hour ${hour}: ${counts[hour - 1].groups} groups (minPath 7)`);
  }
  network.close();
  return { counts, trainingSeconds };
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
  const networks = {};
  for (const seed of NETWORK_SEEDS) {
    const training = await train(seed);
    const network = await polychron.Network.load(checkpoint(seed, HOURS));
    networks[seed] = { training, network };
  }
  const main = networks[NETWORK_SEEDS[0]].network;
  // Search time, 1 and 2 threads, same groups.
  const oneThread = [];
  const twoThreads = [];
  let reference;
  for (let repeat = 0; repeat < 3; repeat++) {
    const two = await timedSearch(main, { threads: 2 });
    const one = await timedSearch(main, { threads: 1 });
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
  for (const [seed, { training, network }] of Object.entries(networks)) {
    const spec = await counts(network, {});
    const cProgram = await counts(network, C_PROGRAM_BUDGET);
    results[`seed${seed}`] = { overTraining: training.counts, trainingSeconds: training.trainingSeconds, spec, cProgramBudget: cProgram };
    console.log(`seed ${seed}: spec budget ${JSON.stringify(spec)}`);
    console.log(`seed ${seed}: 2006 C program budget ${JSON.stringify(cProgram)}`);
  }
  const query = await rasterQuery(main, {
    spec: (await polychron.findPolychronousGroups(main)),
    cProgramBudget: (await polychron.findPolychronousGroups(main, C_PROGRAM_BUDGET)),
  });
  for (const { network } of Object.values(networks)) network.close();
  const file = writeResult('groups', {
    description: 'polychronous groups of the 2006 network (N = 1000) trained 18,000 s with STDP in reference mode',
    paper: { minPath7: 1973, minPath6: 6071, shuffled: 211 },
    options: { anchors: 3, strongFraction: 0.95, maxWeight: 10, latency: 20, specWindow: 60, cProgramBudget: C_PROGRAM_BUDGET },
    search: { ...search, target: 'twoThreads.median <= 10 s', met: search.twoThreads.median <= 10 },
    networks: results,
    rasterQuery: { ...query, target: 'sets.spec.seconds.median <= 1 s', met: query.sets.spec.seconds.median <= 1 },
  });
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
