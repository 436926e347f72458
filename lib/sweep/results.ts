/**
 * A sweep's output folder, written as runs finish so that a crash loses at most the runs in
 * flight:
 *
 *   OUT/results.jsonl   one JSON object per finished run (SweepResult), appended in one write
 *   OUT/failures.jsonl  one object per run that failed this time ({ id, params, error, ... })
 *   OUT/runs/ID/        the files a run keeps (spikes.arrow, checkpoint.pcn), before its line
 *   OUT/summary.arrow   params and metrics of every finished run, in spec order (at the end)
 *
 * Only this module writes there, and only to these names: a run's id is the submitter's own
 * hash and file names come from a fixed list, never from what a worker sent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../files';
import { arrow } from '../formats/arrow';
import { JSON_LIMITS, readJsonText } from '../json';
import { SWEEP_FILE_NAMES, type SweepMetrics, type SweepRunOutput } from './run';
import type { SweepParams, SweepRun } from './spec';

/** One line of results.jsonl. */
export interface SweepResult {
  id: string;
  network: string;
  params: SweepParams;
  seconds: number;
  metrics: SweepMetrics;
  /** Files kept, relative to the output folder. */
  files?: string[];
  /** Timing and placement: the only fields that differ between the pool and the queue. */
  wallSeconds: number;
  startedAt: string;
  finishedAt: string;
  /** 'pool-K' in a local pool; 'HOST:PID' for a queue worker. */
  worker: string;
  /** Times the run was started (more than 1 after a retry or a killed worker). */
  attempts: number;
}

export interface Placement {
  worker: string;
  attempts: number;
}

/** What the pool and the queue report to the sweep, once per run. */
export interface SweepHandlers {
  signal?: AbortSignal;
  onStart?: (run: SweepRun) => void;
  /** Awaited before the run leaves the executor's hands (its result is written there). */
  onDone: (run: SweepRun, output: SweepRunOutput, placement: Placement) => Promise<void>;
  onFailed: (run: SweepRun, error: string, placement: Placement) => void;
}

const RUN_ID = /^[0-9a-f]{16}$/;
const RESULTS_FILE = 'results.jsonl';

/** The results in the text of a results.jsonl (`file` names it in errors); blank lines are skipped. */
function parseResults(text: string, file: string): SweepResult[] {
  const results: SweepResult[] = [];
  text.split('\n').forEach((line, k) => {
    if (line.trim() === '') return;
    let result: SweepResult;
    try {
      result = JSON.parse(line) as SweepResult;
    } catch {
      throw new RangeError(`${file}: line ${k + 1} is not JSON; the file was changed by something other than polychron`);
    }
    if (typeof result?.id !== 'string' || !RUN_ID.test(result.id)) throw new RangeError(`${file}: line ${k + 1} has no run id`);
    if (typeof result.params !== 'object' || result.params === null || typeof result.metrics !== 'object' || result.metrics === null) {
      throw new RangeError(`${file}: line ${k + 1} is not a sweep result (no params or metrics)`);
    }
    results.push(result);
  });
  return results;
}

export class SweepResults {
  readonly folder: string;
  /** OUT/results.jsonl. */
  readonly file: string;
  /** Finished runs by id: those found on resuming, then each one added. */
  readonly done: Map<string, SweepResult>;
  readonly #results: number;
  readonly #failures: number;

  private constructor(folder: string, results: number, failures: number, done: Map<string, SweepResult>) {
    this.folder = folder;
    this.file = path.join(folder, RESULTS_FILE);
    this.#results = results;
    this.#failures = failures;
    this.done = done;
  }

