'use strict';
/**
 * The API fuzzer's model of: LutClassifier (4 inputs as a 2 × 2 image, 3 classes, one hidden layer), trained briefly.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, options, int, float32s, float32sAround, simd } = require('../values');
const api = require('../../../dist');
const { signalArb, withSignal, closeIfOpen } = require('./common');

const CLS = { inputs: 4, classes: 3 };
const classifierOptionsSpec = {
  inputs: mix(int(2, 6)),
  classes: mix(int(2, 4)),
  imageShape: mix(fc.constantFrom([2, 2], [1, 4], [2, 3], [0, 4])),
  layers: mix(fc.array(options({ width: mix(int(1, 4)), tables: mix(int(1, 3)), comparisons: mix(int(1, 3)) }), { maxLength: 2 })),
  readout: options({ tables: mix(int(1, 3)), comparisons: mix(int(1, 3)) }),
  anchors: mix(fc.constantFrom('auto', 'uniform', 'local', 'patch')),
  anchorRadius: mix(int(1, 3)),
  thresholds: mix(int(0, 3)),
  thresholdScale: mix(fc.double({ min: 0.1, max: 2, noNaN: true })),
  thresholdShare: mix(fc.double({ min: 0, max: 1, noNaN: true })),
  seed: mix(int(0, 2 ** 53)),
  memoryLimit: mix(fc.constantFrom(2 ** 31, 1000), 4, { huge: false }),
  simd: simd(),
};
const images = (n) => fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: n * CLS.inputs, maxLength: n * CLS.inputs }).map((a) => Float32Array.from(a));
const imagesArb = mix(fc.oneof({ weight: 4, arbitrary: int(1, 6).chain(images) }, { weight: 1, arbitrary: float32sAround(5) }, { weight: 1, arbitrary: float32s(0) }));
const labelsArb = mix(fc.oneof(
  fc.array(int(0, 2), { minLength: 1, maxLength: 6 }).map((a) => Uint8Array.from(a)),
  fc.array(int(0, 3), { minLength: 1, maxLength: 6 }).map((a) => Uint32Array.from(a)),
  fc.array(int(-1, 2), { minLength: 1, maxLength: 6 }).map((a) => Int32Array.from(a)),
  fc.array(int(0, 2), { minLength: 1, maxLength: 6 }).map((a) => Uint16Array.from(a)),
  fc.array(int(0, 2), { minLength: 1, maxLength: 6 }).map((a) => Float32Array.from(a)),
));
// Labels as long as the images (n = images.length / inputs), most of the time.
const fitLabels = (x, labels) => (x instanceof Float32Array && ArrayBuffer.isView(labels) && !(labels instanceof Float32Array) && labels.length > 0 && x.length % CLS.inputs === 0 && x.length > 0
  ? Object.assign(new labels.constructor(x.length / CLS.inputs), Array.from({ length: x.length / CLS.inputs }, (_, i) => labels[i % labels.length]))
  : labels);
const threadsArb = mix(int(1, 2));
const probe = Float32Array.from({ length: 3 * CLS.inputs }, (_, i) => ((i * 37) % 11) / 10);
const classifier = {
  name: 'LutClassifier',
  create: () => new api.LutClassifier({ ...CLS, imageShape: [2, 2], layers: [{ width: 3, tables: 2, comparisons: 2 }], readout: { tables: 2, comparisons: 2 }, anchorRadius: 1, seed: 1 }),
  snapshot: (c) => (c.closed ? 'closed' : { config: c.config, memory: c.memory(), logits: c.logitsReference(probe), busy: c.busy }),
  dispose: closeIfOpen,
  commands: [
    {
      name: 'constructor',
      params: ['options', ...Object.keys(classifierOptionsSpec), 'width', 'tables', 'comparisons', 'layers[0]', 'layers[1]', 'inputs'],
      args: fc.tuple(options(classifierOptionsSpec)),
      call: (_c, [o]) => new api.LutClassifier(o).close(),
    },
    {
      name: 'train',
      params: ['images', 'labels', 'options', 'epochs', 'batch', 'learningRate', 'warmup', 'validation', 'patience', 'seconds', 'seed', 'threads', 'shift', 'noise', 'teacher', 'teacherWeight', 'temperature', 'onEpoch', 'signal', 'classes', 'inputs'],
      aborts: true,
      args: fc.tuple(imagesArb, labelsArb, options({
        epochs: mix(int(0, 2), 4, { huge: false }), batch: mix(int(1, 4)), learningRate: mix(fc.double({ min: 0, max: 1, noNaN: true })),
        warmup: mix(fc.double({ min: 0, max: 1, noNaN: true })), validation: mix(fc.constantFrom(0, 0.3, 0.99)), patience: mix(int(0, 2)),
        seconds: mix(fc.constantFrom(0.01, 1)), seed: mix(int(0, 5)), threads: threadsArb, shift: mix(int(0, 1)), noise: mix(fc.double({ min: 0, max: 0.1, noNaN: true })),
        teacher: mix(float32sAround(6)), teacherWeight: mix(fc.double({ min: 0, max: 1, noNaN: true })), temperature: mix(fc.double({ min: 0.1, max: 5, noNaN: true })),
        onEpoch: mix(fc.constant(() => {}), 1), signal: signalArb(),
      })),
      mayChange: false,
      call: (c, [x, labels, o]) => c.train(x, fitLabels(x, labels), withSignal(o && typeof o === 'object' && !('epochs' in o) ? { ...o, epochs: 1 } : o)),
    },
    {
      name: 'evaluate',
      params: ['images', 'labels', 'options', 'threads', 'classes', 'inputs'],
      args: fc.tuple(imagesArb, labelsArb, options({ threads: threadsArb })),
      call: (c, [x, labels, o]) => c.evaluate(x, fitLabels(x, labels), o),
    },
    { name: 'predict', params: ['images', 'options', 'threads', 'inputs'], args: fc.tuple(imagesArb, options({ threads: threadsArb })), call: (c, [x, o]) => c.predict(x, o) },
    {
      name: 'logits',
      params: ['images', 'options', 'threads', 'out', 'inputs', 'classes'],
      args: fc.tuple(imagesArb, options({ threads: threadsArb, out: mix(fc.oneof(float32s(3), float32s(6), float32s(18))) })),
      call: (c, [x, o]) => c.logits(x, o),
    },
    { name: 'logitsReference', params: ['images', 'inputs'], args: fc.tuple(imagesArb), call: (c, [x]) => c.logitsReference(x) },
    {
      name: 'timeInference',
      params: ['images', 'options', 'batch', 'threads', 'repeats', 'inputs'],
      args: fc.tuple(imagesArb, options({ batch: mix(int(1, 4)), threads: threadsArb, repeats: mix(int(1, 2), 4, { huge: false }) })),
      call: (c, [x, o]) => c.timeInference(x, o),
    },
    { name: 'getters', params: [], args: fc.constant([]), call: (c) => [c.busy, c.closed, c.closed || c.config, c.closed || c.simd, c.closed || c.defaultLearningRate, c.closed || c.memory()] },
    { name: 'close', params: [], args: fc.constant([]), mayChange: true, call: (c) => c.close() },
  ],
};

module.exports = { images, classifier };
