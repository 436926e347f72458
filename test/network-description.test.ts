// Network description files: a description builds the same network as the same calls in
// code; the example file is the 2006 network; every refusal names the file and JSON path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Network,
  NETWORK_DESCRIPTION_MAX_BYTES,
  izhikevich2006,
  networkFromDescription,
  type NetworkDescription,
} from '../lib';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-description-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
const EXAMPLE = path.join(__dirname, '..', 'examples', 'networks', 'izhikevich2006.json');

/** A description of every kind of population, projection and input. */
const SMALL: NetworkDescription = {
  version: 1,
  seed: 7,
  mode: 'reference',
  stdp: { wMax: 8 },
  populations: [
    { name: 'pyramidal', size: 60, preset: 'RS', d: 6 },
    { name: 'basket', size: 10, preset: 'FS' },
    { name: 'relay', model: 'lif', size: 10, tau: 15, refractory: 3 },
    { name: 'noise', model: 'poisson', size: 20, rate: 40 },
    { name: 'cue', model: 'spikeTrains', size: 2, times: [5, 10, 50], neurons: [0, 1, 0] },
  ],
  projections: [
    { source: 'pyramidal', target: ['pyramidal', 'basket'], rule: { kind: 'fixedOutDegree', degree: 8 }, delay: { evenly: [1, 8] }, weight: 6, plastic: true },
    { source: 'basket', target: 'pyramidal', rule: { kind: 'probability', probability: 0.2 }, weight: { uniform: [-6, -3] } },
    { source: 'noise', target: 'relay', rule: { kind: 'fixedInDegree', degree: 3 }, weight: 12, plastic: { kind: 'pair', aPlus: 0.02, nearest: true } },
    { source: 'cue', target: 'relay', rule: { kind: 'explicit', pre: [0, 1], post: [3, 4] }, delay: [2, 3], weight: [30, 30] },
    { source: 'relay', target: 'basket', rule: { kind: 'oneToOne' }, weight: 9 },
  ],
  inputs: [
    { kind: 'thalamic', target: 'pyramidal', perMs: 2 },
    { kind: 'constant', target: 'basket', current: 1.5 },
    { kind: 'noise', target: 'relay', low: 0, high: 2 },
    { kind: 'stepped', target: 'basket', times: [0, 40], amplitudes: [0, 2] },
    { kind: 'schedule', times: [3, 3], neurons: [0, 1], currents: 25, mode: 'assign' },
  ],
};

/** SMALL, built by hand with the same calls. */
function buildSmallInCode(): Network {
  const network = new Network({ seed: 7, mode: 'reference', stdp: { wMax: 8 } });
  const pyramidal = network.addPopulation({ name: 'pyramidal', size: 60, preset: 'RS', d: 6 });
  const basket = network.addPopulation({ name: 'basket', size: 10, preset: 'FS' });
  const relay = network.addPopulation({ name: 'relay', model: 'lif', size: 10, tau: 15, refractory: 3 });
  const noise = network.addPoissonSource({ name: 'noise', size: 20, rate: 40 });
  const cue = network.addSpikeTrains({ name: 'cue', size: 2, times: [5, 10, 50], neurons: Uint32Array.of(0, 1, 0) });
  network.connect(pyramidal, [pyramidal, basket], { rule: { kind: 'fixedOutDegree', degree: 8 }, delay: { evenly: [1, 8] }, weight: 6, plastic: true });
  network.connect(basket, pyramidal, { rule: { kind: 'probability', probability: 0.2 }, weight: { uniform: [-6, -3] } });
  network.connect(noise, relay, { rule: { kind: 'fixedInDegree', degree: 3 }, weight: 12, plastic: { kind: 'pair', aPlus: 0.02, nearest: true } });
  network.connect(cue, relay, { rule: { kind: 'explicit', pre: Uint32Array.of(0, 1), post: Uint32Array.of(3, 4) }, delay: [2, 3], weight: [30, 30] });
  network.connect(relay, basket, { rule: { kind: 'oneToOne' }, weight: 9 });
  network.addThalamicInput({ target: pyramidal, perMs: 2 });
  network.addConstantCurrent(basket, 1.5);
  network.addNoiseCurrent(relay, { low: 0, high: 2 });
  network.addSteppedCurrent(basket, { times: [0, 40], amplitudes: [0, 2] });
  network.addCurrentSchedule({ times: [3, 3], neurons: Uint32Array.of(0, 1), currents: 25, mode: 'assign' });
  return network;
}

async function spikesAndWeights(network: Network, ms: number) {
  const run = await network.run(ms);
  const { weight } = network.synapses();
  network.close();
  return { times: Array.from(run.spikeTimes), neurons: Array.from(run.spikeNeurons), weight: Array.from(weight) };
}

