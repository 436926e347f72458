import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LUT_CLASSIFIER_DEFAULTS, LutClassifier, supportedSimdLevels, type LutClassifierOptions } from '../lib';
import { caught, expectError, rejected } from './helpers/errors';
import { seededRandom } from './helpers/random';

const bytesOf = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/**
 * Inputs of 6 values in [0, 1); the class is (x0 > x1) XOR (x2 > x3): a parity of two
 * comparisons, which no linear function of x separates (every half-plane gets half of
 * each class), while one LUT table of those two comparisons is exact.
 */
function xorData(count: number, seed: number): { x: Float32Array; y: Uint8Array } {
  const random = seededRandom(seed);
  const x = new Float32Array(count * 6);
  const y = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < 6; k++) x[n * 6 + k] = random();
    y[n] = Number(x[n * 6] > x[n * 6 + 1]) ^ Number(x[n * 6 + 2] > x[n * 6 + 3]);
  }
  return { x, y };
}

/** The best a linear model does: logistic regression trained by plain gradient descent. */
function linearAccuracy(train: { x: Float32Array; y: Uint8Array }, test: { x: Float32Array; y: Uint8Array }): number {
  const w = new Float64Array(7);
  const count = train.y.length;
  for (let epoch = 0; epoch < 200; epoch++) {
    const g = new Float64Array(7);
    for (let n = 0; n < count; n++) {
      let z = w[6];
      for (let k = 0; k < 6; k++) z += w[k] * train.x[n * 6 + k];
      const e = 1 / (1 + Math.exp(-z)) - train.y[n];
      for (let k = 0; k < 6; k++) g[k] += e * train.x[n * 6 + k];
      g[6] += e;
    }
    for (let k = 0; k < 7; k++) w[k] -= (2 * g[k]) / count;
  }
  let correct = 0;
  for (let n = 0; n < test.y.length; n++) {
    let z = w[6];
    for (let k = 0; k < 6; k++) z += w[k] * test.x[n * 6 + k];
    correct += Number((z > 0 ? 1 : 0) === test.y[n]);
  }
  return correct / test.y.length;
}

/** Random images with a class drawn from a few bright strokes, for the image paths. */
function strokeImages(count: number, rows: number, cols: number, seed: number): { x: Float32Array; y: Uint8Array } {
  const random = seededRandom(seed);
  const x = new Float32Array(count * rows * cols);
  const y = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = Math.floor(random() * 3);
    y[n] = label;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const on = label === 0 ? r === Math.floor(rows / 2) : label === 1 ? c === Math.floor(cols / 2) : r === c;
        x[n * rows * cols + r * cols + c] = (on ? 0.8 : 0.1) + 0.2 * random();
      }
    }
  }
  return { x, y };
}

describe('LutClassifier learns', () => {
  test('a rule no linear model can (parity of two comparisons)', async () => {
    const train = xorData(4000, 1);
    const test = xorData(1000, 2);
    expect(linearAccuracy(train, test)).toBeLessThan(0.62);
    const net = new LutClassifier({ inputs: 6, classes: 2, layers: [], readout: { tables: 32, comparisons: 4 }, seed: 3 });
    const result = await net.train(train.x, train.y, { epochs: 6, validation: 0.1 });
    expect(result.epochs).toBe(6);
    expect(result.history).toHaveLength(6);
    const e = await net.evaluate(test.x, test.y);
    expect(e.examples).toBe(1000);
    expect(e.accuracy).toBeGreaterThan(0.9);
    // A hidden layer (residual stack) learns it too, through the surrogate backward.
    const deep = new LutClassifier({
      inputs: 6, classes: 2, layers: [{ width: 8, tables: 32, comparisons: 4 }, { width: 8, tables: 16, comparisons: 3 }],
      readout: { tables: 16, comparisons: 4 }, seed: 4,
    });
    await deep.train(train.x, train.y, { epochs: 8, validation: 0.1 });
    expect((await deep.evaluate(test.x, test.y)).accuracy).toBeGreaterThan(0.9);
  });

  test('images: patch anchors and shift augmentation', async () => {
    const train = strokeImages(600, 8, 8, 5);
    const test = strokeImages(200, 8, 8, 6);
    const net = new LutClassifier({ inputs: 64, classes: 3, imageShape: [8, 8], layers: [{ width: 16, tables: 32, comparisons: 4 }], readout: { tables: 16, comparisons: 4 } });
    expect(net.config.anchors).toBe('patch');
    const result = await net.train(train.x, train.y, { epochs: 5, shift: 1 });
    expect(result.bestEpoch).toBeGreaterThan(0);
    expect((await net.evaluate(test.x, test.y)).accuracy).toBeGreaterThan(0.9);
    const predicted = await net.predict(test.x);
    expect(Object.prototype.toString.call(predicted)).toBe('[object Uint32Array]');
    expect(predicted.length).toBe(200);
  });
});

