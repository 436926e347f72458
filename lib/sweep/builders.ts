/**
 * Network builders a sweep's runs name. A worker builds only networks whose builder it
 * knows: the built-ins below and the functions exported by the modules its operator listed
 * (`--builders FILE`). Nothing named inside a run is ever loaded or evaluated (docs/security.md).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Network } from '../network';
import { izhikevich2006 } from '../spnet';
import { DESCRIPTION_NETWORK, type SweepParams, type SweepRun, type SweepValue } from './spec';

/** What a builder is given besides the run's parameters. */
export interface SweepBuildContext {
  /** Native threads the network should use (the worker's --threads; default 1). */
  threads: number;
}

/**
 * A network builder: the run's parameters (always holding `seed`) to an unbuilt network. A
 * module given with --builders exports these by name (CommonJS exports or an ES module's
 * named exports); the builder checks its own parameters.
 */
export type SweepBuilder = (params: Readonly<SweepParams>, context: SweepBuildContext) => Network | Promise<Network>;

/** A built-in builder's parameter: its type and range. */
interface ParamRule {
  type: 'integer' | 'number' | 'boolean' | 'string';
  min?: number;
  max?: number;
  values?: readonly string[];
}

const seedRule: ParamRule = { type: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER };
const modeRule: ParamRule = { type: 'string', values: ['reference', 'fast'] };
const stdpRules: Record<string, ParamRule> = Object.fromEntries(
  ['aPlus', 'aMinus', 'decayPlus', 'decayMinus', 'bias', 'derivativeDecay', 'wMin', 'wMax', 'periodMs'].map((k) => [k, { type: 'number' }]),
);
const STDP_KEYS = Object.keys(stdpRules);

/** The most synapses (neurons × synapsesPerNeuron) a built-in network may have: about 1.3 GB in the default layout. */
export const IZHIKEVICH2006_MAX_SYNAPSES = 100_000_000;

/** The built-in builders' parameters (docs/sweeps.md lists them). */
export const BUILT_IN_PARAMS: Record<string, Record<string, ParamRule>> = {
  izhikevich2006: {
    seed: seedRule,
    mode: modeRule,
    neurons: { type: 'integer', min: 10, max: 1_000_000 },
    synapsesPerNeuron: { type: 'integer', min: 1, max: 1000 },
    maxDelay: { type: 'integer', min: 1, max: 255 },
    excitatoryWeight: { type: 'number' },
    inputPerMs: { type: 'integer', min: 1, max: 1_000_000 },
    inputCurrent: { type: 'number' },
    compactSynapses: { type: 'boolean' },
    ...stdpRules,
  },
  [DESCRIPTION_NETWORK]: { seed: seedRule, mode: modeRule },
};

function checkParam(name: string, value: SweepValue, rule: ParamRule, builder: string): void {
  const where = `builder '${builder}': parameter '${name}'`;
  const type = rule.type === 'integer' ? 'number' : rule.type;
  if (typeof value !== type) throw new TypeError(`${where} must be a ${rule.type} (got ${JSON.stringify(value)})`);
  if (rule.type === 'integer' && !Number.isInteger(value)) throw new RangeError(`${where} must be an integer (got ${value})`);
  if (typeof value === 'number' && ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max))) {
    throw new RangeError(`${where} must be in [${rule.min ?? '-∞'}, ${rule.max ?? '∞'}] (got ${value})`);
  }
  if (rule.values !== undefined && !rule.values.includes(value as string)) {
    throw new RangeError(`${where} must be ${rule.values.map((v) => `'${v}'`).join(' or ')} (got ${JSON.stringify(value)})`);
  }
}

/** Checks a built-in builder's parameters: names, types, ranges, and the network's size. */
function checkBuiltInParams(builder: string, params: SweepParams): void {
  const rules = BUILT_IN_PARAMS[builder];
  for (const [name, value] of Object.entries(params)) {
    const rule = rules[name];
    if (rule === undefined) throw new RangeError(`builder '${builder}' has no parameter '${name}' (it takes: ${Object.keys(rules).join(', ')})`);
    checkParam(name, value, rule, builder);
  }
  if (builder === 'izhikevich2006') {
    const neurons = (params.neurons as number | undefined) ?? 1000;
    const synapses = neurons * ((params.synapsesPerNeuron as number | undefined) ?? 100);
    if (synapses > IZHIKEVICH2006_MAX_SYNAPSES) {
      throw new RangeError(`builder 'izhikevich2006': neurons × synapsesPerNeuron = ${synapses} is over the limit of ${IZHIKEVICH2006_MAX_SYNAPSES}`);
    }
  }
}

