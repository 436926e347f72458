#!/usr/bin/env node
// The LUT transformer language model against dense transformers on equal wall-clock
// training budgets (`npm run bench -- lm-vs-dense`), on one text and one data protocol
// (polychron's 'holdout': the last 10% held out, validation loss = mean -ln p over every
// position of every held-out window, nats per byte), with validation at each budget mark
// and the training clock stopped while validating:
//
// a. the LUT transformer (spec defaults, impl fast), in a child process (bench/peers/lut_lm.js)
//    so that its peak RSS is its own; parameters nominal, allocated (mapped) and written;
//    batch-1 generation bytes/s with 1 and 2 threads;
// b. the dense transformer of the same shape (d 32, 6 layers, 4 heads, FFN 4x, context 32)
//    in PyTorch (bench/peers/dense_transformer.py), its batch-1 generation timed in eager
//    PyTorch, TorchScript and onnxruntime-node; the fastest is this machine's best runtime;
// c. a dense transformer of 6 layers and 4 heads whose width d gives the LUT model's
//    WRITTEN parameter count, capped at d 256 (MAX_D: the LUT model writes 10^8 values within
//    seconds, and on 2 cores one validation pass of a d-1024 model takes ~8 min, d 512 ~2 min);
// d. the LUT transformer distilled from (b) (its top-k next-byte distributions), when
//    polychron's train() takes a `teacher` option; skipped with the reason otherwise.
//
// Writes bench/results/lm-vs-dense.json and .svg (validation loss against training time)
// and regenerates the docs/benchmarks.md section between its lm-vs-dense markers.
// Options: --text FILE (default ../shared/data/tinyshakespeare.txt), --minutes 1,5,10 (the
// marks), --threads 2 (training threads of every model), --out FILE (a trial run: the JSON
// there, the plot and the docs section beside it, bench/results and docs untouched),
// --no-install (do not install missing Debian packages), --distill-weight W (0.5),
// --report (only regenerate the plot and the section from the committed JSON).
// Duration: about 35 min for the default marks on 2 cores (about 47 with the distilled arm);
// the estimate is printed at start (expectedSeconds) and recorded beside the actual seconds.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult, option } = require('./harness');
const { ensurePackage, onnxruntime, ONNXRUNTIME_VERSION } = require('./peers/install');
const { teacherUnsupported } = require('./peers/lut_lm');

