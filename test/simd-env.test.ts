import { supportedSimdLevels } from '../lib';
import { runNode } from './helpers/child';

// Each case runs in a child process: POLYCHRON_SIMD is read once per process.
const probe = `
  const p = require('./dist');
  const out = {};
  try { out.simd = p.simd(); } catch (e) { out.simdError = { name: e.name, message: e.message }; }
  try { out.population = new p.IzhikevichPopulation({ size: 3 }).simd; }
  catch (e) { out.populationError = { name: e.name, message: e.message }; }
  console.log(JSON.stringify(out));
`;

function withSimd(value: string | undefined) {
  const env = { ...process.env };
  delete env.POLYCHRON_SIMD;
  if (value !== undefined) env.POLYCHRON_SIMD = value;
  const child = runNode(probe, env);
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout);
}

describe('POLYCHRON_SIMD', () => {
  const levels = supportedSimdLevels();

  test('unset: the best level this CPU supports', () => {
    const best = levels[levels.length - 1];
    expect(withSimd(undefined)).toEqual({ simd: best, population: best });
  });

  test.each(levels)('=%s forces that level for simd() and for new populations', (level) => {
    expect(withSimd(level)).toEqual({ simd: level, population: level });
  });

  test('a name that is no level is a TypeError, from simd() and from every population', () => {
    const out = withSimd('sse9');
    const error = { name: 'TypeError', message: "POLYCHRON_SIMD must be 'scalar', 'avx2', 'avx512' or 'neon' (got 'sse9')" };
    expect(out).toEqual({ simdError: error, populationError: error });
  });

  test('a level the CPU lacks is a RangeError naming the variable and what the CPU has', () => {
    // POLYCHRON_CPU_LIMIT hides the levels above it, as on an older CPU.
    const env = { ...process.env, POLYCHRON_CPU_LIMIT: 'scalar', POLYCHRON_SIMD: 'avx2' };
    const out = JSON.parse(runNode(probe, env).stdout);
    const error = {
      name: 'RangeError',
      message: "POLYCHRON_SIMD = 'avx2' is not supported by this CPU; it supports up to 'scalar'",
    };
    expect(out).toEqual({ simdError: error, populationError: error });
  });

  test('the other architecture\'s levels are refused as levels this CPU lacks', () => {
    const foreign = process.arch === 'arm64' ? 'avx2' : 'neon';
    const env: NodeJS.ProcessEnv = { ...process.env, POLYCHRON_SIMD: foreign };
    const out = JSON.parse(runNode(probe, env).stdout);
    const error = {
      name: 'RangeError',
      message: `POLYCHRON_SIMD = '${foreign}' is not supported by this CPU; it supports up to '${levels[levels.length - 1]}'`,
    };
    expect(out).toEqual({ simdError: error, populationError: error });
    expect(levels).not.toContain(foreign);
  });

  test('POLYCHRON_CPU_LIMIT=avx2 hides AVX-512 from detection and from the simd option', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, POLYCHRON_CPU_LIMIT: 'avx2' };
    delete env.POLYCHRON_SIMD;
    const script = `
      const p = require('./dist');
      let error = null;
      try { new p.IzhikevichPopulation({ size: 1, simd: 'avx512' }); } catch (e) { error = e.name + ': ' + e.message; }
      console.log(JSON.stringify({ levels: p.supportedSimdLevels(), error }));
    `;
    const out = JSON.parse(runNode(script, env).stdout);
    expect(out.levels).toEqual(levels.filter((level) => level !== 'avx512'));
    expect(out.error).toMatch(/^RangeError: simd = 'avx512' is not supported by this CPU/);
  });
});
