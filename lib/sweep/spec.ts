/**
 * Sweep specifications and the runs they expand into (docs/sweeps.md).
 *
 * A spec is the user's file: a network (a builder's name, or a network description), the
 * simulated seconds, fixed parameters, a grid and/or a list of runs, an optional group
 * search and what files to keep. It expands into runs: plain data, one per parameter
 * combination, each named by a hash of everything that decides its result. A run is what a
 * pool worker or a queue worker receives; `parseSweepRun` checks one received from anywhere
 * before any work starts, so that the same rules guard the local pool and the queue.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GroupSearchOptions } from '../groups';
import { checkValueDepth, readJsonText } from '../json';
import type { NetworkDescription } from '../network-description';

/** The spec format's version; part of every run's identity. */
export const SWEEP_SPEC_VERSION = 1;

/** A parameter's value: JSON's scalars. */
export type SweepValue = number | string | boolean;
export type SweepParams = Record<string, SweepValue>;

/** What a spec or a run may hold at most (a job cannot ask for more, whoever sent it). */
export const SWEEP_LIMITS = {
  /** Bytes of a spec file. */
  specBytes: 1024 * 1024,
  /** Runs one spec expands into. */
  runs: 100_000,
  /** Parameters per run. */
  params: 64,
  /** Characters of a parameter name or string value. */
  stringLength: 256,
  /** Simulated seconds per run. */
  seconds: 86_400,
  /** Neurons of a described network (the built-in builders have their own caps). */
  neurons: 1_000_000,
  /** Levels of nested arrays and objects in a spec or a job: a network description's 32 and the spec's own. */
  depth: 34,
} as const;

/** The group search a run may ask for after simulating: the search's options, less what is placement (threads, mothers) or a control. */
export type SweepGroupSearch = Pick<GroupSearchOptions, 'anchors' | 'strongFraction' | 'maxWeight' | 'minPath' | 'latency' | 'window' | 'budget'>;

/** Files a run may keep besides its metrics, written under OUT/runs/ID/. */
export interface SweepKeep {
  /** Every spike of the run, as spikes.arrow (columns ms, neuron). */
  spikes?: boolean;
  /** The network at the end, as checkpoint.pcn (Network.load reads it). */
  checkpoint?: boolean;
}

/** A sweep as a user writes it (docs/sweeps.md). */
export interface SweepSpec {
  /** The spec format's version (default 1). */
  version?: number;
  /**
   * A builder's name ('izhikevich2006', or one registered with --builders), or
   * `{ description }`: a network description, or the path of its JSON file (read when the
   * spec is read, relative to the spec's folder, and sent to workers as data).
   */
  network: string | { description: string | NetworkDescription };
  /** Simulated seconds per run. */
  seconds: number;
  /** Parameters shared by every run. */
  params?: SweepParams;
  /** Every combination of these values (first key outermost). */
  grid?: Record<string, SweepValue[]>;
  /** Explicit runs, each merged over `params` (and crossed with `grid` when both are given). */
  runs?: SweepParams[];
  /** Search the polychronous groups after simulating: true for the defaults, or options. */
  groups?: boolean | SweepGroupSearch;
  keep?: SweepKeep;
}

/** One run: plain data, as a worker receives it. */
export interface SweepRun {
  version: number;
  /** 16 hex digits: the hash of everything below. */
  id: string;
  /** The builder's name, or 'description'. */
  network: string;
  description?: NetworkDescription;
  /** Always holds `seed` (0 when the spec gives none). */
  params: SweepParams;
  seconds: number;
  groups: SweepGroupSearch | false;
  keep: Required<SweepKeep>;
}

const SPEC_KEYS = ['version', 'network', 'seconds', 'params', 'grid', 'runs', 'groups', 'keep'];
const RUN_KEYS = ['version', 'id', 'network', 'description', 'params', 'seconds', 'groups', 'keep'];
const GROUP_KEYS: Record<keyof SweepGroupSearch, 'number' | 'string'> = {
  anchors: 'number', strongFraction: 'number', maxWeight: 'number', minPath: 'number', latency: 'number', window: 'number', budget: 'string',
};
const KEEP_KEYS = ['spikes', 'checkpoint'];
/** The name a run gives a described network. */
export const DESCRIPTION_NETWORK = 'description';
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Errors name where the problem is: the spec file (or 'job') and the field's path. */
class Checker {
  constructor(readonly source: string) {}

