import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { GroupSet } from '../groups';
import { plotGroup, plotLoss, plotRaster, plotRates, plotWeightEvolution, plotWeightHistogram, toPng, type PlotOptions, type PopulationSpan } from '../plot';
import { readLossFiles, readWeightSnapshots, readWeightsCsv } from '../plot/files';
import { readSpikesCsv } from '../spnet';
import { nonNegativeInteger, positiveInteger } from './args';

export const PLOT_USAGE = [
  'polychron plot raster --spikes FILE.csv --out FILE.svg|.png [--from MS] [--to MS] [--groups groups.json [--limit 20]]',
  'polychron plot rates --spikes FILE.csv --out FILE [--bin 10] [--populations name:first:size,...] [--from MS] [--to MS]',
  'polychron plot weights --weights FILE.csv|DIR --out FILE [--bins 50] [--min W] [--max W]',
  'polychron plot loss (--log FILE.csv | --trace FILE.csv | both) --out FILE',
  'polychron plot group --groups groups.json --index K --out FILE',
  '  every kind also takes [--title TEXT] [--width 640] [--height 320]; --out FILE.png writes PNG, else SVG',
].join('\n');

const COMMON_OPTIONS = {
  out: { type: 'string' },
  title: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
} as const;

type Values = Record<string, string | undefined>;

function parse(args: string[], options: Record<string, { type: 'string' }>): Values {
  return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options } }).values as Values;
}

function required(values: Values, name: string, what: string): string {
  const value = values[name];
  if (value === undefined) throw new RangeError(`--${name} ${what} is required`);
  return value;
}

function optionalNumber(values: Values, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new RangeError(`--${name} must be a number (got '${value}')`);
  return x;
}

function plotOptions(values: Values): PlotOptions {
  return {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.width !== undefined ? { width: positiveInteger(values.width, 'width', 640) } : {}),
    ...(values.height !== undefined ? { height: positiveInteger(values.height, 'height', 320) } : {}),
  };
}

/** `name:first:size,...`, e.g. excitatory:0:800,inhibitory:800:200 for the 2006 network. */
export function parsePopulations(text: string): PopulationSpan[] {
  return text.split(',').map((item) => {
    const [name, first, size, ...rest] = item.split(':');
    if (name === '' || first === undefined || size === undefined || rest.length > 0) {
      throw new RangeError(`--populations takes name:first:size items separated by commas (got '${item}')`);
    }
    return { name, first: nonNegativeInteger(first, 'populations first', 0), size: positiveInteger(size, 'populations size', 1) };
  });
}

async function raster(values: Values): Promise<string> {
  const spikes = readSpikesCsv(required(values, 'spikes', 'FILE.csv (columns ms,neuron, as simulate --spikes-out writes)'));
  const from = optionalNumber(values, 'from');
  const to = optionalNumber(values, 'to');
  const options = { ...plotOptions(values), from, to };
  if (values.groups === undefined) {
    if (values.limit !== undefined) throw new RangeError('--limit goes with --groups');
    return plotRaster(spikes, options);
  }
  const set = await GroupSet.load(values.groups);
  const activations = await set.activatedBy(spikes, { from, to });
  return plotRaster(spikes, { ...options, highlight: activations.slice(0, positiveInteger(values.limit, 'limit', 20)) });
}

async function rates(values: Values): Promise<string> {
  const spikes = readSpikesCsv(required(values, 'spikes', 'FILE.csv (columns ms,neuron, as simulate --spikes-out writes)'));
  return plotRates(spikes, {
    ...plotOptions(values),
    binMs: optionalNumber(values, 'bin'),
    from: optionalNumber(values, 'from'),
    to: optionalNumber(values, 'to'),
    ...(values.populations !== undefined ? { populations: parsePopulations(values.populations) } : {}),
  });
}

async function weights(values: Values): Promise<string> {
  const source = required(values, 'weights', 'FILE.csv or DIR (as simulate --weights-out writes)');
  const low = optionalNumber(values, 'min');
  const high = optionalNumber(values, 'max');
  if ((low === undefined) !== (high === undefined)) throw new RangeError('give both --min and --max, or neither');
  const options = {
    ...plotOptions(values),
    bins: positiveInteger(values.bins, 'bins', 50),
    ...(low !== undefined && high !== undefined ? { domain: [low, high] as const } : {}),
  };
  return fs.statSync(source).isDirectory()
    ? plotWeightEvolution(readWeightSnapshots(source), options)
    : plotWeightHistogram(readWeightsCsv(source), options);
}

async function loss(values: Values): Promise<string> {
  if (values.log === undefined && values.trace === undefined) {
    throw new RangeError('give --log FILE.csv (step,val_loss) and/or --trace FILE.csv (step,start,train_loss), as lm train writes them');
  }
  return plotLoss(readLossFiles({ log: values.log, trace: values.trace }), plotOptions(values));
}

async function group(values: Values): Promise<string> {
  const set = await GroupSet.load(required(values, 'groups', 'FILE.json (written by polychron groups --out)'));
  const index = nonNegativeInteger(required(values, 'index', 'K (the group\'s position in the file, from 0)'), 'index', 0);
  if (index >= set.size) throw new RangeError(`--index must be less than the ${set.size} groups in ${values.groups}`);
  return plotGroup(set.groups[index], plotOptions(values));
}

const KINDS: Record<string, { options: string[]; draw(values: Values): Promise<string> }> = {
  raster: { options: ['spikes', 'from', 'to', 'groups', 'limit'], draw: raster },
  rates: { options: ['spikes', 'bin', 'populations', 'from', 'to'], draw: rates },
  weights: { options: ['weights', 'bins', 'min', 'max'], draw: weights },
  loss: { options: ['log', 'trace'], draw: loss },
  group: { options: ['groups', 'index'], draw: group },
};

export async function plot(args: string[]): Promise<void> {
  const [kindName, ...rest] = args;
  const kind = kindName === undefined ? undefined : KINDS[kindName];
  if (kind === undefined) throw new RangeError(`give what to plot: ${Object.keys(KINDS).join(', ')} (got '${kindName ?? ''}')`);
  const values = parse(rest, Object.fromEntries(kind.options.map((name) => [name, { type: 'string' as const }])));
  const out = required(values, 'out', 'FILE.svg or FILE.png');
  const svg = await kind.draw(values);
  if (out.toLowerCase().endsWith('.png')) fs.writeFileSync(out, await toPng(svg));
  else fs.writeFileSync(out, svg);
  console.error(`${kindName} plot written to ${out}`);
}
