import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LUT_CLASSIFIER_DEFAULTS, LutClassifier, type AnchorPolicy, type LutClassifierLayer } from '../classifier';
import { pixelsToInputs, readIdx, readIdxImages } from '../idx';
import { nonNegativeInteger, oneOf, positiveInteger } from './args';
import { ProgressLine, bar } from './progress';

export const CLASSIFY_USAGE = [
  'polychron classify train --images FILE --labels FILE --out MODEL.safetensors [--minutes M] [--epochs 30]',
  '  [--threads 1] [--batch 32] [--validation 0.1] [--patience 10] [--seed 1] [--shift 1] [--learning-rate R]',
  '  [--layers 32x512x6[,32x128x6]] [--readout 128x6] [--anchors auto|uniform|local|patch] [--anchor-radius 3]',
  '  [--precision float32|float16] [--test-images FILE --test-labels FILE] [--json]',
  'polychron classify eval --model MODEL --images FILE --labels FILE [--threads 1] [--json]',
  'polychron classify predict --model MODEL --images FILE [--threads 1] [--out FILE.csv]',
  '  (IDX files as MNIST ships them, gzip-compressed or not; pixels are scaled to [0, 1])',
].join('\n');

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new RangeError(`--${name} FILE is required`);
  return value;
}

/** "WIDTHxTABLESxCOMPARISONS" (a hidden layer) or "TABLESxCOMPARISONS" (the readout). */
function parseSizes(text: string, name: string, parts: 2 | 3): number[] {
  const numbers = text.split('x').map(Number);
  if (numbers.length !== parts || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    const form = parts === 3 ? 'WIDTHxTABLESxCOMPARISONS, e.g. 32x512x6' : 'TABLESxCOMPARISONS, e.g. 128x6';
    throw new RangeError(`--${name} must be ${form} (got '${text}')`);
  }
  return numbers;
}

function fraction(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new RangeError(`--${name} must be a number in [0, 1) (got '${value}')`);
  return n;
}

