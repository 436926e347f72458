'use strict';
/**
 * The API fuzzer's models: one per public class or family of functions of lib/index.ts.
 * A model has `commands` (each: a name, an arbitrary of its argument list, the names of
 * its parameters as docs/api.md gives them, and the call), optionally `create` (a fresh,
 * small object for each sequence of calls), `snapshot` (its observable state, compared
 * before and after a call that throws) and `dispose`. Every successful call is kept cheap
 * (tiny sizes, a few ms of simulated time, a few training steps).
 */
const os = require('node:os');
const fsp = require('node:fs/promises');
const pathModule = require('node:path');
const { fc, junk, mix, duration, options, int, float32s, float32sAround, simd } = require('./values');
const api = require('../../dist');

const presets = ['RS', 'IB', 'CH', 'FS', 'LTS', 'TC', 'RZ'];
const perNeuron = (n, lo, hi) => mix(fc.oneof(
  fc.double({ min: lo, max: hi, noNaN: true }),
  fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n }),
  fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
  fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: 0, maxLength: n + 2 }),
));
const signalArb = () => fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant('abort') },
  { weight: 1, arbitrary: junk() },
);
const toSignal = (s) => (s === 'abort' ? AbortSignal.abort() : s);
const withSignal = (o) => (o && typeof o === 'object' && 'signal' in o ? { ...o, signal: toSignal(o.signal) } : o);

const closeIfOpen = (object) => {
  if (object && !object.closed) object.close();
};

// ---------------------------------------------------------------------------------------
// IzhikevichPopulation
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
  ],
};

// ---------------------------------------------------------------------------------------
// Network (populations, projections, inputs, monitors, running) and its factories
const networkOptionsSpec = {
  mode: mix(fc.constantFrom('reference', 'fast')),
  seed: mix(int(0, 2 ** 53)),
  simd: simd(),
  threads: mix(fc.oneof(fc.constant('auto'), int(1, 2))),
  threadPolicy: mix(fc.constantFrom('adaptive', 'all')),
  compactSynapses: mix(fc.boolean()),
  stdp: options({
    aPlus: mix(fc.double({ min: 0, max: 1, noNaN: true })),
    aMinus: mix(fc.double({ min: 0, max: 1, noNaN: true })),
    decayPlus: mix(fc.double({ min: 0, max: 1, noNaN: true })),
    decayMinus: mix(fc.double({ min: 0, max: 1, noNaN: true })),
    bias: mix(fc.double({ min: 0, max: 0.1, noNaN: true })),
    derivativeDecay: mix(fc.double({ min: 0, max: 1, noNaN: true })),
    wMin: mix(fc.constantFrom(0, -1)),
    wMax: mix(fc.constantFrom(10, 1)),
    periodMs: mix(int(1, 1000)),
  }),
  dopamineDecay: mix(fc.double({ min: 0, max: 1, noNaN: true })),
};
const networkOptionNames = ['options', ...Object.keys(networkOptionsSpec), 'aPlus', 'aMinus', 'decayPlus', 'decayMinus', 'bias', 'derivativeDecay', 'wMin', 'wMax', 'periodMs'];

