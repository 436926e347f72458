import { IzhikevichPopulation } from '../lib';
import { expectError, caught, rejected } from './helpers/errors';

describe('run(): long work off the JavaScript thread', () => {
  test('gives the same spikes and state as the same number of step() calls', async () => {
    const params = { size: 50, preset: 'CH' as const, v: Float32Array.from({ length: 50 }, (_, i) => -70 + i) };
    const stepped = new IzhikevichPopulation(params);
    const ran = new IzhikevichPopulation(params);
    const current = Float32Array.from({ length: 50 }, (_, i) => (i % 7) * 2);
    const times: number[] = [];
    const neurons: number[] = [];
    for (let t = 0; t < 500; t++) {
      for (const n of stepped.step(current)) {
        times.push(t);
        neurons.push(n);
      }
    }
    const result = await ran.run(500, { current });
    expect(result.steps).toBe(500);
    expect(Array.from(result.spikeTimes)).toEqual(times);
    expect(Array.from(result.spikeNeurons)).toEqual(neurons);
    expect(times.length).toBeGreaterThan(100);
    expect(Array.from(ran.v)).toEqual(Array.from(stepped.v));
    expect(ran.time).toBe(500);
    // Times continue from the population's clock.
    const next = await ran.run(200, { current });
    expect(next.spikeTimes[0]).toBeGreaterThanOrEqual(500);
    expect(ran.time).toBe(700);
  });

  test('timers fire while a long run is in progress, and progress is reported', async () => {
    const population = new IzhikevichPopulation({ size: 20_000, numerics: 'exact', simd: 'scalar' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const progress: number[] = [];
    const started = Date.now();
    const result = await population.run(20_000, {
      current: 5,
      record: false,
      onProgress: (done, total) => {
        expect(total).toBe(20_000);
        progress.push(done);
      },
    });
    clearInterval(timer);
    const elapsed = Date.now() - started;
    expect(result.steps).toBe(20_000);
    expect(result.spikeTimes.length).toBe(0); // record: false
    // The run takes hundreds of milliseconds; the 5 ms timer ran throughout.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
  });

  test('the population is busy during a run: step, run and close throw', async () => {
    const population = new IzhikevichPopulation({ size: 10_000 });
    const running = population.run(2000);
    expect(population.busy).toBe(true);
    expectError(caught(() => population.step()), 'Error', /step\(\): a run\(\) is in progress/);
    expectError(caught(() => population.close()), 'Error', /close\(\): a run\(\) is in progress/);
    expectError(await rejected(() => population.run(1)), 'Error', /run\(\): a run\(\) is in progress/);
    await running;
    expect(population.busy).toBe(false);
    population.close();
  });

  test('aborting stops between two steps and leaves a population that can go on', async () => {
    const population = new IzhikevichPopulation({ size: 50_000, simd: 'scalar' });
    const controller = new AbortController();
    const running = population.run(1_000_000, { signal: controller.signal, current: 4 });
    setTimeout(() => controller.abort(), 50);
    const error = await rejected(() => running);
    expect(error.name).toBe('AbortError');
    expect(population.busy).toBe(false);
    const stopped = population.time;
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(1_000_000);
    // Consistent: stepping on from here equals a fresh population run to the same time.
    const twin = new IzhikevichPopulation({ size: 50_000, simd: 'scalar' });
    await twin.run(stopped, { current: 4 });
    expect(Buffer.from(population.v.buffer).equals(Buffer.from(twin.v.buffer))).toBe(true);
    population.step(4);
    expect(population.time).toBe(stopped + 1);
  });

  test('an already aborted signal rejects at once without running', async () => {
    const population = new IzhikevichPopulation({ size: 10 });
    const error = await rejected(() => population.run(100, { signal: AbortSignal.abort() }));
    expect(error.name).toBe('AbortError');
    expect(population.time).toBe(0);
  });

  test('a progress callback that throws stops the run and rejects with its error', async () => {
    const population = new IzhikevichPopulation({ size: 20_000, simd: 'scalar' });
    const error = await rejected(() =>
      population.run(1_000_000, {
        onProgress: () => {
          throw new Error('stop here');
        },
      }),
    );
    expect(error.message).toBe('stop here');
    expect(population.busy).toBe(false);
    expect(population.time).toBeLessThan(1_000_000);
  });
});
