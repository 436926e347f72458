import { IzhikevichPopulation, supportedSimdLevels, type Numerics, type SimdLevel } from '../lib';
import { seededRandom, uniform } from './helpers/random';
import { bitsEqual, randomParameters } from './helpers/izhikevich-reference';

const levels = supportedSimdLevels();
const simdLevels = levels.filter((level) => level !== 'scalar');
const unsupported = (process.arch === 'arm64' ? ['neon'] : ['avx2', 'avx512']).filter((level) => !levels.includes(level as SimdLevel));
if (unsupported.length > 0) {
  console.warn(`this CPU lacks ${unsupported.join(', ')}: those kernels are not compared here`);
}
// Sizes around every vector width (4 and 8 float64 lanes, 8 and 16 float32 lanes).
const SIZES = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1001];

function twins(size: number, numerics: Numerics, level: SimdLevel, random: () => number) {
  const params = randomParameters(size, random);
  const v = Float32Array.from({ length: size }, () => uniform(random, -80, 35));
  const make = (simd: SimdLevel) => new IzhikevichPopulation({ size, ...params, v, numerics, simd });
  return { params, scalar: make('scalar'), vector: make(level) };
}

describe.each(simdLevels)('%s kernels against their scalar twins', (level) => {
  test('exact: identical spikes and bit-identical state over 2,000 random steps', () => {
    const random = seededRandom(7);
    for (const size of SIZES) {
      const { scalar, vector } = twins(size, 'exact', level, random);
      expect(vector.simd).toBe(level);
      const current = new Float32Array(size);
      for (let step = 0; step < 2000; step++) {
        for (let i = 0; i < size; i++) current[i] = random() < 0.05 ? 20 : uniform(random, -5, 9);
        const expected = scalar.step(current);
        const fired = vector.step(current);
        if (!bitsEqual(vector.v, scalar.v) || !bitsEqual(vector.u, scalar.u) ||
            fired.length !== expected.length || !fired.every((x, k) => x === expected[k])) {
          throw new Error(`size ${size}, step ${step}: ${level} and scalar differ`);
        }
      }
    }
  });

  test('fast: one step from the same state agrees within the stated float32 bound', () => {
    // The SIMD fast kernels fuse (0.04v + 5)·v + 140 and the final v update into fused
    // multiply-adds, so each half-step rounds up to three times fewer than the scalar
    // twin. Each float32 rounding errs by at most 2^-24 of its result, and no partial
    // result of a half-step exceeds S = 0.04v² + 5|v| + 140 + |u| + |I| + |v| in
    // magnitude, so the two kernels differ after one half-step by at most 8·2^-24·S
    // (6 roundings of the scalar, 3 of the SIMD kernel, plus slack for the final
    // rounding of v). The second half-step carries the first half-step's difference
    // multiplied by |∂v'/∂v| = |1 + 0.5·(0.08v + 5)| and adds its own. u's update then
    // carries |a·b| times v's difference plus 4 roundings of magnitude |u| + |a|(|b·v| + |u|).
    const EPS = 2 ** -24;
    const scale = (v: number, u: number, I: number) =>
      0.04 * v * v + 5 * Math.abs(v) + 140 + Math.abs(u) + Math.abs(I) + Math.abs(v);
    const random = seededRandom(11);
    let maxRatio = 0;
    for (const size of SIZES) {
      const { params, scalar, vector } = twins(size, 'fast', level, random);
      const current = new Float32Array(size);
      for (let trial = 0; trial < 200; trial++) {
        for (let i = 0; i < size; i++) {
          const v = uniform(random, -90, 40);
          const u = uniform(random, -20, 20);
          scalar.v[i] = vector.v[i] = v;
          scalar.u[i] = vector.u[i] = u;
          current[i] = uniform(random, -20, 40);
        }
        const before = { v: scalar.v.slice(), u: scalar.u.slice() };
        const expected = scalar.step(current);
        const fired = vector.step(current);
        // Detection compares the same float32 state with the same threshold: exact.
        expect(Array.from(fired)).toEqual(Array.from(expected));
        for (let i = 0; i < size; i++) {
          const spiked = before.v[i] >= 30;
          const v0 = spiked ? params.c[i] : before.v[i];
          const u0 = spiked ? before.u[i] + params.d[i] : before.u[i];
          const I = current[i];
          const vMid = v0 + 0.5 * (0.04 * v0 * v0 + 5 * v0 + 140 - u0 + I);
          const halfBound = (v: number) => 8 * EPS * scale(v, u0, I);
          const gain = Math.abs(1 + 0.5 * (0.08 * vMid + 5));
          const vBound = halfBound(v0) * gain + halfBound(vMid);
          const vNew = scalar.v[i];
          const uBound = Math.abs(params.a[i] * params.b[i]) * vBound +
            4 * EPS * (Math.abs(u0) + Math.abs(params.a[i]) * (Math.abs(params.b[i] * vNew) + Math.abs(u0)));
          const dv = Math.abs(vector.v[i] - scalar.v[i]);
          const du = Math.abs(vector.u[i] - scalar.u[i]);
          if (!(dv <= vBound) || !(du <= uBound)) {
            throw new Error(`size ${size}, neuron ${i}: |Δv| = ${dv} (bound ${vBound}), |Δu| = ${du} (bound ${uBound})`);
          }
          maxRatio = Math.max(maxRatio, dv / vBound);
        }
      }
    }
    // The kernels do differ (fused vs unfused), and by far less than the bound.
    expect(maxRatio).toBeGreaterThan(0);
    expect(maxRatio).toBeLessThan(1);
  });
});

