#!/usr/bin/env node
// LUT classifiers against dense networks on Fashion-MNIST, side by side in one command
// (`npm run bench -- lut-vs-dense`):
//
// - LUT classifiers of three sizes trained by polychron, and a dense MLP and a small CNN
//   trained by PyTorch on the CPU (bench/peers/dense_classifiers.py), every model with the
//   same wall-clock budget and 2 threads;
// - the dense models exported to ONNX and run by onnxruntime-node, so that inference is
//   compared inside one runtime (Node): batch-1 latency as a caller sees it, and batch-1,024
//   throughput with 1 and 2 threads, in interleaved rounds (medians); OpenBLAS sgemv/sgemm
//   of the MLP's three layers from C (bench/peers/dense_layer.cpp) as the raw-matmul floor;
// - test accuracy, model bytes, training time to the kept epoch, bytes read per inference.
//
// Writes bench/results/lut-vs-dense.json and .svg, and regenerates the section of
// docs/benchmarks.md between its lut-vs-dense markers. `--report` only regenerates the
// plot and the section from the committed JSON. Options: --minutes M (budget per model,
// default 5), --data DIR (IDX files named as MNIST's, default Debian's Fashion-MNIST),
// --rounds R (timing rounds, default 5).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult, writeDocsSection, option, idxDataSet } = require('./harness');
const { runDensePeer } = require('./peers/dense');
const { ensurePackage, onnxruntime, ONNXRUNTIME_VERSION } = require('./peers/install');

const RESULT = path.join(__dirname, 'results', 'lut-vs-dense.json');
const PLOT = path.join(__dirname, 'results', 'lut-vs-dense.svg');
const BUILD = path.join(__dirname, '.build', 'lut-vs-dense');
const FASHION = '/usr/share/datasets/fashion-mnist';

/** The LUT classifiers measured: the default, a smaller one for speed, a larger one for accuracy. */
const LUT_MODELS = [
  { name: 'lut-small', layers: [{ width: 16, tables: 384, comparisons: 6 }], readout: { tables: 128, comparisons: 6 } },
  { name: 'lut', layers: polychron.LUT_CLASSIFIER_DEFAULTS.config.layers, readout: polychron.LUT_CLASSIFIER_DEFAULTS.config.readout },
  { name: 'lut-large', layers: [{ width: 64, tables: 1024, comparisons: 6 }], readout: { tables: 256, comparisons: 6 } },
];



/**
 * OpenBLAS (behind PyTorch's dense layers here, and the floor) picks its kernel from the
 * CPU, and in a virtual machine that reports a generic CPU the pick can be several times
 * slower than a named one. So the dense side gets whichever is fastest on this machine:
 * auto-detection, or each kernel the CPU can run, timed on the MLP's largest layer.
 */
async function pickOpenblasKernel() {
  if (!haveOpenblas()) return { chosen: 'auto', timed: [], reason: 'libopenblas-dev is not installed and could not be' };
  const levels = polychron.supportedSimdLevels();
  const candidates = [undefined, ...(levels.includes('avx512') ? ['SKYLAKEX'] : []), ...(levels.includes('avx2') ? ['HASWELL'] : [])];
  const timed = [];
  for (const coretype of candidates) {
    const run = await runDensePeer([{ kind: 'dense', dIn: 784, dOut: 256, batch: 1024 }], { threads: 1, trials: 5, coretype });
    timed.push({ coretype: coretype ?? 'auto', nsPerInput: run.cases[0].results[0].nsPerInput });
  }
  const best = timed.reduce((a, b) => (b.nsPerInput < a.nsPerInput ? b : a));
  return { chosen: best.coretype, timed };
}

function peerEnv(kernel) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (kernel.chosen !== 'auto') env.OPENBLAS_CORETYPE = kernel.chosen;
  return env;
}

