/**
 * Apache Arrow IPC files (Feather version 2 is the same format) through the `apache-arrow`
 * package: one record batch of non-nullable numeric columns.
 */
import * as fs from 'node:fs';
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

function parseTable(bytes: Uint8Array, name: string): Arrow.Table {
  if (Buffer.from(bytes.subarray(0, 4)).toString('latin1') === FEATHER_V1_MAGIC) {
    throw new RangeError(`${name}: Feather version 1 is not read; write Feather 2 (Arrow IPC), e.g. pyarrow.feather.write_feather(..., version=2)`);
  }
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
  return decodeArrow(await fs.promises.readFile(path), path);
}
