import * as os from 'node:os';
import { nativeWorkSlots } from './async';
import { Network, type NetworkRunOptions, type NetworkRunResult } from './network';
import { checkInteger, checkOptions, shown } from './describe';

export interface BatchOptions extends Pick<NetworkRunOptions, 'record' | 'signal'> {
  /** Seeds, one instance each. */
  seeds: readonly number[];
  /** Milliseconds to simulate per instance. */
  ms: number;
  /**
   * Instances running at once (default: the cores available, at most 4, the size of
   * Node's worker pool unless UV_THREADPOOL_SIZE says otherwise).
   */
  concurrency?: number;
  /** Called as each instance finishes. */
  onInstance?: (done: number, total: number) => void;
}

export interface BatchInstance {
  seed: number;
  /** The instance, left open for inspection; close it when done. */
  network: Network;
  run: NetworkRunResult;
}

/**
 * Builds one network per seed with `build(seed)` and runs them all, several at once on
 * Node's worker threads. Each instance is the same as if built and run alone.
 */
export async function runBatch(build: (seed: number) => Network, options: BatchOptions): Promise<BatchInstance[]> {
  if (typeof build !== 'function') throw new TypeError(`build must be a function (seed) => Network (got ${shown(build)})`);
  checkOptions(options, true);
  if (options.onInstance !== undefined && typeof options.onInstance !== 'function') throw new TypeError('onInstance must be a function');
  const { seeds, ms, record = false, signal, onInstance } = options;
  if (!Array.isArray(seeds) || seeds.length === 0) throw new TypeError('seeds must be a non-empty array of numbers');
  seeds.forEach((seed, k) => checkInteger(seed, `seeds[${k}]`, 0, 2 ** 53));
  const poolSize = nativeWorkSlots();
  const concurrency = options.concurrency ?? Math.max(1, Math.min(os.availableParallelism(), poolSize));
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`concurrency must be an integer >= 1 (got ${shown(concurrency)})`);
  }
  const results = new Array<BatchInstance>(seeds.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < seeds.length) {
      const k = next++;
      const network = build(seeds[k]);
      if (!(network instanceof Network)) throw new TypeError(`build(${seeds[k]}) must return a Network (got ${shown(network)})`);
      results[k] = { seed: seeds[k], network, run: await network.run(ms, { record, signal }) };
      onInstance?.(++done, seeds.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, seeds.length) }, worker));
  return results;
}