function trainDense(data, minutes, kernel) {
  const python = '/usr/bin/python3';
  if (!ensurePackage('python3-torch', () => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0)) {
    return { available: false, reason: 'PyTorch is not installed and could not be (Debian package python3-torch)' };
  }
  const out = path.join(BUILD, 'dense');
  const child = spawnSync(python, [path.join(__dirname, 'peers', 'dense_classifiers.py'),
    '--train-images', data.trainImages, '--train-labels', data.trainLabels,
    '--test-images', data.testImages, '--test-labels', data.testLabels,
    '--seconds', String(minutes * 60), '--threads', '2', '--out', out], { encoding: 'utf8', env: peerEnv(kernel), maxBuffer: 1 << 26 });
  process.stderr.write(child.stderr);
  if (child.status !== 0) return { available: false, reason: `dense_classifiers.py failed (${child.status})` };
  return { available: true, ...JSON.parse(child.stdout.trim().split('\n').pop()) };
}

async function trainLut(spec, train, test, minutes) {
  const net = new polychron.LutClassifier({
    inputs: train.rows * train.cols, classes: 10, imageShape: [train.rows, train.cols], layers: spec.layers, readout: spec.readout,
  });
  // The default schedule (30 epochs, early stopping); the budget is a ceiling it may not reach.
  const result = await net.train(train.images, train.labels, { seconds: minutes * 60, threads: 2 });
  const evaluation = await net.evaluate(test.images, test.labels, { threads: 2 });
  const file = path.join(BUILD, `${spec.name}.safetensors`);
  await net.save(file);
  const c = net.config;
  const luts = [...c.layers.map((l, k) => ({ ...l, inputs: k === 0 ? c.inputs : c.layers[0].width })),
    { width: c.classes, ...c.readout, inputs: c.layers.length ? c.layers[0].width : c.inputs }];
  console.log(`${spec.name}: test accuracy ${evaluation.accuracy.toFixed(4)} after ${result.epochs} epochs (best ${result.bestEpoch})`);
  return {
    net,
    record: {
      name: spec.name, kind: 'lut', runtime: 'polychron', config: { layers: c.layers, readout: c.readout, anchors: c.anchors },
      testAccuracy: evaluation.accuracy, validationAccuracy: result.validationAccuracy,
      epochs: result.epochs, bestEpoch: result.bestEpoch, trainSeconds: result.seconds,
      secondsToBest: result.history[result.bestEpoch - 1].seconds,
      modelBytes: fs.statSync(file).size, tableBytes: net.memory().tableBytes,
      // Per inference: every table's selected row (m floats), and its comparisons.
      rowReadsPerInference: luts.reduce((s, l) => s + l.tables, 0),
      bytesReadPerInference: luts.reduce((s, l) => s + l.tables * l.width * 4, 0),
      comparisonsPerInference: luts.reduce((s, l) => s + l.tables * l.comparisons, 0),
      multiplyAccumulatesPerInference: 0,
    },
  };
}

/**
 * The MLP's three matrix products alone (OpenBLAS from C, no activation, no framework):
 * ns per image at batch 1 (sgemv) and 1,024 (sgemm), 1 and 2 threads.
 */
const haveOpenblas = () =>
  ensurePackage('libopenblas-dev', () => fs.existsSync('/usr/include/x86_64-linux-gnu/cblas.h') || fs.existsSync('/usr/include/cblas.h'));

async function gemmFloor(kernel) {
  if (!haveOpenblas()) return { available: false, reason: 'libopenblas-dev is not installed and could not be' };
  const layers = [[784, 256], [256, 256], [256, 10]];
  const out = { available: true, layers: layers.map(([a, b]) => `${a}->${b}`) };
  for (const threads of [1, 2]) {
    for (const batch of [1, 1024]) {
      const run = await runDensePeer(layers.map(([dIn, dOut]) => ({ kind: 'dense', dIn, dOut, batch })), {
        threads, trials: 7, coretype: kernel.chosen === 'auto' ? undefined : kernel.chosen,
      });
      out[`batch${batch}Threads${threads}`] = run.cases.reduce((sum, c) => sum + c.results[0].nsPerInput, 0);
    }
  }
  return out;
}

