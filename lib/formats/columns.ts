/**
 * Tables of named numeric columns, the common shape of what polychron writes to columnar
 * files (CSV, Arrow): each column one typed array, all of one length.
 */

/** The element types a column may have, named as in NumPy's dtype codes. */
export const COLUMN_TYPES = {
  f8: Float64Array,
  f4: Float32Array,
  u4: Uint32Array,
  u2: Uint16Array,
  u1: Uint8Array,
} as const;

export type ColumnType = keyof typeof COLUMN_TYPES;
export type Column = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;

/** Columns in order, by name. */
export type Columns = Map<string, Column>;

/** What a reader expects: each column's name and type, in order. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * The column type of a typed array, or undefined for anything else. By the array's tag,
 * not instanceof: the addon's arrays come from Node's main realm, which differs from a
 * vm context's or jest's.
 */
export function columnTypeOf(data: unknown): ColumnType | undefined {
  if (!ArrayBuffer.isView(data)) return undefined;
  const tag = (data as Column)[Symbol.toStringTag];
  return (Object.keys(COLUMN_TYPES) as ColumnType[]).find((type) => COLUMN_TYPES[type].name === tag);
}

/** A typed array of a column type as a view of this realm's type (no copy), or undefined. */
export function asColumn(data: unknown): Column | undefined {
  const type = columnTypeOf(data);
  if (type === undefined) return undefined;
  const { buffer, byteOffset, length } = data as Column;
  return new COLUMN_TYPES[type](buffer as ArrayBuffer, byteOffset, length);
}

/**
 * Checks that `columns` are exactly `spec` (names, order and types) and of one length;
 * `file` names the source in errors.
 */
export function expectColumns(columns: Columns, spec: readonly ColumnSpec[], file: string): void {
  const got = [...columns].map(([name, column]) => `${name}:${columnTypeOf(column)}`).join(', ');
  const wanted = spec.map((c) => `${c.name}:${c.type}`).join(', ');
  if (got !== wanted) throw new RangeError(`${file}: expected the columns ${wanted} (got ${got || 'none'})`);
  const lengths = new Set([...columns.values()].map((c) => c.length));
  if (lengths.size > 1) throw new RangeError(`${file}: the columns differ in length (${[...lengths].join(', ')})`);
}
