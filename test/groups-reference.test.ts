/**
 * The native group search (an event-driven replay with lazy neuron states, a response cache
 * and one-spike kicks only noted) against its reference twin, the 2006 finder written
 * plainly (helpers/group-finder-reference.ts), on seeded random small networks: every
 * group, every field, for both budgets, W = 2 and 3, and networks chosen to drive the
 * replay through each of its paths.
 */
import { findPolychronousGroups, Network, type PolychronousGroup } from '../lib';
import {
  findGroupsReference,
  izhikevichStep,
  type ReferenceGroup,
  type ReferenceNeuron,
  type ReferenceOptions,
  type ReferenceStats,
  type ReferenceSynapse,
} from './helpers/group-finder-reference';
import { seededRandom, uniform } from './helpers/random';

type Preset = 'RS' | 'FS' | 'CH' | 'LTS';
const PRESETS: Record<Preset, ReferenceNeuron> = {
  RS: { a: 0.02, b: 0.2, c: -65, d: 8 },
  FS: { a: 0.1, b: 0.2, c: -65, d: 2 },
  CH: { a: 0.02, b: 0.2, c: -50, d: 2 },
  LTS: { a: 0.02, b: 0.25, c: -65, d: 2 },
};

interface Shape {
  seed: number;
  size: number; // the first 80% excitatory, the rest inhibitory
  maxDelay: number; // delays uniform in 1..maxDelay
  fanout: number; // synapses per excitatory neuron, to any neuron
  strongShare: number; // the share of them drawn in `strong`, the others in [0, 5)
  strong: [number, number];
  inhibitoryFanout: number; // synapses per inhibitory neuron, to excitatory ones
  inhibitory: [number, number];
  // Each block split evenly among its kinds (default RS, and FS).
  excitatoryKinds?: Preset[];
  inhibitoryKinds?: Preset[];
}

function build(shape: Shape) {
  const random = seededRandom(shape.seed);
  const ne = Math.round(shape.size * 0.8);
  const blocks: Array<[Preset, number]> = [];
  for (const [kinds, size] of [[shape.excitatoryKinds ?? ['RS'], ne], [shape.inhibitoryKinds ?? ['FS'], shape.size - ne]] as const) {
    kinds.forEach((kind, k) => blocks.push([kind, Math.floor(((k + 1) * size) / kinds.length) - Math.floor((k * size) / kinds.length)]));
  }
  const neurons = blocks.flatMap(([kind, size]) => Array.from({ length: size }, () => PRESETS[kind]));
  const synapses: ReferenceSynapse[] = [];
  const delay = () => 1 + Math.floor(random() * shape.maxDelay);
  for (let pre = 0; pre < shape.size; pre++) {
    const inhibitory = pre >= ne;
    for (let k = 0; k < (inhibitory ? shape.inhibitoryFanout : shape.fanout); k++) {
      // Self-synapses and repeated pairs are allowed: the search must take them as they come.
      const post = Math.floor(random() * (inhibitory ? ne : shape.size));
      const weight = inhibitory ? -uniform(random, ...shape.inhibitory)
        : random() < shape.strongShare ? uniform(random, ...shape.strong) : uniform(random, 0, 5);
      synapses.push({ pre, post, delay: delay(), weight });
    }
  }
  const network = new Network({ mode: 'reference' });
  const populations = blocks.map(([preset, size]) => network.addPopulation({ size, preset }));
  network.connect(populations, populations, {
    rule: { kind: 'explicit', pre: Uint32Array.from(synapses, (s) => s.pre), post: Uint32Array.from(synapses, (s) => s.post) },
    delay: Float64Array.from(synapses, (s) => s.delay),
    weight: Float64Array.from(synapses, (s) => s.weight),
  });
  // The network keeps float32 weights; the reference gets what the network holds.
  for (const s of synapses) s.weight = Math.fround(s.weight);
  return { network, neurons, synapses };
}

/** Whether one spike of `weight` reaching a neuron at rest makes it fire with no other input. */
function firesAlone(p: ReferenceNeuron, weight: number): boolean {
  let [v, u] = [-70, p.b * -70];
  for (let t = 0; t < 200; t++) [v, u] = izhikevichStep(v, u, 0, p.a, p.b); // settled at rest
  for (let t = 0; t < 1000; t++) {
    [v, u] = izhikevichStep(v, u, t === 0 ? weight : 0, p.a, p.b);
    if (v >= 30) return true;
  }
  return false;
}

/**
 * Where two lists of groups first differ, in words; null when they are the same, every
 * field of every group (compared as JSON: integers only, so exactly).
 */
