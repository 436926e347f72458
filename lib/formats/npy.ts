/**
 * NumPy's .npy format (numpy.lib.format), versions 1.0 and 2.0: the magic "\x93NUMPY", a
 * version, the header's length, a Python dict literal {'descr', 'fortran_order', 'shape'}
 * padded so that the data starts at a multiple of 64 bytes, then the data. Only the
 * little-endian numeric dtypes below in C order are read or written; everything else is
 * refused with an error that names the file, before any data is allocated.
 */
import * as fs from 'node:fs';
import { checkAttached, checkBytes, checkName, shown } from '../describe';
import { readError } from '../files';

/** The typed array that holds each dtype's values. */
const DTYPES = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '<u1': Uint8Array,
  '<u2': Uint16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<i8': BigInt64Array,
  '<u8': BigUint64Array,
} as const;

export type NpyDtype = keyof typeof DTYPES;
export type NpyData = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int32Array | BigInt64Array | BigUint64Array;

export interface NpyArray {
  /** Sizes of the dimensions, outermost first; [] for a scalar. */
  shape: number[];
  /** The values in C (row-major) order; its type gives the dtype. */
  data: NpyData;
}

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');
/** Magic, two version bytes and the shortest (version 1) length field. */
const PREAMBLE_BYTES = 10;
/** numpy itself refuses headers over 10,000 bytes unless told otherwise; ours are ~120. */
const MAX_HEADER_BYTES = 65536;
/** The data starts at a multiple of this (numpy's alignment). */
const ALIGNMENT = 64;

// Checked once: the typed arrays are read and written as raw little-endian bytes.
if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
  throw new Error('polychron reads and writes .npy files only on little-endian hosts');
}

/** The dtype of a typed array, or undefined if .npy files here do not hold it. */
export function npyDtypeOf(data: ArrayBufferView): NpyDtype | undefined {
  for (const [dtype, Type] of Object.entries(DTYPES)) {
    if (data instanceof Type) return dtype as NpyDtype;
  }
  return undefined;
}

/** The bytes of an .npy file holding `array` (version 1.0, or 2.0 for a header over 64 KiB). */
export function encodeNpy(array: NpyArray): Buffer {
  if (typeof array !== 'object' || array === null) throw new TypeError(`array must be an object { shape, data } (got ${shown(array)})`);
  const dtype = npyDtypeOf(array.data);
  if (dtype === undefined) throw new TypeError('data must be one of the typed arrays of the .npy dtypes <f4 <f8 <u1 <u2 <u4 <i4 <i8 <u8');
  checkAttached(array.data, 'data');
  const count = elementCount(array.shape);
  if (typeof count === 'string') throw new (Array.isArray(array.shape) ? RangeError : TypeError)(`shape ${count}`);
  if (count !== array.data.length) {
    throw new RangeError(`shape [${array.shape.map(shown).join(', ')}] holds ${count} values but data has ${array.data.length}`);
  }
  // numpy writes '|u1' for bytes, whose order does not apply; both spellings are read.
  const descr = dtype === '<u1' ? '|u1' : dtype;
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const version = PREAMBLE_BYTES + dict.length + 1 <= 0xffff ? 1 : 2;
  const lengthBytes = version === 1 ? 2 : 4;
  const unpadded = MAGIC.length + 2 + lengthBytes + dict.length + 1;
  const headerLength = dict.length + 1 + ((ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT);
  const dataStart = MAGIC.length + 2 + lengthBytes + headerLength;
  const out = Buffer.alloc(dataStart + array.data.byteLength);
  MAGIC.copy(out, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) out.writeUInt16LE(headerLength, 8);
  else out.writeUInt32LE(headerLength, 8);
  out.write(`${dict}${' '.repeat(headerLength - dict.length - 1)}\n`, MAGIC.length + 2 + lengthBytes, 'latin1');
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), dataStart);
  return out;
}

/** The number of values of a shape, or why the shape is refused. */
function elementCount(shape: readonly number[]): number | string {
  if (!Array.isArray(shape)) return 'must be an array of sizes';
  let count = 1;
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0) return `[${shape.map(shown).join(', ')}] must hold integers >= 0`;
    count *= size;
    if (count > Number.MAX_SAFE_INTEGER) return `[${shape.map(shown).join(', ')}] holds more than 2^53 values`;
  }
  return count;
}

interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Offset of the data in the file. */
  dataStart: number;
  dataBytes: number;
}

