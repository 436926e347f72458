/** What every plot takes, and the parts of a Vega-Lite spec that all plots share. */
import type { VegaLiteSpec } from './render';

export interface PlotOptions {
  /** Drawn above the plot; escaped, so any text is safe (default: a description of the data). */
  title?: string;
  /** Of the data rectangle, in SVG units (default 640). */
  width?: number;
  /** Of the data rectangle, in SVG units (default 320). */
  height?: number;
}

/** The frame of a spec: size, title and a white background (PNG has no page behind it). */
export function frame(options: PlotOptions, defaultTitle: string): VegaLiteSpec {
  const { title = defaultTitle, width = 640, height = 320 } = options;
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!(Number.isFinite(value) && value >= 10 && value <= 10000)) throw new RangeError(`${name} must be a number in [10, 10000] (got ${value})`);
  }
  if (typeof title !== 'string') throw new TypeError('title must be a string');
  return { width, height, title, background: 'white', config: { view: { stroke: '#ddd' } } };
}

/** Checks that `values` is an array or typed array of finite numbers, naming it in the error. */
export function finiteNumbers(values: ArrayLike<number>, name: string): ArrayLike<number> {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`${name} must be an array or a typed array of numbers`);
  }
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) throw new RangeError(`${name}[${k}] must be a finite number (got ${values[k]})`);
  }
  return values;
}

/** An optional [low, high) time window, checked. */
export function timeWindow(from: number | undefined, to: number | undefined): { from: number; to: number } {
  const window = { from: from ?? -Infinity, to: to ?? Infinity };
  if (Number.isNaN(window.from) || Number.isNaN(window.to) || !(window.from < window.to)) {
    throw new RangeError(`from must be less than to (got ${from} and ${to})`);
  }
  return window;
}
