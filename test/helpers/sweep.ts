import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepResult } from '../../lib';

/** The lines of OUT/results.jsonl. */
export function readResults(out: string): SweepResult[] {
  return fs.readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SweepResult);
}

/** A result without its timing and placement fields: what must not depend on where it ran. */
export function outcome(r: SweepResult): Omit<SweepResult, 'wallSeconds' | 'startedAt' | 'finishedAt' | 'worker' | 'attempts'> {
  const { wallSeconds, startedAt, finishedAt, worker, attempts, ...rest } = r;
  return rest;
}

export const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