function buildIzhikevich2006(params: SweepParams, threads: number): Network {
  const stdp = Object.fromEntries(STDP_KEYS.filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
  const { network } = izhikevich2006({
    threads,
    seed: params.seed as number,
    ...(params.mode !== undefined && { mode: params.mode as 'reference' | 'fast' }),
    ...(params.neurons !== undefined && { neurons: params.neurons as number }),
    ...(params.synapsesPerNeuron !== undefined && { synapsesPerNeuron: params.synapsesPerNeuron as number }),
    ...(params.maxDelay !== undefined && { maxDelay: params.maxDelay as number }),
    ...(params.excitatoryWeight !== undefined && { excitatoryWeight: params.excitatoryWeight as number }),
    ...(params.inputPerMs !== undefined && { inputPerMs: params.inputPerMs as number }),
    ...(params.inputCurrent !== undefined && { inputCurrent: params.inputCurrent as number }),
    ...(params.compactSynapses !== undefined && { compactSynapses: params.compactSynapses as boolean }),
    ...(Object.keys(stdp).length > 0 && { stdp }),
  });
  return network;
}

/** A module named by --builders: the path is the operator's, resolved against the working folder. */
async function loadBuilderModule(file: string): Promise<Map<string, SweepBuilder>> {
  const resolved = path.resolve(file);
  let exported: Record<string, unknown>;
  try {
    // A real dynamic import (TypeScript would turn import() into require() in CommonJS output).
    const load = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;
    exported = await load(pathToFileURL(resolved).href);
  } catch (error) {
    throw new Error(`--builders ${file}: the module could not be loaded (${(error as Error).message})`);
  }
  const builders = new Map<string, SweepBuilder>();
  const add = (source: Record<string, unknown>): void => {
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'function' && name !== 'default') builders.set(name, value as SweepBuilder);
    }
  };
  add(exported);
  // A CommonJS module's exports arrive as the default export.
  if (typeof exported.default === 'object' && exported.default !== null) add(exported.default as Record<string, unknown>);
  if (builders.size === 0) throw new Error(`--builders ${file}: the module exports no functions (export each builder by name)`);
  return builders;
}

/** Raised for a run that names a builder this worker does not know: never retried. */
export class UnknownBuilderError extends RangeError {
  constructor(readonly builder: string, known: readonly string[]) {
    super(`unknown network builder '${builder}': this worker builds ${known.map((k) => `'${k}'`).join(', ')} ` +
      '(a worker loads builders only from the modules its operator lists with --builders, never from a run)');
    this.name = 'UnknownBuilderError';
  }
}

/** The builders one worker knows: the built-ins and its operator's modules. */
export class BuilderRegistry {
  readonly #custom: Map<string, SweepBuilder>;

  private constructor(custom: Map<string, SweepBuilder>) {
    this.#custom = custom;
  }

  /** The built-ins plus every function exported by `modules` (paths the operator gave). */
  static async load(modules: readonly string[] = []): Promise<BuilderRegistry> {
    const custom = new Map<string, SweepBuilder>();
    for (const file of modules) {
      for (const [name, builder] of await loadBuilderModule(file)) {
        if (name in BUILT_IN_PARAMS) throw new RangeError(`--builders ${file}: '${name}' is a built-in builder's name; export it under another`);
        if (custom.has(name)) throw new RangeError(`--builders ${file}: a builder named '${name}' was already loaded`);
        custom.set(name, builder);
      }
    }
    return new BuilderRegistry(custom);
  }

  /** Every builder name this registry knows. */
  names(): string[] {
    return [...Object.keys(BUILT_IN_PARAMS), ...this.#custom.keys()];
  }

  /** Checks that the run's builder is known and (for a built-in) its parameters; runs nothing. */
  check(run: SweepRun): void {
    if (run.network in BUILT_IN_PARAMS) checkBuiltInParams(run.network, run.params);
    else if (!this.#custom.has(run.network)) throw new UnknownBuilderError(run.network, this.names());
  }

  /** The run's network, unbuilt (its synapses are drawn at its first run). */
  async build(run: SweepRun, context: SweepBuildContext): Promise<Network> {
    this.check(run);
    if (run.network === 'izhikevich2006') return buildIzhikevich2006(run.params, context.threads);
    if (run.network === DESCRIPTION_NETWORK) {
      // Loaded here: most sweeps build no described network, and every pool thread starts faster without it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { networkFromDescription } = require('../network-description') as typeof import('../network-description');
      const { mode, seed } = run.params;
      return networkFromDescription(run.description!, {
        threads: context.threads, seed: seed as number, ...(mode !== undefined && { mode: mode as 'reference' | 'fast' }),
      }).network;
    }
    const network = await this.#custom.get(run.network)!(Object.freeze({ ...run.params }), context);
    if (typeof (network as Partial<Network> | null)?.run !== 'function') {
      throw new TypeError(`builder '${run.network}' must return a Network (got ${network === null ? 'null' : typeof network})`);
    }
    return network;
  }
}
