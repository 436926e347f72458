/** A sweep's summary: one metric against one parameter, a line per value of another. */
import type { SweepResult } from '../sweep/results';
import { frame, type PlotOptions } from './common';
import { renderSvg } from './render';

export interface SweepPlotOptions extends PlotOptions {
  /** The parameter (or metric) along x, e.g. 'wMax'. */
  x: string;
  /** The metric (or parameter) along y, e.g. 'groups'. */
  y: string;
  /** A parameter whose values get a line each (optional), e.g. 'inputPerMs'. */
  color?: string;
}

/** A run's value of `name`: its parameter of that name, else its metric. */
function valueOf(result: SweepResult, name: string): unknown {
  return name in result.params ? result.params[name] : (result.metrics as unknown as Record<string, unknown>)[name];
}

/**
 * Each run as a point (`y` against `x`), and through the runs that share x (several seeds,
 * say) their mean with a ±1 standard deviation bar; with `color`, one line per value of it.
 */
export async function plotSweep(results: readonly SweepResult[], options: SweepPlotOptions): Promise<string> {
  if (!Array.isArray(results) || results.length === 0) throw new RangeError('results must be a non-empty array of sweep results');
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object with x and y');
  const { x, y, color } = options;
  const names = [...new Set(results.flatMap((r) => [...Object.keys(r.params), ...Object.keys(r.metrics)]))];
  for (const [option, name] of [['x', x], ['y', y], ['color', color]] as const) {
    if (option === 'color' && name === undefined) continue;
    if (typeof name !== 'string' || !names.includes(name)) {
      throw new RangeError(`${option} must name a parameter or metric of the results (${names.join(', ')}; got ${JSON.stringify(name)})`);
    }
  }
  const rows = results.map((r) => ({ x: valueOf(r, x), y: valueOf(r, y), ...(color !== undefined && { color: String(valueOf(r, color)) }) }))
    .filter((row) => typeof row.y === 'number' && Number.isFinite(row.y));
  if (rows.length === 0) throw new RangeError(`no run has a numeric ${y}`);
  const numericX = rows.every((row) => typeof row.x === 'number');
  const encoding = {
    x: { field: 'x', type: numericX ? 'quantitative' : 'ordinal', title: x, ...(numericX && { scale: { zero: false } }) },
    y: { field: 'y', type: 'quantitative', title: y, scale: { zero: false } },
    ...(color !== undefined && { color: { field: 'color', type: 'nominal', title: color } }),
  };
  return renderSvg({
    ...frame(options, `${y} against ${x}${color !== undefined ? ` by ${color}` : ''} (${results.length} runs)`),
    data: { values: rows },
    layer: [
      { mark: { type: 'point', opacity: 0.45, filled: true }, encoding },
      { mark: { type: 'errorbar', extent: 'stdev' }, encoding },
      { mark: { type: 'line', point: true }, encoding: { ...encoding, y: { ...encoding.y, aggregate: 'mean' } } },
    ],
  });
}
