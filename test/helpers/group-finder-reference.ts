/**
 * The reference twin of the native group search (native/core/groups/replay.cpp, search.cpp):
 * Izhikevich's 2006 group finder written plainly, as the 2006 program runs it. Every
 * neuron is stepped every millisecond in double precision; there are no caches, no lazy
 * states and no shortcuts. The spec is ../shared/spec/polychronous-groups.md,
 * "Detection" (steps 1–4 and the known quirk); comments below name the step each rule
 * comes from.
 */

export interface ReferenceNeuron {
  a: number;
  b: number;
  c: number;
  d: number;
}

/** `weight` as the network stores it (float32: pass Math.fround of what was asked). */
export interface ReferenceSynapse {
  pre: number;
  post: number;
  delay: number; // ms, >= 1
  weight: number;
}

export interface ReferenceOptions {
  anchors: number; // W
  strongFraction: number;
  maxWeight: number;
  minPath: number;
  latency?: number; // default D, the largest delay
  window?: number; // default 2·D + latency + 1
  budget: 'extended' | 'fixed';
}

export interface ReferenceGroup {
  mother: number;
  anchors: number[];
  firings: Array<{ neuron: number; time: number; layer: number }>;
  links: Array<{ pre: number; post: number; delay: number; layer: number }>;
  span: number;
  longestPath: number;
}

/** What the replays went through, so that a test can tell which situations it covered. */
export interface ReferenceStats {
  replays: number;
  /** Replays that listed more than 2·W firings (step 4 looked at them). */
  linked: number;
  /** Replays that stopped because N firings were listed. */
  full: number;
  /** Replays that ran past their window (the extended budget at work). */
  extended: number;
  /** Replays with a ms that had more than N spikes due (the spill of the quirk). */
  spilled: number;
  /** Deliveries where a neuron got two or more spikes in one ms. */
  coincident: number;
  /** Groups found in replays that were full, or that spilled. */
  fullGroups: number;
  spilledGroups: number;
}

interface Spike {
  post: number;
  pre: number;
  delay: number;
  weight: number;
}

/** One ms of one neuron: two half-ms steps of v, then u, in the 2006 program's order. */
export function izhikevichStep(v: number, u: number, input: number, a: number, b: number): [number, number] {
  v += 0.5 * ((0.04 * v + 5) * v + 140 - u + input);
  v += 0.5 * ((0.04 * v + 5) * v + 140 - u + input);
  u += a * (b * v - u);
  return [v, u];
}

