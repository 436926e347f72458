import { Command } from 'commander';
import { findPolychronousGroups, GROUP_SEARCH_DEFAULTS, GroupSet } from '../groups';
import { Network } from '../network';
import { readSpikesCsv, spnetFromFiles } from '../spnet';
import { finiteNumber, nonNegativeInteger, oneOf, positiveInteger, required } from './options';
import { inputFile, outputFile, reading } from './paths';
import { bar, eta, ProgressLine } from './progress';

interface SearchOptions {
  checkpoint?: string;
  connectivity?: string;
  out?: string;
  minPath: number;
  anchors: number;
  window?: number;
  /** How the control is shuffled: --shuffle alone gives 'weights'. */
  shuffle?: 'weights' | 'targets';
  shuffleSeed: number;
  threads?: number;
  quiet?: boolean;
}

interface QueryOptions {
  groups?: string;
  spikes?: string;
  jitter: number;
  minFraction: number;
  from?: number;
  to?: number;
  limit?: number;
  json?: boolean;
}

/** The network to search: a checkpoint, or the 2006 network with the synapses of a connectivity CSV. */
function networkSource(o: SearchOptions): () => Promise<Network> {
  if (o.checkpoint !== undefined && o.connectivity !== undefined) throw new RangeError('give --checkpoint FILE or --connectivity FILE.csv, not both');
  if (o.connectivity !== undefined) {
    const connectivity = inputFile(o.connectivity, '--connectivity', 'connectivity file');
    return () => reading('--connectivity', () => spnetFromFiles(connectivity, undefined).network);
  }
  const checkpoint = inputFile(
    required(o.checkpoint, '--checkpoint FILE is required (a network saved by Network.save or simulate --checkpoint-out), ' +
      'or --connectivity FILE.csv (the 2006 network\'s synapses)'),
    '--checkpoint', 'network checkpoint');
  return () => reading('--checkpoint', () => Network.load(checkpoint));
}

async function search(o: SearchOptions, command: Command): Promise<void> {
  const open = networkSource(o);
  const out = outputFile(required(o.out, '--out FILE is required (where the groups are written as JSON)'), '--out');
  if (command.getOptionValueSource('shuffleSeed') === 'cli' && !o.shuffle) throw new RangeError('--shuffle-seed goes with --shuffle');
  const options = {
    minPath: o.minPath,
    anchors: o.anchors,
    ...(o.window !== undefined && { window: o.window }),
    ...(o.threads !== undefined && { threads: o.threads }),
    ...(o.shuffle !== undefined && { shuffleSeed: o.shuffleSeed, shuffle: o.shuffle }),
  };
  const network = await open();
  const line = new ProgressLine(o.quiet === true);
  const started = performance.now();
  const onProgress = (done: number, total: number): void => {
    const fraction = done / Math.max(1, total);
    line.update(`searching ${bar(fraction)} ${done}/${total} mothers, ${eta((performance.now() - started) / 1000, fraction)}`);
  };
  const groups = await findPolychronousGroups(network, { ...options, onProgress });
  line.done();
  const seconds = (performance.now() - started) / 1000;
  await groups.save(out);
  const shuffled = o.shuffle === undefined ? ''
    : ` in a copy with its excitatory→excitatory ${o.shuffle} shuffled (seed ${o.shuffleSeed})`;
  console.error(`${groups.size} groups with minPath ${options.minPath}${shuffled}, found in ${seconds.toFixed(2)} s; written to ${out}`);
}

