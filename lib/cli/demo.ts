import { parseArgs } from 'node:util';
import { IzhikevichPopulation, type Numerics } from '../population';
import { positiveInteger, seededRandom } from './args';

/**
 * The neuron-update demo: Izhikevich's (2003) heterogeneous population, 80% excitatory
 * (RS to CH) and 20% inhibitory (FS to LTS), driven by random thalamic current. There are
 * no synapses yet, so the neurons fire independently.
 */
export async function demo(args: string[]): Promise<void> {
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