function firstDifference(native: readonly PolychronousGroup[], reference: readonly ReferenceGroup[]): string | null {
  for (let g = 0; g < Math.max(native.length, reference.length); g++) {
    const [n, r] = [native[g], reference[g]];
    if (n && r && JSON.stringify(n) === JSON.stringify(r)) continue;
    const where = `group ${g} (native: mother ${n?.mother}, anchors ${n?.anchors}; reference: mother ${r?.mother}, anchors ${r?.anchors})`;
    if (!n || !r) return `${where}: ${native.length} native groups, ${reference.length} in the reference`;
    if (n.mother !== r.mother || `${n.anchors}` !== `${r.anchors}`) return `${where}: not the same group`;
    for (const [field, x, y] of [['firing', n.firings, r.firings], ['link', n.links, r.links]] as const) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const [a, b] = [JSON.stringify(x[i]), JSON.stringify(y[i])];
        if (a !== b) return `${where}: ${field} ${i} is ${a} natively, ${b} in the reference`;
      }
    }
    return `${where}: ${JSON.stringify(n)} natively, ${JSON.stringify(r)} in the reference`;
  }
  return null;
}

interface Case {
  name: string;
  shape: Shape;
  search: Omit<ReferenceOptions, 'anchors' | 'budget'>;
  /** What the case is there for, checked on the network and on the reference's replays. */
  covers: (seen: { stats: ReferenceStats; travelling: number; firingAlone: number }) => void;
}

const usual = { strongFraction: 0.95, maxWeight: 10 };
const cases: Case[] = [
  {
    name: '(a) the usual: strong weights in (9.5, 10], which one spike from rest cannot fire',
    shape: { seed: 1, size: 80, maxDelay: 6, fanout: 14, strongShare: 0.6, strong: [9.5, 10], inhibitoryFanout: 10, inhibitory: [4, 6] },
    search: { ...usual, minPath: 4 },
    covers: ({ firingAlone }) => expect(firingAlone).toBe(0),
  },
  {
    name: '(b) kicks that fire alone: strong weights in (12, 20] of maxWeight 30, inhibitory ones of 150 to 250',
    // A spike of > 16.3 from rest fires an RS neuron, one of < −187 too (the Euler step overshoots).
    shape: { seed: 2, size: 80, maxDelay: 8, fanout: 5, strongShare: 0.5, strong: [12, 20], inhibitoryFanout: 6, inhibitory: [150, 250] },
    search: { strongFraction: 0.4, maxWeight: 30, minPath: 4 },
    covers: ({ travelling, firingAlone }) => {
      expect(firingAlone).toBeGreaterThan(travelling / 10);
      expect(firingAlone).toBeLessThan(travelling - travelling / 10);
    },
  },
  {
    name: '(d) strong inhibition: inhibitory weights in [10, 40), 20 synapses each',
    shape: { seed: 3, size: 80, maxDelay: 5, fanout: 16, strongShare: 0.6, strong: [9.5, 10], inhibitoryFanout: 20, inhibitory: [10, 40] },
    search: { ...usual, minPath: 4 },
    covers: ({ stats }) => expect(stats.coincident).toBeGreaterThan(1000),
  },
  {
    name: '(e, f) runaway: 20 neurons, 13 synapses each; replays list N firings and a ms gets more than N spikes',
    shape: { seed: 4, size: 20, maxDelay: 3, fanout: 13, strongShare: 0.7, strong: [9.5, 10], inhibitoryFanout: 10, inhibitory: [1, 3] },
    search: { ...usual, minPath: 4 },
    covers: ({ stats }) => {
      expect(stats.fullGroups).toBeGreaterThan(0);
      expect(stats.spilledGroups).toBeGreaterThan(0);
    },
  },
  {
    name: 'a short latency and window: latency 4, window 12',
    shape: { seed: 5, size: 60, maxDelay: 6, fanout: 16, strongShare: 0.6, strong: [9.5, 10], inhibitoryFanout: 10, inhibitory: [4, 6] },
    search: { ...usual, minPath: 3, latency: 4, window: 12 },
    covers: ({ stats }) => expect(stats.extended).toBeGreaterThan(0),
  },
  {
    name: 'bursting neurons: half the excitatory ones chattering (CH: c = −50, d = 2)',
    shape: { seed: 6, size: 60, maxDelay: 6, fanout: 14, strongShare: 0.6, strong: [9.5, 10], inhibitoryFanout: 12, inhibitory: [4, 8], excitatoryKinds: ['RS', 'CH'] },
    search: { ...usual, minPath: 5 },
    covers: ({ stats }) => expect(stats.full).toBeGreaterThan(0),
  },
  {
    name: 'kinds that fire on their own from v = −70, u = b·v: half the inhibitory neurons LTS (b = 0.25)',
    shape: { seed: 7, size: 60, maxDelay: 6, fanout: 14, strongShare: 0.6, strong: [9.5, 10], inhibitoryFanout: 12, inhibitory: [4, 8], inhibitoryKinds: ['FS', 'LTS'] },
    search: { ...usual, minPath: 5 },
    covers: () => undefined,
  },
];

/** The network's synapses in storage order (by pre, then delay, then the order added). */
function stored(network: Network): ReferenceSynapse[] {
  const table = network.synapses();
  return Array.from(table.pre, (pre, k) => ({ pre, post: table.post[k], delay: table.delay[k], weight: table.weight[k] }));
}

