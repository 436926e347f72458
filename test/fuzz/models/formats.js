'use strict';
/**
 * The API fuzzer's model of: Formats in memory: NPY, NPZ, IDX bytes, the reference's CSV writers, table formats.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, options, int } = require('../values');
const api = require('../../../dist');

const npyArrayArb = options({
  shape: mix(fc.oneof(fc.array(int(0, 4), { maxLength: 3 }), fc.constant([2 ** 40, 2 ** 40]), fc.constant([-1]))),
  data: mix(fc.oneof(fc.constant(null).map(() => new Float32Array(4)), fc.constant(null).map(() => new Uint8Array(2)), fc.constant(null).map(() => new Float64Array(0)),
    fc.constant(null).map(() => new Int32Array(6)), fc.constant(null).map(() => new Uint16Array(3)), fc.constant(null).map(() => new Int8Array(1)))),
}, 10);
const goodNpy = api.encodeNpy({ shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
const goodNpz = api.encodeNpz(new Map([['a', { shape: [3], data: new Uint8Array([1, 2, 3]) }]]));
// A byte string made from a good file: cut short, a byte changed, or as it is.
const mangled = (bytes) => fc.oneof(
  fc.constant(bytes),
  int(0, bytes.length - 1).map((n) => bytes.subarray(0, n)),
  fc.tuple(int(0, bytes.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => { const c = Buffer.from(bytes); c[i] = b; return c; }),
);
const idxBytes = Buffer.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
const hugeIdx = Buffer.from([0, 0, 0x0d, 3, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]);
const synapseTable = fc.record({
  pre: mix(fc.constant(Uint32Array.from([0, 1]))), post: mix(fc.constant(Uint32Array.from([1, 0]))), delay: mix(fc.constant(Uint8Array.from([1, 2]))),
  weight: mix(fc.constant(Float32Array.from([6, 5.5]))), derivative: mix(fc.constant(Float32Array.from([0, 0.25]))), projection: mix(fc.constant(Uint16Array.from([0, 0]))),
});
const formats = {
  name: 'formats',
  commands: [
    { name: 'encodeNpy', params: ['array', 'shape', 'data'], args: fc.tuple(npyArrayArb), call: (_o, [a]) => api.encodeNpy(a) },
    { name: 'decodeNpy', params: ['bytes', 'name'], names: (args) => (typeof args[1] === 'string' ? [args[1]] : args[1] === undefined ? ['IDX data'] : []), args: fc.tuple(mix(mangled(goodNpy), 6), mix(fc.constant('a.npy'), 6)), call: (_o, [b, n]) => api.decodeNpy(b, n) },
    {
      name: 'encodeNpz',
      params: ['arrays', 'shape', 'data', 'name'],
      args: fc.tuple(mix(fc.array(fc.tuple(mix(fc.constantFrom('a', 'b/c', '')), npyArrayArb), { maxLength: 2 }).map((entries) => new Map(entries)), 6)),
      call: (_o, [m]) => api.encodeNpz(m),
    },
    { name: 'decodeNpz', params: ['bytes', 'name'], names: (args) => (typeof args[1] === 'string' ? [args[1]] : args[1] === undefined ? ['IDX data'] : []), args: fc.tuple(mix(mangled(goodNpz), 6), mix(fc.constant('a.npz'), 6)), call: (_o, [b, n]) => api.decodeNpz(b, n) },
    { name: 'parseIdx', params: ['bytes', 'name'], names: (args) => (typeof args[1] === 'string' ? [args[1]] : args[1] === undefined ? ['IDX data'] : []), args: fc.tuple(mix(fc.oneof(mangled(idxBytes), fc.constant(hugeIdx)), 6), mix(fc.constantFrom('a.idx', undefined), 6)), call: (_o, [b, n]) => api.parseIdx(b, n) },
    {
      name: 'formatSpikesCsv',
      params: ['times', 'neurons'],
      args: fc.tuple(mix(fc.oneof(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 3 }), fc.constant(Float64Array.from([1, 2])))), mix(fc.oneof(fc.array(int(0, 5), { maxLength: 3 }), fc.constant(Uint32Array.from([0, 1]))))),
      call: (_o, [t, n]) => api.formatSpikesCsv(t, n),
    },
    { name: 'formatWeightsCsv', params: ['synapses', 'pre', 'post', 'delay', 'weight', 'derivative', 'projection'], args: fc.tuple(mix(synapseTable, 6)), call: (_o, [t]) => api.formatWeightsCsv(t) },
    { name: 'formatG9', params: ['x'], args: fc.tuple(mix(fc.double())), call: (_o, [x]) => api.formatG9(x) },
    { name: 'tableFormatOf', params: ['path', 'file'], names: (args) => (typeof args[0] === 'string' ? [args[0]] : []), args: fc.tuple(mix(fc.constantFrom('a.csv', 'b.npz', 'c.arrow', 'd.feather', 'e.npy', 'f', ''))), call: (_o, [p]) => api.tableFormatOf(p) },
  ],
};

module.exports = { formats };
