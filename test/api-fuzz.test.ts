/**
 * Property-based fuzzing of the whole public API (issue 19): test/fuzz/run.js runs one
 * child process per model (test/fuzz/models/: every class and function family of
 * lib/index.ts) with random valid and invalid arguments, so that a crash is reported as a
 * crash, with its seed and call. Every call must either succeed or throw a TypeError or
 * RangeError naming its parameter (or a documented Error), and a call that throws must
 * leave the object unchanged (test/fuzz/engine.js).
 *
 * Calls per suite: 32,000 (shared by the models by the WEIGHTS of run.js), 6,000 under
 * AddressSanitizer (npm run test:asan), or POLYCHRON_FUZZ_CALLS. The seed is fixed
 * per SIMD level so that CI is reproducible (POLYCHRON_FUZZ_SEED overrides it); the
 * nightly run (`npm run fuzz:api`) draws a new one each time. Replaying a failure:
 * docs/development.md, "Fuzzing the API".
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const asan = /asan/.test(process.env.LD_PRELOAD ?? '') || /asan/.test(process.env.POLYCHRON_ADDON ?? '');
const calls = Number(process.env.POLYCHRON_FUZZ_CALLS ?? (asan ? 6000 : 32000));
const level = process.env.POLYCHRON_SIMD ?? 'best';
const seed = Number(process.env.POLYCHRON_FUZZ_SEED ?? 1900 + [...level].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 7));
// Models as run.js lists them (its WEIGHTS); each gets a share of the calls.
const models = ['population', 'network', 'lutLayer', 'classifier', 'lm', 'groups', 'formats', 'dense', 'misc', 'spikingLut'];

interface ModelResult { model: string; seed: number; ok: boolean; calls?: number; seconds?: number; failure?: string }
interface Summary { ok: boolean; calls: number; seconds: number; callsPerSecond: number; results: ModelResult[] }

let summary: Summary;

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) throw new Error('the fuzzer runs the compiled library: run `npx tsc -p tsconfig.json` first');
  summary = await new Promise<Summary>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'test', 'fuzz', 'run.js'), '--calls', String(calls), '--seed', String(seed),
      '--jobs', '2', '--json', '--timeout', asan ? '400' : '150'], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Summary);
      } catch {
        reject(new Error(`the fuzzer ended with status ${code} and no summary:\n${stderr.slice(-4000)}`));
      }
    });
  });
  // The count, for the CI log (issue 19 asks for >= 1e5 calls over the CI suites).
  console.log(`api fuzz: ${summary.calls} calls in ${summary.seconds.toFixed(1)} s (seed ${seed}, ${level}${asan ? ', ASan' : ''})`);
}, asan ? 900_000 : 300_000);

test.each(models)('%s: no crash, hang, unchecked error or change by a refused call', (model) => {
  const result = summary.results.find((r) => r.model === model);
  expect(result).toBeDefined();
  // The failure text holds the seed, the replay command and the calls of the counterexample.
  expect(result!.failure ?? '').toBe('');
  expect(result!.ok).toBe(true);
  expect(result!.calls).toBeGreaterThanOrEqual(Math.floor((calls / 30) * 0.9));
});

test('the run made the calls asked for', () => {
  expect(summary.calls).toBeGreaterThanOrEqual(calls);
});

// Findings of the fuzzer, pinned (each crashed or threw an unchecked engine error before).
describe('fuzzer findings stay fixed', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('../lib') as typeof import('../lib');
  const thrown = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a throw');
  };

  test('a LUT layer reserving over 4 GiB (memoryLimit raised) is accounted without aborting the process', () => {
    const layer = new api.LutLayer({ inputs: 4, outputs: 1 << 20, tables: 256, comparisons: 3, memoryLimit: 2 ** 40 });
    expect(layer.memory().tableBytes).toBe(2 ** 33);
    expect(process.memoryUsage().external).toBeGreaterThanOrEqual(2 ** 33);
    layer.close();
  });

  test.each([
    ['a preset named by an inherited key', () => new api.IzhikevichPopulation({ size: 1, preset: 'toString' as never }), 'TypeError', /preset must be one of/],
    ['a symbol as maxSpikes', () => new api.SpikeMonitor({ maxSpikes: Symbol('x') as never }), 'TypeError', /maxSpikes must be a number/],
    ['null options', () => new api.IzhikevichPopulation({ size: 1 }).run(1, null as never), 'TypeError', /options must be an object/],
    ['a detached buffer to decode', () => {
      const bytes = new Uint8Array(8);
      structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
      return api.decodeNpy(bytes, 'a.npy');
    }, 'TypeError', /bytes is a Uint8Array whose buffer is detached/],
    ['anchors of one pair', () => new api.LutLayer({ inputs: 5, outputs: 1, tables: 1, comparisons: 2 }).setAnchors([0, 1], [0, 2]), 'RangeError', /a\[0\] and b\[0\] must be two distinct integers in \[0, 4\] \(got 0 and 0\)/],
    ['a stepped current without steps', () => {
      const network = new api.Network();
      return network.addSteppedCurrent(network.addPopulation({ size: 1 }), { times: [], amplitudes: [] });
    }, 'RangeError', /times and amplitudes must hold one value per step, at least one \(got 0 and 0\)/],
  ])('%s', async (_name, fn, name, message) => {
    let error: Error | undefined;
    try {
      await fn();
    } catch (e) {
      error = e as Error;
    }
    expect({ name: error?.name, message: error?.message }).toEqual({ name, message: expect.stringMatching(message) });
  });

  test('a group search whose window is shorter than the largest delay stores its anchors\' spikes in bounds', async () => {
    // Anchors fire up to D − 1 ms after the origin; with window 1 and the fixed budget the
    // replay's arrival counts ended before their spikes arrived (a heap overflow that made
    // later replays run for seconds at random).
    const network = new api.Network({ seed: 1, threads: 1 });
    const exc = network.addPopulation({ size: 8, preset: 'RS' });
    network.addPopulation({ size: 2, preset: 'FS' });
    network.connect(exc, exc, { rule: { kind: 'fixedOutDegree', degree: 4 }, delay: { uniform: [1, 4] }, weight: 10 });
    const options = { anchors: 2, window: 1, budget: 'fixed' as const, minPath: 1, threads: 1 };
    const first = await api.findPolychronousGroups(network, options);
    const started = Date.now();
    for (let i = 0; i < 300; i++) {
      const again = await api.findPolychronousGroups(network, options);
      expect(again.toJSON()).toEqual(first.toJSON());
      expect(again.stats).toEqual(first.stats);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    network.close();
  }, 60_000);

  test('a refused connect() leaves no projection behind', () => {
    const network = new api.Network();
    const a = network.addPopulation({ size: 4 });
    const b = network.addPopulation({ size: 2 });
    expect(() => network.connect(a, b, { rule: { kind: 'oneToOne' }, weight: 1, plastic: { kind: 'pair' } })).toThrow(/source and target: one-to-one/);
    const projection = network.connect(b, a, { rule: { kind: 'fixedOutDegree', degree: 1 }, weight: 1 });
    expect(projection.id).toBe(0);
    expect(Array.from(new Set(network.synapses().projection))).toEqual([0]);
    network.close();
  });

  test('the preset check also names a value no template literal can show', () => {
    expect(thrown(() => new api.IzhikevichPopulation({ size: 1, preset: Object.create(null) })).message).toMatch(/preset must be one of .* \(got an object\)/);
  });
});
