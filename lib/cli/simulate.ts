import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { tableFormatOf, writeSpikes } from '../formats';
import { Network, type NetworkMode } from '../network';
import { networkFromDescription } from '../network-description';
import { formatWeightsCsv, izhikevich2006, spnetFromFiles } from '../spnet';
import { nonNegativeInteger, oneOf, positiveInteger, threadCount } from './options';
import { echo } from './errors';
import { inputFile, outputFile, outputFolder, reading } from './paths';
import { eta } from './progress';

/** What --summary-json writes. */
export interface SimulationSummary {
  network: string;
  mode: NetworkMode;
  /** Threads given (for --threads auto, the cores). */
  threads: number;
  /** Threads the loop used at the end (1 or `threads`: whichever its own timing found faster). */
  threadsInUse: number;
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

interface SimulateOptions {
  /** 'izhikevich2006' or a network description file (.json). */
  network?: string;
  seed: number;
  neurons: number;
  connectivity?: string;
  thalamic?: string;
  resume?: string;
  seconds: number;
  mode: NetworkMode;
  threads: number | 'auto';
  spikesOut?: string;
  weightsOut?: string;
  checkpointOut?: string;
  /** Simulated seconds between checkpoints (to --checkpoint-out); the end is always saved. */
  checkpointEvery?: number;
  summaryJson?: string;
  quiet?: boolean;
  json?: boolean;
}

/** The network to run, built or loaded as the options say, after every file argument is checked. */
async function openNetwork(o: SimulateOptions, given: (option: string) => boolean): Promise<{ network: Network; label: string }> {
  const sources = [o.network, o.connectivity, o.resume].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new RangeError('give either --network izhikevich2006 (or a description FILE.json) or --connectivity FILE.csv ' +
      '(or --resume CHECKPOINT to continue a saved run)');
  }
  if (o.network !== undefined && o.network !== BUILT_IN) {
    if (!o.network.toLowerCase().endsWith('.json')) {
      throw new RangeError(`--network must be '${BUILT_IN}' or a network description file ending in .json (got '${echo(o.network)}')`);
    }
    if (given('neurons')) throw new RangeError('--neurons goes with --network izhikevich2006 (a description file gives its own sizes)');
    const file = inputFile(o.network, '--network', 'network description');
    const overrides = { threads: o.threads, ...(given('seed') && { seed: o.seed }), ...(given('mode') && { mode: o.mode }) };
    const { network } = await reading('--network', () => networkFromDescription(file, overrides));
    return { network, label: path.basename(o.network) };
  }
  if (o.network === undefined) {
    const withNetwork = ['seed', 'neurons'].find(given);
    if (withNetwork !== undefined) throw new RangeError(`--${withNetwork} goes with --network, not with --connectivity or --resume`);
  }
  if (o.connectivity !== undefined) {
    const { network } = spnetFromFiles(inputFile(o.connectivity, '--connectivity'),
      o.thalamic === undefined ? undefined : inputFile(o.thalamic, '--thalamic'), { mode: o.mode, threads: o.threads });
    return { network, label: path.basename(o.connectivity) };
  }
  if (o.thalamic !== undefined) throw new RangeError('--thalamic goes with --connectivity');
  if (o.resume !== undefined) {
    if (given('mode')) throw new RangeError('--mode cannot change a resumed network (it comes from the checkpoint)');
    const checkpoint = inputFile(o.resume, '--resume', 'network checkpoint');
    const network = await reading('--resume', () => Network.load(checkpoint, { threads: o.threads }));
    return { network, label: path.basename(o.resume) };
  }
  const { network } = izhikevich2006({ mode: o.mode, threads: o.threads, seed: o.seed, neurons: o.neurons });
  return { network, label: 'izhikevich2006' };
}

const BUILT_IN = 'izhikevich2006';

/** The format --spikes-out names by its extension (.csv, .npz, .arrow, .feather). */
function spikesFormatOf(file: string): string {
  try {
    return tableFormatOf(file);
  } catch (error) {
    throw new RangeError(`--spikes-out: ${(error as Error).message}`);
  }
}

function concatenate(chunks: { times: Float64Array; neurons: Uint32Array }[]): { times: Float64Array; neurons: Uint32Array } {
  const count = chunks.reduce((n, c) => n + c.times.length, 0);
  const times = new Float64Array(count);
  const neurons = new Uint32Array(count);
  let at = 0;
  for (const c of chunks) {
    times.set(c.times, at);
    neurons.set(c.neurons, at);
    at += c.times.length;
  }
  return { times, neurons };
}

