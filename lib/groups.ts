/**
 * Polychronous groups (spec: ../shared/spec/polychronous-groups.md): the search over a
 * network, the shuffled control, queries (by neuron, by raster, by injected pattern),
 * counts over training, and JSON export. See docs/api.md, "Polychronous groups".
 */
import * as os from 'node:os';
import { checkAsyncOptions, withSignal, type AsyncOptions } from './async';
import { writeFileAtomic } from './files';
import { JSON_LIMITS, readJsonTextAsync } from './json';
import { addon, type NativeGroup } from './native';
import { Network } from './network';
import { checkAttached, checkOptions, shown } from './describe';

/** Search options; the defaults are the 2006 group finder's (GROUP_SEARCH_DEFAULTS, from the core). */
export interface GroupSearchOptions extends AsyncOptions {
  /** W, the anchors per group: an integer in [2, 8]; default 3. */
  anchors?: number;
  /** A synapse is strong when its weight > strongFraction · maxWeight; default 0.95. */
  strongFraction?: number;
  /** Default 10 (the 2006 network's cap). */
  maxWeight?: number;
  /** The least longest path (layers) a kept group has; default 7. */
  minPath?: number;
  /** How long before a firing a member's spike may arrive to count as a link, ms; default: the network's largest delay D. */
  latency?: number;
  /** How long a replay runs before any extension, ms; default 2 · D + latency + 1 (61 for the 2006 network). */
  window?: number;
  /**
   * 'extended' (default, the 2006 finder): whenever a neuron fires, the replay runs at least
   * until the last spike it sent has arrived, but no further than N − D − 1 ms (N neurons).
   * 'fixed': exactly `window` ms (what an earlier reading of the spec did; it cuts long groups short).
   */
  budget?: 'extended' | 'fixed';
  /** Search only these mother neurons (a part of the search, in the same order); default every excitatory neuron. */
  mothers?: Uint32Array | readonly number[];
  /** Threads over mother neurons; default: every core. The result does not depend on it. */
  threads?: number;
  /**
   * Search a shuffled copy of the network made with this seed (the control; an integer in
   * [0, 2^53]); the network itself is not changed.
   */
  shuffleSeed?: number;
  /**
   * How the copy is shuffled (with shuffleSeed only): 'weights' (default, the 2006 program's
   * control: excitatory→excitatory weights swapped between random E→E synapses, as
   * Network.shuffleExcitatoryWeights does) or 'targets' (E→E targets permuted).
   */
  shuffle?: 'weights' | 'targets';
}

/** One firing of a group: ms from the group's first firing; layer 1 are the anchors. */
export interface GroupFiring {
  neuron: number;
  time: number;
  layer: number;
}

/**
 * A spike of excitatory neuron `pre` (delay ms) that reached `post` in the latency before it
 * fired; `layer` is post's layer as it stood when this link was found (the finder's).
 */
export interface GroupLink {
  pre: number;
  post: number;
  delay: number;
  layer: number;
}

export interface PolychronousGroup {
  /** The neuron whose strong inputs the anchors are. */
  mother: number;
  /** Ascending. */
  anchors: number[];
  /** In time order, then neuron order. */
  firings: GroupFiring[];
  /** In the finder's order: by firing, then by arrival ms from the firing's down. */
  links: GroupLink[];
  /** Last firing time − first, ms. */
  span: number;
  /** The largest layer. */
  longestPath: number;
}

/** What a set of groups was found with (kept in the JSON export). */
export interface GroupSearchRecord {
  neurons: number;
  anchors: number;
  strongFraction: number;
  maxWeight: number;
  minPath: number;
  latency?: number;
  window?: number;
  budget?: 'extended' | 'fixed';
  /** Present when only these mothers were searched. */
  mothers?: number[];
  shuffleSeed?: number;
  /** How the copy searched was shuffled, present with shuffleSeed (files written before it existed shuffled targets). */
  shuffle?: 'weights' | 'targets';
  /** Simulated time of the network searched, ms. */
  networkTime?: number;
}

