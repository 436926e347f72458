// File formats: the strict .npy reader and writer, .npz archives, Arrow IPC, and spikes,
// weights and state traces round-tripped bit for bit through every format.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  Network,
  decodeNpy,
  decodeNpz,
  encodeNpy,
  encodeNpz,
  readNpy,
  readSpikes,
  readStateTrace,
  readWeights,
  writeSpikes,
  writeStateTrace,
  writeWeights,
  type NpyArray,
  type SpikeTable,
  type StateTrace,
  type SynapseTable,
} from '../lib';
import { decodeArrow, encodeArrow } from '../lib/formats/arrow';
import { crc32InJavaScript } from '../lib/formats/npz';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-formats-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
const file = (name: string) => path.join(folder, name);

/** Bytes compared, so that NaN payloads and −0 count too; types by tag, as the addon's arrays are of another realm. */
function bytesOf(data: ArrayBufferView): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function expectSameArrays(got: Record<string, unknown>, want: Record<string, ArrayBufferView>): void {
  for (const [key, data] of Object.entries(want)) {
    expect(Object.prototype.toString.call(got[key])).toBe(Object.prototype.toString.call(data));
    expect(bytesOf(got[key] as ArrayBufferView).equals(bytesOf(data))).toBe(true);
  }
}

const SAMPLES = [-0, 1.5, NaN, Infinity, -3e38, 2 ** 31, 7];
const ARRAYS: Array<[string, NpyArray['data']]> = [
  ['<f4', Float32Array.from(SAMPLES)],
  ['<f8', Float64Array.from([...SAMPLES, 0.1, Number.MIN_VALUE])],
  ['<u1', Uint8Array.from([0, 1, 255])],
  ['<u2', Uint16Array.from([0, 65535, 3])],
  ['<u4', Uint32Array.from([0, 2 ** 32 - 1, 5])],
  ['<i4', Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0])],
  ['<i8', BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n])],
  ['<u8', BigUint64Array.from([0n, 2n ** 64n - 1n, 9n])],
];

