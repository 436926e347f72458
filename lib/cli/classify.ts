import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { LUT_CLASSIFIER_DEFAULTS, LutClassifier, type AnchorPolicy, type LutClassifierLayer } from '../classifier';
import { pixelsToInputs, readIdx, readIdxImages } from '../idx';
import { plotCircuit, toPng, type CircuitMark } from '../plot';
import { SpikingLutCircuit } from '../spiking-lut';
import { echo } from './errors';
import { finiteNumber, nonNegativeInteger, oneOf, positiveInteger, required } from './options';
import { inputFile, outputFile, reading } from './paths';
import { ProgressLine, bar, eta } from './progress';

const { config: CONFIG_DEFAULTS, train: TRAIN_DEFAULTS } = LUT_CLASSIFIER_DEFAULTS;

/** "WIDTHxTABLESxCOMPARISONS" (a hidden layer) or "TABLESxCOMPARISONS" (the readout). */
function parseSizes(text: string, name: string, parts: 2 | 3): number[] {
  const numbers = text.split('x').map(Number);
  if (numbers.length !== parts || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    const form = parts === 3 ? 'WIDTHxTABLESxCOMPARISONS, e.g. 32x512x6' : 'TABLESxCOMPARISONS, e.g. 128x6';
    throw new RangeError(`--${name} must be ${form} (got '${echo(text)}')`);
  }
  return numbers;
}

export const formatLayer = (l: LutClassifierLayer): string => `${l.width}x${l.tables}x${l.comparisons}`;

/** --layers: comma-separated hidden layers, or 'none' (the readout reads the input). */
export function parseLayers(text: string): LutClassifierLayer[] {
  if (text === 'none') return [];
  return text.split(',').map((spec) => {
    const [width, tables, comparisons] = parseSizes(spec, 'layers', 3);
    return { width, tables, comparisons };
  });
}

export function parseReadout(text: string): { tables: number; comparisons: number } {
  const [tables, comparisons] = parseSizes(text, 'readout', 2);
  return { tables, comparisons };
}

interface TrainOptions {
  images?: string;
  labels?: string;
  out?: string;
  minutes?: number;
  epochs: number;
  threads: number;
  batch: number;
  validation: number;
  patience: number;
  seed: number;
  shift?: number;
  learningRate?: number;
  layers?: LutClassifierLayer[];
  readout?: { tables: number; comparisons: number };
  anchors: AnchorPolicy | 'auto';
  anchorRadius?: number;
  precision: 'float32' | 'float16';
  testImages?: string;
  testLabels?: string;
  json?: boolean;
  quiet?: boolean;
}