/** What a search did, as the core counted it while searching (not part of group files). */
export interface GroupSearchStats {
  /** Mothers searched: excitatory neurons (of those asked for) with at least W strong inputs. */
  mothers: number;
  /** Replays run: anchor combinations tried, Σ C(k, W) over the mothers searched (k strong inputs). */
  replays: number;
}

/** A raster: spike k is neuron neurons[k] at times[k] ms. */
export interface Raster {
  neurons: Uint32Array | readonly number[];
  times: Float64Array | readonly number[];
}

export interface RasterQueryOptions {
  /** ± ms around each expected firing; default 1. */
  jitter?: number;
  /** The least fraction of a group's firings that must be found; in (0, 1], default 0.5. */
  minFraction?: number;
  /** Only spikes at from <= time < to count (a window of the raster); default all. */
  from?: number;
  to?: number;
  /** Threads over groups; default every core. The result does not depend on it. */
  threads?: number;
}

/** One activation of a group in a raster. */
export interface GroupActivation {
  group: PolychronousGroup;
  /** The group's position in its set. */
  index: number;
  /** ms at which the group's first firing is placed by the spikes found. */
  onset: number;
  /** How many of the group's firings were found, and that over its size. */
  matched: number;
  fraction: number;
}

const SCHEMA = 'polychron.groups/1';

/** The core's search defaults (latency, window and threads are derived when the search runs). */
export const GROUP_SEARCH_DEFAULTS = addon.groupSearchDefaults();

function fromNative(g: NativeGroup): PolychronousGroup {
  const firings: GroupFiring[] = [];
  for (let i = 0; i < g.neurons.length; i++) firings.push({ neuron: g.neurons[i], time: g.times[i], layer: g.layers[i] });
  const links: GroupLink[] = [];
  for (let i = 0; i < g.links.length; i += 4) {
    links.push({ pre: g.links[i], post: g.links[i + 1], delay: g.links[i + 2], layer: g.links[i + 3] });
  }
  return { mother: g.mother, anchors: Array.from(g.anchors), firings, links, span: g.span, longestPath: g.longestPath };
}

/** The one check of a `network` argument. */
function checkNetwork(network: unknown): asserts network is Network {
  if (!(network instanceof Network)) throw new TypeError(`network must be a Network (got ${shown(network)})`);
}

function checkedThreads(threads: number | undefined): number {
  const value = threads ?? os.availableParallelism();
  if (!(Number.isInteger(value) && value >= 1 && value <= 256)) throw new RangeError(`threads must be an integer in [1, 256] (got ${shown(threads)})`);
  return value;
}

/**
 * The polychronous groups of `network` (Izhikevich neurons only), found as Izhikevich's
 * 2006 group finder finds them (the spec's "Detection"; on the program's own trained
 * network, the same groups, firings, links and longest paths): every combination of W
 * strong inputs of each excitatory mother is fired so that their spikes reach it together,
 * the network is replayed from rest with the finder's budget (extended while spikes are in
 * flight, see `budget`), and the firings are kept when their longest causal path reaches
 * minPath. Resolves with a GroupSet in a deterministic order (mothers ascending, anchor
 * combinations in lexicographic order). Aborting rejects with the signal's reason.
 */
