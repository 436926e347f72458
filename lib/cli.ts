#!/usr/bin/env node
/**
 * The `polychron` command line. Each command is one entry of COMMANDS; `polychron help`
 * lists them.
 */
import { parseArgs } from 'node:util';
import { IzhikevichPopulation, type Numerics } from './population';
import { cpuModel, nativeAddonPath, simd, supportedSimdLevels } from './simd';

interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<void> | void;
}

/** A seeded uniform generator (mulberry32) and a standard normal draw (Box–Muller) from it. */
function seededRandom(seed: number): { uniform: () => number; normal: () => number } {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer (got '${value}')`);
  return n;
}

/**
 * The neuron-update demo: Izhikevich's (2003) heterogeneous population, 80% excitatory
 * (RS to CH) and 20% inhibitory (FS to LTS), driven by random thalamic current. There are
 * no synapses yet, so the neurons fire independently.
 */
async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      neurons: { type: 'string' },
      ms: { type: 'string' },
      numerics: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const size = positiveInteger(values.neurons, 'neurons', 1000);
  const ms = positiveInteger(values.ms, 'ms', 1000);
  const seed = positiveInteger(values.seed, 'seed', 1);
  const numerics = (values.numerics ?? 'exact') as Numerics;
  const { uniform, normal } = seededRandom(seed);
  const excitatory = Math.round(size * 0.8);
  const a = new Float64Array(size);
  const b = new Float64Array(size);
  const c = new Float64Array(size);
  const d = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const r = uniform();
    if (i < excitatory) {
      a[i] = 0.02;
      b[i] = 0.2;
      c[i] = -65 + 15 * r * r;
      d[i] = 8 - 6 * r * r;
    } else {
      a[i] = 0.02 + 0.08 * r;
      b[i] = 0.25 - 0.05 * r;
      c[i] = -65;
      d[i] = 2;
    }
  }
  const population = new IzhikevichPopulation({ size, a, b, c, d, numerics });
  console.log(`polychron demo: ${size} Izhikevich neurons (${excitatory} excitatory), ${ms} ms, ` +
    `${population.numerics} numerics, ${population.simd} kernels`);

  const current = new Float32Array(size);
  const rasterRows = Math.min(size, 20);
  const rasterMs = Math.min(ms, 100);
  const raster = Array.from({ length: rasterRows }, () => Array<string>(rasterMs).fill('·'));
  const binMs = Math.max(1, Math.floor(ms / 10));
  let binSpikes = 0;
  let total = 0;
  let stepSeconds = 0;
  for (let t = 0; t < ms; t++) {
    for (let i = 0; i < size; i++) current[i] = (i < excitatory ? 5 : 2) * normal();
    const started = process.hrtime.bigint();
    const fired = population.step(current);
    stepSeconds += Number(process.hrtime.bigint() - started) / 1e9;
    total += fired.length;
    binSpikes += fired.length;
    for (const n of fired) if (n < rasterRows && t < rasterMs) raster[n][t] = '|';
    if ((t + 1) % binMs === 0 || t + 1 === ms) {
      const width = (t % binMs) + 1;
      const rate = (binSpikes / size) * (1000 / width);
      console.log(`  t = ${String(t + 1).padStart(6)} ms  rate ${rate.toFixed(1).padStart(6)} Hz  ` +
        '#'.repeat(Math.min(60, Math.round(rate))));
      binSpikes = 0;
    }
  }
  console.log(`\nraster, neurons 0-${rasterRows - 1}, first ${rasterMs} ms:`);
  for (const row of raster) console.log(`  ${row.join('')}`);
  console.log(`\n${total} spikes, mean rate ${((total / size) * (1000 / ms)).toFixed(2)} Hz; ` +
    `neuron update ${((stepSeconds / ms) * 1e6).toFixed(1)} µs per ms of simulated time`);
  population.close();
}

function info(): void {
  console.log(JSON.stringify({
    simd: simd(),
    supportedSimdLevels: supportedSimdLevels(),
    cpu: cpuModel(),
    addon: nativeAddonPath(),
  }, null, 2));
}

const COMMANDS: Record<string, Command> = {
  demo: {
    summary: 'step a population of Izhikevich neurons driven by noise; print rates and a raster',
    usage: 'polychron demo [--neurons 1000] [--ms 1000] [--numerics exact|fast] [--seed 1]',
    run: demo,
  },
  info: {
    summary: 'print the SIMD level in use, the CPU and the native addon loaded',
    usage: 'polychron info',
    run: info,
  },
};

function help(): void {
  console.log('usage: polychron <command> [options]\n\ncommands:');
  for (const [name, command] of Object.entries(COMMANDS)) {
    console.log(`  ${name.padEnd(8)} ${command.summary}\n           ${command.usage}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help();
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`polychron: unknown command '${name}'`);
    help();
    return 2;
  }
  try {
    await command.run(args);
    return 0;
  } catch (error) {
    console.error(`polychron ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
