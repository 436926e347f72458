/**
 * NumPy's .npz format: a zip archive of .npy files, one per named array (numpy.savez).
 * Written uncompressed ("stored", as numpy.savez does); read stored or deflated
 * (numpy.savez_compressed). Zip64, encryption and multi-disk archives are refused; every
 * declared size and offset is checked against the file before anything is allocated or
 * inflated, and each entry's CRC-32 is verified.
 */
import * as zlib from 'node:zlib';
import { readFileNamed } from '../files';
import { decodeNpy, encodeNpy, type NpyArray } from './npy';
import { checkBytes, checkName, shown } from '../describe';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_BYTES = 22;
/** The end record may be followed by a comment of up to 65535 bytes. */
const MAX_COMMENT_BYTES = 0xffff;
const STORED = 0;
const DEFLATED = 8;
/** Zip fields hold 32-bit sizes and offsets; beyond them zip64 would be needed. */
const MAX_ZIP32 = 0xffffffff;
/** Version 2.0: what stored and deflated entries need. */
const ZIP_VERSION = 20;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of zip (and gzip): node:zlib's where it has one (from Node 20.15 and 22.2), 10× faster. */
const crc32: (bytes: Uint8Array) => number = (zlib as { crc32?: (bytes: Uint8Array) => number }).crc32 ?? crc32InJavaScript;

