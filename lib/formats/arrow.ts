/**
 * Apache Arrow IPC files (Feather version 2 is the same format) through the `apache-arrow`
 * package: one record batch of non-nullable numeric columns.
 */
import { readFileNamed } from '../files';
import type * as Arrow from 'apache-arrow';
import { columnTypeOf, type Column, type ColumnType, type Columns } from './columns';

const FEATHER_V1_MAGIC = 'FEA1';

let arrowModule: typeof Arrow | undefined;

/** apache-arrow, loaded on first use: loading it takes ~200 ms, most of polychron's load time. */
export function arrow(): typeof Arrow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  arrowModule ??= require('apache-arrow') as typeof Arrow;
  return arrowModule;
}

/** The bytes of an Arrow IPC file holding the columns in order. */
export function encodeArrow(columns: Columns): Uint8Array {
  for (const [name, column] of columns) {
    if (columnTypeOf(column) === undefined) throw new TypeError(`column '${name}' must be a Float64Array, Float32Array, Uint32Array, Uint16Array or Uint8Array`);
  }
  const { tableFromArrays, tableToIPC } = arrow();
  return tableToIPC(tableFromArrays(Object.fromEntries(columns)), 'file');
}

/** The column type of an Arrow type (float precision, integer width and sign), or undefined for any other. */
function columnTypeOfArrow(type: Arrow.DataType): ColumnType | undefined {
  const { DataType, Precision } = arrow();
  if (DataType.isFloat(type)) return type.precision === Precision.DOUBLE ? 'f8' : type.precision === Precision.SINGLE ? 'f4' : undefined;
  if (DataType.isInt(type) && !type.isSigned) return ({ 8: 'u1', 16: 'u2', 32: 'u4' } as const)[type.bitWidth as 8 | 16 | 32];
  return undefined;
}

const FILE_MAGIC = 'ARROW1';
/** Bytes of one Block of the footer (offset: i64, metaDataLength: i32, padding, bodyLength: i64). */
const BLOCK_BYTES = 24;
/** Message header types (Schema.fbs MessageHeader). */
const DICTIONARY_BATCH = 2;
const RECORD_BATCH = 3;

/** Bounds-checked reads of the FlatBuffers tables inside bytes [start, end) of `view`. */
function flatBuffer(view: DataView, start: number, end: number, bad: (why: string) => Error) {
  const inside = (at: number, size: number, what: string) => {
    if (!(at >= start && size >= 0 && at + size <= end)) throw bad(`${what} lies outside its buffer`);
  };
  const uoffset = (at: number, what: string) => {
    inside(at, 4, what);
    const target = at + view.getUint32(at, true);
    inside(target, 4, what);
    return target;
  };
  // A table's field k: where its value is, or undefined when the vtable leaves it out.
  const fieldAt = (table: number, k: number, what: string): number | undefined => {
    inside(table, 4, what);
    const vtable = table - view.getInt32(table, true);
    inside(vtable, 4, `${what}'s vtable`);
    const vtableBytes = view.getUint16(vtable, true);
    inside(vtable, vtableBytes, `${what}'s vtable`);
    if (4 + 2 * k + 2 > vtableBytes) return undefined;
    const offset = view.getUint16(vtable + 4 + 2 * k, true);
    return offset === 0 ? undefined : table + offset;
  };
  const table = (parent: number, k: number, what: string) => {
    const at = fieldAt(parent, k, what);
    return at === undefined ? undefined : uoffset(at, what);
  };
  // A vector (or string) field: its length checked against the buffer; where it starts.
  const vector = (parent: number, k: number, elementBytes: number, what: string): { at: number; length: number } | undefined => {
    const field = fieldAt(parent, k, what);
    if (field === undefined) return undefined;
    const at = uoffset(field, what);
    const length = view.getUint32(at, true);
    inside(at + 4, length * elementBytes, `${what} (${length} entries)`);
    return { at: at + 4, length };
  };
  const ubyte = (parent: number, k: number, what: string) => {
    const at = fieldAt(parent, k, what);
    if (at === undefined) return 0;
    inside(at, 1, what);
    return view.getUint8(at);
  };
  return { inside, uoffset, fieldAt, table, vector, ubyte };
}

/**
 * Checks an Arrow IPC file's footer and the messages it points to before apache-arrow
 * reads them: every table, vector and string inside its buffer, every block inside the
 * file, each record-batch block a record batch (dictionary block a dictionary batch).
 * apache-arrow trusts all of these: a flipped bit in a block's message type had it read the
 * same block forever, and one in a count of batches loop for minutes past the end. A stream
 * (no "ARROW1" at the start) has no footer; its messages carry their own lengths.
 */
