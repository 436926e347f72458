/**
 * Spike rasters, synapse tables and state traces to and from files, the format chosen by
 * the extension: `.csv` (text), `.npz` (NumPy: one .npy array per column) or
 * `.arrow` / `.feather` (Apache Arrow IPC, Feather 2). Every format round-trips bit for bit.
 */
import * as path from 'node:path';
import { readFileNamed, writeFileAtomic } from '../files';
import type { SynapseTable } from '../network';
import { formatSpikesCsv, readSpikesCsv, SPIKE_COLUMNS } from '../spnet';
import { encodeArrow, readArrow } from './arrow';
import { asColumn, COLUMN_TYPES, columnTypeOf, expectColumns, type ColumnSpec, type ColumnType, type Columns } from './columns';
import { formatCsv, parseCsv } from './csv';
import { npyDtypeOf, type NpyArray } from './npy';
import { encodeNpz, readNpz } from './npz';

export type TableFormat = 'csv' | 'npz' | 'arrow';

const EXTENSIONS: Record<string, TableFormat> = { '.csv': 'csv', '.npz': 'npz', '.arrow': 'arrow', '.feather': 'arrow' };

/** A spike raster: spike k is neuron `neurons[k]` at `times[k]` ms. A SpikeMonitor is one. */
export interface SpikeTable {
  times: Float64Array;
  neurons: Uint32Array;
}

/**
 * Sampled state of chosen neurons, as a StateMonitor records it: v, u and I are
 * samples × neurons, row-major (neuron j of sample k at k·neurons.length + j).
 */
export interface StateTrace {
  times: Float64Array;
  neurons: Uint32Array;
  v: Float32Array;
  u: Float32Array;
  I: Float32Array;
}

/** The table format of a path, from its extension. */
export function tableFormatOf(file: string): TableFormat {
  const extension = path.extname(file).toLowerCase();
  const format = EXTENSIONS[extension];
  if (format !== undefined) return format;
  if (extension === '.npy') {
    throw new RangeError(`${file}: a table has several columns, which one .npy file cannot hold; use .npz (NumPy's archive of .npy arrays)`);
  }
  throw new RangeError(`${file}: unknown table format '${extension}' (use ${Object.keys(EXTENSIONS).join(', ')})`);
}

/** The synapse table's columns, in the order of every weights file. */
const WEIGHT_COLUMNS: ColumnSpec[] = [
  { name: 'pre', type: 'u4' },
  { name: 'post', type: 'u4' },
  { name: 'delay', type: 'u1' },
  { name: 'weight', type: 'f4' },
  { name: 'derivative', type: 'f4' },
  { name: 'projection', type: 'u2' },
];

function checkLengths(columns: Columns, what: string): void {
  const lengths = new Set([...columns.values()].map((c) => c.length));
  if (lengths.size > 1) throw new RangeError(`${what}: the columns differ in length (${[...columns].map(([name, c]) => `${name}: ${c.length}`).join(', ')})`);
}

async function writeColumns(file: string, columns: Columns): Promise<void> {
  const format = tableFormatOf(file);
  checkLengths(columns, file);
  if (format === 'csv') return writeFileAtomic(file, formatCsv(columns));
  if (format === 'arrow') return writeFileAtomic(file, encodeArrow(columns));
  return writeFileAtomic(file, encodeNpz(new Map([...columns].map(([name, data]) => [name, { shape: [data.length], data }]))));
}

/** The 1-D arrays of an .npz as columns, each checked to be an array of a column type. */
function npzColumns(arrays: Map<string, NpyArray>, file: string): Columns {
  const columns: Columns = new Map();
  for (const [name, array] of arrays) {
    const column = asColumn(array.data);
    if (array.shape.length !== 1 || column === undefined) {
      throw new RangeError(`${file}: array '${name}' is ${npyDtypeOf(array.data)} of shape [${array.shape.join(', ')}], not a column`);
    }
    columns.set(name, column);
  }
  return columns;
}

async function readColumns(file: string, spec: readonly ColumnSpec[]): Promise<Columns> {
  const format = tableFormatOf(file);
  const columns = format === 'csv' ? parseCsv((await readFileNamed(file)).toString('utf8'), spec, file)
    : format === 'arrow' ? await readArrow(file)
      : npzColumns(await readNpz(file), file);
  expectColumns(columns, spec, file);
  return columns;
}

