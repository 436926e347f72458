// simulate with a network description file, and spikes written in every table format.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSpikes } from '../lib/formats';
import { repoRoot } from './helpers/child';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const description = path.join(repoRoot, 'examples', 'networks', 'izhikevich2006.json');

describe('polychron simulate: description files and spike formats', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-simulate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('--network FILE.json runs the described network; the built-in recipe gives the same spikes', async () => {
    const files = ['csv', 'npz', 'arrow'].map((ext) => path.join(dir, `described.${ext}`));
    for (const file of files) {
      const run = polychron('simulate', '--network', description, '--seconds', '2', '--mode', 'fast', '--spikes-out', file, '--quiet');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    const builtIn = path.join(dir, 'built-in.csv');
    expect(polychron('simulate', '--network', 'izhikevich2006', '--seconds', '2', '--mode', 'fast', '--spikes-out', builtIn, '--quiet').status).toBe(0);
    const reference = await readSpikes(builtIn);
    expect(reference.times.length).toBeGreaterThan(1000);
    for (const file of files) {
      const spikes = await readSpikes(file);
      expect(spikes.times).toEqual(reference.times);
      expect(spikes.neurons).toEqual(reference.neurons);
    }
  });

  test('a spike file of an unknown format, or a network that is neither built in nor .json, is refused before running', () => {
    const npy = polychron('simulate', '--network', 'izhikevich2006', '--seconds', '1', '--spikes-out', path.join(dir, 's.npy'));
    expect(npy.status).toBe(1);
    expect(npy.stderr).toMatch(/^polychron simulate: --spikes-out: .*use \.npz/);
    expect(npy.stdout).toBe('');
    const other = polychron('simulate', '--network', 'grid', '--seconds', '1');
    expect(other.status).toBe(1);
    expect(other.stderr).toContain("--network must be 'izhikevich2006' or a network description file ending in .json");
    const neurons = polychron('simulate', '--network', description, '--neurons', '50');
    expect(neurons.stderr).toContain('--neurons goes with --network izhikevich2006');
  });
});
