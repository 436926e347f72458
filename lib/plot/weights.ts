/** Pictures of synaptic weights: one histogram, and how the histogram changes across snapshots. */
import { finiteNumbers, frame, type PlotOptions } from './common';
import { renderSvg } from './render';

export interface WeightPlotOptions extends PlotOptions {
  /** Number of equal bins (default 50). */
  bins?: number;
  /**
   * Weights outside [low, high] are left out, e.g. [0, 10] for the excitatory synapses of
   * the 2006 network (its inhibitory ones are all −5). Default: the weights' extent.
   */
  domain?: readonly [number, number];
}

/** One snapshot of a network's weights, e.g. `{ label: '1 s', weights: network.synapses().weight }`. */
export interface WeightSnapshot {
  label: string;
  weights: ArrayLike<number>;
}

interface Binning {
  low: number;
  width: number;
  bins: number;
}

function binning(samples: readonly ArrayLike<number>[], options: WeightPlotOptions): Binning {
  const { bins = 50 } = options;
  if (!(Number.isInteger(bins) && bins >= 1 && bins <= 1000)) throw new RangeError(`bins must be an integer in [1, 1000] (got ${bins})`);
  let [low, high] = options.domain ?? [Infinity, -Infinity];
  if (options.domain === undefined) {
    for (const weights of samples) {
      for (let k = 0; k < weights.length; k++) {
        low = Math.min(low, weights[k]);
        high = Math.max(high, weights[k]);
      }
    }
    if (low > high) [low, high] = [0, 1];
  } else if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new RangeError(`domain must be [low, high] with low < high (got [${options.domain.join(', ')}])`);
  }
  // A degenerate extent (every weight equal) still gets a bar of visible width.
  const width = high > low ? (high - low) / bins : 1 / bins;
  return { low, width, bins };
}

/** Counts per bin; weights outside the binning are not counted (the top edge belongs to the last bin). */
function histogram(weights: ArrayLike<number>, { low, width, bins }: Binning): { counts: Float64Array; outside: number } {
  const counts = new Float64Array(bins);
  let outside = 0;
  for (let k = 0; k < weights.length; k++) {
    const bin = Math.floor((weights[k] - low) / width);
    if (bin >= 0 && bin < bins) counts[bin]++;
    else if (bin === bins && weights[k] === low + bins * width) counts[bins - 1]++;
    else outside++;
  }
  return { counts, outside };
}

const weightAxis = (b: Binning) => ({
  field: 'low', type: 'quantitative', title: 'weight', scale: { domain: [b.low, b.low + b.bins * b.width], nice: false, zero: false },
});

/** A histogram of synaptic weights, e.g. `plotWeightHistogram(network.synapses().weight)`. */
export async function plotWeightHistogram(weights: ArrayLike<number>, options: WeightPlotOptions = {}): Promise<string> {
  finiteNumbers(weights, 'weights');
  const b = binning([weights], options);
  const { counts, outside } = histogram(weights, b);
  const rows = Array.from(counts, (count, bin) => ({ low: b.low + bin * b.width, high: b.low + (bin + 1) * b.width, count }));
  const left = outside > 0 ? ` (${outside} outside [${b.low}, ${b.low + b.bins * b.width}] left out)` : '';
  return renderSvg({
    ...frame(options, `${weights.length - outside} synapses${left}`),
    data: { values: rows },
    mark: { type: 'rect', color: '#4c78a8' },
    encoding: {
      x: weightAxis(b),
      x2: { field: 'high' },
      y: { field: 'count', type: 'quantitative', title: 'synapses' },
      y2: { datum: 0 },
    },
  });
}

/**
 * The weight distribution over time: one column per snapshot (in the order given), one
 * cell per weight bin, its colour the number of synapses (log scale; empty cells blank).
 */
export async function plotWeightEvolution(snapshots: readonly WeightSnapshot[], options: WeightPlotOptions = {}): Promise<string> {
  if (!Array.isArray(snapshots) || snapshots.length === 0) throw new RangeError('snapshots must be a non-empty array of { label, weights }');
  snapshots.forEach((s, k) => {
    if (typeof s.label !== 'string') throw new TypeError(`snapshots[${k}].label must be a string`);
    finiteNumbers(s.weights, `snapshots[${k}].weights`);
  });
  const labels = snapshots.map((s) => s.label);
  if (new Set(labels).size !== labels.length) throw new RangeError('snapshot labels must be distinct');
  const b = binning(snapshots.map((s) => s.weights), options);
  const rows = snapshots.flatMap((s) => {
    const { counts } = histogram(s.weights, b);
    return Array.from(counts, (count, bin) => ({ snapshot: s.label, low: b.low + bin * b.width, high: b.low + (bin + 1) * b.width, count }))
      .filter((row) => row.count > 0);
  });
  return renderSvg({
    ...frame(options, `weights over ${snapshots.length} snapshots`),
    data: { values: rows },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'snapshot', type: 'ordinal', title: 'snapshot', sort: labels, axis: { labelAngle: 0 } },
      y: { ...weightAxis(b) },
      y2: { field: 'high' },
      color: { field: 'count', type: 'quantitative', title: 'synapses', scale: { type: 'log', scheme: 'viridis' } },
    },
  });
}
