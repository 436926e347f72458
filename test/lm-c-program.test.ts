// rng 'glibc': the LUT transformer reproduces the spec's C program step for step, against
// the golden trace of ../shared/golden/lut-lm (its first 3,000 training steps on
// tinyshakespeare: each step's snippet start and mean training loss).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LossWatch, LutLanguageModel } from '../lib';
import { repoRoot } from './helpers/child';
import { expectError, rejected } from './helpers/errors';
import { sharedDir } from './helpers/shared';

const goldenTrace = path.join(sharedDir, 'golden', 'lut-lm', 'trace_tinyshakespeare.csv');
const corpus = path.join(sharedDir, 'data', 'tinyshakespeare.txt');
const present = fs.existsSync(goldenTrace) && fs.existsSync(corpus);
if (!present) console.warn(`${goldenTrace} or ${corpus} is absent, so the C-program trace tests are skipped`);
const describeTrace = present ? describe : describe.skip;

// The whole trace (about 4 minutes) once per CI run, in the plain suite; a prefix in the
// other passes (the C-program path has no SIMD variants, and is slow under ASan).
const fullRun = process.env.POLYCHRON_SIMD === undefined && process.env.POLYCHRON_ADDON === undefined;
const STEPS = fullRun ? 3000 : 200;

function readTrace(file: string): { step: number; start: number; loss: number }[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  expect(header).toBe('step,start,train_loss');
  return rows.map((row) => {
    const [step, start, loss] = row.split(',').map(Number);
    return { step, start, loss };
  });
}

describeTrace('the C program, step for step (rng glibc)', () => {
  test(`the first ${STEPS} steps draw the same snippets and give the same losses as the golden trace`, async () => {
    const golden = readTrace(goldenTrace).slice(0, STEPS);
    const model = new LutLanguageModel({ rng: 'glibc', impl: 'reference' });
    const result = await model.train(fs.readFileSync(corpus), { steps: STEPS, protocol: 'reference' });
    expect(Array.from(result.starts)).toEqual(golden.map((g) => g.start));
    let worst = 0;
    for (let k = 0; k < STEPS; k++) worst = Math.max(worst, Math.abs(result.losses[k] - golden[k].loss));
    // The golden losses are printed with 9 significant digits.
    expect(worst).toBeLessThan(1e-6);
    model.close();
  }, 600_000);

  test('the CLI writes the trace in the golden format', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-trace-')), 'trace.csv');
    const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
    const run = spawnSync(process.execPath, [cli, 'lm', 'train', '--text', corpus, '--steps', '20', '--protocol', 'reference',
      '--rng', 'glibc', '--impl', 'reference', '--every', '0', '--threads', '1', '--trace', out], { encoding: 'utf8' });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const written = fs.readFileSync(out, 'utf8').trim().split('\n');
    const golden = fs.readFileSync(goldenTrace, 'utf8').trim().split('\n');
    expect(written[0]).toBe(golden[0]);
    expect(written).toHaveLength(22); // header and steps 0..20
    const rows = readTrace(out);
    const expected = readTrace(goldenTrace).slice(0, 21);
    expect(rows.map((r) => [r.step, r.start])).toEqual(expected.map((r) => [r.step, r.start]));
    for (let k = 0; k < rows.length; k++) expect(Math.abs(rows[k].loss - expected[k].loss)).toBeLessThan(1e-6);
  }, 120_000);

  test('a checkpoint of an rng glibc model resumes the same stream', async () => {
    const text = fs.readFileSync(corpus);
    const whole = new LutLanguageModel({ rng: 'glibc', impl: 'reference', layers: 1, heads: 1 });
    const all = await whole.train(text, { steps: 40, protocol: 'reference' });
    const first = new LutLanguageModel({ rng: 'glibc', impl: 'reference', layers: 1, heads: 1 });
    await first.train(text, { steps: 25, protocol: 'reference' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-glibc-')), 'half.safetensors');
    await first.save(file);
    const resumed = await LutLanguageModel.load(file, { impl: 'reference' });
    expect(resumed.config).toMatchObject({ rng: 'glibc' });
    const rest = await resumed.train(text, { steps: 15, protocol: 'reference' });
    expect(Array.from(rest.starts)).toEqual(Array.from(all.starts.subarray(25)));
    expect(Array.from(rest.losses)).toEqual(Array.from(all.losses.subarray(25)));
  }, 120_000);
});

describe('rng glibc refuses what the C program does not do', () => {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(4000));
  test('other protocols, other validation counts, seeds beyond srand(), unknown generators', async () => {
    const model = new LutLanguageModel({ rng: 'glibc', impl: 'reference', layers: 1, heads: 1 });
    expectError(await rejected(() => model.train(text, { steps: 1 })), 'RangeError', /protocol: 'reference'/);
    expectError(await rejected(() => model.train(text, { steps: 1, protocol: 'reference', validationSnippets: 10 })),
      'RangeError', /validationSnippets must be 10000/);
    expectError(
      (() => { try { new LutLanguageModel({ rng: 'glibc', impl: 'reference', seed: 2 ** 32 }); } catch (e) { return e as Error; } throw new Error('accepted'); })(),
      'RangeError', /seed/);
    expectError(
      (() => { try { new LutLanguageModel({ rng: 'nope' as 'glibc' }); } catch (e) { return e as Error; } throw new Error('accepted'); })(),
      'TypeError', /rng must be 'polychron' or 'glibc'/);
    model.close();
  });
});

describeTrace('rng glibc with the fast engine: the program\'s draws, polychron\'s rounding', () => {
  test('the same starts, and the first steps\' losses within rounding of the trace', async () => {
    const golden = readTrace(goldenTrace).slice(0, 30);
    const model = new LutLanguageModel({ rng: 'glibc', impl: 'fast', threads: 2 });
    const result = await model.train(fs.readFileSync(corpus), { steps: 30, protocol: 'reference' });
    expect(Array.from(result.starts)).toEqual(golden.map((g) => g.start));
    for (let k = 0; k < 30; k++) expect(Math.abs(result.losses[k] - golden[k].loss)).toBeLessThan(1e-4);
    model.close();
  });
});

describe('LossWatch (the stability guard)', () => {
  test('warns once when the smoothed loss rises far above its minimum, and not for noise', () => {
    const watch = new LossWatch();
    const warnings: string[] = [];
    // Descends, then noise of ±0.05, then a rise of 0.7 (the divergence of issue 11's corpus).
    for (let step = 0; step <= 12000; step += 20) {
      const base = step < 4000 ? 5.5 - 3.3 * (step / 4000) : step < 8000 ? 2.2 : 2.9;
      const loss = base + 0.05 * Math.sin(step / 7);
      const warning = watch.observe(step, loss);
      if (warning !== undefined) warnings.push(`${step}: ${warning}`);
      if (step < 8000) expect(watch.rising).toBe(false);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/training may be diverging/);
    expect(watch.rising).toBe(true);
  });
});
