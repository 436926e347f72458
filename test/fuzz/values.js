'use strict';
/**
 * Arbitraries shared by the API fuzzer's models: valid values mixed with the invalid ones
 * every public parameter must refuse with a TypeError or RangeError (NaN, ±Infinity, −0,
 * unsafe and huge integers, wrong types, typed arrays of the wrong kind or length,
 * detached buffers, sizes that would need terabytes).
 */
const fc = require('fast-check');

/** A typed array whose buffer has been transferred away (detached; length 0). */
function detached(Type, length) {
  const array = new Type(length);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

/** Invalid numbers: each is outside every documented range or not an integer where one is needed. */
const badNumbers = [NaN, Infinity, -Infinity, -0, -1, 0.5, 2 ** 53 + 1, 2 ** 40, 1e12, 1e300, -1e300, Number.MIN_VALUE, 2 ** 32, 2 ** 31];

/** Values of the wrong type for almost any parameter. */
const badTypes = [
  undefined, null, true, 'x', '', '10', {}, [], [1, 'x'], Symbol('fuzz'), 10n, () => 1,
  new Date(0), /x/, new Map(), Object.create(null),
];

/** Typed arrays of many kinds and lengths (the wrong one for most parameters), some detached. */
function typedArrays() {
  const Types = [Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array, Uint16Array, Int8Array, Uint8ClampedArray, BigInt64Array];
  return fc.oneof(
    fc.tuple(fc.constantFrom(...Types), fc.integer({ min: 0, max: 9 })).map(([Type, n]) =>
      Type === BigInt64Array ? new Type(n) : Type.from({ length: n }, (_, i) => (i * 7) % 5)),
    fc.tuple(fc.constantFrom(...Types), fc.integer({ min: 0, max: 9 })).map(([Type, n]) => detached(Type, n)),
    fc.constant(new DataView(new ArrayBuffer(8))),
    fc.constant(new ArrayBuffer(8)),
    fc.constantFrom(new Float32Array([NaN, 1]), new Float32Array([Infinity, 0]), new Float64Array([NaN])),
  );
}

/** Huge numbers that are valid for durations (steps, ms): left out there, as they would take hours. */
const hugeButValid = new Set([2 ** 40, 1e12, 2 ** 32, 2 ** 31]);

/** Anything invalid (`{ huge: false }`: without the huge integers a duration may take). */
const junk = ({ huge = true } = {}) => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...badNumbers.filter((x) => huge || !hugeButValid.has(x))) },
  { weight: 3, arbitrary: fc.constantFrom(...badTypes) },
  { weight: 1, arbitrary: typedArrays() },
);

/** A valid value most of the time, an invalid one otherwise. */
const mix = (valid, validWeight = 4, junkOptions = {}) => fc.oneof({ weight: validWeight, arbitrary: valid }, { weight: 1, arbitrary: junk(junkOptions) });

/** A duration (steps, ms, training steps): a valid count or junk, never a valid but huge one. */
const duration = (min, max) => mix(int(min, max), 4, { huge: false });

/** An options object with any subset of the given keys (values from the given arbitraries), or junk. */
const options = (spec, validWeight = 6) => fc.oneof(
  { weight: validWeight, arbitrary: fc.record(spec, { requiredKeys: [] }) },
  { weight: 1, arbitrary: junk() },
);

/** Integers in [min, max] (a valid range), often at its edges. */
const int = (min, max) => fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));

/** A Float32Array of exactly n values in [-scale, scale], sometimes with a NaN or an Infinity. */
const float32s = (n, scale = 10) => fc.array(fc.float({ min: -scale, max: scale, noNaN: true }), { minLength: n, maxLength: n })
  .map((a) => Float32Array.from(a));

/** Like float32s but also wrong lengths and non-finite entries. */
const float32sAround = (n, scale = 10) => fc.oneof(
  { weight: 4, arbitrary: float32s(n, scale) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: n + 3 }).chain((m) => float32s(m, scale)) },
  { weight: 1, arbitrary: float32s(Math.max(n, 1), scale).map((a) => { a[a.length - 1] = NaN; return a; }) },
  { weight: 1, arbitrary: float32s(Math.max(n, 1), scale).map((a) => { a[0] = -Infinity; return a; }) },
);

// Every level's name, whichever machine this runs on: a level the CPU lacks must be refused with a RangeError.
const simd = () => mix(fc.constantFrom('scalar', 'avx2', 'avx512', 'neon'), 3);

module.exports = { fc, detached, junk, mix, duration, options, int, float32s, float32sAround, simd, badNumbers, badTypes, typedArrays };