const lifSpec = {
  model: fc.constant('lif'),
  size: mix(int(1, 6)),
  tau: mix(fc.double({ min: 0.5, max: 50, noNaN: true })),
  vRest: mix(fc.constant(-65)),
  vReset: mix(fc.constant(-70)),
  vThreshold: mix(fc.constant(-50)),
  resistance: mix(fc.double({ min: 0, max: 5, noNaN: true })),
  refractory: mix(int(0, 5)),
  v: perNeuron(3, -80, -40),
  name: mix(fc.string({ maxLength: 5 })),
};
const izhSpec = { ...populationOptionsSpec(3), model: mix(fc.constant('izhikevich')), name: mix(fc.string({ maxLength: 5 })) };
delete izhSpec.numerics;
const populationIndex = fc.integer({ min: 0, max: 3 });
const ruleArb = fc.oneof(
  fc.record({ kind: fc.constant('fixedOutDegree'), degree: mix(int(0, 4)), allowSelf: mix(fc.boolean()) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constant('fixedInDegree'), degree: mix(int(0, 4)), allowSelf: mix(fc.boolean()) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constant('probability'), probability: mix(fc.double({ min: 0, max: 1, noNaN: true })), allowSelf: mix(fc.boolean()) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constant('oneToOne') }),
  fc.record({
    kind: fc.constant('explicit'),
    pre: mix(fc.array(int(0, 5), { maxLength: 6 }).map((a) => Uint32Array.from(a))),
    post: mix(fc.array(int(0, 5), { maxLength: 6 }).map((a) => Uint32Array.from(a))),
  }, { requiredKeys: ['kind'] }),
  fc.record({ kind: mix(fc.constantFrom('ring', '')) }),
  junk(),
);
const synapseValue = (lo, hi) => mix(fc.oneof(
  fc.integer({ min: lo, max: hi }),
  fc.record({ uniform: fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })) }),
  fc.record({ evenly: fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })) }),
  fc.array(fc.integer({ min: lo, max: hi }), { maxLength: 6 }),
  fc.array(fc.integer({ min: lo, max: hi }), { maxLength: 6 }).map((a) => Float64Array.from(a)),
));
const plasticArb = mix(fc.oneof(
  fc.boolean(),
  fc.constant({ kind: 'stdp2006' }),
  fc.record({ kind: fc.constant('pair'), aPlus: mix(fc.double({ min: 0, max: 0.1, noNaN: true })), tauPlus: mix(fc.double({ min: 1, max: 30, noNaN: true })), nearest: mix(fc.boolean()), multiplicative: mix(fc.boolean()) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constant('dopamine'), bias: mix(fc.double({ min: 0, max: 0.1, noNaN: true })), periodMs: mix(int(1, 20)), eligibilityDecay: mix(fc.double({ min: 0, max: 1, noNaN: true })) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: mix(fc.constant('hebb')) }),
));
// A population argument: one of the network's (by index), a list of them, or junk.
const targetsArb = fc.oneof(
  { weight: 4, arbitrary: populationIndex.map((i) => ({ population: i })) },
  { weight: 2, arbitrary: fc.array(populationIndex, { minLength: 1, maxLength: 3 }).map((list) => ({ populations: list })) },
  { weight: 1, arbitrary: junk().map((value) => ({ value })) },
);
const resolveTargets = (net, t) => {
  const all = net.populations;
  if ('population' in t) return all.length ? all[t.population % all.length] : undefined;
  if ('populations' in t) return all.length ? t.populations.map((i) => all[i % all.length]) : [];
  return t.value;
};

function networkSnapshot(net) {
  if (net.closed) return 'closed';
  const state = {
    time: net.time, size: net.size, built: net.native.built, dopamine: net.dopamine,
    populations: net.populations.map((p) => [p.first, p.size, p.name]),
    projections: net.projections.map((p) => p.plastic),
  };
  if (net.native.built) {
    state.v = Float32Array.from(net.v);
    state.u = Float32Array.from(net.u);
    state.synapses = net.synapses();
    const { threadsInUse, ...stats } = net.stats();
    state.stats = stats;
    state.plastic = net.plasticWeights();
  }
  const monitors = net.fuzzMonitors ?? [];
  state.monitors = monitors.map((m) => (m.rates ? m.rates() : m.I ? [m.times, m.v, m.u, m.I] : [m.times, m.neurons, m.count]));
  return state;
}

