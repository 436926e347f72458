import type { NativeRunResult } from './native';

/** Options every long-running method takes (see docs/api.md, "Async work"). */
export interface AsyncOptions {
  /** Aborting stops the work at the next safe point; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Called on the JS thread about every 50 ms with the units done and the total; throwing stops the work. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Starts native async work and ties it to an AbortSignal: an abort asks the native side
 * to stop (`cancel`), and a run that stopped early because of it rejects with the
 * signal's reason.
 */
export async function withSignal(
  start: () => Promise<NativeRunResult>,
  cancel: () => void,
  signal: AbortSignal | undefined,
): Promise<NativeRunResult> {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('signal must be an AbortSignal');
  }
  signal?.throwIfAborted();
  const promise = start();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const result = await promise;
    if (result.aborted) signal?.throwIfAborted();
    return result;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