async function train(o: TrainOptions): Promise<void> {
  const started = Date.now();
  const out = outputFile(required(o.out, '--out FILE is required'), '--out');
  const imagesFile = inputFile(required(o.images, '--images FILE is required'), '--images', 'IDX image file');
  const labelsFile = inputFile(required(o.labels, '--labels FILE is required'), '--labels', 'IDX label file');
  if ((o.testImages === undefined) !== (o.testLabels === undefined)) throw new RangeError('--test-images and --test-labels go together');
  const testFiles = o.testImages !== undefined && o.testLabels !== undefined
    ? [inputFile(o.testImages, '--test-images', 'IDX image file'), inputFile(o.testLabels, '--test-labels', 'IDX label file')] as const
    : undefined;
  const data = readIdxImages(imagesFile, labelsFile);
  const test = testFiles !== undefined ? readIdxImages(...testFiles) : undefined;
  if (test !== undefined && (test.rows !== data.rows || test.cols !== data.cols)) {
    throw new RangeError(`--test-images holds ${test.rows}×${test.cols} images but --images holds ${data.rows}×${data.cols}`);
  }
  let classes = 0;
  for (const label of data.labels) classes = Math.max(classes, label + 1);
  classes = Math.max(classes, 2);
  const { threads, epochs, minutes } = o;
  const net = new LutClassifier({
    inputs: data.rows * data.cols, classes, imageShape: [data.rows, data.cols],
    ...(o.layers !== undefined && { layers: o.layers }), ...(o.readout !== undefined && { readout: o.readout }),
    ...(o.anchors !== 'auto' && { anchors: o.anchors }),
    ...(o.anchorRadius !== undefined && { anchorRadius: o.anchorRadius }),
    seed: o.seed,
  });
  // The budget covers everything: what reading took already, and a margin for saving.
  const seconds = minutes === undefined ? undefined : minutes * 60 - (Date.now() - started) / 1000 - 2;
  if (seconds !== undefined && seconds <= 0) throw new RangeError(`--minutes ${minutes} leaves no time to train after reading the data`);
  const quiet = o.json === true || o.quiet === true;
  const line = new ProgressLine(quiet);
  if (!quiet) {
    console.error(`${data.count} images ${data.rows}×${data.cols}, ${classes} classes; ${JSON.stringify(net.config.layers)} ` +
      `readout ${JSON.stringify(net.config.readout)}, ${net.config.anchors} anchors; ${threads} thread(s)` +
      (minutes !== undefined ? `, at most ${minutes} min` : ''));
  }
  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  let result;
  try {
    result = await net.train(data.images, data.labels, {
      epochs, threads, seed: o.seed, batch: o.batch, validation: o.validation, patience: o.patience,
      ...(o.shift !== undefined && { shift: o.shift }),
      ...(o.learningRate !== undefined && { learningRate: o.learningRate }),
      ...(seconds !== undefined && { seconds }),
      signal: controller.signal,
      onEpoch: (e) => {
        const elapsed = (Date.now() - started) / 1000;
        const done = minutes === undefined ? e.epoch / epochs : Math.max(e.epoch / epochs, elapsed / (minutes * 60));
        line.update(`${bar(done)} epoch ${e.epoch}/${epochs}  loss ${e.trainLoss.toFixed(3)}  train ${(100 * e.trainAccuracy).toFixed(2)}%  ` +
          `val ${(100 * e.validationAccuracy).toFixed(2)}%${e.best ? ' *' : ''}  ${elapsed.toFixed(0)} s, ${eta(elapsed, done)}`, true);
      },
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  line.done();
  await net.save(out, { precision: o.precision });
  const summary: Record<string, unknown> = {
    model: out, epochs: result.epochs, bestEpoch: result.bestEpoch, stopped: result.stopped,
    validationAccuracy: result.validationAccuracy, trainExamples: result.trainExamples,
    validationExamples: result.validationExamples, trainSeconds: result.seconds,
    modelBytes: fs.statSync(out).size, wallSeconds: (Date.now() - started) / 1000,
  };
  if (test !== undefined) {
    const e = await net.evaluate(test.images, test.labels, { threads });
    summary.testAccuracy = e.accuracy;
    summary.testExamples = e.examples;
  }
  if (o.json === true) {
    console.log(JSON.stringify(summary));
  } else {
    console.error(`saved ${out}: best epoch ${result.bestEpoch} of ${result.epochs} (stopped: ${result.stopped}), ` +
      `validation accuracy ${(100 * result.validationAccuracy).toFixed(2)}%` +
      (summary.testAccuracy !== undefined ? `, test accuracy ${(100 * (summary.testAccuracy as number)).toFixed(2)}%` : '') +
      `, ${(summary.wallSeconds as number).toFixed(1)} s in all`);
  }
}

async function loadModel(file: string | undefined): Promise<LutClassifier> {
  const model = inputFile(required(file, '--model FILE is required'), '--model', 'model file');
  return reading('--model', () => LutClassifier.load(model));
}

/** Images of an IDX file as the model's inputs (pixels scaled to [0, 1]). */
function readImages(file: string, net: LutClassifier): Float32Array {
  const idx = readIdx(inputFile(file, '--images', 'IDX image file'));
  if (idx.type !== 'uint8' || idx.shape.length < 2) {
    throw new RangeError(`--images ${echo(file)}: expected uint8 images of shape [n, rows, cols] (got ${idx.type} [${idx.shape.join(', ')}])`);
  }
  const inputs = idx.shape.slice(1).reduce((a, b) => a * b, 1);
  if (inputs !== net.config.inputs) {
    throw new RangeError(`--images ${echo(file)}: images of ${inputs} pixels, but the model takes ${net.config.inputs} inputs`);
  }
  return pixelsToInputs(idx.data as Uint8Array);
}

interface SpikingOptions {
  gridSteps: number;
  mode: 'reference' | 'fast';
  limit?: number;
}

/** The options of the spiking circuit a model compiles into. */
function circuitOptions(o: SpikingOptions): { grid: { steps: number }; mode: 'reference' | 'fast' } {
  return { grid: { steps: o.gridSteps }, mode: o.mode };
}

async function evaluateSpiking(net: LutClassifier, images: Float32Array, labels: Uint8Array, o: SpikingOptions & { json?: boolean }): Promise<void> {
  const quiet = o.json === true;
  const line = new ProgressLine(quiet);
  const started = Date.now();
  const circuit = await SpikingLutCircuit.compile(net, circuitOptions(o));
  const compileSeconds = (Date.now() - started) / 1000;
  const neurons = circuit.network.size;
  const n = Math.min(images.length / net.config.inputs, o.limit ?? Infinity);
  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  let e;
  try {
    e = await circuit.evaluate(images.subarray(0, n * net.config.inputs), labels.subarray(0, n), {
      signal: controller.signal,
      onProgress: (done, total) => {
        const elapsed = (Date.now() - started) / 1000;
        line.update(`${bar(done / total)} ${done}/${total} images through the circuit  ${elapsed.toFixed(0)} s, ${eta(elapsed, done / total)}`);
      },
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
    circuit.network.close();
  }
  line.done();
  const { predictions: _predictions, disagreements, ...figures } = e;
  const summary = {
    ...figures, disagreements: disagreements.length, firstDisagreements: disagreements.slice(0, 20),
    neurons, gridSteps: circuit.layout.grid.steps, periodMs: circuit.layout.period, compileSeconds,
  };
  if (o.json === true) {
    console.log(JSON.stringify(summary));
    return;
  }
  const percent = (x: number): string => `${(100 * x).toFixed(3)}%`;
  console.log(`spiking circuit of ${summary.neurons} neurons: accuracy ${percent(e.accuracy ?? 0)} on ${e.examples} images; ` +
    `agreement with the direct path on the grid-rounded images: indices ${percent(e.indexAgreement)}, classes ${percent(e.predictionAgreement)} ` +
    `(with its rounded twin: ${percent(e.exact.indexAgreement)}, ${percent(e.exact.predictionAgreement)}); ` +
    `${e.spikesPerExample.toFixed(0)} spikes and ${e.synapticEventsPerExample.toFixed(0)} synaptic events per image, ` +
    `${e.microsecondsPerExample.toFixed(0)} µs per image`);
}

async function evaluate(o: { model?: string; images?: string; labels?: string; threads: number; json?: boolean; spiking?: boolean } & SpikingOptions): Promise<void> {
  const labelsFile = inputFile(required(o.labels, '--labels FILE is required'), '--labels', 'IDX label file');
  const net = await loadModel(o.model);
  const images = readImages(required(o.images, '--images FILE is required'), net);
  const labels = readIdx(labelsFile);
  if (labels.type !== 'uint8' || labels.shape[0] !== images.length / net.config.inputs) {
    throw new RangeError(`--labels ${echo(labelsFile)}: expected ${images.length / net.config.inputs} uint8 labels (got ${labels.type} [${labels.shape.join(', ')}])`);
  }
  if (o.spiking === true) return evaluateSpiking(net, images, labels.data as Uint8Array, o);
  const started = process.hrtime.bigint();
  const e = await net.evaluate(images, labels.data as Uint8Array, { threads: o.threads });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = { accuracy: e.accuracy, examples: e.examples, correct: e.correct, loss: e.loss, seconds };
  if (o.json === true) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(`accuracy ${(100 * e.accuracy).toFixed(2)}% (${e.correct} of ${e.examples}), loss ${e.loss.toFixed(4)} nats, ${seconds.toFixed(3)} s`);
  }
}

async function predict(o: { model?: string; images?: string; threads: number; out?: string }): Promise<void> {
  if (o.out !== undefined) outputFile(o.out, '--out');
  const net = await loadModel(o.model);
  const images = readImages(required(o.images, '--images FILE is required'), net);
  const classes = await net.predict(images, { threads: o.threads });
  let csv = 'index,class\n';
  classes.forEach((c, i) => { csv += `${i},${c}\n`; });
  if (o.out === undefined) process.stdout.write(csv);
  else fs.writeFileSync(o.out, csv);
}

async function compileCircuit(o: { model?: string; out?: string; json?: boolean } & SpikingOptions): Promise<void> {
  const out = outputFile(required(o.out, '--out FILE is required'), '--out');
  const net = await loadModel(o.model);
  const started = Date.now();
  const circuit = await SpikingLutCircuit.compile(net, circuitOptions(o));
  await circuit.save(out);
  const stats = circuit.network.stats();
  const summary = {
    circuit: out, layout: `${out}.layout.json`, neurons: circuit.network.size, synapses: stats.synapses,
    bytes: fs.statSync(out).size, gridSteps: circuit.layout.grid.steps, periodMs: circuit.layout.period,
    latencyMs: circuit.layout.latency, hiddenUnit: circuit.layout.hiddenUnit, logitUnit: circuit.layout.logitUnit,
    seconds: (Date.now() - started) / 1000,
  };
  circuit.network.close();
  if (o.json === true) {
    console.log(JSON.stringify(summary));
  } else {
    console.error(`wrote ${out} (${summary.neurons} neurons, ${summary.synapses} synapses, ${(summary.bytes / 1e6).toFixed(1)} MB) and its layout ${summary.layout}: ` +
      `an example every ${summary.periodMs} ms, its class ${summary.latencyMs} ms after it starts`);
  }
}

async function plotExample(o: { model?: string; images?: string; index: number; out?: string } & SpikingOptions): Promise<void> {
  const out = outputFile(required(o.out, '--out FILE.svg or FILE.png is required'), '--out');
  const net = await loadModel(o.model);
  const images = readImages(required(o.images, '--images FILE is required'), net);
  const width = net.config.inputs;
  if (o.index >= images.length / width) throw new RangeError(`--index must be below the ${images.length / width} images (got ${o.index})`);
  const circuit = await SpikingLutCircuit.compile(net, circuitOptions(o));
  const { network, layout } = circuit;
  const monitor = network.addSpikeMonitor();
  network.setSpikeTrains(circuit.inputs, circuit.encode(images.subarray(o.index * width, (o.index + 1) * width), 0));
  await network.run(layout.latency + 1);
  const marks: CircuitMark[] = [];
  const { times, neurons } = monitor;
  for (let k = 0; k < times.length; k++) {
    layout.stages.forEach((s, stage) => {
      const r = neurons[k] - s.rows.first;
      if (r >= 0 && r < s.rows.count) marks.push({ time: times[k], neuron: neurons[k], label: `rows ${stage}: table ${r >> s.comparisons} row ${r & ((1 << s.comparisons) - 1)}` });
    });
    const c = neurons[k] - layout.classes.first;
    if (c >= 0 && c < layout.classes.count) marks.push({ time: times[k], neuron: neurons[k], label: `class ${c}` });
  }
  const populations = network.populations.map((p) => ({ name: p.name, first: p.first, size: p.size }));
  const svg = await plotCircuit({ times, neurons }, populations, { marks, title: `image ${o.index} through the spiking circuit: ${marks.length - 1} rows selected, ${marks.find((m) => m.label.startsWith('class'))?.label ?? 'no class'}` });
  network.close();
  fs.writeFileSync(out, out.toLowerCase().endsWith('.png') ? await toPng(svg) : svg);
  console.error(`wrote ${out}`);
}

const spikingOptions = (command: Command): Command => command
  .addOption(positiveInteger('--grid-steps <steps>', 'latencies of the input grid over [0, 1]: 256 reads 8-bit pixels exactly', 256))
  .addOption(oneOf('--mode <mode>', 'the network mode (both are exact for the circuit)', ['reference', 'fast'] as const, 'reference'));

const IDX_NOTE = 'IDX files as MNIST ships them, gzip-compressed or not; pixels are scaled to [0, 1].';
const threadsOption = (): Option => positiveInteger('--threads <count>', 'worker threads (results do not depend on it)', TRAIN_DEFAULTS.threads);

function trainCommand(): Command {
  return new Command('train')
    .summary('train a classifier on IDX images and labels; save the best epoch\'s model')
    .description(`Train a LUT image classifier, keeping the model of the best validation epoch. ${IDX_NOTE}`)
    .option('--images <file>', 'required: the training images (IDX)')
    .option('--labels <file>', 'required: their labels (IDX)')
    .option('--out <model.safetensors>', 'required: where the model is saved')
    .addOption(finiteNumber('--minutes <minutes>', 'time budget for everything, reading and saving included (default: none)',
      undefined, 'a number > 0', (m) => m > 0))
    .addOption(positiveInteger('--epochs <count>', 'most epochs to train', TRAIN_DEFAULTS.epochs))
    .addOption(threadsOption())
    .addOption(positiveInteger('--batch <images>', 'images per mini-batch', TRAIN_DEFAULTS.batch))
    .addOption(finiteNumber('--validation <fraction>', 'share of the images held out for validation', TRAIN_DEFAULTS.validation,
      'a number in [0, 1)', (f) => f >= 0 && f < 1))
    .addOption(nonNegativeInteger('--patience <epochs>', 'stop after this many epochs without a better validation accuracy; 0: never', TRAIN_DEFAULTS.patience))
    .addOption(nonNegativeInteger('--seed <n>', 'seed of the anchors and the data order', CONFIG_DEFAULTS.seed))
    .addOption(nonNegativeInteger('--shift <pixels>', 'augmentation: shift each training image by up to this many pixels (default: the library\'s choice for the image size)'))
    .addOption(finiteNumber('--learning-rate <rate>', 'peak learning rate (default: 1 / the largest table count)',
      undefined, 'a number > 0', (r) => r > 0))
    .option('--layers <layers>', 'hidden layers WIDTHxTABLESxCOMPARISONS, comma-separated, or none ' +
      `(default: ${CONFIG_DEFAULTS.layers.map(formatLayer).join(',')})`, parseLayers)
    .option('--readout <readout>', `the readout TABLESxCOMPARISONS (default: ${CONFIG_DEFAULTS.readout.tables}x${CONFIG_DEFAULTS.readout.comparisons})`, parseReadout)
    .addOption(oneOf('--anchors <policy>', 'how layer 0 picks the pixels it compares (auto: patch for images)',
      ['auto', 'uniform', 'local', 'patch'] as const, 'auto'))
    .addOption(positiveInteger('--anchor-radius <pixels>', `half-width of a local or patch window (default: ${CONFIG_DEFAULTS.anchorRadius})`))
    .addOption(oneOf('--precision <precision>', 'of the saved table values', ['float32', 'float16'] as const, 'float32'))
    .option('--test-images <file>', 'test images (IDX) to score the saved model on')
    .option('--test-labels <file>', 'their labels (with --test-images)')
    .option('--quiet', 'no progress lines')
    .option('--json', 'print only the summary, as one JSON object')
    .action(train);
}

export function classifyCommand(): Command {
  return new Command('classify')
    .summary('train, evaluate and apply LUT image classifiers on IDX files (MNIST, Fashion-MNIST)')
    .description(`LUT image classifiers. ${IDX_NOTE}`)
    .addCommand(trainCommand())
    .addCommand(spikingOptions(new Command('eval')
      .summary('the accuracy and loss of a model on labelled images (or of its spiking circuit, with --spiking)')
      .option('--model <file>', 'required: a model saved by classify train')
      .option('--images <file>', 'required: the images (IDX)')
      .option('--labels <file>', 'required: their labels (IDX)')
      .addOption(threadsOption())
      .option('--spiking', 'run the images through the model compiled into a spiking circuit, and compare it with the direct path')
      .addOption(positiveInteger('--limit <images>', 'with --spiking: only the first images'))
      .option('--json', 'print one JSON object: accuracy, examples, correct, loss, seconds (with --spiking: accuracy, examples, ' +
        'indexAgreement, predictionAgreement, rawPredictionAgreement, exact, spikesPerExample, synapticEventsPerExample, …)'))
      .action(evaluate))
    .addCommand(new Command('predict')
      .summary('the class of each image, as CSV index,class')
      .option('--model <file>', 'required: a model saved by classify train')
      .option('--images <file>', 'required: the images (IDX)')
      .addOption(threadsOption())
      .option('--out <file.csv>', 'write the CSV here instead of stdout')
      .action(predict))
    .addCommand(spikingOptions(new Command('compile')
      .summary('compile a model into a spiking circuit, written as a network checkpoint')
      .description('Compile a LUT classifier into a network of spiking neurons on polychron\'s engine: inputs as spike latencies, ' +
        'comparisons as racing comparator neurons, table rows as neurons selected by spikes, row values as synaptic weights. ' +
        'Writes the network checkpoint (Network.load reads it) and its layout beside it (FILE.layout.json).')
      .option('--model <file>', 'required: a model saved by classify train')
      .option('--out <circuit.pcn>', 'required: where the circuit is written')
      .option('--json', 'print one JSON object: neurons, synapses, bytes, periodMs, latencyMs, …'))
      .action(compileCircuit))
    .addCommand(spikingOptions(new Command('plot')
      .summary('draw one image\'s spikes through the model compiled into a spiking circuit')
      .option('--model <file>', 'required: a model saved by classify train')
      .option('--images <file>', 'required: the images (IDX)')
      .addOption(nonNegativeInteger('--index <n>', 'which image', 0))
      .option('--out <file>', 'required: where to write the plot; .png writes PNG, anything else SVG'))
      .action(plotExample));
}
