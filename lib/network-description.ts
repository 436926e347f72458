/**
 * Network description files: a JSON document of populations, projections, inputs, seed and
 * mode that builds a Network through its public API (schema: docs/api.md, "Network
 * description files"). A description is data: it is validated strictly (unknown keys
 * refused, every error naming its JSON path), capped in size and nesting, and nothing it
 * names is ever loaded or evaluated. Ranges are left to the Network, whose errors are
 * prefixed with the path of the entry that caused them.
 */
import { readJsonText } from './json';
import {
  Network,
  type ConnectionRule,
  type LifOptions,
  type NetworkMode,
  type NetworkOptions,
  type PlasticityOptions,
  type PopulationOptions,
  type Projection,
  type Stdp2006Options,
  type SynapseValue,
} from './network';
import type { Population } from './network-population';
import { shown } from './describe';

/** Description files larger than this are refused before they are read. */
export const NETWORK_DESCRIPTION_MAX_BYTES = 16 * 1024 * 1024;
/** Arrays and objects nested deeper than this are refused before the JSON is parsed. */
export const NETWORK_DESCRIPTION_MAX_DEPTH = 32;

type Named<T> = T & { name: string };

export type PopulationDescription =
  | Named<Omit<PopulationOptions, 'name'>>
  | Named<LifOptions>
  | Named<{ model: 'poisson'; size: number; rate: number }>
  | Named<{ model: 'spikeTrains'; size: number; times: number[]; neurons: number[] }>;

/** A population by name, or several taken as one index space. */
export type PopulationReference = string | string[];

export interface ProjectionDescription {
  source: PopulationReference;
  target: PopulationReference;
  rule: Exclude<ConnectionRule, { kind: 'explicit' }> | { kind: 'explicit'; pre: number[]; post: number[] };
  delay?: SynapseValue;
  weight: SynapseValue;
  plastic?: boolean | PlasticityOptions;
}

export type InputDescription =
  | { kind: 'thalamic'; target?: string; perMs?: number; current?: number }
  | { kind: 'constant'; target: string; current: number | number[] }
  | { kind: 'noise'; target: string; low: number; high: number }
  | { kind: 'stepped'; target: string; times: number[]; amplitudes: number[] }
  | { kind: 'schedule'; times: number[]; neurons: number[]; currents: number | number[]; mode?: 'assign' | 'add' };

export interface NetworkDescription {
  /** The schema's version: 1. */
  version: 1;
  /** Free text for the reader; ignored. */
  description?: string;
  seed?: number;
  mode?: NetworkMode;
  compactSynapses?: boolean;
  stdp?: Stdp2006Options;
  dopamineDecay?: number;
  populations: PopulationDescription[];
  projections?: ProjectionDescription[];
  inputs?: InputDescription[];
}

/** What the run needs and a description does not say: the machine's share. */
export type DescriptionOverrides = Pick<NetworkOptions, 'mode' | 'seed' | 'threads' | 'simd'>;

export interface DescribedNetwork {
  network: Network;
  /** The populations by their names in the description. */
  populations: ReadonlyMap<string, Population>;
  /** The projections in the order of the description. */
  projections: Projection[];
}

// The keys each object may have. `satisfies` ties each list to the library's own types.
const TOP_KEYS = ['version', 'description', 'seed', 'mode', 'compactSynapses', 'stdp', 'dopamineDecay', 'populations', 'projections', 'inputs'] as const satisfies readonly (keyof NetworkDescription)[];
const STDP_KEYS = ['aPlus', 'aMinus', 'decayPlus', 'decayMinus', 'bias', 'derivativeDecay', 'wMin', 'wMax', 'periodMs'] as const satisfies readonly (keyof Stdp2006Options)[];
const POPULATION_KEYS = ['name', 'model', 'size'] as const;
const IZHIKEVICH_VALUES = ['a', 'b', 'c', 'd', 'v', 'u'] as const satisfies readonly (keyof PopulationOptions)[];
const LIF_VALUES = ['tau', 'vRest', 'vReset', 'vThreshold', 'resistance', 'refractory', 'v'] as const satisfies readonly (keyof LifOptions)[];
const PROJECTION_KEYS = ['source', 'target', 'rule', 'delay', 'weight', 'plastic'] as const satisfies readonly (keyof ProjectionDescription)[];
type PlasticityKeys<K> = readonly (keyof Extract<PlasticityOptions, { kind: K }>)[];
const PAIR_VALUES = ['aPlus', 'aMinus', 'tauPlus', 'tauMinus', 'wMin', 'wMax'] as const satisfies PlasticityKeys<'pair'>;
const PAIR_FLAGS = ['multiplicative', 'nearest'] as const satisfies PlasticityKeys<'pair'>;
const DOPAMINE_VALUES = ['bias', 'periodMs', 'eligibilityDecay', 'wMin', 'wMax'] as const satisfies PlasticityKeys<'dopamine'>;