async function query(o: QueryOptions): Promise<void> {
  const groupsFile = inputFile(required(o.groups, '--groups FILE is required (written by polychron groups --out)'), '--groups', 'group file');
  const spikesFile = inputFile(required(o.spikes, '--spikes FILE.csv is required (columns ms,neuron)'), '--spikes', 'spike file');
  const { jitter, minFraction, from, to } = o;
  const set = await reading('--groups', () => GroupSet.load(groupsFile));
  const raster = await reading('--spikes', () => readSpikesCsv(spikesFile));
  const all = await set.activatedBy(raster, { jitter, minFraction, from, to });
  const activations = all.slice(0, o.limit ?? Infinity);
  if (o.json === true) {
    console.log(JSON.stringify(activations.map((a, k) => ({
      rank: k + 1, group: a.index, onsetMs: a.onset, matched: a.matched, size: a.group.firings.length, fraction: a.fraction,
    }))));
  } else {
    const lines = ['rank,group,onset_ms,matched,size,fraction'];
    activations.forEach((a, k) => {
      lines.push(`${k + 1},${a.index},${a.onset},${a.matched},${a.group.firings.length},${a.fraction.toFixed(4)}`);
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  const distinct = new Set(all.map((a) => a.index)).size;
  console.error(`${all.length} activations of ${distinct} of ${set.size} groups in ${raster.times.length} spikes (jitter ±${jitter} ms, min fraction ${minFraction})`);
}

function queryCommand(): Command {
  return new Command('query')
    .summary('rank the groups a spike raster activates (CSV on stdout)')
    .description('Find where the groups of a group file are active in a recorded spike raster: an activation is an ' +
      'onset at which at least --min-fraction of a group\'s firings have a spike within ±--jitter ms. ' +
      'Prints rank,group,onset_ms,matched,size,fraction on stdout and a count on stderr.')
    .option('--groups <file.json>', 'required: the group file written by polychron groups --out')
    .option('--spikes <file.csv>', 'required: the spike raster, columns ms,neuron (simulate --spikes-out writes one)')
    .addOption(finiteNumber('--jitter <ms>', 'tolerance of a firing\'s time, in ms', 1, 'a number >= 0', (n) => n >= 0))
    .addOption(finiteNumber('--min-fraction <fraction>', 'share of a group\'s firings that must match', 0.5,
      'in (0, 1]', (n) => n > 0 && n <= 1))
    .addOption(finiteNumber('--from <ms>', 'only spikes at or after this time, in ms (default: the raster\'s start)'))
    .addOption(finiteNumber('--to <ms>', 'only spikes before this time, in ms (default: the raster\'s end)'))
    .addOption(positiveInteger('--limit <count>', 'print at most this many activations (default: all)'))
    .option('--json', 'print the activations as one JSON array instead of CSV')
    .action(query);
}

export function groupsCommand(): Command {
  return new Command('groups')
    .summary('find the polychronous groups of a saved network; query which ones a spike raster activates')
    .description('Search a saved network (or the 2006 network with the synapses of a connectivity CSV) for its ' +
      'polychronous groups, as Izhikevich\'s 2006 group finder does: every set of --anchors strong ' +
      'inputs of a neuron is replayed and the firings it causes are kept when their longest path reaches --min-path. ' +
      'The groups are written as JSON; polychron groups query matches them against a spike raster.')
    .option('--checkpoint <file>', 'the network, saved by simulate --checkpoint-out or Network.save (this or --connectivity)')
    .option('--connectivity <file.csv>', 'instead: the 2006 network (the first 80% regular spiking, the rest fast spiking) with ' +
      'the synapses of this CSV (pre,syn,post,delay_ms,weight; as simulate --connectivity reads it)')
    .option('--out <file.json>', 'required: where the groups are written, as JSON')
    .addOption(positiveInteger('--min-path <layers>', 'keep groups whose longest causal path has at least this many layers', GROUP_SEARCH_DEFAULTS.minPath))
    .addOption(positiveInteger('--anchors <count>', 'anchor neurons per group, 2 to 8', GROUP_SEARCH_DEFAULTS.anchors))
    .addOption(positiveInteger('--window <ms>', 'replay budget before any extension, in ms (default: 2 · the largest delay + latency + 1)'))
    .addOption(oneOf('--shuffle [how]', 'search a shuffled copy instead (the control: chance groups): weights (default, ' +
      'the 2006 program\'s: E→E weights swapped between random E→E synapses) or targets (E→E targets permuted)',
      ['weights', 'targets'] as const).preset('weights'))
    .addOption(nonNegativeInteger('--shuffle-seed <n>', 'seed of the shuffle (with --shuffle)', 1))
    .addOption(positiveInteger('--threads <count>', 'worker threads (default: every core; the result does not depend on it)'))
    .option('--quiet', 'no progress line')
    .action(search)
    .addCommand(queryCommand());
}
