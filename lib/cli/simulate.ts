import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { NetworkMode } from '../network';
import { formatWeightsCsv, izhikevich2006, spnetFromFiles } from '../spnet';
import { nonNegativeInteger, oneOf, positiveInteger } from './args';

export const SIMULATE_USAGE = [
  'polychron simulate (--network izhikevich2006 [--seed N] [--neurons N] | --connectivity FILE.csv [--thalamic FILE.csv])',
  '  [--seconds 10] [--mode reference|fast] [--threads 1] [--spikes-out FILE.csv] [--weights-out DIR]',
  '  [--checkpoint-out FILE] [--summary-json FILE]',
].join('\n');

/** What --summary-json writes. */
export interface SimulationSummary {
  network: string;
  mode: NetworkMode;
  threads: number;
  neurons: number;
  synapses: number;
  simulatedSeconds: number;
  /** The simulation alone: no start-up, no file output. */
  wallSeconds: number;
  msPerSimulatedSecond: number;
  spikes: number;
  synapticEvents: number;
  meanRateHz: number;
  spikesPerSecond: number[];
  meanExcitatoryWeight: number;
}

export async function simulate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      network: { type: 'string' },
      seed: { type: 'string' },
      neurons: { type: 'string' },
      connectivity: { type: 'string' },
      thalamic: { type: 'string' },
      seconds: { type: 'string' },
      mode: { type: 'string' },
      threads: { type: 'string' },
      'spikes-out': { type: 'string' },
      'weights-out': { type: 'string' },
      'checkpoint-out': { type: 'string' },
      'summary-json': { type: 'string' },
    },
  });
  const seconds = positiveInteger(values.seconds, 'seconds', 10);
  const mode = oneOf(values.mode, 'mode', ['reference', 'fast'] as const, 'reference');
  const threads = positiveInteger(values.threads, 'threads', 1);
  if ((values.network === undefined) === (values.connectivity === undefined)) {
    throw new RangeError('give either --network izhikevich2006 or --connectivity FILE.csv');
  }
  if (values.network !== undefined && values.network !== 'izhikevich2006') {
    throw new RangeError(`--network must be 'izhikevich2006' (got '${values.network}')`);
  }
  if (values.connectivity !== undefined && (values.seed !== undefined || values.neurons !== undefined)) {
    throw new RangeError('--seed and --neurons go with --network, not with --connectivity');
  }
  const { network } = values.connectivity !== undefined
    ? spnetFromFiles(values.connectivity, values.thalamic, { mode, threads })
    : izhikevich2006({ mode, threads, seed: nonNegativeInteger(values.seed, 'seed', 1), neurons: positiveInteger(values.neurons, 'neurons', 1000) });
  const label = values.connectivity !== undefined ? path.basename(values.connectivity) : 'izhikevich2006';

  const spikesOut = values['spikes-out'];
  const spikesFile = spikesOut === undefined ? undefined : fs.openSync(spikesOut, 'w');
  if (spikesFile !== undefined) fs.writeSync(spikesFile, 'ms,neuron\n');
  const weightsOut = values['weights-out'];
  if (weightsOut !== undefined) fs.mkdirSync(weightsOut, { recursive: true });

  const stats0 = network.stats();
  console.log(`polychron simulate: ${label}, ${network.size} neurons, ${mode} mode, ${threads} thread${threads > 1 ? 's' : ''}, ${seconds} s`);
  const spikesPerSecond: number[] = [];
  let wallSeconds = 0;
  let meanWeight = network.plasticWeights().mean;
  for (let second = 1; second <= seconds; second++) {
    const started = process.hrtime.bigint();
    const result = await network.run(1000, { record: spikesFile !== undefined });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    wallSeconds += elapsed;
    const spikes = network.stats().spikes - stats0.spikes - spikesPerSecond.reduce((a, b) => a + b, 0);
    spikesPerSecond.push(spikes);
    if (spikesFile !== undefined) {
      const lines: string[] = [];
      for (let k = 0; k < result.spikeTimes.length; k++) lines.push(`${result.spikeTimes[k]},${result.spikeNeurons[k]}\n`);
      fs.writeSync(spikesFile, lines.join(''));
    }
    if (weightsOut !== undefined) {
      fs.writeFileSync(path.join(weightsOut, `weights_sec${second}.csv`), formatWeightsCsv(network.synapses()));
    }
    meanWeight = network.plasticWeights().mean;
    console.log(`  second ${String(second).padStart(String(seconds).length)}/${seconds}: ` +
      `${String(spikes).padStart(6)} spikes, ${(spikes / network.size).toFixed(2).padStart(6)} Hz, ` +
      `mean excitatory weight ${meanWeight.toFixed(3)}, ${(elapsed * 1000).toFixed(1)} ms`);
  }
  if (spikesFile !== undefined) fs.closeSync(spikesFile);
  if (values['checkpoint-out'] !== undefined) await network.save(values['checkpoint-out']);

  const stats = network.stats();
  const totalSpikes = stats.spikes - stats0.spikes;
  const summary: SimulationSummary = {
    network: label,
    mode,
    threads,
    neurons: network.size,
    synapses: stats.synapses ?? 0,
    simulatedSeconds: seconds,
    wallSeconds,
    msPerSimulatedSecond: (wallSeconds * 1000) / seconds,
    spikes: totalSpikes,
    synapticEvents: stats.synapticEvents,
    meanRateHz: totalSpikes / network.size / seconds,
    spikesPerSecond,
    meanExcitatoryWeight: meanWeight,
  };
  console.log(`${totalSpikes} spikes (${summary.meanRateHz.toFixed(2)} Hz), ${stats.synapticEvents} synaptic events, ` +
    `${summary.msPerSimulatedSecond.toFixed(1)} ms per simulated second`);
  if (values['summary-json'] !== undefined) {
    fs.writeFileSync(values['summary-json'], `${JSON.stringify(summary, null, 2)}\n`);
  }
  network.close();
}
