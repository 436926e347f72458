import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPolychronousGroups, RUN_FILES } from '../lib';
import { chainNetwork } from './helpers/chain';
import { repoRoot } from './helpers/child';
import { expectStandaloneSvg, markCounts } from './helpers/svg';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-plot-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const run = path.join(tmp, 'run');
const file = (name: string) => path.join(tmp, name);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

beforeAll(async () => {
  fs.mkdirSync(run);
  const simulated = polychron('simulate', '--network', 'izhikevich2006', '--neurons', '200', '--seconds', '2',
    '--spikes-out', path.join(run, RUN_FILES.spikes), '--weights-out', path.join(run, RUN_FILES.weights),
    '--summary-json', path.join(run, RUN_FILES.summary));
  expect(simulated.status).toBe(0);
  // A chain of groups (the simulated network has none after 2 s), in the groups file format.
  const network = chainNetwork();
  await (await findPolychronousGroups(network, { minPath: 5 })).save(path.join(run, RUN_FILES.groups));
  network.close();
  // lm train's --log and --trace formats.
  fs.writeFileSync(path.join(run, RUN_FILES.lossLog), 'step,val_loss\n10,4.5\n20,3.9\n30,3.1\n');
  fs.writeFileSync(path.join(run, RUN_FILES.lossTrace), `step,start,train_loss\n${Array.from({ length: 31 }, (_, k) => `${k},${k * 7},${5 - k / 10}`).join('\n')}\n`);
});

describe('polychron plot', () => {
  test('raster: one dot per row of the CSV that simulate --spikes-out wrote', () => {
    const spikes = fs.readFileSync(path.join(run, RUN_FILES.spikes), 'utf8').trim().split('\n').length - 1;
    expect(spikes).toBeGreaterThan(100);
    const result = polychron('plot', 'raster', '--spikes', path.join(run, RUN_FILES.spikes), '--out', file('raster.svg'));
    expect(result.stderr).toBe(`raster plot written to ${file('raster.svg')}\n`);
    expect(result.status).toBe(0);
    const svg = fs.readFileSync(file('raster.svg'), 'utf8');
    expectStandaloneSvg(svg);
    expect(markCounts(svg)['symbol layer_0_marks']).toEqual([spikes]);
  });

  test('rates, weights (a file and a folder), loss and group; .png writes PNG', () => {
    const cases: string[][] = [
      ['rates', '--spikes', path.join(run, RUN_FILES.spikes), '--populations', 'excitatory:0:160,inhibitory:160:40', '--bin', '20'],
      ['weights', '--weights', path.join(run, RUN_FILES.weights, 'weights_sec2.csv'), '--min', '0', '--max', '10'],
      ['weights', '--weights', path.join(run, RUN_FILES.weights)],
      ['loss', '--log', path.join(run, RUN_FILES.lossLog), '--trace', path.join(run, RUN_FILES.lossTrace)],
      ['group', '--groups', path.join(run, RUN_FILES.groups), '--index', '0', '--title', 'group 0'],
    ];
    for (const [k, args] of cases.entries()) {
      const out = file(`plot${k}.svg`);
      const result = polychron('plot', ...args, '--out', out);
      expect({ args, stderr: result.stderr, status: result.status }).toEqual({ args, stderr: `${args[0]} plot written to ${out}\n`, status: 0 });
      expectStandaloneSvg(fs.readFileSync(out, 'utf8'));
    }
    expect(markCounts(fs.readFileSync(file('plot0.svg'), 'utf8'))['line marks']).toEqual([1, 1]);
    expect(markCounts(fs.readFileSync(file('plot2.svg'), 'utf8'))['rect marks'][0]).toBeGreaterThan(0);
    expect(polychron('plot', ...cases[4], '--out', file('group.png')).status).toBe(0);
    expect(fs.readFileSync(file('group.png')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  test('errors name what is wrong', () => {
    const fails = (args: string[], message: string) => {
      const result = polychron(...args);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 1, stderr: expect.stringContaining(message) });
    };
    // Without a kind: the usage, and the exit status of a command line that cannot be parsed.
    const bare = polychron('plot');
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: polychron plot .*\n[^]*raster[^]*rates[^]*weights[^]*loss[^]*group/);
    fails(['plot', 'raster', '--out', file('x.svg')], '--spikes FILE is required');
    fails(['plot', 'group', '--groups', path.join(run, RUN_FILES.groups), '--index', '999', '--out', file('x.svg')], '--index must be less than');
    fails(['plot', 'rates', '--spikes', path.join(run, RUN_FILES.spikes), '--populations', 'a:1', '--out', file('x.svg')], 'name:first:size');
    fails(['plot', 'loss', '--out', file('x.svg')], 'give --log FILE.csv');
    fails(['plot', 'loss', '--log', path.join(run, RUN_FILES.lossTrace), '--out', file('x.svg')], "expected the header 'step,val_loss'");
  });
});

describe('polychron report', () => {
  test("a run folder's plots on one page, the title escaped", () => {
    const out = file('report.html');
    const result = polychron('report', '--run', run, '--out', out, '--title', '<b>run</b>');
    expect(result.stderr).toBe(`report of ${run} written to ${out}\n`);
    expect(result.status).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('<h1>&#60;b&#62;run&#60;/b&#62;</h1>');
    expect(html).not.toContain('<b>');
    // Raster, rates, weight histogram and evolution, group, loss.
    expect(html.match(/<svg /g)).toHaveLength(6);
    for (const heading of ['Summary', 'Spikes', 'Weights', 'Polychronous groups', 'Language-model loss']) expect(html).toContain(`<h2>${heading}</h2>`);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/)/);
    // The chain's groups (60 neurons) are not looked for in the 200-neuron raster.
    expect(html).toContain('groups.json is of a network of 60 neurons, too few for these spikes');
  });

  test('a folder without run files is refused', () => {
    fs.mkdirSync(file('empty'));
    const result = polychron('report', '--run', file('empty'), '--out', file('empty.html'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('holds none of the run files (summary.json, spikes.csv, weights, groups.json, lm-log.csv, lm-trace.csv)');
  });
});
