'use strict';
/**
 * The API fuzzer's model of: Network (populations, projections, inputs, monitors, running) and its factories.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, junk, mix, duration, options, int, float32sAround, simd } = require('../values');
const api = require('../../../dist');
const { perNeuron, signalArb, withSignal, whileRunning, closeIfOpen } = require('./common');
const { populationOptionsSpec } = require('./population');

const networkOptionsSpec = {
  mode: mix(fc.constantFrom('reference', 'fast')),
  seed: mix(int(0, 2 ** 53)),
  simd: simd(),
  threads: mix(fc.oneof(fc.constant('auto'), int(1, 2))),
  threadPolicy: mix(fc.constantFrom('adaptive', 'all')),
  neuronUpdates: mix(fc.constantFrom('auto', 'dense')),
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

// Calls that build the network report what the build refuses (docs/api.md: a projection or
// current into a spike source is refused when the network is built), naming no argument of theirs.
const buildErrors = () => ['sources take no input'];

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
      call: (n, [s, t, o]) => {
        const projection = n.connect(resolveTargets(n, s), resolveTargets(n, t), o);
        // Projection ids count the projections made: a refused connect() must not use one up.
        if (projection.id !== n.projections.length - 1) throw new Error(`finding: projection id ${projection.id}, but ${n.projections.length} projections were made`);
      },
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
      names: buildErrors,
      aborts: true,
      args: fc.tuple(duration(0, 12), options({ signal: signalArb(), onProgress: mix(fc.constant(() => {}), 1), record: mix(fc.boolean()), onSpikes: mix(fc.constant(() => {}), 1), chunkMs: mix(int(1, 5)) })),
      call: (n, [ms, o]) => n.run(ms, withSignal(o)),
    },
    { name: 'synapses', params: [], names: buildErrors, args: fc.constant([]), call: (n) => n.synapses() },
    { name: 'stats', params: [], names: buildErrors, args: fc.constant([]), call: (n) => n.stats() },
    { name: 'state', params: [], names: buildErrors, args: fc.constant([]), call: (n) => [n.v, n.u, n.time, n.size, n.dopamine, n.plasticWeights()] },
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
    { name: 'shuffleExcitatoryWeights', params: ['seed'], names: buildErrors, args: fc.tuple(mix(int(0, 2 ** 53))), call: (n, [s]) => n.shuffleExcitatoryWeights(s) },
    { name: 'close', params: [], args: fc.constant([]), mayChange: true, call: (n) => n.close() },
    {
      name: 'while running',
      params: [],
      names: buildErrors,
      mayChange: true,
      args: fc.tuple(fc.constantFrom('synapses', 'close', 'stats', 'addPopulation', 'reward', 'freeze', 'shuffle')),
      call: (n, [what]) => whileRunning(() => n.run(2), () => ({
        synapses: () => n.synapses(), close: () => n.close(), stats: () => n.stats(), addPopulation: () => n.addPopulation({ size: 1 }),
        reward: () => n.reward(0.1), freeze: () => n.freeze(), shuffle: () => n.shuffleExcitatoryWeights(1),
      }[what]())),
    },
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
      // A string is a file's path: one that cannot be read (missing, or a name the file
      // system refuses) is "cannot read '<path>': <the system's reason>" (lib/files.ts).
      names: (args) => (typeof args[0] === 'string' ? [args[0]] : []),
      errors: /^cannot read '/,
      call: (_n, [d, o]) => api.networkFromDescription(d, o).network.close(),
    },
  ],
};

module.exports = { networkModel };
