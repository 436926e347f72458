import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LutClassifier, LutLayer, Network, SpikingLutCircuit } from '../lib';
import { caught, expectError, rejected } from './helpers/errors';
import { seededRandom } from './helpers/random';

const generator = seededRandom;

// Inputs with many exact ties (values on a coarse grid) and near-ties (one 8-bit step apart).
function tiedInputs(count: number, width: number, random: () => number): Float32Array {
  const xs = new Float32Array(count * width);
  for (let k = 0; k < xs.length; k++) {
    const coarse = Math.floor(random() * 5) / 4;
    xs[k] = random() < 0.5 ? coarse : Math.min(1, coarse + Math.floor(random() * 3) / 255);
  }
  return xs;
}

// The latency grid's rounding as the docs state it: L = round((high − x) / Δ), clamped.
function gridRounded(xs: Float32Array, low: number, high: number, steps: number): Float32Array {
  const step = (high - low) / (steps - 1);
  return xs.map((x) => {
    const l = Math.min(steps - 1, Math.max(0, Math.round((high - x) / step)));
    return Math.fround(high - l * step);
  });
}

// A labelled set where class c raises the inputs i ≡ c (mod classes).
function labelled(count: number, width: number, classes: number, seed: number): { xs: Float32Array; ys: Uint8Array } {
  const random = generator(seed);
  const xs = new Float32Array(count * width);
  const ys = new Uint8Array(count);
  for (let e = 0; e < count; e++) {
    const c = e % classes;
    ys[e] = c;
    for (let i = 0; i < width; i++) xs[e * width + i] = Math.round(255 * Math.min(1, random() * 0.7 + (i % classes === c ? 0.35 : 0))) / 255;
  }
  return { xs, ys };
}

describe('LUT layers compiled into spiking circuits', () => {
  test('every table index read from the row spikes equals the direct path on the grid-rounded input, for every index width', async () => {
    const random = generator(21);
    // Widths 1..10, then 12 and 16 (one table: 2^16 row neurons); the limit is the neuron count.
    for (const comparisons of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16]) {
      const inputs = 12 + comparisons;
      const tables = comparisons > 10 ? 1 : Math.max(2, 24 >> Math.max(0, comparisons - 6));
      const layer = new LutLayer({ inputs, outputs: 2, tables, comparisons, seed: comparisons });
      const xs = tiedInputs(40, inputs, random);
      const circuit = await SpikingLutCircuit.compile(layer);
      const run = await circuit.run(xs);
      expect(run.examples).toBe(40);
      // On the default grid (256 steps of 1/255) these inputs are grid values already.
      expect(Array.from(run.indices)).toEqual(Array.from(layer.tableIndices(xs, { grid: circuit.layout.grid })));
      expect(Array.from(run.indices)).toEqual(Array.from(layer.tableIndices(xs)));
      circuit.network.close();
    }
  });

  test('off-grid inputs are rounded to the grid, ties on it give bit 0, in both network modes', async () => {
    const random = generator(5);
    const layer = new LutLayer({ inputs: 30, outputs: 1, tables: 40, comparisons: 5, seed: 3 });
    const xs = Float32Array.from({ length: 30 * 60 }, () => random() * 2.4 - 1.2);
    const grid = { low: -1, high: 1, steps: 9 };
    const rounded = gridRounded(xs, grid.low, grid.high, grid.steps);
    for (const mode of ['reference', 'fast'] as const) {
      const circuit = await SpikingLutCircuit.compile(layer, { grid, mode });
      expect(circuit.layout.period).toBe(10);
      const run = await circuit.run(xs);
      const direct = layer.tableIndices(xs, { grid });
      expect(Array.from(run.indices)).toEqual(Array.from(direct));
      expect(Array.from(direct)).toEqual(Array.from(layer.tableIndices(rounded)));
      // Coarse steps tie many pairs; a tie must read as bit 0, as u = 0 does.
      expect(Array.from(direct)).not.toEqual(Array.from(layer.tableIndices(xs)));
    }
  });

  test('an ordinary network: fed by setSpikeTrains, recorded by a monitor, it resets itself after every example', async () => {
    const layer = new LutLayer({ inputs: 16, outputs: 1, tables: 8, comparisons: 4, seed: 9 });
    const circuit = await SpikingLutCircuit.compile(layer);
    expect(circuit.network.populations.map((p) => p.name)).toEqual(['inputs', 'comparators 0', 'holders 0', 'rows 0']);
    const monitor = circuit.network.addSpikeMonitor({ neurons: circuit.network.populations[3] });
    const x = tiedInputs(1, 16, generator(2));
    const rowsOf = async (): Promise<string[]> => {
      const start = circuit.network.time;
      monitor.clear();
      circuit.network.setSpikeTrains(circuit.inputs, circuit.encode(x));
      await circuit.network.run(circuit.layout.period + circuit.layout.latency);
      return Array.from(monitor.times, (t, k) => `${t - start}:${monitor.neurons[k]}`);
    };
    const first = await rowsOf();
    // One row per table, all at rowsFire, the ones the direct path selects.
    const index = layer.tableIndices(x);
    expect(first).toEqual(Array.from(index, (j, i) => `${circuit.layout.stages[0].rowsFire}:${circuit.layout.stages[0].rows.first + i * 16 + j}`));
    await circuit.run(tiedInputs(5, 16, generator(3)));
    expect(await rowsOf()).toEqual(first);
    // Everything is back at rest: no neuron holds charge.
    expect(Array.from(circuit.network.v.subarray(circuit.layout.inputs.count)).every((v) => v === 0)).toBe(true);
  });
});

