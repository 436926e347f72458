// Knowledge distillation: train({ teacher }) mixes a teacher's top-k next-byte
// distribution into the target (q = (1 − α)·one-hot + α·row, g = softmax − q).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LutLanguageModel, mobyDick, type LmTeacher, type LutLanguageModelOptions } from '../lib';
import { expectError, rejected } from './helpers/errors';

const text = mobyDick().subarray(0, 20000);
const small = { context: 12, embedding: 16, positional: 3, layers: 2, heads: 2, tables: 8, comparisons: 4, warmup: 20, seed: 3 };
const data = { validationSnippets: 40, every: 100 };
const steps = 240;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-lm-distill-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  losses: Buffer;
  validations: { step: number; loss: number }[];
  tables: Buffer;
}

let files = 0;
async function run(options: LutLanguageModelOptions, teacher?: LmTeacher, n = steps): Promise<Run> {
  const model = new LutLanguageModel({ ...small, ...options });
  const result = await model.train(text, { steps: n, ...data, ...(teacher === undefined ? {} : { teacher }) });
  const file = path.join(tmp, `run-${files++}.safetensors`);
  await model.save(file);
  model.close();
  const losses = Buffer.from(result.losses.buffer, result.losses.byteOffset, result.losses.byteLength);
  return { losses, validations: result.validations, tables: fs.readFileSync(file) };
}

function expectSame(a: Run, b: Run): void {
  expect(a.losses.equals(b.losses)).toBe(true);
  expect(a.validations).toEqual(b.validations);
  expect(a.tables.equals(b.tables)).toBe(true);
}

// Row i: entries made by `entries(next byte, this byte, i)`; the last row (no next byte) sums to 0.
function teacherOf(k: number, weight: number | undefined, entries: (next: number, current: number, i: number) => [number, number][]): LmTeacher {
  const indices = new Uint8Array(text.length * k);
  const probabilities = new Float32Array(text.length * k);
  for (let i = 0; i + 1 < text.length; ++i) {
    const row = entries(text[i + 1], text[i], i);
    for (let j = 0; j < k; ++j) {
      indices[i * k + j] = row[j][0];
      probabilities[i * k + j] = row[j][1];
    }
  }
  return weight === undefined ? { indices, probabilities, k } : { indices, probabilities, k, weight };
}

// A soft teacher: most mass on the next byte, some on its neighbour, the current byte and
// a space (duplicates possible); every 7th row is empty (the plain target there).
const soft = (weight?: number) =>
  teacherOf(4, weight, (next, current, i) =>
    i % 7 === 3
      ? [[next, 0], [1, 0], [2, 0], [3, 0]]
      : [[next, 0.6], [(next + 1) % 256, 0.2], [current, 0.15], [32, 0.05]]);

let plain: Run;
beforeAll(async () => {
  plain = await run({});
});

test('a teacher with weight 0 trains exactly as no teacher', async () => {
  expectSame(await run({}, soft(0)), plain);
});

test('a teacher that is the next byte itself (weight 1) trains exactly as no teacher; rows are renormalised', async () => {
  // k = 1, probability 1: q is the one-hot target, so this also checks the rows are
  // indexed by the absolute position of the byte whose successor is predicted.
  expectSame(await run({}, teacherOf(1, 1, (next) => [[next, 1]])), plain);
  // k = 2, the next byte twice at 0.25: renormalised and summed, q is one-hot again.
  expectSame(await run({}, teacherOf(2, 1, (next) => [[next, 0.25], [next, 0.25]])), plain);
  // Views into larger buffers are read from their own offsets.
  const oneHot = teacherOf(1, 1, (next) => [[next, 1]]);
  const indices = new Uint8Array(text.length + 5).subarray(5);
  indices.set(oneHot.indices);
  const probabilities = new Float32Array(text.length + 3).fill(-1).subarray(3);
  probabilities.set(oneHot.probabilities);
  expectSame(await run({}, { indices, probabilities, k: 1, weight: 1 }), plain);
  // The same teacher shifted by one row is another target, and changes the tables.
  const shifted = teacherOf(1, 1, (_next, current) => [[current, 1]]);
  expect((await run({}, shifted)).tables.equals(plain.tables)).toBe(false);
});

test('the teacher is copied when train() is called: changing the arrays afterwards changes nothing', async () => {
  const teacher = soft(0.5);
  const model = new LutLanguageModel(small);
  const pending = model.train(text, { steps, ...data, teacher });
  // Overwritten while the worker runs: a model reading the arrays in place would see this.
  teacher.probabilities.fill(0);
  teacher.indices.fill(7);
  await pending;
  const file = path.join(tmp, 'copied.safetensors');
  await model.save(file);
  model.close();
  expect(fs.readFileSync(file).equals((await run({}, soft(0.5))).tables)).toBe(true);
});

