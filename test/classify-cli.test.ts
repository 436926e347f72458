import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeIdx } from '../lib';
import { repoRoot } from './helpers/child';
import { seededRandom } from './helpers/random';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-classify-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An IDX image set of 10 × 10 images: a bright row (class 0), column (1) or diagonal (2) in noise. */
function writeSet(name: string, count: number, seed: number, gzip: boolean): [string, string] {
  const random = seededRandom(seed);
  const pixels = new Uint8Array(count * 100);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = Math.floor(random() * 3);
    const at = 2 + Math.floor(random() * 6);
    labels[n] = label;
    for (let r = 0; r < 10; r++) {
      for (let c = 0; c < 10; c++) {
        const on = label === 0 ? r === at : label === 1 ? c === at : r === c;
        pixels[n * 100 + r * 10 + c] = Math.floor((on ? 150 : 20) + 100 * random());
      }
    }
  }
  const suffix = gzip ? '.gz' : '';
  const files: [string, string] = [path.join(tmp, `${name}-images-idx3-ubyte${suffix}`), path.join(tmp, `${name}-labels-idx1-ubyte${suffix}`)];
  writeIdx(files[0], { type: 'uint8', shape: [count, 10, 10], data: pixels }, { gzip });
  writeIdx(files[1], { type: 'uint8', shape: [count], data: labels }, { gzip });
  return files;
}

describe('polychron classify', () => {
  const [trainImages, trainLabels] = writeSet('train', 1500, 1, true);
  const [testImages, testLabels] = writeSet('test', 300, 2, false);
  const model = path.join(tmp, 'model.safetensors');

  test('train keeps to its time budget, everything included, and saves the best model', () => {
    const timed = path.join(tmp, 'timed.safetensors');
    const started = Date.now();
    const out = polychron('classify', 'train', '--images', trainImages, '--labels', trainLabels, '--minutes', '0.1',
      '--epochs', '100000', '--patience', '0', '--threads', '2', '--layers', '16x32x4', '--readout', '16x4', '--out', timed, '--json');
    const wall = (Date.now() - started) / 1000;
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary.stopped).toBe('time');
    expect(summary.validationExamples).toBe(150);
    expect(summary.bestEpoch).toBeGreaterThan(0);
    expect(wall).toBeLessThan(6 + 1);  // node's own start-up is the slack
    expect(fs.existsSync(timed)).toBe(true);
  });

  test('eval --json prints one object with accuracy and examples', () => {
    // A fixed number of epochs, so that the model does not depend on the machine's speed.
    const trained = polychron('classify', 'train', '--images', trainImages, '--labels', trainLabels, '--epochs', '30',
      '--patience', '0', '--layers', '32x128x6', '--readout', '32x4', '--out', model, '--json');
    expect(trained.status).toBe(0);
    const out = polychron('classify', 'eval', '--model', model, '--images', testImages, '--labels', testLabels, '--json');
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.examples).toBe(300);
    expect(result.accuracy).toBeGreaterThan(0.9);
    expect(result.accuracy).toBeLessThanOrEqual(1);
  });

  test('predict writes one class per image', () => {
    const out = polychron('classify', 'predict', '--model', model, '--images', testImages);
    expect(out.status).toBe(0);
    const rows = out.stdout.trim().split('\n');
    expect(rows[0]).toBe('index,class');
    expect(rows).toHaveLength(301);
  });

  test('eval --spiking runs the images through the compiled circuit and agrees with the direct path', () => {
    const out = polychron('classify', 'eval', '--model', model, '--images', testImages, '--labels', testLabels, '--spiking', '--limit', '120', '--json');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.examples).toBe(120);
    expect(result.indexAgreement).toBe(1);
    expect(result.predictionAgreement).toBe(1);
    expect(result.exact).toEqual({ indexAgreement: 1, predictionAgreement: 1 });
    expect(result.accuracy).toBeGreaterThan(0.9);
    expect(result.spikesPerExample).toBeGreaterThan(128 + 32);
    expect(result.synapticEventsPerExample).toBeGreaterThan(result.spikesPerExample);
    const direct = JSON.parse(polychron('classify', 'eval', '--model', model, '--images', testImages, '--labels', testLabels, '--json').stdout);
    expect(direct.examples).toBe(300);
  });

  test('compile writes a network checkpoint and its layout; plot draws one image through the circuit', async () => {
    const circuit = path.join(tmp, 'circuit.pcn');
    const out = polychron('classify', 'compile', '--model', model, '--out', circuit, '--json');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary.neurons).toBe(101 + 128 * 6 * 2 + 128 * 64 + 32 * 4 + 32 * 16 + 3 + 3);
    expect(summary.periodMs).toBe(257);
    const { Network } = await import('../lib');
    const network = await Network.load(circuit);
    expect(network.size).toBe(summary.neurons);
    network.close();
    expect(JSON.parse(fs.readFileSync(`${circuit}.layout.json`, 'utf8')).stages).toHaveLength(2);
    const svg = path.join(tmp, 'circuit.svg');
    const plotted = polychron('classify', 'plot', '--model', model, '--images', testImages, '--index', '3', '--out', svg);
    expect(plotted.status).toBe(0);
    const text = fs.readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toContain('selected row');
    const bad = polychron('classify', 'plot', '--model', model, '--images', testImages, '--index', '300', '--out', svg);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--index must be below the 300 images \(got 300\)/);
  });

  test('train with a progress line, and errors that name the option before any work', () => {
    const out = polychron('classify', 'train', '--images', trainImages, '--labels', trainLabels, '--epochs', '2',
      '--layers', '8x16x3', '--out', path.join(tmp, 'small.safetensors'), '--test-images', testImages, '--test-labels', testLabels);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/epoch 2\/2 .*val \d+\.\d\d%/);
    expect(out.stderr).toMatch(/test accuracy \d+\.\d\d%/);
    const missing = polychron('classify', 'train', '--images', trainImages, '--labels', trainLabels, '--out', path.join(tmp, 'no', 'such', 'm.st'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--out .*: the folder .* does not exist/);
    const layers = polychron('classify', 'train', '--images', trainImages, '--labels', trainLabels, '--out', model, '--layers', '16x32');
    expect(layers.stderr).toMatch(/--layers must be WIDTHxTABLESxCOMPARISONS/);
    const wrong = polychron('classify', 'eval', '--model', model, '--images', trainLabels, '--labels', trainLabels);
    expect(wrong.stderr).toMatch(/expected uint8 images of shape \[n, rows, cols\]/);
  });
});
