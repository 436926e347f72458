import { IzhikevichPopulation, simd } from '../lib';
import { seededRandom, uniform } from './helpers/random';
import { bitsEqual, randomParameters, referenceStepExact } from './helpers/izhikevich-reference';

// The population uses the process's SIMD level (POLYCHRON_SIMD), so running the suite
// under each level checks each kernel against this plain TypeScript reference.
describe(`exact numerics at the process SIMD level (${simd()})`, () => {
  test('10,000 random steps equal the TypeScript reference bit for bit', () => {
    const size = 333; // not a multiple of any vector width: the tails are exercised too
    const random = seededRandom(2006);
    const params = randomParameters(size, random);
    const v0 = Float32Array.from({ length: size }, () => uniform(random, -80, 35));
    const reference = {
      ...params,
      v: v0.slice(),
      u: Float32Array.from(v0, (v, i) => Math.fround(params.b[i] * v)),
    };
    const population = new IzhikevichPopulation({ size, ...params, v: v0 });
    expect(population.numerics).toBe('exact');
    expect(bitsEqual(population.u, reference.u)).toBe(true);

    const current = new Float32Array(size);
    let spikes = 0;
    for (let step = 0; step < 10_000; step++) {
      for (let i = 0; i < size; i++) {
        // Mostly small noise, sometimes a strong kick (as thalamic input), sometimes inhibition.
        const r = random();
        current[i] = r < 0.05 ? 20 : r < 0.1 ? uniform(random, -30, 0) : uniform(random, -2, 8);
      }
      if (step % 500 === 250) {
        // Land some neurons exactly on and around the spike peak.
        for (const [i, v] of [[3, 30], [17, Math.fround(29.999998)], [200, 30.000002]] as const) {
          population.v[i] = v;
          reference.v[i] = v;
        }
      }
      const fired = population.step(current);
      const expected = referenceStepExact(reference, current);
      spikes += expected.length;
      if (
        fired.length !== expected.length ||
        !fired.every((x, k) => x === expected[k]) ||
        !bitsEqual(population.v, reference.v) ||
        !bitsEqual(population.u, reference.u)
      ) {
        throw new Error(`step ${step}: native and reference differ`);
      }
    }
    expect(population.time).toBe(10_000);
    // The comparison means something only if the neurons did fire, a lot.
    expect(spikes).toBeGreaterThan(size * 10);
  });

  test('the first steps of a regular-spiking neuron match hand-checked values', () => {
    const neuron = new IzhikevichPopulation({ size: 1, preset: 'RS' });
    expect(Array.from(neuron.v)).toEqual([-65]);
    expect(Array.from(neuron.u)).toEqual([Math.fround(0.2 * -65)]);
    neuron.step(10);
    // v += 0.5·((0.04·−65 + 5)·−65 + 140 + 13 + 10) twice, each rounded to float32.
    const v1 = Math.fround(-65 + 0.5 * ((0.04 * -65 + 5) * -65 + 140 - Math.fround(-13) + 10));
    const v2 = Math.fround(v1 + 0.5 * ((0.04 * v1 + 5) * v1 + 140 - Math.fround(-13) + 10));
    expect(neuron.v[0]).toBe(v2);
    expect(neuron.u[0]).toBe(Math.fround(Math.fround(-13) + 0.02 * (0.2 * v2 - Math.fround(-13))));
  });

  test('a neuron at the peak fires, resets to c and adds d to u', () => {
    const neuron = new IzhikevichPopulation({ size: 2, preset: 'CH', v: [30, 29.5], u: [-10, -10] });
    const fired = neuron.step(0);
    expect(Array.from(fired)).toEqual([0]);
    const u = Math.fround(-10 + 2);
    let v = -50;
    v = Math.fround(v + 0.5 * ((0.04 * v + 5) * v + 140 - u));
    v = Math.fround(v + 0.5 * ((0.04 * v + 5) * v + 140 - u));
    expect(neuron.v[0]).toBe(v);
  });
});
