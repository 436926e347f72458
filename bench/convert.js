#!/usr/bin/env node
// Dense→LUT conversion on Fashion-MNIST, in one command (`npm run bench -- convert`):
//
// - the bench's dense MLP (784-256-256-10, bench/peers/dense_classifiers.py, PyTorch on the
//   CPU for --minutes with 2 threads) written as ONNX and as safetensors;
// - converted by convertToLut() into LUT classifiers of several sizes (distillation on its
//   logits for --epochs, then fine-tuning on the labels), from the ONNX file; the default
//   size also from the safetensors file, which must give the same network bit for bit
//   (both files hold the same weights, and conversion does not depend on the thread count);
// - beside each, the same LUT size trained on the labels alone for as many epochs: what
//   distillation adds;
// - test accuracy, accuracy kept, agreement with the MLP, model bytes, and batch-1 latency
//   as a caller sees it in Node (polychron's logits() against onnxruntime-node's
//   session.run() with 1 and 2 threads), in interleaved rounds (medians).
//
// Target (issue 17): a conversion keeping ≥ 97% of the MLP's test accuracy whose batch-1
// inference is ≥ 10× faster than the MLP in onnxruntime-node (its faster thread count).
// Writes bench/results/convert.json and convert.svg (accuracy kept against model bytes)
// and regenerates the section of docs/benchmarks.md between its convert markers;
// `--report` only regenerates those from the committed JSON. Options: --minutes M (the
// MLP's training budget, default 5), --epochs E (distillation epochs, default 30),
// --rounds R (timing rounds, default 5), --data DIR (IDX files named as MNIST's).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult, option, idxDataSet } = require('./harness');
const { ensurePackage, onnxruntime, ONNXRUNTIME_VERSION } = require('./peers/install');

const RESULT = path.join(__dirname, 'results', 'convert.json');
const PLOT = path.join(__dirname, 'results', 'convert.svg');
const DOCS = path.join(__dirname, '..', 'docs', 'benchmarks.md');
const BUILD = path.join(__dirname, '.build', 'convert');
const FASHION = '/usr/share/datasets/fashion-mnist';
const KEPT_TARGET = 0.97;
const SPEED_TARGET = 10;
const TIMED_IMAGES = 2000;

/** LUT sizes converted: from a small, fast network up to the classifier's default. */
const SIZES = [
  { name: 'lut-8x128', layers: [{ width: 8, tables: 128, comparisons: 6 }], readout: { tables: 64, comparisons: 6 } },
  { name: 'lut-16x256', layers: [{ width: 16, tables: 256, comparisons: 6 }], readout: { tables: 96, comparisons: 6 } },
  { name: 'lut-16x384', layers: [{ width: 16, tables: 384, comparisons: 6 }], readout: { tables: 128, comparisons: 6 } },
  { name: 'lut-default', layers: polychron.LUT_CLASSIFIER_DEFAULTS.config.layers, readout: polychron.LUT_CLASSIFIER_DEFAULTS.config.readout },
];



function trainDense(data, minutes) {
  const python = '/usr/bin/python3';
  if (!ensurePackage('python3-torch', () => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0)) {
    return { available: false, reason: 'PyTorch is not installed and could not be (Debian package python3-torch)' };
  }
  const child = spawnSync(python, [path.join(__dirname, 'peers', 'dense_classifiers.py'),
    '--train-images', data.trainImages, '--train-labels', data.trainLabels,
    '--test-images', data.testImages, '--test-labels', data.testLabels,
    '--seconds', String(minutes * 60), '--threads', '2', '--models', 'dense-mlp', '--out', path.join(BUILD, 'dense')],
  { encoding: 'utf8', maxBuffer: 1 << 26 });
  process.stderr.write(child.stderr);
  if (child.status !== 0) return { available: false, reason: `dense_classifiers.py failed (${child.status})` };
  const result = JSON.parse(child.stdout.trim().split('\n').pop());
  return { available: true, torch: result.torch, ...result.models[0] };
}

async function convert(dense, size, train, test, epochs, tag) {
  const { classifier, report } = await polychron.convertToLut(dense, train.images, {
    imageShape: [train.rows, train.cols], layers: size.layers, readout: size.readout,
    labels: train.labels, test: { images: test.images, labels: test.labels }, epochs, threads: 2,
  });
  console.log(`${size.name} (${tag}): test accuracy ${report.lut.testAccuracy.toFixed(4)}, kept ${(100 * report.accuracyKept).toFixed(2)}%, ` +
    `agreement ${(100 * report.testAgreement).toFixed(2)}%, ${report.seconds.toFixed(0)} s`);
  return { classifier, report };
}