describe('LutClassifier numerics', () => {
  // An awkward shape: widths that are not multiples of 16, thresholds, several residual layers.
  const options: LutClassifierOptions = {
    inputs: 37, classes: 3, layers: [{ width: 20, tables: 24, comparisons: 5 }, { width: 20, tables: 12, comparisons: 3 }],
    readout: { tables: 9, comparisons: 4 }, thresholds: 3, thresholdShare: 0.3, seed: 7,
  };
  const data = (() => {
    const random = seededRandom(8);
    const x = new Float32Array(300 * 37);
    // Ties (0.5 repeated) exercise u = 0 → bit 0.
    for (let i = 0; i < x.length; i++) x[i] = random() < 0.1 ? 0.5 : random();
    const y = new Uint8Array(300).map((_, n) => Number(x[n * 37] > x[n * 37 + 1]) + Number(x[n * 37 + 2] > 0.5));
    return { x, y };
  })();

  test('results do not depend on the thread count', async () => {
    const one = new LutClassifier(options);
    const two = new LutClassifier(options);
    const a = await one.train(data.x, data.y, { epochs: 3, batch: 8, threads: 1 });
    const b = await two.train(data.x, data.y, { epochs: 3, batch: 8, threads: 2 });
    expect(b.history.map((e) => [e.trainLoss, e.validationAccuracy])).toEqual(a.history.map((e) => [e.trainLoss, e.validationAccuracy]));
    expect(bytesOf(two.logits(data.x))).toEqual(bytesOf(one.logits(data.x)));
    expect(bytesOf(two.logits(data.x, { threads: 2 }))).toEqual(bytesOf(one.logits(data.x)));
  });

  test.each([
    ['widths 20 and 3', options],
    ['a width of 70 (wider than the register-blocked kernels)', { ...options, layers: [{ width: 70, tables: 10, comparisons: 4 }] }],
  ])('every SIMD level and the batched path equal the scalar reference bit for bit: %s', async (_, shape) => {
    const trained = new LutClassifier(shape);
    await trained.train(data.x, data.y, { epochs: 2, batch: 4 });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-')), 'net.safetensors');
    await trained.save(file);
    const reference = trained.logitsReference(data.x);
    expect(reference.some((v) => v !== 0)).toBe(true);
    for (const simd of supportedSimdLevels()) {
      const net = await LutClassifier.load(file, { simd: simd as 'scalar' });
      expect(net.simd).toBe(simd);
      // 300 inputs: 18 lane-major blocks of 16, then 12 one at a time.
      expect(bytesOf(net.logits(data.x))).toEqual(bytesOf(reference));
      const single = new Float32Array(300 * 3);
      const out = new Float32Array(3);
      for (let n = 0; n < 300; n++) {
        expect(net.logits(data.x.subarray(n * 37, (n + 1) * 37), { out })).toBe(out);
        single.set(out, n * 3);
      }
      expect(bytesOf(single)).toEqual(bytesOf(reference));
      expect(bytesOf(net.logits(data.x, { threads: 2 }))).toEqual(bytesOf(reference));
    }
  });

  test('training with batch 1 is deterministic and batch size changes the rule only as documented', async () => {
    const a = new LutClassifier(options);
    const b = new LutClassifier(options);
    await a.train(data.x, data.y, { epochs: 1, batch: 1 });
    await b.train(data.x, data.y, { epochs: 1, batch: 1, threads: 2 });
    expect(bytesOf(b.logits(data.x))).toEqual(bytesOf(a.logits(data.x)));
    const c = new LutClassifier(options);
    await c.train(data.x, data.y, { epochs: 1, batch: 16 });
    expect(bytesOf(c.logits(data.x))).not.toEqual(bytesOf(a.logits(data.x)));
  });
});

