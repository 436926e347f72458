import { parseArgs } from 'node:util';
import { findPolychronousGroups, GROUP_SEARCH_DEFAULTS, GroupSet } from '../groups';
import { Network } from '../network';
import { readSpikesCsv } from '../spnet';
import { positiveInteger } from './args';

export const GROUPS_USAGE = [
  `polychron groups --checkpoint FILE --out groups.json [--min-path ${GROUP_SEARCH_DEFAULTS.minPath}] [--anchors ${GROUP_SEARCH_DEFAULTS.anchors}] [--window MS]`,
  '  [--shuffle] [--shuffle-seed 1] [--threads T]',
  'polychron groups query --groups groups.json --spikes FILE.csv [--jitter 1] [--min-fraction 0.5]',
  '  [--from MS] [--to MS] [--limit N]',
].join('\n');

function finiteNumber(value: string | undefined, name: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new RangeError(`--${name} must be a number (got '${value}')`);
  return x;
}

/** A one-line progress bar on stderr, redrawn in place when stderr is a terminal. */
function progressBar(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((width * done) / Math.max(1, total));
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} mothers`);
    if (done === total) process.stderr.write('\n');
  };
}

async function search(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      'min-path': { type: 'string' },
      anchors: { type: 'string' },
      window: { type: 'string' },
      shuffle: { type: 'boolean' },
      'shuffle-seed': { type: 'string' },
      threads: { type: 'string' },
    },
  });
  if (values.checkpoint === undefined) throw new RangeError('--checkpoint FILE is required (a network saved by Network.save or simulate --checkpoint-out)');
  if (values.out === undefined) throw new RangeError('--out FILE is required (where the groups are written as JSON)');
  if (values['shuffle-seed'] !== undefined && !values.shuffle) throw new RangeError('--shuffle-seed goes with --shuffle');
  const options = {
    minPath: positiveInteger(values['min-path'], 'min-path', GROUP_SEARCH_DEFAULTS.minPath),
    anchors: positiveInteger(values.anchors, 'anchors', GROUP_SEARCH_DEFAULTS.anchors),
    ...(values.window !== undefined ? { window: positiveInteger(values.window, 'window', 0) } : {}),
    ...(values.threads !== undefined ? { threads: positiveInteger(values.threads, 'threads', 1) } : {}),
    ...(values.shuffle ? { shuffleSeed: positiveInteger(values['shuffle-seed'], 'shuffle-seed', 1) } : {}),
  };
  const network = await Network.load(values.checkpoint);
  const started = performance.now();
  const groups = await findPolychronousGroups(network, { ...options, onProgress: progressBar('searching') });
  const seconds = (performance.now() - started) / 1000;
  await groups.save(values.out);
  const shuffled = values.shuffle ? ` in a copy with shuffled excitatory targets (seed ${options.shuffleSeed})` : '';
  console.error(`${groups.size} groups with minPath ${options.minPath}${shuffled}, found in ${seconds.toFixed(2)} s; written to ${values.out}`);
}

async function query(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      groups: { type: 'string' },
      spikes: { type: 'string' },
      jitter: { type: 'string' },
      'min-fraction': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  if (values.groups === undefined) throw new RangeError('--groups FILE is required (written by polychron groups --out)');
  if (values.spikes === undefined) throw new RangeError('--spikes FILE.csv is required (columns ms,neuron)');
  const minFraction = finiteNumber(values['min-fraction'], 'min-fraction', 0.5)!;
  if (!(minFraction > 0 && minFraction <= 1)) throw new RangeError(`--min-fraction must be in (0, 1] (got '${values['min-fraction']}')`);
  const jitter = finiteNumber(values.jitter, 'jitter', 1)!;
  if (!(jitter >= 0)) throw new RangeError(`--jitter must be a number >= 0 (got '${values.jitter}')`);
  const from = finiteNumber(values.from, 'from', undefined);
  const to = finiteNumber(values.to, 'to', undefined);
  const limit = values.limit === undefined ? Infinity : positiveInteger(values.limit, 'limit', 1);
  const set = await GroupSet.load(values.groups);
  const raster = readSpikesCsv(values.spikes);
  const activations = await set.activatedBy(raster, { jitter, minFraction, from, to });
  const lines = ['rank,group,onset_ms,matched,size,fraction'];
  activations.slice(0, limit).forEach((a, k) => {
    lines.push(`${k + 1},${a.index},${a.onset},${a.matched},${a.group.firings.length},${a.fraction.toFixed(4)}`);
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  const distinct = new Set(activations.map((a) => a.index)).size;
  console.error(`${activations.length} activations of ${distinct} of ${set.size} groups in ${raster.times.length} spikes (jitter ±${jitter} ms, min fraction ${minFraction})`);
}

export async function groups(args: string[]): Promise<void> {
  if (args[0] === 'query') await query(args.slice(1));
  else await search(args);
}