/**
 * The same LUT size trained from the labels alone, for as many epochs as distillation and
 * fine-tuning together; its agreement with the MLP (`denseClasses`, on the test images)
 * says how much of the converted network's agreement conversion bought.
 */
async function fromLabels(size, train, test, epochs, denseClasses) {
  const net = new polychron.LutClassifier({ inputs: train.rows * train.cols, classes: 10, imageShape: [train.rows, train.cols], layers: size.layers, readout: size.readout });
  const started = performance.now();
  await net.train(train.images, train.labels, { epochs, threads: 2, patience: 0 });
  const seconds = (performance.now() - started) / 1000;
  const e = await net.evaluate(test.images, test.labels, { threads: 2 });
  const predicted = await net.predict(test.images, { threads: 2 });
  net.close();
  let same = 0;
  for (let n = 0; n < predicted.length; n++) same += predicted[n] === denseClasses[n] ? 1 : 0;
  return { testAccuracy: e.accuracy, agreement: same / predicted.length, seconds };
}

function argmaxRows(logits, classes) {
  return Uint8Array.from({ length: logits.length / classes }, (_, n) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[n * classes + k] > logits[n * classes + best]) best = k;
    return best;
  });
}

/** One round of batch-1 timings: every LUT network's logits() and the MLP in onnxruntime-node, as a caller sees them. */
async function timeRound(luts, sessions, test) {
  const inputs = test.rows * test.cols;
  const views = Array.from({ length: TIMED_IMAGES }, (_, n) => test.images.subarray(n * inputs, (n + 1) * inputs));
  const out = {};
  for (const [name, net] of Object.entries(luts)) {
    const into = new Float32Array(10);
    for (const v of views.slice(0, 100)) net.logits(v, { out: into });
    const t0 = process.hrtime.bigint();
    for (const v of views) net.logits(v, { out: into });
    out[name] = Number(process.hrtime.bigint() - t0) / TIMED_IMAGES;
  }
  for (const [threads, { ort, session }] of Object.entries(sessions)) {
    const tensors = views.map((v) => new ort.Tensor('float32', v, [1, 1, test.rows, test.cols]));
    for (const t of tensors.slice(0, 100)) await session.run({ images: t });
    const t0 = process.hrtime.bigint();
    for (const t of tensors) await session.run({ images: t });
    out[`onnxThreads${threads}`] = Number(process.hrtime.bigint() - t0) / TIMED_IMAGES;
  }
  return out;
}

async function measure() {
  const minutes = Number(option('minutes', '5'));
  const epochs = Number(option('epochs', String(polychron.CONVERT_DEFAULTS.epochs)));
  const rounds = Number(option('rounds', '5'));
  const dir = option('data', FASHION);
  if (dir === FASHION) ensurePackage('dataset-fashion-mnist', () => idxDataSet(FASHION) !== undefined);
  const data = idxDataSet(dir);
  if (data === undefined) {
    console.log(`convert: no IDX files in ${dir} (Debian package dataset-fashion-mnist); skipped`);
    return undefined;
  }
  fs.mkdirSync(BUILD, { recursive: true });
  const mlp = trainDense(data, minutes);
  if (!mlp.available) {
    console.log(`convert: ${mlp.reason}; skipped`);
    return undefined;
  }
  console.log(`dense-mlp: test accuracy ${mlp.testAccuracy.toFixed(4)} after ${mlp.epochs} epochs`);
  const train = polychron.readIdxImages(data.trainImages, data.trainLabels);
  const test = polychron.readIdxImages(data.testImages, data.testLabels);
  const fromOnnx = await polychron.DenseModel.load(mlp.onnx);
  const fromSafetensors = await polychron.DenseModel.load(mlp.safetensors);
  const fineTune = polychron.CONVERT_DEFAULTS.fineTuneEpochs;
  const denseClasses = argmaxRows(await fromOnnx.logits(test.images, { threads: 2 }), 10);

  const conversions = [];
  const luts = {};
  for (const size of SIZES) {
    const { classifier, report } = await convert(fromOnnx, size, train, test, epochs, 'onnx');
    const labelsOnly = await fromLabels(size, train, test, epochs + fineTune, denseClasses);
    console.log(`${size.name} (labels only, ${epochs + fineTune} epochs): test accuracy ${labelsOnly.testAccuracy.toFixed(4)}, ` +
      `agreement ${(100 * labelsOnly.agreement).toFixed(2)}%`);
    const row = { name: size.name, report, labelsOnly };
    if (size.name === 'lut-default') {
      const again = await convert(fromSafetensors, size, train, test, epochs, 'safetensors');
      const a = classifier.logits(test.images), b = again.classifier.logits(test.images);
      row.safetensorsIdentical = Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
      again.classifier.close();
    }
    conversions.push(row);
    luts[size.name] = classifier;
  }

  const ort = onnxruntime();
  const sessions = {};
  if (ort !== undefined) {
    for (const threads of [1, 2]) {
      sessions[threads] = {
        ort,
        session: await ort.InferenceSession.create(mlp.onnx, {
          intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        }),
      };
    }
  }
  const timed = [];
  for (let r = 0; r < rounds; r++) timed.push(await timeRound(luts, sessions, test));
  const nsPerImage = Object.fromEntries(Object.keys(timed[0]).map((k) => [k, summarize(timed.map((t) => t[k])).median]));
  const onnxBest = ort === undefined ? undefined : Math.min(nsPerImage.onnxThreads1, nsPerImage.onnxThreads2);
  for (const row of conversions) {
    row.batch1NsPerImage = nsPerImage[row.name];
    if (onnxBest !== undefined) row.speedupOverOnnx = onnxBest / row.batch1NsPerImage;
    luts[row.name].close();
  }
  return {
    dataset: dir === FASHION ? 'fashion-mnist' : path.basename(dir), trainImages: train.count, testImages: test.count,
    denseBudgetMinutes: minutes, distillEpochs: epochs, fineTuneEpochs: fineTune,
    temperature: polychron.LUT_CLASSIFIER_DEFAULTS.train.temperature, threads: 2, timingRounds: rounds,
    peers: { torch: mlp.torch, onnxruntimeNode: ort ? ONNXRUNTIME_VERSION : null },
    dense: {
      name: 'dense-mlp', layers: '784-256-256-10', testAccuracy: mlp.testAccuracy, parameters: mlp.parameters,
      modelBytes: mlp.modelBytes, epochs: mlp.epochs, trainSeconds: mlp.trainSeconds,
      batch1NsPerImage: { onnxThreads1: nsPerImage.onnxThreads1, onnxThreads2: nsPerImage.onnxThreads2 },
    },
    conversions,
    comparison: compare(conversions, onnxBest),
  };
}

