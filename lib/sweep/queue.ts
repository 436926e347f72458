/**
 * Sweeps across machines on BullMQ (Redis). The submitter enqueues each run as a job whose
 * id is the run's id (so a run is queued once however often it is submitted), waits for
 * every job and writes the results into its own output folder. Workers, on any machine,
 * take jobs, check each against the run schema and their own builder registry, run it and
 * return the metrics and kept files as the job's value. A worker killed mid-run stops
 * renewing its lock; after `lockSeconds` another worker's stalled-job check puts the job
 * back and it runs again from the start (docs/sweeps.md).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import type { ConnectionOptions, Job, Queue as BullQueue, QueueEvents as BullQueueEvents, Worker as BullWorker } from 'bullmq';
import { nativeWorkSlots } from '../async';
import { BuilderRegistry } from './builders';
import type { Placement, SweepHandlers } from './results';
import { executeRun, SWEEP_FILE_NAMES, type SweepRunOutput } from './run';
import { parseSweepRun, type SweepRun } from './spec';

/** The queue's defaults, in one place (docs/sweeps.md). */
export const QUEUE_DEFAULTS = {
  /** BullMQ queue name. */
  name: 'polychron-sweeps',
  /** Redis key prefix of every key the queue uses (grant a Redis ACL user ~polychron:*). */
  prefix: 'polychron',
  /** Seconds a worker's lock on a job lasts unrenewed: how soon a killed worker's job runs again. */
  lockSeconds: 30,
  /** Tries of a run that throws (a killed worker's run is put back besides these). */
  attempts: 3,
  /** How often a run may be put back after its worker died before it is failed. */
  maxStalls: 2,
  /** First retry delay, doubled each time, ms. */
  backoffMs: 1000,
  /** Finished jobs stay this long, so that a submitter started again collects them, s. */
  keepSeconds: 7 * 24 * 3600,
  /** Bytes of kept files one run may return through Redis. */
  maxFileBytes: 64 * 1024 * 1024,
  /** Bytes of one job's data (a run with a network description). */
  maxJobBytes: 16 * 1024 * 1024,
  /** Besides listening for events, the submitter looks at every pending job this often, s. */
  pollSeconds: 60,
  /** Seconds to wait for Redis before giving up. */
  connectSeconds: 10,
} as const;

export interface QueueConnection {
  /** redis://[user:password@]host:port[/db] or rediss://… (TLS). */
  url: string;
  /** Queue name (default QUEUE_DEFAULTS.name). */
  name?: string;
  /** A PEM file of certificate authorities to trust for rediss:// (default: the system's). */
  tlsCa?: string;
}

/**
 * A run's job id: its id behind a prefix, since BullMQ refuses custom ids that read as
 * integers (and 16 hex digits may be all decimal digits).
 */
export function jobIdOf(runId: string): string {
  return `run-${runId}`;
}

/** What a worker returns for a run: the output with its files as base64. */
interface JobValue extends Omit<SweepRunOutput, 'files'> {
  files: Record<string, string>;
  worker: string;
  attempts: number;
}

let bullmqModule: typeof import('bullmq') | undefined;

/** BullMQ, loaded on first use (only queue users pay its load time). */
function bullmq(): typeof import('bullmq') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  bullmqModule ??= require('bullmq') as typeof import('bullmq');
  return bullmqModule;
}

/** ioredis options of a redis:// or rediss:// URL; the password is never echoed in errors. */
export function connectionOptions(connection: QueueConnection): ConnectionOptions {
  let url: URL;
  try {
    url = new URL(connection.url);
  } catch {
    throw new RangeError('queue URL must look like redis://HOST:PORT or rediss://USER:PASSWORD@HOST:PORT/DB');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RangeError(`queue URL must start with redis:// or rediss:// (got ${url.protocol}//)`);
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!(Number.isInteger(db) && db >= 0)) throw new RangeError(`queue URL's database must be an integer >= 0 (got '${url.pathname.slice(1)}')`);
  if (connection.tlsCa !== undefined && url.protocol !== 'rediss:') throw new RangeError('a TLS CA file goes with a rediss:// URL');
  return {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    db,
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' && {
      // A host name is checked against the certificate (SNI takes names, not addresses).
      tls: { ...(net.isIP(url.hostname) === 0 && { servername: url.hostname }), ...(connection.tlsCa !== undefined && { ca: fs.readFileSync(connection.tlsCa) }) },
    }),
    // BullMQ's workers block on Redis; ioredis must not give up on a command.
    maxRetriesPerRequest: null,
  };
}