export async function findPolychronousGroups(network: Network, options: GroupSearchOptions = {}): Promise<GroupSet> {
  checkOptions(options);
  checkNetwork(network);
  const { signal, onProgress, ...search } = options;
  checkAsyncOptions(signal, onProgress);
  const threads = checkedThreads(search.threads);
  const mothers = search.mothers !== undefined ? toUint32(search.mothers, 'mothers') : undefined;
  const native = network.native;
  const result = await withSignal((observe) => native.findGroups({ ...search, threads, ...(mothers && { mothers }) }, observe), () => native.cancel(), signal, onProgress);
  const record: GroupSearchRecord = {
    neurons: network.size,
    anchors: search.anchors ?? GROUP_SEARCH_DEFAULTS.anchors,
    strongFraction: search.strongFraction ?? GROUP_SEARCH_DEFAULTS.strongFraction,
    maxWeight: search.maxWeight ?? GROUP_SEARCH_DEFAULTS.maxWeight,
    minPath: search.minPath ?? GROUP_SEARCH_DEFAULTS.minPath,
    ...(search.latency !== undefined ? { latency: search.latency } : {}),
    ...(search.window !== undefined ? { window: search.window } : {}),
    ...(search.budget !== undefined ? { budget: search.budget } : {}),
    ...(mothers !== undefined ? { mothers: Array.from(mothers) } : {}),
    ...(search.shuffleSeed !== undefined ? { shuffleSeed: search.shuffleSeed, shuffle: search.shuffle ?? GROUP_SEARCH_DEFAULTS.shuffle } : {}),
    networkTime: network.time,
  };
  return new GroupSet(result.groups.map(fromNative), record, { mothers: result.mothers, replays: result.replays });
}

/** Group counts of a network and of shuffled copies of it (the spec's control). */
export interface ShuffledComparison {
  groups: number;
  /** How the copies were shuffled. */
  shuffle: 'weights' | 'targets';
  /** One count per shuffle seed. */
  shuffled: number[];
  /** groups / mean(shuffled); Infinity when every shuffled copy has none. */
  ratio: number;
}

/**
 * Searches `network` and, with the same options, shuffled copies of it (one per seed in
 * `shuffleSeeds`, default [1]; `shuffle` says how, default 'weights', the 2006 program's
 * control), and reports both counts and their ratio.
 */
export async function compareWithShuffled(
  network: Network,
  options: Omit<GroupSearchOptions, 'shuffleSeed'> & { shuffleSeeds?: readonly number[] } = {},
): Promise<ShuffledComparison> {
  checkOptions(options);
  checkNetwork(network);
  const { shuffleSeeds = [1], shuffle = GROUP_SEARCH_DEFAULTS.shuffle, ...search } = options;
  if (!Array.isArray(shuffleSeeds) || shuffleSeeds.length === 0) throw new RangeError('shuffleSeeds must be a non-empty array of seeds');
  const groups = (await findPolychronousGroups(network, search)).size;
  const shuffled: number[] = [];
  for (const shuffleSeed of shuffleSeeds) shuffled.push((await findPolychronousGroups(network, { ...search, shuffleSeed, shuffle })).size);
  const mean = shuffled.reduce((a, b) => a + b, 0) / shuffled.length;
  return { groups, shuffle, shuffled, ratio: mean === 0 ? Infinity : groups / mean };
}

/**
 * Runs `network` (its inputs and plasticity as set up) and counts its groups at each of
 * the simulated times `at` (ms, ascending, not before the network's time). Resolves with
 * one { time, groups } per point.
 */
export async function countGroupsOverTraining(
  network: Network,
  options: GroupSearchOptions & { at: readonly number[] },
): Promise<Array<{ time: number; groups: number }>> {
  checkOptions(options);
  checkNetwork(network);
  const { at, signal, onProgress, ...search } = options;
  if (!Array.isArray(at) || at.length === 0) throw new RangeError('at must be a non-empty array of times (ms)');
  let previous = network.time;
  for (const [i, t] of at.entries()) {
    if (!(Number.isInteger(t) && t >= previous)) {
      throw new RangeError(`at[${i}] must be an integer ms, ascending and >= the network's time ${network.time} (got ${shown(t)})`);
    }
    previous = t;
  }
  const counts: Array<{ time: number; groups: number }> = [];
  for (const [i, t] of at.entries()) {
    await network.run(t - network.time, { signal, record: false });
    const found = await findPolychronousGroups(network, { ...search, signal });
    counts.push({ time: network.time, groups: found.size });
    await onProgress?.(i + 1, at.length);
  }
  return counts;
}

