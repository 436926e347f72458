/**
 * Parameter sweeps: a spec's runs on a local worker pool or on a BullMQ queue served by
 * workers anywhere, results written into one folder as they finish (docs/sweeps.md).
 */
import * as os from 'node:os';
import { nativeWorkSlots } from '../async';
import { runOnPool } from './pool';
import { submitToQueue, type QueueConnection } from './queue';
import { SweepResults, type Placement, type SweepResult } from './results';
import type { SweepRunOutput } from './run';
import { expandSweep, readSweepSpec, type SweepRun, type SweepSpec } from './spec';

export interface SweepProgress {
  total: number;
  /** Finished, this time or before (skipped on resuming). */
  done: number;
  /** Of `done`, those found finished in the folder when the sweep started. */
  skipped: number;
  running: number;
  failed: number;
  elapsedSeconds: number;
  /** Seconds left at the pace so far (null before the first run of this sweep finishes). */
  etaSeconds: number | null;
}

export interface SweepOptions {
  /** The output folder (results.jsonl, runs/, summary.arrow). */
  out: string;
  /** Continue a folder that holds results, skipping the runs found there (default false). */
  resume?: boolean;
  /**
   * Worker threads of the local pool (default: the cores available, at most what libuv's
   * thread pool holds, UV_THREADPOOL_SIZE, default 4). Not with `queue`.
   */
  workers?: number;
  /** Native threads per run (default 1). */
  threads?: number;
  /** Builder modules the pool's workers load (not with `queue`: each queue worker has its own). */
  builders?: readonly string[];
  /** Run on a BullMQ queue instead of the pool: its Redis URL, or the connection. */
  queue?: string | QueueConnection;
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  /** Called as each run finishes or fails (after its line is written). */
  onRun?: (run: SweepRun, result: SweepResult | { error: string }) => void;
}

export interface SweepReport {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  /** Every finished run's result, in the spec's order. */
  results: SweepResult[];
  /** The failures of this sweep, in the order they happened. */
  failures: Array<{ id: string; params: SweepRun['params']; error: string }>;
  resultsFile: string;
  summaryFile: string;
  wallSeconds: number;
}

function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= 1024)) throw new RangeError(`${name} must be an integer in [1, 1024] (got ${value})`);
  return value;
}

/**
 * Runs a sweep: `spec` is a spec object or the path of a spec file. Resolves when every run
 * has finished or failed; a failed run is reported, not thrown (resuming runs it again).
 */
export async function runSweep(spec: SweepSpec | string, options: SweepOptions): Promise<SweepReport> {
  if (typeof options !== 'object' || options === null || typeof options.out !== 'string' || options.out === '') {
    throw new TypeError('options.out must be the output folder');
  }
  const runs = typeof spec === 'string' ? readSweepSpec(spec) : expandSweep(spec);
  const threads = positiveInteger(options.threads ?? 1, 'threads');
  const slots = nativeWorkSlots();
  const workers = positiveInteger(options.workers ?? Math.min(os.availableParallelism(), slots), 'workers');
  if (workers > slots) {
    throw new RangeError(`workers (${workers}) must be at most the ${slots} runs libuv's thread pool can hold at once in this process: ` +
      `start Node with UV_THREADPOOL_SIZE=${workers} or more (polychron sweep does this itself)`);
  }
  const queue = typeof options.queue === 'string' ? { url: options.queue } : options.queue;
  if (queue !== undefined && (options.workers !== undefined || options.builders !== undefined)) {
    throw new RangeError('workers and builders belong to the queue\'s workers (polychron worker), not to a queued sweep');
  }
  options.signal?.throwIfAborted();
  const results = SweepResults.open(options.out, { resume: options.resume });
  const started = Date.now();
  const pending = runs.filter((r) => !results.done.has(r.id));
  const skipped = runs.length - pending.length;
  const failures: SweepReport['failures'] = [];
  const running = new Set<string>();
  let finishedNow = 0;
  const progress = (): void => {
    const elapsedSeconds = (Date.now() - started) / 1000;
    const left = pending.length - finishedNow - failures.length;
    options.onProgress?.({
      total: runs.length, done: skipped + finishedNow, skipped, running: running.size, failed: failures.length, elapsedSeconds,
      etaSeconds: finishedNow === 0 ? null : (elapsedSeconds / finishedNow) * left,
    });
  };
  const handlers = {
    signal: options.signal,
    onStart: (run: SweepRun) => {
      running.add(run.id);
      progress();
    },
    onDone: async (run: SweepRun, output: SweepRunOutput, placement: Placement) => {
      running.delete(run.id);
      if (await results.add(run, output, placement)) {
        finishedNow++;
        options.onRun?.(run, results.done.get(run.id)!);
      }
      progress();
    },
    onFailed: (run: SweepRun, error: string, placement: Placement) => {
      running.delete(run.id);
      results.fail(run, error, placement);
      failures.push({ id: run.id, params: run.params, error });
      options.onRun?.(run, { error });
      progress();
    },
  };
  try {
    progress();
    if (pending.length > 0) {
      if (queue !== undefined) await submitToQueue(pending, queue, handlers);
      else await runOnPool(pending, { ...handlers, workers, threads, builders: options.builders ?? [] });
    }
    const summaryFile = await results.writeSummary(runs);
    const done = runs.map((r) => results.done.get(r.id)).filter((r): r is SweepResult => r !== undefined);
    return {
      total: runs.length, done: done.length, skipped, failed: failures.length, results: done, failures,
      resultsFile: results.file, summaryFile, wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    results.close();
  }
}

export { serveQueue, QUEUE_DEFAULTS, type QueueConnection, type QueueWorker, type ServeOptions } from './queue';
export { BUILT_IN_PARAMS, BuilderRegistry, type SweepBuilder, type SweepBuildContext } from './builders';
export { executeRun, type SweepMetrics, type SweepRunOutput } from './run';
export { readSweepResults, type SweepResult } from './results';
export { expandSweep, readSweepSpec, SWEEP_LIMITS, SWEEP_SPEC_VERSION, type SweepRun, type SweepSpec, type SweepValue } from './spec';
