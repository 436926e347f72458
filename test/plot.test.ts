import { plotGroup, plotLoss, plotRaster, plotRates, plotWeightEvolution, plotWeightHistogram, renderSvg, toPng, type PolychronousGroup } from '../lib';
import { expectStandaloneSvg, markCounts } from './helpers/svg';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HOSTILE = '<img src=x onerror=alert(1)>';

// 200 spikes of 100 neurons over 1 s.
const times = Float64Array.from({ length: 200 }, (_, k) => (k * 5) % 1000);
const neurons = Uint32Array.from({ length: 200 }, (_, k) => (k * 37) % 100);

// Anchors 1, 2, 3 cause 40, which with 3 causes 70.
const group: PolychronousGroup = {
  mother: 5,
  anchors: [1, 2, 3],
  firings: [
    { neuron: 1, time: 0, layer: 1 }, { neuron: 2, time: 2, layer: 1 }, { neuron: 3, time: 4, layer: 1 },
    { neuron: 40, time: 8, layer: 2 }, { neuron: 70, time: 12, layer: 3 },
  ],
  links: [
    { pre: 1, post: 40, delay: 6, layer: 2 }, { pre: 2, post: 40, delay: 5, layer: 2 },
    { pre: 40, post: 70, delay: 3, layer: 3 }, { pre: 3, post: 70, delay: 7, layer: 3 },
  ],
  span: 12,
  longestPath: 3,
};

describe('plots', () => {
  test('a raster has one dot per spike in its window, and circles the firings of the groups highlighted', async () => {
    const svg = await plotRaster({ times, neurons }, { title: 'raster' });
    expectStandaloneSvg(svg);
    expect(markCounts(svg)['symbol layer_0_marks']).toEqual([200]);
    const windowed = await plotRaster({ times, neurons }, { from: 0, to: 500, highlight: [{ group, onset: 100 }, { group, onset: 900, index: 7 }] });
    expect(markCounts(windowed)['symbol layer_0_marks']).toEqual([times.filter((t) => t < 500).length]);
    // The second occurrence starts at 900 ms, outside the window: only the first one's 5 firings are circled.
    expect(markCounts(windowed)['symbol layer_1_marks']).toEqual([5]);
    expect(windowed).toContain('group 0');
    expect(windowed).not.toContain('group 7');
  });

  test('rates: one line per population, with population names escaped', async () => {
    const svg = await plotRates({ times, neurons }, { binMs: 50, populations: [{ name: HOSTILE, first: 0, size: 80 }, { name: 'inhibitory', first: 80, size: 20 }] });
    expectStandaloneSvg(svg);
    expect(markCounts(svg)['line marks']).toEqual([1, 1]);
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('weights: a histogram has one bar per bin; the evolution one cell per non-empty bin and snapshot', async () => {
    const weights = Float32Array.from({ length: 1000 }, (_, k) => (k % 100) / 10);
    const histogram = await plotWeightHistogram(weights, { bins: 20 });
    expectStandaloneSvg(histogram);
    expect(markCounts(histogram)['rect marks']).toEqual([20]);
    // The domain's top edge belongs to its last bin: the 10 weights of 5.0 are counted.
    expect(await plotWeightHistogram(weights, { bins: 10, domain: [0, 5] })).toContain('510 synapses (490 outside [0, 5] left out)');
    const evolution = await plotWeightEvolution([{ label: '1 s', weights: [1, 1, 2] }, { label: '2 s', weights: [1, 3, 4, 4] }], { bins: 3 });
    expectStandaloneSvg(evolution);
    // Bins [1, 2), [2, 3), [3, 4]: 2 cells in the first snapshot, 2 in the second.
    expect(markCounts(evolution)['rect marks']).toEqual([4]);
  });

  test('loss: a training line (bucket means) and a validation line with a point per validation', async () => {
    const losses = Float64Array.from({ length: 2000 }, (_, k) => 5 / (1 + k / 100));
    const validations = [{ step: 500, loss: 2 }, { step: 1000, loss: 1.5 }, { step: 1999, loss: 1.2 }];
    const svg = await plotLoss({ losses, validations }, { maxPoints: 100 });
    expectStandaloneSvg(svg);
    expect(svg).toContain('training (mean of 20 steps)');
    const counts = markCounts(svg);
    expect(counts['line layer_0_marks']).toEqual([1]);
    expect(counts['line layer_1_layer_0_marks']).toEqual([1]);
    expect(counts['symbol layer_1_layer_1_marks']).toEqual([3]);
    const validationOnly = markCounts(await plotLoss({ validations }));
    expect(validationOnly['line layer_0_marks'] ?? [0]).toEqual([0]);
    expect(validationOnly['symbol layer_1_layer_1_marks']).toEqual([3]);
  });

  test('a group: a dot per firing, a line per link', async () => {
    const svg = await plotGroup(group, { title: HOSTILE });
    expectStandaloneSvg(svg);
    expect(markCounts(svg)['symbol layer_1_marks']).toEqual([5]);
    expect(markCounts(svg)['rule layer_0_marks']).toEqual([4]);
    expect(svg).not.toContain('<img');
  });

  test('PNG', async () => {
    const png = await toPng(await plotGroup(group), { scale: 1 });
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png.readUInt32BE(16)).toBeGreaterThan(600);
  });

  test('a spec that asks for a file or URL is refused: plots draw inline data only', async () => {
    const spec = (url: string) => ({ data: { url }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
    await expect(renderSvg(spec('/etc/passwd'))).rejects.toThrow('plots load no external resource (the spec asks for /etc/passwd)');
    await expect(renderSvg(spec('http://127.0.0.1:9/data.csv'))).rejects.toThrow('plots load no external resource');
    expectStandaloneSvg(await renderSvg({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } }));
  });

  test('bad input is refused with a message', async () => {
    await expect(plotRaster({ times: [1, 2], neurons: [1] })).rejects.toThrow('times and neurons must have the same length (got 2 and 1)');
    await expect(plotRaster({ times: [1, NaN], neurons: [1, 2] })).rejects.toThrow('times[1] must be a finite number');
    await expect(plotRaster({ times, neurons }, { from: 10, to: 5 })).rejects.toThrow('from must be less than to');
    await expect(plotWeightHistogram([1, 2], { bins: 0 })).rejects.toThrow('bins must be an integer in [1, 1000]');
    await expect(plotWeightEvolution([])).rejects.toThrow('snapshots must be a non-empty array');
    await expect(plotLoss({})).rejects.toThrow('nothing to plot');
    await expect(plotGroup(group, { width: 0 })).rejects.toThrow('width must be a number in [10, 10000]');
    await expect(toPng('<svg/>', { scale: 0 })).rejects.toThrow('scale must be a number in (0, 16]');
  });
});
