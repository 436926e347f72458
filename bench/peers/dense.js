// Peer kernels: a dense float32 layer (OpenBLAS sgemv/sgemm and a plain C++ loop) and a
// plain C++ LUT layer loop, timed per input by bench/peers/dense_layer.cpp.
//
//   const { runDensePeer } = require('./peers/dense');
//   const result = await runDensePeer([
//     { kind: 'dense', dIn: 1024, dOut: 32, batch: 1 },
//     { kind: 'lut', d: 32, m: 32, T: 16, C: 6, batch: 1024, name: 'LUT C=6' },
//   ], { trials: 9 });
//
// Optional per case: name (copied into the result), calls (kernel calls per trial; default
// calibrated to about options.targetMs per trial), pool (LUT cases: inputs cycled through;
// default up to 65,536 or 64 MiB). Options: trials (9), seed (1), targetMs (25),
// warmupMs (50), threads (OpenBLAS threads, 1).
// The program is compiled on first use (or when the source is newer than the binary) into
// bench/.build/ with g++ -O3 -march=native -std=c++17 ... -lopenblas; OpenBLAS is a
// benchmark-only dependency (Debian libopenblas-dev), never linked by the product.
//
// `node bench/peers/dense.js` runs the standard comparison cases and prints the JSON.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, 'dense_layer.cpp');
const buildDir = path.resolve(__dirname, '..', '.build');
const binary = path.join(buildDir, 'dense_layer');
const compileArgs = ['-O3', '-march=native', '-std=c++17', source, '-o', binary, '-lopenblas'];

