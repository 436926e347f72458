// Corrupt and hostile files (issue 19, "Corrupt files"; issue 25's hostile readers): every
// reader of the package gets small valid files truncated at every offset (a dense sample
// for the larger ones), with random bits flipped (seeded), and hand-made hostile variants
// (wrong magic and versions, huge declared sizes and shapes, deep JSON), plus a directory,
// a missing file and a path under a regular file. The loads run in a child process
// (test/helpers/corrupt-files-child.js, on dist/) so that a native crash or a hang is a
// failed test, not a dead jest. Rules: nothing crashes or hangs; a truncated or hostile
// file is rejected; every rejection is an Error whose message names the file; a flipped
// file that loads still works (a network runs, a model generates, a group set answers).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GroupSet,
  LutClassifier,
  LutLanguageModel,
  encodeNpy,
  findPolychronousGroups,
  izhikevich2006,
  writeIdx,
  writeSpikes,
  writeWeights,
} from '../lib';
import { chainNetwork } from './helpers/chain';
import { repoRoot } from './helpers/child';
import { denseOnnx, onnxModel, onnxTensor, randomLayers, writeDenseSafetensors } from './helpers/dense-files';
import { seededRandom } from './helpers/random';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-corrupt-'));
// The mutated copies are written thousands of times: in memory (tmpfs) where there is one,
// as a write to disk costs milliseconds each.
const scratch = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : dir, 'polychron-corrupt-'));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

interface ChildResult {
  kind: string;
  bytes: number;
  truncated: number;
  truncatedLoaded: number;
  flipped: number;
  flippedLoaded: number;
  hostile: number;
  rejected: number;
  mutated: number;
  problems: string[];
  ms: number;
}

const CHILD = path.join(__dirname, 'helpers', 'corrupt-files-child.js');
const CHILD_TIMEOUT_MS = 30_000;
// Room for two children per test under the ASan build, which CI runs too.
const TEST_TIMEOUT_MS = 3 * CHILD_TIMEOUT_MS;
const totals: ChildResult[] = [];
afterAll(() => {
  // The counts the issue's closing note quotes ("files mutated").
  const lines = totals.map((r) => `${r.kind}: ${r.mutated} files mutated (${r.truncated} truncated, ${r.flipped} flipped of which ${r.flippedLoaded} loaded, ${r.hostile} hostile) in ${r.ms} ms`);
  console.log(`corrupt files: ${totals.reduce((n, r) => n + r.mutated, 0)} files mutated\n${lines.join('\n')}`);
});

