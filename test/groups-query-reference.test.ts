/**
 * The raster query's native matcher (native/core/groups/query.cpp) against a plain
 * reference: every implied onset of every group sorted and slid over, overlapping matches
 * merged. The native matcher counts onsets in buckets first and slides only over regions
 * that can hold a match; its activations must be exactly the reference's, onsets included.
 */
import { addon } from '../lib/native';
import { seededRandom } from './helpers/random';

interface Activation {
  group: number;
  matched: number;
  onset: number;
}

interface Patterns {
  offsets: Uint32Array;
  neurons: Uint32Array;
  times: Float64Array;
}

/** The spec's query, plainly: group by group, all implied onsets, one sliding window. */
function plainMatch(groups: Patterns, neurons: Uint32Array, times: Float64Array, jitter: number, minFraction: number, from = -Infinity, to = Infinity): Activation[] {
  const out: Activation[] = [];
  const sizes: number[] = [];
  for (let g = 0; g + 1 < groups.offsets.length; g++) {
    const first = groups.offsets[g];
    const size = groups.offsets[g + 1] - first;
    sizes.push(size);
    if (size === 0) continue;
    const need = Math.max(1, Math.ceil(minFraction * size - 1e-9));
    const implied: Array<{ onset: number; firing: number }> = [];
    for (let i = 0; i < size; i++) {
      for (let k = 0; k < neurons.length; k++) {
        if (neurons[k] === groups.neurons[first + i] && times[k] >= from && times[k] < to) implied.push({ onset: times[k] - groups.times[first + i], firing: i });
      }
    }
    implied.sort((x, y) => (x.onset !== y.onset ? x.onset - y.onset : x.firing - y.firing));
    const count = new Array<number>(size).fill(0);
    let distinct = 0;
    let left = 0;
    let open: Activation | undefined;
    let openUntil = 0;
    for (let right = 0; right < implied.length; right++) {
      if (count[implied[right].firing]++ === 0) distinct++;
      while (implied[right].onset - implied[left].onset > 2 * jitter) {
        if (--count[implied[left].firing] === 0) distinct--;
        left++;
      }
      if (distinct < need) continue;
      const onset = 0.5 * (implied[left].onset + implied[right].onset);
      if (open !== undefined && implied[left].onset <= openUntil) {
        if (distinct > open.matched) open = { group: g, matched: distinct, onset };
      } else {
        if (open !== undefined) out.push(open);
        open = { group: g, matched: distinct, onset };
      }
      openUntil = implied[right].onset;
    }
    if (open !== undefined) out.push(open);
  }
  return out.sort((x, y) => y.matched * sizes[x.group] - x.matched * sizes[y.group] || x.onset - y.onset || x.group - y.group);
}

/** Random groups: `count` of 4–30 firings over `span` ms, times whole or fractional. */
function randomGroups(random: () => number, count: number, neurons: number, span: number, fractional: boolean): Patterns {
  const offsets = [0];
  const members: number[] = [];
  const times: number[] = [];
  for (let g = 0; g < count; g++) {
    const size = 4 + Math.floor(random() * 27);
    for (let i = 0; i < size; i++) {
      members.push(Math.floor(random() * neurons));
      const t = i === 0 ? 0 : random() * span;
      times.push(fractional ? t : Math.round(t));
    }
    offsets.push(members.length);
  }
  return { offsets: Uint32Array.from(offsets), neurons: Uint32Array.from(members), times: Float64Array.from(times) };
}

