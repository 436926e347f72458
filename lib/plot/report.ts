/**
 * A run's plots on one static HTML page. The page is self-contained (inline SVG and CSS,
 * no script) and its Content-Security-Policy forbids loading anything, so it can be
 * opened or mailed anywhere; every string from the run's files is escaped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GroupSet } from '../groups';
import { JSON_LIMITS, readJsonText } from '../json';
import { readSpikesCsv } from '../spnet';
import { readLossFiles, readWeightSnapshots } from './files';
import { plotGroup } from './group';
import { plotLoss } from './loss';
import { plotRaster, plotRates, type PopulationSpan } from './spikes';
import { plotWeightEvolution, plotWeightHistogram } from './weights';

/**
 * The files of a run folder, each optional (at least one must be there): what
 * `polychron simulate --summary-json DIR/summary.json --spikes-out DIR/spikes.csv
 * --weights-out DIR/weights`, `polychron groups --out DIR/groups.json` and
 * `polychron lm train --log DIR/lm-log.csv --trace DIR/lm-trace.csv` write.
 */
export const RUN_FILES = {
  summary: 'summary.json',
  spikes: 'spikes.csv',
  weights: 'weights',
  groups: 'groups.json',
  lossLog: 'lm-log.csv',
  lossTrace: 'lm-trace.csv',
} as const;

export interface RunReportOptions {
  /** The page's heading (default: "polychron run" and the folder's name). */
  title?: string;
  /**
   * Lines of the rate plot. Default: with summary.json, the 2006 network's excitatory
   * (first 80%) and inhibitory neurons, as simulate builds them; else one line for all.
   */
  populations?: readonly PopulationSpan[];
  /** The raster shows the last this many ms of spikes.csv (default 1000). */
  rasterMs?: number;
}

/** Text made safe as HTML content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Section {
  heading: string;
  /** Escaped HTML. */
  body: string;
}

const figure = (svg: string, caption: string): string => `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;

function summaryTable(summary: Record<string, unknown>): string {
  const rows = Object.entries(summary)
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(String(value))}</td></tr>`);
  return `<table>${rows.join('')}</table>`;
}

/** The 2006 network's split, as simulate builds it (Math.round(0.8 N) excitatory). */
function spnetPopulations(neurons: number): PopulationSpan[] {
  const excitatory = Math.round(neurons * 0.8);
  return [{ name: 'excitatory', first: 0, size: excitatory }, { name: 'inhibitory', first: excitatory, size: neurons - excitatory }];
}

/** The HTML page of the run in folder `dir` (see RUN_FILES for what it reads). */
export async function runReport(dir: string, options: RunReportOptions = {}): Promise<string> {
  const { rasterMs = 1000 } = options;
  if (!(Number.isFinite(rasterMs) && rasterMs > 0)) throw new RangeError(`rasterMs must be a number > 0 (got ${rasterMs})`);
  if (!fs.statSync(dir).isDirectory()) throw new RangeError(`${dir} is not a folder`);
  const file = (name: string): string | undefined => (fs.existsSync(path.join(dir, name)) ? path.join(dir, name) : undefined);
  const summaryFile = file(RUN_FILES.summary);
  const spikesFile = file(RUN_FILES.spikes);
  const weightsDir = file(RUN_FILES.weights);
  const groupsFile = file(RUN_FILES.groups);
  const lossFiles = { log: file(RUN_FILES.lossLog), trace: file(RUN_FILES.lossTrace) };
  const found = Object.values(RUN_FILES).filter((name) => file(name) !== undefined);
  if (found.length === 0) throw new RangeError(`${dir} holds none of the run files (${Object.values(RUN_FILES).join(', ')})`);

  const sections: Section[] = [];
  let populations = options.populations;
  if (summaryFile !== undefined) {
    let summary: Record<string, unknown>;
    try {
      summary = JSON.parse(readJsonText(summaryFile, JSON_LIMITS.runSummary, 'run summary')) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof SyntaxError) throw new SyntaxError(`${summaryFile}: not valid JSON (${error.message})`);
      throw error;
    }
    if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) throw new TypeError(`${summaryFile}: a run summary must be a JSON object`);
    if (populations === undefined && Number.isInteger(summary.neurons)) populations = spnetPopulations(summary.neurons as number);
    sections.push({ heading: 'Summary', body: summaryTable(summary) });
  }
  const groups = groupsFile === undefined ? undefined : await GroupSet.load(groupsFile);
  if (spikesFile !== undefined) {
    const spikes = readSpikesCsv(spikesFile);
    const end = spikes.times.reduce((last, t) => Math.max(last, t), 0) + 1;
    const window = { from: Math.max(0, end - rasterMs), to: end };
    // Groups of another network (fewer neurons than the raster names) cannot be looked for in it.
    const highestNeuron = spikes.neurons.reduce((high, n) => Math.max(high, n), -1);
    const overlay = groups !== undefined && highestNeuron < groups.search.neurons;
    const highlight = overlay ? (await groups.activatedBy(spikes, window)).slice(0, 10) : [];
    const circled = highlight.length > 0
      ? `; the firings of ${highlight.length} group activations circled`
      : groups !== undefined && !overlay ? `; ${RUN_FILES.groups} is of a network of ${groups.search.neurons} neurons, too few for these spikes` : '';
    sections.push({
      heading: 'Spikes',
      body: figure(await plotRaster(spikes, { ...window, highlight }), `The last ${window.to - window.from} ms of ${RUN_FILES.spikes}${circled}.`) +
        figure(await plotRates(spikes, { populations }), 'Population rates over the whole run.'),
    });
  }
  if (weightsDir !== undefined) {
    const snapshots = readWeightSnapshots(weightsDir);
    // [0, 10]: the excitatory synapses, between 0 and the 2006 network's cap (its inhibitory ones are all −5).
    const domain = [0, 10] as const;
    const last = snapshots[snapshots.length - 1];
    let body = figure(await plotWeightHistogram(last.weights, { domain }), `Excitatory weights after ${last.label}.`);
    if (snapshots.length > 1) body += figure(await plotWeightEvolution(snapshots, { domain }), 'Excitatory weights at each snapshot.');
    sections.push({ heading: 'Weights', body });
  }
  if (groups !== undefined) {
    const longest = groups.groups.reduce<number | undefined>((best, g, k) => (best === undefined || g.longestPath > groups.groups[best].longestPath ? k : best), undefined);
    const count = `<p>${groups.size} polychronous groups (minPath ${escapeHtml(String(groups.search.minPath))}).</p>`;
    sections.push({
      heading: 'Polychronous groups',
      body: longest === undefined ? count : count + figure(await plotGroup(groups.groups[longest]), `Group ${longest}, one with the longest path.`),
    });
  }
  if (lossFiles.log !== undefined || lossFiles.trace !== undefined) {
    sections.push({ heading: 'Language-model loss', body: figure(await plotLoss(readLossFiles(lossFiles)), 'Training and validation loss.') });
  }

  const title = options.title ?? `polychron run ${path.basename(path.resolve(dir))}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}',
    'figure{margin:1em 0}svg{max-width:100%;height:auto}figcaption{color:#555}',
    'table{border-collapse:collapse}th,td{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}</style>',
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>Folder <code>${escapeHtml(dir)}</code>: ${found.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ')}.</p>`,
    ...sections.map((s) => `<section><h2>${escapeHtml(s.heading)}</h2>${s.body}</section>`),
    '</body></html>',
    '',
  ].join('\n');
}
