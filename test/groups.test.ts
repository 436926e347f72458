import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  compareWithShuffled,
  countGroupsOverTraining,
  findPolychronousGroups,
  GROUP_SEARCH_DEFAULTS,
  GroupSet,
  Network,
  type PolychronousGroup,
} from '../lib';
import { chainNetwork, DELAY, LAYERS, WIDTH } from './helpers/chain';
import { caught, expectError, rejected } from './helpers/errors';
import { randomNetwork } from './helpers/random-network';
import { seededRandom } from './helpers/random';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-groups-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const layerOf = (neuron: number) => Math.floor(neuron / WIDTH);

describe('polychronous groups of a network built to hold them', () => {
  const network = chainNetwork();
  afterAll(() => network.close());

  test('the search finds exactly the groups of the construction, with their firings, layers and links', async () => {
    const found = await findPolychronousGroups(network, { minPath: 1, threads: 1 });
    // Bystanders have 2 strong inputs (< W), so the mothers are layers 1..7, 3 neurons each,
    // each with one combination of 3 anchors (the layer before); layer 7's are too short.
    expect(found.size).toBe((LAYERS - 2) * WIDTH);
    found.groups.forEach((group, g) => {
      const k = 1 + Math.floor(g / WIDTH);
      expect(group.mother).toBe(k * WIDTH + (g % WIDTH));
      expect(group.anchors).toEqual([0, 1, 2].map((i) => (k - 1) * WIDTH + i));
      expect(group.longestPath).toBe(LAYERS - k + 1);
      expect(group.firings.length).toBe((LAYERS - k + 1) * WIDTH);
      // Every layer fires together, one fixed interval after the one before.
      const step = group.firings[WIDTH].time;
      expect(step).toBeGreaterThanOrEqual(DELAY);
      for (const f of group.firings) {
        const depth = layerOf(f.neuron) - (k - 1);
        expect(f.layer).toBe(depth + 1);
        expect(f.time).toBe(depth * step);
      }
      expect(group.span).toBe((LAYERS - k) * step);
      // Links: each non-anchor firing heard all 3 neurons of the layer before.
      expect(group.links.length).toBe((LAYERS - k) * WIDTH * WIDTH);
      for (const l of group.links) {
        expect(layerOf(l.post)).toBe(layerOf(l.pre) + 1);
        expect(l.delay).toBe(DELAY);
        expect(l.layer).toBe(layerOf(l.post) - (k - 1) + 1);
      }
    });
  });

  test('minPath keeps the groups long enough: 3 per mother layer k with 9 − k >= minPath', async () => {
    for (const minPath of [6, 7, 8, 9]) {
      const found = await findPolychronousGroups(network, { minPath });
      expect(found.size).toBe(Math.max(0, LAYERS + 1 - minPath) * WIDTH);
      for (const g of found.groups) expect(g.longestPath).toBeGreaterThanOrEqual(minPath);
    }
  });

  test('W = 2: every pair of a layer starts the cascade (two coincident strong spikes fire a neuron, later)', async () => {
    const pair = await (await findPolychronousGroups(network, { minPath: 1 })).activatedByPattern(network, { neurons: [0, 1], times: [0, 0] });
    expect(Array.from(pair.firings.neurons)).toEqual([0, 1, ...Array.from({ length: (LAYERS - 1) * WIDTH }, (_, i) => WIDTH + i)]);
    const w2 = await findPolychronousGroups(network, { minPath: 3, anchors: 2 });
    // A chain mother in layer k: C(3, 2) = 3 pairs of layer k − 1, longest path 9 − k >= 3.
    const chain = w2.groups.filter((g) => g.mother < LAYERS * WIDTH);
    expect(chain.length).toBe(6 * WIDTH * 3);
    for (const g of chain) {
      expect(g.anchors).toHaveLength(2);
      expect(g.anchors.map(layerOf)).toEqual([layerOf(g.mother) - 1, layerOf(g.mother) - 1]);
      expect(g.longestPath).toBe(LAYERS + 1 - layerOf(g.mother));
    }
  });

  test('the shuffled control (E→E weights swapped, or targets permuted) holds fewer groups; the comparison reports both counts', async () => {
    for (const shuffle of ['weights', 'targets'] as const) {
      const comparison = await compareWithShuffled(network, { minPath: 5, shuffleSeeds: [1, 2, 3], shuffle });
      expect(comparison.groups).toBe(4 * WIDTH);
      expect(comparison.shuffled).toHaveLength(3);
      for (const count of comparison.shuffled) expect(count).toBeLessThan(comparison.groups);
      const mean = comparison.shuffled.reduce((a, b) => a + b, 0) / 3;
      expect(comparison.ratio).toBe(mean === 0 ? Infinity : comparison.groups / mean);
      // Deterministic per seed.
      const again = await findPolychronousGroups(network, { minPath: 5, shuffleSeed: 2, shuffle });
      expect(again.size).toBe(comparison.shuffled[1]);
    }
  });

  test('injecting the anchors replays the group; the pattern query ranks the groups it activates', async () => {
    const found = await findPolychronousGroups(network, { minPath: 1 });
    const { firings, activations } = await found.activatedByPattern(network, { neurons: [0, 1, 2], times: [0, 0, 0] });
    expect(firings.neurons.length).toBe(LAYERS * WIDTH);
    // Every group of the chain is contained in the cascade, fully.
    expect(new Set(activations.map((a) => a.index)).size).toBe(found.size);
    for (const a of activations) expect(a.fraction).toBe(1);
    // Only layer 0 at the wrong relative times: nothing beyond the anchors fires.
    const skewed = await found.activatedByPattern(network, { neurons: [0, 1, 2], times: [0, 5, 10] }, { minFraction: 0.9 });
    expect(skewed.firings.neurons.length).toBe(3);
    expect(skewed.activations).toEqual([]);
  });

  test('groups containing a neuron', async () => {
    const found = await findPolychronousGroups(network, { minPath: 1 });
    // Neuron 0 (layer 0) is an anchor of the 3 groups of layer-1 mothers; neuron 23 (layer 7) fires in all.
    expect(found.containing(0).map((g) => g.mother)).toEqual([3, 4, 5]);
    expect(found.containing(23)).toHaveLength(found.size);
    expect(found.containing(40)).toEqual([]);
    expectError(caught(() => found.containing(60)), 'RangeError', /neuron must be an integer in \[0, 59\]/);
  });

  test('counts over training: one count per time point, the network run up to each', async () => {
    const counts = await countGroupsOverTraining(network, { at: [network.time + 100, network.time + 300], minPath: 7 });
    expect(counts.map((c) => c.groups)).toEqual([2 * WIDTH, 2 * WIDTH]);
    expect(counts[1].time - counts[0].time).toBe(200);
    await expect(countGroupsOverTraining(network, { at: [0] })).rejects.toThrow(/at\[0\] must be an integer ms, ascending/);
  });

  test('bad options are RangeErrors or TypeErrors that name the option', async () => {
    expectError(await rejected(() => findPolychronousGroups(network, { anchors: 1 })), 'RangeError', /anchors must be an integer in \[2, 8\]/);
    expectError(await rejected(() => findPolychronousGroups(network, { minPath: 0 })), 'RangeError', /minPath must be an integer in \[1, 1000\]/);
    expectError(await rejected(() => findPolychronousGroups(network, { strongFraction: 1.5 })), 'RangeError', /strongFraction must be in \(0, 1\]/);
    expectError(await rejected(() => findPolychronousGroups(network, { threads: 0 })), 'RangeError', /threads must be an integer in \[1, 256\]/);
    expectError(await rejected(() => findPolychronousGroups(network, { window: 0 })), 'RangeError', /window must be an integer in \[1, 100000\]/);
    expectError(await rejected(() => findPolychronousGroups(network, { shuffleSeed: -1 })), 'RangeError', /shuffleSeed must be an integer/);
    expectError(await rejected(() => findPolychronousGroups(network, { budget: 'long' as 'fixed' })), 'RangeError', /budget must be 'extended' or 'fixed'/);
    expectError(await rejected(() => findPolychronousGroups(network, { mothers: [60] })), 'RangeError', /mothers\[0\] must be a neuron in \[0, 60\)/);
    const found = await findPolychronousGroups(network, { minPath: 1 });
    expectError(await rejected(() => found.activatedByPattern(network, { neurons: [60], times: [0] })), 'RangeError', /pattern neuron 60 is not in \[0, 60\)/);
    expectError(await rejected(() => found.activatedByPattern(network, { neurons: [0], times: [0.5] })), 'RangeError', /pattern.times\[0\] must be an integer ms/);
    expectError(await rejected(() => found.activatedBy({ neurons: [0, 1], times: [0] })), 'RangeError', /raster.neurons and raster.times must have the same length/);
    expectError(await rejected(() => found.activatedBy({ neurons: [99], times: [0] })), 'RangeError', /raster neuron 99 \(spike 0\) is not in \[0, 60\)/);
    expectError(await rejected(() => found.activatedBy({ neurons: [1], times: [0] }, { minFraction: 0 })), 'RangeError', /minFraction must be in \(0, 1\]/);
    expectError(await rejected(() => found.activatedBy({ neurons: [1], times: [0] }, { jitter: -1 })), 'RangeError', /jitter must be a finite number >= 0/);
  });

  test('a network with LIF neurons is refused', async () => {
    const lif = new Network();
    lif.addPopulation({ model: 'lif', size: 4 });
    expectError(await rejected(() => findPolychronousGroups(lif)), 'RangeError', /Izhikevich neurons only/);
    lif.close();
  });
});

