// The bridge (native/core/bridge/lut_circuit.h): a trained LUT network compiled into an
// ordinary spiking Network whose spikes compute its look-ups, with the proof that they
// equal the direct path.
import * as path from 'node:path';

import { withSignal } from './async';
import { adoptLutClassifier, nativeLutClassifier, type LatencyGridOptions, LutClassifier } from './classifier';
import { checkOptions, shown } from './describe';
import { GroupSet, type PolychronousGroup } from './groups';
import { writeFileAtomic } from './files';
import { JSON_LIMITS, readJsonTextAsync } from './json';
import { LutLayer, nativeLutLayer } from './lut';
import { addon, type NativeCircuitRun, type NativeCompiledCircuit } from './native';
import { Network, type NetworkMode } from './network';
import { Population } from './network-population';
import type { SimdLevel } from './simd';

export type { LatencyGridOptions };

/** A range of the circuit's neurons. */
export interface NeuronSpan {
  first: number;
  count: number;
}

/** One LUT layer of a circuit as neurons (see docs/api.md, "Spiking LUT circuits"). */
export interface CircuitStage {
  /** The layer's place in the model (hidden layers, then the readout). */
  layer: number;
  tables: number;
  comparisons: number;
  /** One per comparison, table-major (table · comparisons + r). */
  comparators: NeuronSpan;
  /** The input layer's bit holders (count 0 in later layers). */
  holders: NeuronSpan;
  /** One per table row, table-major (table · 2^comparisons + row). */
  rows: NeuronSpan;
  /** The ms after an example's start at which the selected rows fire. */
  rowsFire: number;
}

/** Where everything of a compiled circuit is, and when it fires. */
export interface CircuitLayout {
  grid: Required<LatencyGridOptions>;
  /** ms from one example's start to the next's (grid.steps + 1). */
  period: number;
  /** The spike-train population: the data's values, the threshold constants, the clock. */
  inputs: NeuronSpan;
  /** Values per example. */
  width: number;
  /** The latencies of the threshold constants. */
  constantLatencies: number[];
  /** The clock neuron (fires at grid.steps − 1 in every example). */
  clock: number;
  stages: CircuitStage[];
  /** Beat neurons E(c, c′), c < c′, in that order: fires iff logit c′ > logit c. */
  beats: NeuronSpan;
  /** One per class: the one that fires is the prediction. */
  classes: NeuronSpan;
  classesFire: number;
  /** ms after an example's start at which its last spike is due. */
  latency: number;
  /** The hidden values' and logits' weight units q: a weight w carries the value w · q. */
  hiddenUnit: number;
  logitUnit: number;
}

export interface CompileSpikingOptions {
  /** The latency grid inputs are read on (default: 256 steps over [0, 1], brightest first). */
  grid?: LatencyGridOptions;
  /** The network's mode (default 'reference'; both are exact for this circuit). */
  mode?: NetworkMode;
  /** Threads of the network's loop (default 1). */
  threads?: number | 'auto';
  /** Refuse a circuit whose synapses would exceed this many bytes (default 8 GiB). */
  memoryLimit?: number;
  simd?: SimdLevel;
}

/** What a run of inputs through a circuit gave. */
export interface CircuitRun {
  examples: number;
  /** The class neuron that fired for each example (classifier circuits). */
  classes?: Uint32Array;
  /** Every stage's table indices per example, read from the row neurons that fired. */
  indices: Uint32Array;
  spikes: number;
  synapticEvents: number;
  /** Neurons integrated (event-driven: only those given input or not at rest). */
  neuronUpdates: number;
  simulatedMs: number;
  /** Wall-clock seconds of the simulation. */
  seconds: number;
}

/** A circuit's result against the direct path (see docs/api.md). */
export interface SpikingEvaluation {
  examples: number;
  /** Fraction of examples whose fired class is their label (when labels are given). */
  accuracy?: number;
  /** Fraction of table indices equal to the original model's on the grid-rounded inputs. */
  indexAgreement: number;
  /** Fraction of classes equal to the original model's on the grid-rounded inputs. */
  predictionAgreement: number;
  /** Fraction of classes equal to the original model's on the inputs as given. */
  rawPredictionAgreement: number;
  /** The same against the twin (the rounded tables the weights carry): 1 and 1, exactly. */
  exact: { indexAgreement: number; predictionAgreement: number };
  spikesPerExample: number;
  synapticEventsPerExample: number;
  neuronUpdatesPerExample: number;
  simulatedMsPerExample: number;
  /** Wall-clock µs per example of the simulation alone. */
  microsecondsPerExample: number;
  /** Examples whose class differs from the original model's on grid-rounded inputs. */
  disagreements: number[];
  predictions: Uint32Array;
}

