'use strict';
/**
 * The API fuzzer's model of: IzhikevichPopulation.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, duration, options, int, float32sAround, simd } = require('../values');
const api = require('../../../dist');
const { perNeuron, signalArb, withSignal, whileRunning, closeIfOpen } = require('./common');

const presets = ['RS', 'IB', 'CH', 'FS', 'LTS', 'TC', 'RZ'];
const populationOptionsSpec = (n) => ({
  size: mix(int(1, 8)),
  preset: mix(fc.constantFrom(...presets)),
  a: perNeuron(n, 0, 0.2),
  b: perNeuron(n, 0, 0.3),
  c: perNeuron(n, -70, -40),
  d: perNeuron(n, 0, 8),
  v: perNeuron(n, -80, 30),
  u: perNeuron(n, -20, 20),
  numerics: mix(fc.constantFrom('exact', 'fast')),
  simd: simd(),
});

const population = {
  name: 'IzhikevichPopulation',
  create: () => new api.IzhikevichPopulation({ size: 4, preset: 'CH', v: [-65, -60, 0, 29] }),
  snapshot: (p) => (p.closed ? 'closed' : { time: p.time, v: Float32Array.from(p.v), u: Float32Array.from(p.u), size: p.size, busy: p.busy }),
  dispose: closeIfOpen,
  commands: [
    {
      name: 'constructor',
      params: ['options', ...Object.keys(populationOptionsSpec(1))],
      args: fc.tuple(options(populationOptionsSpec(4))),
      call: (_p, [o]) => new api.IzhikevichPopulation(o).close(),
    },
    {
      name: 'step',
      params: ['current'],
      args: fc.tuple(mix(fc.oneof(float32sAround(4, 30), fc.double({ min: -20, max: 40, noNaN: true }), fc.constant(undefined)))),
      call: (p, [current]) => p.step(current),
    },
    {
      name: 'run',
      params: ['steps', 'options', 'current', 'signal', 'onProgress', 'record'],
      aborts: true,
      args: fc.tuple(duration(0, 20), options({
        current: mix(fc.oneof(float32sAround(4, 30), fc.double({ min: -20, max: 40, noNaN: true }))),
        signal: signalArb(),
        onProgress: mix(fc.constant(() => {}), 1),
        record: mix(fc.boolean()),
      })),
      call: (p, [steps, o]) => p.run(steps, withSignal(o)),
    },
    {
      name: 'write v',
      params: ['v'],
      args: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.double({ min: -80, max: 40, noNaN: true })),
      mayChange: true,
      call: (p, [i, value]) => { if (!p.closed) p.v[i] = value; },
    },
    { name: 'close', params: [], args: fc.constant([]), mayChange: true, call: (p) => p.close() },
    { name: 'getters', params: [], args: fc.constant([]), call: (p) => [p.size, p.numerics, p.simd, p.busy, p.closed, p.closed || p.time] },
    {
      name: 'while running',
      params: [],
      mayChange: true,
      args: fc.tuple(fc.constantFrom('step', 'close', 'time', 'v', 'run')),
      call: (p, [what]) => whileRunning(() => p.run(3), () => ({ step: () => p.step(), close: () => p.close(), time: () => p.time, v: () => p.v[0], run: () => p.run(1) }[what]())),
    },
  ],
};

module.exports = { populationOptionsSpec, population };
