import { Network } from '../../lib';
import { seededRandom } from './random';

/**
 * A seeded random network for the group tests: 160 regular-spiking and 40 fast-spiking
 * neurons; each excitatory neuron sends 25 synapses (60% at weight 10, the rest below 5,
 * delays 1–20 ms) to any neuron, each inhibitory one 20 of weight −5 to excitatory ones.
 * The excitatory synapses are made as one projection per block of presynaptic neurons
 * (`blocks`: where each block ends), so a test can have several projections.
 */
export function randomNetwork(seed: number, blocks: readonly number[] = [160]): Network {
  const random = seededRandom(seed);
  const network = new Network();
  const exc = network.addPopulation({ size: 160, preset: 'RS' });
  const inh = network.addPopulation({ size: 40, preset: 'FS' });
  const pick = (n: number, count: number) => Uint32Array.from({ length: count }, () => Math.floor(random() * n));
  blocks.forEach((to, b) => {
    const from = b === 0 ? 0 : blocks[b - 1];
    const e = (to - from) * 25;
    network.connect(exc, [exc, inh], {
      rule: { kind: 'explicit', pre: Uint32Array.from({ length: e }, (_, k) => from + Math.floor(k / 25)), post: pick(200, e) },
      delay: Float64Array.from({ length: e }, () => 1 + Math.floor(random() * 20)),
      weight: Float64Array.from({ length: e }, () => (random() < 0.6 ? 10 : random() * 5)),
    });
  });
  const i = 40 * 20;
  network.connect(inh, exc, {
    rule: { kind: 'explicit', pre: Uint32Array.from({ length: i }, (_, k) => Math.floor(k / 20)), post: pick(160, i) },
    delay: 1,
    weight: -5,
  });
  return network;
}