describe('LUT classifiers compiled into spiking circuits', () => {
  const data = labelled(360, 40, 4, 11);
  let model: LutClassifier;
  beforeAll(async () => {
    model = new LutClassifier({
      inputs: 40,
      classes: 4,
      layers: [
        { width: 12, tables: 24, comparisons: 4 },
        { width: 12, tables: 12, comparisons: 3 },
      ],
      readout: { tables: 10, comparisons: 3 },
      thresholds: 3,
      thresholdShare: 0.2,
      seed: 4,
    });
    await model.train(data.xs, data.ys, { epochs: 6, validation: 0 });
  });
  afterAll(() => model.close());

  test('the circuit equals its twin bit for bit, and the original model wherever the rounded weights do', async () => {
    const circuit = await SpikingLutCircuit.compile(model);
    expect(circuit.layout.stages.map((s) => s.rowsFire)).toEqual([257, 259, 261]);
    const ev = await circuit.evaluate(data.xs, data.ys);
    expect(ev.examples).toBe(360);
    expect(ev.exact).toEqual({ indexAgreement: 1, predictionAgreement: 1 });
    // The weight unit is 2^-20 of these tables' sums: rounding moves no look-up here.
    expect(ev.indexAgreement).toBe(1);
    expect(ev.predictionAgreement).toBe(1);
    expect(ev.disagreements).toEqual([]);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(ev.simulatedMsPerExample).toBeCloseTo((359 * 257 + 264) / 360, 9);
    expect(ev.spikesPerExample).toBeGreaterThan(24 + 12 + 10);
  });

  test('the rounding to weight units moves each logit by at most half a unit per table added', async () => {
    // No threshold constants here, so that the model's own logits see the grid-rounded input.
    const plain = new LutClassifier({ inputs: 40, classes: 4, layers: [{ width: 12, tables: 24, comparisons: 4 }], readout: { tables: 10, comparisons: 3 }, seed: 5 });
    await plain.train(data.xs, data.ys, { epochs: 3, validation: 0 });
    const circuit = await SpikingLutCircuit.compile(plain);
    const rounded = gridRounded(data.xs, 0, 1, 256);
    const direct = await plain.tableIndices(rounded);
    const twin = await circuit.twin!.tableIndices(rounded);
    const a = plain.logits(rounded);
    const b = circuit.twin!.logits(rounded);
    const tables = 24 + 10;
    let worst = 0;
    for (let e = 0; e < 360; e++) {
      // Where a hidden sum's rounding flips a readout index the logits may differ by more.
      const same = direct.indices.subarray(e * tables, (e + 1) * tables).every((j, k) => j === twin.indices[e * tables + k]);
      if (!same) continue;
      for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs(a[e * 4 + c] - b[e * 4 + c]));
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual((10 / 2) * circuit.layout.logitUnit);
    plain.close();
  });

  test('a coarse grid: the circuit equals the direct path on the rounded input; only the raw input differs', async () => {
    // A 4-step grid ties most pixels: the circuit still equals the direct path on the
    // rounded input; against the raw input only the grid differs.
    const circuit = await SpikingLutCircuit.compile(model, { grid: { steps: 4 } });
    const ev = await circuit.evaluate(data.xs, data.ys);
    expect(ev.exact).toEqual({ indexAgreement: 1, predictionAgreement: 1 });
    expect(ev.indexAgreement).toBe(1);
    expect(ev.predictionAgreement).toBe(1);
    expect(ev.rawPredictionAgreement).toBeLessThan(1);
    expect(ev.simulatedMsPerExample).toBeLessThan(10);
  });

  test('polychronous lookup: a row group is activated in the recorded raster exactly where its row was selected', async () => {
    const circuit = await SpikingLutCircuit.compile(model);
    const images = data.xs.subarray(0, 40 * 30);
    const monitor = circuit.network.addSpikeMonitor();
    const start = circuit.network.time;
    circuit.network.setSpikeTrains(circuit.inputs, circuit.encode(images));
    await circuit.network.run(30 * circuit.layout.period + circuit.layout.latency);
    const raster = { times: monitor.times, neurons: monitor.neurons };
    const selected = (await model.tableIndices(images, { grid: circuit.layout.grid })).indices;
    for (const [stage, table, offset] of [[0, 5, 5], [1, 2, 24 + 2]]) {
      const groups = circuit.rowGroups(stage, table);
      expect(groups.groups).toHaveLength(1 << circuit.layout.stages[stage].comparisons);
      const exact = await groups.activatedBy(raster, { jitter: 0, minFraction: 1 });
      const expected = Array.from({ length: 30 }, (_, e) => `${start + e * circuit.layout.period + circuit.layout.grid.steps - 1}:${selected[e * 46 + offset]}`);
      expect(exact.map((a) => `${a.onset}:${a.index}`).sort()).toEqual(expected.sort());
      // A looser query also finds rows whose set bits are a subset of those that fired.
      const loose = await groups.activatedBy(raster, { jitter: 0, minFraction: 0.5 });
      expect(loose.length).toBeGreaterThan(exact.length);
    }
    expectError(caught(() => circuit.rowGroups(3, 0)), 'RangeError', /stage must be an integer in \[0, 2\]/);
  });

  test('saved and loaded: Network.load reads the circuit, and the loaded circuit classifies the same', async () => {
    const circuit = await SpikingLutCircuit.compile(model);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-circuit-'));
    const file = path.join(dir, 'circuit.pcn');
    await circuit.save(file);
    const network = await Network.load(file);
    expect(network.size).toBe(circuit.network.size);
    network.close();
    const loaded = await SpikingLutCircuit.load(file, { model });
    const images = data.xs.subarray(0, 40 * 20);
    const a = await circuit.run(images);
    const b = await loaded.run(images);
    expect(Array.from(b.classes!)).toEqual(Array.from(a.classes!));
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    const ev = await loaded.evaluate(images);
    expect(ev.predictionAgreement).toBe(1);
    expect(Number.isNaN(ev.exact.indexAgreement)).toBe(true);  // no twin without compile()
    fs.rmSync(dir, { recursive: true });
  });

  test('a hostile layout file is refused before the circuit runs, and the circuit still works', async () => {
    const circuit = await SpikingLutCircuit.compile(model);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-layout-'));
    const file = path.join(dir, 'circuit.pcn');
    await circuit.save(file);
    const good = JSON.parse(fs.readFileSync(`${file}.layout.json`, 'utf8'));
    const images = data.xs.subarray(0, 40 * 3);
    const hostile: Array<[string, (l: any) => unknown]> = [
      ['rows beyond the network', (l) => (l.stages[0].rows.first = 2 ** 31)],
      ['huge tables', (l) => (l.stages[1].tables = 2 ** 31)],
      ['30 comparisons', (l) => (l.stages[0].comparisons = 30)],
      ['a wrong period', (l) => (l.period = 3)],
      ['no stages', (l) => (l.stages = [])],
      ['stages not an array', (l) => (l.stages = { 0: 1 })],
      ['a string count', (l) => (l.inputs.count = '41')],
      ['a negative first', (l) => (l.classes.first = -1)],
      ['constants off the grid', (l) => (l.constantLatencies = [999])],
      ['a grid of one step', (l) => (l.grid.steps = 1)],
      ['too few beats', (l) => (l.beats.count = 2)],
      ['rowsFire moved', (l) => (l.stages[1].rowsFire += 1)],
      ['no inputs', (l) => delete l.inputs],
      ['a stage that is a number', (l) => (l.stages[1] = 7)],
      ['rows without a count', (l) => delete l.stages[0].rows.count],
    ];
    for (const [what, change] of hostile) {
      const layout = structuredClone(good);
      change(layout);
      fs.writeFileSync(`${file}.layout.json`, JSON.stringify(layout));
      // Refused when it is read, or else when it would run.
      let loaded: SpikingLutCircuit | undefined;
      const error = await rejected(async () => {
        loaded = await SpikingLutCircuit.load(file, { model });
        await loaded.run(images);
      });
      expect({ what, name: error.name }).toEqual({ what, name: expect.stringMatching(/^(RangeError|TypeError)$/) });
      expect(error.message).toMatch(/layout|grid|images/);
      loaded?.network.close();
    }
    fs.writeFileSync(`${file}.layout.json`, '{ not json');
    expectError(await rejected(() => SpikingLutCircuit.load(file)), 'RangeError', /layout\.json: not a circuit layout/);
    fs.writeFileSync(`${file}.layout.json`, JSON.stringify(good));
    expect((await (await SpikingLutCircuit.load(file)).run(images)).examples).toBe(3);
    fs.rmSync(dir, { recursive: true });
  });

  test('bad input is refused with errors naming it', async () => {
    expectError(await rejected(() => SpikingLutCircuit.compile({} as never)), 'TypeError', /model must be a LutClassifier or a LutLayer/);
    expectError(await rejected(() => SpikingLutCircuit.compile(model, { grid: { steps: 1 } })), 'RangeError', /grid.steps must be an integer in \[2, 65536\]/);
    expectError(await rejected(() => SpikingLutCircuit.compile(model, { grid: { low: 1, high: 0 } })), 'RangeError', /low < high/);
    expectError(await rejected(() => SpikingLutCircuit.compile(model, { mode: 'quick' as never })), 'TypeError', /mode must be 'reference' or 'fast'/);
    const huge = new LutLayer({ inputs: 40, outputs: 1, tables: 80, comparisons: 20 });
    expectError(await rejected(() => SpikingLutCircuit.compile(huge)), 'RangeError', /the circuit would need \d+ neurons \(one per table row\), more than 67108864/);
    const circuit = await SpikingLutCircuit.compile(model);
    expectError(await rejected(() => circuit.run(new Float32Array(39))), 'RangeError', /images must hold a positive multiple of 40 values \(got 39\)/);
    expectError(await rejected(() => circuit.run(new Float32Array(40).fill(Number.NaN))), 'RangeError', /images\[0\] is not a finite number/);
    expectError(await rejected(() => circuit.evaluate(data.xs, new Uint8Array(3))), 'RangeError', /labels must hold one label per image \(360; got 3\)/);
    const layerCircuit = await SpikingLutCircuit.compile(new LutLayer({ inputs: 8, outputs: 1, tables: 2, comparisons: 2 }));
    expectError(await rejected(() => layerCircuit.evaluate(new Float32Array(8))), 'TypeError', /evaluate\(\) needs the model the circuit was compiled from, a LutClassifier/);
    expectError(caught(() => new LutLayer({ inputs: 8, outputs: 1, tables: 2, comparisons: 2 }).tableIndices(new Float32Array(8), { grid: { steps: 0 } })), 'RangeError', /grid.steps/);
    // A run that is aborted rejects with the signal's reason and leaves the circuit usable.
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(await rejected(() => circuit.run(data.xs, { signal: controller.signal }))).toHaveProperty('message', 'stop');
    expect((await circuit.run(data.xs.subarray(0, 40))).examples).toBe(1);
  });
});
