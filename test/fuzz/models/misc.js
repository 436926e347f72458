'use strict';
/**
 * The API fuzzer's model of: Standalone monitors, batches, SIMD queries, n-gram baselines.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, duration, options, int, simd } = require('../values');
const api = require('../../../dist');
const { TEXT } = require('./lm');

const misc = {
  name: 'misc',
  commands: [
    { name: 'SpikeMonitor', params: ['options', 'neurons', 'maxSpikes', 'windowMs'], args: fc.tuple(options({ neurons: mix(fc.constant(Uint32Array.from([0, 2]))), maxSpikes: mix(int(0, 10)), windowMs: mix(int(1, 10)) })), call: (_o, [o]) => new api.SpikeMonitor(o) },
    {
      name: 'runBatch',
      params: ['build', 'options', 'seeds', 'ms', 'concurrency', 'record', 'onInstance'],
      args: fc.tuple(mix(fc.constant('build'), 8), options({ seeds: mix(fc.array(int(0, 3), { maxLength: 3 })), ms: duration(0, 5), concurrency: mix(int(1, 2)), record: mix(fc.boolean()), onInstance: mix(fc.constant(() => {}), 1) }, 10)),
      call: (_o, [b, o]) => api.runBatch(b === 'build' ? (seed) => {
        const net = new api.Network({ seed, threads: 1 });
        net.addPopulation({ size: 3 });
        net.addThalamicInput({ perMs: 1, current: 20 });
        return net;
      } : b, o),
    },
    { name: 'simd', params: [], args: fc.constant([]), call: () => [api.simd(), api.supportedSimdLevels(), api.cpuModel(), api.nativeAddonPath()] },
    { name: 'ngramBaselines', params: ['text', 'holdout'], args: fc.tuple(mix(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 30 }), fc.constant(TEXT))), mix(fc.oneof(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.constant(undefined)))), call: (_o, [t, h]) => api.ngramBaselines(t, h) },
  ],
};

module.exports = { misc };
