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

export function referenceStepExact(n: ReferenceNeurons, current: Float32Array): number[] {
  const fired: number[] = [];
  for (let i = 0; i < n.v.length; i++) {
    let v = n.v[i];
    let u = n.u[i];
    if (v >= 30) {
      fired.push(i);
      v = Math.fround(n.c[i]);
      u = Math.fround(u + n.d[i]);
    }
    const I = current[i];
    v = Math.fround(v + 0.5 * ((0.04 * v + 5) * v + 140 - u + I));
    v = Math.fround(v + 0.5 * ((0.04 * v + 5) * v + 140 - u + I));
    u = Math.fround(u + n.a[i] * (n.b[i] * v - u));
    n.v[i] = v;
    n.u[i] = u;
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
