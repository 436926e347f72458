import { checkAsyncOptions } from './async';
import {
  LutClassifier,
  type LutClassifierLayer,
  type LutClassifierOptions,
  type LutEpochReport,
  type LutTrainResult,
} from './classifier';
import { DenseModel } from './dense';
import { checkOptions, shown } from './describe';

/** Options of convertToLut(). */
export interface ConvertOptions
  extends Pick<
    LutClassifierOptions,
    'imageShape' | 'layers' | 'readout' | 'anchors' | 'anchorRadius' | 'thresholds' | 'thresholdScale' | 'thresholdShare' | 'seed' | 'memoryLimit'
  > {
  /**
   * Labels of the calibration inputs. With them the distilled network is fine-tuned on
   * the labels (`fineTuneEpochs`); without them conversion uses the dense model alone.
   */
  labels?: ArrayBufferView;
  /** Epochs of distillation on the dense model's logits (default 30; the best held-out agreement is kept). */
  epochs?: number;
  /** Epochs of fine-tuning on `labels` after distillation (default 5; 0: none). */
  fineTuneEpochs?: number;
  /** Softmax temperature of distillation (default: LutTrainOptions' temperature). */
  temperature?: number;
  /** A labelled test set: the report then gives both models' accuracy and their agreement on it. */
  test?: { images: Float32Array; labels: ArrayBufferView };
  /** Time budget of the whole conversion in seconds (distillation gets 80% of it when fine-tuning follows). */
  seconds?: number;
  /** Threads for training and inference; the result does not depend on it without a time budget. */
  threads?: number;
  /** Called after every epoch of either phase (JS thread); throwing stops the conversion. */
  onEpoch?: (phase: 'distill' | 'fine-tune', epoch: LutEpochReport) => unknown;
  /** Aborting stops at the next mini-batch; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What a conversion kept and what it costs, before (dense) and after (LUT). */
export interface ConversionReport {
  dense: {
    format: 'onnx' | 'safetensors';
    layers: string;
    parameters: number;
    bytes: number;
    multiplyAccumulatesPerInference: number;
    /** Batch-1 latency of polychron's plain dense loop (not a tuned runtime; the bench compares onnxruntime). */
    nsPerImage: number;
    testAccuracy?: number;
  };
  lut: {
    layers: LutClassifierLayer[];
    readout: { tables: number; comparisons: number };
    modelBytes: number;
    rowReadsPerInference: number;
    nsPerImage: number;
    testAccuracy?: number;
  };
  /**
   * Fraction of held-out calibration inputs on which the LUT network predicts the dense
   * model's class, at the end of distillation (before any fine-tuning; testAgreement is the final network's).
   */
  calibrationAgreement: number;
  /** The same on the test set (when given). */
  testAgreement?: number;
  /** LUT test accuracy ÷ dense test accuracy (when a test set is given). */
  accuracyKept?: number;
  /** Dense latency ÷ LUT latency, both batch 1 on this thread. */
  speedup: number;
  distillation: LutTrainResult;
  fineTuning?: LutTrainResult;
  seconds: number;
}

/** convertToLut()'s own defaults (the LUT network's come from LUT_CLASSIFIER_DEFAULTS). */
export const CONVERT_DEFAULTS = Object.freeze({ epochs: 30, fineTuneEpochs: 5 });
/** Fine-tuning adjusts a trained network: a third of the default row-update rate. */
const FINE_TUNE_RATE_FACTOR = 1 / 3;
/** Distillation's share of a time budget when fine-tuning follows. */
const DISTILL_SHARE = 0.8;
/** Inputs timed for the report's latencies. */
const TIMED_INPUTS = 512;

function argmaxRows(logits: Float32Array, classes: number): Uint32Array {
  const out = new Uint32Array(logits.length / classes);
  for (let n = 0; n < out.length; n++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[n * classes + k] > logits[n * classes + best]) best = k;
    out[n] = best;
  }
  return out;
}

function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let n = 0; n < a.length; n++) same += a[n] === b[n] ? 1 : 0;
  return a.length === 0 ? 0 : same / a.length;
}

function positiveInteger(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 1e6) {
    throw new RangeError(`${name} must be an integer in [${min}, 1000000] (got ${shown(value)})`);
  }
  return value;
}

/**
 * Converts a trained dense classifier into a LUT classifier that mimics it: the LUT
 * network is trained on the dense model's logits for the calibration inputs (knowledge
 * distillation at a temperature), keeping the epoch that agrees best with the dense
 * model on held-out calibration inputs, then — when `labels` are given — fine-tuned on the
 * labels. `calibration` holds n × dense.inputs values scaled as the dense model expects.
 * Resolves with the classifier and a report of what was kept and what it costs.
 */
