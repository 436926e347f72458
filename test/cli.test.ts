import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './helpers/child';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('polychron CLI', () => {
  test('demo steps the population and reports rates, a raster and the spike count', () => {
    const out = polychron('demo', '--neurons', '500', '--ms', '300', '--seed', '4');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^polychron demo: 500 Izhikevich neurons \(400 excitatory\), 300 ms, exact numerics/);
    expect(out.stdout).toContain('raster, neurons 0-19, first 100 ms:');
    const [, spikes, rate] = /(\d+) spikes, mean rate ([\d.]+) Hz/.exec(out.stdout) ?? [];
    expect(Number(spikes)).toBeGreaterThan(0);
    expect(Number(rate)).toBeCloseTo((Number(spikes) / 500) * (1000 / 300), 1);
    // Seeded: the same command prints the same spikes.
    expect(polychron('demo', '--neurons', '500', '--ms', '300', '--seed', '4').stdout)
      .toContain(`${spikes} spikes`);
  });

  test('bad options exit non-zero with a message naming the option', () => {
    const out = polychron('demo', '--neurons', '0');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('--neurons must be a positive integer');
    expect(polychron('demo', '--numerics', 'approx').stderr).toContain("numerics must be 'exact' or 'fast'");
    expect(polychron('nonsense').status).toBe(2);
  });

  test('info reports the SIMD level and the addon in use', () => {
    const out = polychron('info');
    expect(out.status).toBe(0);
    const info = JSON.parse(out.stdout);
    expect(info.supportedSimdLevels).toContain(info.simd);
    expect(info.addon).toMatch(/polychron\.node$/);
  });
});

describe('polychron simulate', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const os = require('node:os') as typeof import('node:os');
  const { describeWithGolden, goldenSpnet } = require('./helpers/shared') as typeof import('./helpers/shared');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-cli-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  describeWithGolden('with the golden connectivity and thalamic input', () => {
    test('writes spikes.csv and weights_secK.csv identical to the golden files', () => {
      const g = (f: string) => path.join(goldenSpnet, f);
      const out = polychron('simulate', '--connectivity', g('connectivity.csv'), '--thalamic', g('thalamic.csv'),
        '--seconds', '5', '--threads', '2', '--spikes-out', path.join(work, 'spikes.csv'), '--weights-out', path.join(work, 'w'),
        '--summary-json', path.join(work, 'summary.json'));
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(out.stdout.split('\n').filter((l) => /^ {2}second \d\/5: /.test(l))).toHaveLength(5);
      // Buffer.equals: jest's deep equality is far too slow for megabytes.
      const same = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));
      expect(same(path.join(work, 'spikes.csv'), g('spikes.csv'))).toBe(true);
      for (let k = 1; k <= 5; k++) {
        expect(same(path.join(work, 'w', `weights_sec${k}.csv`), g(`weights_sec${k}.csv`))).toBe(true);
      }
      const summary = JSON.parse(fs.readFileSync(path.join(work, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ simulatedSeconds: 5, spikes: 33061, mode: 'reference', neurons: 1000, threads: 2 });
      expect(summary.spikesPerSecond).toEqual([7140, 7308, 6716, 6393, 5504]);
      expect(summary.meanRateHz).toBeCloseTo(6.6122, 4);
      expect(summary.wallSeconds).toBeGreaterThan(0);
      expect(summary.synapticEvents).toBeGreaterThan(0);
    });
  });

  test('--network izhikevich2006 runs with progress and writes a checkpoint that loads', async () => {
    const checkpoint = path.join(work, 'net.pcc');
    const out = polychron('simulate', '--network', 'izhikevich2006', '--seed', '3', '--seconds', '2', '--mode', 'fast',
      '--checkpoint-out', checkpoint);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/second 2\/2: +\d+ spikes, +[\d.]+ Hz, mean excitatory weight [\d.]+/);
    const { Network } = require('../lib') as typeof import('../lib');
    const network = await Network.load(checkpoint);
    expect(network.time).toBe(2000);
    expect(network.mode).toBe('fast');
  });

  test('refuses contradictory or bad options', () => {
    expect(polychron('simulate').stderr).toContain('give either --network izhikevich2006 (or a description FILE.json) or --connectivity FILE.csv');
    expect(polychron('simulate', '--network', 'other').stderr).toContain("--network must be 'izhikevich2006'");
    expect(polychron('simulate', '--network', 'izhikevich2006', '--mode', 'turbo').stderr).toContain("--mode must be 'reference' or 'fast'");
    expect(polychron('simulate', '--network', 'izhikevich2006', '--seconds', '0').stderr).toContain('--seconds must be a positive integer');
    expect(polychron('simulate', '--connectivity', path.join(work, 'absent.csv')).status).toBe(1);
  });
});
