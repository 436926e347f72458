import { supportedSimdLevels } from '../lib';
import { addon } from '../lib/native';
import { seededRandom } from './helpers/random';

const decay = (input: Float32Array, factor: number, simd: string) => addon._traceDecay(input, factor, simd);

describe('STDP trace decay kernels', () => {
  test.each(supportedSimdLevels().filter((l) => l !== 'scalar'))('%s equals the scalar twin bit for bit on random and edge inputs', (level) => {
    const random = seededRandom(17);
    const edges = [0, -0, 1, 0.1, 0.12, 1e-45, -1e-45, 1.17549435e-38, 3.4028234e38, Infinity, -Infinity, NaN];
    for (const n of [0, 1, 3, 7, 8, 9, 15, 16, 17, 1000, 1001]) {
      const input = Float32Array.from({ length: n }, (_, i) =>
        i < edges.length && n > 20 ? edges[i] : (random() - 0.5) * 10 ** Math.floor(random() * 20 - 10));
      for (const factor of [0.95, 0.9512294245007140, 1, 0, 1e-300]) {
        const expected = decay(input, factor, 'scalar');
        const got = decay(input, factor, level);
        expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    }
  });

  test('the scalar kernel is float32(float64 factor × float32 input)', () => {
    const input = Float32Array.of(0.1, 0.12, 3, -7.5);
    expect(Array.from(decay(input, 0.95, 'scalar'))).toEqual(Array.from(input, (x) => Math.fround(0.95 * x)));
  });
});
