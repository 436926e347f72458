'use strict';
/**
 * The API fuzzer's model of: Polychronous groups: the search on a tiny network, and GroupSet queries.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, options, int } = require('../values');
const api = require('../../../dist');
const { signalArb, withSignal } = require('./common');

function groupNetwork() {
  const net = new api.Network({ seed: 1, threads: 1 });
  const exc = net.addPopulation({ size: 8, preset: 'RS' });
  net.addPopulation({ size: 2, preset: 'FS' });
  net.connect(exc, exc, { rule: { kind: 'fixedOutDegree', degree: 4 }, delay: { uniform: [1, 4] }, weight: 10 });
  return net;
}
const SET_JSON = {
  schema: 'polychron.groups/1',
  search: { neurons: 10, anchors: 2, strongFraction: 0.95, maxWeight: 10, minPath: 1, networkTime: 0 },
  groups: [
    { mother: 3, anchors: [1, 2], firings: [[1, 0, 1], [2, 1, 1], [3, 4, 2]], links: [[1, 3, 4, 2], [2, 3, 3, 2]], size: 3, span: 4, longestPath: 2 },
    { mother: 5, anchors: [0, 4], firings: [[0, 0, 1], [4, 2, 1], [5, 5, 2], [6, 8, 3]], links: [[0, 5, 5, 2], [4, 5, 3, 2], [5, 6, 3, 3]], size: 4, span: 8, longestPath: 3 },
  ],
};
const searchSpec = {
  anchors: mix(int(2, 3)), strongFraction: mix(fc.double({ min: 0, max: 1, noNaN: true })), maxWeight: mix(fc.constantFrom(10, 5)),
  minPath: mix(int(1, 3)), latency: mix(int(1, 5)), window: mix(int(1, 20)), budget: mix(fc.constantFrom('extended', 'fixed')),
  mothers: mix(fc.array(int(0, 9), { maxLength: 3 })), shuffleSeed: mix(int(0, 5)), shuffle: mix(fc.constantFrom('weights', 'targets')),
  threads: mix(int(1, 2)), signal: signalArb(), onProgress: mix(fc.constant(() => {}), 1),
};
const rasterArb = mix(options({
  neurons: mix(fc.oneof(fc.array(int(0, 9), { maxLength: 6 }), fc.array(int(0, 12), { maxLength: 6 }).map((a) => Uint32Array.from(a)))),
  times: mix(fc.oneof(fc.array(int(0, 30), { maxLength: 6 }), fc.array(fc.double({ min: 0, max: 30, noNaN: true }), { maxLength: 6 }).map((a) => Float64Array.from(a)))),
}, 10));
const fitRaster = (r) => (r && typeof r === 'object' && Array.isArray(r.neurons) && Array.isArray(r.times) ? { neurons: r.neurons, times: r.times.slice(0, r.neurons.length).concat(Array(Math.max(0, r.neurons.length - r.times.length)).fill(1)) } : r);
const queryspec = { jitter: mix(int(0, 2)), minFraction: mix(fc.double({ min: 0, max: 1, noNaN: true })), from: mix(int(0, 10)), to: mix(int(5, 40)), threads: mix(int(1, 2)) };
const groups = {
  name: 'GroupSet',
  setup: () => ({ network: groupNetwork() }),
  teardown: (context) => context.network.close(),
  create: () => api.GroupSet.fromJSON(SET_JSON),
  snapshot: (set) => set.toJSON(),
  commands: [
    {
      name: 'findPolychronousGroups',
      params: ['network', 'options', ...Object.keys(searchSpec), 'mothers[0]', 'mothers[1]', 'mothers[2]'],
      aborts: true,
      args: fc.tuple(mix(fc.constant('network'), 8), options(searchSpec)),
      call: (_s, [n, o], context) => api.findPolychronousGroups(n === 'network' ? context.network : n, withSignal(o)),
    },
    {
      name: 'compareWithShuffled',
      params: ['network', 'options', 'shuffleSeeds', ...Object.keys(searchSpec)],
      aborts: true,
      args: fc.tuple(mix(fc.constant('network'), 8), options({ ...searchSpec, shuffleSeed: fc.constant(undefined), shuffleSeeds: mix(fc.array(int(0, 3), { maxLength: 2 })) })),
      call: (_s, [n, o], context) => api.compareWithShuffled(n === 'network' ? context.network : n, withSignal(o)),
    },
    { name: 'containing', params: ['neuron'], args: fc.tuple(mix(int(0, 10))), call: (set, [n]) => set.containing(n) },
    {
      name: 'activatedBy',
      params: ['raster', 'options', 'neurons', 'times', 'raster.neurons', 'raster.times', ...Object.keys(queryspec)],
      args: fc.tuple(rasterArb, options(queryspec)),
      call: (set, [r, o]) => set.activatedBy(fitRaster(r), o),
    },
    {
      name: 'activatedByPattern',
      params: ['network', 'pattern', 'options', 'neurons', 'times', 'pattern.neurons', 'pattern.times', ...Object.keys(queryspec), 'strongFraction', 'maxWeight', 'latency', 'window', 'budget'],
      args: fc.tuple(mix(fc.constant('network'), 8), rasterArb, options({ ...queryspec, strongFraction: searchSpec.strongFraction, maxWeight: searchSpec.maxWeight, latency: searchSpec.latency, window: searchSpec.window, budget: searchSpec.budget })),
      call: (set, [n, r, o], context) => set.activatedByPattern(n === 'network' ? context.network : n, fitRaster(r), o),
    },
    {
      name: 'fromJSON',
      params: ['value', 'schema', 'search', 'groups', 'neurons', 'mother', 'anchors', 'firings', 'links', 'size', 'span', 'longestPath', 'search.neurons', 'search.shuffle'],
      args: fc.tuple(mix(fc.oneof(
        fc.constant(SET_JSON),
        fc.record({ schema: mix(fc.constant('polychron.groups/1')), search: mix(fc.constant(SET_JSON.search)), groups: mix(fc.constant(SET_JSON.groups)) }),
        fc.record({ schema: fc.constant('polychron.groups/1'), search: options({ neurons: mix(int(1, 10)), anchors: mix(int(2, 3)) }), groups: mix(fc.array(options({ mother: mix(int(0, 12)), anchors: mix(fc.array(int(0, 12), { maxLength: 3 })), firings: mix(fc.constant([[1, 0, 1]])), links: mix(fc.constant([])) }), { maxLength: 2 })) }),
      ))),
      call: (_s, [v]) => api.GroupSet.fromJSON(v).toJSON(),
    },
    { name: 'toJSON', params: [], args: fc.constant([]), call: (set) => set.toJSON() },
  ],
};

module.exports = { groups };
