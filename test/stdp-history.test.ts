import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Network, izhikevich2006 } from '../lib';

// Fast mode computes the 2006 rule from spike histories once per period
// (native/core/spiking/stdp_history.h). Here the rule is replayed the plain way — every
// event as it happens, as the reference loop does — over the spikes the fast network
// itself fired, and every synapse's sd and weight must agree with the engine's to float
// rounding (the two sum the same terms in another order).

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-stdp-history-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const A_PLUS = 0.1;
const A_MINUS = 0.12;
const DECAY = 0.95;

interface Replay {
  derivative: Float64Array;
  weight: Float64Array;
  /** Σ |term| per synapse: the scale of float rounding in either order. */
  magnitude: Float64Array;
}

/**
 * The 2006 rule event by event over recorded spikes: at a postsynaptic spike at t, each
 * plastic incoming synapse gains the presynaptic trace of ms t − d; at the delivery of
 * a spike (ms r + d − 1) it loses the postsynaptic trace of that ms; every `period` ms
 * w += 0.01 + sd, sd ×= 0.9, w within [0, 10]. `learning(t)` says whether ms t learns.
 */
function replay(
  synapses: { pre: Uint32Array; post: Uint32Array; delay: Uint8Array; weight: Float32Array },
  plastic: (s: number) => boolean, times: Float64Array, neurons: Uint32Array, neuronCount: number,
  ms: number, period: number, learning: (t: number) => boolean,
): Replay {
  const firedAt: number[][] = Array.from({ length: ms }, () => []);
  for (let k = 0; k < times.length; k++) firedAt[times[k]].push(neurons[k]);
  const spikesOf: number[][] = Array.from({ length: neuronCount }, () => []);
  const trace = (neuron: number, at: number, value: number): number => {
    // The neuron's last spike at or before `at`, from the spikes seen so far.
    const list = spikesOf[neuron];
    for (let k = list.length - 1; k >= 0; k--) if (list[k] <= at) return value * DECAY ** (at - list[k]);
    return 0;
  };
  const n = synapses.pre.length;
  const incoming: number[][] = Array.from({ length: neuronCount }, () => []);
  const outgoing: number[][] = Array.from({ length: neuronCount }, () => []);
  for (let s = 0; s < n; s++) {
    if (!plastic(s)) continue;
    incoming[synapses.post[s]].push(s);
    outgoing[synapses.pre[s]].push(s);
  }
  const derivative = new Float64Array(n);
  const magnitude = new Float64Array(n);
  const weight = Float64Array.from(synapses.weight);
  for (let t = 0; t < ms; t++) {
    for (const q of firedAt[t]) spikesOf[q].push(t);
    if (learning(t)) {
      for (const q of firedAt[t]) {
        for (const s of incoming[q]) {
          if (t < synapses.delay[s]) continue;
          const gain = trace(synapses.pre[s], t - synapses.delay[s], A_PLUS);
          derivative[s] += gain;
          magnitude[s] += gain;
        }
      }
      for (let d = 1; d <= 20; d++) {
        const r = t - d + 1;
        if (r < 0) continue;
        for (const p of firedAt[r]) {
          for (const s of outgoing[p]) {
            if (synapses.delay[s] !== d) continue;
            const loss = trace(synapses.post[s], t, A_MINUS);
            derivative[s] -= loss;
            magnitude[s] += loss;
          }
        }
      }
    }
    if ((t + 1) % period === 0 && learning(t)) {
      for (let s = 0; s < n; s++) {
        if (!plastic(s)) continue;
        weight[s] = Math.min(10, Math.max(0, weight[s] + 0.01 + derivative[s]));
        derivative[s] *= 0.9;
        magnitude[s] *= 0.9;
      }
    }
  }
  return { derivative, weight, magnitude };
}

function expectClose(actual: Float32Array, expected: Float64Array, magnitude: Float64Array, plastic: (s: number) => boolean): void {
  let worst = 0;
  let checked = 0;
  let nonzero = 0;
  for (let s = 0; s < actual.length; s++) {
    if (!plastic(s)) continue;
    checked++;
    if (expected[s] !== 0) nonzero++;
    // float32 sums of up to a few hundred terms: a few ulps of their magnitude each.
    const bound = 1e-6 + 2e-5 * magnitude[s];
    worst = Math.max(worst, Math.abs(actual[s] - expected[s]) / bound);
  }
  expect(checked).toBeGreaterThan(1000);
  expect(nonzero).toBeGreaterThan(checked / 2);
  expect(worst).toBeLessThanOrEqual(1);
}

async function recordedRun(threads: number, ms: number, periodMs: number, freeze?: [number, number]) {
  const { network } = izhikevich2006({ seed: 7, neurons: 400, mode: 'fast', threads, threadPolicy: 'all', stdp: { periodMs } });
  const initial = network.synapses();
  const plasticMask = new Uint8Array(initial.weight.length);
  for (let s = 0; s < plasticMask.length; s++) plasticMask[s] = initial.weight[s] > 0 ? 1 : 0;  // E→ synapses learn
  const spikes = network.addSpikeMonitor();
  const runTo = (t: number) => network.run(t - network.time);
  if (freeze !== undefined) {
    await runTo(freeze[0]);
    network.freeze();
    await runTo(freeze[1]);
    network.unfreeze();
  }
  await runTo(ms);
  const { times, neurons } = spikes;
  return { network, initial, plastic: (s: number) => plasticMask[s] === 1, times, neurons };
}

