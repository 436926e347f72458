// Dense models read from safetensors and ONNX files written here, checked against a
// plain forward pass; their conversion into LUT networks checked on held-out inputs; and
// every kind of file conversion must refuse, refused with the file's name and the reason.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DenseModel, LutClassifier, convertToLut, writeIdx } from '../lib';
import { repoRoot } from './helpers/child';
import { expectError, rejected } from './helpers/errors';
import {
  denseOnnx,
  forward,
  onnxModel,
  onnxTensor,
  centreOutputs,
  randomLayers,
  writeDenseSafetensors,
  writeSafetensorsFloats,
  type TestLayer,
} from './helpers/dense-files';
import { seededRandom } from './helpers/random';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-convert-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const INPUTS = 36; // a 6 × 6 "image"
const random = seededRandom(17);

function inputs(count: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  // A quarter of the values are exactly 0, as in images (the forward loop skips zeros).
  return Float32Array.from({ length: count * INPUTS }, () => (r() < 0.25 ? 0 : r()));
}

const layers: TestLayer[] = randomLayers([INPUTS, 20, 16, 4], random);
centreOutputs(layers, inputs(2000, 99));

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[from + k] > v[from + best]) best = k;
  return best;
}

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('DenseModel', () => {
  const safetensorsFile = path.join(dir, 'mlp.safetensors');
  beforeAll(() => writeDenseSafetensors(safetensorsFile, layers));

  test('reads a PyTorch state dict from safetensors and computes its logits', async () => {
    const model = await DenseModel.load(safetensorsFile);
    expect(model.format).toBe('safetensors');
    expect([model.inputs, model.outputs]).toEqual([INPUTS, 4]);
    expect(model.layers).toEqual([
      { inputs: INPUTS, outputs: 20, activation: 'relu' },
      { inputs: 20, outputs: 16, activation: 'relu' },
      { inputs: 16, outputs: 4, activation: 'none' },
    ]);
    expect(model.parameters).toBe(INPUTS * 20 + 20 + 20 * 16 + 16 + 16 * 4 + 4);
    expect(model.multiplyAccumulates).toBe(INPUTS * 20 + 20 * 16 + 16 * 4);
    const x = inputs(50, 1);
    const logits = await model.logits(x, { threads: 2 });
    for (let n = 0; n < 50; n++) {
      const want = forward(layers, x.subarray(n * INPUTS, (n + 1) * INPUTS));
      for (let k = 0; k < 4; k++) expect(Math.abs(logits[n * 4 + k] - want[k])).toBeLessThan(1e-5 * (1 + Math.abs(want[k])));
    }
    // The thread count changes nothing.
    expect(Buffer.from((await model.logits(x, { threads: 1 })).buffer)).toEqual(Buffer.from(logits.buffer));
    model.close();
  });

  test('reads the same network from ONNX (Gemm with raw data, MatMul + Add with float data) to the same bits', async () => {
    const x = inputs(40, 2);
    const fromSafetensors = await DenseModel.load(safetensorsFile);
    const want = await fromSafetensors.logits(x);
    for (const [name, options] of [['gemm.onnx', {}], ['matmul.onnx', { matmul: true, raw: false }]] as const) {
      const model = await DenseModel.load(write(name, denseOnnx(layers, options)));
      expect(model.format).toBe('onnx');
      expect(model.layers.map((l) => l.activation)).toEqual(['relu', 'relu', 'none']);
      expect(Buffer.from((await model.logits(x)).buffer)).toEqual(Buffer.from(want.buffer));
    }
  });

  test('a safetensors file names its activation through the option; tanh is applied', async () => {
    const model = await DenseModel.load(safetensorsFile, { activation: 'tanh' });
    expect(model.layers.map((l) => l.activation)).toEqual(['tanh', 'tanh', 'none']);
    expectError(await rejected(() => DenseModel.load(safetensorsFile, { activation: 'gelu' as never })), 'RangeError', /activation must be 'relu', 'tanh', 'sigmoid' or 'none'/);
  });

  test('refuses what is not a chain of dense layers, naming the file and the reason', async () => {
    const cases: [string, Buffer | (() => void), RegExp][] = [];
    const conv = onnxModel(
      [{ op: 'Conv', inputs: ['input', 'W'], outputs: ['y'] }],
      [onnxTensor('W', [4, 1, 3, 3], new Float32Array(36))], 'input', 'y');
    cases.push(['conv.onnx', conv, /Conv.*not part of a dense network/]);
    const branch = onnxModel(
      [{ op: 'Gemm', inputs: ['input', 'W'], outputs: ['a'], ints: { transB: 1 } }, { op: 'Relu', inputs: ['input'], outputs: ['y'] }],
      [onnxTensor('W', [4, INPUTS], new Float32Array(4 * INPUTS))], 'input', 'y');
    cases.push(['branch.onnx', branch, /does not read the previous node's output/]);
    const mismatch = onnxModel(
      [
        { op: 'Gemm', inputs: ['input', 'W0'], outputs: ['a'], ints: { transB: 1 } },
        { op: 'Gemm', inputs: ['a', 'W1'], outputs: ['y'], ints: { transB: 1 } },
      ],
      [onnxTensor('W0', [8, INPUTS], new Float32Array(8 * INPUTS)), onnxTensor('W1', [3, 9], new Float32Array(27))], 'input', 'y');
    cases.push(['mismatch.onnx', mismatch, /reads 9 values but the layer before gives 8/]);
    // A tensor whose data is said to live in another file is refused, never followed.
    const external = Buffer.concat([onnxTensor('W', [4, INPUTS], new Float32Array(0), false), Buffer.from([14 << 3, 1])]);
    cases.push(['external.onnx', onnxModel([{ op: 'Gemm', inputs: ['input', 'W'], outputs: ['y'], ints: { transB: 1 } }], [external], 'input', 'y'), /external file/]);
    const short = onnxTensor('W', [4, INPUTS], new Float32Array(10));
    cases.push(['short.onnx', onnxModel([{ op: 'Gemm', inputs: ['input', 'W'], outputs: ['y'], ints: { transB: 1 } }], [short], 'input', 'y'), /bytes of data but its shape needs 576/]);
    for (const [name, bytes, why] of cases) {
      const file = write(name, bytes as Buffer);
      const error = await rejected(() => DenseModel.load(file));
      expectError(error, 'RangeError', why);
      expect(error.message).toContain(file);
    }
    const convFile = path.join(dir, 'conv.safetensors');
    writeSafetensorsFloats(convFile, { 'conv1.weight': { shape: [4, 1, 3, 3], data: new Float32Array(36) }, 'conv1.bias': { shape: [4], data: new Float32Array(4) } });
    expectError(await rejected(() => DenseModel.load(convFile)), 'RangeError', /conv1\.weight' has shape \[4, 1, 3, 3\]; only dense \(Linear\) layers/);
    const normFile = path.join(dir, 'norm.safetensors');
    writeSafetensorsFloats(normFile, { 'bn.running_mean': { shape: [4], data: new Float32Array(4) } });
    expectError(await rejected(() => DenseModel.load(normFile)), 'RangeError', /bn\.running_mean' is neither a layer's weight nor its bias/);
    const chainFile = path.join(dir, 'chain.safetensors');
    writeSafetensorsFloats(chainFile, {
      'fc1.weight': { shape: [8, INPUTS], data: new Float32Array(8 * INPUTS) },
      'fc2.weight': { shape: [3, 7], data: new Float32Array(21) },
    });
    expectError(await rejected(() => DenseModel.load(chainFile)), 'RangeError', /fc2\.weight' reads 7 values but 'fc1\.weight' gives 8/);
    expectError(await rejected(() => DenseModel.load(path.join(dir, 'missing.onnx'))), 'RangeError', /cannot open .*missing\.onnx/);
    expectError(await rejected(() => DenseModel.load(dir)), 'RangeError', /not a regular file/);
    expectError(await rejected(() => DenseModel.load('')), 'TypeError', /file must be a non-empty string/);
  });

  test('a truncated or bit-flipped ONNX file is refused or read as a valid chain, never a crash', async () => {
    const bytes = denseOnnx(layers);
    const random = seededRandom(5);
    let refused = 0;
    for (let trial = 0; trial < 60; trial++) {
      const damaged = Buffer.from(bytes);
      const file = path.join(dir, `damaged-${trial}.onnx`);
      if (trial % 2 === 0) {
        fs.writeFileSync(file, damaged.subarray(0, Math.floor(random() * bytes.length)));
      } else {
        damaged[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
        fs.writeFileSync(file, damaged);
      }
      try {
        const model = await DenseModel.load(file);
        // Loaded: it must still be a consistent chain.
        expect(model.layers[0].inputs).toBe(model.inputs);
        model.close();
      } catch (error) {
        expect((error as Error).name).toBe('RangeError');
        expect((error as Error).message).toContain(file);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(30); // every truncation at least
  });
});

describe('convertToLut', () => {
  test('distils a dense network into a LUT classifier that agrees with it on held-out inputs', async () => {
    const file = path.join(dir, 'teacher.onnx');
    fs.writeFileSync(file, denseOnnx(layers));
    const dense = await DenseModel.load(file);
    const calibration = inputs(6000, 3);
    const held = inputs(1000, 4);
    const denseHeld = await dense.logits(held);
    const heldClasses = Uint8Array.from({ length: 1000 }, (_, n) => argmax(denseHeld, n * 4, 4));
    const phases: string[] = [];
    const { classifier, report } = await convertToLut(dense, calibration, {
      layers: [{ width: 16, tables: 128, comparisons: 6 }],
      readout: { tables: 64, comparisons: 6 },
      epochs: 12,
      threads: 2,
      test: { images: held, labels: heldClasses },
      onEpoch: (phase) => void phases.push(phase),
    });
    expect(phases).toEqual(Array(phases.length).fill('distill'));
    expect(report.fineTuning).toBeUndefined();
    // Against labels that are the dense model's own classes, its accuracy is 1 and
    // accuracy kept equals agreement.
    expect(report.dense.testAccuracy).toBe(1);
    expect(report.accuracyKept).toBeCloseTo(report.testAgreement!, 12);
    const predicted = await classifier.predict(held);
    let same = 0;
    for (let n = 0; n < 1000; n++) same += predicted[n] === heldClasses[n] ? 1 : 0;
    expect(report.testAgreement).toBeCloseTo(same / 1000, 12);
    // Four classes, none of them more than 40% of the inputs (so agreement is earned).
    const shares = [0, 1, 2, 3].map((k) => heldClasses.filter((c) => c === k).length / 1000);
    expect(Math.max(...shares)).toBeLessThan(0.4);
    // A random network over random inputs is a hard teacher for pixel comparisons (0.66
    // measured); twice the largest class's share is far from what guessing gets.
    expect(report.testAgreement).toBeGreaterThan(0.55);
    expect(report.calibrationAgreement).toBeGreaterThan(0.55);
    expect(report.dense).toMatchObject({ format: 'onnx', layers: `${INPUTS}-20-16-4`, parameters: dense.parameters, bytes: dense.parameters * 4 });
    expect(report.lut).toMatchObject({ layers: [{ width: 16, tables: 128, comparisons: 6 }], readout: { tables: 64, comparisons: 6 }, rowReadsPerInference: 192 });
    expect(report.speedup).toBeCloseTo(report.dense.nsPerImage / report.lut.nsPerImage, 12);
    classifier.close();
    dense.close();
  }, 60_000);

  test('fine-tunes on labels after distillation when labels are given', async () => {
    const dense = await DenseModel.load(path.join(dir, 'teacher.onnx'));
    const calibration = inputs(2000, 6);
    const labels = Uint8Array.from({ length: 2000 }, (_, n) => n % 4);
    const phases = new Set<string>();
    const { classifier, report } = await convertToLut(dense, calibration, {
      layers: [{ width: 8, tables: 32, comparisons: 4 }], readout: { tables: 16, comparisons: 4 },
      labels, epochs: 2, fineTuneEpochs: 2, onEpoch: (phase) => void phases.add(phase),
    });
    expect([...phases]).toEqual(['distill', 'fine-tune']);
    expect(report.fineTuning?.epochs).toBe(2);
    expect(report.distillation.epochs).toBe(2);
    classifier.close();
  }, 30_000);

  test('checks its arguments', async () => {
    const dense = await DenseModel.load(path.join(dir, 'teacher.onnx'));
    const x = inputs(10, 7);
    expectError(await rejected(() => convertToLut({} as DenseModel, x)), 'TypeError', /dense must be a DenseModel/);
    expectError(await rejected(() => convertToLut(dense, new Float64Array(10) as never)), 'TypeError', /calibration must be a Float32Array/);
    expectError(await rejected(() => convertToLut(dense, x, { epochs: 0 })), 'RangeError', /epochs must be an integer in \[1, 1000000\]/);
    expectError(await rejected(() => convertToLut(dense, x, { seconds: -1 })), 'RangeError', /seconds must be a positive number/);
    expectError(await rejected(() => convertToLut(dense, new Float32Array(35))), 'RangeError', /images must hold a positive multiple of inputs = 36/);
  });
});

describe('LutClassifier.train with a teacher', () => {
  const x = inputs(200, 8);
  const labels = Uint8Array.from({ length: 200 }, (_, n) => n % 4);
  const make = () => new LutClassifier({ inputs: INPUTS, classes: 4, layers: [], readout: { tables: 8, comparisons: 4 } });

  test('refuses a malformed teacher naming it, and stays usable', async () => {
    const net = make();
    expectError(await rejected(() => net.train(x, labels, { teacher: new Float32Array(10) })), 'RangeError', /teacher must hold images × classes = 800 logits \(got 10\)/);
    expectError(await rejected(() => net.train(x, labels, { teacher: new Float64Array(800) as never })), 'TypeError', /teacher must be a Float32Array/);
    const nan = new Float32Array(800);
    nan[5] = NaN;
    expectError(await rejected(() => net.train(x, labels, { teacher: nan })), 'RangeError', /teacher\[5\] must be finite/);
    expectError(await rejected(() => net.train(x, labels, { teacher: new Float32Array(800), teacherWeight: 1.5 })), 'RangeError', /teacherWeight must be in \[0, 1\]/);
    expectError(await rejected(() => net.train(x, labels, { teacher: new Float32Array(800), temperature: 0 })), 'RangeError', /temperature must be in \(0, 1000\]/);
    await expect(net.train(x, labels, { epochs: 1, validation: 0 })).resolves.toMatchObject({ epochs: 1 });
    net.close();
  });

  test('teacher weight 0 is plain training, bit for bit; a teacher changes the tables', async () => {
    const teacher = Float32Array.from({ length: 800 }, (_, k) => Math.sin(k));
    const logits = async (options: object) => {
      const net = make();
      await net.train(x, labels, { epochs: 2, validation: 0, ...options });
      const out = net.logits(x);
      net.close();
      return Buffer.from(out.buffer);
    };
    const plain = await logits({});
    expect(await logits({ teacher, teacherWeight: 0 })).toEqual(plain);
    expect(await logits({ teacher, teacherWeight: 1 })).not.toEqual(plain);
  });
});

describe('polychron convert', () => {
  const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
  const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  /** count 6 × 6 IDX images (and labels 0…3) as the test network reads them. */
  function idxSet(name: string, count: number, seed: number): [string, string] {
    const r = seededRandom(seed);
    const files: [string, string] = [path.join(dir, `${name}-images`), path.join(dir, `${name}-labels`)];
    writeIdx(files[0], { type: 'uint8', shape: [count, 6, 6], data: Uint8Array.from({ length: count * INPUTS }, () => Math.floor(256 * r())) });
    writeIdx(files[1], { type: 'uint8', shape: [count], data: Uint8Array.from({ length: count }, () => Math.floor(4 * r())) });
    return files;
  }

  test('converts an ONNX model on IDX images, saves a classifier that classify eval reads, and reports as JSON', () => {
    const onnx = write('cli.onnx', denseOnnx(layers));
    const [images, labels] = idxSet('calibration', 1200, 11);
    const [testImages, testLabels] = idxSet('test', 300, 12);
    const model = path.join(dir, 'converted.safetensors');
    const report = path.join(dir, 'report.json');
    const out = polychron('convert', '--onnx', onnx, '--calibration', images, '--labels', labels, '--test-images', testImages,
      '--test-labels', testLabels, '--out', model, '--report', report, '--epochs', '3', '--fine-tune-epochs', '1',
      '--layers', '8x32x4', '--readout', '16x4', '--threads', '2', '--json');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary).toMatchObject({ model, denseBytes: layers.reduce((s, l) => s + 4 * (l.weight.length + l.bias.length), 0) });
    for (const key of ['calibrationAgreement', 'testAgreement', 'denseTestAccuracy', 'lutTestAccuracy', 'accuracyKept', 'speedup']) {
      expect(summary[key]).toBeGreaterThan(0);
    }
    expect(JSON.parse(fs.readFileSync(report, 'utf8')).fineTuning.epochs).toBe(1);
    const evaluated = polychron('classify', 'eval', '--model', model, '--images', testImages, '--labels', testLabels, '--json');
    expect(evaluated.status).toBe(0);
    expect(JSON.parse(evaluated.stdout).accuracy).toBeCloseTo(summary.lutTestAccuracy, 12);
  }, 60_000);

  test('refuses a wrong command line or model before any work, naming the problem', () => {
    const [images] = idxSet('few', 20, 13);
    const both = polychron('convert', '--onnx', 'a.onnx', '--safetensors', 'b.safetensors', '--calibration', images, '--out', path.join(dir, 'x'));
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/give exactly one of --onnx FILE and --safetensors FILE/);
    const conv = write('cli-conv.onnx', onnxModel([{ op: 'Conv', inputs: ['input', 'W'], outputs: ['y'] }],
      [onnxTensor('W', [4, 1, 3, 3], new Float32Array(36))], 'input', 'y'));
    const bad = polychron('convert', '--onnx', conv, '--calibration', images, '--out', path.join(dir, 'x.safetensors'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--onnx: .*cli-conv\.onnx.*Conv/);
    const normalize = polychron('convert', '--onnx', conv, '--calibration', images, '--out', path.join(dir, 'x'), '--normalize', '0.5');
    expect(normalize.status).toBe(1);
    expect(normalize.stderr).toMatch(/--normalize must be MEAN,STD/);
  });
});