/** Runs the mutation loop on `file` in a child process; a signal or a timeout fails with the input at fault. */
function mutate(kind: string, file: string, options: { flips?: number; maxTruncations?: number; hostile?: { file: string; why: string }[] } = {}): Promise<ChildResult> {
  const work = fs.mkdtempSync(path.join(scratch, `${kind}-`));
  const args = { kind, file, dir: work, seed: 0x9e3779b9, flips: options.flips ?? 150, maxTruncations: options.maxTruncations ?? 2500, hostile: options.hostile ?? [] };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const progress = path.join(work, 'progress.txt');
      const last = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8').trim() : '(before the first load)';
      if (signal !== null || code !== 0) {
        const what = signal === 'SIGKILL' ? `hung (killed after ${CHILD_TIMEOUT_MS} ms)` : `crashed (${signal ?? `exit code ${code}`})`;
        reject(new Error(`${kind}: the loader ${what} at: ${last}\n${stderr.slice(-4000)}`));
        return;
      }
      try {
        const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
        totals.push({ ...result, kind: `${kind} ${path.basename(file)}` });
        resolve(result);
      } catch {
        reject(new Error(`${kind}: no result from the child: ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/** Asserts the rules on a child's result. */
function expectClean(result: ChildResult, options: { truncationsMayLoad?: boolean } = {}): void {
  expect(result.problems).toEqual([]);
  expect(result.truncated).toBeGreaterThan(0);
  expect(result.flipped).toBeGreaterThan(0);
  if (!options.truncationsMayLoad) expect(result.truncatedLoaded).toBe(0);
  // Every rejection named the file; the rest loaded and passed the checks.
  expect(result.rejected + result.truncatedLoaded + result.flippedLoaded).toBe(result.mutated);
}

/** A copy of `bytes` with `patch` applied, written as `name`. */
function variant(name: string, bytes: Buffer, patch: (b: Buffer) => Buffer | void): string {
  const copy = Buffer.from(bytes);
  const file = path.join(dir, name);
  const changed = patch(copy) ?? copy;
  // A variant that came out as the valid file would test nothing.
  if (changed.equals(bytes)) throw new Error(`the variant ${name} equals the valid file`);
  fs.writeFileSync(file, changed);
  return file;
}

/** A safetensors file from a header object and data bytes, as any writer would lay it out. */
function safetensorsFile(header: object | string, data = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([size, json, data]);
}

/** Hostile variants every safetensors reader must refuse. */
function hostileSafetensors(stem: string, good: Buffer): { file: string; why: string }[] {
  const headerSize = Number(good.readBigUInt64LE(0));
  const header = good.subarray(8, 8 + headerSize).toString();
  const withHeader = (text: string) => {
    const padded = text.padEnd(headerSize, ' ');
    return Buffer.concat([good.subarray(0, 8), Buffer.from(padded), good.subarray(8 + headerSize)]);
  };
  // Only polychron's own formats carry a format and a version in their metadata.
  const own = header.includes('"format_version":"1"')
    ? [
      { file: variant(`${stem}-version.safetensors`, good, () => withHeader(header.replace('"format_version":"1"', '"format_version":"7"'))), why: 'format version 7' },
      { file: variant(`${stem}-format.safetensors`, good, () => withHeader(header.replace(/"format":"polychron-[a-z-]+"/, (m) => m.replace('polychron', 'polychrom')))), why: 'another format' },
    ]
    : [];
  return [
    ...own,
    { file: variant(`${stem}-header-2e63.safetensors`, good, (b) => void b.writeBigUInt64LE(2n ** 63n, 0)), why: 'a header size of 2^63 bytes' },
    { file: variant(`${stem}-header-max.safetensors`, good, (b) => void b.writeBigUInt64LE(2n ** 64n - 1n, 0)), why: 'a header size of 2^64 - 1 bytes' },
    { file: variant(`${stem}-header-0.safetensors`, good, (b) => void b.writeBigUInt64LE(0n, 0)), why: 'a header size of 0' },
    { file: variant(`${stem}-not-json.safetensors`, good, (b) => void b.fill(0x41, 8, 8 + headerSize)), why: 'a header that is not JSON' },
    { file: variant(`${stem}-shape-2e62.safetensors`, good, () => safetensorsFile({ embedding: { dtype: 'F32', shape: [2 ** 31, 2 ** 31], data_offsets: [0, 0] } })), why: 'a tensor of 2^62 elements' },
    { file: variant(`${stem}-offsets-2e63.safetensors`, good, () => safetensorsFile(`{"embedding":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775807,9223372036854775808]}}`, Buffer.alloc(1))), why: 'data offsets near 2^63' },
    { file: variant(`${stem}-deep.safetensors`, good, () => safetensorsFile(`{"a":${'['.repeat(100000)}${']'.repeat(100000)}}`)), why: 'a header nested 100000 deep' },
    { file: variant(`${stem}-appended.safetensors`, good, (b) => Buffer.concat([b, Buffer.alloc(3)])), why: 'bytes after the tensors' },
  ];
}

describe('corrupt and hostile files are rejected with an Error naming the file, never a crash or a hang', () => {
  test('network checkpoints (Network.load), reference and fast mode', async () => {
    for (const mode of ['reference', 'fast'] as const) {
      const { network } = izhikevich2006({ seed: 3, neurons: 10, synapsesPerNeuron: 3, maxDelay: 3, mode });
      await network.run(30);
      const file = path.join(dir, `network-${mode}.pcc`);
      await network.save(file);
      network.close();
      const good = fs.readFileSync(file);
      const hostile = [
        { file: variant(`network-${mode}-magic.pcc`, good, (b) => void (b[0] ^= 0x20)), why: 'wrong magic' },
        { file: variant(`network-${mode}-version-99.pcc`, good, (b) => void b.writeUInt32LE(99, 8)), why: 'format version 99' },
        { file: variant(`network-${mode}-version-0.pcc`, good, (b) => void b.writeUInt32LE(0, 8)), why: 'format version 0' },
        { file: variant(`network-${mode}-kind.pcc`, good, (b) => void b.writeUInt32LE(2, 12)), why: 'another kind of checkpoint' },
        { file: variant(`network-${mode}-payload-2e63.pcc`, good, (b) => void b.writeBigUInt64LE(2n ** 63n, 16)), why: 'a payload of 2^63 bytes' },
        { file: variant(`network-${mode}-payload-short.pcc`, good, (b) => void b.writeBigUInt64LE(BigInt(good.length - 40), 16)), why: 'a payload size shorter than the file' },
        { file: variant(`network-${mode}-appended.pcc`, good, (b) => Buffer.concat([b, Buffer.alloc(1)])), why: 'a byte after the payload' },
        { file: variant(`network-${mode}-empty.pcc`, good, () => Buffer.alloc(0)), why: 'an empty file' },
      ];
      expectClean(await mutate('network', file, { hostile, flips: 200 }));
    }
  }, TEST_TIMEOUT_MS);

  test('language-model checkpoints (LutLanguageModel.load)', async () => {
    const model = new LutLanguageModel({ context: 4, embedding: 2, positional: 2, layers: 1, heads: 1, tables: 2, comparisons: 2, seed: 5 });
    await model.train('the quick brown fox jumps over the lazy dog', { steps: 4 });
    const file = path.join(dir, 'model.safetensors');
    await model.save(file);
    model.close();
    const good = fs.readFileSync(file);
    // Metadata claiming a larger model than the tensors hold (the data and its CRC intact).
    const headerSize = Number(good.readBigUInt64LE(0));
    const header = good.subarray(8, 8 + headerSize).toString();
    const claim = (name: string, values: Record<string, string>) => ({
      file: variant(name, good, () => safetensorsFile(
        Object.entries(values).reduce((text, [key, value]) => text.replace(new RegExp(`"${key}":"\\d+"`), `"${key}":"${value}"`), header),
        good.subarray(8 + headerSize))),
      why: `metadata claiming ${JSON.stringify(values)}`,
    });
    const hostile = [
      ...hostileSafetensors('model', good),
      claim('model-embedding.safetensors', { embedding: '1048576' }),
      claim('model-context.safetensors', { context: '1048576' }),
      claim('model-layers.safetensors', { layers: '1048576' }),
      claim('model-heads.safetensors', { heads: '65536' }),
      // Within every range: 64 MiB of positional vectors per head, of an 8 kB file.
      claim('model-positional.safetensors', { context: '4096', tables: '4096', positional: '1', heads: '256', layers: '16' }),
    ];
    expectClean(await mutate('lm', file, { hostile, flips: 200 }));
  }, TEST_TIMEOUT_MS);

  test('group files (GroupSet.load)', async () => {
    const network = chainNetwork();
    const set = await findPolychronousGroups(network, { minPath: 1, threads: 1 });
    network.close();
    expect(set.size).toBeGreaterThan(0);
    // A few groups keep the file small enough to cut at every offset.
    const file = path.join(dir, 'groups.json');
    await new GroupSet(set.groups.slice(0, 2), set.search).save(file);
    const good = fs.readFileSync(file);
    const text = good.toString();
    const hostile = [
      { file: variant('groups-deep.json', good, () => Buffer.from(`${'['.repeat(200000)}${']'.repeat(200000)}`)), why: 'JSON nested 200000 deep' },
      { file: variant('groups-neuron.json', good, () => Buffer.from(text.replace('"firings":[[', '"firings":[[4000000000,0,0],['))), why: 'a firing of a neuron that does not exist' },
      { file: variant('groups-array.json', good, () => Buffer.from('[]')), why: 'an array' },
      { file: variant('groups-binary.json', good, () => Buffer.from([0xff, 0xfe, 0, 0x7b])), why: 'binary bytes' },
    ];
    expectClean(await mutate('groups', file, { hostile, maxTruncations: 3000 }));
  }, TEST_TIMEOUT_MS);

  test('LUT classifier files (LutClassifier.load)', async () => {
    const net = new LutClassifier({ inputs: 6, classes: 3, layers: [], readout: { tables: 2, comparisons: 3 }, seed: 2 });
    await net.train(Float32Array.from({ length: 60 }, (_, k) => (k * 7) % 11 / 11), Uint8Array.from({ length: 10 }, (_, k) => k % 3), { epochs: 1 });
    const file = path.join(dir, 'classifier.safetensors');
    await net.save(file);
    net.close();
    expectClean(await mutate('classifier', file, { hostile: hostileSafetensors('classifier', fs.readFileSync(file)) }));
  }, TEST_TIMEOUT_MS);

  test('dense models (DenseModel.load): safetensors and ONNX', async () => {
    const layers = randomLayers([4, 3, 2], seededRandom(9));
    const safetensors = path.join(dir, 'dense.safetensors');
    writeDenseSafetensors(safetensors, layers);
    expectClean(await mutate('dense', safetensors, { hostile: hostileSafetensors('dense', fs.readFileSync(safetensors)) }));

    const onnx = path.join(dir, 'dense.onnx');
    fs.writeFileSync(onnx, denseOnnx(layers));
    const huge = (name: string, dims: number[]) => {
      const model = onnxModel([{ op: 'Gemm', inputs: ['input', 'W', 'b'], outputs: ['out'], ints: { transB: 1 } }],
        [onnxTensor('W', dims, new Float32Array(8)), onnxTensor('b', [2], new Float32Array(2))], 'input', 'out');
      return { file: variant(name, Buffer.alloc(0), () => model), why: `a weight declared [${dims.join(', ')}]` };
    };
    const hostile = [
      huge('dense-1e12.onnx', [1_000_000, 1_000_000]),
      huge('dense-2e64.onnx', [2 ** 32, 2 ** 32]),
      { file: variant('dense-varint.onnx', Buffer.alloc(0), () => Buffer.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), why: 'a field declaring 2^64 - 1 bytes' },
      { file: variant('dense-garbage.onnx', Buffer.alloc(0), () => Buffer.from('not a model at all')), why: 'text' },
    ];
    expectClean(await mutate('dense', onnx, { hostile }));
  }, TEST_TIMEOUT_MS);

  test('spike and weight tables (readSpikes, readWeights): CSV, Arrow, NPZ', async () => {
    const spikes = { times: Float64Array.from([0, 1.5, 2, 7, 9]), neurons: Uint32Array.from([3, 1, 4, 1, 5]) };
    const csv = path.join(dir, 'spikes.csv');
    await writeSpikes(csv, spikes);
    // A prefix of a CSV cut at a line is itself a table: truncations may load (then checked).
    expectClean(await mutate('spikes', csv), { truncationsMayLoad: true });

    const arrow = path.join(dir, 'spikes.arrow');
    await writeSpikes(arrow, spikes);
    expectClean(await mutate('spikes', arrow, { flips: 100 }));

    const weights = path.join(dir, 'weights.npz');
    await writeWeights(weights, {
      pre: Uint32Array.from([0, 1]), post: Uint32Array.from([1, 0]), delay: Uint8Array.from([1, 2]),
      weight: Float32Array.from([6, 5]), derivative: Float32Array.from([0, 0.5]), projection: Uint16Array.from([0, 0]),
    });
    expectClean(await mutate('weights', weights));
  }, TEST_TIMEOUT_MS);

  test('NPY and IDX arrays (readNpy, readIdx)', async () => {
    const npy = path.join(dir, 'array.npy');
    const encoded = encodeNpy({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    fs.writeFileSync(npy, encoded);
    const header = (text: string, data = Buffer.alloc(0)) => {
      const body = `${text}`.padEnd(118, ' ') + '\n';
      return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, body.length & 0xff, body.length >> 8]), Buffer.from(body), data]);
    };
    const hostileNpy = [
      { file: variant('npy-shape-overflow.npy', encoded, () => header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", Buffer.alloc(24))), why: 'a shape of 2^64 elements' },
      { file: variant('npy-shape-huge.npy', encoded, () => header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", Buffer.alloc(8))), why: 'a dimension beyond 2^53' },
      { file: variant('npy-negative.npy', encoded, () => header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", Buffer.alloc(4))), why: 'a negative dimension' },
      { file: variant('npy-descr.npy', encoded, () => header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(16))), why: 'an unknown dtype' },
      { file: variant('npy-header-len.npy', encoded, (b) => void b.writeUInt16LE(0xffff, 8)), why: 'a header length beyond the file' },
      { file: variant('npy-magic.npy', encoded, (b) => void (b[1] = 0x6e)), why: 'wrong magic' },
      { file: variant('npy-version.npy', encoded, (b) => void (b[6] = 9)), why: 'format version 9' },
    ];
    expectClean(await mutate('npy', npy, { hostile: hostileNpy }));

    const idx = path.join(dir, 'images.idx');
    writeIdx(idx, { type: 'uint8', shape: [2, 3, 3], data: Uint8Array.from({ length: 18 }, (_, k) => k * 13) });
    const good = fs.readFileSync(idx);
    const hostileIdx = [
      { file: variant('idx-huge.idx', good, (b) => { b.writeUInt32BE(0xffffffff, 4); b.writeUInt32BE(0xffffffff, 8); b.writeUInt32BE(0xffffffff, 12); }), why: 'dimensions of 2^32 - 1' },
      { file: variant('idx-type.idx', good, (b) => void (b[2] = 0x07)), why: 'an unknown element type' },
      { file: variant('idx-rank.idx', good, (b) => void (b[3] = 0xff)), why: 'rank 255' },
      { file: variant('idx-magic.idx', good, (b) => void (b[0] = 1)), why: 'wrong magic' },
    ];
    expectClean(await mutate('idx', idx, { hostile: hostileIdx }));
  }, TEST_TIMEOUT_MS);

  test('network descriptions (networkFromDescription)', async () => {
    const file = path.join(dir, 'description.json');
    fs.writeFileSync(file, JSON.stringify({
      version: 1,
      seed: 4,
      populations: [{ name: 'e', size: 8, preset: 'RS' }, { name: 'cue', model: 'spikeTrains', size: 1, times: [1], neurons: [0] }],
      projections: [{ source: 'cue', target: 'e', rule: { kind: 'explicit', pre: [0], post: [0] }, weight: 20 }, { source: 'e', target: 'e', rule: { kind: 'fixedOutDegree', degree: 2 }, delay: { evenly: [1, 3] }, weight: 6, plastic: true }],
      inputs: [{ kind: 'thalamic', target: 'e', perMs: 1 }],
    }));
    const hostile = [
      { file: variant('description-deep.json', Buffer.alloc(0), () => Buffer.from(`${'{"a":'.repeat(50000)}1${'}'.repeat(50000)}`)), why: 'JSON nested 50000 deep' },
      { file: variant('description-version.json', fs.readFileSync(file), (b) => Buffer.from(b.toString().replace('"version":1', '"version":9'))), why: 'version 9' },
      { file: variant('description-size.json', Buffer.alloc(0), () => Buffer.from(JSON.stringify({ version: 1, populations: [{ name: 'e', size: 4294967295 }] }))), why: '2^32 - 1 neurons' },
    ];
    expectClean(await mutate('description', file, { hostile }));
  }, TEST_TIMEOUT_MS);
});
