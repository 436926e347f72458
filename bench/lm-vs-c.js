#!/usr/bin/env node
// The LUT transformer against the Spiking Manifesto's C program, side by side in one run
// (issue 22): training steps per second with 1 and 2 threads, the validation pass per
// snippet, generation, and the resident memory — each also as a fraction of what this
// machine's memory allows (the limit account of docs/benchmarks.md, from
// bench/results/memory-probe.json).
//
// Training is timed as a user runs it: `polychron lm train --text FILE --steps N --seed 1
// --every 0 --threads T --impl fast`, wall time including start-up, against the C program's
// own time for the same number of steps (from its progress marks, its start-up and first
// validation left out). Options: --c-program DIR (a clone of github.com/izhikevich/SNN;
// without it the C program's figures are skipped), --steps N (default 1500), --text FILE
// (default ../shared/data/tinyshakespeare.txt), --memory (also train 10,000 steps and read
// the peak resident memory of both; about 15 minutes).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { polychron, writeResult, option } = require('./harness');
const { buildCProgram, timeCProgram } = require('./peers/c_program');

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
const BUILD = path.join(__dirname, '.build', 'lm-vs-c');
const PROBE = path.join(__dirname, 'results', 'memory-probe.json');
const TARGETS = { trainSpeedup1: 4, trainSpeedup2: 6, validationSpeedup: 5, residentFraction: 0.5 };

/** Runs the CLI's lm train; wall ms and peak resident bytes (/usr/bin/time, when present). */
function trainCli(text, steps, threads, checkpoint) {
  return new Promise((resolve, reject) => {
    const args = [CLI, 'lm', 'train', '--text', text, '--steps', String(steps), '--seed', '1', '--every', '0',
      '--threads', String(threads), '--impl', 'fast', '--quiet', ...(checkpoint ? ['--checkpoint', checkpoint] : [])];
    const timed = fs.existsSync('/usr/bin/time');
    const started = process.hrtime.bigint();
    const child = timed
      ? spawn('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) {
        reject(new Error(`polychron lm train failed (${code}): ${stderr.trim()}`));
        return;
      }
      const kb = /maxrss=(\d+)/.exec(stderr);
      resolve({ threads, steps, wallMs: ms, msPerStep: ms / steps, peakResidentBytes: kb ? Number(kb[1]) * 1024 : undefined });
    });
  });
}

/**
 * The validation pass (reference protocol, last position, as the C program scores) and
 * generation, per thread count, of an untrained model or of a saved one.
 */
async function forwardPasses(text, threads, file) {
  const model = file ? await polychron.LutLanguageModel.load(file, { threads }) : new polychron.LutLanguageModel({ threads, seed: 1 });
  let started = process.hrtime.bigint();
  const snippets = 2000;
  await model.evaluate(text, { protocol: 'reference', validationSnippets: snippets });
  const validationMs = Number(process.hrtime.bigint() - started) / 1e6;
  started = process.hrtime.bigint();
  const bytes = 200;
  await model.generateBytes('To be, or not to be, that is the', { length: bytes });
  const generationMs = Number(process.hrtime.bigint() - started) / 1e6;
  model.close();
  return { threads, model: file ? 'trained' : 'untrained', validationMsPerSnippet: validationMs / snippets, snippetsPerSecond: snippets / (validationMs / 1000), generatedBytesPerSecond: bytes / (generationMs / 1000) };
}

/** Table rows touched per training step and per forward pass (spec §2, counted from the shape). */
function rowAccounting(c) {
  const P = c.context, T = c.tables, H = c.heads, L = c.layers, d = c.embedding;
  const pairs = (P * (P - 1)) / 2;
  const attentionRows = pairs * T * H * L;  // one row per (pos, pos1, table, head, layer)
  const ffnRows = P * T * L, unembedRows = P * T;
  const rowBytes = d * 4, unembedBytes = 256 * 4;
  const forward = { rows: attentionRows + ffnRows + unembedRows, bytes: (attentionRows + ffnRows) * rowBytes + unembedRows * unembedBytes };
  // Backward: each op reads and writes its row and reads the flipped row; an attention op
  // may read a third (the positional flip). Counted as 3 accesses per op (the upper bound);
  // the forward's reads of the same rows moments earlier are counted again (they are not in
  // cache: 190,464 rows of 128 bytes are 24 MB).
  const backwardAccesses = 3 * (attentionRows + ffnRows + unembedRows);
  const backwardBytes = 3 * ((attentionRows + ffnRows) * rowBytes + unembedRows * unembedBytes);
  return {
    forward, lastPositionForward: { rows: attentionRows / pairs * (P - 1) + ffnRows + unembedRows },
    trainingStep: { randomAccesses: forward.rows + backwardAccesses, bytes: forward.bytes + backwardBytes },
  };
}

