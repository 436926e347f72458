/**
 * A local pool's worker thread: loads the builders its pool was given, then runs each run it
 * is sent, one at a time in the order sent, and posts back the output or the error. Asked to
 * stop, it cancels its run and exits once the native work has ended (a thread terminated
 * with native work in flight would take the process down).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BuilderRegistry } from './builders';
import { executeRun } from './run';
import { parseSweepRun } from './spec';

/** Messages from the pool to a worker: a run to do, or stop (cancel the run in hand and exit). */
export type PoolRequest = { run: unknown } | { stop: true };

/** Messages from a worker to the pool. */
export type PoolReply =
  | { type: 'ready' }
  | { type: 'started'; id: string }
  | { type: 'fatal'; error: string }
  | { type: 'done'; id: string; output: import('./run').SweepRunOutput }
  | { type: 'failed'; id: string; error: string };

const { builders, threads } = workerData as { builders: string[]; threads: number };
const port = parentPort!;

BuilderRegistry.load(builders).then((registry) => {
  // One run at a time, in the order sent (the pool sends the next before this one ends).
  let queue = Promise.resolve();
  const stopping = new AbortController();
  port.on('message', (request: PoolRequest) => {
    if ('stop' in request) {
      stopping.abort(new Error('the sweep was stopped'));
      void queue.then(() => process.exit(0));
      return;
    }
    const data = request.run;
    const id = String((data as { id?: unknown } | null)?.id);
    queue = queue.then(async () => {
      if (stopping.signal.aborted) return;
      port.postMessage({ type: 'started', id } satisfies PoolReply);
      try {
        const run = parseSweepRun(data, `run ${id}`);
        registry.check(run);
        const output = await executeRun(run, registry, { threads, signal: stopping.signal });
        port.postMessage({ type: 'done', id, output } satisfies PoolReply);
      } catch (error) {
        port.postMessage({ type: 'failed', id, error: `${(error as Error).name}: ${(error as Error).message}` } satisfies PoolReply);
      }
    });
  });
  port.postMessage({ type: 'ready' } satisfies PoolReply);
}, (error: Error) => port.postMessage({ type: 'fatal', error: error.message } satisfies PoolReply));
