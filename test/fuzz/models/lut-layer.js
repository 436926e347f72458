'use strict';
/**
 * The API fuzzer's model of: LutLayer.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, options, int, float32s, float32sAround, simd } = require('../values');
const api = require('../../../dist');
const { closeIfOpen } = require('./common');

const LAYER = { inputs: 5, outputs: 3, tables: 2, comparisons: 3 };
const layerOptionsSpec = {
  inputs: mix(int(2, 8)),
  outputs: mix(int(1, 4)),
  tables: mix(int(1, 3)),
  comparisons: mix(int(1, 4)),
  seed: mix(int(0, 2 ** 53)),
  distinctPairs: mix(fc.boolean()),
  // Large limits let valid shapes reserve tens of GiB, which takes seconds (kept rare: the
  // > 4 GiB reservation is also pinned in test/api-fuzz.test.ts).
  memoryLimit: mix(fc.oneof({ weight: 40, arbitrary: fc.constantFrom(2 ** 33, 1024) }, { weight: 1, arbitrary: fc.constant(2 ** 36) }), 4, { huge: false }),
  simd: simd(),
};
const tableIndex = mix(int(0, LAYER.tables));
const rowIndex = mix(int(0, 2 ** LAYER.comparisons));
function layerSnapshot(layer) {
  if (layer.closed) return 'closed';
  const rows = [];
  for (let t = 0; t < LAYER.tables; t++) for (let i = 0; i < 2 ** LAYER.comparisons; i++) rows.push(layer.row(t, i));
  return { shape: layer.shape, anchors: layer.anchors(), rows };
}
const lutLayer = {
  name: 'LutLayer',
  create: () => new api.LutLayer({ ...LAYER, seed: 2 }),
  snapshot: layerSnapshot,
  dispose: closeIfOpen,
  commands: [
    {
      name: 'constructor',
      params: ['options', ...Object.keys(layerOptionsSpec)],
      args: fc.tuple(options({ ...layerOptionsSpec, tables: mix(fc.oneof(int(1, 3), fc.constant(4096), fc.constant(4097))), comparisons: mix(fc.oneof(int(1, 4), fc.constant(30), fc.constant(31))), outputs: mix(fc.oneof(int(1, 4), fc.constant(2 ** 20))) })),
      call: (_l, [o]) => new api.LutLayer(o).close(),
    },
    { name: 'forward', params: ['x'], args: fc.tuple(mix(fc.oneof(float32sAround(5), float32sAround(10), float32s(0)))), call: (l, [x]) => l.forward(x) },
    { name: 'forwardReference', params: ['x'], args: fc.tuple(mix(fc.oneof(float32sAround(5), float32sAround(15)))), call: (l, [x]) => l.forwardReference(x) },
    { name: 'lookup', params: ['x'], args: fc.tuple(mix(float32sAround(5))), call: (l, [x]) => l.lookup(x) },
    {
      name: 'backward',
      params: ['x', 'g', 'lr'],
      args: fc.tuple(mix(float32sAround(5)), mix(float32sAround(3)), mix(fc.double({ min: -1, max: 1, noNaN: true }))),
      call: (l, [x, g, lr]) => l.backward(x, g, lr),
    },
    { name: 'row', params: ['table', 'index'], args: fc.tuple(tableIndex, rowIndex), call: (l, [t, i]) => l.row(t, i) },
    {
      name: 'setRow',
      params: ['table', 'index', 'values'],
      args: fc.tuple(tableIndex, rowIndex, mix(fc.oneof(float32sAround(3), fc.array(fc.double({ min: -2, max: 2 }), { minLength: 2, maxLength: 4 })))),
      call: (l, [t, i, v]) => l.setRow(t, i, v),
    },
    { name: 'anchors', params: [], args: fc.constant([]), call: (l) => l.anchors() },
    {
      name: 'setAnchors',
      params: ['a', 'b'],
      args: fc.tuple(
        mix(fc.oneof(fc.array(int(0, 5), { minLength: 6, maxLength: 6 }), fc.array(int(0, 4), { minLength: 6, maxLength: 6 }).map((a) => Uint32Array.from(a)), fc.array(int(0, 4), { maxLength: 7 }))),
        mix(fc.oneof(fc.array(int(0, 5), { minLength: 6, maxLength: 6 }), fc.array(int(0, 4), { minLength: 6, maxLength: 6 }).map((a) => Uint32Array.from(a)))),
      ),
      call: (l, [a, b]) => l.setAnchors(a, b),
    },
    { name: 'memory', params: [], args: fc.constant([]), call: (l) => l.memory() },
    {
      name: 'timeForward',
      params: ['x', 'batched', 'repeats'],
      args: fc.tuple(mix(float32sAround(5)), mix(fc.boolean()), mix(fc.oneof(int(1, 2), fc.constant(undefined)))),
      call: (l, [x, b, r]) => l.timeForward(x, b, r),
    },
    { name: 'close', params: [], args: fc.constant([]), mayChange: true, call: (l) => l.close() },
    { name: 'getters', params: [], args: fc.constant([]), call: (l) => [l.busy, l.closed, l.closed || l.shape, l.closed || l.simd] },
  ],
};

module.exports = { lutLayer };