/** One timing round of every model: batch-1 latency through JS, batch-1,024 with 1 and 2 threads. */
async function timeRound(luts, sessions, test, inputs) {
  const single = 2000, big = 1024;
  const out = {};
  const views = Array.from({ length: single }, (_, n) => test.images.subarray(n * inputs, (n + 1) * inputs));
  const batches = [];
  for (let first = 0; first + big <= test.count; first += big) batches.push(test.images.subarray(first * inputs, (first + big) * inputs));
  for (const { record, net } of luts) {
    const into = { out: new Float32Array(10) };
    const t0 = process.hrtime.bigint();
    for (const v of views) net.logits(v, into);
    const batch1 = Number(process.hrtime.bigint() - t0) / single;
    const row = { batch1Js: batch1, batch1Native: net.timeInference(test.images.subarray(0, single * inputs), { batch: 1 }) };
    for (const threads of [1, 2]) {
      const t1 = process.hrtime.bigint();
      for (const b of batches) net.logits(b, { threads });
      row[`batch1024Threads${threads}`] = Number(process.hrtime.bigint() - t1) / (batches.length * big);
    }
    out[record.name] = row;
  }
  for (const [name, { ort, bySession }] of Object.entries(sessions)) {
    const row = {};
    const one = views.map((v) => new ort.Tensor('float32', v, [1, 1, test.rows, test.cols]));
    const many = batches.map((b) => new ort.Tensor('float32', b, [big, 1, test.rows, test.cols]));
    for (const threads of [1, 2]) {
      const session = bySession[threads];
      const t0 = process.hrtime.bigint();
      for (const t of one) await session.run({ images: t });
      row[`batch1Threads${threads}`] = Number(process.hrtime.bigint() - t0) / single;
      const t1 = process.hrtime.bigint();
      for (const t of many) await session.run({ images: t });
      row[`batch1024Threads${threads}`] = Number(process.hrtime.bigint() - t1) / (many.length * big);
    }
    out[name] = row;
  }
  return out;
}

function medians(rounds) {
  const out = {};
  for (const name of Object.keys(rounds[0])) {
    out[name] = {};
    for (const key of Object.keys(rounds[0][name])) out[name][key] = summarize(rounds.map((r) => r[name][key])).median;
  }
  return out;
}

async function measure() {
  const minutes = Number(option('minutes', '5'));
  const rounds = Number(option('rounds', '5'));
  const dir = option('data', FASHION);
  if (dir === FASHION) ensurePackage('dataset-fashion-mnist', () => idxDataSet(FASHION) !== undefined);
  const data = idxDataSet(dir);
  if (data === undefined) {
    console.log(`lut-vs-dense: no IDX files in ${dir} (Debian package dataset-fashion-mnist); skipped`);
    return undefined;
  }
  fs.mkdirSync(BUILD, { recursive: true });
  const train = polychron.readIdxImages(data.trainImages, data.trainLabels);
  const test = polychron.readIdxImages(data.testImages, data.testLabels);
  const inputs = train.rows * train.cols;
  const luts = [];
  for (const spec of LUT_MODELS) luts.push(await trainLut(spec, train, test, minutes));
  const kernel = await pickOpenblasKernel();
  console.log(`OpenBLAS kernel for the dense peers: ${kernel.chosen} (${kernel.timed.map((t) => `${t.coretype} ${(t.nsPerInput / 1000).toFixed(1)} µs`).join(', ')})`);
  const dense = trainDense(data, minutes, kernel);
  const ort = onnxruntime();
  const sessions = {};
  if (dense.available && ort !== undefined) {
    for (const model of dense.models) {
      const bySession = {};
      for (const threads of [1, 2]) {
        bySession[threads] = await ort.InferenceSession.create(model.onnx, {
          intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        });
      }
      sessions[model.name] = { ort, bySession };
    }
  }
  const timed = [];
  for (let r = 0; r < rounds; r++) timed.push(await timeRound(luts, sessions, test, inputs));
  const floor = await gemmFloor(kernel);
  const times = medians(timed);
  const models = luts.map(({ record }) => ({ ...record, nsPerImage: times[record.name] }));
  if (dense.available) {
    for (const m of dense.models) {
      models.push({
        name: m.name, kind: 'dense', runtime: ort ? 'onnxruntime-node' : 'pytorch', testAccuracy: m.testAccuracy,
        validationAccuracy: m.validationAccuracy, epochs: m.epochs, trainSeconds: m.trainSeconds, secondsToBest: m.secondsToBest,
        modelBytes: m.modelBytes, onnxBytes: m.onnxBytes, parameters: m.parameters,
        bytesReadPerInference: m.bytesReadPerInference, multiplyAccumulatesPerInference: m.macsPerInference,
        nsPerImage: times[m.name], pytorchNsPerImage: m.torchNsPerImage,
        ...(m.name === 'dense-mlp' && { openblasFloorNsPerImage: floor }),
      });
    }
  }
  return {
    dataset: dir === FASHION ? 'fashion-mnist' : path.basename(dir), trainImages: train.count, testImages: test.count,
    budgetMinutesPerModel: minutes, trainThreads: 2, timingRounds: rounds,
    peers: dense.available ? { torch: dense.torch, numpy: dense.numpy, onnxruntimeNode: ort ? ONNXRUNTIME_VERSION : null, openblasKernel: kernel }
      : { unavailable: dense.reason },
    models,
    comparison: compare(models),
  };
}