function checkFooter(bytes: Uint8Array, name: string): void {
  const text = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (bytes.length < FILE_MAGIC.length || text(0, FILE_MAGIC.length) !== FILE_MAGIC) return;
  const bad = (why: string) => new RangeError(`${name}: not a valid Arrow IPC file (${why})`);
  if (bytes.length < 8 + 4 + FILE_MAGIC.length || text(bytes.length - FILE_MAGIC.length, bytes.length) !== FILE_MAGIC) {
    throw bad('it is truncated: no footer');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - FILE_MAGIC.length - 4;
  const footerLength = view.getInt32(end, true);
  const start = end - footerLength;
  if (footerLength < 8 || start < 8) throw bad(`its footer length ${footerLength} does not fit the file`);
  const fb = flatBuffer(view, start, end, (why) => bad(`the footer's ${why}`));
  const keyValues = (parent: number, k: number, what: string) => {
    const list = fb.vector(parent, k, 4, what);
    for (let i = 0; list !== undefined && i < list.length; i++) {
      const entry = fb.uoffset(list.at + 4 * i, `${what}[${i}]`);
      fb.vector(entry, 0, 1, `${what}[${i}].key`);
      fb.vector(entry, 1, 1, `${what}[${i}].value`);
    }
  };
  const checkField = (field: number, what: string, depth: number) => {
    if (depth > 64) throw bad(`${what} is nested more than 64 deep`);
    fb.vector(field, 0, 1, `${what}.name`);
    fb.table(field, 3, `${what}.type`);
    const children = fb.vector(field, 5, 4, `${what}.children`);
    for (let i = 0; children !== undefined && i < children.length; i++) {
      checkField(fb.uoffset(children.at + 4 * i, `${what}.children[${i}]`), `${what}.children[${i}]`, depth + 1);
    }
    keyValues(field, 6, `${what}.custom_metadata`);
  };
  const footer = fb.uoffset(start, 'root');
  const schema = fb.table(footer, 1, 'schema');
  if (schema === undefined) throw bad('its footer has no schema');
  const fields = fb.vector(schema, 1, 4, 'schema.fields');
  for (let i = 0; fields !== undefined && i < fields.length; i++) {
    checkField(fb.uoffset(fields.at + 4 * i, `schema.fields[${i}]`), `schema.fields[${i}]`, 0);
  }
  keyValues(schema, 2, 'schema.custom_metadata');
  for (const [k, kind, type] of [[2, 'dictionary batch', DICTIONARY_BATCH], [3, 'record batch', RECORD_BATCH]] as const) {
    const blocks = fb.vector(footer, k, BLOCK_BYTES, `${kind} blocks`);
    for (let i = 0; blocks !== undefined && i < blocks.length; i++) {
      const block = blocks.at + BLOCK_BYTES * i;
      const offset = Number(view.getBigInt64(block, true));
      const metadata = view.getInt32(block + 8, true);
      const body = Number(view.getBigInt64(block + 16, true));
      if (!(offset >= 8 && metadata >= 8 && body >= 0 && offset + metadata + body <= start)) {
        throw bad(`${kind} ${i} (bytes ${offset} + ${metadata} + ${body}) lies outside the file's data`);
      }
      // The message: a continuation marker (0xFFFFFFFF, absent in old files), its length, its flatbuffer.
      const prefix = view.getInt32(offset, true) === -1 ? 8 : 4;
      const length = view.getInt32(offset + prefix - 4, true);
      if (!(length >= 4 && prefix + length <= metadata)) throw bad(`${kind} ${i} has a message of ${length} bytes in a block of ${metadata}`);
      const mb = flatBuffer(view, offset + prefix, offset + prefix + length, (why) => bad(`${kind} ${i}'s ${why}`));
      const message = mb.uoffset(offset + prefix, 'message');
      const headerType = mb.ubyte(message, 1, 'message header type');
      if (headerType !== type) throw bad(`${kind} ${i} holds a message of type ${headerType}, not ${type}`);
      const header = mb.table(message, 2, 'message header');
      if (header === undefined) throw bad(`${kind} ${i} has no message header`);
      const batch = type === RECORD_BATCH ? header : mb.table(header, 1, 'dictionary data');
      if (batch === undefined) continue;
      mb.vector(batch, 1, 16, 'field nodes');
      mb.vector(batch, 2, 16, 'buffers');
    }
  }
}

function parseTable(bytes: Uint8Array, name: string): Arrow.Table {
  if (Buffer.from(bytes.subarray(0, 4)).toString('latin1') === FEATHER_V1_MAGIC) {
    throw new RangeError(`${name}: Feather version 1 is not read; write Feather 2 (Arrow IPC), e.g. pyarrow.feather.write_feather(..., version=2)`);
  }
  checkFooter(bytes, name);
  try {
    return arrow().tableFromIPC(bytes);
  } catch (error) {
    throw new RangeError(`${name}: not a valid Arrow IPC file (${(error as Error).message})`);
  }
}

/**
 * Parses an Arrow IPC file (or stream) into its columns, copied out of the file's bytes.
 * Refuses nulls and any type but the column types; `name` is used in errors.
 */
export function decodeArrow(bytes: Uint8Array, name: string): Columns {
  const table = parseTable(bytes, name);
  const columns: Columns = new Map();
  for (const field of table.schema.fields) {
    const type = columnTypeOfArrow(field.type);
    if (type === undefined) throw new RangeError(`${name}: column '${field.name}' is ${String(field.type)}, not read here`);
    const vector = table.getChild(field.name)!;
    if (vector.nullCount > 0) throw new RangeError(`${name}: column '${field.name}' holds nulls`);
    // Each chunk's buffer must hold the rows its batch declares before they are gathered.
    for (const chunk of vector.data) {
      const values = chunk.values as Column | undefined;
      if (values === undefined || values.length < chunk.length) {
        throw new RangeError(`${name}: column '${field.name}' declares ${chunk.length} rows but its buffer is shorter`);
      }
    }
    const data = (vector.toArray() as Column).slice();
    if (data.length !== table.numRows) throw new RangeError(`${name}: column '${field.name}' has ${data.length} rows, not ${table.numRows}`);
    if (columns.has(field.name)) throw new RangeError(`${name}: column '${field.name}' appears twice`);
    columns.set(field.name, data);
  }
  return columns;
}

export async function readArrow(path: string): Promise<Columns> {
  return decodeArrow(await readFileNamed(path), path);
}
