#!/usr/bin/env node
'use strict';
/**
 * The API fuzzer (issue 19): random valid and invalid arguments for every public
 * constructor and method of polychron (test/fuzz/models/), checked call by call
 * (test/fuzz/engine.js). Needs the compiled library (dist/, `npx tsc -p tsconfig.json`)
 * and the addon.
 *
 *   node test/fuzz/run.js [--calls 100000] [--seed N] [--models a,b] [--jobs 2] [--json]
 *       runs each model in a child process of its own, so that a crash (a signal, an
 *       abort) is reported as a crash, with the seed; a crashed or hung model is run again
 *       with --trace to name the call it died in.
 *   node test/fuzz/run.js --child MODEL --calls N --seed N [--path P] [--trace]
 *       runs one model in this process (the replay of a failure: fast-check prints the
 *       seed and path to pass).
 *
 * --calls is the total, split across the models by their weights. The exit status is 0
 * when every model passed, 1 otherwise. `npm run fuzz:api -- --calls 1000000` is the
 * nightly size.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');

function parseArgs(argv) {
  const args = { calls: 100000, seed: Date.now() % 2 ** 31, jobs: 2, trace: false, json: false, timeout: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--calls') args.calls = Number(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--models') args.models = value().split(',');
    else if (flag === '--jobs') args.jobs = Number(value());
    else if (flag === '--child') args.child = value();
    else if (flag === '--path') args.path = value();
    else if (flag === '--timeout') args.timeout = Number(value());
    else if (flag === '--trace') args.trace = true;
    else if (flag === '--json') args.json = true;
    else throw new Error(`unknown option ${flag}`);
  }
  if (!(Number.isInteger(args.calls) && args.calls >= 0)) throw new Error('--calls must be an integer >= 0');
  if (!(Number.isInteger(args.seed))) throw new Error('--seed must be an integer');
  return args;
}

/** Relative cost-adjusted shares of the calls (cheap models get more). */
const WEIGHTS = {
  population: 3, network: 3, lutLayer: 3, classifier: 2, lm: 1.5, groups: 1.5, formats: 3, dense: 1.5, misc: 2, spikingLut: 1,
};

async function child(args) {
  const { fuzzModel } = require('./engine');
  const models = require('./models');
  const model = models[args.child];
  if (!model) throw new Error(`no model ${args.child}; models: ${Object.keys(models).filter((k) => k !== 'helpers').join(', ')}`);
  const started = process.hrtime.bigint();
  const calls = await fuzzModel(model, { calls: args.calls, seed: args.seed, path: args.path, trace: args.trace, modelKey: args.child });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ model: args.child, calls, seconds })}\n`);
}

function runChild(model, calls, seed, { trace = false, timeoutMs }) {
  return new Promise((resolve) => {
    const argv = [__filename, '--child', model, '--calls', String(calls), '--seed', String(seed)];
    if (trace) argv.push('--trace');
    const proc = spawn(process.execPath, argv, { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-200000); });
    let hung = false;
    const timer = timeoutMs ? setTimeout(() => { hung = true; proc.kill('SIGKILL'); }, timeoutMs) : undefined;
    proc.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ model, seed, calls, code, signal, hung, stdout, stderr });
    });
  });
}

function lastCall(stderr) {
  const lines = stderr.split('\n').filter((l) => l.startsWith('call '));
  return lines.length ? lines[lines.length - 1].slice(5) : '(no call traced)';
}

async function parent(args) {
  const models = require('./models');
  const names = args.models ?? Object.keys(WEIGHTS).filter((name) => models[name]);
  const total = names.reduce((s, n) => s + (WEIGHTS[n] ?? 1), 0);
  const queue = names.map((name, k) => ({ name, calls: Math.ceil((args.calls * (WEIGHTS[name] ?? 1)) / total), seed: args.seed + k }));
  const results = [];
  const started = Date.now();
  const timeoutMs = args.timeout ? args.timeout * 1000 : undefined;
  async function worker() {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const result = await runChild(job.name, job.calls, job.seed, { timeoutMs });
      const report = { model: job.name, seed: job.seed, requested: job.calls, ok: result.code === 0 };
      if (result.code === 0) {
        Object.assign(report, JSON.parse(result.stdout.trim().split('\n').pop()));
      } else if (result.signal || result.hung || result.code > 1) {
        // A crash or a hang: run the same seed again, tracing each call, to name the culprit.
        const traced = await runChild(job.name, job.calls, job.seed, { trace: true, timeoutMs });
        report.failure = `${result.hung ? 'hung' : `crashed (${result.signal ?? `exit ${result.code}`})`}; ` +
          `replay: node test/fuzz/run.js --child ${job.name} --calls ${job.calls} --seed ${job.seed} --trace; last call: ${lastCall(traced.stderr)}\n` +
          result.stderr.slice(-4000);
      } else {
        report.failure = `replay: node test/fuzz/run.js --child ${job.name} --calls ${job.calls} --seed ${job.seed} [--path P from below]\n${result.stderr.slice(-8000)}`;
      }
      results.push(report);
      if (!args.json) {
        process.stderr.write(report.ok ? `fuzz ${job.name}: ${report.calls} calls in ${report.seconds.toFixed(1)} s (seed ${job.seed})\n`
          : `fuzz ${job.name}: FAILED (seed ${job.seed}): ${report.failure}\n`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, args.jobs) }, worker));
  const calls = results.reduce((s, r) => s + (r.calls ?? 0), 0);
  const seconds = (Date.now() - started) / 1000;
  const summary = { ok: results.every((r) => r.ok), calls, seconds, callsPerSecond: Math.round(calls / seconds), seed: args.seed, results };
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stderr.write(`fuzz: ${calls} calls in ${seconds.toFixed(1)} s (${summary.callsPerSecond}/s), ${summary.ok ? 'no findings' : 'FINDINGS above'}\n`);
  return summary.ok;
}

if (require.main === module) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`fuzz: ${error.message}\n`);
    process.exit(2);
  }
  if (args.child) {
    child(args).then(() => process.exit(0), (error) => {
      process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
      process.exit(1);
    });
  } else {
    parent(args).then((ok) => process.exit(ok ? 0 : 1), (error) => {
      process.stderr.write(`${error.stack}\n`);
      process.exit(2);
    });
  }
}

module.exports = { parseArgs };