/** The targets: the best LUT accuracy, and the speed of the fastest LUT within a point of the MLP. */
function compare(models) {
  const lut = models.filter((m) => m.kind === 'lut');
  const mlp = models.find((m) => m.name === 'dense-mlp');
  const best = lut.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  const out = { bestLut: best.name, bestLutTestAccuracy: best.testAccuracy, bestLutTrainSeconds: best.trainSeconds,
    targetAccuracy: 0.9, accuracyTargetMet: best.testAccuracy >= 0.9 && best.trainSeconds <= 600 };
  if (mlp === undefined || mlp.nsPerImage === undefined || mlp.runtime !== 'onnxruntime-node') return out;
  const close = lut.filter((m) => m.testAccuracy >= mlp.testAccuracy - 0.01);
  if (close.length === 0) return { ...out, withinOnePoint: null };
  const fast = close.reduce((a, b) => (b.nsPerImage.batch1Js < a.nsPerImage.batch1Js ? b : a));
  const ortBatch1 = Math.min(mlp.nsPerImage.batch1Threads1, mlp.nsPerImage.batch1Threads2);
  const speedups = {
    batch1: ortBatch1 / fast.nsPerImage.batch1Js,
    batch1024Threads1: mlp.nsPerImage.batch1024Threads1 / fast.nsPerImage.batch1024Threads1,
    batch1024Threads2: mlp.nsPerImage.batch1024Threads2 / fast.nsPerImage.batch1024Threads2,
  };
  return {
    ...out, denseMlpTestAccuracy: mlp.testAccuracy, withinOnePoint: fast.name, withinOnePointTestAccuracy: fast.testAccuracy,
    speedupOverOnnxMlp: speedups, speedupTargets: { batch1: 10, batch1024: 3 },
    speedTargetsMet: speedups.batch1 >= 10 && speedups.batch1024Threads1 >= 3 && speedups.batch1024Threads2 >= 3,
    sizeRatioToMlp: fast.modelBytes / mlp.modelBytes,
  };
}

// ---- the report: plot and docs section, from the JSON alone ----

const us = (ns) => (ns / 1000).toFixed(ns < 10000 ? 2 : 1);
const pct = (x) => (100 * x).toFixed(2);
const mb = (bytes) => (bytes / 1e6).toFixed(2);