/** The URL with any password hidden, for messages. */
function shown(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Waits for `ready`; fails after QUEUE_DEFAULTS.connectSeconds with a message naming the
 * server, or when `signal` aborts.
 */
async function connected(ready: Promise<unknown>, url: string, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${shown(url)} within ${QUEUE_DEFAULTS.connectSeconds} s`)), QUEUE_DEFAULTS.connectSeconds * 1000);
    onAbort = () => reject(signal!.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([ready, stop]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort!);
  }
}

/**
 * Connects once, without retrying, and asks for what BullMQ needs (PING, INFO), so that a
 * wrong address, password or ACL fails now with Redis's own reason. (BullMQ's objects retry
 * for ever, and cannot all be closed before they have connected.)
 */
async function preflight(connection: QueueConnection, signal?: AbortSignal): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const client = new Redis({
    ...(connectionOptions(connection) as object), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0,
    enableReadyCheck: false, connectTimeout: QUEUE_DEFAULTS.connectSeconds * 1000,
  });
  // The socket's own error (refused, a wrong password) says more than "Connection is closed".
  let reason: Error | undefined;
  client.on('error', (error: Error) => {
    reason ??= error;
  });
  try {
    await connected(client.connect().then(() => client.ping()).then(() => client.info('server')), connection.url, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Error(`cannot use Redis at ${shown(connection.url)}: ${(reason ?? error as Error).message}`);
  } finally {
    client.disconnect();
  }
}

/** A job's value, checked and decoded (it came from a worker: only known file names, within the size limit). */
function outputOf(value: unknown, id: string): { output: SweepRunOutput; placement: Placement } {
  const v = value as Partial<JobValue> | null;
  if (typeof v !== 'object' || v === null || typeof v.metrics !== 'object' || typeof v.files !== 'object' || v.files === null) {
    throw new Error(`job ${id}: the worker returned no run output`);
  }
  const files: SweepRunOutput['files'] = {};
  for (const [name, data] of Object.entries(v.files)) {
    if (!(SWEEP_FILE_NAMES as readonly string[]).includes(name) || typeof data !== 'string') throw new Error(`job ${id}: the worker returned an unexpected file '${name.slice(0, 40)}'`);
    files[name as keyof SweepRunOutput['files']] = Buffer.from(data, 'base64');
  }
  return {
    output: { metrics: v.metrics, files, wallSeconds: Number(v.wallSeconds), startedAt: String(v.startedAt), finishedAt: String(v.finishedAt) },
    placement: { worker: String(v.worker), attempts: Number(v.attempts) },
  };
}

/**
 * Enqueues the runs (those already queued are not added again; those that failed before are
 * retried) and waits for every one, calling onDone or onFailed once per run.
 */
export async function submitToQueue(runs: readonly SweepRun[], connection: QueueConnection, options: SweepHandlers): Promise<void> {
  const { Queue, QueueEvents } = bullmq();
  const name = connection.name ?? QUEUE_DEFAULTS.name;
  const redis = connectionOptions(connection);
  await preflight(connection, options.signal);
  const queue: BullQueue = new Queue(name, { connection: redis, prefix: QUEUE_DEFAULTS.prefix });
  const events: BullQueueEvents = new QueueEvents(name, { connection: redis, prefix: QUEUE_DEFAULTS.prefix });
  const errors: Error[] = [];
  queue.on('error', (e) => errors.push(e));
  events.on('error', (e) => errors.push(e));
  const pending = new Map(runs.map((r) => [r.id, r]));
  let wake: () => void = () => undefined;
  const settle = async (id: string): Promise<void> => {
    const run = pending.get(id);
    if (run === undefined) return;
    // The state first, then the job: a job read before it finished would lack its value or reason.
    const state = await queue.getJobState(jobIdOf(id));
    if (state !== 'completed' && state !== 'failed') return;
    const job = await queue.getJob(jobIdOf(id));
    if (job === undefined) return;
    pending.delete(id);
    const placement = { worker: '', attempts: job.attemptsStarted };
    if (state === 'completed') {
      try {
        const { output, placement: where } = outputOf(job.returnvalue, id);
        await options.onDone(run, output, where);
      } catch (error) {
        options.onFailed(run, (error as Error).message, placement);
      }
    } else {
      options.onFailed(run, job.failedReason ?? 'failed', placement);
    }
    if (pending.size === 0) wake();
  };
  let chain = Promise.resolve();
  // Event handlers run one at a time, in order, so results are written one at a time.
  const serial = (id: string): void => {
    chain = chain.then(() => settle(id)).catch((error: Error) => {
      errors.push(error);
      wake();
    });
  };
  const onAbort = (): void => wake();
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const runIdOf = (jobId: string): string => jobId.slice(jobIdOf('').length);
    events.on('completed', ({ jobId }) => serial(runIdOf(jobId)));
    events.on('failed', ({ jobId }) => serial(runIdOf(jobId)));
    events.on('active', ({ jobId }) => {
      const run = pending.get(runIdOf(jobId));
      if (run !== undefined) options.onStart?.(run);
    });
    const fresh: SweepRun[] = [];
    for (const run of runs) {
      const job = await queue.getJob(jobIdOf(run.id));
      if (job === undefined) fresh.push(run);
      else if ((await job.getState()) === 'failed') await job.retry('failed');
    }
    const jobOptions = {
      attempts: QUEUE_DEFAULTS.attempts,
      backoff: { type: 'exponential', delay: QUEUE_DEFAULTS.backoffMs },
      removeOnComplete: { age: QUEUE_DEFAULTS.keepSeconds },
      removeOnFail: { age: QUEUE_DEFAULTS.keepSeconds },
    };
    for (let k = 0; k < fresh.length; k += 1000) {
      await queue.addBulk(fresh.slice(k, k + 1000).map((run) => ({ name: run.network, data: run, opts: { ...jobOptions, jobId: jobIdOf(run.id) } })));
    }
    // Events settle runs as they finish. Jobs that finished before we listened (an earlier
    // submission) are found by looking at every pending job at once, and any event missed
    // (a reconnect) by looking again every pollSeconds.
    options.signal?.addEventListener('abort', onAbort, { once: true });
    while (pending.size > 0 && !options.signal?.aborted) {
      for (const id of [...pending.keys()]) serial(id);
      await chain;
      if (errors.length > 0) throw errors[0];
      if (pending.size === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, QUEUE_DEFAULTS.pollSeconds * 1000).unref();
      });
    }
    await chain;
    if (errors.length > 0) throw errors[0];
    options.signal?.throwIfAborted();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await events.close();
    await queue.close();
  }
}

export interface ServeOptions extends QueueConnection {
  /** Builder modules this worker may build from (its operator's --builders). */
  builders?: readonly string[];
  /** Runs at once in this process (default 1). */
  concurrency?: number;
  /** Native threads per run (default 1). */
  threads?: number;
  /** See QUEUE_DEFAULTS.lockSeconds. */
  lockSeconds?: number;
  /** Stop after the queue has been empty this long (for Kubernetes Jobs); default: serve until closed. */
  exitWhenIdleSeconds?: number;
  /** Lines about each job (started, done, refused, failed). */
  log?: (line: string) => void;
}

/** A serving worker: `closed` resolves when it has stopped; `close()` finishes the runs in hand first. */
export interface QueueWorker {
  readonly name: string;
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

/** Checks a job before anything runs; a job that fails here is never retried. */
function admit(job: Job, registry: BuilderRegistry): SweepRun {
  const { UnrecoverableError } = bullmq();
  try {
    const bytes = Buffer.byteLength(JSON.stringify(job.data ?? null));
    if (bytes > QUEUE_DEFAULTS.maxJobBytes) throw new RangeError(`job data of ${bytes} bytes is over the limit of ${QUEUE_DEFAULTS.maxJobBytes}`);
    const run = parseSweepRun(job.data, `job ${job.id}`);
    if (job.id !== jobIdOf(run.id)) throw new RangeError(`job ${job.id}: its id is not its run's (${jobIdOf(run.id)})`);
    registry.check(run);
    return run;
  } catch (error) {
    throw new UnrecoverableError(`refused: ${(error as Error).message}`);
  }
}