describe('LutClassifier files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-classifier-'));
  const train = strokeImages(200, 8, 8, 9);
  const make = (): LutClassifier =>
    new LutClassifier({ inputs: 64, classes: 3, imageShape: [8, 8], layers: [{ width: 16, tables: 16, comparisons: 4 }], readout: { tables: 8, comparisons: 3 } });

  test('save and load round trip: same configuration, same logits', async () => {
    const net = make();
    await net.train(train.x, train.y, { epochs: 2 });
    const file = path.join(dir, 'round.safetensors');
    await net.save(file);
    const loaded = await LutClassifier.load(file);
    expect(loaded.config).toEqual(net.config);
    expect(bytesOf(loaded.logits(train.x))).toEqual(bytesOf(net.logits(train.x)));
    // The file is plain safetensors: its header names the tensors.
    const bytes = fs.readFileSync(file);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    expect(header['layers.0.tables'].shape).toEqual([16, 16, 16]);
    expect(header.__metadata__.format).toBe('polychron-lut-classifier');
  });

  test('float16 halves the tables and keeps the logits close', async () => {
    const net = make();
    await net.train(train.x, train.y, { epochs: 2 });
    const full = path.join(dir, 'full.safetensors');
    const half = path.join(dir, 'half.safetensors');
    await net.save(full);
    await net.save(half, { precision: 'float16' });
    expect(fs.statSync(half).size).toBeLessThan(0.6 * fs.statSync(full).size);
    const a = net.logits(train.x);
    const b = (await LutClassifier.load(half)).logits(train.x);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
    expect(worst).toBeLessThan(0.01);
  });

  test('damaged or foreign files are refused with the file named', async () => {
    const net = make();
    const file = path.join(dir, 'good.safetensors');
    await net.save(file);
    const bytes = fs.readFileSync(file);
    const cut = path.join(dir, 'cut.safetensors');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    expectError(await rejected(() => LutClassifier.load(cut)), 'RangeError', /cut\.safetensors/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 0x40;
    const damaged = path.join(dir, 'damaged.safetensors');
    fs.writeFileSync(damaged, flipped);
    expectError(await rejected(() => LutClassifier.load(damaged)), 'RangeError', /damaged\.safetensors.*(CRC|finite)/);
    const missing = path.join(dir, 'missing.safetensors');
    expect((await rejected(() => LutClassifier.load(missing))).message).toMatch(/missing\.safetensors/);
  });
});

