/** Reading the files that simulate and lm train write, for the plot and report commands. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCsv } from '../formats/csv';
import type { ColumnSpec } from '../formats/columns';
import type { LossCurves } from './loss';
import type { WeightSnapshot } from './weights';

/** Numeric columns of a CSV file with this header, as float64 arrays in header order. */
function readColumns(file: string, header: string): Float64Array[] {
  const spec: ColumnSpec[] = header.split(',').map((name) => ({ name, type: 'f8' }));
  return [...parseCsv(fs.readFileSync(file, 'utf8'), spec, file).values()] as Float64Array[];
}

/** The weight column of a weights CSV (pre,syn,post,weight,sd), as `simulate --weights-out` writes it. */
export function readWeightsCsv(file: string): Float64Array {
  return readColumns(file, 'pre,syn,post,weight,sd')[3];
}

const SNAPSHOT_NAME = /^weights_sec(\d+)\.csv$/;

/** The snapshots of a `simulate --weights-out DIR` folder (weights_secN.csv), in order of N. */
export function readWeightSnapshots(dir: string): WeightSnapshot[] {
  const seconds = fs.readdirSync(dir)
    .map((name) => SNAPSHOT_NAME.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
  if (seconds.length === 0) throw new RangeError(`${dir}: no weights_secN.csv files (written by polychron simulate --weights-out)`);
  return seconds.map((second) => ({ label: `${second} s`, weights: readWeightsCsv(path.join(dir, `weights_sec${second}.csv`)) }));
}

/**
 * Loss curves from `lm train` files: --log (step,val_loss) gives the validations,
 * --trace (step,start,train_loss, one row per step) the training losses.
 */
export function readLossFiles(files: { log?: string; trace?: string }): LossCurves {
  const curves: LossCurves = {};
  if (files.log !== undefined) {
    const [steps, losses] = readColumns(files.log, 'step,val_loss');
    curves.validations = Array.from(steps, (step, k) => ({ step, loss: losses[k] }));
  }
  if (files.trace !== undefined) {
    const [steps, , losses] = readColumns(files.trace, 'step,start,train_loss');
    // plotLoss places losses[k] at firstStep + k: the trace must have one row per step.
    const gap = steps.findIndex((step, k) => step !== steps[0] + k);
    if (gap >= 0) throw new RangeError(`${files.trace}:${gap + 2}: steps must be consecutive (got ${steps[gap]} after ${steps[gap - 1]})`);
    curves.losses = Float64Array.from(losses);
    curves.firstStep = steps[0] ?? 0;
  }
  return curves;
}
