import { addon, type NativeLutLayer } from './native';
import type { SimdLevel } from './simd';

/** Options of a LUT layer (spec lut-networks.md §1). */
export interface LutLayerOptions {
  /** Input width d (2 … 2^24). */
  inputs: number;
  /** Output width m (1 … 2^20). */
  outputs: number;
  /** Number of tables T (1 … 4096). */
  tables: number;
  /** Comparisons per table C (1 … 30); each table holds 2^C rows. */
  comparisons: number;
  /** Seeds the anchors (default 1). */
  seed?: number;
  /** Draw the anchor pairs of a table distinct (neither the same pair nor its reverse twice). */
  distinctPairs?: boolean;
  /** Refuse a layer whose tables could exceed this many bytes (default 8 GiB). */
  memoryLimit?: number;
  /** Kernel level for forward() (default: the process level). */
  simd?: SimdLevel;
}

/** Each table's index for one input, with the comparison closest to flipping. */
export interface LutLookup {
  /** The row each table selects: bit r is x[a] − x[b] > 0. */
  index: Uint32Array;
  /** The first comparison with the smallest |x[a] − x[b]|. */
  rMin: Uint32Array;
  /** x[a] − x[b] of that comparison. */
  uMin: Float32Array;
}

/**
 * A look-up-table layer: T tables, each indexed by C comparisons of anchor pairs of the
 * input (spike order read as an integer); the output is the sum of the selected rows.
 * Tables start at zero and cost memory only for rows that are written.
 */
// Each layer's native object, for the other modules of the package (spiking-lut.ts).
const natives = new WeakMap<LutLayer, NativeLutLayer>();

/** @internal The native object of a layer (package modules only). */
export function nativeLutLayer(layer: LutLayer): NativeLutLayer | undefined {
  return natives.get(layer);
}

export class LutLayer {
  readonly #native: NativeLutLayer;

  constructor(options: LutLayerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    this.#native = new addon.NativeLutLayer(options);
    natives.set(this, this.#native);
  }

  /**
   * Each table's index for every input of `xs` (n × inputs values), n × tables values;
   * with `grid`, the inputs are first rounded to that latency grid (as a compiled spiking
   * circuit sees them).
   */
  tableIndices(xs: Float32Array, options: { grid?: { low?: number; high?: number; steps?: number } } = {}): Uint32Array {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    return this.#native.tableIndices(xs, options.grid);
  }

  get shape(): { inputs: number; outputs: number; tables: number; comparisons: number } {
    return this.#native.shape();
  }

  /** The SIMD level forward() runs at. */
  get simd(): SimdLevel {
    return this.#native.simd as SimdLevel;
  }

  /**
   * y = layer(x) for a batch: x holds n inputs one after another (n·inputs numbers); the
   * result holds n outputs. SIMD kernels, rows prefetched across the batch; bit-identical
   * to forwardReference().
   */
  forward(x: Float32Array): Float32Array {
    return this.#native.forward(x);
  }

  /** The same through the plain scalar reference loop. */
  forwardReference(x: Float32Array): Float32Array {
    return this.#native.forwardReference(x);
  }

  /** The polychronous lookup of one input: each table's index, r_min and u_min. */
  lookup(x: Float32Array): LutLookup {
    return this.#native.lookup(x);
  }

  /**
   * The spec's backward for one input x with output gradient g: returns ∂L/∂x (through the
   * surrogate of the weakest comparison) and updates the selected rows by −lr·g.
   */
  backward(x: Float32Array, g: Float32Array, lr: number): Float32Array {
    return this.#native.backward(x, g, lr);
  }

  /** A copy of row `index` of table `table`. */
  row(table: number, index: number): Float32Array {
    return this.#native.row(table, index);
  }

  setRow(table: number, index: number, values: ArrayLike<number>): void {
    this.#native.setRow(table, index, values);
  }

  /** The anchor pairs, table-major: comparison r of table i is (a[i·C + r], b[i·C + r]). */
  anchors(): { a: Uint32Array; b: Uint32Array } {
    return this.#native.anchors();
  }

  setAnchors(a: ArrayLike<number>, b: ArrayLike<number>): void {
    this.#native.setAnchors(a, b);
  }

  /** Bytes the tables reserve (address space) and bytes the process has mapped for them. */
  memory(): { tableBytes: number; mappedBytes: number } {
    return this.#native.memory();
  }

  /**
   * Nanoseconds per input of forward() over x, timed natively (`batched`: the batched
   * path; otherwise one input at a time with no look-ahead). For benchmarks.
   */
  timeForward(x: Float32Array, batched: boolean, repeats = 1): number {
    return this.#native.timeForward(x, batched, repeats);
  }

  /** Frees the tables now rather than at garbage collection. */
  /** Always false: a LUT layer's methods are synchronous. (The same getter as the other objects.) */
  get busy(): boolean {
    return false;
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#native.closed;
  }

  close(): void {
    this.#native.close();
  }
}
