/**
 * A plain TypeScript re-implementation of the exact Izhikevich step (spec spnet.md,
 * "Neuron update" with spike detection and reset). JavaScript numbers are float64, and
 * Math.fround is the rounding a float32 assignment performs, so this follows the
 * reference program's arithmetic operation for operation.
 */
export interface ReferenceNeurons {
  v: Float32Array;
  u: Float32Array;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  d: Float64Array;
}

/**
 * Detection and reset of neuron i, the first half of a step: if v ≥ 30 the neuron fires,
 * v = c, u += d (u + d in float64: d is a float64 parameter). Returns whether it fired.
 * A network detects every neuron before it delivers spikes, then integrates: the two
 * halves are separate so that spiking-reference.ts can put delivery between them.
 */
export function detectExact(n: ReferenceNeurons, i: number): boolean {
  if (!(n.v[i] >= 30)) return false;
  n.v[i] = Math.fround(n.c[i]);
  n.u[i] = Math.fround(n.u[i] + n.d[i]);
  return true;
}

/** Integration of neuron i over 1 ms with input current I, the second half of a step. */
export function integrateExact(n: ReferenceNeurons, i: number, I: number): void {
  let v = n.v[i];
  const u = n.u[i];
  v = Math.fround(v + 0.5 * ((0.04 * v + 5) * v + 140 - u + I));
  v = Math.fround(v + 0.5 * ((0.04 * v + 5) * v + 140 - u + I));
  n.v[i] = v;
  n.u[i] = Math.fround(u + n.a[i] * (n.b[i] * v - u));
}

export function referenceStepExact(n: ReferenceNeurons, current: Float32Array): number[] {
  const fired: number[] = [];
  for (let i = 0; i < n.v.length; i++) {
    if (detectExact(n, i)) fired.push(i);
    integrateExact(n, i, current[i]);
  }
  return fired;
}

/** Heterogeneous excitatory/inhibitory parameters after Izhikevich (2003). */
export function randomParameters(size: number, random: () => number) {
  const a = new Float64Array(size);
  const b = new Float64Array(size);
  const c = new Float64Array(size);
  const d = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const r = random();
    if (i % 5 !== 4) {
      a[i] = 0.02;
      b[i] = 0.2;
      c[i] = -65 + 15 * r * r;
      d[i] = 8 - 6 * r * r;
    } else {
      a[i] = 0.02 + 0.08 * r;
      b[i] = 0.25 - 0.05 * r;
      c[i] = -65;
      d[i] = 2;
    }
  }
  return { a, b, c, d };
}

export function bitsEqual(x: Float32Array, y: Float32Array): boolean {
  return Buffer.compare(
    Buffer.from(x.buffer, x.byteOffset, x.byteLength),
    Buffer.from(y.buffer, y.byteOffset, y.byteLength),
  ) === 0;
}