describe('fast-mode STDP from spike histories', () => {
  test('sd over a long window (settled early at 4096 ms, read mid-window) is the rule replayed event by event', async () => {
    const { network, initial, plastic, times, neurons } = await recordedRun(1, 6000, 1_000_000);
    const expected = replay(initial, plastic, times, neurons, network.size, 6000, 1_000_000, () => true);
    expectClose(network.synapses().derivative, expected.derivative, expected.magnitude, plastic);
    network.close();
  });

  test('weights and sd after three periods, with a frozen stretch, are the rule replayed event by event', async () => {
    const { network, initial, plastic, times, neurons } = await recordedRun(2, 3000, 1000, [1300, 1700]);  // all threads
    const learning = (t: number) => t < 1300 || t >= 1700;
    const expected = replay(initial, plastic, times, neurons, network.size, 3000, 1000, learning);
    const after = network.synapses();
    expectClose(after.derivative, expected.derivative, expected.magnitude, plastic);
    expectClose(after.weight, expected.weight, expected.magnitude, plastic);
    network.close();
  });

  test('results do not depend on the thread count, on reading sd, or on a checkpoint in mid-period', async () => {
    const signature = async (network: Network, first: Uint32Array) => {
      const second = await network.run(1500, { record: true });
      const s = network.synapses();
      return [Buffer.from(first.buffer), Buffer.from(second.spikeNeurons.buffer), Buffer.from(s.weight.buffer),
        Buffer.from(s.derivative.buffer)].map((b) => b.toString('base64'));
    };
    const runs: string[][] = [];
    for (const threads of [1, 2, 3]) {
      const { network } = izhikevich2006({ seed: 11, neurons: 600, mode: 'fast', threads, threadPolicy: 'all' });
      const first = await network.run(1700, { record: true });
      if (threads === 2) network.synapses();  // a read in mid-period changes nothing
      runs.push(await signature(network, first.spikeNeurons));
      if (threads === 1) {
        const file = path.join(dir, 'mid-period.pcc');
        await network.save(file);
        network.close();
      } else {
        network.close();
      }
    }
    // Saved at 3200 ms (mid-period), loaded with another thread count, run on: the same
    // as a network that never stopped.
    const { network: straight } = izhikevich2006({ seed: 11, neurons: 600, mode: 'fast' });
    await straight.run(3200);
    const resumedFrom = await Network.load(path.join(dir, 'mid-period.pcc'), { threads: 2 });
    const a = await straight.run(1300, { record: true });
    const b = await resumedFrom.run(1300, { record: true });
    expect(Buffer.from(b.spikeNeurons.buffer).equals(Buffer.from(a.spikeNeurons.buffer))).toBe(true);
    expect(Buffer.from(resumedFrom.synapses().derivative.buffer).equals(Buffer.from(straight.synapses().derivative.buffer))).toBe(true);
    straight.close();
    resumedFrom.close();
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  test('a fast-mode file of format version 2 (traces, no log) loads and learns on as the network it came from', async () => {
    // Saved at 3000 ms, a period's end: the window is empty, so the traces hold all the
    // log would: the spikes of the last 20 ms (also kept as spikes in flight) and each
    // neuron's last spike before them (read from its LTP trace's value).
    const { network } = izhikevich2006({ seed: 13, neurons: 500, mode: 'fast' });
    const first = await network.run(3000, { record: true });
    const file = path.join(dir, 'fast-v3.pcc');
    await network.save(file);
    const v3 = fs.readFileSync(file);
    // Version 3 appends: flag (1), window start and log start (8 + 8), the log's ms
    // offsets (8 + 20·8), its spikes (8 + 4 per spike of ms 2980..2999), last spikes (8 + 8·N).
    let recent = 0;
    for (const t of first.spikeTimes) if (t >= 2980) recent++;
    const section = 1 + 16 + (8 + 20 * 8) + (8 + 4 * recent) + (8 + 8 * network.size);
    expect(v3[v3.length - section]).toBe(1);
    const payload = v3.subarray(32, v3.length - section);
    const header = Buffer.from(v3.subarray(0, 32));
    header.writeUInt32LE(2, 8);
    header.writeBigUInt64LE(BigInt(payload.length), 16);
    header.writeUInt32LE(crc32(payload), 24);
    const v2file = path.join(dir, 'fast-v2.pcc');
    fs.writeFileSync(v2file, Buffer.concat([header, payload]));
    const loaded = await Network.load(v2file);
    const a = await network.run(2000, { record: true });
    const b = await loaded.run(2000, { record: true });
    expect(Buffer.from(b.spikeNeurons.buffer).equals(Buffer.from(a.spikeNeurons.buffer))).toBe(true);
    expect(Buffer.from(loaded.synapses().weight.buffer).equals(Buffer.from(network.synapses().weight.buffer))).toBe(true);
    network.close();
    loaded.close();
  });
});
