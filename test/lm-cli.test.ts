import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mobyDick } from '../lib';
import { repoRoot } from './helpers/child';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-lm-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const shape = ['--context', '16', '--embedding', '16', '--positional', '3', '--layers', '2', '--heads', '2',
  '--tables', '8', '--comparisons', '4', '--warmup', '50'];

describe('polychron lm', () => {
  const textFile = path.join(tmp, 'moby.txt');
  fs.writeFileSync(textFile, mobyDick().subarray(0, 300000));

  test('train logs validations, checkpoints, and --resume equals one uninterrupted run', () => {
    const whole = path.join(tmp, 'whole.safetensors');
    const log = path.join(tmp, 'whole.csv');
    const out = polychron('lm', 'train', '--text', textFile, '--steps', '400', '--every', '200', '--seed', '3',
      '--log', log, '--checkpoint', whole, ...shape);
    expect(out.stderr).toMatch(/step 400\/400 .* steps\/s {2}lr .* val \d\.\d{4}/);
    expect(out.status).toBe(0);
    const rows = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('step,val_loss');
    expect(rows.slice(1).map((r) => Number(r.split(',')[0]))).toEqual([0, 200, 400]);
    expect(Number(rows[1].split(',')[1])).toBeCloseTo(Math.log(256), 5);
    expect(Number(rows[3].split(',')[1])).toBeLessThan(Number(rows[1].split(',')[1]));

    const half = path.join(tmp, 'half.safetensors');
    const halfLog = path.join(tmp, 'half.csv');
    expect(polychron('lm', 'train', '--text', textFile, '--steps', '199', '--every', '200', '--seed', '3',
      '--log', halfLog, '--checkpoint', half, ...shape).status).toBe(0);
    const resumed = polychron('lm', 'train', '--text', textFile, '--steps', '400', '--every', '200', '--threads', '2',
      '--log', halfLog, '--checkpoint', half, '--resume', half);
    expect(resumed.status).toBe(0);
    expect(fs.readFileSync(half).equals(fs.readFileSync(whole))).toBe(true);
    expect(fs.readFileSync(halfLog, 'utf8')).toBe(fs.readFileSync(log, 'utf8'));

    const generated = polychron('lm', 'generate', '--model', whole, '--prompt', 'Call me ', '--length', '40', '--seed', '2');
    expect(generated.status).toBe(0);
    expect(generated.stdout.startsWith('Call me ')).toBe(true);
    expect(polychron('lm', 'generate', '--model', whole, '--prompt', 'Call me ', '--length', '40', '--seed', '2').stdout)
      .toBe(generated.stdout);
    // Three samples at once on 2 threads: sample k is the single run with seed 2 + k.
    const batch = polychron('lm', 'generate', '--model', whole, '--prompt', 'Call me ', '--length', '40', '--seed', '2',
      '--samples', '3', '--threads', '2');
    expect(batch.status).toBe(0);
    const third = polychron('lm', 'generate', '--model', whole, '--prompt', 'Call me ', '--length', '40', '--seed', '4').stdout;
    expect(batch.stdout).toBe(`# sample 1 (seed 2)\n${generated.stdout}# sample 2 (seed 3)\n` +
      `${polychron('lm', 'generate', '--model', whole, '--prompt', 'Call me ', '--length', '40', '--seed', '3').stdout}` +
      `# sample 3 (seed 4)\n${third}`);
    expect(polychron('lm', 'generate', '--model', whole, '--prompt', 'x', '--samples', '70000').stderr)
      .toContain('--samples must be an integer in [1, 65536]');

    const evaluated = polychron('lm', 'eval', '--model', whole, '--text', textFile);
    expect(evaluated.status).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report).toMatchObject({ protocol: 'holdout', step: 401 });
    expect(report.validationLoss).toBeCloseTo(Number(rows[3].split(",")[1]), 5);
  });

  test('bad options exit non-zero with a message naming the option', () => {
    expect(polychron('lm', 'train', '--steps', '5').stderr).toContain('--text FILE is required');
    expect(polychron('lm', 'train', '--text', textFile, '--steps', '5', '--impl', 'turbo').stderr)
      .toContain("--impl must be 'fast' or 'reference'");
    expect(polychron('lm', 'train', '--text', path.join(tmp, 'absent.txt'), '--steps', '5').stderr)
      .toMatch(/--text: cannot read .*absent\.txt/);
    expect(polychron('lm', 'train', '--text', textFile, '--steps', '5', '--comparisons', '16').stderr)
      .toMatch(/2·comparisons \+ positional bits, at most 30/);
    const missing = polychron('lm', 'generate', '--model', path.join(tmp, 'absent.safetensors'), '--prompt', 'x');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--model: cannot read model file '.*absent\.safetensors': no such file/);
    expect(polychron('lm', 'fly').stderr).toContain("unknown lm command 'fly'");
  });
});