function probeLimits() {
  if (!fs.existsSync(PROBE)) return undefined;
  const probe = JSON.parse(fs.readFileSync(PROBE, 'utf8'));
  const find = (threads) => probe.random.find((r) => r.pattern === 'read64' && r.bytes === 1073741824 && r.threads === threads && r.pages === '4k');
  const one = find(1), two = find(2);
  if (one === undefined || two === undefined) return undefined;
  return { nsPerRowAccess1Thread: one.nsPerAccess.median, nsPerRowAccess2Threads: two.nsPerAccess.median, source: 'memory-probe.json: read64, 1 GB working set, 4 KB pages' };
}

/**
 * The rows a trained model has written, counted from its checkpoint (which stores exactly
 * the written rows: `<lut>.rows` lists them), and the memory they need at the least: their
 * float32 values, which an exact engine must hold whatever its table format.
 */
function writtenRowAccount(checkpoint) {
  const fd = fs.openSync(checkpoint, 'r');
  try {
    const size = Buffer.alloc(8);
    fs.readSync(fd, size, 0, 8, 0);
    const header = Buffer.alloc(Number(size.readBigUInt64LE()));
    fs.readSync(fd, header, 0, header.length, 8);
    const tensors = JSON.parse(header.toString('utf8'));
    // The model's shape, from the checkpoint's own metadata (strings).
    const config = Object.fromEntries(Object.entries(tensors.__metadata__).map(([key, value]) => [key, Number(value)]));
    let attention = 0;
    let other = 0;
    for (const [name, t] of Object.entries(tensors)) {
      if (!name.endsWith('.rows')) continue;
      if (/\.heads\.\d+\./.test(name)) attention += t.shape[0];
      else other += t.shape[0];
    }
    const attentionRows = config.layers * config.heads * config.tables * 2 ** (2 * config.comparisons + config.positional);
    const rowBytes = config.embedding * 4;
    return {
      checkpoint: path.relative(path.join(__dirname, '..'), checkpoint),
      attentionRowsWritten: attention,
      attentionRows,
      writtenFraction: attention / attentionRows,
      otherRowsWritten: other,
      writtenValueBytes: attention * rowBytes,
      note: 'the float32 values of the written attention rows: the least memory an exact engine holds, whatever its table format',
    };
  } finally {
    fs.closeSync(fd);
  }
}