// By tag, not instanceof: typed arrays made by the addon may come from another realm.
const isTypedArray = (values: unknown, tag: string) => Object.prototype.toString.call(values) === `[object ${tag}]`;

function toUint32(values: Uint32Array | readonly number[], name: string): Uint32Array {
  if (isTypedArray(values, 'Uint32Array')) {
    checkAttached(values as Uint32Array, name);
    return values as Uint32Array;
  }
  if (!Array.isArray(values)) throw new TypeError(`${name} must be a Uint32Array or an array of neuron indices`);
  values.forEach((x, k) => {
    if (!(Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) throw new RangeError(`${name}[${k}] must be an integer in [0, 4294967295] (got ${shown(x)})`);
  });
  return Uint32Array.from(values);
}

function toFloat64(values: Float64Array | readonly number[], name: string): Float64Array {
  if (isTypedArray(values, 'Float64Array')) {
    checkAttached(values as Float64Array, name);
    return values as Float64Array;
  }
  if (!Array.isArray(values)) throw new TypeError(`${name} must be a Float64Array or an array of times (ms)`);
  const k = values.findIndex((x) => typeof x !== 'number');
  if (k >= 0) throw new TypeError(`${name}[${k}] must be a number (got ${shown(values[k])})`);
  return Float64Array.from(values);
}

/**
 * A set of groups with its queries and JSON form. Groups are plain objects, in the
 * search's order; a GroupSet does not change them.
 */
export class GroupSet {
  readonly groups: readonly PolychronousGroup[];
  readonly search: GroupSearchRecord;
  /** What the search did (mothers, replays); undefined for a set read from a file or made by hand. */
  readonly stats: GroupSearchStats | undefined;
  #byNeuron: Map<number, number[]> | undefined;
  #patterns: { offsets: Uint32Array; neurons: Uint32Array; times: Float64Array } | undefined;

  constructor(groups: readonly PolychronousGroup[], search: GroupSearchRecord, stats?: GroupSearchStats) {
    this.groups = groups;
    this.search = search;
    this.stats = stats;
  }

  get size(): number {
    return this.groups.length;
  }

  /** The groups in which `neuron` fires, in set order. */
  containing(neuron: number): PolychronousGroup[] {
    if (!(Number.isInteger(neuron) && neuron >= 0 && neuron < this.search.neurons)) {
      throw new RangeError(`neuron must be an integer in [0, ${this.search.neurons - 1}] (got ${shown(neuron)})`);
    }
    if (this.#byNeuron === undefined) {
      this.#byNeuron = new Map();
      this.groups.forEach((g, index) => {
        for (const n of new Set(g.firings.map((f) => f.neuron))) {
          const list = this.#byNeuron!.get(n);
          if (list) list.push(index);
          else this.#byNeuron!.set(n, [index]);
        }
      });
    }
    return (this.#byNeuron.get(neuron) ?? []).map((i) => this.groups[i]);
  }

  /** Every group's firings end to end, as the native matcher reads them (made once). */
  #flattened(): { offsets: Uint32Array; neurons: Uint32Array; times: Float64Array } {
    if (this.#patterns === undefined) {
      const offsets = new Uint32Array(this.groups.length + 1);
      this.groups.forEach((g, i) => (offsets[i + 1] = offsets[i] + g.firings.length));
      const neurons = new Uint32Array(offsets[this.groups.length]);
      const times = new Float64Array(offsets[this.groups.length]);
      this.groups.forEach((g, i) => g.firings.forEach((f, k) => {
        neurons[offsets[i] + k] = f.neuron;
        times[offsets[i] + k] = f.time;
      }));
      this.#patterns = { offsets, neurons, times };
    }
    return this.#patterns;
  }

  /**
   * Every activation of a group in `raster`: a set of onsets where at least minFraction
   * of the group's firings (neuron, onset + time) have a spike within ± jitter ms.
   * Overlapping onsets of one group count once, at the one matching most firings.
   * Ranked by fraction matched (descending), then onset, then group.
   */
  async activatedBy(raster: Raster, options: RasterQueryOptions = {}): Promise<GroupActivation[]> {
    checkOptions(options);
    if (typeof raster !== 'object' || raster === null) throw new TypeError('raster must be an object { neurons, times }');
    const neurons = toUint32(raster.neurons, 'raster.neurons');
    const times = toFloat64(raster.times, 'raster.times');
    const { jitter = 1, minFraction = 0.5, from, to } = options;
    const threads = checkedThreads(options.threads);
    const { offsets, neurons: groupNeurons, times: groupTimes } = this.#flattened();
    const found = await addon.matchRaster(offsets, groupNeurons, groupTimes, neurons, times, this.search.neurons, {
      jitter, minFraction, threads, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}),
    });
    return Array.from(found.group, (index, k) => ({
      group: this.groups[index],
      index,
      onset: found.onset[k],
      matched: found.matched[k],
      fraction: found.matched[k] / this.groups[index].firings.length,
    }));
  }

  /**
   * Injects spikes (neuron k fired at times[k], integer ms) into `network` as the search
   * replays it (from rest, no noise, strong excitatory and all inhibitory synapses), and
   * reports the firings that follow and the groups they activate (as activatedBy; jitter
   * defaults to 0 here, as the replay is exact). The search options must be those the set
   * was found with for the replay to match (the set's own are used by default).
   */
  async activatedByPattern(
    network: Network,
    pattern: Raster,
    options: RasterQueryOptions & Pick<GroupSearchOptions, 'strongFraction' | 'maxWeight' | 'latency' | 'window' | 'budget'> = {},
  ): Promise<{ firings: { neurons: Uint32Array; times: Uint32Array }; activations: GroupActivation[] }> {
    checkOptions(options);
    checkNetwork(network);
    if (typeof pattern !== 'object' || pattern === null) throw new TypeError('pattern must be an object { neurons, times }');
    if (network.size !== this.search.neurons) {
      throw new RangeError(`network has ${network.size} neurons but the groups were found in one of ${this.search.neurons}`);
    }
    const { strongFraction = this.search.strongFraction, maxWeight = this.search.maxWeight, latency = this.search.latency, window = this.search.window,
      budget = this.search.budget, ...query } = options;
    const times = toFloat64(pattern.times, 'pattern.times');
    times.forEach((t, k) => {
      if (!(Number.isInteger(t) && t >= 0)) throw new RangeError(`pattern.times[${k}] must be an integer ms >= 0 (got ${shown(t)})`);
    });
    const firings = network.native.replayPattern(toUint32(pattern.neurons, 'pattern.neurons'), Uint32Array.from(times), {
      strongFraction, maxWeight, ...(latency !== undefined ? { latency } : {}), ...(window !== undefined ? { window } : {}),
      ...(budget !== undefined ? { budget } : {}),
    });
    const activations = await this.activatedBy({ neurons: firings.neurons, times: Float64Array.from(firings.times) }, { jitter: 0, ...query });
    return { firings, activations };
  }

  /** The JSON form (docs/api.md, "Group files"). */
  toJSON(): object {
    return {
      schema: SCHEMA,
      search: this.search,
      groups: this.groups.map((g) => ({
        mother: g.mother,
        anchors: g.anchors,
        firings: g.firings.map((f) => [f.neuron, f.time, f.layer]),
        links: g.links.map((l) => [l.pre, l.post, l.delay, l.layer]),
        size: g.firings.length,
        span: g.span,
        longestPath: g.longestPath,
      })),
    };
  }

  /** Reads the JSON form back; a TypeError or RangeError says which field is wrong. */
  static fromJSON(value: unknown): GroupSet {
    const object = value as { schema?: unknown; search?: Record<string, unknown>; groups?: unknown };
    if (typeof value !== 'object' || value === null || object.schema !== SCHEMA) {
      throw new TypeError(`not a polychron group file (schema must be '${SCHEMA}')`);
    }
    const search = object.search;
    if (typeof search !== 'object' || search === null || !(Number.isInteger(search.neurons) && (search.neurons as number) > 0)) {
      throw new RangeError('search.neurons must be a positive integer');
    }
    if (!Array.isArray(object.groups)) throw new TypeError('groups must be an array');
    const neurons = search.neurons as number;
    const index = (x: unknown, name: string, limit = Number.MAX_SAFE_INTEGER): number => {
      if (!(Number.isInteger(x) && (x as number) >= 0 && (x as number) < limit)) throw new RangeError(`${name} must be an integer in [0, ${limit - 1}] (got ${shown(x)})`);
      return x as number;
    };
    const tuples = (x: unknown, width: number, name: string): number[][] => {
      if (!Array.isArray(x) || !x.every((t) => Array.isArray(t) && t.length === width)) throw new TypeError(`${name} must be an array of ${width}-element arrays`);
      return x as number[][];
    };
    const groups = object.groups.map((raw: Record<string, unknown>, g: number): PolychronousGroup => {
      const at = `groups[${g}]`;
      if (typeof raw !== 'object' || raw === null) throw new TypeError(`${at} must be an object`);
      if (!Array.isArray(raw.anchors)) throw new TypeError(`${at}.anchors must be an array`);
      const firings = tuples(raw.firings, 3, `${at}.firings`).map(([n, t, l], k) => ({
        neuron: index(n, `${at}.firings[${k}][0]`, neurons), time: index(t, `${at}.firings[${k}][1]`), layer: index(l, `${at}.firings[${k}][2]`),
      }));
      if (firings.length === 0) throw new RangeError(`${at}.firings must not be empty`);
      const links = tuples(raw.links, 4, `${at}.links`).map(([pre, post, d, l], k) => ({
        pre: index(pre, `${at}.links[${k}][0]`, neurons), post: index(post, `${at}.links[${k}][1]`, neurons),
        delay: index(d, `${at}.links[${k}][2]`), layer: index(l, `${at}.links[${k}][3]`),
      }));
      return {
        mother: index(raw.mother, `${at}.mother`, neurons),
        anchors: raw.anchors.map((a: unknown, k: number) => index(a, `${at}.anchors[${k}]`, neurons)),
        firings,
        links,
        span: index(raw.span, `${at}.span`),
        longestPath: index(raw.longestPath, `${at}.longestPath`),
      };
    });
    if (search.shuffle !== undefined && search.shuffle !== 'weights' && search.shuffle !== 'targets') {
      throw new RangeError(`search.shuffle must be 'weights' or 'targets' (got ${JSON.stringify(search.shuffle)})`);
    }
    // Files written before search.shuffle existed searched copies with permuted targets.
    const record = search.shuffleSeed !== undefined && search.shuffle === undefined ? { ...search, shuffle: 'targets' } : search;
    return new GroupSet(groups, record as unknown as GroupSearchRecord);
  }

  /** Writes the JSON form to `path` atomically (a temporary file of its own, then a rename). */
  async save(path: string): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  /** Reads a file written by save(); errors name the file. */
  static async load(path: string): Promise<GroupSet> {
    let text: string;
    try {
      text = await readJsonTextAsync(path, JSON_LIMITS.groupFile, 'group file');
    } catch (cause) {
      // Too large or too deeply nested: refused before parsing, the message naming the file.
      if (cause instanceof RangeError) throw cause;
      throw new RangeError(`cannot read group file '${path}': ${((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message}`, { cause });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new RangeError(`group file '${path}' is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    try {
      return GroupSet.fromJSON(value);
    } catch (error) {
      const Kind = error instanceof TypeError ? TypeError : RangeError;
      throw new Kind(`group file '${path}': ${(error as Error).message}`, { cause: error });
    }
  }
}