describe('the search on a random network', () => {
  const network = randomNetwork(7);
  afterAll(() => network.close());

  test('the same groups in the same order for 1, 2 and 3 threads; progress counts the mothers', async () => {
    const reports: Array<[number, number]> = [];
    const one = await findPolychronousGroups(network, { minPath: 4, threads: 1, onProgress: (d, t) => reports.push([d, t]) });
    expect(one.size).toBeGreaterThan(100);
    for (const threads of [2, 3]) {
      const many = await findPolychronousGroups(network, { minPath: 4, threads });
      expect(many.groups).toEqual(one.groups);
    }
    // A part of the search: the same groups of those mothers.
    const some = [one.groups[0].mother, one.groups[one.size - 1].mother];
    const part = await findPolychronousGroups(network, { minPath: 4, mothers: some });
    expect(part.groups).toEqual(one.groups.filter((g) => some.includes(g.mother)));
    expect(part.search.mothers).toEqual(some);
    // A fixed budget ends every replay after its window: nothing fires at or after it.
    const fixed = await findPolychronousGroups(network, { minPath: 4, budget: 'fixed', window: 40 });
    expect(fixed.size).toBeGreaterThan(0);
    for (const g of fixed.groups) expect(Math.max(...g.firings.map((f) => f.time))).toBeLessThan(40);
    expect(reports.length).toBeGreaterThan(0);
    const [done, total] = reports[reports.length - 1];
    expect(done).toBe(total);
    for (const g of one.groups) {
      expect(g.firings.length).toBeGreaterThan(6);
      expect(g.longestPath).toBeGreaterThanOrEqual(4);
      expect(g.firings.filter((f) => f.layer === 1).map((f) => f.neuron).sort((a, b) => a - b)).toEqual(g.anchors);
      // The discard rule: no anchor has exactly one link into excitatory members.
      for (const a of g.anchors) expect(g.links.filter((l) => l.pre === a && l.post < 160).length).not.toBe(1);
    }
  });

  test('an aborted search rejects with the signal reason and leaves the network usable', async () => {
    const controller = new AbortController();
    const search = findPolychronousGroups(network, { minPath: 4, threads: 1, signal: controller.signal, onProgress: () => controller.abort(new Error('enough')) });
    await expect(search).rejects.toThrow('enough');
    expect(network.busy).toBe(false);
    expect((await findPolychronousGroups(network, { minPath: 4 })).size).toBeGreaterThan(0);
  });

  test('a progress callback that throws rejects the search with its error and leaves the network usable', async () => {
    const thrown = new Error('progress failed');
    let calls = 0;
    const error = await rejected(() =>
      findPolychronousGroups(network, {
        minPath: 4,
        threads: 1,
        onProgress: () => {
          calls++;
          throw thrown;
        },
      }),
    );
    expect(error).toBe(thrown);
    expect(calls).toBe(1);
    expect(network.busy).toBe(false);
    expect((await findPolychronousGroups(network, { minPath: 4 })).size).toBeGreaterThan(0);
  });

  test('the search defaults come from the core and are the spec reference values', async () => {
    expect(GROUP_SEARCH_DEFAULTS).toEqual({ anchors: 3, strongFraction: 0.95, maxWeight: 10, minPath: 7, budget: 'extended', shuffle: 'weights' });
    const found = await findPolychronousGroups(network);
    expect(found.search).toMatchObject({ anchors: 3, strongFraction: 0.95, maxWeight: 10, minPath: 7 });
  });

  test('JSON export loads back equal; bad files give errors that name the file and the field', async () => {
    const found = await findPolychronousGroups(network, { minPath: 4 });
    const file = path.join(tmp, 'groups.json');
    await found.save(file);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(json.schema).toBe('polychron.groups/1');
    expect(json.groups).toHaveLength(found.size);
    expect(Object.keys(json.groups[0]).sort()).toEqual(['anchors', 'firings', 'links', 'longestPath', 'mother', 'size', 'span']);
    const back = await GroupSet.load(file);
    expect(back.groups).toEqual(found.groups);
    expect(back.search).toEqual(found.search);
    await expect(GroupSet.load(path.join(tmp, 'missing.json'))).rejects.toThrow(/cannot read group file '.*missing.json'/);
    fs.writeFileSync(path.join(tmp, 'bad.json'), '{');
    await expect(GroupSet.load(path.join(tmp, 'bad.json'))).rejects.toThrow(/group file '.*bad.json' is not valid JSON/);
    fs.writeFileSync(path.join(tmp, 'other.json'), '{"groups": []}');
    await expect(GroupSet.load(path.join(tmp, 'other.json'))).rejects.toThrow(/not a polychron group file/);
    json.groups[3].firings[1][0] = 500;
    fs.writeFileSync(path.join(tmp, 'range.json'), JSON.stringify(json));
    await expect(GroupSet.load(path.join(tmp, 'range.json'))).rejects.toThrow(/groups\[3\]\.firings\[1\]\[0\] must be an integer in \[0, 199\] \(got 500\)/);
  });
});