describe('.npy', () => {
  test.each(ARRAYS)('%s round-trips as 1-D, 0-length, 2-D and scalar, in memory and through a file', async (dtype, data) => {
    const shapes: Array<[number[], NpyArray['data']]> = [
      [[data.length], data],
      [[0], data.slice(0, 0)],
      [[3, 0], data.slice(0, 0)],
      [[1, 3], data.slice(0, 3)],
      [[], data.slice(0, 1)],
    ];
    for (const [shape, values] of shapes) {
      const bytes = encodeNpy({ shape, data: values });
      expect(bytes.indexOf(`'descr': '${dtype === '<u1' ? '|u1' : dtype}'`)).toBeGreaterThan(0);
      // numpy aligns the data to 64 bytes.
      expect((bytes.length - values.byteLength) % 64).toBe(0);
      const back = decodeNpy(bytes, 'memory');
      expect(back.shape).toEqual(shape);
      expectSameArrays(back as never, { data: values });
      fs.writeFileSync(file('a.npy'), bytes);
      const read = await readNpy(file('a.npy'));
      expect(read.shape).toEqual(shape);
      expectSameArrays(read as never, { data: values });
    }
  });

  test('reads a header as numpy writes it, with version 2.0 and its 4-byte length', () => {
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const headerLength = 128 - 12;
    const header = Buffer.alloc(128, ' ');
    Buffer.from('\x93NUMPY\x02\x00', 'latin1').copy(header);
    header.writeUInt32LE(headerLength, 8);
    header.write(dict, 12, 'latin1');
    header[127] = 0x0a;
    const bytes = Buffer.concat([header, bytesOf(Float64Array.of(1, 2))]);
    expect(Array.from(decodeNpy(bytes, 'v2').data as Float64Array)).toEqual([1, 2]);
  });

  /** An .npy file of 2 float64 values with its header dict replaced. */
  function withDict(dict: string, dataBytes = 16): Buffer {
    const good = encodeNpy({ shape: [2], data: Float64Array.of(1, 2) });
    const headerLength = good.readUInt16LE(8);
    const padded = `${dict}${' '.repeat(Math.max(0, headerLength - dict.length - 1))}\n`;
    const preamble = Buffer.from(good.subarray(0, 10));
    preamble.writeUInt16LE(padded.length, 8);
    return Buffer.concat([preamble, Buffer.from(padded, 'latin1'), Buffer.alloc(dataBytes)]);
  }

  const HOSTILE: Array<[string, Buffer, RegExp]> = [
    ['wrong magic', Buffer.from('\x93NUMPZ\x01\x00\x10\x00', 'latin1'), /not an \.npy file/],
    ['empty', Buffer.alloc(0), /not an \.npy file/],
    ['version 9', Buffer.from('\x93NUMPY\x09\x00\x10\x00', 'latin1'), /version 9\.0/],
    ['header past the end', Buffer.from('\x93NUMPY\x01\x00\xff\xff{', 'latin1'), /truncated/],
    ['huge shape', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }"), /more than 2\^53 values/],
    ['overflowing shape', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }"), /shape/],
    ['truncated data', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"), /declares 24 data bytes but the file holds 16/],
    ['trailing data', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"), /declares 8 data bytes/],
    ['Fortran order', withDict("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }"), /Fortran order/],
    ['big-endian', withDict("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }"), /big-endian/],
    ['object dtype', withDict("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"), /object array/],
    ['structured dtype', withDict("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }"), /malformed|not a simple dtype/],
    ['unknown dtype', withDict("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"), /dtype '<c16' is not read/],
    ['extra key', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': True, }"), /exactly 'descr'/],
    ['missing key', withDict("{'descr': '<f8', 'shape': (2,), }"), /exactly 'descr'/],
    ['negative size', withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }"), /not a tuple of integers/],
    ['code in the header', withDict("{'descr': '<f8', 'fortran_order': __import__('os'), 'shape': (2,), }"), /malformed/],
  ];

  test.each(HOSTILE)('refuses %s with an error naming the file, in memory and from disk', async (_, bytes, message) => {
    expect(() => decodeNpy(bytes, 'hostile.npy')).toThrow(message);
    expect(() => decodeNpy(bytes, 'hostile.npy')).toThrow(/^hostile\.npy: /);
    fs.writeFileSync(file('hostile.npy'), bytes);
    await expect(readNpy(file('hostile.npy'))).rejects.toThrow(new RegExp(`^${file('hostile.npy')}: `));
  });

  test('a huge declared shape is refused before allocating', async () => {
    const bytes = withDict("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }");
    fs.writeFileSync(file('huge.npy'), bytes);
    const before = process.memoryUsage().arrayBuffers;
    await expect(readNpy(file('huge.npy'))).rejects.toThrow(/declares 8000000000000 data bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  test('refuses data of a type it cannot write and a shape that does not match', () => {
    expect(() => encodeNpy({ shape: [2], data: Int16Array.of(1, 2) as never })).toThrow(TypeError);
    expect(() => encodeNpy({ shape: [3], data: Float64Array.of(1, 2) })).toThrow(/holds 3 values but data has 2/);
  });
});

describe('.npz', () => {
  const arrays = new Map<string, NpyArray>(ARRAYS.map(([dtype, data]) => [dtype.slice(1), { shape: [data.length], data }]));

  test('stored archives round-trip every dtype', () => {
    const back = decodeNpz(encodeNpz(arrays), 'a.npz');
    expect([...back.keys()]).toEqual([...arrays.keys()]);
    for (const [name, array] of arrays) {
      expect(back.get(name)!.shape).toEqual(array.shape);
      expectSameArrays(back.get(name) as never, { data: array.data });
    }
  });

  /** The archive rewritten with each entry deflated, as numpy.savez_compressed writes it. */
  function deflated(stored: Buffer): Buffer {
    const parts: Buffer[] = [];
    const central: Buffer[] = [];
    let offset = 0;
    const entries = stored.readUInt16LE(stored.length - 22 + 10);
    let at = stored.readUInt32LE(stored.length - 22 + 16);
    for (let k = 0; k < entries; k++) {
      const nameLength = stored.readUInt16LE(at + 28);
      const local = stored.readUInt32LE(at + 42);
      const size = stored.readUInt32LE(at + 24);
      const data = stored.subarray(local + 30 + nameLength, local + 30 + nameLength + size);
      const packed = zlib.deflateRawSync(data);
      const header = Buffer.from(stored.subarray(local, local + 30 + nameLength));
      header.writeUInt16LE(8, 8);
      header.writeUInt32LE(packed.length, 18);
      const entry = Buffer.from(stored.subarray(at, at + 46 + nameLength));
      entry.writeUInt16LE(8, 10);
      entry.writeUInt32LE(packed.length, 20);
      entry.writeUInt32LE(offset, 42);
      parts.push(header, packed);
      central.push(entry);
      offset += header.length + packed.length;
      at += 46 + nameLength;
    }
    const end = Buffer.from(stored.subarray(stored.length - 22));
    end.writeUInt32LE(central.reduce((n, b) => n + b.length, 0), 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...parts, ...central, end]);
  }

  test('deflated archives (numpy.savez_compressed) are read too', () => {
    const back = decodeNpz(deflated(encodeNpz(arrays)), 'c.npz');
    for (const [name, array] of arrays) expectSameArrays(back.get(name) as never, { data: array.data });
  });

  test('the CRC-32 of Node versions without zlib.crc32 is zip\'s', () => {
    expect(crc32InJavaScript(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32InJavaScript(new Uint8Array(0))).toBe(0);
  });

  test('refuses a corrupt, truncated or bomb archive with an error naming the file', () => {
    const good = encodeNpz(new Map([['x', { shape: [1000], data: new Float64Array(1000) }]]));
    const flipped = Buffer.from(good);
    flipped[200] ^= 1;
    expect(() => decodeNpz(flipped, 'x.npz')).toThrow(/^x\.npz: x\.npy: .*CRC-32/);
    expect(() => decodeNpz(good.subarray(0, 500), 'x.npz')).toThrow(/^x\.npz: .*end-of-central-directory/);
    expect(() => decodeNpz(Buffer.from('not a zip at all, not at all'), 'x.npz')).toThrow(/^x\.npz: not an \.npz/);
    const bomb = deflated(good);
    // Declare a smaller size than the entry inflates to: inflating stops at the declared size.
    bomb.writeUInt32LE(100, bomb.length - 22 - 46 - 'x.npy'.length + 24);
    expect(() => decodeNpz(bomb, 'x.npz')).toThrow(/^x\.npz: x\.npy: .*larger than declared/);
  });
});

describe('Arrow IPC', () => {
  test('columns of every type round-trip, 0 rows too', () => {
    const columns = new Map<string, Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array>([
      ['f8', Float64Array.from([-0, NaN, 1e300])],
      ['f4', Float32Array.from([-0, NaN, 3.5])],
      ['u4', Uint32Array.from([0, 2 ** 32 - 1, 1])],
      ['u2', Uint16Array.from([0, 65535, 1])],
      ['u1', Uint8Array.from([0, 255, 1])],
    ]);
    for (const rows of [3, 0]) {
      const input = new Map([...columns].map(([name, data]) => [name, data.slice(0, rows)]));
      const back = decodeArrow(encodeArrow(input), 'a.arrow');
      expect([...back.keys()]).toEqual([...input.keys()]);
      for (const [name, data] of input) expectSameArrays({ [name]: back.get(name) }, { [name]: data });
    }
  });

  test('refuses garbage and truncated files with an error naming the file', () => {
    const bytes = encodeArrow(new Map([['x', new Float64Array(100)]]));
    expect(() => decodeArrow(bytes.subarray(0, bytes.length / 2), 'x.arrow')).toThrow(/^x\.arrow: /);
    expect(() => decodeArrow(Buffer.from('FEA1 old feather'), 'x.feather')).toThrow(/^x\.feather: Feather version 1/);
    expect(() => decodeArrow(Buffer.from('hello, not arrow at all'), 'x.arrow')).toThrow(/^x\.arrow: /);
  });
});

describe('spikes, weights and state traces in every format', () => {
  const FORMATS = ['csv', 'npz', 'arrow', 'feather'];
  let spikes: SpikeTable;
  let synapses: SynapseTable;
  let trace: StateTrace;

  beforeAll(async () => {
    const network = new Network({ seed: 3 });
    const exc = network.addPopulation({ size: 40, preset: 'RS' });
    network.connect(exc, exc, { rule: { kind: 'fixedOutDegree', degree: 5 }, delay: { uniform: [1, 5] }, weight: { uniform: [0, 6] }, plastic: true });
    network.addThalamicInput({ perMs: 2 });
    const monitor = network.addStateMonitor({ neurons: Uint32Array.of(3, 0, 17), every: 7 });
    const run = await network.run(1500);
    spikes = { times: run.spikeTimes, neurons: run.spikeNeurons };
    synapses = network.synapses();
    trace = monitor;
    network.close();
    expect(spikes.times.length).toBeGreaterThan(100);
    expect(new Set(synapses.derivative).size).toBeGreaterThan(10);
  });

  test.each(FORMATS)('.%s', async (extension) => {
    await writeSpikes(file(`spikes.${extension}`), spikes);
    expectSameArrays((await readSpikes(file(`spikes.${extension}`))) as never, spikes as never);
    await writeWeights(file(`weights.${extension}`), synapses);
    expectSameArrays((await readWeights(file(`weights.${extension}`))) as never, synapses as never);
    await writeStateTrace(file(`trace.${extension}`), trace);
    const want = { times: trace.times, neurons: trace.neurons, v: trace.v, u: trace.u, I: trace.I };
    expectSameArrays((await readStateTrace(file(`trace.${extension}`))) as never, want);
    const empty = { times: new Float64Array(0), neurons: Uint32Array.of(4, 2), v: new Float32Array(0), u: new Float32Array(0), I: new Float32Array(0) };
    await writeStateTrace(file(`empty.${extension}`), empty);
    expectSameArrays((await readStateTrace(file(`empty.${extension}`))) as never, empty);
  });

  test('the format comes from the extension; .npy and unknown ones are refused', async () => {
    await expect(writeSpikes(file('s.npy'), spikes)).rejects.toThrow(/use \.npz/);
    await expect(writeSpikes(file('s.txt'), spikes)).rejects.toThrow(/unknown table format '\.txt'/);
  });

  test('a file of another kind is refused, naming the file and the columns expected', async () => {
    await writeSpikes(file('kind.npz'), spikes);
    await expect(readWeights(file('kind.npz'))).rejects.toThrow(new RegExp(`^${file('kind.npz')}: expected the columns pre:u4`));
    await expect(readStateTrace(file('kind.npz'))).rejects.toThrow(/expected the arrays ms, neurons, v, u, I/);
    await writeSpikes(file('kind.arrow'), spikes);
    await expect(readWeights(file('kind.arrow'))).rejects.toThrow(/expected the columns pre:u4/);
    await expect(writeSpikes(file('bad.npz'), { times: new Float32Array(1), neurons: new Uint32Array(1) } as never)).rejects.toThrow(TypeError);
    await expect(writeSpikes(file('bad.csv'), { times: new Float64Array(2), neurons: new Uint32Array(1) })).rejects.toThrow(/columns differ in length/);
    await expect(writeStateTrace(file('bad.npz'), { times: trace.times, neurons: trace.neurons, v: new Float32Array(1), u: trace.u, I: trace.I })).rejects.toThrow(/trace\.v must hold/);
  });

  test('the reference spike CSV is what writeSpikes writes and readSpikesCsv reads', async () => {
    await writeSpikes(file('ref.csv'), { times: Float64Array.of(0, 1), neurons: Uint32Array.of(5, 7) });
    expect(fs.readFileSync(file('ref.csv'), 'utf8')).toBe('ms,neuron\n0,5\n1,7\n');
  });
});