/** The target: the fastest conversion that keeps ≥ 97% of the MLP's accuracy, and its speed-up. */
function compare(conversions, onnxBest) {
  const keeping = conversions.filter((c) => c.report.accuracyKept >= KEPT_TARGET);
  const fastest = keeping.reduce((a, b) => (a === undefined || b.batch1NsPerImage < a.batch1NsPerImage ? b : a), undefined);
  return {
    keptTarget: KEPT_TARGET, speedTarget: SPEED_TARGET,
    best: fastest?.name ?? null,
    accuracyKept: fastest?.report.accuracyKept ?? null,
    speedupOverOnnx: onnxBest !== undefined && fastest ? fastest.speedupOverOnnx : null,
    targetMet: Boolean(fastest && onnxBest !== undefined && fastest.speedupOverOnnx >= SPEED_TARGET),
  };
}

// ---- the report: plot and docs section, from the JSON alone ----

const pct = (x) => (100 * x).toFixed(2);
const us = (ns) => (ns / 1000).toFixed(2);
const mb = (b) => (b / 1e6).toFixed(2);

async function plot(result) {
  const values = result.conversions.flatMap((c) => [
    { model: c.name, bytes: c.report.lut.modelBytes, kept: 100 * c.report.accuracyKept, how: 'converted (distilled, then fine-tuned)' },
    { model: c.name, bytes: c.report.lut.modelBytes, kept: 100 * c.labelsOnly.testAccuracy / result.dense.testAccuracy, how: 'trained on labels alone' },
  ]);
  return polychron.renderSvg({
    width: 520, height: 300, background: 'white', config: { view: { stroke: '#ddd' } },
    title: `${result.dataset}: LUT test accuracy as a share of the dense MLP's (${pct(result.dense.testAccuracy)}%)`,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'LUT model bytes (log scale)' },
          y: { field: 'kept', type: 'quantitative', scale: { zero: false }, title: 'accuracy kept (%)' },
          color: { field: 'how', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 } },
        },
      },
      { data: { values: [{ y: 100 * KEPT_TARGET }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  });
}