const NAME = 'lm-vs-dense';
const RESULT = path.join(__dirname, 'results', `${NAME}.json`);
const DOCS = path.join(__dirname, '..', 'docs', 'benchmarks.md');
const BUILD = path.join(__dirname, '.build', NAME);
const PYTHON = '/usr/bin/python3';
const TEXT = path.resolve(__dirname, '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
const DATA = { validationSnippets: polychron.LUT_LM_TRAIN_DEFAULTS.validationSnippets, holdout: polychron.LUT_LM_TRAIN_DEFAULTS.holdout };
const SHAPE = { layers: 6, heads: 4, context: 32 };
// The parameter-matched arm's width cap. Measured here (2 shared cores, PyTorch 1.13, OpenBLAS):
// one pass over the 3,485 held-out windows takes ~8 min at d 1024 (76 M parameters), ~110 s at
// d 512 (19 M), ~40 s at d 256 (4.9 M); a training step at batch 64 ~30 s, ~7.5 s, ~1.8 s.
const MAX_D = 256;
const MAX_D_REASON = 'validation time: one pass over the held-out windows takes ~8 min at d 1024, ~110 s at d 512, ' +
  '~40 s at d 256 on 2 cores (and a batch-64 training step ~30 s, ~7.5 s, ~1.8 s), so d is capped at 256 to keep each ' +
  'mark\'s validation under about a minute; the LUT model\'s written count is far above any of them';
const TARGET = 5; // the issue's target: LUT generation bytes/s >= 5x the same-shape dense model's best
const TEMPERATURE = polychron.LUT_LM_GENERATE_DEFAULTS.temperature;


/** Runs a child that prints its result as the last line of stdout; progress passes through. */
function child(command, args, what) {
  const run = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status ?? run.signal})`);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

function lutArm(name, text, marks, threads, extra = {}) {
  const spec = { text, marks, threads, seed: 1, generate: 500, ...DATA, checkpoint: path.join(BUILD, `${name}.safetensors`), ...extra };
  return { name, kind: 'lut', runtime: 'polychron', ...child(process.execPath, [path.join(__dirname, 'peers', 'lut_lm.js'), JSON.stringify(spec)], name) };
}

/**
 * AdamW at batch 64 (2,048 target bytes a step: enough to keep two cores busy with a d-32
 * model while still taking thousands of steps a minute) and peak rate 3e-3, usual for
 * models this small; wider models get 3e-3 * sqrt(64 / d), since stable rates fall with width.
 */
function denseArm(name, text, marks, threads, d, extra = []) {
  const lr = 3e-3 * Math.min(1, Math.sqrt(64 / d));
  const args = [path.join(__dirname, 'peers', 'dense_transformer.py'), '--text', text, '--marks', marks.join(','),
    '--d', String(d), '--layers', String(SHAPE.layers), '--heads', String(SHAPE.heads), '--context', String(SHAPE.context),
    '--threads', String(threads), '--batch', '64', '--lr', String(lr), '--holdout', String(DATA.holdout),
    '--validation-snippets', String(DATA.validationSnippets), '--temperature', String(TEMPERATURE), ...extra];
  return { name, kind: 'dense', ...child(PYTHON, args, name) };
}

/** Parameters of the peer's decoder: embeddings, L blocks of 12d^2 + 13d, final norm, head (256d + 256). */
const denseParameters = (d) => (256 + SHAPE.context) * d + SHAPE.layers * (12 * d * d + 13 * d) + 2 * d + 256 * d + 256;

/** The width (a multiple of the heads) whose parameter count is nearest `target`, capped. */
function matchingWidth(target) {
  let best = SHAPE.heads;
  for (let d = SHAPE.heads; d <= MAX_D; d += SHAPE.heads) {
    if (Math.abs(denseParameters(d) - target) < Math.abs(denseParameters(best) - target)) best = d;
  }
  return { d: best, capped: denseParameters(MAX_D) < target };
}

/**
 * The whole run's expected seconds, from figures measured on 2 shared cores: every arm
 * trains for the last mark; a validation pass takes ~15 s for the LUT model (3,485 windows;
 * it slows as rows are written), ~8 s for the d-32 dense model, ~40 s at d 256; the LUT
 * arm's checkpoint, reloads and generation ~60 s; each dense arm's start-up, generation,
 * TorchScript and ONNX ~20 s, onnxruntime ~5 s; the teacher file ~50 s.
 */
function expectedSeconds(marks, distill) {
  const last = marks[marks.length - 1], k = marks.length;
  const lut = last + 15 * k + 60;
  return lut + (last + 8 * k + 20 + 5 + (distill ? 50 : 0)) + (last + 40 * k + 20) + (distill ? lut : 0);
}

/** A small seeded generator for sampling in JS (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Batch-1 generation in onnxruntime-node, as polychron's generate does it: slide a P-byte window, sample at the temperature. */
async function onnxGeneration(ort, file, prompt, threads, length, expected) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const P = prompt.length;
  const window = BigInt64Array.from(prompt, (b) => BigInt(b));
  const draw = random(1);
  let check;
  const next = async () => {
    const logits = (await session.run({ bytes: new ort.Tensor('int64', window, [1, P]) })).logits.data;
    const last = (P - 1) * 256;
    if (check === undefined) {
      // The first call sees the prompt itself: its last logits must be PyTorch's.
      check = 0;
      for (let k = 0; k < 256; k++) check = Math.max(check, Math.abs(logits[last + k] - expected[k]));
      if (!(check < 1e-3)) throw new Error(`the exported ONNX model's logits differ from PyTorch's by ${check}`);
    }
    let top = -Infinity;
    for (let k = 0; k < 256; k++) top = Math.max(top, logits[last + k]);
    const weights = new Float64Array(256);
    let sum = 0;
    for (let k = 0; k < 256; k++) sum += weights[k] = Math.exp((logits[last + k] - top) / TEMPERATURE);
    let u = draw() * sum, byte = 0;
    while (byte < 255 && (u -= weights[byte]) > 0) byte++;
    window.copyWithin(0, 1);
    window[P - 1] = BigInt(byte);
  };
  for (let i = 0; i < 10; i++) await next();
  const started = process.hrtime.bigint();
  for (let i = 0; i < length; i++) await next();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await session.release();
  return { threads, bytes: length, bytesPerSecond: length / seconds, nsPerByte: (seconds / length) * 1e9, maxAbsLogitDifference: check };
}

/** Whether train() takes a teacher, asked of a fresh model before any arm runs. */
async function distillationBlocker(bytes) {
  const model = new polychron.LutLanguageModel({ impl: 'fast', threads: 1 });
  try {
    return await teacherUnsupported(model, bytes);
  } finally {
    model.close();
  }
}

async function measure(outFile) {
  const text = path.resolve(option('text', TEXT));
  const minutes = option('minutes', '1,5,10').split(',').map(Number);
  if (!minutes.every((m) => m > 0) || minutes.some((m, k) => k > 0 && m <= minutes[k - 1])) {
    throw new RangeError('--minutes must be increasing positive numbers, e.g. 1,5,10');
  }
  const marks = minutes.map((m) => m * 60);
  const threads = Number(option('threads', '2'));
  const weight = Number(option('distill-weight', '0.5'));
  const install = !process.argv.includes('--no-install');
  const bytes = fs.readFileSync(text);
  fs.mkdirSync(BUILD, { recursive: true });
  const models = [];
  const skipped = {};
  const began = Date.now();
  const blocker = await distillationBlocker(bytes);
  const expected = expectedSeconds(marks, blocker === undefined);
  const clock = (s) => `${Math.round(s / 60)} min`;
  console.log(`expected duration on 2 cores: ~${clock(expected)} for --minutes ${minutes.join(',')}` +
    ` (~${clock(expectedSeconds([60, 300, 600], blocker === undefined))} for 1,5,10; distillation ${blocker === undefined ? 'on' : 'off'})`);

  const lut = lutArm('lut', text, marks, threads);
  models.push(lut);
  const torch = ensurePackage('python3-torch', () => spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0, { install });
  if (!torch) {
    skipped.dense = `PyTorch is not installed${install ? ' and could not be' : ' (--no-install)'} (Debian package python3-torch)`;
    skipped.distillation = skipped.dense;
  } else {
    const onnx = path.join(BUILD, 'dense-same-shape.onnx');
    const teacher = path.join(BUILD, 'teacher');
    const same = denseArm('dense-same-shape', text, marks, threads, 32,
      ['--onnx', onnx, ...(blocker === undefined ? ['--teacher-out', teacher] : [])]);
    const ort = onnxruntime();
    if (ort === undefined) {
      skipped.onnxruntime = `onnxruntime-node@${ONNXRUNTIME_VERSION} could not be installed`;
    } else {
      const prompt = bytes.subarray(same.protocol.heldOutFrom, same.protocol.heldOutFrom + SHAPE.context);
      same.generation.onnxruntime = [];
      for (const t of [1, 2]) same.generation.onnxruntime.push(await onnxGeneration(ort, onnx, prompt, t, 500, same.onnx.promptLastLogits));
    }
    delete same.onnx.promptLastLogits; // checked above
    models.push(same);
    const width = matchingWidth(lut.parameters.written);
    models.push({ ...denseArm('dense-parameter-matched', text, marks, threads, width.d), matchedTo: lut.parameters.written,
      capped: width.capped, ...(width.capped && { cap: { maxD: MAX_D, reason: MAX_D_REASON } }) });
    if (blocker === undefined) {
      const distilled = lutArm('lut-distilled', text, marks, threads, { teacher: { prefix: teacher, k: same.teacher.k, weight } });
      if (distilled.skipped) skipped.distillation = distilled.skipped;
      else models.push(distilled);
    } else {
      skipped.distillation = blocker;
    }
  }
  for (const m of models) m.generationBest = bestGeneration(m);
  const result = {
    description: 'LUT transformer against dense transformers: validation loss at equal training wall-clock time (clock stopped while validating), batch-1 generation speed, memory',
    text: path.basename(text), textBytes: bytes.length, protocol: { name: 'holdout', ...DATA }, minutes, threads,
    options: { distillWeight: weight, maxDenseWidth: MAX_D, maxDenseWidthReason: MAX_D_REASON, temperature: TEMPERATURE },
    expectedSeconds: expected, seconds: (Date.now() - began) / 1000,
    peers: { python: PYTHON, onnxruntimeNode: skipped.onnxruntime || !torch ? null : ONNXRUNTIME_VERSION },
    models, skipped, comparison: compare(models),
  };
  return writeResult(NAME, result, outFile);
}

/** The fastest batch-1 generation of a model over its runtimes and thread counts. */
function bestGeneration(m) {
  const runs = m.kind === 'lut' ? m.generation.map((g) => ({ runtime: `polychron, ${g.threads} thread${g.threads > 1 ? 's' : ''}`, ...g }))
    : [{ runtime: 'PyTorch eager', ...m.generation.eager }, { runtime: 'TorchScript', ...m.generation.torchscript },
      ...(m.generation.onnxruntime ?? []).map((g) => ({ runtime: `onnxruntime-node, ${g.threads} thread${g.threads > 1 ? 's' : ''}`, ...g }))];
  const best = runs.reduce((a, b) => (b.bytesPerSecond > a.bytesPerSecond ? b : a));
  return { runtime: best.runtime, bytesPerSecond: best.bytesPerSecond };
}

function compare(models) {
  const lut = models.find((m) => m.name === 'lut');
  const same = models.find((m) => m.name === 'dense-same-shape');
  if (same === undefined) return { generationTarget: TARGET, generationRatio: null };
  const ratio = lut.generationBest.bytesPerSecond / same.generationBest.bytesPerSecond;
  return { generationTarget: TARGET, generationRatio: ratio, generationTargetMet: ratio >= TARGET };
}

// ---- the report: plot and docs section, from the JSON alone ----

async function plot(result) {
  const values = result.models.flatMap((m) => m.marks.map((k) => ({ model: m.name, seconds: k.seconds, loss: k.validationLoss })));
  return polychron.renderSvg({
    width: 560, height: 320, background: 'white', config: { view: { stroke: '#ddd' } },
    title: `${result.text}: validation loss against training wall-clock time (${result.threads} threads)`,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'seconds', type: 'quantitative', title: 'training time (s; validation not counted)' },
      y: { field: 'loss', type: 'quantitative', title: 'validation loss (nats per byte)', scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: null, legend: { labelLimit: 300 } },
    },
  });
}

const count = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));

function section(result, plotName) {
  const e = result.environment;
  const lines = [`Measured by \`npm run bench -- ${NAME}\` (${e.cpu}, ${e.cores} cores, commit ${e.commit}) on ` +
    `${result.text} (${result.textBytes} bytes), marks at ${result.minutes.join(', ')} minutes of training with ` +
    `${result.threads} threads. Plot: \`${plotName}\`.`, '',
  `| model | parameters | ${result.minutes.map((m) => `loss at ${m} min`).join(' | ')} | ${result.minutes.map((m) => `steps at ${m} min`).join(' | ')} | generation, batch 1 | peak RSS |`,
  `| --- | --- | ${result.minutes.map(() => '---').join(' | ')} | ${result.minutes.map(() => '---').join(' | ')} | --- | --- |`];
  for (const m of result.models) {
    const p = m.kind === 'lut' ? `${count(m.parameters.nominal)} nominal / ${count(m.parameters.allocated)} allocated / ${count(m.parameters.written)} written`
      : `${count(m.parameters)} (d ${m.config.d}${m.capped ? ', capped' : ''})`;
    lines.push(`| ${m.name} | ${p} | ${m.marks.map((k) => k.validationLoss.toFixed(3)).join(' | ')} | ` +
      `${m.marks.map((k) => k.steps).join(' | ')} | ${m.generationBest.bytesPerSecond.toFixed(0)} B/s (${m.generationBest.runtime}) | ` +
      `${(m.peakRssBytes / 1e6).toFixed(0)} MB |`);
  }
  lines.push('', 'Losses are the holdout protocol\'s (the last 10% of the text held out, mean −ln p over every position of every ' +
    'held-out 32-byte window, nats per byte), the same bytes for every model. "Allocated" is the LUT tables\' mapped bytes / 4; ' +
    '"written" counts the table rows ever written (from a checkpoint) plus the embedding and positional arrays.');
  const c = result.comparison;
  const lut = result.models.find((m) => m.name === 'lut');
  const same = result.models.find((m) => m.name === 'dense-same-shape');
  lines.push('');
  if (c.generationRatio === null) {
    lines.push(`**Generation target** (≥ ${c.generationTarget}× the same-shape dense model's bytes per second at batch 1 in ` +
      `this machine's best runtime for it): not measured, the dense model did not run (${result.skipped.dense}).`);
  } else {
    lines.push(`**Generation target** (≥ ${c.generationTarget}× the same-shape dense model's bytes per second at batch 1 in ` +
      `this machine's best runtime for it): the LUT transformer generates ${lut.generationBest.bytesPerSecond.toFixed(0)} B/s ` +
      `(${lut.generationBest.runtime}), the dense model ${same.generationBest.bytesPerSecond.toFixed(0)} B/s ` +
      `(${same.generationBest.runtime}): ${c.generationRatio.toFixed(2)}×, **${c.generationTargetMet ? 'met' : 'not met'}**.`);
  }
  const final = (m) => m.marks[m.marks.length - 1].validationLoss;
  const last = result.minutes[result.minutes.length - 1];
  for (const m of result.models.filter((x) => x.name !== 'lut')) {
    const what = m.name === 'lut-distilled' ? 'Distilled from the same-shape dense model, the LUT transformer'
      : m.name === 'dense-same-shape' ? 'The same-shape dense transformer'
        : `The dense transformer of the LUT model's written parameter count (d ${m.config.d}${m.capped ? `, capped at ${result.options.maxDenseWidth}` : ''})`;
    lines.push('', `${what} reaches ${final(m).toFixed(3)} nats/byte at ${last} min against the LUT transformer's ` +
      `${final(lut).toFixed(3)} (${final(m) < final(lut) ? 'lower' : 'not lower'}).`);
  }
  if (result.skipped.distillation) lines.push('', `Distillation: not run (${result.skipped.distillation}).`);
  return lines.join('\n');
}

