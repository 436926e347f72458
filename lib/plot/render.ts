/**
 * Vega-Lite specs to standalone SVG (and SVG to PNG). Vega and Vega-Lite are ES modules
 * only, and this package is CommonJS: they are loaded with a native import() in a worker
 * thread, which works wherever the caller runs (test runners evaluate CommonJS in a vm
 * sandbox, where import() is unavailable) and keeps the rendering of large rasters off
 * the caller's event loop.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A Vega-Lite specification (https://vega.github.io/vega-lite/docs/spec.html) with its data inline. */
export type VegaLiteSpec = Record<string, unknown>;

/**
 * The worker: compiles Vega-Lite to Vega and renders it headless (renderer 'none').
 * Its loader refuses every URL and file: a plot draws only the data inline in its spec.
 * (Vega only logs a failed load and draws without the data, so a refusal is reported here.)
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const modules = Promise.all([import(workerData.vega), import(workerData.vegaLite)]);
parentPort.on('message', async ({ id, spec }) => {
  let view;
  try {
    const [vega, vegaLite] = await modules;
    const refused = [];
    const loader = vega.loader();
    loader.sanitize = (uri) => {
      refused.push(uri);
      return Promise.reject(new Error('refused'));
    };
    view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', loader, logLevel: vega.None });
    const svg = await view.toSVG();
    if (refused.length > 0) throw new Error('plots load no external resource (the spec asks for ' + refused.join(', ') + ')');
    parentPort.postMessage({ id, svg });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  } finally {
    if (view !== undefined) view.finalize();
  }
});
`;

interface Reply {
  id: number;
  svg?: string;
  error?: string;
}

interface Pending {
  resolve(svg: string): void;
  reject(error: Error): void;
}

/** One worker for all renders; it holds the process open only while a render is pending. */
class Renderer {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  render(spec: VegaLiteSpec): Promise<string> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, spec });
    });
  }

  #start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        vega: pathToFileURL(require.resolve('vega')).href,
        vegaLite: pathToFileURL(require.resolve('vega-lite')).href,
      },
    });
    worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.svg !== undefined) pending?.resolve(reply.svg);
      else pending?.reject(new Error(`plot rendering failed: ${reply.error}`));
    });
    const fail = (error: Error): void => {
      // An 'exit' follows an 'error': the second call, or one from a worker already replaced, has nothing to do.
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the plot renderer exited (code ${code})`)));
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}

const renderer = new Renderer();

/** Renders a Vega-Lite spec (data inline) to a standalone SVG document. */
export function renderSvg(spec: VegaLiteSpec): Promise<string> {
  return renderer.render(spec);
}

export interface PngOptions {
  /** Pixels per SVG unit (default 2, for sharp text on high-density screens). */
  scale?: number;
}

/** Rasterizes an SVG (as the plot functions return) to PNG bytes, with the system's fonts. */
export async function toPng(svg: string, options: PngOptions = {}): Promise<Buffer> {
  const { scale = 2 } = options;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 16)) throw new RangeError(`scale must be a number in (0, 16] (got ${scale})`);
  // Loaded on first use: resvg's native binary is needed only for PNG output.
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true },
  });
  return image.asPng();
}
