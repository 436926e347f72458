import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Network, izhikevich2006 } from '../lib';
import { expectError, rejected } from './helpers/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-checkpoint-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const bits = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
// Buffer.equals: jest's deep equality is slow on arrays of this size.
const sameBits = (x: ArrayBufferView, y: ArrayBufferView) => bits(x).equals(bits(y));

describe.each(['reference', 'fast'] as const)('checkpoints (%s mode)', (mode) => {
  test('run(2 s) → save → load → run(3 s) equals run(5 s) bit for bit', async () => {
    const whole = izhikevich2006({ seed: 11, mode }).network;
    const full = await whole.run(5000);

    const first = izhikevich2006({ seed: 11, mode }).network;
    const head = await first.run(2000);
    const file = path.join(dir, `net-${mode}.pcc`);
    await first.save(file);
    first.close();
    const loaded = await Network.load(file);
    expect(loaded.time).toBe(2000);
    expect(loaded.mode).toBe(mode);
    const tail = await loaded.run(3000);

    expect(sameBits(Float64Array.from([...head.spikeTimes, ...tail.spikeTimes]), full.spikeTimes)).toBe(true);
    expect(sameBits(Uint32Array.from([...head.spikeNeurons, ...tail.spikeNeurons]), full.spikeNeurons)).toBe(true);
    const a = whole.synapses();
    const b = loaded.synapses();
    expect(sameBits(b.weight, a.weight)).toBe(true);
    expect(sameBits(b.derivative, a.derivative)).toBe(true);
    expect(sameBits(loaded.v, whole.v)).toBe(true);
    expect(sameBits(loaded.u, whole.u)).toBe(true);
    expect(loaded.stats().spikes).toBe(whole.stats().spikes);
  });
});

describe('invalid checkpoint files give a clear error', () => {
  let good: Buffer;
  beforeAll(async () => {
    const { network } = izhikevich2006({ seed: 1, neurons: 200, synapsesPerNeuron: 20 });
    await network.run(300);
    const file = path.join(dir, 'good.pcc');
    await network.save(file);
    good = fs.readFileSync(file);
  });

  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  test('truncated', async () => {
    const file = write('truncated.pcc', good.subarray(0, good.length - 100));
    expectError(await rejected(() => Network.load(file)), 'RangeError', /truncated.pcc' is not valid: the file is truncated/);
  });

  test('corrupt (one byte flipped in the payload)', async () => {
    const bytes = Buffer.from(good);
    bytes[bytes.length >> 1] ^= 0x40;
    const file = write('corrupt.pcc', bytes);
    expectError(await rejected(() => Network.load(file)), 'RangeError', /its checksum does not match \(the file is corrupt\)/);
  });

  test('another format version', async () => {
    const bytes = Buffer.from(good);
    bytes.writeUInt32LE(99, 8);
    const file = write('version.pcc', bytes);
    expectError(await rejected(() => Network.load(file)), 'RangeError', /it has format version 99; this polychron reads version 1 to 3/);
  });

  test('not a checkpoint, or missing', async () => {
    const file = write('text.pcc', Buffer.from('pre,syn,post,delay_ms,weight\n'.repeat(4)));
    expectError(await rejected(() => Network.load(file)), 'RangeError', /it is not a polychron checkpoint/);
    expectError(await rejected(() => Network.load(path.join(dir, 'absent.pcc'))), 'RangeError', /cannot open checkpoint .*absent.pcc/);
  });

  test('a failed save leaves an existing file as it was, and no temporary file', async () => {
    const target = write('existing.pcc', good);
    const { network } = izhikevich2006({ seed: 2, neurons: 100, synapsesPerNeuron: 10 });
    await network.run(10);
    expectError(await rejected(() => network.save(path.join(dir, 'no-such-dir', 'x.pcc'))), 'Error', /cannot create/);
    // Saving over the existing file replaces it whole.
    await network.save(target);
    const reloaded = await Network.load(target);
    expect(reloaded.size).toBe(100);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(network.busy).toBe(false);
  });
});
