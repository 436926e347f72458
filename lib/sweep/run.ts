/**
 * One run of a sweep, the same wherever it runs (a pool worker, a queue worker, in process):
 * build the network its builder names, simulate, optionally search its polychronous groups,
 * and return the metrics and the files the run keeps.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuilderRegistry } from './builders';
import type { SweepRun } from './spec';

/** What a run measured. A sweep's summary table has one column per field. */
export interface SweepMetrics {
  neurons: number;
  synapses: number;
  /** Spikes in the run. */
  spikes: number;
  /** spikes / neurons / seconds. */
  meanRateHz: number;
  /** Mean weight of the plastic synapses at the end (null when there are none). */
  meanExcitatoryWeight: number | null;
  plasticSynapses: number;
  synapticEvents: number;
  /** With a group search: the groups found, their mean size (firings) and mean and largest longest path. */
  groups?: number;
  groupMeanSize?: number | null;
  groupMeanLongestPath?: number | null;
  groupMaxLongestPath?: number;
}

/** The files a run may keep, by name (the only names a results folder accepts). */
export const SWEEP_FILE_NAMES = ['spikes.arrow', 'checkpoint.pcn'] as const;
export type SweepFileName = typeof SWEEP_FILE_NAMES[number];

export interface SweepRunOutput {
  metrics: SweepMetrics;
  files: Partial<Record<SweepFileName, Uint8Array>>;
  /** Seconds from the start of the build to the end of the run. */
  wallSeconds: number;
  startedAt: string;
  finishedAt: string;
}

export interface ExecuteOptions {
  /** Native threads per run (default 1). */
  threads?: number;
  signal?: AbortSignal;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The network's bytes as Network.save writes them (through a private temporary file). */
async function checkpointBytes(save: (file: string) => Promise<void>): Promise<Uint8Array> {
  const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'polychron-run-'));
  try {
    const file = path.join(folder, 'checkpoint.pcn');
    await save(file);
    return await fs.promises.readFile(file);
  } finally {
    await fs.promises.rm(folder, { recursive: true, force: true });
  }
}

/** Runs one (already checked) run. The builder registry decides what may be built. */
export async function executeRun(run: SweepRun, builders: BuilderRegistry, options: ExecuteOptions = {}): Promise<SweepRunOutput> {
  const { threads = 1, signal } = options;
  const startedAt = new Date();
  const started = process.hrtime.bigint();
  const network = await builders.build(run, { threads });
  try {
    const result = await network.run(Math.round(run.seconds * 1000), { record: run.keep.spikes, signal });
    const stats = network.stats();
    const plastic = network.plasticWeights();
    const metrics: SweepMetrics = {
      neurons: network.size,
      synapses: stats.synapses ?? 0,
      spikes: stats.spikes,
      meanRateHz: stats.spikes / network.size / run.seconds,
      meanExcitatoryWeight: plastic.count > 0 ? plastic.mean : null,
      plasticSynapses: plastic.count,
      synapticEvents: stats.synapticEvents,
    };
    if (run.groups !== false) {
      // Loaded when a run searches (pool threads start faster without it).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { findPolychronousGroups } = require('../groups') as typeof import('../groups');
      const set = await findPolychronousGroups(network, { ...run.groups, threads, signal });
      metrics.groups = set.size;
      metrics.groupMeanSize = mean(set.groups.map((g) => g.firings.length));
      metrics.groupMeanLongestPath = mean(set.groups.map((g) => g.longestPath));
      metrics.groupMaxLongestPath = set.groups.reduce((m, g) => Math.max(m, g.longestPath), 0);
    }
    const files: SweepRunOutput['files'] = {};
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (run.keep.spikes) files['spikes.arrow'] = (require('../formats/arrow') as typeof import('../formats/arrow')).encodeArrow(new Map<string, Float64Array | Uint32Array>([['ms', result.spikeTimes], ['neuron', result.spikeNeurons]]));
    if (run.keep.checkpoint) files['checkpoint.pcn'] = await checkpointBytes((file) => network.save(file));
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { metrics, files, wallSeconds, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString() };
  } finally {
    network.close();
  }
}
