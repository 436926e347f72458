/**
 * Property-based fuzzing of the whole public API (issue 19): test/fuzz/run.js runs one
 * child process per model (test/fuzz/models.js: every class and function family of
 * lib/index.ts) with random valid and invalid arguments, so that a crash is reported as a
 * crash, with its seed and call. Every call must either succeed or throw a TypeError or
 * RangeError naming its parameter (or a documented Error), and a call that throws must
 * leave the object unchanged (test/fuzz/engine.js).
 *
 * Calls per suite: 30,000 (shared by the models by the WEIGHTS of run.js), 6,000 under
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
const calls = Number(process.env.POLYCHRON_FUZZ_CALLS ?? (asan ? 6000 : 30000));
const level = process.env.POLYCHRON_SIMD ?? 'best';
const seed = Number(process.env.POLYCHRON_FUZZ_SEED ?? 1900 + [...level].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 7));
// Models as run.js lists them (its WEIGHTS); each gets a share of the calls.
const models = ['population', 'network', 'lutLayer', 'classifier', 'lm', 'groups', 'formats', 'dense', 'misc'];

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
