'use strict';
/**
 * Helpers shared by several of the API fuzzer's models (test/fuzz/models/): per-neuron
 * parameter arbitraries, AbortSignal options, calls made while a run is in flight, disposal.
 */
const { fc, junk, mix } = require('../values');

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

module.exports = { perNeuron, signalArb, withSignal, whileRunning, closeIfOpen };
