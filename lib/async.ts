import type { NativeRunResult } from './native';

/** Options every long-running method takes (see docs/api.md, "Async work"). */
export interface AsyncOptions {
  /** Aborting stops the work at the next safe point; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Called on the JS thread about every 50 ms with the units done and the total. If it
   * throws, or returns a promise that rejects, the work stops and the call rejects with
   * that error; a promise it returns is awaited before the call settles.
   */
  onProgress?: (done: number, total: number) => unknown;
}

type Callback<A extends unknown[]> = (...args: A) => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';

/** Checks the signal and progress callback options of an async method. */
export function checkAsyncOptions(signal: unknown, onProgress: unknown, callbackName = 'onProgress'): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`${callbackName} must be a function`);
}

/**
 * Starts native async work under the one policy of docs/api.md ("Async work"): an abort
 * asks the native side to stop (`cancel`); a progress callback that throws or rejects
 * stops the work too, and the call rejects with its error once the native side has
 * stopped; the callback's promises are awaited before the call settles. Resolves with
 * the result even when the work stopped early (`aborted`), so that the caller can keep
 * what was done before rethrowing.
 */
export async function runNative<T extends { aborted: boolean } = NativeRunResult, A extends unknown[] = [number, number]>(
  start: (onProgress: ((...args: A) => void) | undefined) => Promise<T>,
  cancel: () => void,
  signal: AbortSignal | undefined,
  onProgress?: Callback<A>,
): Promise<T> {
  checkAsyncOptions(signal, onProgress);
  signal?.throwIfAborted();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = { error };
    cancel();
  };
  const pending: Promise<unknown>[] = [];
  const observe =
    onProgress &&
    ((...args: A): void => {
      if (failure !== undefined) return;
      try {
        const returned = onProgress(...args);
        if (isThenable(returned)) pending.push(Promise.resolve(returned).then(undefined, fail));
      } catch (error) {
        fail(error);
      }
    });
  const promise = start(observe);
  signal?.addEventListener('abort', cancel, { once: true });
  let result: T;
  try {
    result = await promise;
  } catch (error) {
    await Promise.all(pending);
    throw failure !== undefined ? failure.error : error;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure.error;
  return result;
}

/** runNative, rejecting with the signal's reason when the work stopped because of it. */
export async function withSignal<T extends { aborted: boolean } = NativeRunResult, A extends unknown[] = [number, number]>(
  start: (onProgress: ((...args: A) => void) | undefined) => Promise<T>,
  cancel: () => void,
  signal: AbortSignal | undefined,
  onProgress?: Callback<A>,
): Promise<T> {
  const result = await runNative(start, cancel, signal, onProgress);
  if (result.aborted) signal?.throwIfAborted();
  return result;
}

/**
 * How many pieces of native work (runs, searches, training) can proceed at once in this
 * process: each holds one thread of libuv's pool, whose size is UV_THREADPOOL_SIZE (default
 * 4), fixed when the pool is first used. Worker threads share the same pool.
 */
export function nativeWorkSlots(): number {
  const size = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size >= 1 ? Math.min(size, 1024) : 4;
}