/** A table's arrays as columns, their types checked before anything is written. */
function toColumns(table: object, spec: readonly ColumnSpec[], keys: readonly string[], what: string): Columns {
  const columns: Columns = new Map();
  spec.forEach((c, k) => {
    const data = asColumn((table as Record<string, unknown>)[keys[k]]);
    if (data === undefined || columnTypeOf(data) !== c.type) throw new TypeError(`${what}.${keys[k]} must be a ${COLUMN_TYPES[c.type].name}`);
    columns.set(c.name, data);
  });
  return columns;
}

/** Writes a spike raster (columns `ms`, `neuron`) to .csv, .npz, .arrow or .feather, atomically. */
export async function writeSpikes(file: string, spikes: SpikeTable): Promise<void> {
  const columns = toColumns(spikes, SPIKE_COLUMNS, ['times', 'neurons'], 'spikes');
  checkLengths(columns, file);
  if (tableFormatOf(file) === 'csv') return writeFileAtomic(file, formatSpikesCsv(spikes.times, spikes.neurons));
  return writeColumns(file, columns);
}

/** Reads a spike raster written by writeSpikes (or numpy, pandas, pyarrow with the same columns). */
export async function readSpikes(file: string): Promise<SpikeTable> {
  if (tableFormatOf(file) === 'csv') return readSpikesCsv(file);
  const columns = await readColumns(file, SPIKE_COLUMNS);
  return { times: columns.get('ms') as Float64Array, neurons: columns.get('neuron') as Uint32Array };
}

/**
 * Writes a synapse table (`network.synapses()`) with all its columns; unlike
 * formatWeightsCsv (the reference's `weights_secK.csv`), a `.csv` here keeps delay and
 * projection and reads back.
 */
export async function writeWeights(file: string, synapses: SynapseTable): Promise<void> {
  return writeColumns(file, toColumns(synapses, WEIGHT_COLUMNS, WEIGHT_COLUMNS.map((c) => c.name), 'synapses'));
}

export async function readWeights(file: string): Promise<SynapseTable> {
  const columns = await readColumns(file, WEIGHT_COLUMNS);
  return {
    pre: columns.get('pre') as Uint32Array,
    post: columns.get('post') as Uint32Array,
    delay: columns.get('delay') as Uint8Array,
    weight: columns.get('weight') as Float32Array,
    derivative: columns.get('derivative') as Float32Array,
    projection: columns.get('projection') as Uint16Array,
  };
}

const STATE_VARIABLES = ['v', 'u', 'I'] as const;

/** The trace's arrays, checked and read once: a StateMonitor's getters copy on every access. */
function snapshotStateTrace(trace: StateTrace): StateTrace {
  const keys = ['times', 'neurons', ...STATE_VARIABLES] as const;
  const types: ColumnType[] = ['f8', 'u4', 'f4', 'f4', 'f4'];
  const columns = toColumns(trace, keys.map((name, k) => ({ name, type: types[k] })), keys, 'trace');
  const snapshot = Object.fromEntries(columns) as unknown as StateTrace;
  const values = snapshot.times.length * snapshot.neurons.length;
  for (const name of STATE_VARIABLES) {
    if (snapshot[name].length !== values) {
      throw new RangeError(`trace.${name} must hold times.length × neurons.length = ${values} values (got ${snapshot[name].length})`);
    }
  }
  return snapshot;
}

/**
 * Writes a state trace (a StateMonitor). `.npz`: arrays `ms` (samples), `neurons`, and
 * `v`, `u`, `I` (samples × neurons). `.csv`, `.arrow`, `.feather`: one row per sample,
 * columns `ms`, then `v_<neuron>` for each neuron, then the `u_` and `I_` columns.
 */
