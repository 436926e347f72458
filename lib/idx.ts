import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { checkBytes, checkName, checkOptions } from './describe';

/**
 * The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): two zero bytes,
 * a type byte, the number of dimensions n, then n big-endian uint32 sizes and the data,
 * big-endian, row-major. Files may be gzip-compressed (as they are distributed).
 */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxArray {
  type: IdxType;
  /** Sizes of the dimensions, outermost first (60000, 28, 28 for the MNIST training images). */
  shape: number[];
  /** The values in row-major order, in host byte order. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/** The largest IDX payload read (bytes), beyond which a file is refused before reading it. */
export const IDX_MAX_BYTES = 2 ** 31;

/** Parses IDX bytes (gzip-compressed or not); `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  let raw = checkBytes(bytes);
  checkName(name);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = zlib.gunzipSync(raw, { maxOutputLength: IDX_MAX_BYTES + 1024 });
    } catch (error) {
      throw new RangeError(`${name}: not a valid gzip file (${(error as Error).message})`);
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new RangeError(`${name}: not an IDX file (it must start with two zero bytes, a type byte and a dimension count)`);
  }
  const kind = TYPES[raw[2]];
  if (kind === undefined) {
    throw new RangeError(`${name}: unknown IDX type byte 0x${raw[2].toString(16).padStart(2, '0')} (known: 08, 09, 0b, 0c, 0d, 0e)`);
  }
  const dims = raw[3];
  if (dims < 1 || raw.length < 4 + 4 * dims) {
    throw new RangeError(`${name}: IDX header declares ${dims} dimensions but the file has ${raw.length} bytes`);
  }
  const shape: number[] = [];
  let count = 1;
  for (let k = 0; k < dims; k++) {
    const size = raw.readUInt32BE(4 + 4 * k);
    shape.push(size);
    count *= size;
  }
  const start = 4 + 4 * dims;
  const expected = count * kind.bytes;
  if (expected > IDX_MAX_BYTES || raw.length - start !== expected) {
    throw new RangeError(
      `${name}: IDX header declares shape [${shape.join(', ')}] (${expected} bytes of ${kind.type}) but the file holds ${raw.length - start} data bytes`,
    );
  }
  const body = raw.subarray(start);
  let data: IdxArray['data'];
  switch (kind.type) {
    case 'uint8':
      data = new Uint8Array(body);
      break;
    case 'int8':
      data = new Int8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
      break;
    default: {
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const Type = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[kind.type];
      const out = new Type(count);
      const read = {
        int16: (i: number) => view.getInt16(2 * i, false),
        int32: (i: number) => view.getInt32(4 * i, false),
        float32: (i: number) => view.getFloat32(4 * i, false),
        float64: (i: number) => view.getFloat64(8 * i, false),
      }[kind.type];
      for (let i = 0; i < count; i++) out[i] = read(i);
      data = out;
    }
  }
  return { type: kind.type, shape, data };
}

/** Reads an IDX file (gzip-compressed or not). Errors name the file. */
export function readIdx(file: string): IdxArray {
  if (typeof file !== 'string' || file.length === 0) throw new TypeError('file must be a non-empty string');
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new RangeError(`${file}: is a directory, not an IDX file`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read (${code ?? (error as Error).message})`);
  }
  return parseIdx(bytes, file);
}

/** A labelled image set: images as floats in [0, 1] (n × rows × cols), labels as bytes. */
export interface ImageSet {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/**
 * Reads an image file and a label file in the MNIST layout (images uint8 [n, rows, cols],
 * labels uint8 [n]); pixels are scaled to [0, 1] (x / 255). Checks that the two agree.
 */
export function readIdxImages(imagesFile: string, labelsFile: string): ImageSet {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw new RangeError(`${imagesFile}: expected uint8 images of shape [n, rows, cols] (got ${images.type} [${images.shape.join(', ')}])`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw new RangeError(`${labelsFile}: expected uint8 labels of shape [n] (got ${labels.type} [${labels.shape.join(', ')}])`);
  }
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new RangeError(`${labelsFile} holds ${labels.shape[0]} labels but ${imagesFile} holds ${count} images`);
  }
  return { images: pixelsToInputs(images.data as Uint8Array), labels: labels.data as Uint8Array, count, rows, cols };
}

/** Pixels as a model's inputs: x / 255, in [0, 1]. */
export function pixelsToInputs(pixels: Uint8Array): Float32Array {
  const scaled = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) scaled[i] = pixels[i] / 255;
  return scaled;
}

/** Writes an IDX file (uncompressed, or gzip-compressed when `gzip` is set). */
export function writeIdx(file: string, array: IdxArray, options: { gzip?: boolean } = {}): void {
  checkOptions(options);
  const entry = Object.entries(TYPES).find(([, t]) => t.type === array.type);
  if (entry === undefined) throw new TypeError(`type must be one of ${Object.values(TYPES).map((t) => t.type).join(', ')}`);
  const [code, kind] = [Number(entry[0]), entry[1]];
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new RangeError(`data holds ${array.data.length} values but shape [${array.shape.join(', ')}] needs ${count}`);
  }
  const header = Buffer.alloc(4 + 4 * array.shape.length);
  header[2] = code;
  header[3] = array.shape.length;
  array.shape.forEach((size, k) => header.writeUInt32BE(size, 4 + 4 * k));
  const body = Buffer.alloc(count * kind.bytes);
  for (let i = 0; i < count; i++) {
    const v = Number(array.data[i]);
    switch (array.type) {
      case 'uint8': body.writeUInt8(v, i); break;
      case 'int8': body.writeInt8(v, i); break;
      case 'int16': body.writeInt16BE(v, 2 * i); break;
      case 'int32': body.writeInt32BE(v, 4 * i); break;
      case 'float32': body.writeFloatBE(v, 4 * i); break;
      case 'float64': body.writeDoubleBE(v, 8 * i); break;
    }
  }
  const bytes = Buffer.concat([header, body]);
  fs.writeFileSync(file, options.gzip ? zlib.gzipSync(bytes) : bytes);
}
