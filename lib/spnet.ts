/**
 * The polychronization network of Izhikevich (2006) (../shared/spec/spnet.md) and the
 * file formats of its golden data: connectivity, thalamic input, spike raster, weights.
 */
import { readFileNamedSync } from './files';
import { formatG9, parseCsv } from './formats/csv';
import type { ColumnSpec } from './formats/columns';
import { Network, type NetworkOptions, type Population, type SynapseTable } from './network';
import { checkArrayLike, checkFinite, checkInteger, checkOptions, shown } from './describe';

export { formatG9 };

export interface Izhikevich2006Options extends NetworkOptions {
  /** Number of neurons (default 1000); 80% excitatory. */
  neurons?: number;
  /** Outgoing synapses per neuron (default 100). */
  synapsesPerNeuron?: number;
  /** Maximum axonal delay in ms (default 20). */
  maxDelay?: number;
  /** Initial weight of the excitatory (plastic) synapses (default 6). */
  excitatoryWeight?: number;
  /** Random neurons given the thalamic current each ms (default N/1000, at least 1). */
  inputPerMs?: number;
  /** The thalamic current, assigned (default: the core's, NETWORK_DEFAULTS.thalamic.current = 20). */
  inputCurrent?: number;
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
 * weight 6 (excitatoryWeight), plastic; each inhibitory neuron has M synapses to distinct excitatory neurons,
 * delay 1, weight −5, static; thalamic input: N/1000 random neurons per ms receive 20.
 * The synapses are drawn when the network is built (its first run), each neuron's from
 * its own random stream, on the network's `threads`: the same network for any count
 * (docs/api.md, "How rules draw"; seeds give other networks than before issue 16).
 */
export function izhikevich2006(options: Izhikevich2006Options = {}): Izhikevich2006 {
  checkOptions(options);
  const { neurons = 1000, synapsesPerNeuron = 100, maxDelay = 20, inputPerMs, inputCurrent, excitatoryWeight = 6, ...networkOptions } = options;
  // At most 2^27 neurons, the largest population (its 80% excitatory ones must fit).
  if (typeof neurons !== 'number') throw new TypeError(`neurons must be a number (got ${shown(neurons)})`);
  if (!Number.isInteger(neurons) || neurons < 10 || neurons > 2 ** 27) {
    throw new RangeError(`neurons must be an integer in [10, 134217728] (got ${shown(neurons)})`);
  }
  // This function's own options are checked here, so that an error names them (not the
  // connect() or addThalamicInput() option they become).
  checkInteger(synapsesPerNeuron, 'synapsesPerNeuron', 0, Math.round(neurons * 0.8));
  checkInteger(maxDelay, 'maxDelay', 1, 255);
  checkFinite(excitatoryWeight, 'excitatoryWeight');
  if (inputPerMs !== undefined) checkInteger(inputPerMs, 'inputPerMs', 0, 2 ** 24);
  if (inputCurrent !== undefined) checkFinite(inputCurrent, 'inputCurrent');
  const network = new Network(networkOptions);
  try {
    const { excitatory, inhibitory } = addSpnetPopulations(network, neurons);
    network.connect(excitatory, [excitatory, inhibitory], {
      rule: { kind: 'fixedOutDegree', degree: synapsesPerNeuron },
      delay: { evenly: [1, maxDelay] },
      weight: excitatoryWeight,
      plastic: true,
    });
    network.connect(inhibitory, excitatory, {
      rule: { kind: 'fixedOutDegree', degree: synapsesPerNeuron },
      delay: 1,
      weight: -5,
    });
    network.addThalamicInput({ perMs: inputPerMs ?? Math.max(1, Math.round(neurons / 1000)), current: inputCurrent });
    return { network, excitatory, inhibitory };
  } catch (error) {
    network.close();
    throw error;
  }
}

/** The columns of `connectivity.csv`. */
const CONNECTIVITY_COLUMNS: ColumnSpec[] = [
  { name: 'pre', type: 'u4' },
  { name: 'syn', type: 'u4' },
  { name: 'post', type: 'u4' },
  { name: 'delay_ms', type: 'u1' },
  { name: 'weight', type: 'f8' },
];

/** The columns of a spike raster and of `thalamic.csv`: a time in ms and a neuron index. */
export const SPIKE_COLUMNS: ColumnSpec[] = [
  { name: 'ms', type: 'f8' },
  { name: 'neuron', type: 'u4' },
];

export interface SpnetConnectivity {
  pre: Uint32Array;
  syn: Uint32Array;
  post: Uint32Array;
  delay: Uint8Array;
  weight: Float64Array;
}

/** Reads `connectivity.csv` (pre,syn,post,delay_ms,weight). */
export function readConnectivityCsv(path: string): SpnetConnectivity {
  const columns = parseCsv(readFileNamedSync(path).toString('utf8'), CONNECTIVITY_COLUMNS, path);
  return {
    pre: columns.get('pre') as Uint32Array,
    syn: columns.get('syn') as Uint32Array,
    post: columns.get('post') as Uint32Array,
    delay: columns.get('delay_ms') as Uint8Array,
    weight: columns.get('weight') as Float64Array,
  };
}

/** Reads `thalamic.csv` (ms,neuron): at each ms, that neuron's input is set to 20. */
export function readThalamicCsv(path: string): { times: Float64Array; neurons: Uint32Array } {
  return readSpikesCsv(path);
}

/** Reads a spike raster (ms,neuron). */
export function readSpikesCsv(path: string): { times: Float64Array; neurons: Uint32Array } {
  const columns = parseCsv(readFileNamedSync(path).toString('utf8'), SPIKE_COLUMNS, path);
  return { times: columns.get('ms') as Float64Array, neurons: columns.get('neuron') as Uint32Array };
}

/**
 * The 2006 network with given connectivity and (optionally) a recorded thalamic input:
 * excitatory synapses (pre < 80% of N) plastic, inhibitory static. Synapses are added in
 * file order, which keeps the reference's delivery order.
 */
export function spnetFromFiles(connectivityCsv: string, thalamicCsv: string | undefined, options: NetworkOptions = {}): Izhikevich2006 {
  checkOptions(options);
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

/** The spike raster as `ms,neuron` lines. */
export function formatSpikesCsv(times: ArrayLike<number>, neurons: ArrayLike<number>): string {
  checkArrayLike(times, 'times');
  checkArrayLike(neurons, 'neurons');
  if (times.length !== neurons.length) throw new RangeError(`times and neurons must have one length (got ${times.length} and ${neurons.length})`);
  const lines = ['ms,neuron'];
  for (let k = 0; k < times.length; k++) lines.push(`${times[k]},${neurons[k]}`);
  return `${lines.join('\n')}\n`;
}

/** Weights as `pre,syn,post,weight,sd` lines; syn counts each neuron's synapses in storage order. */
export function formatWeightsCsv(synapses: SynapseTable): string {
  if (typeof synapses !== 'object' || synapses === null) throw new TypeError(`synapses must be a SynapseTable (got ${shown(synapses)})`);
  const columns = ['pre', 'post', 'weight', 'derivative'] as const;
  for (const name of columns) checkArrayLike(synapses[name], `synapses.${name}`);
  for (const name of columns) {
    if (synapses[name].length !== synapses.pre.length) {
      throw new RangeError(`synapses.${name} must have the length of synapses.pre = ${synapses.pre.length} (got ${synapses[name].length})`);
    }
  }
  const lines = ['pre,syn,post,weight,sd'];
  let syn = 0;
  for (let k = 0; k < synapses.pre.length; k++) {
    syn = k > 0 && synapses.pre[k] === synapses.pre[k - 1] ? syn + 1 : 0;
    lines.push(`${synapses.pre[k]},${syn},${synapses.post[k]},${formatG9(synapses.weight[k])},${formatG9(synapses.derivative[k])}`);
  }
  return `${lines.join('\n')}\n`;
}
