import { IzhikevichPopulation } from '../lib';
import { caught, expectError, rejected } from './helpers/errors';

describe('bad input gives a clear JavaScript error', () => {
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ['no options', () => new IzhikevichPopulation(undefined as never), 'TypeError', /options must be an object/],
    ['size missing', () => new IzhikevichPopulation({} as never), 'TypeError', /size must be a number/],
    ['size zero', () => new IzhikevichPopulation({ size: 0 }), 'RangeError', /size must be an integer in \[1, 134217728\]/],
    ['size fractional', () => new IzhikevichPopulation({ size: 2.5 }), 'RangeError', /size must be an integer/],
    ['size too large', () => new IzhikevichPopulation({ size: 2 ** 40 }), 'RangeError', /size must be an integer in/],
    ['size as string', () => new IzhikevichPopulation({ size: '10' as never }), 'TypeError', /size must be a number/],
    ['unknown preset', () => new IzhikevichPopulation({ size: 1, preset: 'XX' as never }), 'TypeError', /preset must be one of RS, IB/],
    ['a of wrong length', () => new IzhikevichPopulation({ size: 3, a: [1, 2] }), 'RangeError', /a must hold 1 or size = 3 values \(got 2\)/],
    ['b not finite', () => new IzhikevichPopulation({ size: 2, b: [0.2, NaN] }), 'RangeError', /b\[1\] must be a finite number/],
    ['c as string', () => new IzhikevichPopulation({ size: 2, c: 'x' as never }), 'TypeError', /c must be a number, an Array of numbers/],
    ['d array holding a string', () => new IzhikevichPopulation({ size: 2, d: [1, 'x'] as never }), 'TypeError', /d\[1\] must be a number/],
    ['v infinite', () => new IzhikevichPopulation({ size: 1, v: Infinity }), 'RangeError', /v\[0\] must be a finite number/],
    ['unknown numerics', () => new IzhikevichPopulation({ size: 1, numerics: 'approx' as never }), 'TypeError', /numerics must be 'exact' or 'fast' \(got 'approx'\)/],
    ['unknown simd', () => new IzhikevichPopulation({ size: 1, simd: 'sse' as never }), 'TypeError', /simd must be 'scalar', 'avx2', 'avx512' or 'neon'/],
  ];
  test.each(cases)('%s', (_name, make, type, message) => {
    expectError(caught(make), type, message);
  });

  test('step() rejects a current of the wrong type, length or value', () => {
    const population = new IzhikevichPopulation({ size: 4 });
    expectError(caught(() => population.step(new Float64Array(4) as never)), 'TypeError',
      /current must be a Float32Array of length size, a number or undefined/);
    expectError(caught(() => population.step(new Float32Array(3))), 'RangeError',
      /current.length must equal size = 4 \(got 3\)/);
    expectError(caught(() => population.step(new Float32Array([0, 0, NaN, 0]))), 'RangeError',
      /current\[2\] must be finite/);
    expectError(caught(() => population.step(Infinity)), 'RangeError', /current must be a finite number/);
    expectError(caught(() => population.step('1' as never)), 'TypeError', /current must be a Float32Array/);
    // Nothing was stepped by the failed calls.
    expect(population.time).toBe(0);
  });

  test('run() rejects bad arguments before starting', async () => {
    const population = new IzhikevichPopulation({ size: 4 });
    expectError(await rejected(() => population.run(-1)), 'RangeError',
      /steps must be an integer in \[0, 281474976710656\] \(got -1\)/);
    expectError(await rejected(() => population.run(1.5)), 'RangeError', /steps must be an integer/);
    expectError(await rejected(() => population.run(10, { onProgress: 5 as never })), 'TypeError',
      /onProgress must be a function/);
    expectError(await rejected(() => population.run(10, { signal: {} as never })), 'TypeError',
      /signal must be an AbortSignal/);
    expect(population.busy).toBe(false);
    expect(population.time).toBe(0);
  });

  test('a closed population refuses work but its views stay readable', () => {
    const population = new IzhikevichPopulation({ size: 3, v: -70 });
    const v = population.v;
    population.close();
    population.close(); // idempotent
    expect(population.closed).toBe(true);
    expectError(caught(() => population.step()), 'Error', /step\(\): the population is closed/);
    expectError(caught(() => population.time), 'Error', /time: the population is closed/);
    expect(Array.from(v)).toEqual([-70, -70, -70]);
  });
});