/** Accuracy against batch-1 latency (log scale), each model a labelled point. */
function plot(result) {
  const points = result.models.filter((m) => m.nsPerImage).map((m) => ({
    name: m.name, lut: m.kind === 'lut', x: Math.min(...[m.nsPerImage.batch1Js, m.nsPerImage.batch1Threads1, m.nsPerImage.batch1Threads2].filter(Number.isFinite)) / 1000,
    y: 100 * m.testAccuracy,
  }));
  const W = 680, H = 420, left = 64, right = 40, top = 64, bottom = 56;
  const xs = points.map((p) => Math.log10(p.x)), ys = points.map((p) => p.y);
  const x0 = Math.floor(Math.min(...xs)), x1 = Math.ceil(Math.max(...xs));
  const y0 = Math.floor(Math.min(...ys) - 0.5), y1 = Math.ceil(Math.max(...ys) + 0.5);
  const px = (v) => left + ((Math.log10(v) - x0) / Math.max(1e-9, x1 - x0)) * (W - left - right);
  const py = (v) => H - bottom - ((v - y0) / Math.max(1e-9, y1 - y0)) * (H - top - bottom);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${result.dataset}: test accuracy against batch-1 latency in Node</text>`];
  for (let e = x0; e <= x1; e++) {
    const x = px(10 ** e);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${H - bottom}" stroke="#ddd"/>`,
      `<text x="${x}" y="${H - bottom + 16}" text-anchor="middle">${10 ** e} µs</text>`);
  }
  for (let v = y0; v <= y1; v++) {
    const y = py(v);
    parts.push(`<line x1="${left}" y1="${y}" x2="${W - right}" y2="${y}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${v}%</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">latency per image at batch 1 (log scale; lower is better)</text>`);
  for (const p of points) {
    const color = p.lut ? '#1f77b4' : '#d62728';
    // Labels go left of points in the right third, so that none leaves the plot.
    const leftSide = px(p.x) > left + (2 / 3) * (W - left - right);
    parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="5" fill="${color}"/>`,
      `<text x="${(px(p.x) + (leftSide ? -8 : 8)).toFixed(1)}" y="${(py(p.y) - 7).toFixed(1)}" fill="${color}"` +
        `${leftSide ? ' text-anchor="end"' : ''}>${p.name}</text>`);
  }
  parts.push(`<text x="${left}" y="46" fill="#1f77b4">● LUT classifiers (polychron)</text>`,
    `<text x="${left + 220}" y="46" fill="#d62728">● dense networks (onnxruntime-node)</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

function section(result) {
  const c = result.comparison;
  const lines = [`Measured by \`npm run bench -- lut-vs-dense\` (${result.environment.cpu}, ${result.environment.cores} cores, ` +
    `commit ${result.environment.commit}); every model trained for ${result.budgetMinutesPerModel} minutes with ` +
    `${result.trainThreads} threads on the ${result.trainImages} training images (10% held out for validation), tested on ` +
    `${result.testImages}. Inference in Node: polychron's \`logits()\` and onnxruntime-node's \`session.run()\` as a caller ` +
    `sees them, medians of ${result.timingRounds} interleaved rounds. Plot: \`bench/results/lut-vs-dense.svg\`.`, '',
  '| model | test accuracy | model bytes | train s (to kept epoch) | batch 1 µs | batch 1,024 µs/image, 1 thread | 2 threads | table rows or weights read per image at batch 1 |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const m of result.models) {
    const t = m.nsPerImage ?? {};
    const b1 = m.kind === 'lut' ? t.batch1Js : Math.min(t.batch1Threads1 ?? Infinity, t.batch1Threads2 ?? Infinity);
    lines.push(`| ${m.name} (${m.runtime}) | ${pct(m.testAccuracy)}% | ${mb(m.modelBytes)} MB | ${m.secondsToBest.toFixed(0)} | ` +
      `${Number.isFinite(b1) ? us(b1) : '–'} | ${t.batch1024Threads1 ? us(t.batch1024Threads1) : '–'} | ` +
      `${t.batch1024Threads2 ? us(t.batch1024Threads2) : '–'} | ${(m.bytesReadPerInference / 1e3).toFixed(0)} kB |`);
  }
  const mlp = result.models.find((m) => m.name === 'dense-mlp');
  lines.push('');
  const f = mlp?.openblasFloorNsPerImage;
  if (f?.available) {
    lines.push(`The raw-matmul floor of the MLP's three layers (OpenBLAS from C, no activations): ` +
      `${us(f.batch1Threads1)} µs at batch 1, ${us(f.batch1024Threads1)} µs per image at batch 1,024 with 1 thread and ` +
      `${us(f.batch1024Threads2)} with 2. PyTorch itself (2 threads): ${us(mlp.pytorchNsPerImage.batch1)} µs at batch 1 and ` +
      `${us(mlp.pytorchNsPerImage.batch1024)} µs per image at batch 1,024.`, '');
  }
  lines.push(`**Accuracy.** The best LUT classifier (${c.bestLut}) reaches ${pct(c.bestLutTestAccuracy)}% ` +
    `(target ≥ 90% in ≤ 10 minutes: ${c.accuracyTargetMet ? 'met' : 'not met'}).` +
    (mlp ? ` The dense MLP reaches ${pct(mlp.testAccuracy)}% and the CNN ${pct(result.models.find((m) => m.name === 'dense-cnn').testAccuracy)}%.` : ''));
  if (c.speedupOverOnnxMlp) {
    const s = c.speedupOverOnnxMlp;
    lines.push('', `**Speed at equal quality.** ${c.withinOnePoint} (${pct(c.withinOnePointTestAccuracy)}%, within a point of the MLP's ` +
      `${pct(c.denseMlpTestAccuracy)}%) against the MLP in onnxruntime-node: ${s.batch1.toFixed(1)}× at batch 1 (target 10×), ` +
      `${s.batch1024Threads1.toFixed(1)}× at batch 1,024 with 1 thread and ${s.batch1024Threads2.toFixed(1)}× with 2 (target 3×); ` +
      `its file is ${c.sizeRatioToMlp.toFixed(1)}× the MLP's.`);
  }
  lines.push('', '**Where the LUT network wins and where it loses.** ' + verdict(result));
  return lines.join('\n');
}

function verdict(result) {
  const lut = result.models.filter((m) => m.kind === 'lut');
  const mlp = result.models.find((m) => m.name === 'dense-mlp');
  const cnn = result.models.find((m) => m.name === 'dense-cnn');
  const said = [];
  if (mlp?.nsPerImage) {
    const faster = lut.filter((m) => m.nsPerImage.batch1Js < Math.min(mlp.nsPerImage.batch1Threads1, mlp.nsPerImage.batch1Threads2));
    said.push(`At batch 1 every LUT model ${faster.length === lut.length ? 'is' : 'is not always'} faster than the MLP: a look-up ` +
      'reads one row per table and multiplies nothing, where a batch-1 dense layer reads every weight once.');
    const biggest = lut.reduce((a, b) => (b.modelBytes > a.modelBytes ? b : a));
    said.push(`It loses on size: the LUT models are ${lut.map((m) => `${(m.modelBytes / mlp.modelBytes).toFixed(1)}×`).join(', ')} the MLP's bytes ` +
      `(${biggest.name}: ${mb(biggest.modelBytes)} MB), since every table holds 2^C rows of which one is read.`);
    const batchWin = lut.filter((m) => m.nsPerImage.batch1024Threads2 < mlp.nsPerImage.batch1024Threads2);
    said.push(`At batch 1,024 a dense layer reuses each weight across the batch from cache, so its advantage shrinks: ` +
      `${batchWin.length} of ${lut.length} LUT models stay faster with 2 threads.`);
  }
  if (cnn) {
    const above = lut.filter((m) => m.testAccuracy >= cnn.testAccuracy);
    said.push(above.length ? `The CNN is matched by ${above.map((m) => m.name).join(', ')}.`
      : `On accuracy the small CNN (${pct(cnn.testAccuracy)}%) stays ahead of every LUT model measured here; it pays for it with ` +
        `${(cnn.multiplyAccumulatesPerInference / 1e6).toFixed(1)} M multiply-accumulates per image.`);
  }
  return said.join(' ');
}

function writeReport(result) {
  fs.writeFileSync(PLOT, plot(result));
  writeDocsSection('lut-vs-dense', section(result), 'LUT classifiers against dense networks');
}

async function main() {
  if (process.argv.includes('--report')) {
    writeReport(JSON.parse(fs.readFileSync(RESULT, 'utf8')));
    return;
  }
  const result = await measure();
  if (result === undefined) return;
  const file = writeResult('lut-vs-dense', result);
  writeReport(JSON.parse(fs.readFileSync(file, 'utf8')));
  console.log(JSON.stringify(result.comparison, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}, ${path.relative(process.cwd(), PLOT)} and docs/benchmarks.md`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