function build() {
  fs.mkdirSync(buildDir, { recursive: true });
  // Keep the build folder out of git (and out of the harness's "uncommitted" check).
  const ignore = path.join(buildDir, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
  const stale = !fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs;
  if (stale) {
    try {
      execFileSync('g++', compileArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = error.stderr?.toString() ?? '';
      const hint = /cblas\.h|lopenblas/.test(stderr) ? ' (is libopenblas-dev installed? apt-get install libopenblas-dev)' : '';
      throw new Error(`compiling ${path.relative(process.cwd(), source)} failed${hint}:\n${stderr.slice(-2000)}`);
    }
  }
  return { binary, command: `g++ ${compileArgs.join(' ')}`, rebuilt: stale };
}

function caseArgument(c) {
  const int = (value, name) => {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`case ${JSON.stringify(c)}: ${name} must be a non-negative integer`);
    return value;
  };
  const calls = c.calls === undefined ? [] : [int(c.calls, 'calls')];
  if (c.kind === 'dense') return ['dense', int(c.dIn, 'dIn'), int(c.dOut, 'dOut'), int(c.batch ?? 1, 'batch'), ...calls].join(':');
  if (c.kind === 'lut') {
    const pool = c.pool === undefined ? [] : [c.calls === undefined ? 0 : null, int(c.pool, 'pool')].filter((v) => v !== null);
    return ['lut', int(c.d, 'd'), int(c.m, 'm'), int(c.T, 'T'), int(c.C, 'C'), int(c.batch ?? 1, 'batch'), ...calls, ...pool].join(':');
  }
  throw new TypeError(`case ${JSON.stringify(c)}: kind must be 'dense' or 'lut'`);
}

/**
 * Runs the cases and returns the program's JSON (see the file header), with `name` copied
 * into each case and `build` / `environment` records added. `coretype` sets
 * OPENBLAS_CORETYPE (default: unset, OpenBLAS detects the CPU).
 */
async function runDensePeer(cases, { trials = 9, seed = 1, targetMs = 25, warmupMs = 50, threads = 1, coretype } = {}) {
  const args = cases.map(caseArgument);
  const built = build();
  // On this machine OpenBLAS runs its AVX2 kernel at half speed unless both of these are unset.
  const env = { ...process.env };
  const removed = {};
  for (const name of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (name in env) removed[name] = env[name];
    delete env[name];
  }
  const set = { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  // A kernel named by the caller (OPENBLAS_CORETYPE), where auto-detection picks a slow one.
  if (coretype !== undefined) set.OPENBLAS_CORETYPE = coretype;
  Object.assign(env, set);
  const argv = ['--trials', String(trials), '--seed', String(seed), '--target-ms', String(targetMs), '--warmup-ms', String(warmupMs), ...args];
  const { code, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(binary, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ code: status, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`dense_layer exited with ${code}: ${stderr.slice(-2000)}`);
  const result = JSON.parse(stdout);
  result.cases.forEach((c, i) => {
    if (cases[i].name !== undefined) c.name = cases[i].name;
  });
  return {
    ...result,
    build: { binary: path.relative(path.resolve(__dirname, '..', '..'), built.binary), command: built.command },
    environment: { removed, set, argv },
  };
}

// The standard comparison: a LUT layer with T = 16 tables of m = 32 outputs against dense
// layers holding the same number of parameters.
//  C = 6:  16 * 64 * 32 = 32,768 parameters -> dense 1024 -> 32, or square 181 x 181 (32,761);
//  C = 16: 16 * 65,536 * 32 = 33,554,432 -> dense 1,048,576 -> 32, or square 5793 x 5793
//          (33,558,849). These two run at batch 1 and 64 (not 1024: a batch of 1024 inputs of
//          width 1,048,576 alone is 4 GiB, and the plain loop re-reads W for every input).
const standardCases = [
  { name: 'dense 32->32', kind: 'dense', dIn: 32, dOut: 32, batch: 1 },
  { name: 'dense 32->32', kind: 'dense', dIn: 32, dOut: 32, batch: 1024 },
  { name: 'dense 1024->32 (params of LUT T=16 m=32 C=6)', kind: 'dense', dIn: 1024, dOut: 32, batch: 1 },
  { name: 'dense 1024->32 (params of LUT T=16 m=32 C=6)', kind: 'dense', dIn: 1024, dOut: 32, batch: 1024 },
  { name: 'dense 181x181 (params of LUT T=16 m=32 C=6)', kind: 'dense', dIn: 181, dOut: 181, batch: 1 },
  { name: 'dense 181x181 (params of LUT T=16 m=32 C=6)', kind: 'dense', dIn: 181, dOut: 181, batch: 1024 },
  { name: 'dense 1048576->32 (params of LUT T=16 m=32 C=16)', kind: 'dense', dIn: 1_048_576, dOut: 32, batch: 1 },
  { name: 'dense 1048576->32 (params of LUT T=16 m=32 C=16)', kind: 'dense', dIn: 1_048_576, dOut: 32, batch: 64 },
  { name: 'dense 5793x5793 (params of LUT T=16 m=32 C=16)', kind: 'dense', dIn: 5793, dOut: 5793, batch: 1 },
  { name: 'dense 5793x5793 (params of LUT T=16 m=32 C=16)', kind: 'dense', dIn: 5793, dOut: 5793, batch: 64 },
  { name: 'LUT T=16 d=32 m=32 C=6', kind: 'lut', d: 32, m: 32, T: 16, C: 6, batch: 1 },
  { name: 'LUT T=16 d=32 m=32 C=6', kind: 'lut', d: 32, m: 32, T: 16, C: 6, batch: 1024 },
  { name: 'LUT T=16 d=32 m=32 C=16', kind: 'lut', d: 32, m: 32, T: 16, C: 16, batch: 1 },
  { name: 'LUT T=16 d=32 m=32 C=16', kind: 'lut', d: 32, m: 32, T: 16, C: 16, batch: 1024 },
];

module.exports = { runDensePeer, standardCases };

if (require.main === module) {
  runDensePeer(standardCases).then((result) => {
    for (const c of result.cases) {
      for (const r of c.results) {
        console.error(`${c.name} batch ${c.batch}, ${r.impl}: ${r.nsPerInput.toPrecision(4)} ns/input ` +
          `(${r.gbPerSecond.toPrecision(3)} GB/s${r.gflops === null ? '' : `, ${r.gflops.toPrecision(3)} GFLOP/s`})`);
      }
    }
    console.log(JSON.stringify(result, null, 2));
  }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
