'use strict';
/**
 * The API fuzzer's model of: LutLanguageModel (a tiny shape), learningRate, LossWatch.
 * (test/fuzz/models/index.js says what a model is.)
 */
const { fc, mix, duration, options, int, simd } = require('../values');
const api = require('../../../dist');
const { signalArb, withSignal, closeIfOpen } = require('./common');

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
    {
      name: 'generateBatch',
      params: ['prompts', 'options', 'length', 'temperature', 'seed', 'signal'],
      aborts: true,
      args: fc.tuple(mix(fc.array(textArb, { maxLength: 4 })), options({ length: duration(0, 4), temperature: mix(fc.double({ min: 0, max: 2, noNaN: true })), seed: mix(int(0, 5)), signal: signalArb() })),
      call: (m, [p, o]) => m.generateBatch(p, withSignal(o)),
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

module.exports = { TEXT, lm };