/** Noise at `rate` spikes per neuron per second over `seconds`, starting at `start` ms, with some groups planted. */
function rasterWithPlanted(random: () => number, groups: Patterns, neurons: number, seconds: number, start: number, planted: number, jitter: number, fractional: boolean, rate = 5) {
  const n: number[] = [];
  const t: number[] = [];
  const spikes = Math.round(neurons * seconds * rate);
  for (let k = 0; k < spikes; k++) {
    n.push(Math.floor(random() * neurons));
    const time = start + random() * seconds * 1000;
    t.push(fractional ? time : Math.round(time));
  }
  for (let p = 0; p < planted; p++) {
    const g = Math.floor(random() * (groups.offsets.length - 1));
    const onset = start + random() * (seconds * 1000 - 200);
    for (let i = groups.offsets[g]; i < groups.offsets[g + 1]; i++) {
      if (random() < 0.25) continue;  // a planted copy misses some firings
      n.push(groups.neurons[i]);
      const time = onset + groups.times[i] + (random() * 2 - 1) * jitter;
      t.push(fractional ? time : Math.round(time));
    }
  }
  return { neurons: Uint32Array.from(n), times: Float64Array.from(t) };
}

const nativeMatch = async (groups: Patterns, raster: { neurons: Uint32Array; times: Float64Array }, neuronCount: number, options: { jitter: number; minFraction: number; threads: number; from?: number; to?: number }): Promise<Activation[]> => {
  const found = await addon.matchRaster(groups.offsets, groups.neurons, groups.times, raster.neurons, raster.times, neuronCount, options);
  return Array.from(found.group, (group, k) => ({ group, matched: found.matched[k], onset: found.onset[k] }));
};

describe('the raster query against its plain reference', () => {
  const cases = [
    { name: 'whole ms, planted copies, jitter 1', seed: 1, fractional: false, jitter: 1, minFraction: 0.5, start: 0 },
    { name: 'whole ms, jitter 0', seed: 2, fractional: false, jitter: 0, minFraction: 0.5, start: 0 },
    { name: 'fractional times, jitter 0.4', seed: 3, fractional: true, jitter: 0.4, minFraction: 0.6, start: 0 },
    { name: 'fractional times far from 0 (1e7 ms), jitter 2.5', seed: 4, fractional: true, jitter: 2.5, minFraction: 0.5, start: 1e7 },
    { name: 'a low fraction (many candidates: the plain path)', seed: 5, fractional: false, jitter: 1, minFraction: 0.1, start: 0 },
    { name: 'a high fraction, jitter 3', seed: 6, fractional: false, jitter: 3, minFraction: 0.7, start: 0 },
    // Far more buckets than onsets: each onset looks at its runs as it is counted.
    { name: 'a long sparse raster (200 s at 0.2 Hz)', seed: 8, fractional: false, jitter: 1, minFraction: 0.5, start: 0, seconds: 200, rate: 0.2 },
    { name: 'a long sparse raster, fractional times', seed: 9, fractional: true, jitter: 0.7, minFraction: 0.6, start: 5e6, seconds: 200, rate: 0.2 },
  ];
  test.each(cases)('$name', async ({ seed, fractional, jitter, minFraction, start, seconds = 6, rate = 5 }) => {
    const random = seededRandom(seed);
    const neurons = 120;
    const groups = randomGroups(random, 60, neurons, 80, fractional);
    const raster = rasterWithPlanted(random, groups, neurons, seconds, start, 40, jitter, fractional, rate);
    const expected = plainMatch(groups, raster.neurons, raster.times, jitter, minFraction);
    // The planted copies are found: the comparison is not between two empty lists.
    expect(new Set(expected.map((a) => a.group)).size).toBeGreaterThan(5);
    for (const threads of [1, 2]) expect(await nativeMatch(groups, raster, neurons, { jitter, minFraction, threads })).toEqual(expected);
  });

  test('a time window (from, to) counts only the spikes inside it', async () => {
    const random = seededRandom(7);
    const groups = randomGroups(random, 40, 80, 60, false);
    const raster = rasterWithPlanted(random, groups, 80, 5, 0, 30, 1, false);
    const expected = plainMatch(groups, raster.neurons, raster.times, 1, 0.5, 1000, 3500);
    expect(expected.length).toBeGreaterThan(0);
    expect(await nativeMatch(groups, raster, 80, { jitter: 1, minFraction: 0.5, threads: 2, from: 1000, to: 3500 })).toEqual(expected);
  });
});