export async function writeStateTrace(file: string, monitor: StateTrace): Promise<void> {
  const trace = snapshotStateTrace(monitor);
  const samples = trace.times.length;
  const n = trace.neurons.length;
  if (tableFormatOf(file) === 'npz') {
    const arrays = new Map<string, NpyArray>([
      ['ms', { shape: [samples], data: trace.times }],
      ['neurons', { shape: [n], data: trace.neurons }],
      ...STATE_VARIABLES.map((name): [string, NpyArray] => [name, { shape: [samples, n], data: trace[name] }]),
    ]);
    return writeFileAtomic(file, encodeNpz(arrays));
  }
  if (new Set(trace.neurons).size !== n) throw new RangeError(`${file}: a trace of repeated neurons has no column per neuron; write it as .npz`);
  const columns: Columns = new Map([['ms', trace.times]]);
  for (const name of STATE_VARIABLES) {
    trace.neurons.forEach((neuron, j) => columns.set(`${name}_${neuron}`, Float32Array.from({ length: samples }, (_, k) => trace[name][k * n + j])));
  }
  return writeColumns(file, columns);
}

/** The neurons of a wide table's `v_` columns, checked to be followed by the same `u_` and `I_` columns. */
function wideSpec(names: readonly string[], file: string): { neurons: Uint32Array; spec: ColumnSpec[] } {
  const prefix = 'v_';
  const neurons = Uint32Array.from(names.filter((name) => name.startsWith(prefix)), (name) => Number(name.slice(prefix.length)));
  const spec: ColumnSpec[] = [
    { name: 'ms', type: 'f8' },
    ...STATE_VARIABLES.flatMap((variable) => [...neurons].map((neuron): ColumnSpec => ({ name: `${variable}_${neuron}`, type: 'f4' }))),
  ];
  if (spec.map((c) => c.name).join(',') !== names.join(',')) {
    throw new RangeError(`${file}: expected the columns ms, v_<neuron>…, u_<neuron>…, I_<neuron>… of a state trace (got ${names.join(', ')})`);
  }
  return { neurons, spec };
}

export async function readStateTrace(file: string): Promise<StateTrace> {
  const format = tableFormatOf(file);
  if (format === 'npz') return stateTraceOfNpz(await readNpz(file), file);
  let columns: Columns;
  let neurons: Uint32Array;
  if (format === 'csv') {
    const text = (await readFileNamed(file)).toString('utf8');
    const header = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length).trim();
    const wide = wideSpec(header.split(','), file);
    columns = parseCsv(text, wide.spec, file);
    neurons = wide.neurons;
  } else {
    columns = await readArrow(file);
    const wide = wideSpec([...columns.keys()], file);
    expectColumns(columns, wide.spec, file);
    neurons = wide.neurons;
  }
  const times = columns.get('ms') as Float64Array;
  const n = neurons.length;
  const trace: StateTrace = { times, neurons, v: new Float32Array(times.length * n), u: new Float32Array(times.length * n), I: new Float32Array(times.length * n) };
  for (const name of STATE_VARIABLES) {
    neurons.forEach((neuron, j) => (columns.get(`${name}_${neuron}`) as Float32Array).forEach((x, k) => (trace[name][k * n + j] = x)));
  }
  return trace;
}

function stateTraceOfNpz(arrays: Map<string, NpyArray>, file: string): StateTrace {
  const names = [...arrays.keys()].join(', ');
  if (names !== 'ms, neurons, v, u, I') throw new RangeError(`${file}: expected the arrays ms, neurons, v, u, I of a state trace (got ${names || 'none'})`);
  const times = arrays.get('ms')!;
  const neurons = arrays.get('neurons')!;
  if (!(times.data instanceof Float64Array) || times.shape.length !== 1) throw new RangeError(`${file}: ms must be a 1-D <f8 array`);
  if (!(neurons.data instanceof Uint32Array) || neurons.shape.length !== 1) throw new RangeError(`${file}: neurons must be a 1-D <u4 array`);
  const trace = { times: times.data, neurons: neurons.data } as StateTrace;
  for (const name of STATE_VARIABLES) {
    const { shape, data } = arrays.get(name)!;
    if (!(data instanceof Float32Array) || shape.length !== 2 || shape[0] !== times.data.length || shape[1] !== neurons.data.length) {
      throw new RangeError(`${file}: ${name} must be a <f4 array of shape [${times.data.length}, ${neurons.data.length}] (got ${npyDtypeOf(data)} [${shape.join(', ')}])`);
    }
    trace[name] = data;
  }
  return trace;
}