export async function convertToLut(
  dense: DenseModel,
  calibration: Float32Array,
  options: ConvertOptions = {},
): Promise<{ classifier: LutClassifier; report: ConversionReport }> {
  checkOptions(options);
  const started = performance.now();
  if (!(dense instanceof DenseModel)) throw new TypeError('dense must be a DenseModel (DenseModel.load(file))');
  if (!(calibration instanceof Float32Array)) throw new TypeError('calibration must be a Float32Array');
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { labels, test, signal, onEpoch, threads = 1, seconds, temperature, ...rest } = options;
  checkAsyncOptions(signal, onEpoch, 'onEpoch');
  const epochs = positiveInteger(options.epochs ?? CONVERT_DEFAULTS.epochs, 'epochs', 1);
  const fineTuneEpochs = labels === undefined ? 0 : positiveInteger(options.fineTuneEpochs ?? CONVERT_DEFAULTS.fineTuneEpochs, 'fineTuneEpochs', 0);
  if (seconds !== undefined && !(typeof seconds === 'number' && seconds > 0 && Number.isFinite(seconds))) {
    throw new RangeError(`seconds must be a positive number (got ${shown(seconds)})`);
  }
  if (test !== undefined && (typeof test !== 'object' || test === null || !(test.images instanceof Float32Array))) {
    throw new TypeError('test must be { images: Float32Array, labels }');
  }
  const classes = dense.outputs;
  if (classes < 2) throw new RangeError(`the dense model must have at least 2 outputs to be a classifier (it has ${classes})`);
  const teacher = await dense.logits(calibration, { threads });
  const teacherClasses = argmaxRows(teacher, classes);

  const { imageShape, layers, readout: readoutOption, anchors, anchorRadius, thresholds, thresholdScale, thresholdShare, seed, memoryLimit } = rest;
  const classifier = new LutClassifier({
    inputs: dense.inputs, classes, imageShape, layers, readout: readoutOption, anchors, anchorRadius,
    thresholds, thresholdScale, thresholdShare, seed, memoryLimit,
  });
  try {
    const report = (phase: 'distill' | 'fine-tune') => (onEpoch === undefined ? undefined : (e: LutEpochReport) => onEpoch(phase, e));
    const distillSeconds = seconds === undefined ? undefined : fineTuneEpochs > 0 ? seconds * DISTILL_SHARE : seconds;
    // Validation scores agreement: the "labels" of this phase are the dense model's classes.
    const distillation = await classifier.train(calibration, teacherClasses, {
      epochs, threads, seed, teacher, teacherWeight: 1, temperature,
      seconds: distillSeconds, signal, onEpoch: report('distill'),
    });
    let fineTuning: LutTrainResult | undefined;
    if (labels !== undefined && fineTuneEpochs > 0) {
      const left = seconds === undefined ? undefined : seconds - (performance.now() - started) / 1000;
      if (left === undefined || left > 0) {
        fineTuning = await classifier.train(calibration, labels, {
          epochs: fineTuneEpochs, threads, seed, warmup: 0,
          learningRate: classifier.defaultLearningRate * FINE_TUNE_RATE_FACTOR,
          seconds: left, signal, onEpoch: report('fine-tune'),
        });
      }
    }

    const timed = calibration.subarray(0, Math.min(calibration.length / dense.inputs, TIMED_INPUTS) * dense.inputs);
    const config = classifier.config;
    const readout = { tables: config.readout.tables ?? 0, comparisons: config.readout.comparisons ?? 0 };
    const result: ConversionReport = {
      dense: {
        format: dense.format,
        layers: [dense.inputs, ...dense.layers.map((l) => l.outputs)].join('-'),
        parameters: dense.parameters,
        bytes: dense.parameters * 4,
        multiplyAccumulatesPerInference: dense.multiplyAccumulates,
        nsPerImage: dense.timeInference(timed, { repeats: 2 }),
      },
      lut: {
        layers: config.layers,
        readout,
        modelBytes: classifier.memory().modelBytes,
        rowReadsPerInference: config.layers.reduce((sum, l) => sum + l.tables, 0) + readout.tables,
        nsPerImage: classifier.timeInference(timed, { batch: 1, repeats: 2 }),
      },
      calibrationAgreement: distillation.validationAccuracy,
      speedup: 0,
      distillation,
      fineTuning,
      seconds: 0,
    };
    result.speedup = result.dense.nsPerImage / result.lut.nsPerImage;
    if (test !== undefined) {
      const denseTest = argmaxRows(await dense.logits(test.images, { threads }), classes);
      const lutTest = await classifier.predict(test.images, { threads });
      const testLabels = test.labels as unknown as ArrayLike<number>;
      if (testLabels.length !== lutTest.length) {
        throw new RangeError(`test.labels must hold one label per test image (${lutTest.length}; got ${testLabels.length})`);
      }
      result.dense.testAccuracy = agreement(denseTest, testLabels);
      result.lut.testAccuracy = agreement(lutTest, testLabels);
      result.testAgreement = agreement(lutTest, denseTest);
      result.accuracyKept = result.lut.testAccuracy / result.dense.testAccuracy;
    }
    result.seconds = (performance.now() - started) / 1000;
    return { classifier, report: result };
  } catch (error) {
    classifier.close();
    throw error;
  }
}
