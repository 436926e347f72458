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


// A call made while a run() is in flight: it must succeed or refuse with the documented
// busy Error ("… in progress"), and the run must still complete.
async function whileRunning(run, call) {
  const running = run();
  try {
    const result = call();
    if (result && typeof result.then === 'function') await result;
  } catch (error) {
    await running.catch(() => {});
    throw error;
  }
  await running;
}

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
    {
      name: 'while running',
      params: [],
      mayChange: true,
      args: fc.tuple(fc.constantFrom('step', 'close', 'time', 'v', 'run')),
      call: (p, [what]) => whileRunning(() => p.run(3), () => ({ step: () => p.step(), close: () => p.close(), time: () => p.time, v: () => p.v[0], run: () => p.run(1) }[what]())),
    },
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
      // A string is a file's path: a missing one is the file system's error, naming the path.
      names: (args) => (typeof args[0] === 'string' ? [args[0]] : []),
      errors: /^ENOENT: no such file or directory/,
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

// ---------------------------------------------------------------------------------------
// LutClassifier (4 inputs as a 2 × 2 image, 3 classes, one hidden layer), trained briefly
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

// ---------------------------------------------------------------------------------------
// LutLanguageModel (a tiny shape), learningRate, LossWatch
const TEXT = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(6));
const LM = { context: 4, embedding: 4, positional: 1, layers: 1, heads: 1, tables: 2, comparisons: 2, warmup: 10, seed: 1 };
const lmOptionsSpec = {
  context: mix(int(2, 6)), embedding: mix(int(2, 6)), positional: mix(int(1, 2)), layers: mix(int(1, 2)), heads: mix(int(1, 2)),
  tables: mix(int(1, 3)), comparisons: mix(int(1, 3)), warmup: mix(int(0, 100)), distinctPairs: mix(fc.boolean()), seed: mix(int(1, 2 ** 32 - 1)),
  rng: mix(fc.constantFrom('polychron', 'glibc')), memoryLimit: mix(fc.constantFrom(2 ** 33, 1000, 2 ** 40)), impl: mix(fc.constantFrom('fast', 'reference')),
  threads: mix(int(1, 2)), simd: simd(),
};
const textArb = mix(fc.oneof(
  { weight: 4, arbitrary: fc.constant(TEXT) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant(TEXT.toString('latin1')) },
));
const dataSpec = { protocol: mix(fc.constantFrom('holdout', 'reference')), validationSnippets: mix(int(1, 4)), holdout: mix(fc.constantFrom(0.1, 0.5, 0, 1)) };
const teacherArb = options({
  indices: mix(fc.constant(null).map(() => new Uint8Array(TEXT.length).fill(101))),
  probabilities: mix(fc.constantFrom(new Float32Array(TEXT.length).fill(1), new Float32Array(TEXT.length).fill(-1), new Float32Array(3))),
  k: mix(fc.constantFrom(1, 2, 0, 257)), weight: mix(fc.double({ min: 0, max: 1, noNaN: true })),
});
const lm = {
  name: 'LutLanguageModel',
  create: () => new api.LutLanguageModel(LM),
  // The tables show through the loss of a fixed text (a function of every parameter the snippets reach).
  snapshot: async (m) => (m.closed ? 'closed' : {
    step: m.step, trainedOn: m.trainedOn(), memory: m.memory(), config: m.config, impl: m.impl, threads: m.threads, busy: m.busy,
    loss: await m.evaluate(TEXT, { validationSnippets: 4 }),
  }),
  dispose: closeIfOpen,
  commands: [
    {
      name: 'constructor',
      params: ['options', ...Object.keys(lmOptionsSpec), 'comparisons', 'positional'],
      args: fc.tuple(options(lmOptionsSpec)),
      call: (_m, [o]) => new api.LutLanguageModel(o && typeof o === 'object' && !('context' in o) ? { ...LM, ...o } : o).close(),
    },
    {
      name: 'train',
      params: ['text', 'options', 'steps', 'every', 'resume', 'teacher', 'signal', 'onProgress', 'indices', 'probabilities', 'k', 'weight', 'teacher.k', 'teacher.weight', ...Object.keys(dataSpec)],
      aborts: true,
      errors: /resume|trained on|other text|already trained/,
      args: fc.tuple(textArb, options({ steps: duration(0, 3), every: mix(int(0, 2)), resume: mix(fc.boolean()), teacher: teacherArb, signal: signalArb(), onProgress: mix(fc.constant(() => {}), 1), ...dataSpec }, 10)),
      call: (m, [text, o]) => m.train(text, withSignal(o)),
    },
    {
      name: 'evaluate',
      params: ['text', 'options', ...Object.keys(dataSpec)],
      args: fc.tuple(textArb, options(dataSpec)),
      call: (m, [text, o]) => m.evaluate(text, o),
    },
    {
      name: 'generate',
      params: ['prompt', 'options', 'length', 'temperature', 'seed', 'signal'],
      aborts: true,
      args: fc.tuple(textArb, options({ length: duration(0, 4), temperature: mix(fc.double({ min: 0, max: 2, noNaN: true })), seed: mix(int(0, 5)), signal: signalArb() })),
      call: (m, [p, o]) => m.generate(p, withSignal(o)),
    },
    {
      name: 'generateBytes',
      params: ['prompt', 'options', 'length', 'temperature', 'seed', 'signal'],
      aborts: true,
      args: fc.tuple(textArb, options({ length: duration(0, 4), temperature: mix(fc.double({ min: 0, max: 2, noNaN: true })), seed: mix(int(0, 5)), signal: signalArb() })),
      call: (m, [p, o]) => m.generateBytes(p, withSignal(o)),
    },
    { name: 'getters', params: [], args: fc.constant([]), call: (m) => [m.busy, m.closed, m.closed || [m.step, m.config, m.impl, m.threads, m.memory(), m.trainedOn()]] },
    { name: 'learningRate', params: ['step', 'warmup', 't', 'w'], args: fc.tuple(mix(int(0, 10 ** 6)), mix(fc.oneof(int(0, 4000), fc.constant(undefined)))), call: (_m, [t, w]) => api.learningRate(t, w) },
    {
      name: 'LossWatch',
      params: ['margin', 'settle', 'span', 'step', 'loss'],
      args: fc.tuple(mix(fc.double({ min: 0, max: 1, noNaN: true })), mix(int(0, 10)), mix(int(1, 10)), fc.array(fc.tuple(mix(int(0, 100)), mix(fc.double({ min: 0, max: 5, noNaN: true }))), { maxLength: 5 })),
      call: (_m, [margin, settle, span, obs]) => { const w = new api.LossWatch(margin, settle, span); for (const [t, l] of obs) w.observe(t, l); return w.rising; },
    },
    { name: 'close', params: [], args: fc.constant([]), mayChange: true, call: (m) => m.close() },
  ],
};

// ---------------------------------------------------------------------------------------
// Polychronous groups: the search on a tiny network, and GroupSet queries
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

// ---------------------------------------------------------------------------------------
// Formats in memory: NPY, NPZ, IDX bytes, the reference's CSV writers, table formats
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

// ---------------------------------------------------------------------------------------
// DenseModel (a 4 → 3 → 2 safetensors model written in setup) and convertToLut
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

// ---------------------------------------------------------------------------------------
// Standalone monitors, batches, SIMD queries, n-gram baselines
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

module.exports = { population, network: networkModel, lutLayer, classifier, lm, groups, formats, dense, misc, helpers: { closeIfOpen, signalArb, withSignal, os, fsp, pathModule } };