async function main() {
  const shared = path.resolve(__dirname, '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
  const textFile = option('text', fs.existsSync(shared) ? shared : undefined);
  if (textFile === undefined) {
    console.log('lm-vs-c: no text (pass --text FILE; ../shared/data/tinyshakespeare.txt is absent); skipped');
    return;
  }
  const steps = Number(option('steps', '1500'));
  const text = fs.readFileSync(textFile);
  const result = { text: path.basename(textFile), textBytes: text.length, steps, cProgram: undefined, polychron: {}, targets: TARGETS };

  const built = buildCProgram(option('c-program', process.env.POLYCHRON_C_PROGRAM), BUILD, textFile);
  if (built.skipped) {
    console.log(`lm-vs-c: C program skipped: ${built.skipped}`);
    result.cProgram = { skipped: built.skipped };
  } else {
    console.log(`lm-vs-c: the C program, ${steps} steps after its first validation (about ${Math.round(60 + steps * 0.06)} s)`);
    result.cProgram = { source: option('c-program', process.env.POLYCHRON_C_PROGRAM), ...(await timeCProgram(built.binary, steps, BUILD)) };
    console.log(`lm-vs-c: C program ${result.cProgram.msPerStep.toFixed(1)} ms/step, validation ${result.cProgram.validationMsPerSnippet.toFixed(2)} ms/snippet`);
  }
  result.polychron.train = [];
  for (const threads of [1, 2]) {
    const r = await trainCli(textFile, steps, threads);
    console.log(`lm-vs-c: polychron --threads ${threads}: ${r.msPerStep.toFixed(1)} ms/step (wall, start-up included)`);
    result.polychron.train.push(r);
  }
  result.polychron.forward = [];
  for (const threads of [1, 2]) result.polychron.forward.push(await forwardPasses(text, threads));
  if (process.argv.includes('--memory')) {
    // 10,000 steps each: peak resident memory, and the validation pass on the trained models.
    const checkpoint = path.join(BUILD, 'polychron-10000.safetensors');
    console.log('lm-vs-c: polychron, 10,000 steps with 2 threads');
    const r = await trainCli(textFile, 10000, 2, checkpoint);
    result.polychron.memory = { steps: 10000, threads: 2, peakResidentBytes: r.peakResidentBytes, msPerStep: r.msPerStep,
      written: writtenRowAccount(checkpoint) };
    for (const threads of [1, 2]) result.polychron.forward.push(await forwardPasses(text, threads, checkpoint));
    if (!built.skipped) {
      console.log('lm-vs-c: the C program, 10,000 steps (about 10 min)');
      const m = await timeCProgram(built.binary, 10000, BUILD);
      result.cProgram.memory = { steps: 10000, peakResidentBytes: m.peakResidentBytes, msPerStep: m.msPerStep, validations: m.validations };
    }
  }
  const model = new polychron.LutLanguageModel({});
  const config = model.config;
  model.close();
  result.account = { config, ...rowAccounting(config), limits: probeLimits() };
  const lim = result.account.limits;
  if (lim) {
    const accesses = result.account.trainingStep.randomAccesses;
    result.account.floorMsPerStep = { threads1: (accesses * lim.nsPerRowAccess1Thread) / 1e6, threads2: (accesses * lim.nsPerRowAccess2Threads) / 1e6 };
    result.account.fractionOfLimit = result.polychron.train.map((r) => ({
      threads: r.threads,
      fraction: result.account.floorMsPerStep[`threads${r.threads}`] / r.msPerStep,
    }));
  }
  if (result.cProgram.msPerStep) {
    const [t1, t2] = result.polychron.train;
    // Validation is compared at equal training: untrained (the C program's t = 0), and
    // after 10,000 steps with --memory (the C program's t = 10,000).
    const trained = result.cProgram.memory?.validations?.find((v) => v.step === 10000);
    const forward = (model, threads) => result.polychron.forward.find((f) => f.model === model && f.threads === threads);
    result.speedup = {
      train1Thread: result.cProgram.msPerStep / t1.msPerStep,
      train2Threads: result.cProgram.msPerStep / t2.msPerStep,
      validationUntrained1Thread: result.cProgram.validationMsPerSnippet / forward('untrained', 1).validationMsPerSnippet,
      validationUntrained2Threads: result.cProgram.validationMsPerSnippet / forward('untrained', 2).validationMsPerSnippet,
      ...(trained && forward('trained', 1) ? {
        validationTrained1Thread: trained.msPerSnippet / forward('trained', 1).validationMsPerSnippet,
        validationTrained2Threads: trained.msPerSnippet / forward('trained', 2).validationMsPerSnippet,
      } : {}),
    };
    const validation = trained ? Math.max(result.speedup.validationTrained1Thread, result.speedup.validationTrained2Threads)
      : Math.max(result.speedup.validationUntrained1Thread, result.speedup.validationUntrained2Threads);
    result.targetsMet = {
      train1Thread: result.speedup.train1Thread >= TARGETS.trainSpeedup1,
      train2Threads: result.speedup.train2Threads >= TARGETS.trainSpeedup2,
      validation: validation >= TARGETS.validationSpeedup,
      ...(result.polychron.memory?.peakResidentBytes && result.cProgram.memory?.peakResidentBytes ? {
        residentMemory: result.polychron.memory.peakResidentBytes <= TARGETS.residentFraction * result.cProgram.memory.peakResidentBytes,
      } : {}),
    };
  }
  const file = writeResult('lm-vs-c', result);
  console.log(JSON.stringify({ speedup: result.speedup, targetsMet: result.targetsMet, account: { floorMsPerStep: result.account.floorMsPerStep, fractionOfLimit: result.account.fractionOfLimit } }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { writtenRowAccount };