  fail(field: string, message: string, type: typeof TypeError | typeof RangeError = RangeError): never {
    throw new type(`${this.source}: ${field} ${message}`);
  }

  /** An object; with `keys`, one holding no other fields. */
  object(value: unknown, field: string, keys?: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be an object', TypeError);
    if (keys === undefined) return value as Record<string, unknown>;
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.fail(field, `has an unknown field '${clip(key)}' (allowed: ${keys.join(', ')})`);
    }
    return value as Record<string, unknown>;
  }

  name(value: unknown, field: string): string {
    if (typeof value !== 'string') this.fail(field, 'must be a string', TypeError);
    if (value.length > SWEEP_LIMITS.stringLength || !NAME.test(value)) {
      this.fail(field, `must be a name of letters, digits, '_', '.' or '-' (at most ${SWEEP_LIMITS.stringLength} characters; got '${clip(value)}')`);
    }
    return value;
  }

  value(value: unknown, field: string): SweepValue {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.fail(field, `must be a finite number (got ${value})`);
      return value;
    }
    if (typeof value === 'string') {
      if (value.length > SWEEP_LIMITS.stringLength) this.fail(field, `is longer than ${SWEEP_LIMITS.stringLength} characters`);
      return value;
    }
    if (typeof value === 'boolean') return value;
    return this.fail(field, 'must be a number, a string or a boolean', TypeError);
  }

  params(value: unknown, field: string): SweepParams {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be an object of parameters', TypeError);
    const entries = Object.entries(value);
    if (entries.length > SWEEP_LIMITS.params) this.fail(field, `has ${entries.length} parameters, over the limit of ${SWEEP_LIMITS.params}`);
    const params: SweepParams = {};
    for (const [key, v] of entries) params[this.name(key, `${field} key`)] = this.value(v, `${field}.${key}`);
    return params;
  }

  seconds(value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail('seconds', 'must be a number', TypeError);
    if (!(value > 0 && value <= SWEEP_LIMITS.seconds) || !Number.isInteger(value * 1000)) {
      this.fail('seconds', `must be in (0, ${SWEEP_LIMITS.seconds}] and a whole number of ms (got ${value})`);
    }
    return value;
  }

  groups(value: unknown): SweepGroupSearch | false {
    if (value === undefined || value === false) return false;
    if (value === true) return {};
    const groups = this.object(value, 'groups', Object.keys(GROUP_KEYS));
    for (const [key, v] of Object.entries(groups)) {
      const type = GROUP_KEYS[key as keyof SweepGroupSearch];
      if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) this.fail(`groups.${key}`, `must be a finite ${type}`, TypeError);
    }
    if (groups.budget !== undefined && groups.budget !== 'extended' && groups.budget !== 'fixed') {
      this.fail('groups.budget', `must be 'extended' or 'fixed' (got '${clip(String(groups.budget))}')`);
    }
    return groups as SweepGroupSearch;
  }

  keep(value: unknown): Required<SweepKeep> {
    if (value === undefined) return { spikes: false, checkpoint: false };
    const keep = this.object(value, 'keep', KEEP_KEYS);
    for (const [key, v] of Object.entries(keep)) if (typeof v !== 'boolean') this.fail(`keep.${key}`, 'must be true or false', TypeError);
    return { spikes: keep.spikes === true, checkpoint: keep.checkpoint === true };
  }

  /** A description's size is bounded before any network exists (its own checker does the rest when it is built). */
  description(value: unknown): NetworkDescription {
    const description = this.object(value, 'description');
    checkValueDepth(description, SWEEP_LIMITS.depth - 2, `${this.source}: description`);
    const populations = description.populations;
    if (!Array.isArray(populations)) this.fail('description.populations', 'must be an array', TypeError);
    let neurons = 0;
    for (const population of populations) {
      const size = (population as { size?: unknown } | null)?.size;
      neurons += typeof size === 'number' && size > 0 ? size : 0;
    }
    if (neurons > SWEEP_LIMITS.neurons) this.fail('description', `has ${neurons} neurons, over the limit of ${SWEEP_LIMITS.neurons}`);
    return description as unknown as NetworkDescription;
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** JSON with object keys sorted, so that equal values hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A run's identity: the first 16 hex digits of SHA-256 over everything that decides its result. */
export function sweepRunId(run: Omit<SweepRun, 'id'>): string {
  const { version, network, description, params, seconds, groups, keep } = run;
  return createHash('sha256').update(canonical({ version, network, description, params, seconds, groups, keep })).digest('hex').slice(0, 16);
}

/**
 * The description file a spec names (`{ "network": { "description": FILE } }`): a relative
 * path, read from the spec's own folder or one below it. A path leading anywhere else
 * (absolute, or out through '..' or a symbolic link) is refused: a spec received from
 * someone else must not make polychron read the submitter's other files (docs/security.md).
 * A spec given in code reads relative to the working folder, by the same rule (read a file
 * elsewhere with readNetworkDescription and give the description inline).
 */
function descriptionFile(given: string, source: string, check: Checker): string {
  const folder = path.resolve(path.dirname(source));
  const inside = (file: string, root: string): boolean => {
    const relative = path.relative(root, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  };
  const file = path.resolve(folder, given);
  if (path.isAbsolute(given) || !inside(file, folder)) {
    check.fail('network.description', `must be a file in the spec's folder or below it (got '${clip(given)}'); ` +
      'copy the description beside the spec, or give it inline');
  }
  // A symbolic link inside the folder may still point out of it.
  let real: string | undefined;
  try {
    real = fs.realpathSync(file);
  } catch {
    real = undefined; // missing: the reader says so, naming the file
  }
  if (real !== undefined && !inside(real, fs.realpathSync(folder))) {
    check.fail('network.description', `'${clip(given)}' leads out of the spec's folder (a link to ${clip(real)})`);
  }
  return file;
}

/** Every combination of the grid's values, first key outermost. */
function gridProduct(grid: Record<string, SweepValue[]>, check: Checker): SweepParams[] {
  let combinations: SweepParams[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    check.name(key, 'grid key');
    if (!Array.isArray(values) || values.length === 0) check.fail(`grid.${key}`, 'must be a non-empty array of values', TypeError);
    if (combinations.length * values.length > SWEEP_LIMITS.runs) check.fail('grid', `expands into more than ${SWEEP_LIMITS.runs} runs`);
    const checked = values.map((v, k) => check.value(v, `grid.${key}[${k}]`));
    combinations = combinations.flatMap((c) => checked.map((v) => ({ ...c, [key]: v })));
  }
  return combinations;
}

/**
 * Checks a spec and expands it into runs, in grid order. `source` names the spec in errors
 * and is the folder a description path is read relative to (a file path, or '' for an
 * object given in code).
 */
export function expandSweep(spec: unknown, source = 'sweep spec'): SweepRun[] {
  const check: Checker = new Checker(source);
  const top = check.object(spec, 'the spec', SPEC_KEYS);
  const version = (top.version ?? SWEEP_SPEC_VERSION) as number;
  if (version !== SWEEP_SPEC_VERSION) check.fail('version', `must be ${SWEEP_SPEC_VERSION} (got ${JSON.stringify(version)})`);
  let network: string;
  let description: NetworkDescription | undefined;
  if (typeof top.network === 'object' && top.network !== null) {
    const given = check.object(top.network, 'network', ['description']).description;
    if (typeof given === 'string') {
      const file = descriptionFile(given, source, check);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { readNetworkDescription } = require('../network-description') as typeof import('../network-description');
      description = check.description(readNetworkDescription(file));
    } else {
      description = check.description(given);
    }
    network = DESCRIPTION_NETWORK;
  } else {
    if (top.network === undefined) check.fail('network', "is required: a builder's name (e.g. 'izhikevich2006') or { \"description\": FILE }", TypeError);
    network = check.name(top.network, 'network');
    if (network === DESCRIPTION_NETWORK) check.fail('network', `'${DESCRIPTION_NETWORK}' is given as { "description": FILE }`);
  }
  if (top.seconds === undefined) check.fail('seconds', 'is required (simulated seconds per run)', TypeError);
  const seconds = check.seconds(top.seconds);
  const groups = check.groups(top.groups);
  const keep = check.keep(top.keep);
  const base = top.params === undefined ? {} : check.params(top.params, 'params');
  let lists: SweepParams[] = [{}];
  if (top.runs !== undefined) {
    const listed = top.runs;
    if (!Array.isArray(listed) || listed.length === 0) check.fail('runs', 'must be a non-empty array of parameter objects', TypeError);
    if (listed.length > SWEEP_LIMITS.runs) check.fail('runs', `holds more than ${SWEEP_LIMITS.runs} runs`);
    lists = listed.map((r: unknown, k: number) => check.params(r, `runs[${k}]`));
  }
  const grid = top.grid === undefined ? [{}] : gridProduct(check.object(top.grid, 'grid') as Record<string, SweepValue[]>, check);
  if (lists.length * grid.length > SWEEP_LIMITS.runs) check.fail('the spec', `expands into more than ${SWEEP_LIMITS.runs} runs`);
  const runs: SweepRun[] = [];
  const seen = new Map<string, number>();
  for (const listed of lists) {
    for (const combination of grid) {
      const params = { seed: 0, ...base, ...listed, ...combination };
      if (Object.keys(params).length > SWEEP_LIMITS.params) check.fail('params', `: a run has more than ${SWEEP_LIMITS.params} parameters`);
      const run: Omit<SweepRun, 'id'> = { version, network, ...(description && { description }), params, seconds, groups, keep };
      const id = sweepRunId(run);
      const earlier = seen.get(id);
      if (earlier !== undefined) check.fail('the spec', `gives the same run twice (runs ${earlier + 1} and ${runs.length + 1}: ${JSON.stringify(params)})`);
      seen.set(id, runs.length);
      runs.push({ ...run, id } as SweepRun);
    }
  }
  return runs;
}

/** Reads a spec file (at most SWEEP_LIMITS.specBytes, nested at most SWEEP_LIMITS.depth levels) and expands it. */
export function readSweepSpec(file: string): SweepRun[] {
  const text = readJsonText(file, { maxBytes: SWEEP_LIMITS.specBytes, maxDepth: SWEEP_LIMITS.depth }, 'sweep spec');
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return expandSweep(spec, file);
}

/**
 * Checks a run received from a pool or a queue: every field's type, size and range, and that
 * its id is the hash of its contents. Throws a TypeError or RangeError; nothing runs before.
 */
export function parseSweepRun(data: unknown, source = 'job'): SweepRun {
  const check: Checker = new Checker(source);
  checkValueDepth(data, SWEEP_LIMITS.depth, source);
  const run = check.object(data, 'the run', RUN_KEYS);
  if (run.version !== SWEEP_SPEC_VERSION) check.fail('version', `must be ${SWEEP_SPEC_VERSION} (got ${clip(JSON.stringify(run.version) ?? 'nothing')})`);
  const network = check.name(run.network, 'network');
  const description = network === DESCRIPTION_NETWORK ? check.description(run.description) : undefined;
  if (network !== DESCRIPTION_NETWORK && run.description !== undefined) check.fail('description', `goes only with network '${DESCRIPTION_NETWORK}'`);
  const params = check.params(run.params, 'params');
  if (typeof params.seed !== 'number') check.fail('params.seed', 'must be a number', TypeError);
  const parsed: Omit<SweepRun, 'id'> = {
    version: SWEEP_SPEC_VERSION, network, ...(description && { description }), params,
    seconds: check.seconds(run.seconds), groups: check.groups(run.groups), keep: check.keep(run.keep),
  };
  const id = sweepRunId(parsed);
  if (run.id !== id) check.fail('id', `is not the hash of the run's contents (got '${clip(String(run.id))}', expected '${id}')`);
  return { ...parsed, id };
}
