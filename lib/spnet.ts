/**
 * The polychronization network of Izhikevich (2006) (../shared/spec/spnet.md) and the
 * file formats of its golden data: connectivity, thalamic input, spike raster, weights.
 */
import * as fs from 'node:fs';
import { Network, type NetworkOptions, type Population, type SynapseTable } from './network';

export interface Izhikevich2006Options extends NetworkOptions {
  /** Number of neurons (default 1000); 80% excitatory. */
  neurons?: number;
  /** Outgoing synapses per neuron (default 100). */
  synapsesPerNeuron?: number;
  /** Maximum axonal delay in ms (default 20). */
  maxDelay?: number;
}

export interface Izhikevich2006 {
  network: Network;
  excitatory: Population;
  inhibitory: Population;
}

/**
 * The 2006 network's neurons: excitatory regular spiking (a = 0.02, d = 8) then inhibitory
 * fast spiking (a = 0.1, d = 2), b = 0.2 and c = −65 for all. a is rounded to float32 and
 * b kept as the double 0.2, as the reference program has them.
 */
function addSpnetPopulations(network: Network, neurons: number) {
  const ne = Math.round(neurons * 0.8);
  const excitatory = network.addPopulation({ size: ne, name: 'excitatory', a: Math.fround(0.02), b: 0.2, c: -65, d: 8 });
  const inhibitory = network.addPopulation({ size: neurons - ne, name: 'inhibitory', a: Math.fround(0.1), b: 0.2, c: -65, d: 2 });
  return { excitatory, inhibitory };
}

/**
 * Builds the canonical 2006 network with random connectivity from `seed`: each
 * excitatory neuron has M synapses to distinct other neurons, M/D of each delay 1..D,
 * weight 6, plastic; each inhibitory neuron has M synapses to distinct excitatory neurons,
 * delay 1, weight −5, static; thalamic input: N/1000 random neurons per ms receive 20.
 */
export function izhikevich2006(options: Izhikevich2006Options = {}): Izhikevich2006 {
  const { neurons = 1000, synapsesPerNeuron = 100, maxDelay = 20, ...networkOptions } = options;
  if (!Number.isInteger(neurons) || neurons < 10) throw new RangeError(`neurons must be an integer >= 10 (got ${neurons})`);
  const network = new Network(networkOptions);
  const { excitatory, inhibitory } = addSpnetPopulations(network, neurons);
  network.connect(excitatory, [excitatory, inhibitory], {
    rule: { kind: 'fixedOutDegree', degree: synapsesPerNeuron },
    delay: { evenly: [1, maxDelay] },
    weight: 6,
    plastic: true,
  });
  network.connect(inhibitory, excitatory, {
    rule: { kind: 'fixedOutDegree', degree: synapsesPerNeuron },
    delay: 1,
    weight: -5,
  });
  network.addThalamicInput({ perMs: Math.max(1, Math.round(neurons / 1000)), current: 20 });
  return { network, excitatory, inhibitory };
}

/** Rows of a numeric CSV file with a header line, as columns. */
export function readColumns(path: string, header: string): number[][] {
  const text = fs.readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const names = header.split(',');
  if (lines[0].trim() !== header) {
    throw new RangeError(`${path}: expected the header '${header}' (got '${lines[0].trim()}')`);
  }
  const columns: number[][] = names.map(() => []);
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k].trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== names.length) throw new RangeError(`${path}:${k + 1}: expected ${names.length} columns`);
    for (let c = 0; c < names.length; c++) {
      const x = Number(cells[c]);
      if (cells[c] === '' || !Number.isFinite(x)) throw new RangeError(`${path}:${k + 1}: ${names[c]} is not a number`);
      columns[c].push(x);
    }
  }
  return columns;
}

export interface SpnetConnectivity {
  pre: Uint32Array;
  syn: Uint32Array;
  post: Uint32Array;
  delay: Uint8Array;
  weight: Float64Array;
}

/** Reads `connectivity.csv` (pre,syn,post,delay_ms,weight). */
export function readConnectivityCsv(path: string): SpnetConnectivity {
  const [pre, syn, post, delay, weight] = readColumns(path, 'pre,syn,post,delay_ms,weight');
  return {
    pre: Uint32Array.from(pre),
    syn: Uint32Array.from(syn),
    post: Uint32Array.from(post),
    delay: Uint8Array.from(delay),
    weight: Float64Array.from(weight),
  };
}

