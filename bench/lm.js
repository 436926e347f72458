// The LUT transformer's training step and validation pass: --impl fast (1 and 2 threads)
// against --impl reference, from the same trained model, in one run. The state is the
// seed-1 model of bench/lm-fidelity.js (30,001 steps) when bench/.build holds it, otherwise
// a model trained here for 2,000 steps. Every implementation starts from that checkpoint
// and draws the same snippets, so their losses must agree bit for bit; the bench checks it.
// Reference protocol (the spec's), spec defaults; ../shared text when present, else Moby Dick.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult } = require('./harness');

const C_PROGRAM = { msPerStep: [44, 52], msPerValidationSnippet: 5.8 };
const TARGETS = { stepSpeedup1: 3, stepSpeedup2: 4, validationSpeedup: 5 };
const STEPS = { reference: 20, fast: 60 };
const SNIPPETS = { reference: 100, fast: 2000 };
const shared = path.resolve(__dirname, '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
const buildDir = path.join(__dirname, '.build');

/** The trained state the LUT transformer benches start from (see the file header). */
async function trainedState(text) {
  const fidelity = path.join(buildDir, 'lm-fidelity-seed1.safetensors');
  if (fs.existsSync(fidelity)) return { file: fidelity, note: 'seed-1 model after 30,001 steps (bench/lm-fidelity.js)' };
  const file = path.join(buildDir, 'lm-state-2000.safetensors');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(buildDir, { recursive: true });
    const model = new polychron.LutLanguageModel({ threads: 2, seed: 1 });
    await model.train(text, { steps: 2000, protocol: 'reference' });
    await model.save(file);
    model.close();
  }
  return { file, note: 'seed-1 model after 2,000 steps (trained by bench/lm.js or bench/lm-generate.js)' };
}

async function timeSteps(file, text, impl, threads, steps) {
  const model = await polychron.LutLanguageModel.load(file, { impl, threads });
  const started = process.hrtime.bigint();
  const result = await model.train(text, { steps, protocol: 'reference', resume: false });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const memory = model.memory();
  model.close();
  return { impl, threads, steps, msPerStep: ms / steps, losses: result.losses, mappedBytes: memory.mappedBytes };
}

async function timeValidation(file, text, impl, threads, snippets) {
  const model = await polychron.LutLanguageModel.load(file, { impl, threads });
  const started = process.hrtime.bigint();
  const loss = await model.evaluate(text, { protocol: 'reference', validationSnippets: snippets });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  model.close();
  return { impl, threads, snippets, msPerSnippet: ms / snippets, loss };
}

async function main() {
  const text = fs.existsSync(shared) ? fs.readFileSync(shared) : polychron.mobyDick();
  const state = await trainedState(text);
  console.error(`state: ${state.note}`);
  const steps = [];
  for (const [impl, threads] of [['reference', 1], ['fast', 1], ['fast', 2]]) {
    const r = await timeSteps(state.file, text, impl, threads, STEPS[impl]);
    console.error(`train ${impl} ×${threads}: ${r.msPerStep.toFixed(2)} ms/step`);
    steps.push(r);
  }
  const same = steps.every((r) => r.losses.slice(0, STEPS.reference).every((x, k) => x === steps[0].losses[k]));
  const validation = [];
  for (const [impl, threads] of [['reference', 1], ['fast', 1], ['fast', 2]]) {
    const r = await timeValidation(state.file, text, impl, threads, SNIPPETS[impl]);
    console.error(`validation ${impl} ×${threads}: ${r.msPerSnippet.toFixed(3)} ms/snippet`);
    validation.push(r);
  }
  const reference = steps[0].msPerStep;
  const fastValidation = validation[2].msPerSnippet;
  const summary = {
    identicalLosses: same,
    referenceMsPerStep: reference,
    cProgramMsPerStep: C_PROGRAM.msPerStep,
    fast1Speedup: reference / steps[1].msPerStep,
    fast2Speedup: reference / steps[2].msPerStep,
    validationMsPerSnippet: fastValidation,
    validationSpeedupOverCProgram: C_PROGRAM.msPerValidationSnippet / fastValidation,
    targets: TARGETS,
  };
  summary.met = {
    stepSpeedup1: summary.fast1Speedup >= TARGETS.stepSpeedup1,
    stepSpeedup2: summary.fast2Speedup >= TARGETS.stepSpeedup2,
    validationSpeedup: summary.validationSpeedupOverCProgram >= TARGETS.validationSpeedup,
  };
  console.error(JSON.stringify(summary));
  if (!same) {
    console.error('the implementations disagree: see the losses in the JSON');
    process.exitCode = 1;
  }
  const file = writeResult('lm', {
    description: 'LUT transformer (spec defaults, reference protocol): ms per training step and per validation snippet, from the same trained checkpoint',
    state: state.note,
    steps: steps.map(({ losses, ...rest }) => ({ ...rest, firstLosses: Array.from(losses.slice(0, 5)) })),
    validation,
    summary,
  });
  console.error(`wrote ${file}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

module.exports = { trainedState };
