// Lifetime faults of async work (issue 24): concurrent saves, environments that end while
// native work runs (worker.terminate(), process.exit(), uncaught errors), callbacks that
// throw or reject, the busy state of chunked runs, external memory and idle threads.
// Whatever could crash the process runs in a child process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IzhikevichPopulation, LutLanguageModel, LutLayer, Network, findPolychronousGroups, izhikevich2006 } from '../lib';
import { child } from './helpers/child';
import { caught, expectError, rejected } from './helpers/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-lifetime-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));


const smallLm = { context: 8, embedding: 8, layers: 1, heads: 1, tables: 2, comparisons: 3, warmup: 50 };
const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(200));

describe('saves to one path at once', () => {
  test('two networks saving to one path leave one complete checkpoint (6 of 6 tries)', async () => {
    const a = izhikevich2006({ seed: 1 }).network;
    const b = izhikevich2006({ seed: 2 }).network;
    await Promise.all([a.run(100), b.run(150)]);
    const file = path.join(dir, 'shared.pcc');
    for (let attempt = 0; attempt < 6; attempt++) {
      await a.save(file);
      const outcomes = await Promise.allSettled([a.save(file), b.save(file)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      const loaded = await Network.load(file);
      expect([100, 150]).toContain(loaded.time);
      loaded.close();
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    a.close();
    b.close();
  });

  test('two language models saving to one path leave one complete checkpoint (6 of 6 tries)', async () => {
    const a = new LutLanguageModel({ ...smallLm, seed: 1 });
    const b = new LutLanguageModel({ ...smallLm, seed: 2 });
    await a.train(text, { steps: 20 });
    await b.train(text, { steps: 30 });
    const file = path.join(dir, 'shared.safetensors');
    for (let attempt = 0; attempt < 6; attempt++) {
      await a.save(file);
      const outcomes = await Promise.allSettled([a.save(file), b.save(file)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      const loaded = await LutLanguageModel.load(file);
      expect([20, 30]).toContain(loaded.step);
      loaded.close();
    }
    a.close();
    b.close();
  });

  test('two group sets saving to one path leave one complete file', async () => {
    const network = izhikevich2006({ seed: 3 }).network;
    const groups = await findPolychronousGroups(network, { minPath: 1, threads: 1 });
    const file = path.join(dir, 'groups.json');
    await Promise.all([groups.save(file), groups.save(file), groups.save(file)]);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(groups.toJSON())));
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('temporaries of killed writers', () => {
  // A pid above Linux's largest (2^22) names a writer that is certainly gone; this
  // process's own pid names one that lives (its file is kept: it may be being written).
  const deadPid = 2 ** 22 + 7;
  const plant = (file: string, pid: number): string => {
    const name = `${file}.tmp-${pid}-3`;
    fs.writeFileSync(name, 'half a checkpoint');
    return name;
  };

  test('a network save removes the temporaries a killed writer left beside its file, and only those', async () => {
    const file = path.join(dir, 'stale.pcc');
    const stale = plant(file, deadPid);
    const living = plant(file, process.pid);
    const unrelated = plant(path.join(dir, 'other.pcc'), deadPid);
    const network = izhikevich2006({ seed: 1, neurons: 200, synapsesPerNeuron: 20 }).network;
    await network.save(file);
    network.close();
    expect([fs.existsSync(stale), fs.existsSync(living), fs.existsSync(unrelated)]).toEqual([false, true, true]);
    for (const name of [living, unrelated]) fs.rmSync(name);
  });

  test('a group set save (written by JavaScript) does the same', async () => {
    const file = path.join(dir, 'stale-groups.json');
    const stale = plant(file, deadPid);
    const living = plant(file, process.pid);
    const network = izhikevich2006({ seed: 3, neurons: 200, synapsesPerNeuron: 20 }).network;
    const groups = await findPolychronousGroups(network, { minPath: 1, threads: 1 });
    network.close();
    await groups.save(file);
    expect([fs.existsSync(stale), fs.existsSync(living)]).toEqual([false, true]);
    fs.rmSync(living);
  });
});

describe('the environment ends while native work runs', () => {
  // Each case starts long work in a worker thread, terminates the worker 1.5 s later and
  // reports how long terminate() took; the process must live on and exit normally.
  const workCases: Record<string, string> = {
    'Network.run': `require('.').izhikevich2006({ seed: 1 }).network.run(2e6)`,
    'IzhikevichPopulation.run': `new (require('.').IzhikevichPopulation)({ size: 20000 }).run(1e9, { current: 5, record: false })`,
    'LutLanguageModel.train': `new (require('.').LutLanguageModel)(${JSON.stringify(smallLm)}).train(Buffer.from('abcdefgh'.repeat(500)), { steps: 1e9 })`,
    'LutLanguageModel.generate': `new (require('.').LutLanguageModel)(${JSON.stringify(smallLm)}).generate('a', { length: 1 << 24 })`,
    // maxWeight 6: every excitatory synapse of the untrained network counts as strong, so
    // the search has C(80, 3) anchor triplets for each of 800 mothers (minutes of work).
    findPolychronousGroups: `(async () => { const p = require('.'); const n = p.izhikevich2006({ seed: 1 }).network; await p.findPolychronousGroups(n, { maxWeight: 6, threads: 1 }); })()`,
  };
  test.each(Object.keys(workCases))('worker.terminate() during %s returns within 2 s and the process lives', (name) => {
    const r = child(`
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(workCases[name])}, { eval: true });
      w.on('error', (e) => { console.error('worker error', e); process.exitCode = 3; });
      setTimeout(async () => {
        const started = Date.now();
        await w.terminate();
        console.log(JSON.stringify({ terminateMs: Date.now() - started }));
      }, 1500);
    `);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).terminateMs).toBeLessThan(2000);
  });

  test('worker.terminate() at 30 random moments of short async calls in a loop: the process lives', () => {
    // Short works complete all the time, so terminate() lands between a work's end and its
    // promise being settled, or in a progress callback: N-API calls fail there, and an
    // error that escaped the addon used to abort the process ('terminate called after
    // throwing an instance of Napi::Error').
    const body = `
      const p = require('.');
      const network = p.izhikevich2006({ seed: 1, neurons: 300, synapsesPerNeuron: 30 }).network;
      const lm = new p.LutLanguageModel(${JSON.stringify(smallLm)});
      const text = Buffer.from('abcdefgh'.repeat(500));
      (async () => {
        for (let i = 0; ; i++) {
          await network.run(20 + (i % 5) * 10, { record: true, onProgress: () => {} });
          await p.findPolychronousGroups(network, { minPath: 1, threads: 1 });
          await lm.train(text, { steps: 3, every: 0, onProgress: () => {} });
        }
      })();`;
    const r = child(`
      const { Worker } = require('node:worker_threads');
      let seed = 7;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      (async () => {
        for (let k = 0; k < 30; k++) {
          const w = new Worker(${JSON.stringify(body)}, { eval: true });
          w.on('error', (e) => { console.error('worker error', e); process.exitCode = 3; });
          await new Promise((resolve) => setTimeout(resolve, 150 + random() * 200));
          await w.terminate();
        }
        console.log('lived');
      })();
    `);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('lived');
    expect(r.status).toBe(0);
  });

  test('process.exit() inside a worker during a run ends the worker, and the process lives', () => {
    const r = child(`
      const { Worker } = require('node:worker_threads');
      const w = new Worker("require('.').izhikevich2006({ seed: 1 }).network.run(2e6); setTimeout(() => process.exit(5), 300)", { eval: true });
      const started = Date.now();
      w.on('exit', (code) => console.log(JSON.stringify({ code, ms: Date.now() - started })));
    `);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.code).toBe(5);
    expect(report.ms).toBeLessThan(3000);
  });

  const exits: Record<string, { trigger: string; status: number }> = {
    'process.exit(0)': { trigger: 'process.exit(0)', status: 0 },
    'an uncaught exception': { trigger: "throw new Error('boom')", status: 1 },
    'an unhandled rejection': { trigger: "Promise.reject(new Error('boom'))", status: 1 },
  };
  test.each(Object.keys(exits))('%s 200 ms into a long run() ends the process within 3 s', (name) => {
    const r = child(`
      const network = require('.').izhikevich2006({ seed: 1 }).network;
      network.run(4e6).catch(() => {});
      setTimeout(() => { ${exits[name].trigger}; }, 200);
    `);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(exits[name].status);
    expect(r.ms).toBeLessThan(3000);
  });
});

describe('progress callbacks', () => {
  test('a group search whose onProgress throws rejects with that error', async () => {
    // maxWeight 6: every excitatory synapse of the untrained network is strong, so each
    // of the 79 mothers is searched and reported.
    const network = izhikevich2006({ seed: 4, neurons: 100, synapsesPerNeuron: 10 }).network;
    let calls = 0;
    const error = await rejected(() =>
      findPolychronousGroups(network, {
        maxWeight: 6,
        minPath: 1,
        threads: 1,
        onProgress: (done) => {
          calls++;
          if (done >= 3) throw new Error('stop here');
        },
      }),
    );
    expectError(error, 'Error', /^stop here$/);
    expect(calls).toBe(3);
    expect(network.busy).toBe(false);
    // The network is usable again, and a search without a callback completes.
    await findPolychronousGroups(network, { maxWeight: 6, minPath: 1, threads: 1 });
  });

  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => process.off('unhandledRejection', onUnhandled));

  test('an async onProgress that rejects stops the run and rejects it, with no unhandled rejection', async () => {
    const network = izhikevich2006({ seed: 5 }).network;
    let calls = 0;
    const error = await rejected(() =>
      network.run(200_000, {
        record: false,
        onProgress: async () => {
          calls++;
          await new Promise((resolve) => setTimeout(resolve, 1));
          throw new Error('async failure');
        },
      }),
    );
    expectError(error, 'Error', /^async failure$/);
    expect(network.time).toBeLessThan(200_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    expect(calls).toBeGreaterThan(0);
    expect(network.busy).toBe(false);
  });

  test('an async onProgress that rejects stops training; the promises it returns are awaited', async () => {
    const model = new LutLanguageModel(smallLm);
    let settled = 0;
    const error = await rejected(() =>
      model.train(text, {
        steps: 1e9,
        onProgress: async (p) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          settled++;
          if (p.step > 50) throw new Error('enough');
        },
      }),
    );
    expectError(error, 'Error', /^enough$/);
    const settledAtRejection = settled;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(settledAtRejection);
    expect(unhandled).toEqual([]);
    model.close();
  });
});

describe('busy for the whole call', () => {
  test('inside onSpikes of a chunked run the network is busy: save, run, search and close are refused', async () => {
    const network = izhikevich2006({ seed: 6 }).network;
    const refusals: Promise<Error>[] = [];
    const busy: boolean[] = [];
    const result = await network.run(3000, {
      chunkMs: 1000,
      onSpikes: () => {
        busy.push(network.busy);
        refusals.push(Promise.resolve(caught(() => network.close())));
        refusals.push(rejected(() => network.save(path.join(dir, 'inside.pcc'))));
        refusals.push(rejected(() => network.run(10)));
        refusals.push(rejected(() => findPolychronousGroups(network)));
      },
    });
    expect(result.ms).toBe(3000);
    expect(network.time).toBe(3000);
    expect(busy).toEqual([true, true, true]);
    const errors = await Promise.all(refusals);
    expect(errors).toHaveLength(12);
    for (const error of errors) expectError(error, 'Error', /a run\(\) is in progress/);
    expect(network.busy).toBe(false);
    expect(fs.existsSync(path.join(dir, 'inside.pcc'))).toBe(false);
    await network.save(path.join(dir, 'after.pcc'));
  });

  test('busy errors name the operation in progress', async () => {
    const network = izhikevich2006({ seed: 7 }).network;
    const saving = network.save(path.join(dir, 'busy.pcc'));
    expectError(await rejected(() => network.run(10)), 'Error', /^Network\.run\(\): a save\(\) is in progress/);
    await saving;
    const searching = findPolychronousGroups(network, { minPath: 1, threads: 1 });
    expectError(caught(() => network.close()), 'Error', /^Network\.close\(\): a findPolychronousGroups\(\) is in progress/);
    await searching;

    const model = new LutLanguageModel(smallLm);
    const generating = model.generate('a', { length: 2000 });
    expect(model.busy).toBe(true);
    expectError(await rejected(() => model.save(path.join(dir, 'busy.safetensors'))), 'Error', /a generate\(\) is in progress/);
    await generating;
    expect(model.busy).toBe(false);
    expect(model.closed).toBe(false);
    model.close();
    expect(model.closed).toBe(true);
    expectError(caught(() => model.step), 'Error', /closed/);
  });

  test('a LUT layer reports busy and closed', () => {
    const layer = new LutLayer({ inputs: 8, outputs: 4, tables: 2, comparisons: 3 });
    expect(layer.busy).toBe(false);
    expect(layer.closed).toBe(false);
    layer.close();
    expect(layer.closed).toBe(true);
  });

  test('generate() stops when its signal aborts', async () => {
    const model = new LutLanguageModel(smallLm);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await rejected(() => model.generate('a', { length: 1 << 24, signal: controller.signal }));
    expect(error.name).toBe('AbortError');
    expect(model.busy).toBe(false);
    model.close();
  });
});

describe('native memory and threads', () => {
  test('process.memoryUsage().external grows by at least the synapse memory of 20 networks held at once', () => {
    // In a fresh process, so that no garbage of earlier tests is collected meanwhile.
    const r = child(`
      const p = require('.');
      const before = process.memoryUsage().external;
      const networks = Array.from({ length: 20 }, (_, k) => p.izhikevich2006({ seed: k + 1 }).network);
      const unbuilt = process.memoryUsage().external - before;
      let synapseBytes = 0;
      for (const network of networks) {
        network.native.build();
        synapseBytes += network.stats().synapseBytes;
      }
      const built = process.memoryUsage().external - before;
      const listedBefore = process.memoryUsage().external;
      const listing = Array.from({ length: 5 }, () => {
        const network = new p.Network();
        const a = network.addPopulation({ size: 1000 });
        const pre = Uint32Array.from({ length: 100000 }, (_, i) => i % 1000);
        const post = Uint32Array.from({ length: 100000 }, (_, i) => (i * 7) % 1000);
        network.connect(a, a, { rule: { kind: 'explicit', pre, post }, weight: 1 });
        return network;
      });
      const listed = process.memoryUsage().external - listedBefore;
      console.log(JSON.stringify({ unbuilt, built, synapseBytes, listed }));
    `);
    expect(r.status).toBe(0);
    const { unbuilt, built, synapseBytes, listed } = JSON.parse(r.stdout);
    expect(synapseBytes).toBeGreaterThan(20 * 100_000 * 8);
    // Rules are drawn when a network is built: before, nothing is held per synapse.
    expect(unbuilt).toBeLessThan(20 * 100_000);
    expect(built).toBeGreaterThanOrEqual(synapseBytes);
    // Explicit synapses are held as lists until then (15 bytes a synapse).
    expect(listed).toBeGreaterThanOrEqual(5 * 100_000 * 15);
  });

  test('dropped models are collected: 30 create/train/drop cycles of 75 MB models stay under 1 GB', () => {
    const r = child(`
      const p = require('.');
      (async () => {
        let peak = 0, mapped = 0;
        const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(2000));
        for (let k = 0; k < 30; k++) {
          const model = new p.LutLanguageModel({ seed: k, layers: 1, threads: 2 });
          await model.train(text, { steps: 3, validationSnippets: 10 });
          mapped = model.memory().mappedBytes;
          peak = Math.max(peak, process.memoryUsage().rss);
        }
        console.log(JSON.stringify({ peak, mapped }));
      })();
    `);
    expect(r.status).toBe(0);
    const { peak, mapped } = JSON.parse(r.stdout);
    // Held all at once they would need 30 × mapped (about 2.2 GB).
    expect(mapped).toBeGreaterThan(50e6);
    expect(peak).toBeLessThan(Math.min(1e9, 12 * mapped));
  });

  test('idle pool threads end, and a later run starts them again with the same results', async () => {
    const threads = () => Number(/Threads:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const one = izhikevich2006({ seed: 8, threads: 1 }).network;
    const two = izhikevich2006({ seed: 8, threads: 2, threadPolicy: 'all' }).network;
    const idle = threads();
    const first = await two.run(300);
    expect(threads()).toBe(idle + 1);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect(threads()).toBe(idle);
    const second = await two.run(300);
    const reference = [await one.run(300), await one.run(300)];
    expect(Array.from(first.spikeNeurons)).toEqual(Array.from(reference[0].spikeNeurons));
    expect(Array.from(second.spikeNeurons)).toEqual(Array.from(reference[1].spikeNeurons));
    one.close();
    two.close();
  }, 20_000);
});

test('a new IzhikevichPopulation run while busy names the run', async () => {
  const population = new IzhikevichPopulation({ size: 100 });
  const running = population.run(20_000);
  expectError(await rejected(() => population.run(1)), 'Error', /^IzhikevichPopulation\.run\(\): a run\(\) is in progress/);
  await running;
  population.close();
});