/** Reads `thalamic.csv` (ms,neuron): at each ms, that neuron's input is set to 20. */
export function readThalamicCsv(path: string): { times: Float64Array; neurons: Uint32Array } {
  const [times, neurons] = readColumns(path, 'ms,neuron');
  return { times: Float64Array.from(times), neurons: Uint32Array.from(neurons) };
}

/** Reads a spike raster (ms,neuron). */
export function readSpikesCsv(path: string): { times: Float64Array; neurons: Uint32Array } {
  const [times, neurons] = readColumns(path, 'ms,neuron');
  return { times: Float64Array.from(times), neurons: Uint32Array.from(neurons) };
}

/**
 * The 2006 network with given connectivity and (optionally) a recorded thalamic input:
 * excitatory synapses (pre < 80% of N) plastic, inhibitory static. Synapses are added in
 * file order, which keeps the reference's delivery order.
 */
export function spnetFromFiles(connectivityCsv: string, thalamicCsv: string | undefined, options: NetworkOptions = {}): Izhikevich2006 {
  const c = readConnectivityCsv(connectivityCsv);
  const neurons = Math.max(c.pre.reduce((m, x) => Math.max(m, x), 0), c.post.reduce((m, x) => Math.max(m, x), 0)) + 1;
  const network = new Network(options);
  const { excitatory, inhibitory } = addSpnetPopulations(network, neurons);
  for (const [plastic, keep] of [[true, (p: number) => p < excitatory.size], [false, (p: number) => p >= excitatory.size]] as const) {
    const rows = [...c.pre.keys()].filter((k) => keep(c.pre[k]));
    network.connect([excitatory, inhibitory], [excitatory, inhibitory], {
      rule: { kind: 'explicit', pre: Uint32Array.from(rows, (k) => c.pre[k]), post: Uint32Array.from(rows, (k) => c.post[k]) },
      delay: Float64Array.from(rows, (k) => c.delay[k]),
      weight: Float64Array.from(rows, (k) => c.weight[k]),
      plastic,
    });
  }
  if (thalamicCsv !== undefined) {
    const { times, neurons: targets } = readThalamicCsv(thalamicCsv);
    network.addCurrentSchedule({ times, neurons: targets, currents: 20, mode: 'assign' });
  }
  return { network, excitatory, inhibitory };
}

/**
 * A number as C's printf("%.9g"), the golden files' float format (an exact float32 round
 * trip). Ties round to even, as C does, where JavaScript's toPrecision rounds them up.
 */
export function formatG9(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return String(x);
  // 100 significant digits hold a float32's exact decimal expansion, so ties are visible.
  const [mantissa, exponentText] = Math.abs(x).toExponential(99).split('e');
  const digits = mantissa.replace('.', '');
  let exponent = Number(exponentText);
  let kept = BigInt(digits.slice(0, 9));
  const rest = digits.slice(9);
  const half = `5${'0'.repeat(rest.length - 1)}`;
  if (rest > half || (rest === half && kept % 2n === 1n)) kept += 1n;
  let text = kept.toString();
  if (text.length > 9) {
    text = text.slice(0, 9);
    exponent += 1;
  }
  const sign = x < 0 ? '-' : '';
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= 9) {
    const e = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${strip(`${text[0]}.${text.slice(1)}`)}e${e}`;
  }
  const fixed = exponent >= 0
    ? `${text.slice(0, exponent + 1)}.${text.slice(exponent + 1)}`
    : `0.${'0'.repeat(-exponent - 1)}${text}`;
  return sign + strip(fixed);
}

/** The spike raster as `ms,neuron` lines. */
export function formatSpikesCsv(times: ArrayLike<number>, neurons: ArrayLike<number>): string {
  const lines = ['ms,neuron'];
  for (let k = 0; k < times.length; k++) lines.push(`${times[k]},${neurons[k]}`);
  return `${lines.join('\n')}\n`;
}

/** Weights as `pre,syn,post,weight,sd` lines; syn counts each neuron's synapses in storage order. */
export function formatWeightsCsv(synapses: SynapseTable): string {
  const lines = ['pre,syn,post,weight,sd'];
  let syn = 0;
  for (let k = 0; k < synapses.pre.length; k++) {
    syn = k > 0 && synapses.pre[k] === synapses.pre[k - 1] ? syn + 1 : 0;
    lines.push(`${synapses.pre[k]},${syn},${synapses.post[k]},${formatG9(synapses.weight[k])},${formatG9(synapses.derivative[k])}`);
  }
  return `${lines.join('\n')}\n`;
}