/**
 * The circuit's populations, named for reports and plots: `inputs` (the spike-train source:
 * data values, constants, clock), per stage k `comparators k`, `holders k` (stage 0),
 * `rows k`, then `beats` and `classes`.
 */
function circuitPopulations(layout: CircuitLayout): Population[] {
  const out = [new Population(layout.inputs.first, layout.inputs.count, 'inputs')];
  const add = (span: NeuronSpan, name: string): void => {
    if (span.count > 0) out.push(new Population(span.first, span.count, name));
  };
  layout.stages.forEach((s, k) => {
    add(s.comparators, `comparators ${k}`);
    add(s.holders, `holders ${k}`);
    add(s.rows, `rows ${k}`);
  });
  add(layout.beats, 'beats');
  add(layout.classes, 'classes');
  return out;
}

function checkImages(images: unknown, width: number): Float32Array {
  if (!(images instanceof Float32Array)) throw new TypeError(`images must be a Float32Array (got ${shown(images)})`);
  if (images.length === 0 || images.length % width !== 0) {
    throw new RangeError(`images must hold a positive multiple of ${width} values (got ${images.length})`);
  }
  return images;
}

function fraction(equal: number, total: number): number {
  return total === 0 ? 1 : equal / total;
}

/**
 * A LUT network compiled into spiking neurons on polychron's engine: inputs become spike
 * latencies, each comparison a comparator neuron racing excitation against inhibition,
 * each table's index the one row neuron its comparators' spikes select, and a row's values
 * synaptic weights into the next layer; a classifier's class is the one class neuron that
 * fires. `network` is an ordinary Network (run it, record it, save it, search its groups).
 */
export class SpikingLutCircuit {
  /** The circuit: run(), monitors, save() and findGroups() all work on it. */
  readonly network: Network;
  readonly layout: CircuitLayout;
  /**
   * The direct path the circuit equals bit for bit: the compiled classifier with its tables
   * rounded to the weight units and its threshold constants on the grid.
   */
  readonly twin?: LutClassifier;
  readonly #model?: LutClassifier | LutLayer;

  private constructor(network: Network, layout: CircuitLayout, model?: LutClassifier | LutLayer, twin?: LutClassifier) {
    this.network = network;
    this.layout = layout;
    this.#model = model;
    this.twin = twin;
  }

  /** Compiles a trained LutClassifier (every layer) or a single LutLayer (its indices). */
  static async compile(model: LutClassifier | LutLayer, options: CompileSpikingOptions = {}): Promise<SpikingLutCircuit> {
    checkOptions(options);
    let compiled: NativeCompiledCircuit;
    if (model instanceof LutLayer) {
      const native = nativeLutLayer(model);
      if (native === undefined) throw new TypeError('model must be a LutClassifier or a LutLayer');
      compiled = native.compileSpiking(options);
    } else if (model instanceof LutClassifier) {
      compiled = await nativeLutClassifier(model).compileSpiking(options);
    } else {
      throw new TypeError(`model must be a LutClassifier or a LutLayer (got ${shown(model)})`);
    }
    const layout = compiled.layout as unknown as CircuitLayout;
    const network = new Network({}, compiled.network, circuitPopulations(layout));
    const twin = compiled.twin === undefined ? undefined : adoptLutClassifier(compiled.twin);
    return new SpikingLutCircuit(network, layout, model, twin);
  }

