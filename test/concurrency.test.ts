// Concurrency and lifetime under load: objects whose only reference is dropped while their
// work is in flight, and many objects working at once on many threads (worker threads and
// the native pool), each giving what it gives alone. Busy refusals, close() during a run
// and abort-then-continue are in network-run, lut-lm, lut-classifier, groups and lifetime.
import { child } from './helpers/child';


// Small work of every async kind, each returning a fingerprint of its result.
const works = `
  const p = require('.');
  const smallLm = { context: 8, embedding: 8, layers: 1, heads: 1, tables: 2, comparisons: 3, warmup: 50, seed: 5 };
  const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(200));
  const works = {
    run: async (seed) => {
      const r = await p.izhikevich2006({ seed, neurons: 400, synapsesPerNeuron: 40 }).network.run(300, { onProgress: () => {} });
      return Array.from(r.spikeNeurons).join(',');
    },
    groups: async (seed) => {
      const network = p.izhikevich2006({ seed, neurons: 400, synapsesPerNeuron: 40 }).network;
      const groups = await p.findPolychronousGroups(network, { minPath: 1, threads: 1 });
      return JSON.stringify(groups.toJSON());
    },
    train: async (seed) => {
      const result = await new p.LutLanguageModel({ ...smallLm, seed }).train(text, { steps: 40, every: 0 });
      return Array.from(result.losses).join(',');
    },
    populationRun: async (seed) => {
      const population = new p.IzhikevichPopulation({ size: 500 });
      const r = await population.run(200, { current: 4 + seed, record: true });
      return Array.from(r.spikeNeurons).join(',');
    },
  };
`;

describe('an object dropped while its work is in flight', () => {
  test('garbage collection during the work never frees it early: every kind completes with its alone result', () => {
    // Each work is started on an object nobody else references, then the collector runs
    // again and again until the promise settles; the result must equal a run kept alive.
    const r = child(`${works}
      (async () => {
        const report = {};
        for (const [name, work] of Object.entries(works)) {
          const alone = await work(3);
          let settled = false;
          const promise = work(3).finally(() => { settled = true; });
          let collections = 0;
          while (!settled) {
            global.gc();
            collections++;
            await new Promise((resolve) => setImmediate(resolve));
          }
          report[name] = { same: (await promise) === alone, collections };
        }
        console.log(JSON.stringify(report));
      })();
    `, { flags: ['--expose-gc'], timeoutMs: 120_000 });
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, { same: boolean; collections: number }>;
    expect(Object.keys(report)).toEqual(['run', 'groups', 'train', 'populationRun']);
    for (const [name, { same, collections }] of Object.entries(report)) {
      expect({ name, same }).toEqual({ name, same: true });
      expect(collections).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('many objects on many threads at once', () => {
  test('4 worker threads, each with every kind of work in flight at once, give what each gives alone', () => {
    const r = child(`
      const { Worker } = require('node:worker_threads');
      ${works}
      const body = ${JSON.stringify(`${works}
        const { parentPort, workerData } = require('node:worker_threads');
        Promise.all(Object.values(works).map((work) => work(workerData.seed)))
          .then((results) => parentPort.postMessage(results));
      `)};
      (async () => {
        const seeds = [1, 2, 3, 4];
        const together = await Promise.all(seeds.map((seed) => new Promise((resolve, reject) => {
          const worker = new Worker(body, { eval: true, workerData: { seed } });
          worker.once('message', resolve);
          worker.once('error', reject);
        })));
        const alone = [];
        for (const seed of seeds) {
          const results = [];
          for (const work of Object.values(works)) results.push(await work(seed));
          alone.push(results);
        }
        console.log(JSON.stringify({
          same: together.map((results, k) => results.map((result, w) => result === alone[k][w])),
          distinct: new Set(alone.map((results) => results[0])).size,
        }));
      })();
    `, { timeoutMs: 120_000 });
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.same).toEqual([[true, true, true, true], [true, true, true, true], [true, true, true, true], [true, true, true, true]]);
    expect(report.distinct).toBe(4);
  });

  test('16 networks and models running at once on one thread pool each equal their run alone', async () => {
    const r = child(`${works}
      (async () => {
        const jobs = [];
        for (let seed = 1; seed <= 4; seed++) for (const work of Object.values(works)) jobs.push(() => work(seed));
        const together = await Promise.all(jobs.map((job) => job()));
        const alone = [];
        for (const job of jobs) alone.push(await job());
        console.log(JSON.stringify(together.map((result, k) => result === alone[k])));
      })();
    `, { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(new Array(16).fill(true));
  });
});
