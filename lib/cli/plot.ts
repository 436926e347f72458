import * as fs from 'node:fs';
import { Command } from 'commander';
import { GroupSet } from '../groups';
import { plotGroup, plotLoss, plotRaster, plotRates, plotSweep, plotWeightEvolution, plotWeightHistogram, toPng, type PlotOptions, type PopulationSpan } from '../plot';
import { readLossFiles, readWeightSnapshots, readWeightsCsv } from '../plot/files';
import { readSpikes } from '../formats';
import { readSweepResults } from '../sweep';
import { finiteNumber, nonNegativeInteger, positiveInteger, required } from './options';
import { inputFile, outputFile, reading } from './paths';

/** The options every plot takes. */
interface CommonOptions {
  out?: string;
  title?: string;
  width?: number;
  height?: number;
}

function plotOptions(o: CommonOptions): PlotOptions {
  return {
    ...(o.title !== undefined ? { title: o.title } : {}),
    ...(o.width !== undefined ? { width: o.width } : {}),
    ...(o.height !== undefined ? { height: o.height } : {}),
  };
}

/** `name:first:size,...`, e.g. excitatory:0:800,inhibitory:800:200 for the 2006 network. */
export function parsePopulations(text: string): PopulationSpan[] {
  return text.split(',').map((item) => {
    const [name, first, size, ...rest] = item.split(':');
    const start = Number(first);
    const count = Number(size);
    if (name === '' || rest.length > 0 || !(Number.isInteger(start) && start >= 0) || !(Number.isInteger(count) && count >= 1)) {
      throw new RangeError(`--populations takes name:first:size items separated by commas (got '${item}')`);
    }
    return { name, first: start, size: count };
  });
}

const SPIKES_HELP = 'required: the spikes, as simulate --spikes-out writes them (.csv ms,neuron; .npz, .arrow)';

/** Reads the spike file named by --spikes, checked first. */
function spikesOf(file: string | undefined): Promise<{ times: Float64Array; neurons: Uint32Array }> {
  const path = inputFile(required(file, `--spikes FILE is required (${SPIKES_HELP.slice('required: '.length)})`), '--spikes', 'spike file');
  return reading('--spikes', () => readSpikes(path));
}

interface RasterOptions extends CommonOptions {
  spikes?: string;
  from?: number;
  to?: number;
  groups?: string;
  limit?: number;
}

async function raster(o: RasterOptions): Promise<string> {
  const spikes = await spikesOf(o.spikes);
  const options = { ...plotOptions(o), from: o.from, to: o.to };
  if (o.groups === undefined) {
    if (o.limit !== undefined) throw new RangeError('--limit goes with --groups');
    return plotRaster(spikes, options);
  }
  const file = inputFile(o.groups, '--groups', 'groups file');
  const set = await reading('--groups', () => GroupSet.load(file));
  const activations = await set.activatedBy(spikes, { from: o.from, to: o.to });
  return plotRaster(spikes, { ...options, highlight: activations.slice(0, o.limit ?? 20) });
}

interface RatesOptions extends CommonOptions {
  spikes?: string;
  bin?: number;
  populations?: string;
  from?: number;
  to?: number;
}

async function rates(o: RatesOptions): Promise<string> {
  const spikes = await spikesOf(o.spikes);
  return plotRates(spikes, {
    ...plotOptions(o),
    binMs: o.bin,
    from: o.from,
    to: o.to,
    ...(o.populations !== undefined ? { populations: parsePopulations(o.populations) } : {}),
  });
}

interface WeightsOptions extends CommonOptions {
  weights?: string;
  bins: number;
  min?: number;
  max?: number;
}

async function weights(o: WeightsOptions): Promise<string> {
  const source = inputFile(required(o.weights, '--weights FILE.csv or DIR is required (as simulate --weights-out writes)'), '--weights', 'weights file or folder', true);
  if ((o.min === undefined) !== (o.max === undefined)) throw new RangeError('give both --min and --max, or neither');
  const options = {
    ...plotOptions(o),
    bins: o.bins,
    ...(o.min !== undefined && o.max !== undefined ? { domain: [o.min, o.max] as const } : {}),
  };
  return fs.statSync(source).isDirectory()
    ? plotWeightEvolution(await reading('--weights', () => readWeightSnapshots(source)), options)
    : plotWeightHistogram(await reading('--weights', () => readWeightsCsv(source)), options);
}

interface LossOptions extends CommonOptions {
  log?: string;
  trace?: string;
}

async function loss(o: LossOptions): Promise<string> {
  if (o.log === undefined && o.trace === undefined) {
    throw new RangeError('give --log FILE.csv (step,val_loss) and/or --trace FILE.csv (step,start,train_loss), as lm train writes them');
  }
  const log = o.log === undefined ? undefined : inputFile(o.log, '--log');
  const trace = o.trace === undefined ? undefined : inputFile(o.trace, '--trace');
  return plotLoss(await reading(o.log !== undefined ? '--log' : '--trace', () => readLossFiles({ log, trace })), plotOptions(o));
}

interface GroupOptions extends CommonOptions {
  groups?: string;
  index?: number;
}