export function findGroupsReference(
  neurons: readonly ReferenceNeuron[],
  synapses: readonly ReferenceSynapse[],
  options: ReferenceOptions,
): { groups: ReferenceGroup[]; stats: ReferenceStats } {
  const N = neurons.length;
  const W = options.anchors;
  const D = Math.max(1, ...synapses.map((s) => s.delay));
  const latency = options.latency ?? D;
  const window = options.window ?? 2 * D + latency + 1; // step 3: 61 ms for the 2006 network
  const cap = N > D + 1 ? N - D - 1 : 0; // step 3: the finder's N − D − 1
  const strong = options.strongFraction * options.maxWeight; // compared in double, as the C program does
  // An inhibitory neuron is one with a negative outgoing weight (the network has no other label).
  const excitatory = neurons.map(() => true);
  for (const s of synapses) if (s.weight < 0) excitatory[s.pre] = false;
  // Each neuron's synapses by delay, ties in the network's order: the order its spikes are
  // stored in, hence delivered (input sums round in that order) and linked.
  const out: ReferenceSynapse[][] = neurons.map(() => []);
  for (const s of synapses) out[s.pre].push(s);
  for (const list of out) list.sort((x, y) => x.delay - y.delay); // stable
  // Step 2: spikes travel along the strong synapses of excitatory neurons, all of inhibitory ones.
  const travels = (s: ReferenceSynapse) => !excitatory[s.pre] || s.weight > strong;
  // Step 1: each excitatory neuron's strong excitatory inputs, presynaptic neuron ascending
  // (a neuron with two strong synapses onto it is in the list twice, by delay).
  const strongInputs: Array<Array<{ pre: number; delay: number }>> = neurons.map(() => []);
  for (let pre = 0; pre < N; pre++) {
    for (const s of out[pre]) if (excitatory[pre] && excitatory[s.post] && s.weight > strong) strongInputs[s.post].push({ pre, delay: s.delay });
  }
  const stats: ReferenceStats = { replays: 0, linked: 0, full: 0, extended: 0, spilled: 0, coincident: 0, fullGroups: 0, spilledGroups: 0 };
  const groups: ReferenceGroup[] = [];

  // Every excitatory neuron with at least W strong inputs is a mother, in ascending order.
  for (let mother = 0; mother < N; mother++) {
    const inputs = strongInputs[mother];
    if (!excitatory[mother] || inputs.length < W) continue;
    // Step 2: every combination of W inputs, in lexicographic order of positions.
    const pick = Array.from({ length: W }, (_, i) => i);
    for (;;) {
      const group = replay(pick.map((i) => inputs[i]));
      if (group) groups.push({ mother, ...group });
      let i = W - 1;
      while (i >= 0 && pick[i] === inputs.length - W + i) i--;
      if (i < 0) break;
      pick[i]++;
      for (let j = i + 1; j < W; j++) pick[j] = pick[j - 1] + 1;
    }
  }
  return { groups, stats };

  function replay(chosen: Array<{ pre: number; delay: number }>): Omit<ReferenceGroup, 'mother'> | null {
    stats.replays++;
    // The quirk: the 2006 program keeps N spike slots per ms; the k-th spike due at ms t is
    // in row t + floor(k / N), column k % N, so a ms with more than N spikes writes into the
    // rows of the next ms (overwriting what is there, or being overwritten) and is read back
    // from there. (Every replay starts with an empty store, as the native search does.)
    const rows: Spike[][] = [];
    const due: number[] = [];
    const store = (t: number, spike: Spike) => {
      const k = due[t] ?? 0;
      due[t] = k + 1;
      (rows[t + Math.floor(k / N)] ??= [])[k % N] = spike;
    };
    const stored = (t: number, k: number) => rows[t + Math.floor(k / N)][k % N];
    // Sends the spikes of `pre` fired at t; returns the ms the last one arrives (0: none).
    const send = (pre: number, t: number, minDelay: number) => {
      let last = 0;
      for (const s of out[pre]) {
        if (s.delay < minDelay || !travels(s)) continue;
        store(t + s.delay, { post: s.post, pre, delay: s.delay, weight: s.weight });
        last = t + s.delay;
      }
      return last;
    };

    // Step 2: anchor k fires at Dmax − delay_k, listed first as layer 1, and sends only along
    // its strong synapses at least as long as the one onto the mother (so its spikes cannot
    // reach anything before the mother's common arrival). Anchors are not reset.
    const firings: Array<{ neuron: number; time: number; layer: number }> = [];
    const dmax = Math.max(...chosen.map((c) => c.delay));
    for (const c of chosen) {
      firings.push({ neuron: c.pre, time: dmax - c.delay, layer: 1 });
      send(c.pre, dmax - c.delay, c.delay);
    }
    // Step 2: from rest, v = −70 and u = b·v for every neuron, all stepped from ms 0.
    const v = new Float64Array(N).fill(-70);
    const u = Float64Array.from(neurons, (p) => p.b * -70);
    const input = new Float64Array(N);
    // Step 3: the budget. It stops at `end` or once N firings are listed.
    let end = window;
    let t = 0;
    let spilled = false;
    for (; t < end && firings.length < N; t++) {
      const reached = new Uint32Array(N);
      spilled ||= (due[t] ?? 0) > N;
      for (let k = 0; k < (due[t] ?? 0); k++) {
        const spike = stored(t, k);
        input[spike.post] += spike.weight; // float32 weight into a double sum, in stored order
        if (++reached[spike.post] === 2) stats.coincident++;
      }
      for (let q = 0; q < N; q++) {
        [v[q], u[q]] = izhikevichStep(v[q], u[q], input[q], neurons[q].a, neurons[q].b);
        input[q] = 0;
      }
      for (let q = 0; q < N; q++) {
        if (v[q] < 30) continue;
        v[q] = neurons[q].c;
        u[q] += neurons[q].d;
        if (firings.length >= N) continue; // the list is full: reset, but not listed, no spikes
        firings.push({ neuron: q, time: t, layer: 0 });
        const last = send(q, t, 1);
        // Step 3, extended: run until the last spike just sent has arrived (arrival ms + 1),
        // never past the cap by extension. The anchors' own spikes do not extend it.
        if (options.budget === 'extended' && last + 1 > end) end = Math.max(end, Math.min(last + 1, cap));
      }
    }
    if (firings.length >= N) stats.full++;
    if (t > window) stats.extended++;
    if (spilled) stats.spilled++;

    // Step 4: too few firings to be a group (the anchors and at most as many others).
    if (firings.length <= 2 * W) return null;
    stats.linked++;
    // Step 4, layers and links: in list order, each non-anchor firing looks at the spikes
    // that reached its neuron in (time − latency, time], ms descending and in stored order
    // within a ms, as the store stands after the replay (so a spilled spike that a later
    // one overwrote is read as that later one). Only excitatory spikes are causes. A spike
    // from j makes the layer at least 1 + the largest layer of j's earlier-listed firings
    // (anchors: layer 1) and is a link with the layer as it stands at that moment.
    const layerAfter = new Map<number, number>(); // neuron -> 1 + its largest layer so far
    for (let i = 0; i < W; i++) layerAfter.set(firings[i].neuron, 2);
    const links: ReferenceGroup['links'] = [];
    let longestPath = 0;
    for (let i = W; i < firings.length; i++) {
      const f = firings[i];
      for (let ms = f.time; ms > f.time - latency && ms >= 0; ms--) {
        for (let k = 0; k < (due[ms] ?? 0); k++) {
          const spike = stored(ms, k);
          if (spike.post !== f.neuron || !excitatory[spike.pre]) continue;
          f.layer = Math.max(f.layer, layerAfter.get(spike.pre) ?? 0);
          links.push({ pre: spike.pre, post: f.neuron, delay: spike.delay, layer: f.layer });
          longestPath = Math.max(longestPath, f.layer);
        }
      }
      layerAfter.set(f.neuron, Math.max(layerAfter.get(f.neuron) ?? 0, f.layer + 1));
    }
    if (longestPath < options.minPath) return null;
    // Step 4, the trivial-group rule: discard when some anchor has exactly one link into an
    // excitatory neuron (its spikes took part only by chance).
    for (let i = 0; i < W; i++) {
      const used = links.filter((l) => l.pre === firings[i].neuron && excitatory[l.post]).length;
      if (used === 1) return null;
    }
    if (firings.length >= N) stats.fullGroups++;
    if (spilled) stats.spilledGroups++;
    // As the native search reports it: anchors ascending, firings by time then neuron
    // (stable: an anchor stays before a firing of the same neuron in the same ms).
    const sorted = [...firings].sort((x, y) => x.time - y.time || x.neuron - y.neuron);
    return {
      anchors: chosen.map((c) => c.pre).sort((x, y) => x - y),
      firings: sorted,
      links,
      span: sorted[sorted.length - 1].time - sorted[0].time,
      longestPath,
    };
  }
}
