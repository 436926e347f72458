// Fidelity of the LUT transformer against the spec's reference C program (lut-networks.md
// §4): the spec's defaults, trained on ../shared/data/tinyshakespeare.txt with the
// reference data protocol, validated (10,000 snippets, last position) at steps 0, 10k, 20k
// and 30k, for seeds 1, 2 and 3 (`--seeds 1,2,3`), two at a time with one thread each (a
// lone seed gets both threads; the numbers do not depend on the thread count), with the
// fast engine. Each seed writes bench/results/lm-fidelity-seedN.json and keeps its final
// model in bench/.build/ (bench/lm.js times the trained model); the summary compares the
// mean over seeds with the C program's 2.050, 1.903 and 1.820 (allowed: +0.03).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult } = require('./harness');

const TEXT = path.resolve(__dirname, '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
const C_PROGRAM = { 0: 5.546, 10000: 2.050, 20000: 1.903, 30000: 1.820 };
const ALLOWED = 0.03;
const LAST_STEP = 30000;
const buildDir = path.join(__dirname, '.build');
const seedFile = (seed) => path.join(__dirname, 'results', `lm-fidelity-seed${seed}.json`);

async function worker(seed, threads) {
  const text = fs.readFileSync(TEXT);
  const model = new polychron.LutLanguageModel({ impl: 'fast', threads, seed });
  const started = Date.now();
  const validations = [];
  const result = await model.train(text, {
    steps: LAST_STEP + 1, every: 10000, protocol: 'reference', validationSnippets: 10000,
    onProgress: (p) => {
      if (p.validation === undefined) return;
      validations.push({ step: p.validatedAt, loss: p.validation, wallSeconds: (Date.now() - started) / 1000 });
      console.error(`seed ${seed}: step ${p.validatedAt}, validation loss ${p.validation.toFixed(4)}`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  fs.mkdirSync(buildDir, { recursive: true });
  await model.save(path.join(buildDir, `lm-fidelity-seed${seed}.safetensors`));
  const record = { seed, threads, steps: result.steps, wallSeconds: seconds, validations, memory: model.memory() };
  fs.mkdirSync(path.dirname(seedFile(seed)), { recursive: true });
  fs.writeFileSync(seedFile(seed), `${JSON.stringify(record, null, 2)}\n`);
}

function runWorker(seed, threads) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--worker', String(seed), String(threads)], { stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`seed ${seed} exited with ${code}`))));
  });
}

function summarize() {
  const seeds = [];
  for (const file of fs.readdirSync(path.join(__dirname, 'results'))) {
    const match = /^lm-fidelity-seed(\d+)\.json$/.exec(file);
    if (match) seeds.push(JSON.parse(fs.readFileSync(path.join(__dirname, 'results', file), 'utf8')));
  }
  seeds.sort((a, b) => a.seed - b.seed);
  const steps = Object.keys(C_PROGRAM).map(Number);
  const comparison = steps.map((step) => {
    const losses = seeds.map((s) => s.validations.find((v) => v.step === step)?.loss).filter((x) => x !== undefined);
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    return { step, perSeed: losses, mean, cProgram: C_PROGRAM[step], difference: mean - C_PROGRAM[step],
      allowed: step === 0 ? null : ALLOWED, met: step === 0 ? null : mean - C_PROGRAM[step] <= ALLOWED };
  });
  for (const c of comparison) {
    console.error(`step ${c.step}: mean ${c.mean.toFixed(4)} over ${c.perSeed.length} seeds (C program ${c.cProgram}); ` +
      `per seed ${c.perSeed.map((x) => x.toFixed(4)).join(', ')}`);
  }
  return writeResult('lm-fidelity', {
    description: 'Validation loss (nats/byte, reference protocol, 10,000 snippets, last position) of the spec defaults on tinyshakespeare, fast engine, 1 thread per seed',
    seeds: seeds.map((s) => s.seed),
    comparison,
    runs: seeds,
  });
}

async function main() {
  if (process.argv[2] === '--worker') return worker(Number(process.argv[3]), Number(process.argv[4]));
  if (!fs.existsSync(TEXT)) {
    console.error(`skipped: ${TEXT} is absent (it comes with ../shared, which CI has)`);
    return undefined;
  }
  const option = process.argv.indexOf('--seeds');
  const seeds = option > 0 ? process.argv[option + 1].split(',').map(Number) : [1, 2, 3];
  const queue = [...seeds];
  const threads = seeds.length === 1 ? 2 : 1;
  await Promise.all((seeds.length === 1 ? [0] : [0, 1]).map(async () => {
    while (queue.length > 0) await runWorker(queue.shift(), threads);
  }));
  console.error(`wrote ${summarize()}`);
  return undefined;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