export function crc32InJavaScript(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let k = 0; k < bytes.length; k++) c = CRC_TABLE[(c ^ bytes[k]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The bytes of an .npz archive holding each array as `<name>.npy`, in the order given. */
export function encodeNpz(arrays: ReadonlyMap<string, NpyArray>): Buffer {
  if (!(arrays instanceof Map)) throw new TypeError(`arrays must be a Map from names to arrays (got ${shown(arrays)})`);
  for (const key of arrays.keys()) {
    if (typeof key !== 'string') throw new TypeError(`arrays' names must be strings (got ${shown(key)})`);
  }
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [key, array] of arrays) {
    const name = Buffer.from(`${key}.npy`, 'utf8');
    const data = encodeNpy(array);
    if (offset + LOCAL_HEADER_BYTES + name.length + data.length > MAX_ZIP32) {
      throw new RangeError(`an .npz archive over 4 GiB would need zip64, which is not written here (at '${key}')`);
    }
    const crc = crc32(data);
    const local = Buffer.alloc(LOCAL_HEADER_BYTES);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(ZIP_VERSION, 4);
    local.writeUInt16LE(STORED, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(CENTRAL_HEADER_BYTES);
    entry.writeUInt32LE(CENTRAL_HEADER, 0);
    entry.writeUInt16LE(ZIP_VERSION, 4);
    entry.writeUInt16LE(ZIP_VERSION, 6);
    entry.writeUInt16LE(STORED, 10);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    parts.push(local, name, data);
    central.push(entry, name);
    offset += LOCAL_HEADER_BYTES + name.length + data.length;
  }
  const centralBytes = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(END_BYTES);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(arrays.size, 8);
  end.writeUInt16LE(arrays.size, 10);
  end.writeUInt32LE(centralBytes, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

/** The end-of-central-directory record: the last one whose comment runs to the end of the file. */
function findEnd(bytes: Buffer, name: string): number {
  const lowest = Math.max(0, bytes.length - END_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - END_BYTES; at >= lowest; at--) {
    if (bytes.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY && at + END_BYTES + bytes.readUInt16LE(at + 20) === bytes.length) return at;
  }
  throw new RangeError(`${name}: not an .npz (zip) file: no end-of-central-directory record`);
}

/** Parses the bytes of an .npz archive into its arrays by name (without `.npy`); `name` is used in errors. */
export function decodeNpz(input: Uint8Array, name: string): Map<string, NpyArray> {
  const bytes = checkBytes(input);
  checkName(name);
  const end = findEnd(bytes, name);
  const entries = bytes.readUInt16LE(end + 10);
  const centralBytes = bytes.readUInt32LE(end + 12);
  const centralStart = bytes.readUInt32LE(end + 16);
  if (bytes.readUInt16LE(end + 4) !== 0 || bytes.readUInt16LE(end + 6) !== 0 || bytes.readUInt16LE(end + 8) !== entries) {
    throw new RangeError(`${name}: multi-disk zip archives are not read`);
  }
  if (entries === 0xffff || centralStart === MAX_ZIP32 || centralBytes === MAX_ZIP32) {
    throw new RangeError(`${name}: zip64 archives are not read (an .npz over 4 GiB or 65535 arrays)`);
  }
  if (centralStart + centralBytes > end) throw new RangeError(`${name}: the zip central directory lies outside the file`);
  const arrays = new Map<string, NpyArray>();
  let at = centralStart;
  for (let k = 0; k < entries; k++) {
    if (at + CENTRAL_HEADER_BYTES > centralStart + centralBytes || bytes.readUInt32LE(at) !== CENTRAL_HEADER) {
      throw new RangeError(`${name}: zip central directory entry ${k} is malformed`);
    }
    const nameBytes = bytes.readUInt16LE(at + 28);
    const entryEnd = at + CENTRAL_HEADER_BYTES + nameBytes + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    if (entryEnd > centralStart + centralBytes) throw new RangeError(`${name}: zip central directory entry ${k} runs past the directory`);
    const entryName = bytes.toString('utf8', at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameBytes);
    if (!entryName.endsWith('.npy')) throw new RangeError(`${name}: the .npz holds '${entryName}', which is not an .npy file`);
    const key = entryName.slice(0, -'.npy'.length);
    if (arrays.has(key)) throw new RangeError(`${name}: the .npz holds '${entryName}' twice`);
    const where = `${name}: ${entryName}`;
    arrays.set(key, decodeNpy(entryData(bytes, at, where), where));
    at = entryEnd;
  }
  return arrays;
}

/** The uncompressed bytes of the entry whose central header is at `at`, checked against sizes and CRC. */
function entryData(bytes: Buffer, at: number, where: string): Buffer {
  const flags = bytes.readUInt16LE(at + 8);
  const method = bytes.readUInt16LE(at + 10);
  const crc = bytes.readUInt32LE(at + 16);
  const compressedBytes = bytes.readUInt32LE(at + 20);
  const uncompressedBytes = bytes.readUInt32LE(at + 24);
  const localStart = bytes.readUInt32LE(at + 42);
  if (flags & 1) throw new RangeError(`${where}: encrypted zip entries are not read`);
  if (compressedBytes === MAX_ZIP32 || uncompressedBytes === MAX_ZIP32 || localStart === MAX_ZIP32) {
    throw new RangeError(`${where}: zip64 entries are not read`);
  }
  if (localStart + LOCAL_HEADER_BYTES > bytes.length || bytes.readUInt32LE(localStart) !== LOCAL_HEADER) {
    throw new RangeError(`${where}: the zip local header is missing or outside the file`);
  }
  const dataStart = localStart + LOCAL_HEADER_BYTES + bytes.readUInt16LE(localStart + 26) + bytes.readUInt16LE(localStart + 28);
  if (dataStart + compressedBytes > bytes.length) {
    throw new RangeError(`${where}: the zip entry declares ${compressedBytes} bytes but the file ends before them`);
  }
  const stored = bytes.subarray(dataStart, dataStart + compressedBytes);
  let data: Buffer;
  if (method === STORED) {
    data = stored;
  } else if (method === DEFLATED) {
    try {
      // The declared size bounds what inflating may produce: a zip bomb stops there.
      data = zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, uncompressedBytes) });
    } catch (error) {
      throw new RangeError(`${where}: the deflated zip entry is corrupt or larger than declared (${(error as Error).message})`);
    }
  } else {
    throw new RangeError(`${where}: zip compression method ${method} is not read (only stored and deflated)`);
  }
  if (data.length !== uncompressedBytes) throw new RangeError(`${where}: the zip entry holds ${data.length} bytes, not the ${uncompressedBytes} declared`);
  if (crc32(data) !== crc) throw new RangeError(`${where}: the zip entry's CRC-32 does not match (the file is corrupt)`);
  return data;
}

export async function readNpz(path: string): Promise<Map<string, NpyArray>> {
  return decodeNpz(await readFileNamed(path), path);
}
