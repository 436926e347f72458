/**
 * Sweeps on the local pool: specs and run ids, the pool's results against the same networks
 * run directly, resuming after a crash, kept files, builder modules, the CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import {
  BuilderRegistry, expandSweep, findPolychronousGroups, izhikevich2006, Network, plotSweep, readSpikes, readSweepResults, readSweepSpec, runSweep, SWEEP_LIMITS,
  type SweepResult, type SweepSpec,
} from '../lib';
import { parseSweepRun } from '../lib/sweep/spec';
import { repoRoot } from './helpers/child';
import { byId, outcome, readResults } from './helpers/sweep';
import { expectStandaloneSvg, markCounts } from './helpers/svg';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const builders = path.join(repoRoot, 'test', 'fixtures', 'sweep', 'builders.js');
const small: SweepSpec = { network: 'izhikevich2006', seconds: 2, params: { neurons: 200 }, grid: { seed: [1, 2, 3, 4] } };

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-sweep-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const folder = (name: string): string => path.join(scratch, name);


describe('sweep specs', () => {
  test('the issue\'s smallest spec: a built-in network by name, a seed grid, defaults for the rest', () => {
    const runs = expandSweep({ network: 'izhikevich2006', seconds: 20, grid: { seed: [1, 2, 3, 4, 5, 6, 7, 8] } });
    expect(runs.map((r) => r.params)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({ seed })));
    expect(new Set(runs.map((r) => r.id)).size).toBe(8);
    for (const run of runs) expect(run.id).toMatch(/^[0-9a-f]{16}$/);
    expect(runs[0]).toMatchObject({ version: 1, network: 'izhikevich2006', seconds: 20, groups: false, keep: { spikes: false, checkpoint: false } });
  });

  test('grid order is first key outermost; runs cross the grid; params are shared; seed defaults to 0', () => {
    const runs = expandSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 100 }, grid: { wMax: [8, 10], inputPerMs: [1, 2] } });
    expect(runs.map((r) => r.params)).toEqual([
      { seed: 0, neurons: 100, wMax: 8, inputPerMs: 1 }, { seed: 0, neurons: 100, wMax: 8, inputPerMs: 2 },
      { seed: 0, neurons: 100, wMax: 10, inputPerMs: 1 }, { seed: 0, neurons: 100, wMax: 10, inputPerMs: 2 },
    ]);
    const crossed = expandSweep({ network: 'izhikevich2006', seconds: 1, runs: [{ neurons: 100 }, { neurons: 200 }], grid: { seed: [1, 2] } });
    expect(crossed.map((r) => [r.params.neurons, r.params.seed])).toEqual([[100, 1], [100, 2], [200, 1], [200, 2]]);
  });

  test('a run\'s id is the hash of what decides its result: stable, and changed by any of it', () => {
    const [a] = expandSweep({ network: 'izhikevich2006', seconds: 2, params: { seed: 1, neurons: 100 } });
    const [same] = expandSweep({ network: 'izhikevich2006', seconds: 2, params: { neurons: 100, seed: 1 } });
    expect(same.id).toBe(a.id);
    const others = [
      { network: 'izhikevich2006', seconds: 3, params: { seed: 1, neurons: 100 } },
      { network: 'izhikevich2006', seconds: 2, params: { seed: 2, neurons: 100 } },
      { network: 'izhikevich2006', seconds: 2, params: { seed: 1, neurons: 100 }, groups: true },
      { network: 'izhikevich2006', seconds: 2, params: { seed: 1, neurons: 100 }, keep: { spikes: true } },
      { network: 'chain', seconds: 2, params: { seed: 1, neurons: 100 } },
    ].map((s) => expandSweep(s)[0].id);
    expect(new Set([a.id, ...others]).size).toBe(6);
  });

  test('bad specs are refused with the field named, before anything runs', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ seconds: 1 }, /network is required/],
      [{ network: 'izhikevich2006' }, /seconds is required/],
      [{ network: 'izhikevich2006', seconds: -1 }, /seconds must be in \(0, 86400\]/],
      [{ network: 'izhikevich2006', seconds: 0.0001 }, /whole number of ms/],
      [{ network: 'izhikevich2006', seconds: 1, grids: {} }, /unknown field 'grids'/],
      [{ network: '../evil.js', seconds: 1 }, /network must be a name/],
      [{ network: 'izhikevich2006', seconds: 1, grid: { seed: [] } }, /grid.seed must be a non-empty array/],
      [{ network: 'izhikevich2006', seconds: 1, grid: { seed: [1, { x: 1 }] } }, /grid.seed\[1\] must be a number, a string or a boolean/],
      [{ network: 'izhikevich2006', seconds: 1, grid: { seed: [1, 1] } }, /the same run twice/],
      [{ network: 'izhikevich2006', seconds: 1, grid: { a: range(1000), b: range(1000) } }, /more than 100000 runs/],
      [{ network: 'izhikevich2006', seconds: 1, groups: { anchors: 'three' } }, /groups.anchors must be a finite number/],
      [{ network: 'izhikevich2006', seconds: 1, keep: { weights: true } }, /keep has an unknown field 'weights'/],
      [{ network: 'izhikevich2006', seconds: 1, version: 2 }, /version must be 1/],
    ];
    for (const [spec, message] of bad) expect(() => expandSweep(spec, 'spec.json')).toThrow(message);
    expect(SWEEP_LIMITS.runs).toBe(100_000);
  });

  test('a description file is read relative to the spec and travels in each run as data', async () => {
    const dir = folder('described');
    fs.mkdirSync(dir);
    const description = {
      version: 1,
      populations: [{ name: 'cells', size: 50 }],
      projections: [{ source: 'cells', target: 'cells', rule: { kind: 'fixedOutDegree', degree: 5 }, weight: 5 }],
      inputs: [{ kind: 'thalamic', target: 'cells', perMs: 1, current: 20 }],
    };
    fs.writeFileSync(path.join(dir, 'net.json'), JSON.stringify(description));
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ network: { description: 'net.json' }, seconds: 1, grid: { seed: [1, 2] } }));
    const runs = expandSweep(JSON.parse(fs.readFileSync(path.join(dir, 'spec.json'), 'utf8')), path.join(dir, 'spec.json'));
    expect(runs.map((r) => r.network)).toEqual(['description', 'description']);
    expect(runs[0].description).toEqual(description);
    const report = await runSweep(path.join(dir, 'spec.json'), { out: path.join(dir, 'out'), workers: 2 });
    expect(report.results.map((r) => [r.network, r.params.seed, r.metrics.neurons])).toEqual([['description', 1, 50], ['description', 2, 50]]);
    expect(report.results[0].metrics.spikes).toBeGreaterThan(0);
    const huge = { ...description, populations: [{ name: 'cells', size: 1e12 }] };
    expect(() => expandSweep({ network: { description: huge }, seconds: 1 })).toThrow(/1000000000000 neurons, over the limit of 1000000/);
  });

  test('a received run is checked whole: its id must be its contents\' hash, its fields known, its builder\'s parameters in range', async () => {
    const [run] = expandSweep(small);
    expect(parseSweepRun(JSON.parse(JSON.stringify(run)))).toEqual(run);
    expect(() => parseSweepRun({ ...run, id: '0000000000000000' })).toThrow(/id is not the hash of the run's contents/);
    expect(() => parseSweepRun({ ...run, params: { ...run.params, seed: 9 } })).toThrow(/id is not the hash/);
    expect(() => parseSweepRun({ ...run, module: '/tmp/x.js' })).toThrow(/unknown field 'module'/);
    expect(() => parseSweepRun(null)).toThrow(TypeError);
    const registry = await BuilderRegistry.load();
    const [huge] = expandSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 1e12 } });
    expect(() => registry.check(huge)).toThrow(/parameter 'neurons' must be in \[10, 1000000\] \(got 1000000000000\)/);
    const [wide] = expandSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 1e6, synapsesPerNeuron: 1000 } });
    expect(() => registry.check(wide)).toThrow(/neurons × synapsesPerNeuron = 1000000000 is over the limit/);
    const [unknownParam] = expandSweep({ network: 'izhikevich2006', seconds: 1, params: { neuron: 10 } });
    expect(() => registry.check(unknownParam)).toThrow(/has no parameter 'neuron' \(it takes: seed, mode, neurons/);
    const [unknownBuilder] = expandSweep({ network: 'chain', seconds: 1 });
    expect(() => registry.check(unknownBuilder)).toThrow(/unknown network builder 'chain'/);
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}

describe('sweeps on the local pool', () => {
  test('two workers give, run for run, what each network gives built and run alone', async () => {
    const out = folder('pool');
    const report = await runSweep(small, { out, workers: 2 });
    expect(report).toMatchObject({ total: 4, done: 4, skipped: 0, failed: 0 });
    const results = readResults(out);
    expect(results.map((r) => r.params.seed).sort()).toEqual([1, 2, 3, 4]);
    // Either thread may take any run (a fast one may take them all).
    for (const r of results) expect(['pool-1', 'pool-2']).toContain(r.worker);
    for (const r of results) {
      const { network } = izhikevich2006({ seed: r.params.seed as number, neurons: 200, threads: 1 });
      await network.run(2000);
      const stats = network.stats();
      expect(r.metrics).toEqual({
        neurons: 200,
        synapses: stats.synapses,
        spikes: stats.spikes,
        meanRateHz: stats.spikes / 200 / 2,
        meanExcitatoryWeight: network.plasticWeights().mean,
        plasticSynapses: network.plasticWeights().count,
        synapticEvents: stats.synapticEvents,
      });
      network.close();
      expect(r.attempts).toBe(1);
      expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    }
    // The report lists results in spec order; summary.arrow has one row per run in that order.
    expect(report.results.map((r) => r.params.seed)).toEqual([1, 2, 3, 4]);
    const table = tableFromIPC(fs.readFileSync(report.summaryFile));
    expect(table.numRows).toBe(4);
    expect(Array.from(table.getChild('seed')!.toArray() as Float64Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(table.getChild('spikes')!.toArray() as Float64Array)).toEqual(report.results.map((r) => r.metrics.spikes));
    expect(table.getChild('id')!.toArray().length).toBe(4);
  });

  test('a folder with results is continued only with resume; a line cut by a crash is dropped and its run done again', async () => {
    const out = folder('resume');
    await runSweep(small, { out, workers: 1 });
    const file = path.join(out, 'results.jsonl');
    const full = fs.readFileSync(file, 'utf8');
    await expect(runSweep(small, { out })).rejects.toThrow(/already holds results: pass --resume/);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
    // As if the process died while writing its third line.
    const lines = full.split('\n');
    fs.writeFileSync(file, `${lines.slice(0, 2).join('\n')}\n${lines[2].slice(0, 30)}`);
    const ran: unknown[] = [];
    const report = await runSweep(small, { out, workers: 2, resume: true, onRun: (run) => ran.push(run.params.seed) });
    expect(report).toMatchObject({ total: 4, done: 4, skipped: 2, failed: 0 });
    expect(ran).toHaveLength(2);
    const results = readResults(out);
    expect(results).toHaveLength(4);
    expect(new Set(results.map((r) => r.id)).size).toBe(4);
    const before = full.trim().split('\n').map((l) => outcome(JSON.parse(l) as SweepResult));
    expect(results.map(outcome).sort(byId)).toEqual(before.sort(byId));
  });

  test('kept files: every spike as Arrow, and a checkpoint that loads at the run\'s end; every run recorded though its files take a while', async () => {
    const out = folder('keep');
    // A worker holds its next run while the last one's files are written: a run far shorter
    // than the writing must still be recorded, every one.
    const fast = await runSweep({ network: 'chain', seconds: 1, grid: { seed: [1, 2, 3, 4, 5, 6] }, keep: { spikes: true, checkpoint: true } },
      { out: folder('keep-fast'), workers: 1, builders: [builders] });
    expect(fast).toMatchObject({ done: 6, failed: 0 });
    expect(readResults(folder('keep-fast'))).toHaveLength(6);
    const report = await runSweep({ ...small, grid: { seed: [5] }, keep: { spikes: true, checkpoint: true } }, { out, workers: 1 });
    const [r] = report.results;
    expect(r.files).toEqual([`runs/${r.id}/spikes.arrow`, `runs/${r.id}/checkpoint.pcn`]);
    const spikes = await readSpikes(path.join(out, r.files![0]));
    expect(spikes.times.length).toBe(r.metrics.spikes);
    const network = await Network.load(path.join(out, r.files![1]));
    expect(network.time).toBe(2000);
    expect(network.stats().spikes).toBe(r.metrics.spikes);
    network.close();
  });

  test('a group search after simulating: the same count as searching the network directly', async () => {
    // Strong synapses from the start (weight 9, counted strong against a maximum of 9), so that 2 s give groups.
    const params = { neurons: 300, synapsesPerNeuron: 20, excitatoryWeight: 9, seed: 7 };
    const spec: SweepSpec = { network: 'izhikevich2006', seconds: 2, params, groups: { maxWeight: 9, minPath: 3 } };
    const [r] = (await runSweep(spec, { out: folder('groups'), workers: 1 })).results;
    const { network } = izhikevich2006({ ...params, threads: 1 });
    await network.run(2000);
    const set = await findPolychronousGroups(network, { maxWeight: 9, minPath: 3, threads: 1 });
    network.close();
    expect(set.size).toBeGreaterThan(0);
    expect(r.metrics.groups).toBe(set.size);
    expect(r.metrics.groupMaxLongestPath).toBe(Math.max(...set.groups.map((g) => g.longestPath)));
  });

  test('builders come only from the modules the pool is given; a run naming another fails and nothing of it runs', async () => {
    const spec: SweepSpec = { network: 'chain', seconds: 1, grid: { current: [10, 20] } };
    const without = await runSweep(spec, { out: folder('no-builders'), workers: 1 });
    expect(without).toMatchObject({ done: 0, failed: 2 });
    expect(without.failures[0].error).toMatch(/unknown network builder 'chain'/);
    const failures = fs.readFileSync(path.join(folder('no-builders'), 'failures.jsonl'), 'utf8').trim().split('\n');
    expect(failures).toHaveLength(2);
    const withModule = await runSweep(spec, { out: folder('builders'), workers: 2, builders: [builders] });
    expect(withModule).toMatchObject({ done: 2, failed: 0 });
    const [weak, strong] = withModule.results;
    expect(weak.metrics.neurons).toBe(20);
    expect(strong.metrics.spikes).toBeGreaterThan(weak.metrics.spikes);
    const refused = await runSweep({ network: 'refuses', seconds: 1, params: { x: 3 } }, { out: folder('refuses'), workers: 1, builders: [builders] });
    expect(refused.failures[0].error).toMatch(/RangeError: refuses: parameter 'x' must be below 1 \(got 3\)/);
  });

  test('the example builder module works with --builders as its comment says; the example spec\'s runs all pass the checks', async () => {
    // As a user has it: in a project where polychron is installed.
    const project = folder('example-project');
    fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    fs.symlinkSync(repoRoot, path.join(project, 'node_modules', 'polychron'), 'dir');
    fs.copyFileSync(path.join(repoRoot, 'examples', 'sweeps', 'builders.js'), path.join(project, 'builders.js'));
    const comment = fs.readFileSync(path.join(project, 'builders.js'), 'utf8').match(/^\/\/\s+(\{"network": "mixed".*\})$/m)![1];
    const spec = { ...JSON.parse(comment), seconds: 1, params: { neurons: 300 } } as SweepSpec;
    spec.grid = { ...spec.grid, excitatory: [0.6, 0.9, 1.5], seed: [1] };
    fs.writeFileSync(path.join(project, 'mixed.json'), JSON.stringify(spec));
    const run = spawnSync(process.execPath, [cli, 'sweep', 'mixed.json', '--builders', 'builders.js', '--out', 'out'], { cwd: project, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/run [0-9a-f]{16} \{"seed":1,"neurons":300,"excitatory":1.5\} failed: RangeError: mixed: excitatory must be a fraction in \(0, 1\) \(got 1.5\)/);
    const results = readResults(path.join(project, 'out'));
    expect(results.map((r) => [r.params.excitatory, r.metrics.plasticSynapses])).toEqual([[0.6, 180 * 100], [0.9, 270 * 100]]);

    const registry = await BuilderRegistry.load();
    const runs = readSweepSpec(path.join(repoRoot, 'examples', 'sweeps', 'groups.json'));
    expect(runs).toHaveLength(36);
    for (const r of runs) registry.check(r);
  });

  test('bad options are refused before the folder is touched', async () => {
    await expect(runSweep(small, { out: '' })).rejects.toThrow(/options.out must be the output folder/);
    await expect(runSweep(small, { out: folder('bad'), workers: 0 })).rejects.toThrow(/workers must be an integer in \[1, 1024\]/);
    await expect(runSweep(small, { out: folder('bad'), threads: 1.5 })).rejects.toThrow(/threads must be an integer/);
    await expect(runSweep(small, { out: folder('bad'), queue: 'http://x', workers: 2 })).rejects.toThrow(/workers and builders belong to the queue's workers/);
    // Each run holds one thread of libuv's pool (4 unless UV_THREADPOOL_SIZE says more).
    expect(process.env.UV_THREADPOOL_SIZE).toBeUndefined();
    await expect(runSweep(small, { out: folder('bad'), workers: 5 })).rejects.toThrow(/workers \(5\) must be at most the 4 runs libuv's thread pool can hold at once in this process: start Node with UV_THREADPOOL_SIZE=5/);
    expect(fs.existsSync(folder('bad'))).toBe(false);
  });
});

describe('the sweep plot', () => {
  test('a metric against a parameter, a line per value of another: a point per run, a mean per x and colour', async () => {
    const out = folder('plot');
    const spec: SweepSpec = { network: 'izhikevich2006', seconds: 1, params: { neurons: 200 }, grid: { inputPerMs: [1, 2], wMax: [9, 10, 11], seed: [1, 2] } };
    await runSweep(spec, { out, workers: 2 });
    const results = readSweepResults(out);
    const svg = await plotSweep(results, { x: 'wMax', y: 'meanRateHz', color: 'inputPerMs' });
    expectStandaloneSvg(svg);
    expect(svg).toContain('meanRateHz against wMax by inputPerMs (12 runs)');
    const counts = markCounts(svg);
    expect(counts['symbol layer_0_marks']).toEqual([12]);
    // A bar per (wMax, inputPerMs) over its 2 seeds; a line per inputPerMs value, each through its 3 means.
    expect(counts['rule layer_1_marks']).toEqual([6]);
    expect(counts['line layer_2_layer_0_marks']).toEqual([1, 1]);
    expect(counts['symbol layer_2_layer_1_marks']).toEqual([6]);
    await expect(plotSweep(results, { x: 'wmax', y: 'spikes' })).rejects.toThrow(/x must name a parameter or metric of the results \(seed, neurons, inputPerMs, wMax, synapses, spikes, meanRateHz/);
    await expect(plotSweep([], { x: 'seed', y: 'spikes' })).rejects.toThrow(/non-empty array/);
    const png = spawnSync(process.execPath, [cli, 'plot', 'sweep', '--results', out, '--x', 'wMax', '--y', 'spikes', '--color', 'inputPerMs', '--out', path.join(out, 'p.png')], { encoding: 'utf8' });
    expect(png.status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'p.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('polychron sweep', () => {
  test('runs a spec file with --workers 2, refuses to overwrite, and --resume finds every run done', () => {
    const out = folder('cli');
    const spec = path.join(scratch, 'cli-spec.json');
    fs.writeFileSync(spec, JSON.stringify(small));
    const first = spawnSync(process.execPath, [cli, 'sweep', spec, '--workers', '2', '--out', out], { encoding: 'utf8' });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^4 of 4 runs done, 0 failed/);
    expect(readResults(out)).toHaveLength(4);
    const again = spawnSync(process.execPath, [cli, 'sweep', spec, '--out', out], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds results: pass --resume/);
    // --workers beyond libuv's default 4: the command makes room in the pool itself.
    const resumed = spawnSync(process.execPath, [cli, 'sweep', spec, '--out', out, '--resume', '--json', '--workers', '6'], { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ total: 4, done: 4, skipped: 4, failed: 0 });
    const failing = spawnSync(process.execPath, [cli, 'sweep', spec, '--out', folder('cli-fail'), '--workers', '0'], { encoding: 'utf8' });
    expect(failing.status).toBe(1);
    expect(failing.stderr).toMatch(/--workers must be a positive integer/);
  });

  test('Ctrl-C stops the sweep and keeps what finished; --resume runs only the rest', async () => {
    const out = folder('interrupted');
    const spec = path.join(scratch, 'interrupt-spec.json');
    // About a quarter of a second per run, one at a time.
    fs.writeFileSync(spec, JSON.stringify({ network: 'izhikevich2006', seconds: 5, params: { neurons: 5000 }, grid: { seed: [1, 2, 3, 4, 5, 6] } }));
    const child = spawn(process.execPath, [cli, 'sweep', spec, '--workers', '1', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const results = path.join(out, 'results.jsonl');
    while (!(fs.existsSync(results) && fs.readFileSync(results, 'utf8').length > 0)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/interrupted: the runs finished so far are kept; run the same command with --resume to go on/);
    const kept = readResults(out).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(6);
    const resumed = spawnSync(process.execPath, [cli, 'sweep', spec, '--workers', '1', '--out', out, '--resume', '--json'], { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ total: 6, done: 6, skipped: kept, failed: 0 });
    expect(new Set(readResults(out).map((r) => r.id)).size).toBe(6);
  });
});