function section(result) {
  const e = result.environment;
  const d = result.dense;
  const lines = [`Measured by \`npm run bench -- convert\` (${e.cpu}, ${e.cores} cores, commit ${e.commit}). The dense MLP ` +
    `(${d.layers}, PyTorch, ${result.denseBudgetMinutes} minutes with 2 threads) reaches ${pct(d.testAccuracy)}% on the ` +
    `${result.testImages} test images; each LUT size is converted from its ONNX file with \`convertToLut\` ` +
    `(${result.distillEpochs} epochs of distillation on the MLP's logits at temperature ${result.temperature}, then ${result.fineTuneEpochs} of fine-tuning on the labels, ` +
    `2 threads). Latency: one image per call from Node, polychron's \`logits()\` against onnxruntime-node's \`session.run()\`, ` +
    `medians of ${result.timingRounds} interleaved rounds. Plot: \`bench/results/convert.svg\`.`, '',
  '| LUT network | model bytes | test accuracy | kept | agreement with the MLP | trained on labels alone: accuracy, agreement | conversion s | batch 1 µs | × faster than the MLP in onnxruntime-node |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const c of result.conversions) {
    const r = c.report;
    lines.push(`| ${c.name} | ${mb(r.lut.modelBytes)} MB | ${pct(r.lut.testAccuracy)}% | ${pct(r.accuracyKept)}% | ${pct(r.testAgreement)}% | ` +
      `${pct(c.labelsOnly.testAccuracy)}%, ${pct(c.labelsOnly.agreement)}% | ${r.seconds.toFixed(0)} | ${us(c.batch1NsPerImage)} | ${c.speedupOverOnnx?.toFixed(1) ?? '–'} |`);
  }
  lines.push(`| dense MLP | ${mb(d.modelBytes)} MB | ${pct(d.testAccuracy)}% | | | | ${d.trainSeconds.toFixed(0)} (training) | ` +
    `${us(d.batch1NsPerImage.onnxThreads1)} (1 thread), ${us(d.batch1NsPerImage.onnxThreads2)} (2) | 1 |`, '');
  const c = result.comparison;
  const same = result.conversions.find((x) => x.safetensorsIdentical !== undefined);
  if (same) {
    lines.push(`The same conversion from the MLP's safetensors file gives ${same.safetensorsIdentical ? 'the identical network (every test logit equal bit for bit)' : 'a different network (a defect)'}.`, '');
  }
  lines.push(`**Target** (≥ ${pct(KEPT_TARGET)}% of the MLP's accuracy kept with batch-1 inference ≥ ${SPEED_TARGET}× faster than the MLP in ` +
    `onnxruntime-node): ${c.best === null ? 'no conversion keeps enough accuracy; not met' : `${c.best} keeps ${pct(c.accuracyKept)}% at ` +
    `${c.speedupOverOnnx.toFixed(1)}× — ${c.targetMet ? 'met' : 'not met'}`}.`);
  const helped = result.conversions.filter((x) => x.report.lut.testAccuracy > x.labelsOnly.testAccuracy);
  const closer = result.conversions.filter((x) => x.report.testAgreement > x.labelsOnly.agreement);
  lines.push('', `**What distillation adds.** Against the same LUT size trained on the labels alone for as many epochs, conversion is ` +
    `more accurate for ${helped.length} of ${result.conversions.length} sizes (${result.conversions.map((x) => `${x.name} ` +
    `${(100 * (x.report.lut.testAccuracy - x.labelsOnly.testAccuracy)).toFixed(2)} points`).join(', ')}) and agrees more with ` +
    `the MLP for ${closer.length} of them (${result.conversions.map((x) => `${(100 * (x.report.testAgreement - x.labelsOnly.agreement)).toFixed(2)}`).join(', ')} points). ` +
    'Where the LUT side wins: latency at batch 1, since a look-up reads one row per table and multiplies nothing. ' +
    `Size: the LUT networks hold ${result.conversions.map((x) => `${(x.report.lut.modelBytes / d.modelBytes).toFixed(1)}×`).join(', ')} ` +
    `the MLP's bytes (${result.conversions.filter((x) => x.report.lut.modelBytes < d.modelBytes).length} of ${result.conversions.length} smaller); ` +
    'a table keeps 2^C rows of which one is read, so the larger, more accurate networks lose on size.');
  return lines.join('\n');
}

async function writeReport(result) {
  fs.writeFileSync(PLOT, await plot(result));
  const docs = fs.readFileSync(DOCS, 'utf8');
  const begin = '<!-- convert:begin -->', end = '<!-- convert:end -->';
  const body = `${begin}\n${section(result)}\n${end}`;
  const at = docs.indexOf(begin), stop = docs.indexOf(end);
  const updated = at >= 0 && stop > at ? docs.slice(0, at) + body + docs.slice(stop + end.length)
    : `${docs.trimEnd()}\n\n## Converting dense classifiers into LUT networks\n\n${body}\n`;
  fs.writeFileSync(DOCS, updated);
}

async function main() {
  if (process.argv.includes('--report')) {
    await writeReport(JSON.parse(fs.readFileSync(RESULT, 'utf8')));
    return;
  }
  const result = await measure();
  if (result === undefined) return;
  const file = writeResult('convert', result);
  await writeReport(JSON.parse(fs.readFileSync(file, 'utf8')));
  console.log(JSON.stringify(result.comparison, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}, ${path.relative(process.cwd(), PLOT)} and docs/benchmarks.md`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