async function writeReport(file) {
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  const trial = file !== RESULT;
  const plotFile = file.replace(/\.json$/, '') + '.svg';
  fs.writeFileSync(plotFile, await plot(result));
  const body = section(result, trial ? plotFile : path.relative(path.join(__dirname, '..'), plotFile));
  if (trial) {
    // A trial run leaves docs/benchmarks.md alone: its section goes beside the JSON.
    fs.writeFileSync(file.replace(/\.json$/, '') + '.md', `${body}\n`);
    return;
  }
  const docs = fs.readFileSync(DOCS, 'utf8');
  const begin = `<!-- ${NAME}:begin -->`, end = `<!-- ${NAME}:end -->`;
  const at = docs.indexOf(begin), stop = docs.indexOf(end);
  if (at < 0 || stop < at) throw new Error(`docs/benchmarks.md has no ${begin} … ${end} markers`);
  fs.writeFileSync(DOCS, `${docs.slice(0, at)}${begin}\n${body}\n${docs.slice(stop)}`);
}

async function main() {
  const out = option('out');
  if (process.argv.includes('--report')) {
    await writeReport(out ? path.resolve(out) : RESULT);
    return;
  }
  const file = await measure(out ? path.resolve(out) : undefined);
  await writeReport(file);
  console.log(JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')).comparison, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)} and its plot and report`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