/** The header's length field and where the header starts, from the first 12 bytes. */
function parsePreamble(bytes: Uint8Array, name: string): { headerStart: number; headerLength: number } {
  if (bytes.length < PREAMBLE_BYTES || !MAGIC.equals(bytes.subarray(0, MAGIC.length))) {
    throw new RangeError(`${name}: not an .npy file (it must start with \\x93NUMPY)`);
  }
  const [major, minor] = [bytes[6], bytes[7]];
  if ((major !== 1 && major !== 2) || minor !== 0) {
    throw new RangeError(`${name}: .npy version ${major}.${minor} is not read here (only 1.0 and 2.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return { headerStart: 10, headerLength: view.getUint16(8, true) };
  if (bytes.length < 12) throw new RangeError(`${name}: truncated .npy preamble`);
  return { headerStart: 12, headerLength: view.getUint32(8, true) };
}

/**
 * The dict of the header, parsed strictly: exactly the three keys numpy writes, a string
 * descr, a boolean fortran_order and a tuple of integers.
 */
function parseHeaderDict(text: string, name: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const dict = /^\{(.*)\}\s*\n$/s.exec(text);
  if (dict === null) throw new RangeError(`${name}: the .npy header is not a dict ending in a newline`);
  const inner = dict[1];
  const entry = /\s*'([^']*)'\s*:\s*('[^']*'|True|False|\([^()]*\))\s*(?:,|$)/y;
  const entries = new Map<string, string>();
  while (inner.slice(entry.lastIndex).trim() !== '') {
    const match = entry.exec(inner);
    if (match === null) throw new RangeError(`${name}: the .npy header dict is malformed: ${text.trim()}`);
    if (entries.has(match[1])) throw new RangeError(`${name}: the .npy header repeats '${match[1]}'`);
    entries.set(match[1], match[2]);
  }
  const keys = [...entries.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw new RangeError(`${name}: the .npy header must hold exactly 'descr', 'fortran_order' and 'shape' (got ${keys || 'none'})`);
  }
  const descr = /^'([^']*)'$/.exec(entries.get('descr')!);
  if (descr === null) {
    throw new RangeError(`${name}: .npy descr ${entries.get('descr')} is not a simple dtype (structured and object arrays are not read)`);
  }
  const fortran = entries.get('fortran_order');
  if (fortran !== 'True' && fortran !== 'False') throw new RangeError(`${name}: .npy fortran_order must be True or False (got ${fortran})`);
  const tuple = /^\(\s*((?:\d+\s*,\s*)*\d*)\s*,?\s*\)$/.exec(entries.get('shape')!);
  if (tuple === null) throw new RangeError(`${name}: .npy shape ${entries.get('shape')} is not a tuple of integers`);
  const shape = tuple[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { descr: descr[1], fortranOrder: fortran === 'True', shape };
}

function dtypeOf(descr: string, name: string): NpyDtype {
  const dtype = descr === '|u1' ? '<u1' : descr;
  if (dtype in DTYPES) return dtype as NpyDtype;
  if (/^>/.test(descr)) throw new RangeError(`${name}: .npy dtype '${descr}' is big-endian; only little-endian data is read`);
  if (/O/.test(descr)) throw new RangeError(`${name}: .npy dtype '${descr}' is an object array, which is never read (it would run pickle)`);
  throw new RangeError(`${name}: .npy dtype '${descr}' is not read (only ${Object.keys(DTYPES).join(' ')})`);
}

/**
 * Checks a header against the file's length: the declared data must be exactly what
 * follows the header. `head` holds at least the whole header (or all there is).
 */
function parseHeader(head: Uint8Array, fileBytes: number, name: string): NpyHeader {
  const { headerStart, headerLength } = parsePreamble(head, name);
  if (headerLength > MAX_HEADER_BYTES) throw new RangeError(`${name}: .npy header of ${headerLength} bytes is over the limit of ${MAX_HEADER_BYTES}`);
  const dataStart = headerStart + headerLength;
  if (dataStart > fileBytes || dataStart > head.length) {
    throw new RangeError(`${name}: truncated .npy file (the header declares ${headerLength} bytes; the file has ${fileBytes})`);
  }
  const dict = parseHeaderDict(Buffer.from(head.subarray(headerStart, dataStart)).toString('latin1'), name);
  const dtype = dtypeOf(dict.descr, name);
  if (dict.fortranOrder) {
    throw new RangeError(`${name}: the .npy array is in Fortran order; only C order is read (save it with numpy.ascontiguousarray)`);
  }
  const count = elementCount(dict.shape);
  if (typeof count === 'string') throw new RangeError(`${name}: .npy shape ${count}`);
  const dataBytes = count * DTYPES[dtype].BYTES_PER_ELEMENT;
  if (!Number.isSafeInteger(dataBytes) || dataBytes !== fileBytes - dataStart) {
    throw new RangeError(
      `${name}: .npy shape [${dict.shape.join(', ')}] of ${dtype} declares ${dataBytes} data bytes but the file holds ${fileBytes - dataStart}`,
    );
  }
  return { dtype, shape: dict.shape, dataStart, dataBytes };
}

/** Parses the bytes of an .npy file; `name` is used in error messages. */
export function decodeNpy(bytes: Uint8Array, name: string): NpyArray {
  checkBytes(bytes);
  checkName(name);
  const header = parseHeader(bytes, bytes.length, name);
  const data = new DTYPES[header.dtype](header.dataBytes / DTYPES[header.dtype].BYTES_PER_ELEMENT);
  // A copy: the data of a file inside a buffer need not sit at an aligned offset.
  new Uint8Array(data.buffer).set(bytes.subarray(header.dataStart));
  return { shape: header.shape, data };
}

/** Reads an .npy file: the header first, checked against the file's size, then the data straight into its array. */
export async function readNpy(path: string): Promise<NpyArray> {
  let file: fs.promises.FileHandle;
  let stat: fs.Stats;
  try {
    file = await fs.promises.open(path, 'r');
    stat = await file.stat();
  } catch (error) {
    throw readError(path, error);
  }
  try {
    if (!stat.isFile()) throw new RangeError(`${path}: not an .npy file (not a regular file)`);
    const { size } = stat;
    const head = Buffer.alloc(Math.min(size, PREAMBLE_BYTES + 2 + MAX_HEADER_BYTES));
    await readFully(file, head, 0, path);
    const header = parseHeader(head, size, path);
    const data = new DTYPES[header.dtype](header.dataBytes / DTYPES[header.dtype].BYTES_PER_ELEMENT);
    await readFully(file, new Uint8Array(data.buffer), header.dataStart, path);
    return { shape: header.shape, data };
  } finally {
    await file.close();
  }
}

async function readFully(file: fs.promises.FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  for (let done = 0; done < into.length;) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.read(into, done, into.length - done, position + done));
    } catch (error) {
      throw readError(path, error);
    }
    if (bytesRead === 0) throw new RangeError(`${path}: the file shrank while it was read`);
    done += bytesRead;
  }
}
