import * as fs from 'node:fs';
import { Command } from 'commander';
import { LUT_CLASSIFIER_DEFAULTS, type LutClassifierLayer } from '../classifier';
import { CONVERT_DEFAULTS, convertToLut, type ConversionReport } from '../convert';
import { DenseModel, type DenseActivation } from '../dense';
import { readIdx } from '../idx';
import { formatLayer, parseLayers, parseReadout } from './classify';
import { echo } from './errors';
import { finiteNumber, nonNegativeInteger, oneOf, positiveInteger, required } from './options';
import { inputFile, outputFile, reading } from './paths';
import { ProgressLine } from './progress';

const { config: CONFIG_DEFAULTS, train: TRAIN_DEFAULTS } = LUT_CLASSIFIER_DEFAULTS;

interface ConvertCliOptions {
  onnx?: string;
  safetensors?: string;
  activation: DenseActivation;
  calibration?: string;
  labels?: string;
  testImages?: string;
  testLabels?: string;
  out?: string;
  normalize?: [number, number];
  epochs: number;
  fineTuneEpochs: number;
  temperature: number;
  minutes?: number;
  threads: number;
  seed: number;
  layers?: LutClassifierLayer[];
  readout?: { tables: number; comparisons: number };
  precision: 'float32' | 'float16';
  report?: string;
  json?: boolean;
  quiet?: boolean;
}

/** "MEAN,STD": inputs become (pixel / 255 − MEAN) / STD, as the dense model was trained on. */
function parseNormalize(text: string): [number, number] {
  const parts = text.split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[1] <= 0) {
    throw new RangeError(`--normalize must be MEAN,STD with STD > 0, e.g. 0.2860,0.3530 (got '${echo(text)}')`);
  }
  return [parts[0], parts[1]];
}

/** IDX images as the dense model's inputs: pixels / 255, then normalised when asked. */
function images(file: string, option: string, normalize: [number, number] | undefined): { x: Float32Array; rows: number; cols: number } {
  const idx = readIdx(inputFile(file, option, 'IDX image file'));
  if (idx.type !== 'uint8' || idx.shape.length !== 3) {
    throw new RangeError(`${option} ${echo(file)}: expected uint8 images of shape [n, rows, cols] (got ${idx.type} [${idx.shape.join(', ')}])`);
  }
  const pixels = idx.data as Uint8Array;
  const [mean, std] = normalize ?? [0, 1];
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = (pixels[i] / 255 - mean) / std;
  return { x, rows: idx.shape[1], cols: idx.shape[2] };
}

function labelsOf(file: string, option: string, count: number): Uint8Array {
  const idx = readIdx(inputFile(file, option, 'IDX label file'));
  if (idx.type !== 'uint8' || idx.data.length !== count) {
    throw new RangeError(`${option} ${echo(file)}: expected ${count} uint8 labels (got ${idx.type}, ${idx.data.length})`);
  }
  return idx.data as Uint8Array;
}

