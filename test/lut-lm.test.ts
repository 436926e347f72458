import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LUT_LM_DEFAULTS, LutLanguageModel, learningRate, mobyDick, supportedSimdLevels } from '../lib';
import { caught, expectError, rejected } from './helpers/errors';
import { readSafetensors, tensorAsFloat32, tensorAsUint32 } from './helpers/safetensors';

const text = mobyDick();
const small = { context: 16, embedding: 16, positional: 3, layers: 2, heads: 2, tables: 8, comparisons: 4, warmup: 50, seed: 5 };
const data = { protocol: 'reference' as const, validationSnippets: 300 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-lm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function bytesOf(x: Float64Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

async function trained(options: object, steps: number, file?: string): Promise<{ losses: Float64Array; validations: { step: number; loss: number }[] }> {
  const model = new LutLanguageModel({ ...small, ...options });
  const result = await model.train(text, { steps, every: 250, ...data });
  if (file !== undefined) await model.save(file);
  model.close();
  return result;
}

describe('the fast engine gives the reference oracle\'s numbers bit for bit', () => {
  test('1,000 training steps, validations and the saved model, at every SIMD level and thread count', async () => {
    const reference = await trained({ impl: 'reference' }, 1000, path.join(tmp, 'reference.safetensors'));
    // Learning happened: the loss fell well below ln 256.
    expect(reference.validations.map((v) => v.step)).toEqual([0, 250, 500, 750]);
    expect(reference.validations[0].loss).toBeCloseTo(Math.log(256), 9);
    expect(reference.validations[3].loss).toBeLessThan(3.6);
    const referenceFile = fs.readFileSync(path.join(tmp, 'reference.safetensors'));
    const levels = supportedSimdLevels();
    for (const simd of levels) {
      for (const threads of simd === levels[levels.length - 1] ? [1, 3] : [2]) {
        const file = path.join(tmp, `fast-${simd}-${threads}.safetensors`);
        const fast = await trained({ impl: 'fast', simd, threads }, 1000, file);
        expect(bytesOf(fast.losses).equals(bytesOf(reference.losses))).toBe(true);
        expect(fast.validations).toEqual(reference.validations);
        expect(fs.readFileSync(file).equals(referenceFile)).toBe(true);
      }
    }
  });

  test('the spec\'s reference configuration, 6 steps, 2 threads', async () => {
    const run = async (impl: 'fast' | 'reference', threads: number) => {
      const model = new LutLanguageModel({ impl, threads, warmup: 4 });
      const result = await model.train(text, { steps: 6, ...data });
      const loss = await model.evaluate(text, { ...data, validationSnippets: 10 });
      model.close();
      return { losses: result.losses, loss };
    };
    const reference = await run('reference', 1);
    const fast = await run('fast', 2);
    expect(bytesOf(fast.losses).equals(bytesOf(reference.losses))).toBe(true);
    expect(fast.loss).toBe(reference.loss);
  });
});

describe('training', () => {
  test('the learning rate follows the spec: warm-up to step 4000, then 1/√(1+t)', () => {
    expect(learningRate(0)).toBe(0);
    expect(learningRate(2000)).toBeCloseTo(2000 / (4000 * Math.sqrt(4000)), 12);
    expect(learningRate(10000)).toBeCloseTo(1 / Math.sqrt(10001), 12);
    expect(learningRate(100, 50)).toBe(Math.min(1 / Math.sqrt(101), 100 / (50 * Math.sqrt(50))));
  });

  test('the defaults come from the core and are the spec reference hyper-parameters', () => {
    expect(LUT_LM_DEFAULTS).toEqual({ context: 32, embedding: 32, positional: 4, layers: 6, heads: 4, tables: 16, comparisons: 6, warmup: 4000 });
  });

  test('the untrained model scores ln 256 under both protocols', async () => {
    const model = new LutLanguageModel(small);
    expect(await model.evaluate(text, data)).toBeCloseTo(Math.log(256), 9);
    expect(await model.evaluate(text, { validationSnippets: 100 })).toBeCloseTo(Math.log(256), 9);
    model.close();
  });

  test('progress reports steps, learning rate, loss and each validation', async () => {
    const model = new LutLanguageModel(small);
    const validations: number[] = [];
    let last = 0;
    await model.train(text, {
      steps: 101, every: 50, ...data,
      onProgress: (p) => {
        expect(p.step).toBeGreaterThanOrEqual(last);
        last = p.step;
        if (p.validatedAt !== undefined) validations.push(p.validatedAt);
      },
    });
    expect(validations).toEqual([0, 50, 100]);
    expect(last).toBe(101);
    expect(model.step).toBe(101);
    model.close();
  });

  test('aborting keeps the steps done; going on equals never stopping', async () => {
    const whole = path.join(tmp, 'whole.safetensors');
    await trained({}, 400, whole);
    const model = new LutLanguageModel(small);
    const controller = new AbortController();
    const error = await rejected(() => model.train(text, {
      steps: 400, ...data, signal: controller.signal,
      onProgress: (p) => { if (p.step > 20) controller.abort(); },
    }));
    expect(error.name).toBe('AbortError');
    expect(model.step).toBeGreaterThan(20);
    expect(model.step).toBeLessThan(400);
    await model.train(text, { steps: 400 - model.step, ...data });
    const resumed = path.join(tmp, 'resumed-abort.safetensors');
    await model.save(resumed);
    expect(fs.readFileSync(resumed).equals(fs.readFileSync(whole))).toBe(true);
    model.close();
  });

  test('one call at a time; a closed model refuses work', async () => {
    const model = new LutLanguageModel(small);
    const running = model.train(text, { steps: 50, ...data });
    expectError(await rejected(() => model.train(text, { steps: 1 })), 'Error', /train\(\): a train\(\) is in progress/);
    await running;
    model.close();
    expectError(await rejected(() => model.evaluate(text)), 'Error', /closed/);
  });
});

describe('checkpoints (safetensors)', () => {
  test('save → load → train equals uninterrupted training, byte for byte', async () => {
    const whole = path.join(tmp, 'whole-600.safetensors');
    await trained({}, 600, whole);
    const first = new LutLanguageModel(small);
    await first.train(text, { steps: 300, ...data });
    const half = path.join(tmp, 'half.safetensors');
    await first.save(half);
    first.close();
    const second = await LutLanguageModel.load(half, { threads: 2 });
    expect(second.step).toBe(300);
    expect(second.config).toMatchObject(small);
    expect(second.trainedOn()).toEqual({ protocol: 'reference', bytes: text.length, crc32: expect.any(Number) });
    await second.train(text, { steps: 300, ...data, resume: true });
    const end = path.join(tmp, 'end.safetensors');
    await second.save(end);
    expect(fs.readFileSync(end).equals(fs.readFileSync(whole))).toBe(true);
    // Resuming on another text is refused.
    expectError(await rejected(() => second.train(text.subarray(0, 100000), { steps: 1, ...data, resume: true })), 'RangeError', /not the one the checkpoint was trained on/);
    second.close();
  });

  test('an independent safetensors reader opens the file', async () => {
    const file = path.join(tmp, 'whole-600.safetensors');
    const st = readSafetensors(file);
    for (const value of Object.values(st.metadata)) expect(typeof value).toBe('string');
    expect(st.metadata).toMatchObject({
      format: 'polychron-lut-lm', format_version: '1', context: '16', embedding: '16', layers: '2', heads: '2',
      tables: '8', comparisons: '4', positional: '3', step: '600', 'data.protocol': 'reference',
    });
    expect(st.metadata.rng).toMatch(/^[0-9a-f]{64}$/);
    expect(st.tensors.embedding).toMatchObject({ dtype: 'F32', shape: [256, 16] });
    const embedding = tensorAsFloat32(st.tensors.embedding);
    expect(embedding.every((e) => e >= -1 && e <= 1)).toBe(true);
    expect(st.tensors['layers.1.heads.0.positional']).toMatchObject({ dtype: 'F32', shape: [16, 8, 3] });
    for (const lut of ['layers.0.heads.1', 'layers.1.ffn', 'unembed']) {
      const width = lut.includes('heads') ? 2 * 4 + 3 : 4;
      const outputs = lut === 'unembed' ? 256 : 16;
      expect(st.tensors[`${lut}.anchors`]).toMatchObject({ dtype: 'U32', shape: [2, 4, 8] });
      const rows = tensorAsUint32(st.tensors[`${lut}.rows`]);
      expect(rows.length).toBeGreaterThan(0);
      for (let k = 1; k < rows.length; k++) expect(rows[k]).toBeGreaterThan(rows[k - 1]);
      expect(rows[rows.length - 1]).toBeLessThan(8 * 2 ** width);
      expect(st.tensors[`${lut}.values`]).toMatchObject({ dtype: 'F32', shape: [rows.length, outputs] });
      // Some stored rows moved away from zero.
      expect(tensorAsFloat32(st.tensors[`${lut}.values`]).some((v) => v !== 0)).toBe(true);
    }
  });

  test('only rows holding a nonzero bit are stored; float16 halves the values and loads within half precision', async () => {
    // Step 0 runs at learning rate 0: it writes rows but leaves them zero, so none is stored.
    const fresh = new LutLanguageModel(small);
    await fresh.train(text, { steps: 1, ...data });
    const first = path.join(tmp, 'step0.safetensors');
    await fresh.save(first);
    const st = readSafetensors(first);
    for (const lut of ['layers.0.heads.0', 'layers.1.ffn', 'unembed']) expect(st.tensors[`${lut}.rows`].shape).toEqual([0]);
    fresh.close();

    const model = new LutLanguageModel(small);
    await model.train(text, { steps: 300, ...data });
    const full = path.join(tmp, 'f32.safetensors');
    const half = path.join(tmp, 'f16.safetensors');
    await model.save(full);
    await model.save(half, { precision: 'float16' });
    const a = readSafetensors(full), b = readSafetensors(half);
    expect(b.tensors['unembed.values'].dtype).toBe('F16');
    expect(Array.from(tensorAsUint32(b.tensors['unembed.rows']))).toEqual(Array.from(tensorAsUint32(a.tensors['unembed.rows'])));
    expect(fs.statSync(half).size).toBeLessThan(0.6 * fs.statSync(full).size);
    const loaded = await LutLanguageModel.load(half);
    expect(loaded.step).toBe(300);
    const exact = await model.evaluate(text, data);
    const rounded = await loaded.evaluate(text, data);
    expect(Math.abs(rounded - exact)).toBeLessThan(1e-3);
    expectError(await rejected(() => model.save(half, { precision: 'float8' as 'float16' })), 'TypeError', /precision must be/);
    model.close();
    loaded.close();
  });

  test('missing, truncated, corrupt and foreign files give clear RangeErrors', async () => {
    const good = fs.readFileSync(path.join(tmp, 'whole-600.safetensors'));
    const bad = path.join(tmp, 'bad.safetensors');
    expectError(await rejected(() => LutLanguageModel.load(path.join(tmp, 'absent.safetensors'))), 'RangeError', /cannot open .*absent\.safetensors/);
    fs.writeFileSync(bad, good.subarray(0, good.length - 100));
    expectError(await rejected(() => LutLanguageModel.load(bad)), 'RangeError', /bad\.safetensors is not a safetensors file/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 7] ^= 0x40;
    fs.writeFileSync(bad, flipped);
    expectError(await rejected(() => LutLanguageModel.load(bad)), 'RangeError', /bad\.safetensors is corrupt: the CRC-32/);
    fs.writeFileSync(bad, 'not a checkpoint at all');
    expectError(await rejected(() => LutLanguageModel.load(bad)), 'RangeError', /not a safetensors file/);
  });
});

describe('memory', () => {
  test('the reference configuration reserves about 3 GB but maps only what it writes', async () => {
    const before = process.memoryUsage().rss;
    const model = new LutLanguageModel({ impl: 'fast' });
    expect(model.memory()).toEqual({ tableBytes: 3223060480, mappedBytes: 0 });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
    await model.evaluate(text, { ...data, validationSnippets: 10 });
    expect(model.memory().mappedBytes).toBe(0);
    await model.train(text, { steps: 3, ...data });
    const mapped = model.memory().mappedBytes;
    expect(mapped).toBeGreaterThan(0);
    expect(mapped).toBeLessThan(3223060480 / 4);
    model.close();
  });

  test('a configuration that could exceed memoryLimit is refused up front', () => {
    expectError(caught(() => new LutLanguageModel({ memoryLimit: 2 ** 30 })), 'RangeError',
      /could take up to 3223060480 bytes, more than memoryLimit = 1073741824 bytes/);
    expectError(caught(() => new LutLanguageModel({ comparisons: 13, positional: 5 })), 'RangeError',
      /2·comparisons \+ positional bits, at most 30 \(got 31/);
    expectError(caught(() => new LutLanguageModel({ layers: 0 })), 'RangeError', /layers must be an integer in \[1, 256\]/);
    expectError(caught(() => new LutLanguageModel({ impl: 'quick' as 'fast' })), 'TypeError', /impl must be 'fast' or 'reference'/);
    expectError(caught(() => new LutLanguageModel({ impl: 'reference', threads: 2 })), 'RangeError', /threads must be 1 with impl 'reference'/);
  });
});

describe('generation and evaluation', () => {
  test('generation is seeded, slides its window, and temperature 0 is greedy', async () => {
    const model = new LutLanguageModel(small);
    await model.train(text, { steps: 800, ...data });
    const a = await model.generateBytes('Call me Ishmael. Some years ago', { length: 60, seed: 3 });
    const b = await model.generateBytes('Call me Ishmael. Some years ago', { length: 60, seed: 3 });
    expect(a.length).toBe(60);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const greedy1 = await model.generateBytes('the whale', { length: 30, temperature: 0, seed: 1 });
    const greedy2 = await model.generateBytes('the whale', { length: 30, temperature: 0, seed: 2 });
    expect(Buffer.from(greedy1).equals(Buffer.from(greedy2))).toBe(true);
    // A trained model writes mostly letters and spaces.
    const sample = await model.generate('Call me Ishmael. ', { length: 200, seed: 1 });
    expect((sample.match(/[a-z ]/g) ?? []).length).toBeGreaterThan(120);
    expectError(await rejected(() => model.generate('')), 'RangeError', /prompt must hold at least one byte/);
    expectError(await rejected(() => model.generate('x', { temperature: -1 })), 'RangeError', /temperature must be ≥ 0/);
    expectError(await rejected(() => model.evaluate(text.subarray(0, 50), data)), 'RangeError', /needs at least/);
    expectError(await rejected(() => model.evaluate(text, { protocol: 'tail' as 'holdout' })), 'TypeError', /protocol must be 'holdout' or 'reference'/);
    model.close();
  });

  test('batched generation: stream k is generate(prompts[k]) with seed + k, bit for bit, at every thread count and in both implementations', async () => {
    const file = path.join(tmp, 'batch.safetensors');
    const trained = new LutLanguageModel(small);
    await trained.train(text, { steps: 300, ...data });
    await trained.save(file);
    trained.close();
    const prompts = ['Call me Ishmael. ', 'the whale', 'x', Buffer.from('Some years ago'), 'It is a way I have of driving off the spleen'];
    const options = { length: 50, seed: 7 };
    const alone = await LutLanguageModel.load(file, { impl: 'reference' });
    const expected = [];
    for (let k = 0; k < prompts.length; k++) expected.push(Buffer.from(await alone.generateBytes(prompts[k], { ...options, seed: 7 + k })));
    alone.close();
    for (const runtime of [{ impl: 'reference' as const }, { threads: 1 }, { threads: 2 }, { threads: 3 }]) {
      const model = await LutLanguageModel.load(file, runtime);
      const batch = await model.generateBatchBytes(prompts, options);
      expect(batch.map((b) => Buffer.from(b).toString('hex'))).toEqual(expected.map((b) => b.toString('hex')));
      expect(await model.generateBatch(prompts.slice(0, 2), { ...options, temperature: 0 }))
        .toEqual([await model.generate(prompts[0], { ...options, temperature: 0 }), await model.generate(prompts[1], { ...options, temperature: 0 })]);
      model.close();
    }
    const model = await LutLanguageModel.load(file, { threads: 2 });
    expectError(await rejected(() => model.generateBatch([])), 'RangeError', /prompts\.length must be an integer in \[1, 65536\]/);
    expectError(await rejected(() => model.generateBatch(['a', ''])), 'RangeError', /prompts\[1\] must hold at least one byte/);
    expectError(await rejected(() => model.generateBatch(['a', 3 as unknown as string])), 'TypeError', /prompts\[1\] must be a string/);
    expectError(await rejected(() => model.generateBatch('ab' as unknown as string[])), 'TypeError', /prompts must be an array/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await rejected(() => model.generateBatch(['a', 'b', 'c'], { length: 1 << 24, signal: controller.signal }));
    expect(error.name).toBe('AbortError');
    expect(model.busy).toBe(false);
    model.close();
  });
});
