// One LUT-transformer arm of bench/lm-vs-dense.js, run in its own process so that the peak
// RSS it reports is the model's own: trains polychron's LutLanguageModel (spec defaults,
// impl fast) on the holdout protocol for a training-time budget, validating at each mark
// with the training clock stopped; then counts the parameters actually written (from a
// checkpoint) and times batch-1 generation with 1 and 2 threads.
//
//   node bench/peers/lut_lm.js '<JSON>'   with JSON { text, marks: [seconds...], threads,
//     checkpoint, generate, validationSnippets, holdout, seed, teacher?: { prefix, k, weight } }
// Progress goes to stderr; the result is one JSON line on stdout.
'use strict';
const fs = require('node:fs');
const polychron = require('../..');

/** Elements and rows of the table values a safetensors checkpoint of the model holds. */
function writtenRows(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = Buffer.alloc(8);
    fs.readSync(fd, size, 0, 8, 0);
    const header = Buffer.alloc(Number(size.readBigUInt64LE(0)));
    fs.readSync(fd, header, 0, header.length, 8);
    const tensors = JSON.parse(header.toString('utf8'));
    const out = { rows: 0, tableValues: 0, otherValues: 0 };
    for (const [name, t] of Object.entries(tensors)) {
      if (name === '__metadata__') continue;
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (name.endsWith('.values')) {
        out.rows += t.shape[0];
        out.tableValues += count;
      } else if (name === 'embedding' || name.endsWith('.positional')) {
        // Anchors and row numbers are indices, not parameters.
        out.otherValues += count;
      }
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Why train() cannot take a teacher (top-k next-byte distributions, rows aligned with the
 * text), or undefined when it can. train() ignores options it does not know, so support is
 * probed with a malformed teacher: a train() that knows the option must reject it.
 */
async function teacherUnsupported(model, text) {
  try {
    await model.train(text, { steps: 0, teacher: 'not a teacher' });
    return "this polychron's LutLanguageModel.train() has no teacher option (it accepted a malformed one)";
  } catch (error) {
    if (!/teacher/i.test(error.message)) throw error;
    return undefined;
  }
}

function readTeacher(spec) {
  const indices = new Uint8Array(fs.readFileSync(`${spec.prefix}.indices.u8`));
  const raw = fs.readFileSync(`${spec.prefix}.probs.f32`);
  const probabilities = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return { indices, probabilities, k: spec.k, weight: spec.weight };
}

async function generationRate(checkpoint, prompt, threads, length) {
  const model = await polychron.LutLanguageModel.load(checkpoint, { impl: 'fast', threads });
  await model.generateBytes(prompt, { length: 20, seed: 2 }); // warm-up: first reads fault pages in
  const started = process.hrtime.bigint();
  const bytes = await model.generateBytes(prompt, { length, seed: 1 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  model.close();
  return { threads, bytes: length, bytesPerSecond: length / seconds, nsPerByte: (seconds / length) * 1e9,
    sample: Buffer.from(bytes.subarray(0, 80)).toString('utf8') };
}

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const text = fs.readFileSync(spec.text);
  const data = { protocol: 'holdout', validationSnippets: spec.validationSnippets, holdout: spec.holdout };
  const model = new polychron.LutLanguageModel({ impl: 'fast', threads: spec.threads, seed: spec.seed });
  let teacher;
  if (spec.teacher) {
    const reason = await teacherUnsupported(model, text);
    if (reason !== undefined) {
      model.close();
      console.log(JSON.stringify({ skipped: reason }));
      return;
    }
    teacher = readTeacher(spec.teacher);
  }
  const marks = [];
  let seconds = 0, lossSum = 0, lossCount = 0, msPerStep;
  while (marks.length < spec.marks.length) {
    // Chunks of at most 2 s, the last one sized to end at the mark; the rate is re-measured
    // every chunk because steps slow down as more table rows are written.
    const left = spec.marks[marks.length] - seconds;
    const steps = msPerStep === undefined ? 10
      : Math.max(1, Math.min(Math.ceil((left * 1000) / msPerStep), Math.floor(2000 / msPerStep)));
    const started = process.hrtime.bigint();
    const result = await model.train(text, { steps, ...data, ...(teacher && { teacher }) });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    seconds += elapsed;
    msPerStep = (elapsed * 1000) / steps;
    for (const loss of result.losses) lossSum += loss;
    lossCount += steps;
    while (marks.length < spec.marks.length && seconds >= spec.marks[marks.length]) {
      const began = process.hrtime.bigint();
      const validationLoss = await model.evaluate(text, data);
      const validationSeconds = Number(process.hrtime.bigint() - began) / 1e9;
      marks.push({ mark: spec.marks[marks.length], seconds, steps: model.step, trainLoss: lossSum / lossCount, validationLoss, validationSeconds });
      lossSum = 0;
      lossCount = 0;
      console.error(`lut${teacher ? ' (distilled)' : ''}: ${model.step} steps in ${seconds.toFixed(1)} s of training, ` +
        `validation loss ${validationLoss.toFixed(4)} (${validationSeconds.toFixed(1)} s)`);
    }
  }
  // Taken before the checkpoint is written and loaded again for the timings below.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const memory = model.memory();
  const config = model.config;
  await model.save(spec.checkpoint);
  model.close();
  const written = writtenRows(spec.checkpoint);
  // Generation starts from the first P bytes of the held-out tail, as the dense peer's does.
  const heldOut = Math.max(config.context + 1, Math.floor(text.length * spec.holdout));
  const prompt = text.subarray(text.length - heldOut, text.length - heldOut + config.context);
  const generation = [];
  for (const threads of [1, 2]) generation.push(await generationRate(spec.checkpoint, prompt, threads, spec.generate));
  fs.rmSync(spec.checkpoint, { force: true }); // gigabytes after minutes of training
  console.log(JSON.stringify({
    config, impl: 'fast', threads: spec.threads, distilled: teacher !== undefined,
    ...(teacher && { teacher: { k: teacher.k, weight: teacher.weight } }),
    marks, peakRssBytes, memory,
    parameters: {
      nominal: memory.tableBytes / 4 + written.otherValues,
      allocated: memory.mappedBytes / 4 + written.otherValues,
      written: written.tableValues + written.otherValues,
      writtenRows: written.rows,
      nonTable: written.otherValues,
    },
    generation,
  }));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { teacherUnsupported };
