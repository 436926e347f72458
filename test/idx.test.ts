import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { parseIdx, readIdx, readIdxImages, writeIdx } from '../lib';
import { caught, expectError } from './helpers/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-idx-'));

/** An IDX file written byte by byte, as the MNIST description gives the format. */
function handMade(type: number, shape: number[], body: Buffer): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((size, k) => header.writeUInt32BE(size, 4 + 4 * k));
  return Buffer.concat([header, body]);
}

describe('IDX reader', () => {
  test('reads unsigned-byte images and labels, gzip-compressed or not', () => {
    const pixels = Buffer.from(Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256));
    const images = handMade(0x08, [2, 3, 4], pixels);
    const labels = handMade(0x08, [2], Buffer.from([7, 1]));
    fs.writeFileSync(path.join(dir, 'images-idx3-ubyte'), images);
    fs.writeFileSync(path.join(dir, 'images-idx3-ubyte.gz'), zlib.gzipSync(images));
    fs.writeFileSync(path.join(dir, 'labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    for (const name of ['images-idx3-ubyte', 'images-idx3-ubyte.gz']) {
      const idx = readIdx(path.join(dir, name));
      expect(idx.type).toBe('uint8');
      expect(idx.shape).toEqual([2, 3, 4]);
      expect([...idx.data]).toEqual([...pixels]);
    }
    const set = readIdxImages(path.join(dir, 'images-idx3-ubyte.gz'), path.join(dir, 'labels-idx1-ubyte.gz'));
    expect([set.count, set.rows, set.cols]).toEqual([2, 3, 4]);
    expect([...set.labels]).toEqual([7, 1]);
    expect(set.images[1]).toBeCloseTo(11 / 255, 7);
  });

  test('reads every IDX type big-endian, and writeIdx round-trips them', () => {
    const body = Buffer.alloc(8);
    body.writeInt32BE(-5, 0);
    body.writeInt32BE(70000, 4);
    expect([...parseIdx(handMade(0x0c, [2], body)).data]).toEqual([-5, 70000]);
    const floats = Buffer.alloc(8);
    floats.writeFloatBE(1.5, 0);
    floats.writeFloatBE(-0.25, 4);
    expect([...parseIdx(handMade(0x0d, [2, 1], floats)).data]).toEqual([1.5, -0.25]);
    const cases = [
      { type: 'int8' as const, data: new Int8Array([-3, 4]) },
      { type: 'int16' as const, data: new Int16Array([-300, 400]) },
      { type: 'float64' as const, data: new Float64Array([Math.PI, -1e300]) },
    ];
    for (const { type, data } of cases) {
      for (const gzip of [false, true]) {
        const file = path.join(dir, `${type}-${gzip}.idx`);
        writeIdx(file, { type, shape: [2], data }, { gzip });
        const back = readIdx(file);
        expect(back.type).toBe(type);
        expect([...back.data]).toEqual([...data]);
      }
    }
  });

  test('damaged files are refused with the file named', () => {
    const good = handMade(0x08, [2, 2, 2], Buffer.alloc(8));
    const cases: [string, Buffer, RegExp][] = [
      ['short', good.subarray(0, good.length - 1), /declares shape \[2, 2, 2\] \(8 bytes of uint8\) but the file holds 7/],
      ['magic', Buffer.concat([Buffer.from([1]), good.subarray(1)]), /not an IDX file/],
      ['type', Buffer.concat([good.subarray(0, 2), Buffer.from([0x07]), good.subarray(3)]), /unknown IDX type byte 0x07/],
      ['header', good.subarray(0, 6), /declares 3 dimensions but the file has 6 bytes/],
      ['gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3]), /not a valid gzip file/],
    ];
    for (const [name, bytes, message] of cases) {
      const file = path.join(dir, `${name}.idx`);
      fs.writeFileSync(file, bytes);
      const error = caught(() => readIdx(file));
      expectError(error, 'RangeError', message);
      expect(error.message).toContain(file);
    }
    expect(caught(() => readIdx(path.join(dir, 'absent.idx'))).message).toMatch(/absent\.idx: cannot read \(ENOENT\)/);
    expect(caught(() => readIdx(dir)).message).toMatch(/is a directory/);
    fs.writeFileSync(path.join(dir, 'few-labels'), handMade(0x08, [1], Buffer.from([3])));
    fs.writeFileSync(path.join(dir, 'images'), good);
    expect(caught(() => readIdxImages(path.join(dir, 'images'), path.join(dir, 'few-labels'))).message).toMatch(/holds 1 labels but .* holds 2 images/);
  });
});
