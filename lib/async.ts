import type { NativeRunResult } from './native';

/** Options every long-running method takes (see docs/api.md, "Async work"). */
export interface AsyncOptions {
  /** Aborting stops the work at the next safe point; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Called on the JS thread about every 50 ms with the units done and the total; throwing stops the work. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Starts native async work tied to an AbortSignal: an abort asks the native side to stop
 * (`cancel`). Resolves with the result even when it stopped early (`aborted`), so that
 * the caller can keep what was done before rethrowing.
 */
export async function runNative<T extends { aborted: boolean } = NativeRunResult>(
  start: () => Promise<T>,
  cancel: () => void,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('signal must be an AbortSignal');
  }
  signal?.throwIfAborted();
  const promise = start();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await promise;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/** runNative, rejecting with the signal's reason when the work stopped because of it. */
export async function withSignal<T extends { aborted: boolean } = NativeRunResult>(
  start: () => Promise<T>,
  cancel: () => void,
  signal: AbortSignal | undefined,
): Promise<T> {
  const result = await runNative(start, cancel, signal);
  if (result.aborted) signal?.throwIfAborted();
  return result;
}