const networkModel = {
  name: 'Network',
  create: () => {
    const net = new api.Network({ seed: 3, threads: 1 });
    net.fuzzMonitors = [];
    const exc = net.addPopulation({ size: 4, preset: 'RS' });
    net.addPopulation({ size: 2, preset: 'FS' });
    net.connect(exc, exc, { rule: { kind: 'fixedOutDegree', degree: 2 }, delay: { evenly: [1, 3] }, weight: 6, plastic: true });
    return net;
  },
  snapshot: networkSnapshot,
  dispose: closeIfOpen,
  commands: [
    {
      name: 'constructor',
      params: networkOptionNames,
      args: fc.tuple(options(networkOptionsSpec)),
      call: (_n, [o]) => new api.Network(o).close(),
    },
    {
      name: 'addPopulation',
      params: ['options', 'model', ...Object.keys(izhSpec), ...Object.keys(lifSpec)],
      args: fc.tuple(fc.oneof(options(izhSpec), options(lifSpec))),
      call: (n, [o]) => n.addPopulation(o),
    },
    {
      name: 'addPoissonSource',
      params: ['options', 'size', 'rate', 'name'],
      args: fc.tuple(options({ size: mix(int(1, 4)), rate: mix(fc.double({ min: 0, max: 1000, noNaN: true })), name: mix(fc.string({ maxLength: 3 })) })),
      call: (n, [o]) => n.addPoissonSource(o),
    },
    {
      name: 'addSpikeTrains',
      params: ['options', 'size', 'times', 'neurons', 'name'],
      args: fc.tuple(options({
        size: mix(int(1, 3)),
        times: mix(fc.array(int(0, 30), { maxLength: 4 }).map((a) => a.sort((x, y) => x - y))),
        neurons: mix(fc.array(int(0, 3), { maxLength: 4 }).map((a) => Uint32Array.from(a))),
        name: mix(fc.string({ maxLength: 3 })),
      })),
      call: (n, [o]) => n.addSpikeTrains(o),
    },
    {
      name: 'connect',
      params: ['source', 'target', 'options', 'rule', 'kind', 'degree', 'probability', 'allowSelf', 'pre', 'post', 'delay', 'weight', 'plastic', 'aPlus', 'tauPlus', 'nearest', 'multiplicative', 'bias', 'periodMs', 'eligibilityDecay', 'uniform', 'evenly'],
      args: fc.tuple(targetsArb, targetsArb, options({ rule: ruleArb, delay: synapseValue(0, 6), weight: synapseValue(-6, 8), plastic: plasticArb }, 8)),
      call: (n, [s, t, o]) => n.connect(resolveTargets(n, s), resolveTargets(n, t), o),
    },
    {
      name: 'addThalamicInput',
      params: ['options', 'target', 'perMs', 'current'],
      args: fc.tuple(options({ target: targetsArb, perMs: mix(int(0, 3)), current: mix(fc.double({ min: -20, max: 30, noNaN: true })) })),
      call: (n, [o]) => n.addThalamicInput(o && typeof o === 'object' && 'target' in o ? { ...o, target: resolveTargets(n, o.target) } : o),
    },
    {
      name: 'addCurrentSchedule',
      params: ['options', 'times', 'neurons', 'currents', 'mode'],
      args: fc.tuple(options({
        times: mix(fc.array(int(0, 20), { maxLength: 4 })),
        neurons: mix(fc.array(int(0, 7), { maxLength: 4 }).map((a) => Uint32Array.from(a))),
        currents: mix(fc.oneof(fc.double({ min: -10, max: 20, noNaN: true }), fc.array(fc.double({ min: -10, max: 20, noNaN: true }), { maxLength: 4 }))),
        mode: mix(fc.constantFrom('assign', 'add')),
      })),
      call: (n, [o]) => n.addCurrentSchedule(o),
    },
    {
      name: 'addConstantCurrent',
      params: ['target', 'current'],
      args: fc.tuple(targetsArb, mix(fc.oneof(fc.double({ min: -5, max: 10, noNaN: true }), fc.array(fc.double({ min: -5, max: 10, noNaN: true }), { maxLength: 5 }), float32sAround(4, 5)))),
      call: (n, [t, c]) => n.addConstantCurrent(resolveTargets(n, t), c),
    },
    {
      name: 'addNoiseCurrent',
      params: ['target', 'options', 'low', 'high'],
      args: fc.tuple(targetsArb, options({ low: mix(fc.double({ min: -5, max: 5, noNaN: true })), high: mix(fc.double({ min: -5, max: 10, noNaN: true })) })),
      call: (n, [t, o]) => n.addNoiseCurrent(resolveTargets(n, t), o),
    },
    {
      name: 'addSteppedCurrent',
      params: ['target', 'options', 'times', 'amplitudes'],
      args: fc.tuple(targetsArb, options({ times: mix(fc.array(int(0, 20), { maxLength: 3 })), amplitudes: mix(fc.array(fc.double({ min: -5, max: 10, noNaN: true }), { maxLength: 3 })) })),
      call: (n, [t, o]) => n.addSteppedCurrent(resolveTargets(n, t), o),
    },
    {
      name: 'addSpikeMonitor',
      params: ['options', 'neurons', 'maxSpikes', 'windowMs'],
      args: fc.tuple(options({ neurons: mix(fc.oneof(fc.array(int(0, 7), { maxLength: 3 }).map((a) => Uint32Array.from(a)), targetsArb)), maxSpikes: mix(int(0, 100)), windowMs: mix(int(1, 100)) })),
      call: (n, [o]) => {
        const opts = o && typeof o === 'object' && o.neurons && typeof o.neurons === 'object' && ('population' in o.neurons || 'populations' in o.neurons || 'value' in o.neurons)
          ? { ...o, neurons: resolveTargets(n, o.neurons) } : o;
        n.fuzzMonitors.push(n.addSpikeMonitor(opts));
      },
    },
    {
      name: 'addStateMonitor',
      params: ['options', 'neurons', 'every'],
      args: fc.tuple(options({ neurons: mix(fc.array(int(0, 7), { maxLength: 3 }).map((a) => Uint32Array.from(a))), every: mix(int(1, 5)) })),
      call: (n, [o]) => { n.fuzzMonitors.push(n.addStateMonitor(o)); },
    },
    {
      name: 'addRateMonitor',
      params: ['options', 'binMs'],
      args: fc.tuple(options({ binMs: mix(int(1, 10)) })),
      call: (n, [o]) => { n.fuzzMonitors.push(n.addRateMonitor(o)); },
    },
    {
      name: 'run',
      params: ['ms', 'options', 'signal', 'onProgress', 'record', 'onSpikes', 'chunkMs'],
      aborts: true,
      args: fc.tuple(duration(0, 12), options({ signal: signalArb(), onProgress: mix(fc.constant(() => {}), 1), record: mix(fc.boolean()), onSpikes: mix(fc.constant(() => {}), 1), chunkMs: mix(int(1, 5)) })),
      call: (n, [ms, o]) => n.run(ms, withSignal(o)),
    },
    { name: 'synapses', params: [], args: fc.constant([]), call: (n) => n.synapses() },
    { name: 'stats', params: [], args: fc.constant([]), call: (n) => n.stats() },
    { name: 'state', params: [], args: fc.constant([]), call: (n) => [n.v, n.u, n.time, n.size, n.dopamine, n.plasticWeights()] },
    { name: 'reward', params: ['amount'], args: fc.tuple(mix(fc.double({ min: 0, max: 2, noNaN: true }))), call: (n, [a]) => n.reward(a) },
    {
      name: 'rewardSequence',
      params: ['options', 'pre', 'post', 'windowMs', 'delayMs', 'amount'],
      args: fc.tuple(options({ pre: mix(int(0, 7)), post: mix(int(0, 7)), windowMs: mix(int(0, 20)), delayMs: mix(int(0, 20)), amount: mix(fc.double({ min: 0, max: 1, noNaN: true })) })),
      call: (n, [o]) => n.rewardSequence(o),
    },
    { name: 'freeze', params: [], args: fc.constant([]), mayChange: true, call: (n) => n.freeze() },
    { name: 'unfreeze', params: [], args: fc.constant([]), mayChange: true, call: (n) => n.unfreeze() },
    {
      name: 'projection.plastic',
      params: ['plastic', 'value'],
      args: fc.tuple(mix(fc.boolean())),
      call: (n, [value]) => { if (n.projections.length) n.projections[0].plastic = value; },
    },
    { name: 'shuffleExcitatoryWeights', params: ['seed'], args: fc.tuple(mix(int(0, 2 ** 53))), call: (n, [s]) => n.shuffleExcitatoryWeights(s) },
    { name: 'close', params: [], args: fc.constant([]), mayChange: true, call: (n) => n.close() },
    {
      name: 'izhikevich2006',
      params: ['options', 'seed', 'neurons', 'synapsesPerNeuron', 'maxDelay', 'excitatoryWeight', 'inputPerMs', 'inputCurrent', ...networkOptionNames],
      args: fc.tuple(options({
        seed: mix(int(0, 10)), neurons: mix(int(2, 40)), synapsesPerNeuron: mix(int(0, 5)), maxDelay: mix(int(1, 5)),
        excitatoryWeight: mix(fc.double({ min: 0, max: 10, noNaN: true })), inputPerMs: mix(int(0, 3)), inputCurrent: mix(fc.double({ min: 0, max: 20, noNaN: true })),
        mode: mix(fc.constantFrom('reference', 'fast')), threads: mix(fc.constant(1)),
      })),
      call: (_n, [o]) => api.izhikevich2006(o).network.close(),
    },
    {
      name: 'networkFromDescription',
      params: ['description', 'overrides', 'version', 'populations', 'projections', 'inputs', 'name', 'size', 'model', 'source', 'target', 'rule', 'kind', 'seed', 'mode', 'threads', 'simd', 'rate', 'times', 'neurons', 'delay', 'weight', 'current', 'perMs', 'degree'],
      args: fc.tuple(
        options({
          version: mix(fc.constant(1)),
          seed: mix(int(0, 5)),
          populations: mix(fc.array(fc.record({
            name: mix(fc.constantFrom('a', 'b')), size: mix(int(1, 4)), model: mix(fc.constantFrom('izhikevich', 'lif', 'poisson', 'spikeTrains')),
            rate: mix(fc.constant(10)), times: mix(fc.constant([1, 2])), neurons: mix(fc.constant([0, 0])),
          }, { requiredKeys: ['name', 'size'] }), { maxLength: 3 })),
          projections: mix(fc.array(fc.record({
            source: mix(fc.constantFrom('a', 'b', 'c')), target: mix(fc.constantFrom('a', 'b', ['a', 'b'])),
            rule: mix(fc.record({ kind: mix(fc.constantFrom('fixedOutDegree', 'oneToOne')), degree: mix(int(0, 2)) }, { requiredKeys: ['kind'] })),
            delay: synapseValue(0, 4), weight: synapseValue(-5, 5),
          }, { requiredKeys: ['source', 'target', 'rule'] }), { maxLength: 2 })),
          inputs: mix(fc.array(fc.record({ kind: mix(fc.constantFrom('thalamic', 'constant')), target: mix(fc.constantFrom('a', 'b')), current: mix(fc.constant(5)), perMs: mix(int(0, 2)) }, { requiredKeys: ['kind'] }), { maxLength: 2 })),
        }, 8),
        options({ seed: mix(int(0, 5)), mode: mix(fc.constantFrom('reference', 'fast')), threads: mix(fc.constant(1)), simd: simd() }),
      ),
      call: (_n, [d, o]) => api.networkFromDescription(d, o).network.close(),
    },
  ],
};

// ---------------------------------------------------------------------------------------
// LutLayer
const LAYER = { inputs: 5, outputs: 3, tables: 2, comparisons: 3 };
const layerOptionsSpec = {
  inputs: mix(int(2, 8)),
  outputs: mix(int(1, 4)),
  tables: mix(int(1, 3)),
  comparisons: mix(int(1, 4)),
  seed: mix(int(0, 2 ** 53)),
  distinctPairs: mix(fc.boolean()),
  memoryLimit: mix(fc.constantFrom(2 ** 33, 1024, 2 ** 40)),
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

module.exports = { population, network: networkModel, lutLayer, helpers: { closeIfOpen, signalArb, withSignal, os, fsp, pathModule } };