/** Compares the native search (1 and 2 threads) with the reference; returns the reference's result. */
async function compare(network: Network, neurons: ReferenceNeuron[], synapses: ReferenceSynapse[], options: ReferenceOptions) {
  const reference = findGroupsReference(neurons, synapses, options);
  for (const threads of [1, 2]) {
    const native = await findPolychronousGroups(network, { ...options, threads });
    expect(firstDifference(native.groups, reference.groups)).toBeNull();
  }
  return reference;
}

describe('the native group search finds what the plain 2006 finder finds', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { network, neurons, synapses } = build(c.shape);
      try {
        // The reference gets the synapses as built; the network holds the same, in the order
        // the finder uses (by presynaptic neuron, then delay, ties as added), weights in float32.
        const byPre = [...synapses].sort((x, y) => x.pre - y.pre || x.delay - y.delay);
        expect(stored(network)).toEqual(byPre);
        const stats: ReferenceStats = { replays: 0, linked: 0, full: 0, extended: 0, spilled: 0, coincident: 0, fullGroups: 0, spilledGroups: 0 };
        const counts: Record<string, number> = {};
        for (const anchors of [2, 3]) {
          for (const budget of ['extended', 'fixed'] as const) {
            const reference = await compare(network, neurons, synapses, { ...c.search, anchors, budget });
            counts[`W${anchors} ${budget}`] = reference.groups.length;
            for (const k of Object.keys(stats) as Array<keyof ReferenceStats>) stats[k] += reference.stats[k];
          }
        }
        // Not vacuous: every search finds groups, some replays are linked, (c) some neurons get
        // two spikes or more in one ms; the extended budget runs some replays past their window.
        for (const count of Object.values(counts)) expect(count).toBeGreaterThan(0);
        expect(stats.linked).toBeGreaterThan(0);
        expect(stats.coincident).toBeGreaterThan(0);
        expect(stats.extended).toBeGreaterThan(0);
        const strong = c.search.strongFraction * c.search.maxWeight;
        const travelling = synapses.filter((s) => s.weight < 0 || s.weight > strong);
        const firingAlone = travelling.filter((s) => firesAlone(neurons[s.post], s.weight)).length;
        c.covers({ stats, travelling: travelling.length, firingAlone });
      } finally {
        network.close();
      }
    });
  }
});

describe('a neuron kind that fires on its own from the replay\'s initial state', () => {
  // Every neuron starts at v = −70, u = b·v and is stepped every ms (docs/api.md, "the
  // results are those of stepping every neuron every ms"). For b = 0.25 (LTS, TC) that state
  // is not a rest: with no input at all, v climbs and the neuron fires at ms 12. (The native
  // replay takes a neuron no spike has reached to be on its kind's rest trajectory, which it
  // steps without the threshold, so it never lists that firing; past ms 12 the trajectory
  // diverges, and a neuron of such a kind first reached then fires at once.)
  test('an unconnected LTS neuron fires at ms 12 of every replay long enough', async () => {
    const RS = PRESETS.RS;
    const LTS = PRESETS.LTS;
    let [v, u] = [-70, LTS.b * -70];
    let fired = -1;
    for (let t = 0; t < 20 && fired < 0; t++) {
      [v, u] = izhikevichStep(v, u, 0, LTS.a, LTS.b);
      if (v >= 30) fired = t;
    }
    expect(fired).toBe(12);
    // Two layers of 3 RS neurons after the anchors 0–2, all-to-all, weight 10, delay 1 ms;
    // neuron 9 is LTS and has no synapse.
    const network = new Network({ mode: 'reference' });
    const rs = network.addPopulation({ size: 9, preset: 'RS' });
    network.addPopulation({ size: 1, preset: 'LTS' });
    const synapses: ReferenceSynapse[] = [];
    for (const from of [0, 3]) {
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) synapses.push({ pre: from + i, post: from + 3 + j, delay: 1, weight: 10 });
    }
    network.connect(rs, rs, {
      rule: { kind: 'explicit', pre: Uint32Array.from(synapses, (s) => s.pre), post: Uint32Array.from(synapses, (s) => s.post) },
      delay: 1,
      weight: 10,
    });
    try {
      const neurons = [...Array<ReferenceNeuron>(9).fill(RS), LTS];
      const options: ReferenceOptions = { anchors: 3, strongFraction: 0.95, maxWeight: 10, minPath: 1, latency: 10, window: 20, budget: 'fixed' };
      const reference = findGroupsReference(neurons, synapses, options);
      // Mothers 3–5 (anchors 0–2): 0–2, then 3–5 at ms 3, 6–8 at ms 6, and 9 at ms 12.
      // Mothers 6–8 (anchors 3–5): 6 firings and 9's make 7 > 2·W, so these are groups too.
      expect(reference.groups.map((g) => g.mother)).toEqual([3, 4, 5, 6, 7, 8]);
      for (const g of reference.groups) expect(g.firings[g.firings.length - 1]).toEqual({ neuron: 9, time: 12, layer: 0 });
      await compare(network, neurons, synapses, options);
    } finally {
      network.close();
    }
  });
});
