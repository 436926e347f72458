// The LUT transformer against the golden trace of the spec's C program
// (../shared/golden/lut-lm/trace_tinyshakespeare.csv: 3,000 training steps on
// tinyshakespeare, each step's snippet start and mean training loss), with rng 'glibc':
//
// - impl 'reference': the program operation for operation; every start must be equal and
//   every loss equal to the trace's 9 printed digits.
// - impl 'fast': the program's draws and initialisation with the fast engine's arithmetic
//   (polychron's summation orders, double softmax, float U′). The starts stay equal; the
//   losses show how far rounding alone carries a training run, block by block.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult } = require('./harness');

const shared = path.resolve(__dirname, '..', '..', 'shared');
const TRACE = path.join(shared, 'golden', 'lut-lm', 'trace_tinyshakespeare.csv');
const TEXT = path.join(shared, 'data', 'tinyshakespeare.txt');
const BLOCK = 500;

async function run(impl, golden, text) {
  const model = new polychron.LutLanguageModel({ rng: 'glibc', impl });
  const started = Date.now();
  const result = await model.train(text, { steps: golden.length, protocol: 'reference' });
  const seconds = (Date.now() - started) / 1000;
  model.close();
  const startsEqual = golden.every((g, k) => result.starts[k] === g.start);
  const blocks = [];
  for (let b = 0; b < golden.length; b += BLOCK) {
    let max = 0, sum = 0, goldenSum = 0, ownSum = 0;
    const end = Math.min(golden.length, b + BLOCK);
    for (let k = b; k < end; k++) {
      const d = Math.abs(result.losses[k] - golden[k].loss);
      max = Math.max(max, d);
      sum += d;
      goldenSum += golden[k].loss;
      ownSum += result.losses[k];
    }
    const n = end - b;
    blocks.push({ steps: [b, end - 1], maxAbsDiff: max, meanAbsDiff: sum / n, cProgramMeanLoss: goldenSum / n, polychronMeanLoss: ownSum / n });
  }
  const firstDiffering = golden.findIndex((g, k) => Math.abs(result.losses[k] - g.loss) > 1e-6);
  console.error(`${impl}: starts ${startsEqual ? 'equal' : 'DIFFER'}; largest loss difference ` +
    `${Math.max(...blocks.map((b) => b.maxAbsDiff)).toExponential(2)}; ${seconds.toFixed(1)} s`);
  return { impl, steps: golden.length, wallSeconds: seconds, startsEqual, firstStepBeyond1e6: firstDiffering, blocks };
}

async function main() {
  if (!fs.existsSync(TRACE) || !fs.existsSync(TEXT)) {
    console.error(`skipped: ${TRACE} or ${TEXT} is absent`);
    return;
  }
  const golden = fs.readFileSync(TRACE, 'utf8').trim().split('\n').slice(1).map((row) => {
    const [step, start, loss] = row.split(',').map(Number);
    return { step, start, loss };
  });
  const text = fs.readFileSync(TEXT);
  const runs = [];
  for (const impl of ['reference', 'fast']) runs.push(await run(impl, golden, text));
  const file = writeResult('lm-c-program', { trace: 'golden/lut-lm/trace_tinyshakespeare.csv', rng: 'glibc', runs });
  console.error(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
