/** `polychron sweep` (run a spec's grid locally or through a queue) and `polychron worker` (serve a queue). */
import * as os from 'node:os';
import { Command } from 'commander';
import { QUEUE_DEFAULTS, runSweep, serveQueue, type SweepProgress } from '../sweep';
import { finiteNumber, positiveInteger, required } from './options';
import { inputFile, outputFolder } from './paths';
import { bar, etaText, ProgressLine } from './progress';
import { onStopSignals } from './signals';

/**
 * Makes room in libuv's thread pool for `runs` native runs at once (its size is read when it
 * is first used, which no command has done yet), unless the user set UV_THREADPOOL_SIZE.
 */
function reserveNativeSlots(runs: number): void {
  if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = String(Math.max(4, runs + 1));
}

interface SweepCliOptions {
  out?: string;
  workers?: number;
  threads: number;
  resume?: boolean;
  builders?: string[];
  queue?: string;
  queueName?: string;
  tlsCa?: string;
  quiet?: boolean;
  json?: boolean;
}

function progressText(p: SweepProgress): string {
  return `sweep ${bar(p.done / p.total)} ${p.done}/${p.total} done, ${p.running} running, ${p.failed} failed, ${etaText(p.etaSeconds)}`;
}

async function sweep(specFile: string, o: SweepCliOptions, command: Command): Promise<void> {
  const given = (option: string): boolean => command.getOptionValueSource(option) === 'cli';
  inputFile(specFile, 'SPEC', 'sweep spec');
  const out = outputFolder(required(o.out, '--out DIR is required: the folder results.jsonl, runs/ and summary.arrow are written to'), '--out');
  if (o.queue !== undefined && (given('workers') || o.builders !== undefined)) {
    throw new RangeError('--workers and --builders go with a local sweep; with --queue, give them to each polychron worker');
  }
  if (o.tlsCa !== undefined && o.queue === undefined) throw new RangeError('--tls-ca goes with --queue rediss://…');
  const workers = o.workers ?? os.availableParallelism();
  if (o.queue === undefined) reserveNativeSlots(workers);
  const line = new ProgressLine(o.quiet === true || o.json === true);
  const controller = new AbortController();
  const { signal } = controller;
  const dispose = onStopSignals(() => controller.abort(new Error('interrupted: the runs finished so far are kept; run the same command with --resume to go on')));
  try {
    const report = await runSweep(specFile, {
      out,
      resume: o.resume === true,
      threads: o.threads,
      ...(o.queue !== undefined
        ? { queue: { url: o.queue, ...(o.queueName !== undefined && { name: o.queueName }), ...(o.tlsCa !== undefined && { tlsCa: inputFile(o.tlsCa, '--tls-ca', 'CA file') }) } }
        : { workers, builders: o.builders ?? [] }),
      signal,
      onProgress: (p) => line.update(progressText(p)),
    });
    line.done();
    const summary = {
      total: report.total, done: report.done, skipped: report.skipped, failed: report.failed,
      wallSeconds: report.wallSeconds, results: report.resultsFile, summary: report.summaryFile,
    };
    if (o.json === true) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`${report.done} of ${report.total} runs done` +
        `${report.skipped > 0 ? ` (${report.skipped} found finished)` : ''}, ${report.failed} failed, ${report.wallSeconds.toFixed(1)} s; ` +
        `results in ${report.resultsFile}, summary in ${report.summaryFile}`);
    }
    for (const failure of report.failures) console.error(`run ${failure.id} ${JSON.stringify(failure.params)} failed: ${failure.error}`);
    if (report.failed > 0) throw new Error(`${report.failed} of ${report.total} runs failed (listed in ${out}/failures.jsonl); run again with --resume to retry them`);
  } finally {
    dispose();
  }
}

interface WorkerCliOptions {
  queue?: string;
  queueName?: string;
  tlsCa?: string;
  builders?: string[];
  concurrency: number;
  threads: number;
  lockSeconds?: number;
  exitWhenIdle?: number;
  quiet?: boolean;
}