describe('LutClassifier arguments', () => {
  test('defaults come from the core', () => {
    expect(LUT_CLASSIFIER_DEFAULTS.config.layers).toEqual([{ width: 32, tables: 512, comparisons: 6 }]);
    expect(LUT_CLASSIFIER_DEFAULTS.train.epochs).toBeGreaterThan(0);
    const net = new LutClassifier({ inputs: 10, classes: 2 });
    expect(net.config.layers).toEqual(LUT_CLASSIFIER_DEFAULTS.config.layers);
    expect(net.config.anchors).toBe('uniform');
  });

  test('bad options name the parameter and its range', () => {
    expectError(caught(() => new LutClassifier({ inputs: 1, classes: 2 })), 'RangeError', /inputs must be an integer in \[2, /);
    expectError(caught(() => new LutClassifier({ inputs: 10, classes: 2, layers: [{ width: 4, tables: 0, comparisons: 2 }] })),
      'RangeError', /layers\[0\]\.tables must be an integer in \[1, 4096\]/);
    expectError(caught(() => new LutClassifier({ inputs: 10, classes: 2, anchors: 'patch' })), 'RangeError', /image shape/);
    expectError(caught(() => new LutClassifier({ inputs: 10, classes: 2, imageShape: [3, 3] })), 'RangeError', /rows × cols = inputs/);
    expectError(caught(() => new LutClassifier({ inputs: 10, classes: 2, anchors: 'sideways' as 'patch' })), 'RangeError', /anchors must be/);
    expectError(caught(() => new LutClassifier({ inputs: 10, classes: 2, memoryLimit: 1000 })), 'RangeError', /memoryLimit/);
    expectError(caught(() => new LutClassifier({
      inputs: 10, classes: 2, layers: [{ width: 4, tables: 2, comparisons: 2 }, { width: 5, tables: 2, comparisons: 2 }],
    })), 'RangeError', /share one width/);
  });

  test('bad data is refused before any work', async () => {
    const net = new LutClassifier({ inputs: 4, classes: 2, layers: [] });
    expectError(await rejected(() => net.train(new Float32Array(7), new Uint8Array(1))), 'RangeError', /images must hold a positive multiple of inputs = 4/);
    expectError(await rejected(() => net.train(new Float32Array(8), new Uint8Array(3))), 'RangeError', /labels must hold one label per image \(2; got 3\)/);
    expectError(await rejected(() => net.train(new Float32Array(8), new Uint8Array([0, 2]))), 'RangeError', /label 1 is 2; labels must be in \[0, 1\]/);
    expectError(await rejected(() => net.train(new Float32Array([0, 1, NaN, 0, 0, 0, 0, 0]), new Uint8Array(2))), 'RangeError', /images\[2\] must be finite/);
    expectError(await rejected(() => net.train(new Float32Array(8), new Float32Array(2))), 'TypeError', /labels must be a Uint8Array/);
    expectError(await rejected(() => net.train(new Float32Array(8), new Uint8Array(2), { validation: 1 })), 'RangeError', /validation must be in \[0, 1\)/);
    expectError(await rejected(() => net.train(new Float32Array(8), new Uint8Array(2), { shift: 1 })), 'RangeError', /image shape/);
    expect(caught(() => net.logits(new Float64Array(4) as unknown as Float32Array)).name).toBe('TypeError');
    expectError(caught(() => net.logits(new Float32Array(8), { out: new Float32Array(3) })), 'RangeError', /out must hold images × classes = 4 numbers \(got 3\)/);
  });

  test('abort rejects with the reason; a throwing onEpoch rejects with its error; the tables stay usable', async () => {
    const { x, y } = xorData(2000, 3);
    const net = new LutClassifier({ inputs: 6, classes: 2, layers: [], readout: { tables: 16, comparisons: 3 } });
    const controller = new AbortController();
    const reason = new Error('enough');
    const aborted = net.train(x, y, { epochs: 100000, patience: 0, batch: 1, signal: controller.signal });
    expect(net.busy).toBe(true);
    expectError(caught(() => net.logits(x)), 'Error', /train\(\) is in progress/);
    setTimeout(() => controller.abort(reason), 20);
    expect(await rejected(() => aborted)).toBe(reason);
    expect(net.busy).toBe(false);
    const boom = new Error('boom');
    expect(await rejected(() => net.train(x, y, { epochs: 3, onEpoch: () => { throw boom; } }))).toBe(boom);
    expect(net.logits(x.subarray(0, 6))).toHaveLength(2);
    net.close();
    expect(net.closed).toBe(true);
    expectError(caught(() => net.logits(x)), 'Error', /closed/);
  });
});