function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a number > 0 (got '${value}')`);
  return n;
}

/** Fails before any work when the folder of an output file does not exist. */
function checkWritable(file: string, name: string): void {
  const folder = path.dirname(path.resolve(file));
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new RangeError(`--${name} ${file}: the folder ${folder} does not exist`);
  }
}

async function train(args: string[]): Promise<void> {
  const started = Date.now();
  const { values } = parseArgs({
    args,
    options: {
      images: { type: 'string' }, labels: { type: 'string' }, out: { type: 'string' },
      minutes: { type: 'string' }, epochs: { type: 'string' }, threads: { type: 'string' }, batch: { type: 'string' },
      validation: { type: 'string' }, patience: { type: 'string' }, seed: { type: 'string' }, shift: { type: 'string' },
      'learning-rate': { type: 'string' }, layers: { type: 'string' }, readout: { type: 'string' },
      anchors: { type: 'string' }, 'anchor-radius': { type: 'string' }, precision: { type: 'string' },
      'test-images': { type: 'string' }, 'test-labels': { type: 'string' }, json: { type: 'boolean' },
    },
  });
  const out = required(values.out, 'out');
  checkWritable(out, 'out');
  const minutes = positiveNumber(values.minutes, 'minutes');
  const precision = oneOf(values.precision, 'precision', ['float32', 'float16'] as const, 'float32');
  const anchors = oneOf(values.anchors, 'anchors', ['auto', 'uniform', 'local', 'patch'] as const, 'auto') as AnchorPolicy | 'auto';
  const layers: LutClassifierLayer[] | undefined = values.layers === undefined ? undefined
    : values.layers === 'none' ? []
      : values.layers.split(',').map((spec) => {
        const [width, tables, comparisons] = parseSizes(spec, 'layers', 3);
        return { width, tables, comparisons };
      });
  const readout = values.readout === undefined ? undefined : (([tables, comparisons]) => ({ tables, comparisons }))(parseSizes(values.readout, 'readout', 2));
  const testImages = values['test-images'], testLabels = values['test-labels'];
  if ((testImages === undefined) !== (testLabels === undefined)) throw new RangeError('--test-images and --test-labels go together');
  const data = readIdxImages(required(values.images, 'images'), required(values.labels, 'labels'));
  const test = testImages !== undefined ? readIdxImages(testImages, testLabels as string) : undefined;
  if (test !== undefined && (test.rows !== data.rows || test.cols !== data.cols)) {
    throw new RangeError(`--test-images holds ${test.rows}×${test.cols} images but --images holds ${data.rows}×${data.cols}`);
  }
  let classes = 0;
  for (const label of data.labels) classes = Math.max(classes, label + 1);
  classes = Math.max(classes, 2);
  const threads = positiveInteger(values.threads, 'threads', LUT_CLASSIFIER_DEFAULTS.train.threads);
  const net = new LutClassifier({
    inputs: data.rows * data.cols, classes, imageShape: [data.rows, data.cols],
    ...(layers !== undefined && { layers }), ...(readout !== undefined && { readout }),
    ...(anchors !== 'auto' && { anchors }),
    ...(values['anchor-radius'] !== undefined && { anchorRadius: positiveInteger(values['anchor-radius'], 'anchor-radius', 1) }),
    seed: nonNegativeInteger(values.seed, 'seed', 1),
  });
  const epochs = positiveInteger(values.epochs, 'epochs', LUT_CLASSIFIER_DEFAULTS.train.epochs);
  // The budget covers everything: what reading took already, and a margin for saving.
  const seconds = minutes === undefined ? undefined : minutes * 60 - (Date.now() - started) / 1000 - 2;
  if (seconds !== undefined && seconds <= 0) throw new RangeError(`--minutes ${minutes} leaves no time to train after reading the data`);
  const line = new ProgressLine();
  const quiet = values.json === true;
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
      epochs, threads, seed: nonNegativeInteger(values.seed, 'seed', 1),
      batch: positiveInteger(values.batch, 'batch', LUT_CLASSIFIER_DEFAULTS.train.batch),
      validation: fraction(values.validation, 'validation', LUT_CLASSIFIER_DEFAULTS.train.validation),
      patience: nonNegativeInteger(values.patience, 'patience', LUT_CLASSIFIER_DEFAULTS.train.patience),
      ...(values.shift !== undefined && { shift: nonNegativeInteger(values.shift, 'shift', 0) }),
      ...(values['learning-rate'] !== undefined && { learningRate: positiveNumber(values['learning-rate'], 'learning-rate') }),
      ...(seconds !== undefined && { seconds }),
      signal: controller.signal,
      onEpoch: (e) => {
        if (quiet) return;
        const elapsed = (Date.now() - started) / 1000;
        const done = seconds === undefined ? e.epoch / epochs : Math.max(e.epoch / epochs, elapsed / (minutes! * 60));
        const eta = done > 0 ? elapsed / done - elapsed : 0;
        line.update(`${bar(done)} epoch ${e.epoch}/${epochs}  loss ${e.trainLoss.toFixed(3)}  train ${(100 * e.trainAccuracy).toFixed(2)}%  ` +
          `val ${(100 * e.validationAccuracy).toFixed(2)}%${e.best ? ' *' : ''}  ${elapsed.toFixed(0)} s, ETA ${eta.toFixed(0)} s`, true);
      },
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  line.done();
  await net.save(out, { precision });
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
  if (quiet) {
    console.log(JSON.stringify(summary));
  } else {
    console.error(`saved ${out}: best epoch ${result.bestEpoch} of ${result.epochs} (stopped: ${result.stopped}), ` +
      `validation accuracy ${(100 * result.validationAccuracy).toFixed(2)}%` +
      (summary.testAccuracy !== undefined ? `, test accuracy ${(100 * (summary.testAccuracy as number)).toFixed(2)}%` : '') +
      `, ${(summary.wallSeconds as number).toFixed(1)} s in all`);
  }
}

async function loadModel(file: string | undefined): Promise<LutClassifier> {
  return LutClassifier.load(required(file, 'model'));
}

/** Images of an IDX file as the model's inputs (pixels scaled to [0, 1]). */
function readImages(file: string, net: LutClassifier): Float32Array {
  const idx = readIdx(file);
  if (idx.type !== 'uint8' || idx.shape.length < 2) {
    throw new RangeError(`${file}: expected uint8 images of shape [n, rows, cols] (got ${idx.type} [${idx.shape.join(', ')}])`);
  }
  const inputs = idx.shape.slice(1).reduce((a, b) => a * b, 1);
  if (inputs !== net.config.inputs) {
    throw new RangeError(`${file}: images of ${inputs} pixels, but the model takes ${net.config.inputs} inputs`);
  }
  return pixelsToInputs(idx.data as Uint8Array);
}

async function evaluate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, images: { type: 'string' }, labels: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' } },
  });
  const net = await loadModel(values.model);
  const images = readImages(required(values.images, 'images'), net);
  const labels = readIdx(required(values.labels, 'labels'));
  const threads = positiveInteger(values.threads, 'threads', 1);
  const started = process.hrtime.bigint();
  const e = await net.evaluate(images, labels.data as Uint8Array, { threads });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = { accuracy: e.accuracy, examples: e.examples, correct: e.correct, loss: e.loss, seconds };
  if (values.json === true) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(`accuracy ${(100 * e.accuracy).toFixed(2)}% (${e.correct} of ${e.examples}), loss ${e.loss.toFixed(4)} nats, ${seconds.toFixed(3)} s`);
  }
}

async function predict(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, images: { type: 'string' }, threads: { type: 'string' }, out: { type: 'string' } },
  });
  if (values.out !== undefined) checkWritable(values.out, 'out');
  const net = await loadModel(values.model);
  const images = readImages(required(values.images, 'images'), net);
  const classes = await net.predict(images, { threads: positiveInteger(values.threads, 'threads', 1) });
  let csv = 'index,class\n';
  classes.forEach((c, i) => { csv += `${i},${c}\n`; });
  if (values.out === undefined) process.stdout.write(csv);
  else fs.writeFileSync(values.out, csv);
}

export async function classify(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'train': return train(rest);
    case 'eval': return evaluate(rest);
    case 'predict': return predict(rest);
    default: throw new RangeError(`unknown classify command '${sub ?? ''}'; usage:\n${CLASSIFY_USAGE}`);
  }
}