async function group(o: GroupOptions): Promise<string> {
  const file = inputFile(required(o.groups, '--groups FILE.json is required (written by polychron groups --out)'), '--groups', 'groups file');
  const index = required(o.index, '--index K is required (the group\'s position in the file, from 0)');
  const set = await reading('--groups', () => GroupSet.load(file));
  if (index >= set.size) throw new RangeError(`--index must be less than the ${set.size} groups in ${o.groups}`);
  return plotGroup(set.groups[index], plotOptions(o));
}

interface SweepPlotCliOptions extends CommonOptions {
  results?: string;
  x?: string;
  y?: string;
  color?: string;
}

async function sweep(o: SweepPlotCliOptions): Promise<string> {
  const source = inputFile(required(o.results, '--results DIR is required (the --out folder of polychron sweep, or its results.jsonl)'), '--results', 'sweep results', true);
  const results = await reading('--results', () => readSweepResults(source));
  return plotSweep(results, {
    ...plotOptions(o),
    x: required(o.x, '--x NAME is required: the parameter along x (e.g. wMax)'),
    y: required(o.y, '--y NAME is required: the metric along y (e.g. groups, meanRateHz)'),
    ...(o.color !== undefined && { color: o.color }),
  });
}

/** One plot kind: its options, then the common ones; draws and writes SVG or PNG. */
function kind<O extends CommonOptions>(name: string, summary: string, draw: (o: O) => Promise<string>): Command {
  return new Command(name)
    .summary(summary)
    .option('--out <file>', 'required: where to write the plot; .png writes PNG, anything else SVG')
    .option('--title <text>', 'title above the plot')
    .addOption(positiveInteger('--width <px>', 'width of the plotting area, in pixels', 640))
    .addOption(positiveInteger('--height <px>', 'height of the plotting area, in pixels', 320))
    .action(async (o: O) => {
      const out = outputFile(required(o.out, '--out FILE.svg or FILE.png is required'), '--out');
      const svg = await draw(o);
      fs.writeFileSync(out, out.toLowerCase().endsWith('.png') ? await toPng(svg) : svg);
      console.error(`${name} plot written to ${out}`);
    });
}

const range = (command: Command): Command => command
  .addOption(finiteNumber('--from <ms>', 'only spikes at or after this time, in ms (default: the first spike)'))
  .addOption(finiteNumber('--to <ms>', 'only spikes before this time, in ms (default: after the last spike)'));

export function plotCommand(): Command {
  return new Command('plot')
    .summary('draw a spike raster, population rates, weight histograms, LM loss curves, a polychronous group or a sweep\'s summary (SVG or PNG)')
    .description('Draw one plot from the files polychron writes, as a standalone SVG (or PNG with --out FILE.png).')
    .addCommand(range(kind<RasterOptions>('raster', 'spike raster, with the groups a raster activates circled', raster)
      .option('--spikes <file>', SPIKES_HELP))
      .option('--groups <file.json>', 'circle the firings of the groups (polychron groups --out) this raster activates')
      .addOption(positiveInteger('--limit <count>', 'circle at most this many activations, the best first (with --groups; default 20)')))
    .addCommand(range(kind<RatesOptions>('rates', 'population firing rates over time', rates)
      .option('--spikes <file>', SPIKES_HELP)
      .addOption(finiteNumber('--bin <ms>', 'bin width, in ms (default 10)', undefined, 'a number > 0', (n) => n > 0))
      .option('--populations <list>', 'name:first:size,... (e.g. excitatory:0:800,inhibitory:800:200); default: one population of all neurons')))
    .addCommand(kind<WeightsOptions>('weights', 'weight histogram of one snapshot, or its evolution over a folder of snapshots', weights)
      .option('--weights <file|folder>', 'required: a weights CSV (pre,syn,post,weight,sd) or the folder of simulate --weights-out')
      .addOption(positiveInteger('--bins <count>', 'histogram bins', 50))
      .addOption(finiteNumber('--min <w>', 'lower end of the weight axis (with --max; default: the smallest weight)'))
      .addOption(finiteNumber('--max <w>', 'upper end of the weight axis (with --min; default: the largest weight)')))
    .addCommand(kind<LossOptions>('loss', 'language-model loss curves: training (per step) and validation', loss)
      .option('--log <file.csv>', 'validation losses, step,val_loss (lm train --log)')
      .option('--trace <file.csv>', 'training losses, step,start,train_loss (lm train --trace)'))
    .addCommand(kind<GroupOptions>('group', 'one polychronous group: neurons against time, with its links', group)
      .option('--groups <file.json>', 'required: a groups file (polychron groups --out)')
      .addOption(nonNegativeInteger('--index <k>', 'required: the group\'s position in the file, from 0')))
    .addCommand(kind<SweepPlotCliOptions>('sweep', 'a sweep\'s summary: a metric against a parameter, a line per value of another', sweep)
      .option('--results <dir|file.jsonl>', 'required: the --out folder of polychron sweep (or its results.jsonl)')
      .option('--x <name>', 'required: the parameter along x (a metric works too)')
      .option('--y <name>', 'required: the metric along y (spikes, meanRateHz, meanExcitatoryWeight, groups, ...)')
      .option('--color <name>', 'a parameter whose values get a line each'));
}