  /**
   * Reads a circuit written by save(): the network checkpoint (`Network.load` reads it
   * alone too) and its layout beside it (`FILE.layout.json`). Runs, but evaluates against
   * a model only when one is given.
   */
  static async load(file: string, options: { model?: LutClassifier; simd?: SimdLevel; threads?: number | 'auto' } = {}): Promise<SpikingLutCircuit> {
    checkOptions(options);
    if (typeof file !== 'string' || file.length === 0) throw new TypeError('file must be a non-empty string');
    const layoutFile = `${path.resolve(file)}.layout.json`;
    let layout: CircuitLayout;
    // Capped in size and nesting before it is parsed (docs/security.md).
    const text = await readJsonTextAsync(layoutFile, JSON_LIMITS.circuitLayout, 'circuit layout').catch((error: Error) => {
      throw new RangeError(`${layoutFile}: not a circuit layout (${error instanceof RangeError ? error.message.replace(`${layoutFile}: `, '') : error.message})`);
    });
    try {
      layout = JSON.parse(text) as CircuitLayout;
    } catch (error) {
      throw new RangeError(`${layoutFile}: not a circuit layout (${(error as Error).message})`);
    }
    const span = (x: unknown): boolean =>
      typeof x === 'object' && x !== null && Number.isInteger((x as NeuronSpan).first) && Number.isInteger((x as NeuronSpan).count) &&
      (x as NeuronSpan).first >= 0 && (x as NeuronSpan).count >= 0;
    const spans = typeof layout === 'object' && layout !== null && Array.isArray(layout.stages) && [layout.inputs, layout.beats, layout.classes,
      ...layout.stages.flatMap((st) => (typeof st === 'object' && st !== null ? [st.comparators, st.holders, st.rows] : [undefined]))].every(span);
    // The rest (counts against tables, times against the grid, ranges against the network)
    // is checked natively before anything runs.
    if (!spans) throw new RangeError(`${layoutFile}: not a circuit layout (every range must be { first, count } of integers >= 0)`);
    const native = await addon.NativeNetwork.load(file, options.simd, options.threads);
    const network = new Network({}, native, circuitPopulations(layout));
    return new SpikingLutCircuit(network, layout, options.model);
  }

  /** Writes the network checkpoint to `file` and the layout to `FILE.layout.json`, each atomically. */
  async save(file: string): Promise<void> {
    if (typeof file !== 'string' || file.length === 0) throw new TypeError('file must be a non-empty string');
    await this.network.save(path.resolve(file));
    await writeFileAtomic(`${path.resolve(file)}.layout.json`, `${JSON.stringify(this.layout, null, 2)}\n`);
  }

  /** The spike-train population the inputs arrive on (the data's values, the constants, the clock). */
  get inputs(): Population {
    return this.network.populations[0];
  }

  /**
   * The spike train that presents `images` (n × width values) from ms `start` (default: the
   * network's time), one example every `layout.period` ms: feed it with
   * `network.setSpikeTrains(circuit.inputs, train)` and `network.run()` for
   * n · period + latency ms to watch the circuit with monitors. run() does the same natively.
   */
  encode(images: Float32Array, start = this.network.time): { times: Float64Array; neurons: Uint32Array } {
    checkImages(images, this.layout.width);
    return addon.lutCircuitTrain(this.layout, images, start);
  }

  /**
   * The look-up of one table as polychronous groups, one per row: the clock's spike at 0,
   * the spikes of the bits the row's index sets (holders in stage 0, comparators later)
   * and the row's own spike, each at its fixed delay. A raster query with minFraction 1
   * and jitter 0 (`GroupSet.activatedBy`) finds group j exactly where row j was selected;
   * looser queries also find the rows whose set bits are a subset of those that fired
   * (see docs/api.md, "Polychronous lookup").
   */
  rowGroups(stage = 0, table = 0): GroupSet {
    if (!Number.isInteger(stage) || stage < 0 || stage >= this.layout.stages.length) {
      throw new RangeError(`stage must be an integer in [0, ${this.layout.stages.length - 1}] (got ${shown(stage)})`);
    }
    const s = this.layout.stages[stage];
    if (!Number.isInteger(table) || table < 0 || table >= s.tables) throw new RangeError(`table must be an integer in [0, ${s.tables - 1}] (got ${shown(table)})`);
    const clockFires = this.layout.grid.steps - 1;
    const rowAt = s.rowsFire - clockFires;
    const bits = s.holders.count > 0 ? s.holders : s.comparators;
    const groups: PolychronousGroup[] = [];
    for (let j = 0; j < 1 << s.comparisons; j++) {
      const row = s.rows.first + table * (1 << s.comparisons) + j;
      const set = Array.from({ length: s.comparisons }, (_, r) => r).filter((r) => (j >> r) & 1).map((r) => bits.first + table * s.comparisons + r);
      const firings = [{ neuron: this.layout.clock, time: 0, layer: 0 }, ...set.map((neuron) => ({ neuron, time: rowAt - 1, layer: 1 })),
        { neuron: row, time: rowAt, layer: set.length > 0 ? 2 : 1 }];
      const links = set.length > 0
        ? set.map((pre) => ({ pre, post: row, delay: 1, layer: 2 }))
        : [{ pre: this.layout.clock, post: row, delay: rowAt, layer: 1 }];
      groups.push({ mother: row, anchors: set.length > 0 ? set : [this.layout.clock], firings, links, span: rowAt, longestPath: set.length > 0 ? 2 : 1 });
    }
    return new GroupSet(groups, { neurons: this.network.size, anchors: s.comparisons, strongFraction: 1, maxWeight: 1, minPath: 1 });
  }