/** The best match of every group by brute force: every window [x, x + 2j] of implied onsets. */
function bestMatches(groups: readonly PolychronousGroup[], neurons: Uint32Array, times: Float64Array, jitter: number): number[] {
  return groups.map((g) => {
    const implied: Array<[number, number]> = [];
    g.firings.forEach((f, i) => neurons.forEach((n, k) => {
      if (n === f.neuron) implied.push([times[k] - f.time, i]);
    }));
    let best = 0;
    for (const [x] of implied) {
      const inside = new Set(implied.filter(([y]) => y >= x && y <= x + 2 * jitter).map(([, i]) => i));
      best = Math.max(best, inside.size);
    }
    return best;
  });
}

describe('raster queries', () => {
  const network = randomNetwork(11);
  let found: GroupSet;
  beforeAll(async () => {
    found = await findPolychronousGroups(network, { minPath: 4 });
  });
  afterAll(() => network.close());

  test('a group planted in noise is found at its onset, ranked first, with the fraction planted', async () => {
    const random = seededRandom(5);
    // The largest group, planted at 5000 ms.
    const gi = found.groups.reduce((best, g, i) => (g.firings.length > found.groups[best].firings.length ? i : best), 0);
    const g = found.groups[gi];
    const neurons: number[] = [];
    const times: number[] = [];
    for (let k = 0; k < 3000; k++) {
      neurons.push(Math.floor(random() * 200));
      times.push(random() * 10000);
    }
    const kept = g.firings.filter((_, i) => i % 5 !== 4); // 80% of the firings, shifted by −1 and +1 ms in turn
    kept.forEach((f, k) => {
      neurons.push(f.neuron);
      times.push(5000 + f.time + (k % 2 === 0 ? -1 : 1));
    });
    const activations = await found.activatedBy({ neurons, times }, { jitter: 1, minFraction: 0.75 });
    const planted = activations.filter((a) => a.index === gi && Math.abs(a.onset - 5000) <= 1);
    expect(planted).toHaveLength(1);
    expect(planted[0].matched).toBeGreaterThanOrEqual(kept.length);
    expect(activations[0].fraction).toBeGreaterThanOrEqual(planted[0].fraction);
    for (let k = 1; k < activations.length; k++) expect(activations[k - 1].fraction).toBeGreaterThanOrEqual(activations[k].fraction);
    // Too strict a fraction, or a window that leaves the plant out: not found.
    const strict = await found.activatedBy({ neurons, times }, { jitter: 1, minFraction: 0.95 });
    expect(strict.filter((a) => a.index === gi && Math.abs(a.onset - 5000) <= 1)).toEqual([]);
    const before = await found.activatedBy({ neurons, times }, { jitter: 1, minFraction: 0.75, to: 4990 });
    expect(before.filter((a) => a.index === gi && Math.abs(a.onset - 5000) <= 1)).toEqual([]);
    // Jitter 0 does not see the ±1 ms plant as one activation of 80%.
    const exact = await found.activatedBy({ neurons, times }, { jitter: 0, minFraction: 0.75 });
    expect(exact.filter((a) => a.index === gi && Math.abs(a.onset - 5000) <= 1)).toEqual([]);
  });

  test('the native matcher agrees with a brute-force reference on random rasters', async () => {
    const random = seededRandom(9);
    for (const jitter of [0, 1, 2.5]) {
      const n = 4000;
      const neurons = Uint32Array.from({ length: n }, () => Math.floor(random() * 200));
      const times = Float64Array.from({ length: n }, () => Math.round(random() * 2000));
      const activations = await found.activatedBy({ neurons, times }, { jitter, minFraction: 0.2, threads: 2 });
      const best = bestMatches(found.groups, neurons, times, jitter);
      const nativeBest = found.groups.map((_, g) => Math.max(0, ...activations.filter((a) => a.index === g).map((a) => a.matched)));
      const need = found.groups.map((g) => Math.ceil(0.2 * g.firings.length));
      expect(nativeBest).toEqual(best.map((b, g) => (b >= need[g] ? b : 0)));
      // Each reported onset is a real match: that many firings have a spike within ± jitter.
      for (const a of activations.slice(0, 20)) {
        const hits = a.group.firings.filter((f) => neurons.some((m, k) => m === f.neuron && Math.abs(times[k] - (a.onset + f.time)) <= jitter + 1e-9));
        expect(hits.length).toBeGreaterThanOrEqual(a.matched);
      }
    }
  });
});
