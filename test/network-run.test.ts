import { IzhikevichPopulation, Network, izhikevich2006 } from '../lib';
import { expectError, rejected } from './helpers/errors';

describe('running networks', () => {
  test('a spike reaches its target after exactly `delay` ms (delivered before the step that integrates it)', async () => {
    const network = new Network();
    const neurons = network.addPopulation({ size: 2 });
    network.connect(neurons, neurons, {
      rule: { kind: 'explicit', pre: Uint32Array.of(0), post: Uint32Array.of(1) }, delay: 5, weight: 30,
    });
    network.v[0] = 30; // fires at ms 0
    const trace: number[] = [];
    for (let t = 0; t < 12; t++) {
      await network.run(1);
      trace.push(network.v[1]);
    }
    // Neuron 1 alone, with I = 30 at ms 0 + 5 − 1 = 4 and nothing otherwise.
    const trajectory = (kickAt: number) => {
      const alone = new IzhikevichPopulation({ size: 1 });
      return Array.from({ length: 12 }, (_, t) => (alone.step(t === kickAt ? 30 : 0), alone.v[0]));
    };
    expect(trace).toEqual(trajectory(4));
    expect(trace).not.toEqual(trajectory(3));
    expect(trace).not.toEqual(trajectory(5));
  });

  test('the 2006 rule, by hand: potentiation, depression and the once-a-period update', async () => {
    const network = new Network();
    const neurons = network.addPopulation({ size: 2 });
    network.connect(neurons, neurons, {
      rule: { kind: 'explicit', pre: Uint32Array.of(0, 1), post: Uint32Array.of(1, 0) }, delay: [3, 2], weight: [1, 2], plastic: true,
    });
    // 0 fires at ms 10 and 1 at ms 20.
    await network.run(10);
    network.v[0] = 30;
    await network.run(10);
    network.v[1] = 30;
    await network.run(980);
    // Synapse 0→1 (delay 3): at ms 20 neuron 1 fires and sd += LTP_0(20 − 3), the trace
    // 0 set to 0.1 at ms 10 and multiplied by 0.95 (rounded to float32) 7 times.
    let ltp = Math.fround(0.1);
    for (let k = 0; k < 7; k++) ltp = Math.fround(0.95 * ltp);
    // Synapse 1→0 (delay 2): 1's spike at ms 20 reaches 0 at ms 21, when sd −= LTD_0,
    // set to 0.12 at ms 10 and decayed 11 times.
    let ltd = Math.fround(0.12);
    for (let k = 0; k < 11; k++) ltd = Math.fround(ltd * 0.95);
    const s = network.synapses();
    const expectWeight = (w0: number, sd: number) => [Math.fround(w0 + (0.01 + sd)), Math.fround(sd * 0.9)];
    expect([s.weight[0], s.derivative[0]]).toEqual(expectWeight(1, ltp));
    expect([s.weight[1], s.derivative[1]]).toEqual(expectWeight(2, -ltd));
  });

  test('inputs: thalamic draws, scheduled currents (assign or add) and constant currents', async () => {
    const network = new Network({ seed: 9 });
    const neurons = network.addPopulation({ size: 1000 });
    network.addThalamicInput({ perMs: 3, current: 20 });
    await network.run(1);
    const kicked = Array.from(network.v).filter((v) => v !== network.v[999] || false).length;
    expect(kicked === 3 || kicked === 2).toBe(true);

    const scheduled = new Network();
    const three = scheduled.addPopulation({ size: 3 });
    scheduled.addConstantCurrent(three, [5, 5, 5]);
    scheduled.addCurrentSchedule({ times: [2, 2], neurons: Uint32Array.of(0, 1), currents: [20, 20], mode: 'assign' });
    scheduled.addCurrentSchedule({ times: [2], neurons: Uint32Array.of(2), currents: 20, mode: 'add' });
    await scheduled.run(3);
    // Assigned: 20 then the constant 5 added = 25; added: 5 + 20 = 25 as well, so all equal.
    expect(scheduled.v[0]).toBe(scheduled.v[2]);
    const reference = new IzhikevichPopulation({ size: 1 });
    reference.step(5);
    reference.step(5);
    reference.step(25);
    expect(scheduled.v[0]).toBe(reference.v[0]);
    expect(neurons.size).toBe(1000);
  });

  test('freezing stops learning; a projection can be made static', async () => {
    const { network } = izhikevich2006({ seed: 2 });
    await network.run(1000);
    const before = network.synapses();
    network.freeze();
    await network.run(2000);
    expect(network.synapses().weight).toEqual(before.weight);
    expect(network.synapses().derivative).toEqual(before.derivative);
    network.unfreeze();
    network.projections[0].plastic = false;
    await network.run(1000);
    expect(network.synapses().weight).toEqual(before.weight);
    network.projections[0].plastic = true;
    await network.run(1000);
    expect(network.synapses().weight).not.toEqual(before.weight);
  });

  test('the weight update period and bounds are configurable', async () => {
    const { network } = izhikevich2006({ seed: 2, stdp: { periodMs: 100, wMax: 7, bias: 1 } });
    const excitatoryWeights = () => {
      const s = network.synapses();
      return s.weight.filter((_, k) => s.projection[k] === 0);
    };
    await network.run(99);
    expect(new Set(excitatoryWeights())).toEqual(new Set([6])); // no update yet
    await network.run(1);
    const w = excitatoryWeights();
    expect(w.reduce((m, x) => Math.max(m, x), 0)).toBe(7); // 6 + 1 + sd, clipped to wMax when sd > 0
    expect(w.some((x) => x < 7)).toBe(true); // and below it where sd < 0
  });

  test('timers fire during a long run; progress is reported in ms', async () => {
    const { network } = izhikevich2006({ seed: 1, neurons: 20_000 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const progress: number[] = [];
    const started = Date.now();
    await network.run(2000, { record: false, onProgress: (done, total) => progress.push(done / total) });
    clearInterval(timer);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p > 0 && p <= 1)).toBe(true);
  });

  test('an aborted run leaves a consistent network: going on equals never stopping', async () => {
    const whole = izhikevich2006({ seed: 4, neurons: 5000 }).network;
    const full = await whole.run(3000);
    const { network } = izhikevich2006({ seed: 4, neurons: 5000 });
    const controller = new AbortController();
    const first = network.run(3000, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect((await rejected(() => first)).name).toBe('AbortError');
    const stopped = network.time;
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(3000);
    const rest = await network.run(3000 - stopped);
    const tail = full.spikeTimes.findIndex((t) => t >= stopped);
    expect(Array.from(rest.spikeTimes)).toEqual(Array.from(full.spikeTimes.subarray(tail)));
    expect(Array.from(rest.spikeNeurons)).toEqual(Array.from(full.spikeNeurons.subarray(tail)));
    expect(network.synapses().weight).toEqual(whole.synapses().weight);
  });

  test('a busy network refuses other work; a closed one refuses everything', async () => {
    const { network } = izhikevich2006({ seed: 1 });
    const running = network.run(500);
    expectError(await rejected(() => network.run(1)), 'Error', /Network.run\(\): a run\(\) is in progress/);
    expectError(await rejected(() => network.save('/tmp/x')), 'Error', /Network.save\(\): a run\(\) is in progress/);
    await running;
    network.close();
    expectError(await rejected(() => network.run(1)), 'Error', /Network.run\(\): the network is closed/);
  });
});
