import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './helpers/child';

const cli = path.join(repoRoot, 'dist', 'cli.js');
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