async function simulate(o: SimulateOptions, command: Command): Promise<void> {
  const given = (option: string): boolean => command.getOptionValueSource(option) === 'cli';
  // Outputs first: a missing folder must fail now, not after the whole run.
  const spikesFormat = o.spikesOut === undefined ? undefined : spikesFormatOf(outputFile(o.spikesOut, '--spikes-out'));
  if (o.checkpointOut !== undefined) outputFile(o.checkpointOut, '--checkpoint-out');
  if (o.checkpointEvery !== undefined && o.checkpointOut === undefined) {
    throw new RangeError('--checkpoint-every needs --checkpoint-out FILE (where the checkpoints go)');
  }
  if (o.summaryJson !== undefined) outputFile(o.summaryJson, '--summary-json');
  const { network, label } = await openNetwork(o, given);
  if (o.weightsOut !== undefined) outputFolder(o.weightsOut, '--weights-out');
  const { seconds } = o;
  const threads = network.stats().threads;
  const mode = network.mode;
  const quiet = o.quiet === true || o.json === true;
  const say = (line: string): void => {
    if (!quiet) console.log(line);
  };

  // CSV is streamed second by second; the binary formats are written whole at the end.
  const spikesFile = spikesFormat === 'csv' ? fs.openSync(o.spikesOut!, 'w') : undefined;
  if (spikesFile !== undefined) fs.writeSync(spikesFile, 'ms,neuron\n');
  const spikeChunks: { times: Float64Array; neurons: Uint32Array }[] = [];
  const stats0 = network.stats();
  say(`polychron simulate: ${label}, ${network.size} neurons, ${mode} mode, ${threads} thread${threads > 1 ? 's' : ''}, ${seconds} s` +
    (o.resume !== undefined ? ` from ${network.time} ms` : ''));
  const spikesPerSecond: number[] = [];
  let wallSeconds = 0;
  let meanWeight = network.plasticWeights().mean;
  const runStarted = Date.now();
  for (let second = 1; second <= seconds; second++) {
    const started = process.hrtime.bigint();
    const result = await network.run(1000, { record: spikesFormat !== undefined });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    wallSeconds += elapsed;
    const spikes = network.stats().spikes - stats0.spikes - spikesPerSecond.reduce((a, b) => a + b, 0);
    spikesPerSecond.push(spikes);
    if (spikesFile !== undefined) {
      const lines: string[] = [];
      for (let k = 0; k < result.spikeTimes.length; k++) lines.push(`${result.spikeTimes[k]},${result.spikeNeurons[k]}\n`);
      fs.writeSync(spikesFile, lines.join(''));
    } else if (spikesFormat !== undefined) {
      spikeChunks.push({ times: result.spikeTimes, neurons: result.spikeNeurons });
    }
    if (o.weightsOut !== undefined) {
      fs.writeFileSync(path.join(o.weightsOut, `weights_sec${second}.csv`), formatWeightsCsv(network.synapses()));
    }
    meanWeight = network.plasticWeights().mean;
    // Periodic checkpoints: each replaces the last atomically (written aside, then
    // renamed), so a kill at any moment leaves the previous one whole.
    if (o.checkpointEvery !== undefined && second % o.checkpointEvery === 0 && second < seconds) {
      await network.save(o.checkpointOut!);
    }
    say(`  second ${String(second).padStart(String(seconds).length)}/${seconds}: ` +
      `${String(spikes).padStart(6)} spikes, ${(spikes / network.size).toFixed(2).padStart(6)} Hz, ` +
      `mean excitatory weight ${meanWeight.toFixed(3)}, ${(elapsed * 1000).toFixed(1)} ms, ` +
      eta((Date.now() - runStarted) / 1000, second / seconds));
  }
  if (spikesFile !== undefined) fs.closeSync(spikesFile);
  if (spikesFormat !== undefined && spikesFormat !== 'csv') await writeSpikes(o.spikesOut!, concatenate(spikeChunks));
  if (o.checkpointOut !== undefined) await network.save(o.checkpointOut);

  const stats = network.stats();
  const totalSpikes = stats.spikes - stats0.spikes;
  const summary: SimulationSummary = {
    network: label,
    mode,
    threads,
    threadsInUse: stats.threadsInUse,
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
  if (o.json === true) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(`${totalSpikes} spikes (${summary.meanRateHz.toFixed(2)} Hz), ${stats.synapticEvents} synaptic events, ` +
      `${summary.msPerSimulatedSecond.toFixed(1)} ms per simulated second`);
  }
  if (o.summaryJson !== undefined) fs.writeFileSync(o.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
  network.close();
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .summary('simulate the 2006 polychronization network (or one from golden CSV files, or a saved checkpoint)')
    .description('Simulate a spiking network second by second: the polychronization network of Izhikevich (2006) ' +
      'built from a seed, one read from connectivity/thalamic CSV files, or one continued from a checkpoint. ' +
      'Prints spikes, rate and mean excitatory weight per simulated second.')
    .option('--network <name|file.json>', `${BUILT_IN} (the 2006 network, built from --seed) or a network description file ` +
      '(docs/api.md, "Network description files"; --seed and --mode override its own)')
    .addOption(nonNegativeInteger('--seed <n>', 'seed of the random connectivity (with --network)', 1))
    .addOption(positiveInteger('--neurons <count>', 'neurons, 80% excitatory (with --network)', 1000))
    .option('--connectivity <file.csv>', 'read the network from a connectivity CSV (the golden data\'s format)')
    .option('--thalamic <file.csv>', 'thalamic input to replay, columns ms,neuron (with --connectivity)')
    .option('--resume <checkpoint>', 'continue a network saved by --checkpoint-out (or Network.save) from its time')
    .addOption(positiveInteger('--seconds <seconds>', 'simulated seconds to run (with --resume: seconds more)', 10))
    .addOption(oneOf('--mode <mode>', 'numerics: reference (exact, the golden data) or fast (SIMD)', ['reference', 'fast'] as const, 'reference'))
    .addOption(threadCount('--threads <count>', "threads: 'auto' (one per core, used while they pay) or a count (results do not depend on it)", 'auto'))
    .option('--spikes-out <file>', 'write every spike (columns ms,neuron) as .csv, .npz, .arrow or .feather, by the extension')
    .option('--weights-out <folder>', 'write weights_secK.csv after each second K (the folder is created)')
    .option('--checkpoint-out <file>', 'save the network at the end (for --resume, groups --checkpoint)')
    .addOption(positiveInteger('--checkpoint-every <seconds>', 'also save to --checkpoint-out after every this many simulated seconds ' +
      '(a killed run then continues with --resume)'))
    .option('--summary-json <file>', 'write the run summary as JSON')
    .option('--quiet', 'print only the final summary line, no per-second lines')
    .option('--json', 'print only the run summary, as one JSON object')
    .action(simulate);
}
