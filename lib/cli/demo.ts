import { Command } from 'commander';
import { IzhikevichPopulation, type Numerics } from '../population';
import { lmDemoCommand } from './lm';
import { oneOf, positiveInteger } from './options';

interface NeuronsDemoOptions {
  neurons: number;
  ms: number;
  numerics: Numerics;
  seed: number;
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

/**
 * The neuron-update demo: Izhikevich's (2003) heterogeneous population, 80% excitatory
 * (RS to CH) and 20% inhibitory (FS to LTS), driven by random thalamic current. There are
 * no synapses yet, so the neurons fire independently.
 */
async function neuronsDemo({ neurons: size, ms, numerics, seed }: NeuronsDemoOptions): Promise<void> {
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


function neuronsDemoCommand(): Command {
  return new Command('neurons')
    .summary('step a population of Izhikevich neurons driven by noise; print rates and a raster (the default)')
    .description('Izhikevich\'s (2003) heterogeneous population, 80% excitatory and 20% inhibitory, driven by random ' +
      'thalamic current, without synapses: prints the firing rate over time, a spike raster and the cost of a neuron update.')
    .addOption(positiveInteger('--neurons <count>', 'neurons in the population', 1000))
    .addOption(positiveInteger('--ms <milliseconds>', 'simulated time, in ms', 1000))
    .addOption(oneOf('--numerics <numerics>', 'exact (reference arithmetic) or fast (SIMD approximations)', ['exact', 'fast'] as const, 'exact'))
    .addOption(positiveInteger('--seed <n>', 'seed of the neuron parameters and the input current', 1))
    .action(neuronsDemo);
}

/** The demos under one name: `polychron demo` (the neuron demo), `demo neurons`, `demo lm`. */
export function demoCommand(): Command {
  return new Command('demo')
    .summary('short demonstrations: demo neurons (the default), demo lm (npm run demo)')
    .description('Short demonstrations. Without a demo name, options go to demo neurons.')
    .addCommand(neuronsDemoCommand(), { isDefault: true })
    .addCommand(lmDemoCommand('lm'));
}