async function worker(o: WorkerCliOptions): Promise<void> {
  const url = required(o.queue, '--queue URL is required: the Redis server the sweep was queued on (redis://HOST:PORT)');
  for (const file of o.builders ?? []) inputFile(file, '--builders', 'builder module');
  const log = o.quiet === true ? () => undefined : (text: string) => console.error(text);
  reserveNativeSlots(o.concurrency);
  const served = await serveQueue({
    url,
    ...(o.queueName !== undefined && { name: o.queueName }),
    ...(o.tlsCa !== undefined && { tlsCa: inputFile(o.tlsCa, '--tls-ca', 'CA file') }),
    builders: o.builders ?? [],
    concurrency: o.concurrency,
    threads: o.threads,
    ...(o.lockSeconds !== undefined && { lockSeconds: o.lockSeconds }),
    ...(o.exitWhenIdle !== undefined && { exitWhenIdleSeconds: o.exitWhenIdle }),
    log,
  });
  const dispose = onStopSignals(() => {
    log(`${served.name}: stopping after the runs in hand (again to stop now)`);
    void served.close();
  });
  try {
    await served.closed;
  } finally {
    dispose();
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function queueOptions(command: Command): Command {
  return command
    .option('--queue-name <name>', `the BullMQ queue (default ${QUEUE_DEFAULTS.name}; keys under the prefix ${QUEUE_DEFAULTS.prefix}:)`)
    .option('--tls-ca <file.pem>', 'certificate authorities to trust for a rediss:// server (default: the system\'s)');
}

export function sweepCommand(): Command {
  return queueOptions(new Command('sweep')
    .summary('run a parameter sweep of spiking networks, on a local worker pool or a Redis queue')
    .description('Run every parameter combination of a sweep spec (docs/sweeps.md): a network builder by name ' +
      '(izhikevich2006, or one from --builders) or a network description file, simulated seconds, a grid. ' +
      'Results are written to OUT/results.jsonl as each run finishes (one JSON object per run: params, metrics), ' +
      'kept files to OUT/runs/ID/, and OUT/summary.arrow at the end. Each run is named by a hash of what decides its ' +
      'result, so --resume skips those already finished. With --queue the runs go to a BullMQ queue served by ' +
      '`polychron worker` processes on any machine, and this command waits for all of them.')
    .argument('<spec.json>', 'the sweep spec, e.g. {"network": "izhikevich2006", "seconds": 20, "grid": {"seed": [1, 2, 3]}}')
    .option('--out <dir>', 'required: the output folder (created)')
    .addOption(positiveInteger('--workers <n>', 'worker threads of the local pool, each running one run at a time (default: the cores available)'))
    .addOption(positiveInteger('--threads <n>', 'native threads per run (results do not depend on it)', 1))
    .option('--resume', 'continue an output folder that holds results, skipping the runs finished there')
    .option('--builders <module.js>', 'a module whose exported functions build networks by name (repeatable; local pool only)', collect)
    .option('--queue <redis-url>', 'run on a Redis queue instead: redis://[user:password@]HOST:PORT[/db] or rediss://…')
    .option('--quiet', 'print only the final line')
    .option('--json', 'print only the final summary, as one JSON object')
    .action(sweep));
}

export function workerCommand(): Command {
  return queueOptions(new Command('worker')
    .summary('serve a sweep queue: take runs from Redis, run them, return the results')
    .description('Take runs queued by `polychron sweep --queue` and run them, one at a time per --concurrency. A worker ' +
      'builds only the built-in networks and the builders exported by the modules given with --builders: a job naming ' +
      'anything else is failed (never retried) and nothing of it runs. Ctrl-C or SIGTERM stops after the runs in hand; ' +
      'a worker killed outright has its run taken up by another worker after --lock-seconds.')
    .option('--queue <redis-url>', 'required: redis://[user:password@]HOST:PORT[/db] or rediss://… (TLS)')
    .option('--builders <module.js>', 'a module whose exported functions build networks by name (repeatable)', collect)
    .addOption(positiveInteger('--concurrency <n>', 'runs at once in this process', 1))
    .addOption(positiveInteger('--threads <n>', 'native threads per run', 1))
    .addOption(finiteNumber('--lock-seconds <s>', `how long a run's lock lasts unrenewed: a killed worker's run starts again elsewhere after this (default ${QUEUE_DEFAULTS.lockSeconds})`,
      undefined, 'a number in [1, 3600]', (n) => n >= 1 && n <= 3600))
    .addOption(finiteNumber('--exit-when-idle <s>', 'stop once the queue has been empty this many seconds (for Kubernetes Jobs)',
      undefined, 'a number of seconds >= 0', (n) => n >= 0))
    .option('--quiet', 'print nothing about each run')
    .action(worker));
}
