'use strict';
/**
 * The API fuzzer's model of: SpikingLutCircuit (a LUT layer or classifier compiled into a
 * spiking circuit) and the direct path's tableIndices.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, options, int, float32sAround, simd } = require('../values');
const api = require('../../../dist');
const { signalArb, withSignal } = require('./common');

const LAYER = { inputs: 5, outputs: 2, tables: 2, comparisons: 3, seed: 3 };
const gridSpec = { low: mix(fc.double({ min: -2, max: 0, noNaN: true })), high: mix(fc.double({ min: 0.5, max: 2, noNaN: true })), steps: mix(int(2, 16)) };
const compileSpec = {
  grid: mix(fc.record(gridSpec, { requiredKeys: [] })),
  mode: mix(fc.constantFrom('reference', 'fast')),
  threads: mix(fc.oneof(int(1, 2), fc.constant('auto'))),
  memoryLimit: mix(fc.constantFrom(2 ** 30, 1024)),
  simd: simd(),
};
const images = mix(fc.oneof(float32sAround(5, 1.5), float32sAround(10, 1.5)));

const spikingLut = {
  name: 'SpikingLutCircuit',
  // A small layer's circuit with a coarse grid: a run of a few examples takes a few ms.
  create: async () => {
    const layer = new api.LutLayer(LAYER);
    const circuit = await api.SpikingLutCircuit.compile(layer, { grid: { steps: 8 } });
    return { layer, circuit };
  },
  snapshot: ({ circuit }) => (circuit.network.closed ? 'closed' : { time: circuit.network.time, v: Array.from(circuit.network.v), layout: circuit.layout }),
  dispose: ({ layer, circuit }) => {
    if (!circuit.network.busy && !circuit.network.closed) circuit.network.close();
    layer.close();
  },
  commands: [
    {
      name: 'compile',
      params: ['model', 'options', ...Object.keys(compileSpec)],
      args: fc.tuple(fc.constantFrom('layer', 'junk'), options(compileSpec)),
      call: async ({ layer }, [which, o]) => {
        const made = await api.SpikingLutCircuit.compile(which === 'layer' ? layer : { junk: true }, o);
        made.network.close();
      },
    },
    {
      name: 'run',
      params: ['images', 'options', 'signal'],
      aborts: true,
      args: fc.tuple(images, fc.record({ signal: signalArb() }, { requiredKeys: [] })),
      mayChange: true,
      call: ({ circuit }, [x, o]) => circuit.run(x, withSignal(o)),
    },
    { name: 'encode', params: ['images', 'start'], args: fc.tuple(images, mix(int(0, 1000))), call: ({ circuit }, [x, start]) => circuit.encode(x, start) },
    { name: 'rowGroups', params: ['stage', 'table'], args: fc.tuple(mix(int(0, 1)), mix(int(0, 2))), call: ({ circuit }, [s, t]) => circuit.rowGroups(s, t) },
    { name: 'evaluate', params: ['images', 'model'], args: fc.tuple(images), call: ({ circuit }, [x]) => circuit.evaluate(x) },
    {
      name: 'tableIndices',
      params: ['xs', 'options', 'grid'],
      args: fc.tuple(images, options({ grid: mix(fc.record(gridSpec, { requiredKeys: [] })) })),
      call: ({ layer }, [x, o]) => layer.tableIndices(x, o),
    },
  ],
};

module.exports = { spikingLut };