test('a soft teacher changes the training; fast (1 and 2 threads) equals reference bit for bit', async () => {
  const teacher = soft(0.5);
  const reference = await run({ impl: 'reference' }, teacher);
  // It changes the model, but the reported losses stay the cross-entropy against the next
  // byte: steps 0 (learning rate 0) and 1 see the untrained model and report the same loss.
  expect(reference.tables.equals(plain.tables)).toBe(false);
  expect(reference.losses.equals(plain.losses)).toBe(false);
  expect(reference.losses.subarray(0, 16).equals(plain.losses.subarray(0, 16))).toBe(true);
  expect(reference.validations.length).toBe(3);
  expect(reference.validations[2].loss).not.toBe(plain.validations[2].loss);
  for (const threads of [1, 2]) expectSame(await run({ impl: 'fast', threads }, teacher), reference);
  // The default weight is 0.5.
  expectSame(await run({}, soft()), reference);
  // Another weight is another target.
  expect((await run({}, soft(0.9))).tables.equals(reference.tables)).toBe(false);
});

test('argument errors name the parameter, and leave the model usable', async () => {
  const model = new LutLanguageModel(small);
  const good = soft(0.5);
  const bad = async (teacher: unknown, name: string, message: RegExp) => {
    const options = { steps: 5, ...data, teacher } as unknown as Parameters<LutLanguageModel['train']>[1];
    expectError(await rejected(() => model.train(text, options)), name, message);
    expect(model.busy).toBe(false);
    expect(model.step).toBe(0);
  };
  const n = text.length;
  await bad(42, 'TypeError', /^teacher must be an object/);
  await bad({ ...good, indices: Array.from(good.indices) }, 'TypeError', /^teacher\.indices must be a Uint8Array/);
  await bad({ ...good, indices: new Int8Array(good.indices) }, 'TypeError', /^teacher\.indices must be a Uint8Array/);
  await bad({ ...good, probabilities: new Float64Array(good.probabilities) }, 'TypeError', /^teacher\.probabilities must be a Float32Array/);
  await bad({ ...good, k: undefined }, 'TypeError', /^teacher\.k must be a number/);
  await bad({ ...good, k: '4' }, 'TypeError', /^teacher\.k must be a number/);
  await bad({ ...good, k: 0 }, 'RangeError', /^teacher\.k must be an integer in \[1, 256\] \(got 0\)/);
  await bad({ ...good, k: 257 }, 'RangeError', /^teacher\.k must be an integer in \[1, 256\]/);
  await bad({ ...good, k: 2.5 }, 'RangeError', /^teacher\.k must be an integer/);
  await bad({ ...good, weight: '0.5' }, 'TypeError', /^teacher\.weight must be a number/);
  for (const weight of [-0.1, 1.5, NaN, Infinity]) {
    await bad({ ...good, weight }, 'RangeError', /^teacher\.weight must be a finite number in \[0, 1\]/);
  }
  // k = 5 with arrays made for k = 4: the lengths say what was expected and what came.
  await bad({ ...good, k: 5 }, 'RangeError',
    new RegExp(`text\\.length × teacher\\.k = ${n} × 5 = ${5 * n} elements \\(got ${4 * n} and ${4 * n}\\)`));
  await bad({ ...good, indices: good.indices.subarray(1) }, 'RangeError',
    new RegExp(`^teacher\\.indices and teacher\\.probabilities must each hold .* = ${4 * n} elements \\(got ${4 * n - 1} and ${4 * n}\\)`));
  await bad({ ...good, probabilities: new Float32Array(4 * n + 4) }, 'RangeError', new RegExp(`\\(got ${4 * n} and ${4 * n + 4}\\)`));
  for (const [row, value] of [[3, -0.25], [1234, NaN], [n - 1, Infinity], [77, -Infinity]] as const) {
    const probabilities = Float32Array.from(good.probabilities);
    probabilities[row * 4 + 2] = value;
    probabilities[(row + 1) * 4 + 1] = -1; // a later bad row is not the one named
    await bad({ ...good, probabilities }, 'RangeError', new RegExp(`^teacher\\.probabilities must be finite and ≥ 0; row ${row} holds .* at entry 2`));
  }
  // The C program (rng 'glibc', impl 'reference') has no teacher.
  const cProgram = new LutLanguageModel({ ...small, rng: 'glibc', impl: 'reference' });
  expectError(await rejected(() => cProgram.train(text, { steps: 1, protocol: 'reference', teacher: good })), 'RangeError',
    /a teacher needs impl 'fast' with rng 'glibc'/);
  cProgram.close();

  // Still usable, and nothing was drawn or trained: it goes on exactly as a fresh model.
  const result = await model.train(text, { steps, ...data });
  const file = path.join(tmp, 'after-errors.safetensors');
  await model.save(file);
  model.close();
  expect(Buffer.from(result.losses.buffer, result.losses.byteOffset, result.losses.byteLength).equals(plain.losses)).toBe(true);
  expect(fs.readFileSync(file).equals(plain.tables)).toBe(true);
});
