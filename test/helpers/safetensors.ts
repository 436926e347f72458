import * as fs from 'node:fs';

// A second, independent reading of the safetensors format
// (https://github.com/huggingface/safetensors), written from the format description and
// sharing nothing with native/core/io/safetensors.cpp, so that a test which round-trips
// through both catches a misreading of the format that one implementation alone would
// agree with itself about. Kept minimal: JSON.parse does the JSON, and only the layout
// rules are checked here (the C++ reader is the strict one).

export interface SafetensorsTensor {
  dtype: string;
  shape: number[];
  data: Buffer;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Record<string, SafetensorsTensor>;
}

const dtypeSizes: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, U16: 2, I16: 2, F16: 2, BF16: 2, U32: 4, I32: 4, F32: 4, U64: 8, I64: 8, F64: 8,
};

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function readSafetensors(path: string): SafetensorsFile {
  // A declaration with an explicit `never`, so that TypeScript narrows after each check.
  const fail: (why: string) => never = (why) => {
    throw new Error(`${path} is not a safetensors file: ${why}`);
  };
  const file = fs.readFileSync(path);
  if (file.length < 8) fail(`${file.length} bytes is too short for the header size`);
  const headerSize = file.readBigUInt64LE(0);
  if (headerSize > BigInt(file.length - 8)) fail(`header size ${headerSize} is larger than the file`);
  const dataStart = 8 + Number(headerSize);
  let text = '';
  try {
    // fatal, because Buffer.toString would quietly replace bytes that are not UTF-8.
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, dataStart));
  } catch {
    fail('the header is not UTF-8');
  }
  if (!text.startsWith('{')) fail("the header does not begin with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail('the header is not an object');

  const data = file.subarray(dataStart);
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsTensor> = {};
  const ranges: Array<{ name: string; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(value)) fail('__metadata__ is not an object');
      for (const [key, v] of Object.entries(value)) {
        if (typeof v !== 'string') fail(`metadata value '${key}' is not a string`);
        metadata[key] = v;
      }
      continue;
    }
    if (!isObject(value)) fail(`tensor '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (typeof dtype !== 'string' || !(dtype in dtypeSizes)) fail(`tensor '${name}' has unknown dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}' has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`tensor '${name}' has bad data_offsets`);
    }
    const [begin, end] = offsets;
    const bytes = shape.reduce((a, b) => a * b, dtypeSizes[dtype]);
    if (end - begin !== bytes) fail(`tensor '${name}' spans ${end - begin} bytes, not ${bytes}`);
    if (end > data.length) fail(`tensor '${name}' ends at ${end}, past the ${data.length}-byte data buffer`);
    ranges.push({ name, begin, end });
    tensors[name] = { dtype, shape, data: data.subarray(begin, end) };
  }

  // The format requires the tensors to tile the data buffer: no gap, no overlap, no tail.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const r of ranges) {
    if (r.begin !== covered) fail(`tensor '${r.name}' begins at ${r.begin}, not at ${covered}`);
    covered = r.end;
  }
  if (covered !== data.length) fail(`the tensors cover ${covered} of ${data.length} data bytes`);
  return { metadata, tensors };
}

// DataView rather than a typed array over t.data: the tensor's bytes may sit at any
// offset of the file's buffer (not 4-byte aligned), and the format is little-endian
// whatever the host is.
export function tensorAsFloat32(t: SafetensorsTensor): Float32Array {
  if (t.dtype !== 'F32') throw new Error(`tensor is ${t.dtype}, not F32`);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(t.data.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

export function tensorAsUint32(t: SafetensorsTensor): Uint32Array {
  if (t.dtype !== 'U32') throw new Error(`tensor is ${t.dtype}, not U32`);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint32Array(t.data.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}
