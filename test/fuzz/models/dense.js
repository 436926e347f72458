'use strict';
/**
 * The API fuzzer's model of: DenseModel (a 4 → 3 → 2 safetensors model written in setup) and convertToLut.
 * (test/fuzz/models/index.js says what a model is.)
 */
const os = require('node:os');
const fsp = require('node:fs/promises');
const pathModule = require('node:path');
const { fc, mix, options, int, float32s, float32sAround } = require('../values');
const api = require('../../../dist');
const { signalArb, withSignal } = require('./common');
const { images } = require('./classifier');

function safetensors(tensors) {
  let offset = 0;
  const header = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { dtype: 'F32', shape: t.shape, data_offsets: [offset, (offset += t.data.byteLength)] }]));
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([size, json, ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
}
const denseImages = mix(fc.oneof({ weight: 4, arbitrary: int(1, 4).chain(images) }, { weight: 1, arbitrary: float32sAround(5) }, { weight: 1, arbitrary: float32s(0) }));
const dense = {
  name: 'DenseModel',
  setup: async () => {
    const dir = await fsp.mkdtemp(pathModule.join(os.tmpdir(), 'polychron-fuzz-'));
    const file = pathModule.join(dir, 'dense.safetensors');
    const w = (n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k));
    await fsp.writeFile(file, safetensors({ 'a.weight': { shape: [3, 4], data: w(12, 1) }, 'a.bias': { shape: [3], data: w(3, 2) }, 'b.weight': { shape: [2, 3], data: w(6, 3) }, 'b.bias': { shape: [2], data: w(2, 4) } }));
    return { dir, file, model: await api.DenseModel.load(file) };
  },
  teardown: async (context) => {
    context.model.close();
    await fsp.rm(context.dir, { recursive: true, force: true });
  },
  create: (context) => context.model,
  snapshot: (m) => (m.closed ? 'closed' : { inputs: m.inputs, outputs: m.outputs, layers: m.layers, parameters: m.parameters, format: m.format }),
  commands: [
    {
      name: 'load',
      params: ['file', 'options', 'format', 'activation', 'memoryLimit'],
      args: fc.tuple(mix(fc.constant('file'), 6), options({ format: mix(fc.constantFrom('onnx', 'safetensors')), activation: mix(fc.constantFrom('relu', 'tanh', 'sigmoid', 'gelu', 'none')), memoryLimit: mix(fc.constantFrom(2 ** 31, 10)) })),
      names: (_args, context) => [context.file],
      call: async (_m, [f, o], context) => (await api.DenseModel.load(f === 'file' ? context.file : f, o)).close(),
    },
    { name: 'logits', params: ['images', 'options', 'threads', 'inputs'], args: fc.tuple(denseImages, options({ threads: mix(int(1, 2)) })), call: (m, [x, o]) => m.logits(x, o) },
    { name: 'timeInference', params: ['images', 'options', 'repeats', 'inputs'], args: fc.tuple(denseImages, options({ repeats: mix(int(1, 2), 4, { huge: false }) })), call: (m, [x, o]) => m.timeInference(x, o) },
    {
      name: 'convertToLut',
      params: ['dense', 'calibration', 'options', 'labels', 'test', 'images', 'epochs', 'fineTuneEpochs', 'temperature', 'minutes', 'seconds', 'threads', 'seed', 'layers', 'readout', 'validation', 'batch', 'width', 'tables', 'comparisons', 'inputs', 'classes', 'teacherWeight', 'learningRate', 'signal', 'onEpoch', 'test.images', 'test.labels', 'precision', 'anchors', 'imageShape', 'memoryLimit'],
      aborts: true,
      args: fc.tuple(mix(fc.constant('model'), 8), denseImages, options({
        epochs: mix(int(1, 2), 4, { huge: false }), fineTuneEpochs: mix(int(0, 1), 4, { huge: false }), temperature: mix(fc.double({ min: 0.5, max: 3, noNaN: true })), threads: mix(int(1, 2)), seed: mix(int(0, 3)),
        layers: mix(fc.constant([{ width: 3, tables: 2, comparisons: 2 }])), readout: mix(fc.constant({ tables: 2, comparisons: 2 })), validation: mix(fc.constantFrom(0, 0.25)),
        labels: mix(fc.constant(Uint8Array.from([0, 1, 1, 0]))), signal: signalArb(),
      })),
      call: async (_m, [d, x, o], context) => (await api.convertToLut(d === 'model' ? context.model : d, x, withSignal(o))).classifier.close(),
    },
  ],
};

module.exports = { dense };