  /**
   * Opens (creating) the folder. A folder holding results is continued only with `resume`
   * (nothing saved is ever overwritten); a last line cut short by a crash is dropped then.
   */
  static open(folder: string, options: { resume?: boolean } = {}): SweepResults {
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, RESULTS_FILE);
    const done = new Map<string, SweepResult>();
    if (fs.existsSync(file)) {
      const text = readJsonText(file, JSON_LIMITS.sweepResults, 'results file');
      if (text.length > 0 && options.resume !== true) {
        throw new Error(`${file} already holds results: pass --resume (resume: true) to continue that sweep, or choose another output folder`);
      }
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      if (complete.length < text.length) fs.truncateSync(file, Buffer.byteLength(complete));
      for (const result of parseResults(complete, file)) done.set(result.id, result);
    }
    const results = fs.openSync(file, 'a');
    const failures = fs.openSync(path.join(folder, 'failures.jsonl'), 'w');
    return new SweepResults(folder, results, failures, done);
  }

  /** Records a finished run: its files first, then its line. A run already recorded is ignored (returns false). */
  async add(run: SweepRun, output: SweepRunOutput, placement: Placement): Promise<boolean> {
    if (!RUN_ID.test(run.id)) throw new RangeError(`run id '${run.id}' is not 16 hex digits`);
    if (this.done.has(run.id)) return false;
    const files: string[] = [];
    const names = Object.keys(output.files);
    if (names.length > 0) {
      const folder = path.join(this.folder, 'runs', run.id);
      await fs.promises.mkdir(folder, { recursive: true });
      for (const name of names) {
        if (!(SWEEP_FILE_NAMES as readonly string[]).includes(name)) throw new RangeError(`a run may keep only ${SWEEP_FILE_NAMES.join(', ')} (got '${name.slice(0, 40)}')`);
        await writeFileAtomic(path.join(folder, name), output.files[name as keyof SweepRunOutput['files']]!);
        files.push(`runs/${run.id}/${name}`);
      }
    }
    const result: SweepResult = {
      id: run.id,
      network: run.network,
      params: run.params,
      seconds: run.seconds,
      metrics: output.metrics,
      ...(files.length > 0 && { files }),
      wallSeconds: output.wallSeconds,
      startedAt: output.startedAt,
      finishedAt: output.finishedAt,
      worker: placement.worker,
      attempts: placement.attempts,
    };
    // One write of one line: a crash leaves the file either without it or with a cut last line, which open() drops.
    fs.writeSync(this.#results, `${JSON.stringify(result)}\n`);
    this.done.set(run.id, result);
    return true;
  }

  /** Records a run that failed (it is not done: resuming runs it again). */
  fail(run: SweepRun, error: string, placement: Placement): void {
    fs.writeSync(this.#failures, `${JSON.stringify({ id: run.id, params: run.params, error, worker: placement.worker, attempts: placement.attempts })}\n`);
  }

  /** Writes summary.arrow: one row per finished run of `runs`, in their order. */
  async writeSummary(runs: readonly SweepRun[]): Promise<string> {
    const rows = runs.map((r) => this.done.get(r.id)).filter((r): r is SweepResult => r !== undefined);
    const file = path.join(this.folder, 'summary.arrow');
    await writeFileAtomic(file, summaryTable(rows));
    return file;
  }

  close(): void {
    fs.closeSync(this.#results);
    fs.closeSync(this.#failures);
  }
}

/** The results of a sweep: OUT/results.jsonl, given the folder or the file. */
export function readSweepResults(folderOrFile: string): SweepResult[] {
  const file = fs.statSync(folderOrFile).isDirectory() ? path.join(folderOrFile, RESULTS_FILE) : folderOrFile;
  return parseResults(readJsonText(file, JSON_LIMITS.sweepResults, 'results file'), file);
}

/**
 * The summary as an Arrow IPC file: `id`, `network`, one column per parameter (float64 when
 * every value is a number, else utf8), one float64 column per metric (NaN where absent), and
 * `wallSeconds`. pandas, polars, pyarrow and DuckDB read it as is.
 */
export function summaryTable(rows: readonly SweepResult[]): Uint8Array {
  const { tableFromArrays, tableToIPC } = arrow();
  const columns: Record<string, string[] | Float64Array> = {
    id: rows.map((r) => r.id),
    network: rows.map((r) => r.network),
  };
  const keysOf = (pick: (r: SweepResult) => object): string[] => [...new Set(rows.flatMap((r) => Object.keys(pick(r))))];
  for (const key of keysOf((r) => r.params)) {
    const values = rows.map((r) => r.params[key]);
    columns[key] = values.every((v) => typeof v === 'number')
      ? Float64Array.from(values as number[])
      : values.map((v) => (v === undefined ? '' : String(v)));
  }
  for (const key of keysOf((r) => r.metrics)) {
    if (key in columns) continue;
    columns[key] = Float64Array.from(rows, (r) => (r.metrics as unknown as Record<string, number | null>)[key] ?? Number.NaN);
  }
  columns.wallSeconds = Float64Array.from(rows, (r) => r.wallSeconds);
  return tableToIPC(tableFromArrays(columns), 'file');
}
