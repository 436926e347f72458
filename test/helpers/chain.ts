/** Networks whose polychronous groups are known by construction (test/groups*.test.ts). */
import { Network } from '../../lib';

export const LAYERS = 8; // layers 0..7 of the chain
export const WIDTH = 3;
export const DELAY = 5;

/**
 * A chain of 8 layers of 3 regular-spiking neurons (0–23): every neuron of a layer drives
 * every neuron of the next through a strong synapse (weight 10, delay 5 ms), so three
 * coincident spikes of a layer make the next one fire, and so on to the end. Neurons
 * 24–59 are bystanders: each receives two strong synapses from chain neurons of different
 * layers, whose spikes never coincide, so it never fires; and it sends a weak one back (delay 20 ms, which makes the network's largest delay 20, so the
 * default replay window of 2·20 + 20 ms holds the whole chain). By construction the groups
 * are: for a mother in layer k >= 1, anchors = layer k − 1, firings = layers k − 1 .. 7,
 * longest path 9 − k; mothers in layer 7 have none, as only 6 = 2·W neurons fire.
 */
export function chainNetwork(): Network {
  const network = new Network();
  const excitatory = network.addPopulation({ size: 60, preset: 'RS' });
  const pre: number[] = [];
  const post: number[] = [];
  const weight: number[] = [];
  const delay: number[] = [];
  for (let layer = 0; layer + 1 < LAYERS; layer++) {
    for (let i = 0; i < WIDTH; i++) {
      for (let j = 0; j < WIDTH; j++) {
        pre.push(layer * WIDTH + i);
        post.push((layer + 1) * WIDTH + j);
        weight.push(10);
        delay.push(DELAY);
      }
    }
  }
  for (let b = 24; b < 60; b++) {
    pre.push((b * 7) % 24, (b * 11 + 5) % 24, b);
    post.push(b, b, (b * 13) % 24);
    weight.push(10, 10, 3);
    delay.push(DELAY, DELAY, 20);
  }
  network.connect(excitatory, excitatory, {
    rule: { kind: 'explicit', pre: Uint32Array.from(pre), post: Uint32Array.from(post) },
    delay: Float64Array.from(delay),
    weight: Float64Array.from(weight),
  });
  return network;
}