async function convert(o: ConvertCliOptions): Promise<void> {
  if ((o.onnx === undefined) === (o.safetensors === undefined)) throw new RangeError('give exactly one of --onnx FILE and --safetensors FILE');
  const out = outputFile(required(o.out, '--out FILE is required'), '--out');
  if (o.report !== undefined) outputFile(o.report, '--report');
  if ((o.testImages === undefined) !== (o.testLabels === undefined)) throw new RangeError('--test-images and --test-labels go together');
  const [option, file] = o.onnx !== undefined ? ['--onnx', o.onnx] : ['--safetensors', o.safetensors as string];
  const modelFile = inputFile(file, option, 'model file');
  const dense = await reading(option, () => DenseModel.load(modelFile, {
    format: option === '--onnx' ? 'onnx' : 'safetensors', activation: o.activation,
  }));
  const calibration = images(required(o.calibration, '--calibration FILE is required'), '--calibration', o.normalize);
  if (calibration.rows * calibration.cols !== dense.inputs) {
    throw new RangeError(`--calibration holds ${calibration.rows}×${calibration.cols} images but the dense model takes ${dense.inputs} inputs`);
  }
  const count = calibration.x.length / dense.inputs;
  const labels = o.labels === undefined ? undefined : labelsOf(o.labels, '--labels', count);
  let test: { images: Float32Array; labels: Uint8Array } | undefined;
  if (o.testImages !== undefined && o.testLabels !== undefined) {
    const t = images(o.testImages, '--test-images', o.normalize);
    if (t.x.length % dense.inputs !== 0 || t.rows * t.cols !== dense.inputs) throw new RangeError(`--test-images does not hold ${dense.inputs}-pixel images`);
    test = { images: t.x, labels: labelsOf(o.testLabels, '--test-labels', t.x.length / dense.inputs) };
  }
  const quiet = o.json === true || o.quiet === true;
  const line = new ProgressLine(quiet);
  if (!quiet) {
    console.error(`dense ${[dense.inputs, ...dense.layers.map((l) => l.outputs)].join('-')} (${dense.format}, ${dense.parameters} parameters); ` +
      `${count} calibration images${labels !== undefined ? ' with labels' : ''}; ${o.threads} thread(s)`);
  }
  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  let converted;
  try {
    converted = await convertToLut(dense, calibration.x, {
      imageShape: [calibration.rows, calibration.cols],
      ...(o.layers !== undefined && { layers: o.layers }), ...(o.readout !== undefined && { readout: o.readout }),
      labels, test, epochs: o.epochs, fineTuneEpochs: o.fineTuneEpochs, temperature: o.temperature,
      threads: o.threads, seed: o.seed,
      ...(o.minutes !== undefined && { seconds: o.minutes * 60 }),
      signal: controller.signal,
      onEpoch: (phase, e) => line.update(`${phase} epoch ${e.epoch}  agreement/accuracy on held-out ${(100 * e.validationAccuracy).toFixed(2)}%` +
        `${e.best ? ' *' : ''}  ${e.seconds.toFixed(0)} s`, true),
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  line.done();
  const { classifier, report } = converted;
  await classifier.save(out, { precision: o.precision });
  const summary = { model: out, ...summarize(report) };
  if (o.report !== undefined) fs.writeFileSync(o.report, JSON.stringify({ model: out, ...report }, null, 2) + '\n');
  if (o.json === true) {
    console.log(JSON.stringify(summary));
  } else {
    const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);
    console.error(`saved ${out}: agreement with the dense model ${pct(report.testAgreement ?? report.calibrationAgreement)}` +
      ` (${report.testAgreement !== undefined ? 'test set' : 'held-out calibration images'}); test accuracy dense ${pct(report.dense.testAccuracy)}, ` +
      `LUT ${pct(report.lut.testAccuracy)} (kept ${pct(report.accuracyKept)}); batch-1 latency ${(report.dense.nsPerImage / 1000).toFixed(1)} µs → ` +
      `${(report.lut.nsPerImage / 1000).toFixed(1)} µs (${report.speedup.toFixed(1)}×); ${report.seconds.toFixed(0)} s`);
  }
}

/** The report's headline figures, flat. */
function summarize(r: ConversionReport): Record<string, unknown> {
  return {
    calibrationAgreement: r.calibrationAgreement, testAgreement: r.testAgreement, denseTestAccuracy: r.dense.testAccuracy,
    lutTestAccuracy: r.lut.testAccuracy, accuracyKept: r.accuracyKept, denseBytes: r.dense.bytes, lutBytes: r.lut.modelBytes,
    denseNsPerImage: r.dense.nsPerImage, lutNsPerImage: r.lut.nsPerImage, speedup: r.speedup, seconds: r.seconds,
  };
}

export function convertCommand(): Command {
  return new Command('convert')
    .summary('convert a trained dense classifier (ONNX or safetensors) into a LUT classifier')
    .description('Distil a dense MLP (Gemm/MatMul layers with ReLU, tanh or sigmoid; see docs/api.md, DenseModel) into a ' +
      'LUT classifier on calibration images, then fine-tune on their labels when given; report accuracy kept, agreement, ' +
      'size and speed. IDX images as MNIST ships them; pixels are scaled to [0, 1] (then --normalize), as the dense model expects.')
    .option('--onnx <file>', 'the dense model as ONNX (one of --onnx and --safetensors)')
    .option('--safetensors <file>', 'the dense model as safetensors: NAME.weight [out, in] and NAME.bias, layers in name order')
    .addOption(oneOf('--activation <name>', 'between the layers of a safetensors model (ONNX names its own)',
      ['relu', 'tanh', 'sigmoid', 'none'] as const, 'relu'))
    .option('--calibration <file>', 'required: calibration images (IDX) the dense model is run on')
    .option('--labels <file>', 'their labels (IDX): fine-tune on them after distillation')
    .option('--test-images <file>', 'test images (IDX): report both models\' accuracy and agreement on them')
    .option('--test-labels <file>', 'their labels (with --test-images)')
    .option('--out <model.safetensors>', 'required: where the LUT classifier is saved (classify eval/predict read it)')
    .option('--normalize <mean,std>', 'inputs are (pixel / 255 − mean) / std, as the dense model was trained (default: pixel / 255)', parseNormalize)
    .addOption(positiveInteger('--epochs <count>', 'epochs of distillation', CONVERT_DEFAULTS.epochs))
    .addOption(nonNegativeInteger('--fine-tune-epochs <count>', 'epochs of fine-tuning on --labels', CONVERT_DEFAULTS.fineTuneEpochs))
    .addOption(finiteNumber('--temperature <t>', 'softmax temperature of distillation', TRAIN_DEFAULTS.temperature,
      'a number > 0', (t) => t > 0))
    .addOption(finiteNumber('--minutes <minutes>', 'time budget of the conversion (default: none)', undefined, 'a number > 0', (m) => m > 0))
    .addOption(positiveInteger('--threads <count>', 'worker threads', TRAIN_DEFAULTS.threads))
    .addOption(nonNegativeInteger('--seed <n>', 'seed of the anchors and the data order', CONFIG_DEFAULTS.seed))
    .option('--layers <layers>', 'the LUT network\'s hidden layers WIDTHxTABLESxCOMPARISONS, comma-separated, or none ' +
      `(default: ${CONFIG_DEFAULTS.layers.map(formatLayer).join(',')})`, parseLayers)
    .option('--readout <readout>', `the readout TABLESxCOMPARISONS (default: ${CONFIG_DEFAULTS.readout.tables}x${CONFIG_DEFAULTS.readout.comparisons})`, parseReadout)
    .addOption(oneOf('--precision <precision>', 'of the saved table values', ['float32', 'float16'] as const, 'float32'))
    .option('--report <file.json>', 'write the whole conversion report (both phases\' epochs included) as JSON')
    .option('--quiet', 'no progress lines')
    .option('--json', 'print only the summary, as one JSON object')
    .action(convert);
}