const writeJson = (name: string, value: unknown) => {
  const file = path.join(folder, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

describe('networkFromDescription', () => {
  test('a description builds the network its calls would, and runs to the same spikes and weights', async () => {
    const described = networkFromDescription(SMALL);
    expect([...described.populations.keys()]).toEqual(['pyramidal', 'basket', 'relay', 'noise', 'cue']);
    expect(described.projections).toHaveLength(5);
    const fromFile = await spikesAndWeights(networkFromDescription(writeJson('small.json', SMALL)).network, 100);
    const fromObject = await spikesAndWeights(described.network, 100);
    const inCode = await spikesAndWeights(buildSmallInCode(), 100);
    expect(inCode.times.length).toBeGreaterThan(50);
    expect(fromObject).toEqual(inCode);
    expect(fromFile).toEqual(inCode);
  });

  test('the example file is the 2006 network of izhikevich2006()', async () => {
    const example = networkFromDescription(EXAMPLE);
    const builtIn = izhikevich2006({ seed: 1 }).network;
    expect(example.network.synapses()).toEqual(builtIn.synapses());
    expect(await spikesAndWeights(example.network, 100)).toEqual(await spikesAndWeights(builtIn, 100));
  });

  test('overrides win over the file: seed, mode, threads', () => {
    const { network } = networkFromDescription(EXAMPLE, { seed: 2, mode: 'fast', threads: 2 });
    expect(network.mode).toBe('fast');
    expect(network.stats().threads).toBe(2);
    expect(network.synapses().post).toEqual(izhikevich2006({ seed: 2 }).network.synapses().post);
    network.close();
  });
});

describe('refusals name the file and the JSON path', () => {
  const variant = (edit: (d: NetworkDescription & Record<string, unknown>) => void): NetworkDescription => {
    const copy = JSON.parse(JSON.stringify(SMALL));
    edit(copy);
    return copy;
  };

  const CASES: Array<[string, NetworkDescription, ErrorConstructor, RegExp]> = [
    ['a weight of the wrong type', variant((d) => ((d.projections![2] as { weight: unknown }).weight = 'heavy')), TypeError, /^description: projections\[2\]\.weight must be a number$/],
    ['an unknown top-level key', variant((d) => (d.neurons = 3)), TypeError, /^description: neurons is not a known key here/],
    ['an unknown key in a rule', variant((d) => ((d.projections![0].rule as Record<string, unknown>).degre = 3)), TypeError, /^description: projections\[0\]\.rule\.degre is not a known key/],
    ['an unknown plasticity key', variant((d) => ((d.projections![2].plastic as Record<string, unknown>).require = 'fs')), TypeError, /projections\[2\]\.plastic\.require is not a known key/],
    ['an unknown population key', variant((d) => ((d.populations[2] as Record<string, unknown>).preset = 'RS')), TypeError, /^description: populations\[2\]\.preset is not a known key/],
    ['a missing weight', variant((d) => delete (d.projections![1] as { weight?: unknown }).weight), TypeError, /^description: projections\[1\]\.weight is required$/],
    ['an unknown population name', variant((d) => (d.projections![1].target = 'chandelier')), RangeError, /^description: projections\[1\]\.target names no population \(known: pyramidal, basket/],
    ['a repeated population name', variant((d) => (d.populations[1].name = 'pyramidal')), RangeError, /^description: populations\[1\]\.name repeats/],
    ['an unknown model', variant((d) => ((d.populations[0] as Record<string, unknown>).model = 'hodgkinHuxley')), RangeError, /^description: populations\[0\]\.model must be one of izhikevich, lif/],
    ['a range the library refuses', variant((d) => (d.populations[0].size = -1)), RangeError, /^description: populations\[0\]: .*size/],
    ['a delay the library refuses', variant((d) => (d.projections![0].delay = 999)), RangeError, /^description: projections\[0\]: .*delay/],
    ['an unknown preset', variant((d) => ((d.populations[0] as Record<string, unknown>).preset = 'XX')), TypeError, /^description: populations\[0\]: preset must be one of RS/],
    ['an index outside uint32', variant((d) => ((d.projections![3].rule as { pre: number[] }).pre[1] = -1)), RangeError, /^description: projections\[3\]\.rule\.pre\[1\] must be an integer in \[0, 4294967295\]/],
    ['a wrong version', variant((d) => ((d as Record<string, unknown>).version = 2)), RangeError, /^description: version must be 1 \(got 2\)/],
    ['a per-neuron array with a string', variant((d) => ((d.populations[0] as Record<string, unknown>).a = [0.02, 'x'])), TypeError, /^description: populations\[0\]\.a\[1\] must be a number/],
    ['an input to several populations', variant((d) => ((d.inputs![1] as Record<string, unknown>).target = ['basket'])), TypeError, /^description: inputs\[1\]\.target must name one population/],
  ];

  test.each(CASES)('%s', (_, description, Kind, message) => {
    let error: unknown;
    try {
      networkFromDescription(description);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Kind);
    expect((error as Error).message).toMatch(message);
  });

  test('a file path is named in the error', () => {
    const file = writeJson('bad.json', variant((d) => ((d.projections![2] as { weight: unknown }).weight = null)));
    expect(() => networkFromDescription(file)).toThrow(`${file}: projections[2].weight must be a number`);
  });

  test('an oversize file is refused before it is read', () => {
    const file = path.join(folder, 'huge.json');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, NETWORK_DESCRIPTION_MAX_BYTES + 1);
    expect(() => networkFromDescription(file)).toThrow(new RegExp(`^${file}: a network description of ${NETWORK_DESCRIPTION_MAX_BYTES + 1} bytes is over the limit`));
  });

  test('deep nesting and invalid JSON are refused, naming the file', () => {
    const deep = writeJson('deep.json', `{"version": 1, "populations": ${'['.repeat(10000)}${']'.repeat(10000)}}`);
    expect(() => networkFromDescription(deep)).toThrow(new RegExp(`^${deep}: nested deeper than 32 levels`));
    // Brackets inside strings do not count.
    const quoted = writeJson('quoted.json', { version: 1, description: `"[[[${'['.repeat(100)}`, populations: [{ name: 'a', size: 1 }] });
    networkFromDescription(quoted).network.close();
    const broken = writeJson('broken.json', '{"version": 1,');
    expect(() => networkFromDescription(broken)).toThrow(new RegExp(`^${broken}: not valid JSON`));
    expect(() => networkFromDescription(writeJson('array.json', '[]'))).toThrow(/array\.json: the description must be an object/);
  });
});