type Json = Record<string, unknown>;

/** The path of an entry: `projections[2].weight`. */
const child = (at: string, key: string | number) => (typeof key === 'number' ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`);

/** Structural checks of a description, each error naming `source` and the JSON path. */
class Checker {
  constructor(readonly source: string) {}

  fail(at: string, message: string, Kind: ErrorConstructor = TypeError): never {
    throw new Kind(`${this.source}: ${at || 'the description'} ${message}`);
  }

  /**
   * An object with all of `required` and only `allowed` keys; `allowed` undefined peeks
   * at an object whose keys are checked once its kind is known.
   */
  object(value: unknown, at: string, allowed: readonly string[] | undefined, required: readonly string[] = []): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(at, 'must be an object');
    for (const key of Object.keys(value)) {
      if (allowed !== undefined && !allowed.includes(key)) this.fail(child(at, key), `is not a known key here (known: ${allowed.join(', ')})`);
    }
    for (const key of required) if (!(key in value)) this.fail(child(at, key), 'is required');
    return value as Json;
  }

  number(value: unknown, at: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(at, 'must be a number');
    return value;
  }

  optionalNumber(object: Json, key: string, at: string): number | undefined {
    return object[key] === undefined ? undefined : this.number(object[key], child(at, key));
  }

  string(value: unknown, at: string, choices?: readonly string[]): string {
    if (typeof value !== 'string') this.fail(at, 'must be a string');
    if (choices !== undefined && !choices.includes(value)) this.fail(at, `must be one of ${choices.join(', ')} (got '${value}')`, RangeError);
    return value;
  }

  boolean(value: unknown, at: string): boolean {
    if (typeof value !== 'boolean') this.fail(at, 'must be true or false');
    return value;
  }

  array(value: unknown, at: string): unknown[] {
    if (!Array.isArray(value)) this.fail(at, 'must be an array');
    return value;
  }

  numbers(value: unknown, at: string): number[] {
    return this.array(value, at).map((x, k) => this.number(x, child(at, k)));
  }

  /** Indices become a Uint32Array, which would wrap anything outside [0, 2³² − 1] silently. */
  indices(value: unknown, at: string): Uint32Array {
    const list = this.numbers(value, at);
    list.forEach((x, k) => {
      if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) this.fail(child(at, k), `must be an integer in [0, 4294967295] (got ${x})`, RangeError);
    });
    return Uint32Array.from(list);
  }

  /** A number, or a number per element (neuron or synapse). */
  numberOrNumbers(value: unknown, at: string): number | number[] {
    return Array.isArray(value) ? this.numbers(value, at) : this.number(value, at);
  }

  /** A pair [lo, hi] of numbers. */
  range(value: unknown, at: string): [number, number] {
    const pair = this.numbers(value, at);
    if (pair.length !== 2) this.fail(at, `must be [lo, hi] (got ${pair.length} numbers)`);
    return [pair[0], pair[1]];
  }

  /** A delay or weight: a number, { uniform: [lo, hi] }, { evenly: [lo, hi] } (if allowed), or one per synapse. */
  synapseValue(value: unknown, at: string, evenly: boolean): SynapseValue {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.numberOrNumbers(value, at);
    const kinds = evenly ? ['uniform', 'evenly'] : ['uniform'];
    const object = this.object(value, at, kinds);
    const keys = Object.keys(object);
    if (keys.length !== 1) this.fail(at, `must have exactly one of ${kinds.join(', ')}`);
    const range = this.range(object[keys[0]], child(at, keys[0]));
    return keys[0] === 'uniform' ? { uniform: range } : { evenly: range };
  }

  /** The numbers of `keys` present in an object. Absent keys stay absent: the library has the defaults. */
  numbersOf<K extends string>(object: Json, keys: readonly K[], at: string): Partial<Record<K, number>> {
    const out: Partial<Record<K, number>> = {};
    for (const key of keys) if (object[key] !== undefined) out[key] = this.number(object[key], child(at, key));
    return out;
  }

  /** As numbersOf, each value a number or one per neuron. */
  perNeuronOf<K extends string>(object: Json, keys: readonly K[], at: string): Partial<Record<K, number | number[]>> {
    const out: Partial<Record<K, number | number[]>> = {};
    for (const key of keys) if (object[key] !== undefined) out[key] = this.numberOrNumbers(object[key], child(at, key));
    return out;
  }

  flagsOf<K extends string>(object: Json, keys: readonly K[], at: string): Partial<Record<K, boolean>> {
    const out: Partial<Record<K, boolean>> = {};
    for (const key of keys) if (object[key] !== undefined) out[key] = this.boolean(object[key], child(at, key));
    return out;
  }
}

/** Runs a library call for the entry at `at`, its error prefixed with the source and path. */
function forEntry<T>(checker: Checker, at: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    // Native errors come from another realm: keep their kind by name.
    const { name, message } = error as Error;
    const Kind = name === 'TypeError' ? TypeError : RangeError;
    throw new Kind(`${checker.source}: ${at}: ${message}`, { cause: error });
  }
}

/** Reads and parses a description file, refusing an oversize or over-deep one before parsing. */
export function readNetworkDescription(path: string): unknown {
  // Refuses nesting deeper than the limit before JSON.parse sees the text, so that a hostile
  // file cannot exhaust the parser's or a walker's stack.
  const text = readJsonText(path, { maxBytes: NETWORK_DESCRIPTION_MAX_BYTES, maxDepth: NETWORK_DESCRIPTION_MAX_DEPTH }, 'network description');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Builds the network a description says: the description itself, or the path of a JSON
 * file holding one. `overrides` (seed, mode, threads, SIMD level) win over the file's.
 * Throws a TypeError or RangeError naming the file and the JSON path of the first problem.
 */
export function networkFromDescription(description: NetworkDescription | string, overrides: DescriptionOverrides = {}): DescribedNetwork {
  const source = typeof description === 'string' ? description : 'description';
  const check = new Checker(source);
  const top = check.object(typeof description === 'string' ? readNetworkDescription(description) : description, '', TOP_KEYS, ['version', 'populations']);
  if (top.version !== 1) check.fail('version', `must be 1 (got ${shown(top.version)})`, RangeError);
  if (top.description !== undefined) check.string(top.description, 'description');
  const options: NetworkOptions = {};
  if (top.seed !== undefined) options.seed = check.number(top.seed, 'seed');
  if (top.mode !== undefined) options.mode = check.string(top.mode, 'mode', ['reference', 'fast']) as NetworkMode;
  if (top.compactSynapses !== undefined) options.compactSynapses = check.boolean(top.compactSynapses, 'compactSynapses');
  if (top.stdp !== undefined) options.stdp = check.numbersOf(check.object(top.stdp, 'stdp', STDP_KEYS), STDP_KEYS, 'stdp') as Stdp2006Options;
  if (top.dopamineDecay !== undefined) options.dopamineDecay = check.number(top.dopamineDecay, 'dopamineDecay');
  const network = forEntry(check, 'the network options', () => new Network({ ...options, ...overrides }));
  try {
    const populations = new Map<string, Population>();
    check.array(top.populations, 'populations').forEach((entry, k) => {
      const at = child('populations', k);
      const name = check.string(check.object(entry, at, undefined, ['name', 'size']).name, child(at, 'name'));
      if (populations.has(name)) check.fail(child(at, 'name'), `repeats the population name '${name}'`, RangeError);
      populations.set(name, forEntry(check, at, addPopulation(network, check, entry as Json, at)));
    });
    const projections = (top.projections === undefined ? [] : check.array(top.projections, 'projections')).map((entry, k) =>
      addProjection(network, check, populations, entry, child('projections', k)),
    );
    if (top.inputs !== undefined) {
      check.array(top.inputs, 'inputs').forEach((entry, k) => addInput(network, check, populations, entry, child('inputs', k)));
    }
    return { network, populations, projections };
  } catch (error) {
    network.close();
    throw error;
  }
}

/** The call that adds the population at `at`, its options checked. */
function addPopulation(network: Network, check: Checker, entry: Json, at: string): () => Population {
  const model = entry.model === undefined ? 'izhikevich' : check.string(entry.model, child(at, 'model'), ['izhikevich', 'lif', 'poisson', 'spikeTrains']);
  const name = entry.name as string;
  const size = check.number(entry.size, child(at, 'size'));
  switch (model) {
    case 'lif': {
      const values = check.perNeuronOf(check.object(entry, at, [...POPULATION_KEYS, ...LIF_VALUES]), LIF_VALUES, at);
      return () => network.addPopulation({ ...values, model: 'lif', name, size });
    }
    case 'poisson': {
      const rate = check.number(check.object(entry, at, ['name', 'model', 'size', 'rate'], ['rate']).rate, child(at, 'rate'));
      return () => network.addPoissonSource({ name, size, rate });
    }
    case 'spikeTrains': {
      const object = check.object(entry, at, ['name', 'model', 'size', 'times', 'neurons'], ['times', 'neurons']);
      const times = check.numbers(object.times, child(at, 'times'));
      const neurons = check.indices(object.neurons, child(at, 'neurons'));
      return () => network.addSpikeTrains({ name, size, times, neurons });
    }
    default: {
      const object = check.object(entry, at, [...POPULATION_KEYS, 'preset', ...IZHIKEVICH_VALUES]);
      const values = check.perNeuronOf(object, IZHIKEVICH_VALUES, at);
      const preset = object.preset === undefined ? undefined : (check.string(object.preset, child(at, 'preset')) as PopulationOptions['preset']);
      return () => network.addPopulation({ ...values, ...(preset === undefined ? {} : { preset }), name, size });
    }
  }
}

function populationsOf(check: Checker, populations: ReadonlyMap<string, Population>, value: unknown, at: string): Population | Population[] {
  const find = (name: unknown, where: string) => {
    const population = populations.get(check.string(name, where));
    if (population === undefined) check.fail(where, `names no population (known: ${[...populations.keys()].join(', ')})`, RangeError);
    return population;
  };
  if (!Array.isArray(value)) return find(value, at);
  return value.map((name, k) => find(name, child(at, k)));
}

function ruleOf(check: Checker, value: unknown, at: string): ConnectionRule {
  const kind = check.string(check.object(value, at, undefined, ['kind']).kind, child(at, 'kind'), [
    'fixedOutDegree',
    'fixedInDegree',
    'probability',
    'oneToOne',
    'explicit',
  ]) as ConnectionRule['kind'];
  if (kind === 'oneToOne') return { kind };
  if (kind === 'explicit') {
    const rule = check.object(value, at, ['kind', 'pre', 'post'], ['pre', 'post']);
    return { kind, pre: check.indices(rule.pre, child(at, 'pre')), post: check.indices(rule.post, child(at, 'post')) };
  }
  const amount = kind === 'probability' ? 'probability' : 'degree';
  const rule = check.object(value, at, ['kind', amount, 'allowSelf'], [amount]);
  const allowSelf = rule.allowSelf === undefined ? {} : { allowSelf: check.boolean(rule.allowSelf, child(at, 'allowSelf')) };
  const number = check.number(rule[amount], child(at, amount));
  return kind === 'probability' ? { kind, probability: number, ...allowSelf } : { kind, degree: number, ...allowSelf };
}

function plasticityOf(check: Checker, value: unknown, at: string): boolean | PlasticityOptions {
  if (typeof value === 'boolean') return value;
  const kind = check.string(check.object(value, at, undefined, ['kind']).kind, child(at, 'kind'), [
    'stdp2006',
    'pair',
    'dopamine',
  ]);
  if (kind === 'stdp2006') {
    check.object(value, at, ['kind']);
    return { kind };
  }
  if (kind === 'pair') {
    const entry = check.object(value, at, ['kind', ...PAIR_VALUES, ...PAIR_FLAGS]);
    return { kind, ...check.numbersOf(entry, PAIR_VALUES, at), ...check.flagsOf(entry, PAIR_FLAGS, at) } as PlasticityOptions;
  }
  return { kind: 'dopamine', ...check.numbersOf(check.object(value, at, ['kind', ...DOPAMINE_VALUES]), DOPAMINE_VALUES, at) } as PlasticityOptions;
}

function addProjection(network: Network, check: Checker, populations: ReadonlyMap<string, Population>, value: unknown, at: string): Projection {
  const entry = check.object(value, at, PROJECTION_KEYS, ['source', 'target', 'rule', 'weight']);
  const source = populationsOf(check, populations, entry.source, child(at, 'source'));
  const target = populationsOf(check, populations, entry.target, child(at, 'target'));
  const rule = ruleOf(check, entry.rule, child(at, 'rule'));
  const weight = check.synapseValue(entry.weight, child(at, 'weight'), false);
  const delay = entry.delay === undefined ? {} : { delay: check.synapseValue(entry.delay, child(at, 'delay'), true) };
  const plastic = entry.plastic === undefined ? {} : { plastic: plasticityOf(check, entry.plastic, child(at, 'plastic')) };
  return forEntry(check, at, () => network.connect(source, target, { rule, weight, ...delay, ...plastic }));
}

function addInput(network: Network, check: Checker, populations: ReadonlyMap<string, Population>, value: unknown, at: string): void {
  const kind = check.string(check.object(value, at, undefined, ['kind']).kind, child(at, 'kind'), [
    'thalamic',
    'constant',
    'noise',
    'stepped',
    'schedule',
  ]);
  const single = (entry: Json) => {
    if (Array.isArray(entry.target)) check.fail(child(at, 'target'), 'must name one population');
    return populationsOf(check, populations, entry.target, child(at, 'target')) as Population;
  };
  switch (kind) {
    case 'thalamic': {
      const entry = check.object(value, at, ['kind', 'target', 'perMs', 'current']);
      const options = {
        ...(entry.target === undefined ? {} : { target: single(entry) }),
        ...check.numbersOf(entry, ['perMs', 'current'], at),
      };
      return forEntry(check, at, () => network.addThalamicInput(options));
    }
    case 'constant': {
      const entry = check.object(value, at, ['kind', 'target', 'current'], ['target', 'current']);
      const current = check.numberOrNumbers(entry.current, child(at, 'current'));
      const population = single(entry);
      return forEntry(check, at, () => network.addConstantCurrent(population, current));
    }
    case 'noise': {
      const entry = check.object(value, at, ['kind', 'target', 'low', 'high'], ['target', 'low', 'high']);
      const bounds = { low: check.number(entry.low, child(at, 'low')), high: check.number(entry.high, child(at, 'high')) };
      const population = single(entry);
      return forEntry(check, at, () => network.addNoiseCurrent(population, bounds));
    }
    case 'stepped': {
      const entry = check.object(value, at, ['kind', 'target', 'times', 'amplitudes'], ['target', 'times', 'amplitudes']);
      const steps = { times: check.numbers(entry.times, child(at, 'times')), amplitudes: check.numbers(entry.amplitudes, child(at, 'amplitudes')) };
      const population = single(entry);
      return forEntry(check, at, () => network.addSteppedCurrent(population, steps));
    }
    default: {
      const entry = check.object(value, at, ['kind', 'times', 'neurons', 'currents', 'mode'], ['times', 'neurons', 'currents']);
      const schedule = {
        times: check.numbers(entry.times, child(at, 'times')),
        neurons: check.indices(entry.neurons, child(at, 'neurons')),
        currents: check.numberOrNumbers(entry.currents, child(at, 'currents')),
        ...(entry.mode === undefined ? {} : { mode: check.string(entry.mode, child(at, 'mode'), ['assign', 'add']) as 'assign' | 'add' }),
      };
      return forEntry(check, at, () => network.addCurrentSchedule(schedule));
    }
  }
}