  /** Total tables over every stage (the indices per example). */
  get tables(): number {
    return this.layout.stages.reduce((n, s) => n + s.tables, 0);
  }

  /**
   * Feeds `images` (n × width values) through the circuit from the network's current time,
   * one example every `layout.period` ms, and reads the rows and classes that fire.
   */
  async run(images: Float32Array, options: { signal?: AbortSignal } = {}): Promise<CircuitRun> {
    checkOptions(options);
    checkImages(images, this.layout.width);
    const native = this.network.native;
    const started = process.hrtime.bigint();
    const run: NativeCircuitRun = await withSignal(
      () => native.runLutCircuit(this.layout, images, this.layout.width),
      () => native.cancel(),
      options.signal,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { aborted: _aborted, ...kept } = run;
    return { ...kept, seconds };
  }

  /**
   * Runs `images` through the circuit and through the direct path, and says how far they
   * agree: table indices and classes against the original model on the same grid-rounded
   * inputs, against the twin (exactly equal by construction), and classes against the
   * original model on the raw inputs (the grid's own effect). Classifier circuits only.
   * Goes in chunks of 1,000 examples, calling `onProgress(done, total)` after each.
   */
  async evaluate(
    images: Float32Array,
    labels?: ArrayLike<number>,
    options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => unknown } = {},
  ): Promise<SpikingEvaluation> {
    checkOptions(options);
    const model = this.#model;
    if (!(model instanceof LutClassifier)) throw new TypeError('evaluate() needs the model the circuit was compiled from, a LutClassifier: compile() one, or load() with options.model');
    const { width, grid } = this.layout;
    checkImages(images, width);
    const n = images.length / width;
    if (labels !== undefined && labels.length !== n) throw new RangeError(`labels must hold one label per image (${n}; got ${labels.length})`);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new TypeError('onProgress must be a function');
    const tables = this.tables;
    const predictions = new Uint32Array(n);
    const disagreements: number[] = [];
    let indexEqual = 0, exactIndexEqual = 0, exactClassEqual = 0, rawEqual = 0, correct = 0;
    let spikes = 0, events = 0, updates = 0, simulatedMs = 0, seconds = 0;
    const chunk = 1000;
    for (let e0 = 0; e0 < n; e0 += chunk) {
      const e1 = Math.min(n, e0 + chunk);
      const part = images.subarray(e0 * width, e1 * width);
      const run = await this.run(part, { signal: options.signal });
      const direct = await model.tableIndices(part, { grid });
      const raw = await model.predict(part);
      const exact = this.twin === undefined ? undefined : await this.twin.tableIndices(part, { grid });
      const classes = run.classes!;
      for (let k = 0; k < run.indices.length; k++) {
        if (run.indices[k] === direct.indices[k]) indexEqual++;
        if (exact !== undefined && run.indices[k] === exact.indices[k]) exactIndexEqual++;
      }
      for (let e = 0; e < e1 - e0; e++) {
        predictions[e0 + e] = classes[e];
        if (classes[e] !== direct.classes[e]) disagreements.push(e0 + e);
        if (classes[e] === raw[e]) rawEqual++;
        if (exact !== undefined && classes[e] === exact.classes[e]) exactClassEqual++;
        if (labels !== undefined && classes[e] === labels[e0 + e]) correct++;
      }
      spikes += run.spikes;
      events += run.synapticEvents;
      updates += run.neuronUpdates;
      simulatedMs += run.simulatedMs;
      seconds += run.seconds;
      await options.onProgress?.(e1, n);
    }
    return {
      examples: n,
      ...(labels !== undefined ? { accuracy: correct / n } : {}),
      indexAgreement: fraction(indexEqual, n * tables),
      predictionAgreement: fraction(n - disagreements.length, n),
      rawPredictionAgreement: fraction(rawEqual, n),
      exact: {
        indexAgreement: this.twin === undefined ? Number.NaN : fraction(exactIndexEqual, n * tables),
        predictionAgreement: this.twin === undefined ? Number.NaN : fraction(exactClassEqual, n),
      },
      spikesPerExample: spikes / n,
      synapticEventsPerExample: events / n,
      neuronUpdatesPerExample: updates / n,
      simulatedMsPerExample: simulatedMs / n,
      microsecondsPerExample: (seconds * 1e6) / n,
      disagreements,
      predictions,
    };
  }
}
