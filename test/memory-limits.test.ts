// Memory limits: every object with a configured limit (memoryLimit) refuses a shape or a
// file that would need more, before allocating it, with the sizes in the message. Shapes
// that would need terabytes are refused at the default limit in a moment, and the
// process's resident memory barely moves.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DenseModel, LutClassifier, LutLanguageModel, LutLayer, izhikevich2006 } from '../lib';
import { randomLayers, writeDenseSafetensors } from './helpers/dense-files';
import { seededRandom } from './helpers/random';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-memory-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const GiB = 2 ** 30;

/** The refusal's message must name memoryLimit with its value and the bytes needed (> it). */
function expectLimitError(error: unknown, limit: number): void {
  // By name: the addon's errors belong to another realm than jest's (helpers/errors.ts).
  expect((error as Error).name).toBe('RangeError');
  const message = (error as Error).message;
  expect(message).toContain(`memoryLimit`);
  expect(message).toContain(String(limit));
  const needed = [...message.matchAll(/(\d{3,}) bytes/g)].map((m) => Number(m[1])).filter((n) => n !== limit);
  expect(needed.length).toBeGreaterThanOrEqual(1);
  expect(Math.max(...needed)).toBeGreaterThan(limit);
}

/** Calls `refused` (sync or async) and returns its error and how much the RSS grew, bytes. */
async function refusal(refused: () => unknown): Promise<{ error: unknown; grew: number }> {
  const before = process.memoryUsage().rss;
  let error: unknown;
  try {
    await refused();
  } catch (e) {
    error = e;
  }
  return { error, grew: process.memoryUsage().rss - before };
}

describe('shapes beyond the limit are refused before allocating', () => {
  test('a network whose synapses need 20 GB (10^9 synapses) is refused at its first run; with room, it runs', async () => {
    const { network } = izhikevich2006({ neurons: 1_000_000, synapsesPerNeuron: 1000 });
    const { error, grew } = await refusal(() => network.run(1));
    expectLimitError(error, 8 * GiB);
    expect((error as Error).message).toContain('1000000000 synapses');
    expect(grew).toBeLessThan(200e6);
    // Refused again, the same way: the failed build left the network as it was.
    expectLimitError((await refusal(() => network.run(1))).error, 8 * GiB);
    network.close();

    const small = izhikevich2006({ neurons: 200, synapsesPerNeuron: 20, memoryLimit: 50_000 }).network;
    expectLimitError((await refusal(() => small.run(1))).error, 50_000);
    const roomy = izhikevich2006({ neurons: 200, synapsesPerNeuron: 20, memoryLimit: 200_000 }).network;
    await expect(roomy.run(5)).resolves.toBeDefined();
    expect(roomy.stats().synapses).toBe(4000);
  });

  test('LUT layer, classifier and language model shapes beyond the limit (default or given)', async () => {
    const cases: [() => unknown, number][] = [
      [() => new LutLayer({ inputs: 1000, outputs: 100000, tables: 1000, comparisons: 20 }), 8 * GiB],
      [() => new LutLayer({ inputs: 10, outputs: 10, tables: 4, comparisons: 4, memoryLimit: 100 }), 100],
      [() => new LutClassifier({ inputs: 784, classes: 10, layers: [{ tables: 4096, comparisons: 16, width: 4096 }] }), 2 * GiB],
      [() => new LutClassifier({ inputs: 784, classes: 10, memoryLimit: 1000 }), 1000],
      [() => new LutLanguageModel({ context: 32, embedding: 1024, layers: 6, heads: 4, tables: 16, comparisons: 12, positional: 4 }), 8 * GiB],
      [() => new LutLanguageModel({ context: 8, embedding: 8, layers: 1, heads: 1, tables: 2, comparisons: 3, memoryLimit: 1000 }), 1000],
    ];
    for (const [make, limit] of cases) {
      const { error, grew } = await refusal(make);
      expectLimitError(error, limit);
      expect(grew).toBeLessThan(100e6);
    }
  });

  test('loading a file whose shape exceeds the loader\'s memoryLimit is refused, naming the file', async () => {
    const lmFile = path.join(tmp, 'lm.safetensors');
    const lm = new LutLanguageModel({ context: 8, embedding: 8, layers: 1, heads: 1, tables: 2, comparisons: 3 });
    await lm.save(lmFile);
    lm.close();
    const classifierFile = path.join(tmp, 'classifier.safetensors');
    const classifier = new LutClassifier({ inputs: 6, classes: 2, layers: [], readout: { tables: 32, comparisons: 4 }, seed: 3 });
    await classifier.save(classifierFile);
    classifier.close();
    const denseFile = path.join(tmp, 'dense.safetensors');
    writeDenseSafetensors(denseFile, randomLayers([20, 16, 4], seededRandom(2)));

    const loads: [string, () => Promise<unknown>][] = [
      [lmFile, () => LutLanguageModel.load(lmFile, { memoryLimit: 1000 })],
      [classifierFile, () => LutClassifier.load(classifierFile, { memoryLimit: 1000 })],
      [denseFile, () => DenseModel.load(denseFile, { memoryLimit: 1000 })],
    ];
    for (const [file, load] of loads) {
      const { error } = await refusal(load);
      expectLimitError(error, 1000);
      expect((error as Error).message).toContain(path.basename(file));
    }
    // With the default limit, each loads.
    for (const [file, load] of [[lmFile, () => LutLanguageModel.load(lmFile)], [classifierFile, () => LutClassifier.load(classifierFile)],
      [denseFile, () => DenseModel.load(denseFile)]] as const) {
      const loaded = await load() as { close?: () => void };
      expect({ file, loaded: loaded !== undefined }).toEqual({ file, loaded: true });
      loaded.close?.();
    }
  });
});
