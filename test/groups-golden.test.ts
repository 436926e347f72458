/**
 * The group search against the 2006 group finder's own output on its trained network and
 * on its shuffled copy (../shared/golden/png, README.md there): every group, with its
 * firings, links and longest path, for 1 and 2 threads.
 *
 * By default every group is compared with 2 threads and those of every 8th mother with 1
 * thread (about 30 s on 2 cores: the whole search takes about 15 s on the trained network
 * and 10 s on the shuffled one with 2 threads, twice that with 1);
 * POLYCHRON_GOLDEN_PNG=full compares every group with 1 thread too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { findPolychronousGroups, type PolychronousGroup } from '../lib';
import { readConnectivityCsv, spnetFromFiles } from '../lib/spnet';
import { describeWithGolden, goldenPng } from './helpers/shared';

interface GoldenGroup {
  pathLength: number;
  firings: Array<[number, number]>;
  links: Array<[number, number, number, number]>;
}

const ANCHORS = 3;
const EXCITATORY = 800;
const STRONG = 9.5;
const full = process.env.POLYCHRON_GOLDEN_PNG === 'full';
const everyEighth = Array.from({ length: EXCITATORY / 8 }, (_, k) => 8 * k);

function readGolden(file: string): GoldenGroup[] {
  return zlib.gunzipSync(fs.readFileSync(path.join(goldenPng, file))).toString('utf8').trim().split('\n').map((line) => JSON.parse(line));
}

/**
 * The mother of each golden group (the files do not name it): an excitatory neuron that
 * every anchor reaches through a strong synapse at the same ms; where several could be, the
 * least one not before the previous group's, as the finder goes through mothers in order.
 */
function mothersOf(groups: GoldenGroup[], connectivityCsv: string): number[] {
  const c = readConnectivityCsv(connectivityCsv);
  const strongArrival = new Map<string, number>();  // "pre,post" → delay, of strong E→E synapses
  for (let k = 0; k < c.pre.length; k++) {
    if (c.pre[k] < EXCITATORY && c.post[k] < EXCITATORY && c.weight[k] > STRONG) strongArrival.set(`${c.pre[k]},${c.post[k]}`, c.delay[k]);
  }
  let previous = 0;
  return groups.map((g) => {
    const anchors = g.firings.slice(0, ANCHORS);
    for (let m = previous; m < EXCITATORY; m++) {
      const arrivals = anchors.map(([a, t]) => t + (strongArrival.get(`${a},${m}`) ?? NaN));
      if (arrivals.every((x) => x === arrivals[0])) return (previous = m);
    }
    throw new Error(`no mother for the group with anchors ${anchors.map(([a]) => a)}`);
  });
}

const firingKey = (neuron: number, time: number) => `${time}:${neuron}`;
const sortedFirings = (pairs: Array<[number, number]>) => pairs.map(([n, t]) => firingKey(n, t)).sort().join(' ');

/** Where `ours` and `golden` differ, as short descriptions (empty when every field is equal). */
function differences(ours: readonly PolychronousGroup[], golden: GoldenGroup[]): string[] {
  const found: string[] = [];
  if (ours.length !== golden.length) found.push(`${ours.length} groups, golden ${golden.length}`);
  for (let g = 0; g < Math.min(ours.length, golden.length) && found.length < 10; g++) {
    const o = ours[g], x = golden[g];
    const anchors = x.firings.slice(0, ANCHORS).map(([n]) => n).sort((a, b) => a - b);
    if (o.anchors.join() !== anchors.join()) found.push(`group ${g}: anchors ${o.anchors}, golden ${anchors}`);
    else if (sortedFirings(o.firings.map((f) => [f.neuron, f.time])) !== sortedFirings(x.firings)) found.push(`group ${g}: firings differ`);
    else if (JSON.stringify(o.links.map((l) => [l.pre, l.post, l.delay, l.layer])) !== JSON.stringify(x.links)) found.push(`group ${g}: links differ`);
    else if (o.longestPath !== x.pathLength) found.push(`group ${g}: longest path ${o.longestPath}, golden ${x.pathLength}`);
  }
  return found;
}

for (const [network, csv, groupsFile, count] of [
  ['trained', 'connectivity.csv', 'groups.jsonl.gz', 9982],
  ['shuffled', 'connectivity_shuffled.csv', 'groups_shuffled.jsonl.gz', 690],
] as const) {
  describeWithGolden(`the group search on the 2006 finder's ${network} network reproduces its groups`, () => {
    const connectivity = path.join(goldenPng, csv);
    const golden = readGolden(groupsFile);
    const { network: net } = spnetFromFiles(connectivity, undefined);
    afterAll(() => net.close());

    test(`the golden file holds its ${count} groups with L >= 6`, () => {
      expect(golden).toHaveLength(count);
    });

    for (const threads of full ? [1, 2] : [2]) {
      test(`every group, threads ${threads}`, async () => {
        const found = await findPolychronousGroups(net, { minPath: 6, threads });
        expect(differences(found.groups, golden)).toEqual([]);
      }, 600_000);
    }
    if (!full) {
      test('the groups of every 8th mother, threads 1', async () => {
        const mothers = mothersOf(golden, connectivity);
        const expected = golden.filter((_, g) => mothers[g] % 8 === 0);
        expect(expected.length).toBeGreaterThan(network === 'trained' ? 500 : 30);
        const found = await findPolychronousGroups(net, { minPath: 6, threads: 1, mothers: everyEighth });
        expect(differences(found.groups, expected)).toEqual([]);
        expect(found.groups.map((g) => g.mother)).toEqual(mothers.filter((m) => m % 8 === 0));
      }, 600_000);
    }
  }, goldenPng);
}
