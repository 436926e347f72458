/**
 * Numeric CSV tables with a header line: written so that reading them back gives the same
 * values bit for bit (float64 in JavaScript's shortest round-trip form, float32 as C's
 * %.9g), read into typed arrays in one pass over the text.
 */
import { COLUMN_TYPES, columnTypeOf, type ColumnSpec, type Columns } from './columns';
import { shown } from '../describe';

/**
 * A number as C's printf("%.9g"), the golden files' float format (an exact float32 round
 * trip). Ties round to even, as C does, where JavaScript's toPrecision rounds them up.
 */
export function formatG9(x: number): string {
  if (typeof x !== 'number') throw new TypeError(`x must be a number (got ${shown(x)})`);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return String(x);
  // 100 significant digits hold a float32's exact decimal expansion, so ties are visible.
  const [mantissa, exponentText] = Math.abs(x).toExponential(99).split('e');
  const digits = mantissa.replace('.', '');
  let exponent = Number(exponentText);
  let kept = BigInt(digits.slice(0, 9));
  const rest = digits.slice(9);
  const half = `5${'0'.repeat(rest.length - 1)}`;
  if (rest > half || (rest === half && kept % 2n === 1n)) kept += 1n;
  let text = kept.toString();
  if (text.length > 9) {
    text = text.slice(0, 9);
    exponent += 1;
  }
  const sign = x < 0 ? '-' : '';
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= 9) {
    const e = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${strip(`${text[0]}.${text.slice(1)}`)}e${e}`;
  }
  const fixed = exponent >= 0
    ? `${text.slice(0, exponent + 1)}.${text.slice(exponent + 1)}`
    : `0.${'0'.repeat(-exponent - 1)}${text}`;
  return sign + strip(fixed);
}

/** The columns as CSV text: a header of their names, then one line per row. */
export function formatCsv(columns: Columns): string {
  const list = [...columns.values()];
  const format = list.map((column) => (columnTypeOf(column) === 'f4' ? formatG9 : String));
  const rows = list.length === 0 ? 0 : list[0].length;
  const lines = [[...columns.keys()].join(',')];
  for (let row = 0; row < rows; row++) {
    let line = format[0](list[0][row]);
    for (let c = 1; c < list.length; c++) line += `,${format[c](list[c][row])}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Parses CSV text whose header is exactly `spec`'s names into columns of `spec`'s types.
 * Blank lines are skipped. Integers must be whole and in range; float32 values are
 * rounded to float32. Errors name `file` and the line.
 */
export function parseCsv(text: string, spec: readonly ColumnSpec[], file: string): Columns {
  const header = spec.map((c) => c.name).join(',');
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const first = text.slice(0, lineEnd).trim();
  if (first !== header) throw new RangeError(`${file}: expected the header '${header}' (got '${first}')`);
  // One pass to size the arrays: at most one row per remaining newline (or a last line without one).
  let capacity = 1;
  for (let at = text.indexOf('\n', lineEnd + 1); at >= 0; at = text.indexOf('\n', at + 1)) capacity++;
  const data = spec.map((c) => new COLUMN_TYPES[c.type](capacity));
  const limits = spec.map((c) => (c.type === 'u4' ? 0xffffffff : c.type === 'u2' ? 0xffff : c.type === 'u1' ? 0xff : undefined));
  let rows = 0;
  for (let line = 2, start = lineEnd + 1; start < text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.slice(start, end).trim() !== '') {
      let cell = start;
      for (let c = 0; c < spec.length; c++) {
        const cellEnd = c === spec.length - 1 ? end : text.indexOf(',', cell);
        if (cellEnd < 0 || cellEnd > end) throw new RangeError(`${file}:${line}: expected ${spec.length} columns`);
        const cellText = text.slice(cell, cellEnd);
        if (c === spec.length - 1 && cellText.includes(',')) throw new RangeError(`${file}:${line}: expected ${spec.length} columns`);
        const x = Number(cellText);
        const limit = limits[c];
        if (cellText.trim() === '' || !Number.isFinite(x) || (limit !== undefined && !(Number.isInteger(x) && x >= 0 && x <= limit))) {
          throw new RangeError(`${file}:${line}: ${spec[c].name} '${cellText.trim()}' is not ${limit === undefined ? 'a number' : `an integer in [0, ${limit}]`}`);
        }
        data[c][rows] = x;
        cell = cellEnd + 1;
      }
      rows++;
    }
    start = end + 1;
  }
  return new Map(spec.map((c, k) => [c.name, data[k].slice(0, rows)]));
}
