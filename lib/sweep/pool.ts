/**
 * The local pool: `workers` worker threads (each with its own copy of the addon), each
 * running one run at a time with `threads` native threads. A worker that dies (an uncaught
 * error in a user's builder) fails the run it held and is replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../native';
import type { PoolReply } from './pool-worker';
import type { Placement, SweepHandlers } from './results';
import type { SweepRun } from './spec';

export interface PoolOptions extends SweepHandlers {
  workers: number;
  threads: number;
  /** Builder modules every worker loads (the operator's --builders). */
  builders: readonly string[];
}

/** Runs a worker holds at once: the one it runs and the next. */
const IN_HAND = 2;

/** The compiled worker script (tests run the TypeScript sources, whose compiled twin is in dist/). */
function workerScript(): string {
  const beside = path.join(__dirname, 'pool-worker.js');
  return fs.existsSync(beside) ? beside : path.join(packageRoot, 'dist', 'sweep', 'pool-worker.js');
}

/** Runs every run on the pool; resolves when all have finished or failed. */
export async function runOnPool(runs: readonly SweepRun[], options: PoolOptions): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  let next = 0;
  const live = new Set<Worker>();
  const script = workerScript();

  const serve = (slot: number): Promise<void> => new Promise<void>((resolve, reject) => {
    const worker = new Worker(script, { workerData: { builders: options.builders, threads: options.threads } });
    live.add(worker);
    const placement: Placement = { worker: `pool-${slot}`, attempts: 1 };
    // Runs sent to this worker, oldest first: the one it runs and the next, so that it never
    // waits for the main thread between runs.
    const inHand: SweepRun[] = [];
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      live.delete(worker);
      // Asked to stop rather than terminated: it cancels the run it holds and ends cleanly.
      worker.postMessage({ stop: true });
      if (error) reject(error);
      else resolve();
    };
    const topUp = (): void => {
      if (signal?.aborted) return finish(signal.reason as Error);
      while (inHand.length < IN_HAND && next < runs.length) {
        const run = runs[next++];
        inHand.push(run);
        worker.postMessage({ run });
      }
      if (inHand.length === 0) finish();
    };
    const failInHand = (why: string): void => {
      for (const run of inHand.splice(0)) options.onFailed(run, why, placement);
    };
    const handle = async (reply: PoolReply): Promise<void> => {
      if (reply.type === 'ready') return topUp();
      if (reply.type === 'fatal') {
        void worker.terminate(); // it loaded no builder and runs nothing
        return finish(new Error(reply.error));
      }
      if (reply.type === 'started') return options.onStart?.(inHand[0]);
      const run = inHand.shift()!;
      if (reply.type === 'done') await options.onDone(run, reply.output, placement);
      else options.onFailed(run, reply.error, placement);
      topUp();
    };
    // One reply at a time: the worker may report its next run while this one's result is
    // still being written, and the pool must not end before every result is.
    let handling = Promise.resolve();
    worker.on('message', (reply: PoolReply) => {
      handling = handling.then(() => handle(reply)).catch(finish);
    });
    worker.on('error', (error) => {
      // The thread is gone: fail what it held and carry on with a new one.
      failInHand(`the worker thread died: ${error.message}`);
      live.delete(worker);
      if (!settled) {
        settled = true;
        serve(slot).then(resolve, reject);
      }
    });
    worker.on('exit', (code) => {
      if (settled) return;
      if (!signal?.aborted) failInHand(`the worker thread exited (code ${code})`);
      finish(signal?.aborted ? signal.reason as Error : new Error(`a pool worker thread exited (code ${code})`));
    });
  });

  // Workers are asked to stop rather than terminated: each cancels its run and exits when
  // the native work has ended.
  const abort = (): void => {
    for (const worker of live) worker.postMessage({ stop: true });
  };
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const slots = Math.min(options.workers, runs.length);
    await Promise.all(Array.from({ length: slots }, (_, k) => serve(k + 1)));
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener('abort', abort);
    abort();
  }
}
