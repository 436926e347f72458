import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPolychronousGroups, formatSpikesCsv, GroupSet } from '../lib';
import { spnetFromFiles } from '../lib/spnet';
import { chainNetwork, WIDTH } from './helpers/chain';
import { repoRoot } from './helpers/child';
import { seededRandom } from './helpers/random';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-groups-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('polychron groups', () => {
  const checkpoint = path.join(tmp, 'chain.pcc');
  const network = chainNetwork();
  beforeAll(async () => network.save(checkpoint));
  afterAll(() => network.close());

  test('search writes the groups the API finds; --shuffle searches the control', async () => {
    const out = path.join(tmp, 'groups.json');
    const run = polychron('groups', '--checkpoint', checkpoint, '--min-path', '7', '--threads', '2', '--out', out);
    expect(run.stderr).toMatch(/^6 groups with minPath 7, found in \d+\.\d\d s; written to .*groups.json\n$/);
    expect(run.status).toBe(0);
    const written = await GroupSet.load(out);
    expect(written.groups).toEqual((await findPolychronousGroups(network, { minPath: 7 })).groups);
    expect(written.search).toMatchObject({ neurons: 60, anchors: 3, minPath: 7, strongFraction: 0.95 });
    // --shuffle alone: the weight shuffle (the 2006 program's control), seed 1.
    const shuffled = polychron('groups', '--checkpoint', checkpoint, '--min-path', '1', '--shuffle', '--out', path.join(tmp, 'shuffled.json'));
    expect(shuffled.status).toBe(0);
    expect(shuffled.stderr).toMatch(/ groups with minPath 1 in a copy with its excitatory→excitatory weights shuffled \(seed 1\), found in /);
    const control = await GroupSet.load(path.join(tmp, 'shuffled.json'));
    expect(control.groups).toEqual((await findPolychronousGroups(network, { minPath: 1, shuffleSeed: 1, shuffle: 'weights' })).groups);
    expect(control.search).toMatchObject({ shuffleSeed: 1, shuffle: 'weights' });
    for (const how of ['weights', 'targets'] as const) {
      const out = path.join(tmp, `shuffled-${how}.json`);
      const run = polychron('groups', '--checkpoint', checkpoint, '--min-path', '1', '--shuffle', how, '--shuffle-seed', '2', '--out', out);
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(new RegExp(` in a copy with its excitatory→excitatory ${how} shuffled \\(seed 2\\), `));
      const set = await GroupSet.load(out);
      expect(set.groups).toEqual((await findPolychronousGroups(network, { minPath: 1, shuffleSeed: 2, shuffle: how })).groups);
      expect(set.search).toMatchObject({ shuffleSeed: 2, shuffle: how });
    }
    const bad = polychron('groups', '--checkpoint', checkpoint, '--shuffle', 'rows', '--out', path.join(tmp, 'x.json'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--shuffle must be 'weights' or 'targets' \(got 'rows'\)/);
    const seedAlone = polychron('groups', '--checkpoint', checkpoint, '--shuffle-seed', '2', '--out', path.join(tmp, 'x.json'));
    expect(seedAlone.status).toBe(1);
    expect(seedAlone.stderr).toMatch(/--shuffle-seed goes with --shuffle/);
  });

  test('query ranks the groups a recorded raster activates', async () => {
    const out = path.join(tmp, 'all.json');
    expect(polychron('groups', '--checkpoint', checkpoint, '--min-path', '1', '--out', out).status).toBe(0);
    // The whole chain fires at 1000 ms, layer by layer, and one anchor alone at 3000 ms.
    const found = await GroupSet.load(out);
    const full = found.groups[0];
    const times = [...full.firings.map((f) => 1000 + f.time), 3000];
    const neurons = [...full.firings.map((f) => f.neuron), 0];
    const spikes = path.join(tmp, 'spikes.csv');
    fs.writeFileSync(spikes, formatSpikesCsv(Float64Array.from(times), Uint32Array.from(neurons)));
    const run = polychron('groups', 'query', '--groups', out, '--spikes', spikes, '--jitter', '0', '--min-fraction', '1');
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[0]).toBe('rank,group,onset_ms,matched,size,fraction');
    // Every group is a tail of the chain, so all are fully active: group g starts at layer ⌊g/3⌋.
    expect(rows.length - 1).toBe(found.size);
    const parsed = rows.slice(1).map((r) => r.split(',').map(Number));
    for (const [rank, group, onset, matched, size, fraction] of parsed) {
      expect(onset).toBe(1000 + full.firings[WIDTH * Math.floor(group / WIDTH)].time);
      expect(matched).toBe(size);
      expect(fraction).toBe(1);
      expect(rank).toBeGreaterThan(0);
    }
    expect(run.stderr).toMatch(new RegExp(`^${found.size} activations of ${found.size} of ${found.size} groups in ${times.length} spikes`));
    const limited = polychron('groups', 'query', '--groups', out, '--spikes', spikes, '--limit', '2', '--to', '999');
    expect(limited.stdout.trim().split('\n')).toEqual(['rank,group,onset_ms,matched,size,fraction']);
  });

  test('--connectivity searches the 2006 network with the synapses of a CSV', async () => {
    // 80 excitatory neurons with 15 synapses each (most strong), 20 inhibitory with 10.
    const random = seededRandom(3);
    const rows = ['pre,syn,post,delay_ms,weight'];
    for (let pre = 0; pre < 100; pre++) {
      const excitatory = pre < 80;
      for (let syn = 0; syn < (excitatory ? 15 : 10); syn++) {
        const post = excitatory ? (pre + 1 + Math.floor(random() * 99)) % 100 : Math.floor(random() * 80);
        rows.push(`${pre},${syn},${post},${excitatory ? 1 + Math.floor(random() * 20) : 1},${excitatory ? (random() < 0.7 ? 10 : 4) : -5}`);
      }
    }
    const csv = path.join(tmp, 'connectivity.csv');
    fs.writeFileSync(csv, `${rows.join('\n')}\n`);
    const out = path.join(tmp, 'from-csv.json');
    const run = polychron('groups', '--connectivity', csv, '--min-path', '3', '--threads', '2', '--out', out);
    expect(run.status).toBe(0);
    const { network: fromCsv } = spnetFromFiles(csv, undefined);
    const expected = await findPolychronousGroups(fromCsv, { minPath: 3 });
    fromCsv.close();
    expect(expected.size).toBeGreaterThan(0);
    expect((await GroupSet.load(out)).groups).toEqual(expected.groups);
    const both = polychron('groups', '--checkpoint', checkpoint, '--connectivity', csv, '--out', out);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/give --checkpoint FILE or --connectivity FILE.csv, not both/);
    const missing = polychron('groups', '--connectivity', path.join(tmp, 'none.csv'), '--out', out);
    expect(missing.stderr).toMatch(/--connectivity: cannot read connectivity file '.*none.csv'/);
  });

  test('missing or bad options exit 1 with a message', () => {
    const noCheckpoint = polychron('groups', '--out', path.join(tmp, 'x.json'));
    expect(noCheckpoint.status).toBe(1);
    expect(noCheckpoint.stderr).toMatch(/--checkpoint FILE is required/);
    const badPath = polychron('groups', '--checkpoint', checkpoint, '--min-path', '0', '--out', path.join(tmp, 'x.json'));
    expect(badPath.stderr).toMatch(/--min-path must be a positive integer \(got '0'\)/);
    const badFraction = polychron('groups', 'query', '--groups', path.join(tmp, 'groups.json'), '--spikes', 'x.csv', '--min-fraction', '2');
    expect(badFraction.stderr).toMatch(/--min-fraction must be in \(0, 1\] \(got '2'\)/);
    const missing = polychron('groups', 'query', '--groups', path.join(tmp, 'nope.json'), '--spikes', 'x.csv');
    expect(missing.stderr).toMatch(/cannot read group file '.*nope.json'/);
    expect(fs.existsSync(path.join(tmp, 'x.json'))).toBe(false);
  });
});
