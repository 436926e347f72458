import { izhikevich2006, Network, type NetworkMode } from '../lib';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const same = (x: ArrayBufferView, y: ArrayBufferView) =>
  Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));

describe.each(['reference', 'fast'] as NetworkMode[])('threads (%s mode)', (mode) => {
  test('spikes, weights and state are bit-identical for 1, 2 and 3 threads', async () => {
    const runs = [];
    for (const threads of [1, 2, 3]) {
      // 3001 neurons: parts of unequal size, not multiples of the SIMD width.
      const { network } = izhikevich2006({ seed: 21, mode, threads, threadPolicy: 'all', neurons: 3001 });
      expect(network.stats().threads).toBe(threads);
      const result = await network.run(2500); // crosses two weight updates
      runs.push({ result, synapses: network.synapses(), v: network.v.slice(), stats: network.stats() });
    }
    const [one, ...others] = runs;
    expect(one.result.spikeTimes.length).toBeGreaterThan(10_000);
    for (const other of others) {
      expect(same(other.result.spikeTimes, one.result.spikeTimes)).toBe(true);
      expect(same(other.result.spikeNeurons, one.result.spikeNeurons)).toBe(true);
      expect(same(other.synapses.weight, one.synapses.weight)).toBe(true);
      expect(same(other.synapses.derivative, one.synapses.derivative)).toBe(true);
      expect(same(other.v, one.v)).toBe(true);
      expect(other.stats.synapticEvents).toBe(one.stats.synapticEvents);
    }
  });

  test('a checkpoint loads with another thread count and runs on identically', async () => {
    const { network } = izhikevich2006({ seed: 5, mode, threads: 2, threadPolicy: 'all', neurons: 2000 });
    await network.run(700);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-threads-')), 'n.pcc');
    await network.save(file);
    const tail = await network.run(800);
    const loaded = await Network.load(file, { threads: 1 });
    expect(loaded.stats().threads).toBe(1);
    const again = await loaded.run(800);
    expect(same(again.spikeNeurons, tail.spikeNeurons)).toBe(true);
    expect(same(loaded.synapses().weight, network.synapses().weight)).toBe(true);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

test('threads must be an integer in [1, 256] or auto; threadPolicy adaptive or all', () => {
  expect(() => new Network({ threads: 0 })).toThrow(/threads must be an integer in \[1, 256\] \(got 0\)/);
  expect(() => new Network({ threads: 'many' as unknown as number })).toThrow(/threads must be 'auto' or an integer in \[1, 256\]/);
  expect(() => new Network({ threadPolicy: 'some' as 'all' })).toThrow(/threadPolicy must be 'adaptive' or 'all' \(got 'some'\)/);
});

describe('adaptive threads', () => {
  test("'auto' is the default and means one per core", () => {
    const network = new Network();
    network.addPopulation({ size: 10 });
    expect(network.stats().threads).toBe(os.cpus().length);
    network.close();
  });

  test('a network too small for a second thread to pay runs on one, with the results of one', async () => {
    const small = izhikevich2006({ seed: 4, neurons: 200, threads: 2, mode: 'fast' }).network;
    const single = izhikevich2006({ seed: 4, neurons: 200, threads: 1, mode: 'fast' }).network;
    const a = await small.run(3000);
    const b = await single.run(3000);
    expect(small.stats().threads).toBe(2);
    // Each ms of 200 neurons is a few microseconds: handing half of it over costs more.
    expect(small.stats().threadsInUse).toBe(1);
    expect(Buffer.from(a.spikeNeurons.buffer).equals(Buffer.from(b.spikeNeurons.buffer))).toBe(true);
    small.close();
    single.close();
  });

  test("threadPolicy 'all' uses every thread", async () => {
    const { network } = izhikevich2006({ seed: 4, neurons: 200, threads: 2, threadPolicy: 'all' });
    await network.run(300);
    expect(network.stats().threadsInUse).toBe(2);
    network.close();
  });
});

describe('compact synapses', () => {
  test('the same spikes and weights with 3 bytes less per synapse, duplicates included', async () => {
    const build = (compactSynapses: boolean) => {
      const { network, excitatory } = izhikevich2006({ seed: 13, compactSynapses, neurons: 2000 });
      // Two identical plastic synapses (same pre, post and delay): each must learn.
      network.connect(excitatory, excitatory, {
        rule: { kind: 'explicit', pre: Uint32Array.of(3, 3), post: Uint32Array.of(7, 7) }, delay: 4, weight: 5, plastic: true,
      });
      return network;
    };
    const plain = build(false);
    const compact = build(true);
    const a = await plain.run(2500);
    const b = await compact.run(2500);
    expect(same(b.spikeNeurons, a.spikeNeurons)).toBe(true);
    expect(same(compact.synapses().weight, plain.synapses().weight)).toBe(true);
    expect(same(compact.synapses().derivative, plain.synapses().derivative)).toBe(true);
    const bytes = (n: Network) => n.stats().synapseBytes! / n.stats().synapses!;
    expect(bytes(plain) - bytes(compact)).toBeGreaterThan(3); // 4 B per plastic synapse, 80% plastic
    expect(compact.stats().compactSynapses).toBe(true);
  });
});
