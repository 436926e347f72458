#!/usr/bin/env node
'use strict';
// libFuzzer targets of the native file readers (native/fuzz/*.cpp):
//
//   npm run fuzz -- [--seconds N] [--jobs J] [--build-only] [target...]
//
// Builds every target with clang++-14 (-fsanitize=fuzzer,address,undefined, -O1, line
// tables) into build-fuzz/, compiling the core's sources directly (objects are reused
// while their sources and headers are unchanged), seeds each corpus with small valid files
// written by the built package (dist/ and the addon; without them the corpus starts
// empty), then runs each target for N seconds (default 20) with -max_total_time, J at a
// time (default 1; also the number of compilers at once). Exits non-zero if a target finds a crash, a leak, a timeout or an
// out-of-memory input, printing the reproducer's path (build-fuzz/artifacts/<target>/).
// Replay one with `build-fuzz/<target> <file>`. POLYCHRON_FUZZ_CXX overrides the compiler.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build-fuzz');
const CXX = process.env.POLYCHRON_FUZZ_CXX || 'clang++-14';

// Each target and the folders of the core it needs (every .cpp under them is linked).
const CORE = ['native/core/thread_pool.cpp', 'native/core/kernels', 'native/core/io'];
const TARGETS = {
  safetensors: ['native/core/io'],
  onnx: ['native/core/io'],
  dense_model: [...CORE, 'native/core/lut'],
  lm_checkpoint: [...CORE, 'native/core/lut'],
  classifier_checkpoint: [...CORE, 'native/core/lut'],
  network_checkpoint: [...CORE, 'native/core/spiking'],
};

const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer'];
const FLAGS = ['-std=c++17', '-O1', '-gline-tables-only', '-ffp-contract=off', '-fno-fast-math', `-I${path.join(root, 'native')}`, ...SANITIZE];

function parseArgs(argv) {
  const args = { seconds: 20, jobs: 1, buildOnly: false, targets: [] };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--seconds') args.seconds = Number(argv[++k]);
    else if (a === '--jobs') args.jobs = Number(argv[++k]);
    else if (a === '--build-only') args.buildOnly = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run fuzz -- [--seconds N] [--jobs J] [--build-only] [target...]\ntargets: ' + Object.keys(TARGETS).join(', '));
      process.exit(0);
    } else if (a in TARGETS) args.targets.push(a);
    else throw new Error(`unknown argument or target '${a}' (targets: ${Object.keys(TARGETS).join(', ')})`);
  }
  if (!(Number.isInteger(args.seconds) && args.seconds > 0)) throw new Error('--seconds must be a positive integer');
  if (!(Number.isInteger(args.jobs) && args.jobs > 0)) throw new Error('--jobs must be a positive integer');
  if (args.targets.length === 0) args.targets = Object.keys(TARGETS);
  return args;
}

// Kernel files of the other architecture are not built here (as CMakeLists.txt selects them).
const OTHER_ARCH_KERNELS = process.arch === 'arm64' ? /_avx(2|512)\.cpp$/ : /_neon\.cpp$/;

