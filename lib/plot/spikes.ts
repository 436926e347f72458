/** Pictures of spike rasters: the raster itself (with group firings overlaid) and binned population rates. */
import type { GroupActivation, Raster } from '../groups';
import { finiteNumbers, frame, timeWindow, type PlotOptions } from './common';
import { renderSvg } from './render';

/** A group placed in a raster: where its first firing falls (a GroupActivation is one). */
export type GroupOccurrence = Pick<GroupActivation, 'group' | 'onset'> & {
  /** Names the group in the legend (default: its position in `highlight`). */
  index?: number;
};

export interface RasterPlotOptions extends PlotOptions {
  /** Only spikes at from <= time < to are drawn (default all). */
  from?: number;
  to?: number;
  /**
   * Groups whose firings are circled in colour, each at onset + firing time, e.g. the
   * activations that GroupSet.activatedBy finds in this raster.
   */
  highlight?: readonly GroupOccurrence[];
}

/** A block of neurons with consecutive indices (a network's Population is one). */
export interface PopulationSpan {
  name: string;
  first: number;
  size: number;
}

export interface RatePlotOptions extends PlotOptions {
  /** Bin width, ms (default 10). */
  binMs?: number;
  /** One line per population (default one population of every neuron up to the highest that fired). */
  populations?: readonly PopulationSpan[];
  from?: number;
  to?: number;
}

function checkedRaster(raster: Raster): Raster {
  if (raster === null || typeof raster !== 'object') throw new TypeError('the raster must be an object { times, neurons }');
  finiteNumbers(raster.times, 'times');
  finiteNumbers(raster.neurons, 'neurons');
  if (raster.times.length !== raster.neurons.length) {
    throw new RangeError(`times and neurons must have the same length (got ${raster.times.length} and ${raster.neurons.length})`);
  }
  return raster;
}

/** A spike raster: one dot per spike, time (ms) against neuron. */
export async function plotRaster(raster: Raster, options: RasterPlotOptions = {}): Promise<string> {
  const { times, neurons } = checkedRaster(raster);
  const { from, to } = timeWindow(options.from, options.to);
  const spikes: Array<{ time: number; neuron: number }> = [];
  for (let k = 0; k < times.length; k++) {
    if (times[k] >= from && times[k] < to) spikes.push({ time: times[k], neuron: neurons[k] });
  }
  const groupFirings = (options.highlight ?? []).flatMap((occurrence, k) =>
    occurrence.group.firings
      .map((f) => ({ time: occurrence.onset + f.time, neuron: f.neuron, group: `group ${occurrence.index ?? k}` }))
      .filter((f) => f.time >= from && f.time < to));
  const x = { field: 'time', type: 'quantitative', title: 'time (ms)', scale: { zero: false, nice: false } };
  const y = { field: 'neuron', type: 'quantitative', title: 'neuron' };
  const layers: object[] = [{
    data: { values: spikes },
    // No aria-label per dot: tens of thousands of them help no screen reader and swell the SVG.
    mark: { type: 'circle', size: 4, opacity: 0.8, color: '#222', aria: false },
    encoding: { x, y },
  }];
  if (groupFirings.length > 0) {
    layers.push({
      data: { values: groupFirings },
      mark: { type: 'point', size: 60, strokeWidth: 1.5 },
      encoding: { x, y, color: { field: 'group', type: 'nominal', title: 'polychronous group' } },
    });
  }
  const title = `${spikes.length} spikes${groupFirings.length > 0 ? `, ${options.highlight!.length} group occurrences circled` : ''}`;
  return renderSvg({ ...frame(options, title), layer: layers });
}

/** Population rates (Hz per neuron) in bins of binMs, one line per population. */
export async function plotRates(raster: Raster, options: RatePlotOptions = {}): Promise<string> {
  const { times, neurons } = checkedRaster(raster);
  const { binMs = 10 } = options;
  if (!(Number.isFinite(binMs) && binMs > 0)) throw new RangeError(`binMs must be a number > 0 (got ${binMs})`);
  let highest = -1;
  for (let k = 0; k < neurons.length; k++) highest = Math.max(highest, neurons[k]);
  const populations = options.populations ?? [{ name: 'all neurons', first: 0, size: Math.max(1, highest + 1) }];
  for (const p of populations) {
    if (typeof p.name !== 'string' || !(Number.isInteger(p.first) && p.first >= 0 && Number.isInteger(p.size) && p.size >= 1)) {
      throw new RangeError('each population needs a name, an integer first >= 0 and an integer size >= 1');
    }
  }
  let first = Infinity;
  let last = -Infinity;
  for (let k = 0; k < times.length; k++) {
    first = Math.min(first, times[k]);
    last = Math.max(last, times[k]);
  }
  // Bins cover the window asked for, or else every spike; empty bins are drawn as 0 Hz.
  const { from, to } = timeWindow(options.from ?? (times.length > 0 ? Math.floor(first / binMs) * binMs : 0), options.to ?? (times.length > 0 ? last + 1 : binMs));
  const bins = Math.ceil((to - from) / binMs);
  const counts = populations.map(() => new Float64Array(bins));
  for (let k = 0; k < times.length; k++) {
    if (!(times[k] >= from && times[k] < to)) continue;
    const bin = Math.floor((times[k] - from) / binMs);
    populations.forEach((p, i) => {
      if (neurons[k] >= p.first && neurons[k] < p.first + p.size) counts[i][bin]++;
    });
  }
  const rows = populations.flatMap((p, i) => Array.from(counts[i], (count, bin) => ({
    time: from + bin * binMs,
    rate: (count / p.size) * (1000 / binMs),
    population: p.name,
  })));
  return renderSvg({
    ...frame(options, `population rates in ${binMs} ms bins`),
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
    encoding: {
      x: { field: 'time', type: 'quantitative', title: 'time (ms)', scale: { domain: [from, from + bins * binMs], nice: false } },
      y: { field: 'rate', type: 'quantitative', title: 'rate (Hz per neuron)' },
      color: { field: 'population', type: 'nominal', title: 'population', sort: null },
    },
  });
}