describe('fast numerics', () => {
  test('AVX2 and AVX-512 fast kernels use the same fused operations: bit-identical', () => {
    if (!levels.includes('avx512')) {
      console.warn('this CPU lacks AVX-512: the AVX2/AVX-512 fast comparison is not run');
      return;
    }
    const random = seededRandom(5);
    const size = 1001;
    const params = randomParameters(size, random);
    const make = (simd: SimdLevel) => new IzhikevichPopulation({ size, ...params, numerics: 'fast', simd });
    const avx2 = make('avx2');
    const avx512 = make('avx512');
    const current = new Float32Array(size);
    for (let step = 0; step < 2000; step++) {
      for (let i = 0; i < size; i++) current[i] = random() < 0.05 ? 20 : uniform(random, -5, 9);
      expect(Array.from(avx512.step(current))).toEqual(Array.from(avx2.step(current)));
    }
    expect(bitsEqual(avx512.v, avx2.v)).toBe(true);
    expect(bitsEqual(avx512.u, avx2.u)).toBe(true);
  });

  test.each(levels)('fast (%s) and exact fire nearly the same spikes over 1 s of noisy input', (level) => {
    // float32 arithmetic moves some spikes (about one in seven here) by a millisecond or
    // so, but the count stays within 0.1% of exact: 1% is the bound, ten times that.
    const random = seededRandom(3);
    const size = 1000;
    const params = randomParameters(size, random);
    const exact = new IzhikevichPopulation({ size, ...params, numerics: 'exact', simd: 'scalar' });
    const fast = new IzhikevichPopulation({ size, ...params, numerics: 'fast', simd: level });
    const current = new Float32Array(size);
    let exactSpikes = 0;
    let fastSpikes = 0;
    for (let step = 0; step < 1000; step++) {
      for (let i = 0; i < size; i++) current[i] = random() < 0.05 ? 20 : uniform(random, 0, 6);
      exactSpikes += exact.step(current).length;
      fastSpikes += fast.step(current).length;
    }
    expect(exactSpikes).toBeGreaterThan(5000);
    expect(Math.abs(fastSpikes - exactSpikes) / exactSpikes).toBeLessThan(0.01);
  });
});