function sourcesOf(entries) {
  const sources = new Set();
  const walk = (p) => {
    const full = path.join(root, p);
    if (fs.statSync(full).isDirectory()) for (const name of fs.readdirSync(full).sort()) walk(path.join(p, name));
    else if (p.endsWith('.cpp') && !OTHER_ARCH_KERNELS.test(p)) sources.add(p);
  };
  entries.forEach(walk);
  return [...sources];
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.slice(-3).join(' ')} failed (exit ${code})`))));
  });
}

/** Runs the tasks (functions returning promises), `jobs` at a time. */
async function pool(tasks, jobs) {
  const queue = [...tasks];
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length > 0) await queue.shift()();
  }));
}

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
};

/** True when `object` is older than its source or any header its dependency file lists. */
function stale(object, depfile) {
  if (!fs.existsSync(object) || !fs.existsSync(depfile)) return true;
  const built = mtime(object);
  const deps = fs.readFileSync(depfile, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':').trim().split(/\s+/);
  return deps.some((dep) => dep !== '' && mtime(path.resolve(root, dep)) > built);
}

const objectOf = (source) => path.join(out, 'obj', source.replace(/\.cpp$/, '.o'));

async function compile(source) {
  const object = objectOf(source);
  const depfile = object.replace(/\.o$/, '.d');
  if (!stale(object, depfile)) return;
  fs.mkdirSync(path.dirname(object), { recursive: true });
  const simd = /_avx512\.cpp$/.test(source) ? ['-mavx512f', '-mavx2', '-mfma'] : /_avx2\.cpp$/.test(source) ? ['-mavx2', '-mfma'] : [];
  console.log(`fuzz: compiling ${source}`);
  await run(CXX, [...FLAGS, '-fsanitize=fuzzer-no-link', ...simd, '-MMD', '-MF', depfile, '-c', source, '-o', object]);
}

/** Compiles what changed (`jobs` compilers at a time) and links every target; returns their paths. */
async function build(targets, jobs) {
  const sources = new Map(targets.map((t) => [t, [`native/fuzz/${t}.cpp`, ...sourcesOf(TARGETS[t])]]));
  const all = [...new Set([...sources.values()].flat())];
  await pool(all.map((source) => () => compile(source)), jobs);
  const binaries = {};
  await pool(targets.map((target) => async () => {
    const objects = sources.get(target).map(objectOf);
    const binary = path.join(out, target);
    if (!fs.existsSync(binary) || objects.some((o) => mtime(o) > mtime(binary))) {
      console.log(`fuzz: linking ${path.relative(root, binary)}`);
      await run(CXX, [...SANITIZE, '-fsanitize=fuzzer', ...objects, '-pthread', '-o', binary]);
    }
    binaries[target] = binary;
  }), jobs);
  return binaries;
}

// --- Seeds: small valid files of every kind, written by the built package. ---

function safetensorsBytes(tensors, metadata) {
  const header = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const data = [];
  for (const [name, { dtype, shape, bytes }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    data.push(bytes);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([size, Buffer.from(json), ...data]);
}

// Protocol buffers as onnx.proto lays out a model: just enough for a Gemm-Relu-Gemm MLP.
const varint = (n) => {
  const bytes = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    bytes.push(b);
  } while (v > 0n);
  return Buffer.from(bytes);
};
const field = (number, wire, body) => Buffer.concat([varint((number << 3) | wire), body]);
const len = (number, body) => field(number, 2, Buffer.concat([varint(body.length), body]));
const str = (number, text) => len(number, Buffer.from(text));
const int = (number, value) => field(number, 0, varint(value));

function onnxBytes(layers) {
  const floats = (values) => Buffer.from(Float32Array.from(values).buffer);
  const tensor = (name, dims, values) => Buffer.concat([len(1, Buffer.concat(dims.map(varint))), int(2, 1), str(8, name), len(9, floats(values))]);
  const node = (op, inputs, outputs, attributes = []) =>
    Buffer.concat([...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(4, op), ...attributes]);
  const transB = len(5, Buffer.concat([str(1, 'transB'), int(3, 1), int(20, 2)]));
  const nodes = [];
  const initializers = [];
  let current = 'input';
  layers.forEach(({ inputs, outputs }, l) => {
    initializers.push(tensor(`W${l}`, [outputs, inputs], Array.from({ length: inputs * outputs }, (_, k) => ((k * 37) % 11) / 11 - 0.5)));
    initializers.push(tensor(`b${l}`, [outputs], Array.from({ length: outputs }, (_, k) => k / 10)));
    const next = l + 1 < layers.length ? `h${l}` : 'output';
    nodes.push(node('Gemm', [current, `W${l}`, `b${l}`], [l + 1 < layers.length ? `g${l}` : next], [transB]));
    if (l + 1 < layers.length) nodes.push(node('Relu', [`g${l}`], [next]));
    current = next;
  });
  const graph = Buffer.concat([...nodes.map((n) => len(1, n)), str(2, 'seed'), ...initializers.map((t) => len(5, t)), len(11, str(1, 'input')), len(12, str(1, 'output'))]);
  return Buffer.concat([int(1, 8), str(2, 'polychron-fuzz-seed'), len(8, Buffer.concat([str(1, ''), int(2, 13)])), len(7, graph)]);
}

function denseSafetensorsBytes(layers) {
  const tensors = {};
  layers.forEach(({ inputs, outputs }, l) => {
    tensors[`${l}.weight`] = { dtype: 'F32', shape: [outputs, inputs], bytes: Buffer.from(Float32Array.from({ length: inputs * outputs }, (_, k) => k / 7 - 1).buffer) };
    tensors[`${l}.bias`] = { dtype: 'F32', shape: [outputs], bytes: Buffer.from(new Float32Array(outputs).buffer) };
  });
  return safetensorsBytes(tensors, { format: 'pt' });
}

// Written by a child node process on the package, so that a missing build only costs the seeds.
const SEED_SCRIPT = `
const p = require(${JSON.stringify(path.join(root, 'dist'))});
const fs = require('fs');
const dir = process.argv[1];
(async () => {
  for (const mode of ['reference', 'fast']) {
    const { network } = p.izhikevich2006({ seed: 1, neurons: 10, synapsesPerNeuron: 3, maxDelay: 3, mode });
    await network.run(20);
    await network.save(dir + '/network-' + mode + '.pcc');
    network.close();
  }
  const lm = new p.LutLanguageModel({ context: 4, embedding: 2, positional: 2, layers: 1, heads: 1, tables: 2, comparisons: 2, seed: 1 });
  await lm.train('the quick brown fox', { steps: 3 });
  await lm.save(dir + '/lm.safetensors');
  await lm.save(dir + '/lm-half.safetensors', { precision: 'float16' });
  lm.close();
  const c = new p.LutClassifier({ inputs: 6, classes: 3, layers: [{ width: 4, tables: 2, comparisons: 2 }], readout: { tables: 2, comparisons: 2 }, thresholds: 2, seed: 1 });
  await c.save(dir + '/classifier.safetensors');
  c.close();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

function seed(targets) {
  const generated = path.join(out, 'seeds', 'generated');
  fs.rmSync(generated, { recursive: true, force: true });
  fs.mkdirSync(generated, { recursive: true });
  const r = spawnSync(process.execPath, ['-e', SEED_SCRIPT, generated], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) console.log(`fuzz: no seeds from the package (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); build it (npm run build, tsc) for better ones`);
  const file = (name) => (fs.existsSync(path.join(generated, name)) ? [fs.readFileSync(path.join(generated, name))] : []);
  const layers = [{ inputs: 4, outputs: 3 }, { inputs: 3, outputs: 2 }];
  const onnx = onnxBytes(layers);
  const dense = denseSafetensorsBytes(layers);
  // The network target reads a version byte then the payload (see native/fuzz/network_checkpoint.cpp).
  const payloads = [...file('network-reference.pcc'), ...file('network-fast.pcc')].flatMap((b) => [
    Buffer.concat([Buffer.from([b.readUInt32LE(8) - 1]), b.subarray(32)]),
    Buffer.concat([Buffer.from([0x80]), b]),
  ]);
  const lm = [...file('lm.safetensors'), ...file('lm-half.safetensors')];
  const classifier = file('classifier.safetensors');
  const seeds = {
    safetensors: [...lm, ...classifier, dense],
    onnx: [onnx],
    dense_model: [onnx, dense],
    lm_checkpoint: lm,
    classifier_checkpoint: classifier,
    network_checkpoint: payloads,
  };
  const corpora = {};
  for (const target of targets) {
    const corpus = path.join(out, 'corpus', target);
    fs.mkdirSync(corpus, { recursive: true });
    seeds[target].forEach((bytes, k) => fs.writeFileSync(path.join(corpus, `seed-${k}`), bytes));
    corpora[target] = corpus;
  }
  return corpora;
}

function fuzz(target, binary, corpus, seconds) {
  const artifacts = path.join(out, 'artifacts', target);
  fs.mkdirSync(artifacts, { recursive: true });
  const log = path.join(out, `${target}.log`);
  const args = [
    `-max_total_time=${seconds}`, '-rss_limit_mb=2048', '-malloc_limit_mb=1024', '-timeout=10', '-max_len=65536',
    '-print_final_stats=1', `-artifact_prefix=${artifacts}/`, corpus,
  ];
  return new Promise((resolve) => {
    const child = spawn(binary, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:allocator_may_return_null=0', UBSAN_OPTIONS: 'print_stacktrace=1' } });
    const stream = fs.createWriteStream(log);
    let text = '';
    child.stderr.on('data', (chunk) => {
      stream.write(chunk);
      text = (text + chunk).slice(-20000);
    });
    child.on('close', (code) => {
      stream.end();
      const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(text);
      const crash = /Test unit written to (\S+)/.exec(text);
      resolve({ target, code, runs: runs ? Number(runs[1]) : 0, reproducer: crash ? crash[1] : undefined, log, tail: text.slice(-6000) });
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const which = spawnSync(CXX, ['--version'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) throw new Error(`${CXX} is needed (Debian: apt-get install clang-14 libclang-rt-14-dev), or set POLYCHRON_FUZZ_CXX`);
  const start = Date.now();
  const binaries = await build(args.targets, args.jobs);
  console.log(`fuzz: built ${args.targets.length} targets in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  if (args.buildOnly) return;
  const corpora = seed(args.targets);
  const results = [];
  await pool(args.targets.map((target) => async () => {
    const result = await fuzz(target, binaries[target], corpora[target], args.seconds);
    results.push(result);
    console.log(`fuzz: ${target}: ${result.runs} executions in ${args.seconds} s, ${result.code === 0 ? 'no crash' : `FAILED (exit ${result.code})`}`);
  }), args.jobs);
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) {
    console.log(`\n--- ${r.target} (log: ${path.relative(root, r.log)}) ---\n${r.tail}`);
    console.log(`reproducer: ${r.reproducer ?? '(none written)'}\nreplay: ${path.relative(root, r.binary ?? binaries[r.target])} ${r.reproducer ?? ''}`);
  }
  console.log(`fuzz: ${results.map((r) => `${r.target} ${r.runs}`).join(', ')} executions; ${failed.length} failed; ${((Date.now() - start) / 1000).toFixed(1)} s in all`);
  if (failed.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(`fuzz: ${error.message}`);
  process.exit(1);
});