/** Takes jobs from the queue until closed (or idle for exitWhenIdleSeconds). */
export async function serveQueue(options: ServeOptions): Promise<QueueWorker> {
  const { Worker } = bullmq();
  const registry = await BuilderRegistry.load(options.builders ?? []);
  await preflight(options);
  const threads = options.threads ?? 1;
  const concurrency = options.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= nativeWorkSlots())) {
    throw new RangeError(`concurrency must be an integer in [1, ${nativeWorkSlots()}], the runs libuv's thread pool holds at once ` +
      `(UV_THREADPOOL_SIZE; got ${concurrency})`);
  }
  const lockSeconds = options.lockSeconds ?? QUEUE_DEFAULTS.lockSeconds;
  const log = options.log ?? (() => undefined);
  const name = `${os.hostname()}:${process.pid}`;
  const worker: BullWorker = new Worker(options.name ?? QUEUE_DEFAULTS.name, async (job: Job) => {
    const run = admit(job, registry);
    log(`${name}: run ${run.id} started (attempt ${job.attemptsStarted})`);
    let output: SweepRunOutput;
    try {
      output = await executeRun(run, registry, { threads });
    } catch (error) {
      // A TypeError or RangeError is a parameter the network refused: the same every time.
      if (error instanceof TypeError || error instanceof RangeError) throw new (bullmq().UnrecoverableError)(`${error.name}: ${error.message}`);
      throw error;
    }
    let bytes = 0;
    const files: Record<string, string> = {};
    for (const [file, data] of Object.entries(output.files)) {
      bytes += data.byteLength;
      files[file] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    }
    if (bytes > QUEUE_DEFAULTS.maxFileBytes) {
      throw new (bullmq().UnrecoverableError)(`run ${run.id} keeps ${bytes} bytes of files, over the queue's limit of ${QUEUE_DEFAULTS.maxFileBytes}; keep fewer files or run the sweep locally`);
    }
    log(`${name}: run ${run.id} done in ${output.wallSeconds.toFixed(2)} s`);
    const value: JobValue = { ...output, files, worker: name, attempts: job.attemptsStarted };
    return value;
  }, {
    connection: connectionOptions(options),
    prefix: QUEUE_DEFAULTS.prefix,
    concurrency,
    lockDuration: lockSeconds * 1000,
    stalledInterval: lockSeconds * 1000,
    maxStalledCount: QUEUE_DEFAULTS.maxStalls,
    autorun: false,
  });
  worker.on('failed', (job, error) => log(`${name}: job ${job?.id ?? '?'} failed: ${error.message}`));
  worker.on('error', (error) => log(`${name}: ${error.message}`));
  let idleTimer: NodeJS.Timeout | undefined;
  if (options.exitWhenIdleSeconds !== undefined) {
    const seconds = options.exitWhenIdleSeconds;
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        log(`${name}: the queue has been empty for ${seconds} s; stopping`);
        void worker.close();
      }, seconds * 1000);
    };
    worker.on('drained', armIdleTimer);
    worker.on('active', () => clearTimeout(idleTimer));
    armIdleTimer();
  }
  await worker.waitUntilReady();
  const closed = worker.run().then(() => undefined).finally(() => clearTimeout(idleTimer));
  log(`${name}: serving queue '${options.name ?? QUEUE_DEFAULTS.name}' at ${shown(options.url)} (builders: ${registry.names().join(', ')})`);
  return { name, close: () => worker.close(), closed };
}
