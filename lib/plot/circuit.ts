/** One example's spikes through a compiled spiking LUT circuit (lib/spiking-lut.ts). */
import type { Raster } from '../groups';
import { finiteNumbers, frame, type PlotOptions } from './common';
import { renderSvg } from './render';
import type { PopulationSpan } from './spikes';

/** A spike to mark: a selected row, or the class that fired. */
export interface CircuitMark {
  time: number;
  neuron: number;
  /** The legend's text for it (e.g. "rows 0: table 3 row 17"). */
  label: string;
}

export interface CircuitPlotOptions extends PlotOptions {
  /** The spikes to ring (the rows the example selected, its class). */
  marks?: readonly CircuitMark[];
}

/**
 * A raster coloured by the circuit's populations (inputs, comparators, holders, rows,
 * beats, classes), with the selected rows and the class ringed: the look-up as spikes.
 */
export async function plotCircuit(raster: Raster, populations: readonly PopulationSpan[], options: CircuitPlotOptions = {}): Promise<string> {
  finiteNumbers(raster.times, 'times');
  finiteNumbers(raster.neurons, 'neurons');
  if (raster.times.length !== raster.neurons.length) throw new RangeError('times and neurons must have the same length');
  const nameOf = (neuron: number): string => populations.find((p) => neuron >= p.first && neuron < p.first + p.size)?.name ?? 'other';
  const spikes = Array.from(raster.times, (time, k) => ({ time, neuron: raster.neurons[k], population: nameOf(raster.neurons[k]) }));
  const marks = (options.marks ?? []).map((m) => ({ ...m, kind: m.label.startsWith('class') ? 'class' : 'selected row' }));
  const x = { field: 'time', type: 'quantitative', title: 'time (ms)', scale: { zero: false, nice: false } };
  const y = { field: 'neuron', type: 'quantitative', title: 'neuron', scale: { zero: false, nice: false } };
  const layers: object[] = [{
    data: { values: spikes },
    mark: { type: 'circle', size: 6, opacity: 0.8, aria: false },
    encoding: { x, y, color: { field: 'population', type: 'nominal', title: 'population', sort: populations.map((p) => p.name) } },
  }];
  if (marks.length > 0) {
    layers.push({
      data: { values: marks },
      mark: { type: 'point', size: 40, strokeWidth: 1, filled: false, color: '#000' },
      encoding: { x, y, shape: { field: 'kind', type: 'nominal', title: 'look-up' }, tooltip: [{ field: 'label', type: 'nominal' }] },
    });
  }
  return renderSvg({ ...frame(options, `${spikes.length} spikes; ${marks.length} selected rows and classes ringed`), layer: layers });
}
