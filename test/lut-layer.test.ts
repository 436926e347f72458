import { LutLayer, supportedSimdLevels } from '../lib';
import { caught, expectError } from './helpers/errors';
import { seededRandom } from './helpers/random';

function randomInputs(count: number, random: () => number): Float32Array {
  const x = new Float32Array(count);
  // A few exact ties, so that u = 0 (bit 0, sign −1) is exercised too.
  for (let i = 0; i < count; i++) x[i] = random() < 0.05 ? 0.25 : random() * 2 - 1;
  return x;
}

function bytesOf(x: Float32Array | Uint32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/** A 4 → 2 layer with 2 tables of 2 comparisons, anchors and rows set by hand. */
function handLayer(): LutLayer {
  const layer = new LutLayer({ inputs: 4, outputs: 2, tables: 2, comparisons: 2, simd: 'scalar' });
  // Table 0 compares (x0, x1) then (x2, x3); table 1 compares (x3, x0) then (x1, x2).
  layer.setAnchors([0, 2, 3, 1], [1, 3, 0, 2]);
  for (let j = 0; j < 4; j++) {
    layer.setRow(0, j, [10 * j + 1, 10 * j + 2]);
    layer.setRow(1, j, [100 * j + 3, 100 * j + 4]);
  }
  return layer;
}

describe('LutLayer by hand (spec §1)', () => {
  const x = new Float32Array([0.5, 0.25, -1, 0.75]);

  test('lookup gives each index bit by bit, with the weakest comparison', () => {
    const layer = handLayer();
    const { index, rMin, uMin } = layer.lookup(x);
    // Table 0: u0 = 0.5 − 0.25 = 0.25 > 0 (bit 0 set); u1 = −1 − 0.75 < 0. j = 1; |u0| is smaller.
    // Table 1: u0 = 0.75 − 0.5 = 0.25 > 0; u1 = 0.25 − (−1) = 1.25 > 0. j = 3; r_min = 0 (first smallest).
    expect([...index]).toEqual([1, 3]);
    expect([...rMin]).toEqual([0, 0]);
    expect([...uMin]).toEqual([0.25, 0.25]);
  });

  test('forward adds the selected rows; u = 0 gives bit 0', () => {
    const layer = handLayer();
    expect([...layer.forward(x)]).toEqual([11 + 303, 12 + 304]);
    const tie = new Float32Array([0.5, 0.5, 0.5, 0.5]);
    expect([...layer.lookup(tie).index]).toEqual([0, 0]);
    expect([...layer.forward(tie)]).toEqual([1 + 3, 2 + 4]);
    // A batch of two inputs gives two outputs.
    expect([...layer.forward(new Float32Array([...x, ...tie]))]).toEqual([314, 316, 4, 6]);
  });

  test('backward: gradient through the weakest comparison, then SGD on the selected rows', () => {
    const layer = handLayer();
    const g = new Float32Array([1, -2]);
    const dx = layer.backward(x, g, 0.5);
    // Table 0: j = 1, flip bit 0 → j̄ = 0. gi = 1·(1 − 11) + (−2)·(2 − 12) = 10.
    //   U′(0.25) = −0.5 / 1.25² = −0.32; v = −3.2 → dx[0] += v, dx[1] −= v.
    // Table 1: j = 3, flip bit 0 → j̄ = 2. gi = 1·(203 − 303) + (−2)·(204 − 304) = 100.
    //   v = 100 · −0.32 = −32 → dx[3] += v, dx[0] −= v.
    const v0 = Math.fround(10 * Math.fround(-0.5 / (1.25 * 1.25)));
    const v1 = Math.fround(100 * Math.fround(-0.5 / (1.25 * 1.25)));
    expect([...dx]).toEqual([Math.fround(v0 - v1), -v0, 0, v1]);
    expect([...layer.row(0, 1)]).toEqual([11 - 0.5, 12 + 1]);
    expect([...layer.row(1, 3)]).toEqual([303 - 0.5, 304 + 1]);
    // Rows not selected are untouched.
    expect([...layer.row(0, 0)]).toEqual([1, 2]);
  });

  test('sign(0) = −1: a tie moves the gradient the other way', () => {
    const layer = new LutLayer({ inputs: 2, outputs: 1, tables: 1, comparisons: 1, simd: 'scalar' });
    layer.setAnchors([0], [1]);
    layer.setRow(0, 1, [4]);
    // u = 0: j = 0, flip → 1. gi = 1·(4 − 0) = 4; U′(0) = +0.5; v = 2.
    expect([...layer.backward(new Float32Array([3, 3]), new Float32Array([1]), 0)]).toEqual([2, -2]);
    // u > 0 at the same distance from flipping: U′ = −0.5 / 2² … with u = 1, j = 1, flip → 0.
    expect([...layer.backward(new Float32Array([4, 3]), new Float32Array([1]), 0)]).toEqual([0.5, -0.5]);
  });
});

describe('LutLayer SIMD forward equals the scalar reference bit for bit', () => {
  const shapes = [
    { inputs: 32, outputs: 32, tables: 16, comparisons: 6 },
    { inputs: 7, outputs: 5, tables: 3, comparisons: 2 },
    { inputs: 16, outputs: 17, tables: 17, comparisons: 4 },
    { inputs: 40, outputs: 33, tables: 19, comparisons: 5 },
    { inputs: 100, outputs: 256, tables: 16, comparisons: 6 },
  ];
  for (const simd of supportedSimdLevels()) {
    test(`${simd}`, () => {
      const random = seededRandom(11);
      for (const shape of shapes) {
        const layer = new LutLayer({ ...shape, seed: 5, simd });
        for (let i = 0; i < shape.tables; i++) {
          for (let j = 0; j < 1 << shape.comparisons; j += 1 + Math.floor(random() * 2)) {
            layer.setRow(i, j, randomInputs(shape.outputs, random));
          }
        }
        const xs = randomInputs(shape.inputs * 300, random);
        expect(bytesOf(layer.forward(xs)).equals(bytesOf(layer.forwardReference(xs)))).toBe(true);
        // One input at a time takes the single-input kernel (sum_selected), which reads the
        // unwritten rows (about a third here) under an empty mask: the same bits.
        for (let n = 0; n < 20; n++) {
          const x = xs.subarray(n * shape.inputs, (n + 1) * shape.inputs);
          expect(bytesOf(layer.forward(x)).equals(bytesOf(layer.forwardReference(x)))).toBe(true);
        }
        layer.close();
      }
    });
  }
});

describe('LutLayer anchors, memory and refusals', () => {
  test('anchors are seeded, distinct within a pair, and optionally distinct within a table', () => {
    const a = new LutLayer({ inputs: 5, outputs: 1, tables: 200, comparisons: 6, seed: 3 });
    const b = new LutLayer({ inputs: 5, outputs: 1, tables: 200, comparisons: 6, seed: 3 });
    expect(a.anchors()).toEqual(b.anchors());
    const { a: left, b: right } = a.anchors();
    for (let k = 0; k < left.length; k++) expect(left[k]).not.toBe(right[k]);
    let repeated = 0;
    const distinct = new LutLayer({ inputs: 5, outputs: 1, tables: 200, comparisons: 6, seed: 3, distinctPairs: true });
    for (const layer of [a, distinct]) {
      const { a: p, b: q } = layer.anchors();
      let count = 0;
      for (let i = 0; i < 200; i++) {
        const seen = new Set<string>();
        for (let r = 0; r < 6; r++) {
          const key = [p[i * 6 + r], q[i * 6 + r]].sort().join();
          if (seen.has(key)) count++;
          seen.add(key);
        }
      }
      if (layer === a) repeated = count;
      else expect(count).toBe(0);
    }
    // With 10 possible pairs and 6 draws, plain drawing repeats pairs in most tables.
    expect(repeated).toBeGreaterThan(50);
  });

  test('untouched rows cost no memory, even when read', () => {
    // 16 tables × 2^20 rows × 32 floats = 2 GiB of nominal tables.
    const layer = new LutLayer({ inputs: 32, outputs: 32, tables: 16, comparisons: 20 });
    expect(layer.memory()).toEqual({ tableBytes: 2 ** 31, mappedBytes: 0 });
    const y = layer.forward(randomInputs(32 * 1000, seededRandom(2)));
    expect(y.every((v) => v === 0)).toBe(true);
    expect(layer.memory().mappedBytes).toBe(0);
    expect(layer.forward(randomInputs(32, seededRandom(3))).every((v) => v === 0)).toBe(true);  // one input's kernel
    expect(layer.memory().mappedBytes).toBe(0);
    layer.setRow(3, 12345, new Float32Array(32).fill(1));
    expect(layer.memory().mappedBytes).toBe(4096);
    layer.close();
  });

  test('bad options and arguments give errors naming the parameter and its range', () => {
    expectError(caught(() => new LutLayer({ inputs: 1, outputs: 2, tables: 1, comparisons: 1 })), 'RangeError', /inputs must be an integer in \[2, /);
    expectError(caught(() => new LutLayer({ inputs: 4, outputs: 2, tables: 1, comparisons: 31 })), 'RangeError', /comparisons must be an integer in \[1, 30\]/);
    expectError(caught(() => new LutLayer({ inputs: 4, outputs: 2, tables: 1.5, comparisons: 1 })), 'RangeError', /tables/);
    expectError(
      caught(() => new LutLayer({ inputs: 32, outputs: 32, tables: 16, comparisons: 24, memoryLimit: 2 ** 30 })),
      'RangeError', /could take up to 34359738368 bytes, more than memoryLimit = 1073741824 bytes/);
    expectError(caught(() => new LutLayer({ inputs: 3, outputs: 1, tables: 1, comparisons: 4, distinctPairs: true })), 'RangeError', /at most inputs·\(inputs−1\)\/2 = 3/);
    const layer = new LutLayer({ inputs: 4, outputs: 2, tables: 2, comparisons: 2 });
    expectError(caught(() => layer.forward(new Float32Array(6))), 'RangeError', /x must hold a positive multiple of inputs = 4/);
    expectError(caught(() => layer.forward([1, 2, 3, 4] as unknown as Float32Array)), 'TypeError', /x must be a Float32Array/);
    expectError(caught(() => layer.forward(new Float32Array([1, NaN, 0, 0]))), 'RangeError', /x\[1\] must be finite/);
    expectError(caught(() => layer.backward(new Float32Array(4), new Float32Array(3), 0.1)), 'RangeError', /g must hold outputs = 2/);
    expectError(caught(() => layer.row(2, 0)), 'RangeError', /table must be an integer in \[0, 1\]/);
    expectError(caught(() => layer.setAnchors([0, 0, 0, 0], [0, 1, 1, 1])), 'RangeError', /anchors must be distinct/);
    layer.close();
    expectError(caught(() => layer.forward(new Float32Array(4))), 'Error', /the layer is closed/);
  });
});
