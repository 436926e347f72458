#!/usr/bin/env node
// The smoke suite of a packed, installed polychron: what proves that a prebuilt binary
// works on a platform and Node where jest does not run (arm64 under qemu-user, Debian's
// Node 18). Plain Node, no dependency beyond the package itself.
//
//   node smoke.js record DIR   on the reference platform (linux-x64): runs the suite and
//                              writes DIR/reference.json and DIR/x64.pcc (a checkpoint)
//   node smoke.js check DIR    on the platform under test: runs the suite and compares with
//                              DIR/reference.json; loads DIR/x64.pcc, runs on, compares,
//                              and writes DIR/<platform>-<arch>.pcc
//   node smoke.js back DIR FILE on the reference platform again: loads FILE (a checkpoint
//                              written by `check`), runs on and compares
//
// Every command prints one JSON line last: { platform, node, simd, levels, checks: [...],
// ok }, and exits 1 when a check failed. The package is require('polychron') from the
// working directory, or the folder named by POLYCHRON_SMOKE_PACKAGE.
//
// The checks:
// - twins: every SIMD level this CPU runs against the scalar reference, on inputs around
//   every vector width: the Izhikevich update (exact numerics bit for bit; fast numerics
//   bit for bit on NEON, which does not fuse, and within 1e-4 relative on AVX, which does),
//   the STDP trace decay, the LUT layer forward (indices, row sums), the LUT classifier's
//   batched inference (lane-major indices and sums) and the LUT language model's fast
//   engine (row sums, backward dot products and SGD rows) against its reference oracle;
// - the 2006 network (1000 neurons, 100,000 plastic synapses, reference numerics) for a
//   short run, spike for spike and weight for weight against the reference platform;
// - a LUT layer's forward and backward, bit for bit against the reference platform;
// - a checkpoint written on the reference platform, loaded and run on here, and one
//   written here, loaded and run on there: spikes equal to never stopping, and the file
//   written here byte-identical to the one the reference platform writes in that state.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const mainFile = require.resolve(process.env.POLYCHRON_SMOKE_PACKAGE || 'polychron', { paths: [process.cwd()] });
const pkg = require(mainFile);
const here = `${process.platform}-${process.arch}`;
const started = Date.now();
const checks = [];

function check(name, ok, detail) {
  checks.push({ name, ok: Boolean(ok), ...(detail === undefined ? {} : { detail }) });
  console.error(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail === undefined ? '' : ` (${typeof detail === 'string' ? detail : JSON.stringify(detail)})`}`);
}

const bytes = (x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const digest = (...parts) => {
  const hash = crypto.createHash('sha256');
  for (const p of parts) hash.update(ArrayBuffer.isView(p) ? bytes(p) : Buffer.from(String(p)));
  return hash.digest('hex').slice(0, 32);
};

// A small deterministic generator (mulberry32), so that every platform draws the same inputs.
function random32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const floats = (n, random, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

const levels = pkg.supportedSimdLevels();
const vectorLevels = levels.filter((l) => l !== 'scalar');

// ---- twins against the scalar reference --------------------------------------------
function izhikevichTwins() {
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000];
  const params = { a: Math.fround(0.02), b: 0.2, c: -65, d: 8 };
  for (const numerics of ['exact', 'fast']) {
    for (const level of vectorLevels) {
      // AVX fast kernels fuse multiply-adds: they are compared one step at a time from the
      // scalar kernel's state; every other pair runs 200 steps side by side, bit for bit.
      const bitwise = numerics === 'exact' || level === 'neon';
      let identical = true;
      let worst = 0;
      for (const size of sizes) {
        const random = random32(size * 7 + 1);
        // Every fifth neuron starts at or above the peak, so detection and reset run too.
        const v = Float32Array.from({ length: size }, (_, i) => (i % 5 === 0 ? 30 + random() * 5 : -70 + random() * 40));
        const make = (simd) => new pkg.IzhikevichPopulation({ size, ...params, v, numerics, simd });
        const scalar = make('scalar');
        const vector = make(level);
        for (let t = 0; t < 200; t++) {
          if (!bitwise) {
            vector.v.set(scalar.v);
            vector.u.set(scalar.u);
          }
          const current = floats(size, random, 12);
          if (Array.from(scalar.step(current)).join() !== Array.from(vector.step(current)).join()) identical = false;
          if (bitwise && (!bytes(scalar.v).equals(bytes(vector.v)) || !bytes(scalar.u).equals(bytes(vector.u)))) identical = false;
          for (let i = 0; i < size && !bitwise; i++) {
            worst = Math.max(worst, Math.abs(scalar.v[i] - vector.v[i]) / (1 + Math.abs(scalar.v[i])));
          }
        }
      }
      if (bitwise) {
        check(`twins: Izhikevich ${numerics}, ${level} = scalar bit for bit (200 steps)`, identical);
      } else {
        check(`twins: Izhikevich fast, ${level}: same spikes, v within 1e-4 of scalar per step (fused multiply-add)`,
          identical && worst < 1e-4, `worst ${worst.toExponential(2)}`);
      }
    }
  }
}

function traceDecayTwins() {
  const native = require(path.join(path.dirname(mainFile), 'native.js')).addon;
  for (const level of vectorLevels) {
    let identical = true;
    for (const size of [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 1000]) {
      const input = floats(size, random32(size + 3), 50);
      if (!bytes(native._traceDecay(input, 0.95, 'scalar')).equals(bytes(native._traceDecay(input, 0.95, level)))) identical = false;
    }
    check(`twins: STDP trace decay, ${level} = scalar bit for bit`, identical);
  }
}

function lutLayerTwins() {
  const shapes = [
    { inputs: 32, outputs: 32, tables: 16, comparisons: 6 },
    { inputs: 7, outputs: 5, tables: 3, comparisons: 2 },
    { inputs: 16, outputs: 17, tables: 17, comparisons: 4 },
    { inputs: 40, outputs: 33, tables: 19, comparisons: 5 },
  ];
  for (const level of levels) {
    let identical = true;
    for (const shape of shapes) {
      const random = random32(shape.inputs * 31 + shape.outputs);
      const layer = new pkg.LutLayer({ ...shape, seed: 5, simd: level });
      for (let i = 0; i < shape.tables; i++) {
        for (let j = 0; j < 1 << shape.comparisons; j += 1 + Math.floor(random() * 2)) layer.setRow(i, j, floats(shape.outputs, random));
      }
      const xs = floats(shape.inputs * 60, random);
      if (!bytes(layer.forward(xs)).equals(bytes(layer.forwardReference(xs)))) identical = false;
      layer.close();
    }
    check(`twins: LUT layer forward, ${level} = reference bit for bit`, identical);
  }
}

async function lutClassifierTwins(dir) {
  // Widths that are not multiples of 4 or 16, thresholds, residual layers; 40 inputs:
  // two lane-major blocks of 16, then 8 one at a time.
  const options = {
    inputs: 37, classes: 3, layers: [{ width: 21, tables: 12, comparisons: 5 }, { width: 21, tables: 6, comparisons: 3 }],
    readout: { tables: 9, comparisons: 4 }, thresholds: 3, thresholdShare: 0.3, seed: 7,
  };
  const random = random32(8);
  const x = Float32Array.from({ length: 40 * 37 }, () => (random() < 0.1 ? 0.5 : random()));
  const y = Uint8Array.from({ length: 40 }, (_, n) => Number(x[n * 37] > x[n * 37 + 1]) + Number(x[n * 37 + 2] > 0.5));
  const trained = new pkg.LutClassifier(options);
  await trained.train(x, y, { epochs: 1, batch: 4, threads: 1 });
  const file = path.join(dir, `classifier-${here}.safetensors`);
  await trained.save(file);
  const reference = trained.logitsReference(x);
  for (const level of levels) {
    const net = await pkg.LutClassifier.load(file, { simd: level });
    check(`twins: LUT classifier batched logits, ${level} = reference bit for bit`, bytes(net.logits(x)).equals(bytes(reference)));
    net.close?.();
  }
  trained.close?.();
  return { classifierLogits: digest(reference), classifierFile: digest(fs.readFileSync(file)) };
}

async function lmTwins() {
  const small = { context: 16, embedding: 16, positional: 3, layers: 2, heads: 2, tables: 8, comparisons: 4, warmup: 5, seed: 5 };
  const text = Buffer.from('It was the best of times, it was the worst of times, it was the age of wisdom, '.repeat(40));
  const data = { protocol: 'reference', validationSnippets: 4 };
  const train = async (options) => {
    const model = new pkg.LutLanguageModel({ ...small, ...options });
    const result = await model.train(text, { steps: 30, every: 10, ...data });
    model.close();
    return result;
  };
  const reference = await train({ impl: 'reference' });
  for (const level of levels) {
    const fast = await train({ impl: 'fast', simd: level, threads: 1 });
    check(`twins: LUT language model fast engine, ${level} = reference oracle bit for bit (30 steps)`,
      bytes(fast.losses).equals(bytes(reference.losses)) && JSON.stringify(fast.validations) === JSON.stringify(reference.validations));
  }
  return { lmLosses: digest(reference.losses) };
}

// ---- results compared across platforms ------------------------------------------------
const SPNET = { seed: 1, mode: 'reference', threads: 1 };
const FIRST_MS = 1000; // the fresh run, then the checkpoint
const SECOND_MS = 500; // run on from the checkpoint on the platform under test
const THIRD_MS = 500; // and on from its checkpoint back on the reference platform

async function spnet(ms) {
  const { network } = pkg.izhikevich2006(SPNET);
  const run = await network.run(ms);
  return { network, run };
}

const spikesOf = (run) => ({ count: run.spikeTimes.length, hash: digest(run.spikeTimes, run.spikeNeurons) });

async function spnetResults(dir) {
  const { network, run } = await spnet(FIRST_MS);
  const first = spikesOf(run);
  const weights = network.plasticWeights();
  const file = path.join(dir, `${here}-first.pcc`);
  await network.save(file);
  const second = spikesOf(await network.run(SECOND_MS));
  const secondFile = path.join(dir, `${here}-second.pcc`);
  await network.save(secondFile);
  const third = spikesOf(await network.run(THIRD_MS));
  network.close();
  return {
    spnet: { first, weights, checkpoint: digest(fs.readFileSync(file)), second, secondCheckpoint: digest(fs.readFileSync(secondFile)), third },
    files: { first: file, second: secondFile },
  };
}

function lutLayerResults() {
  const shape = { inputs: 40, outputs: 33, tables: 19, comparisons: 5 };
  const random = random32(99);
  const layer = new pkg.LutLayer({ ...shape, seed: 3 });
  for (let i = 0; i < shape.tables; i++) {
    for (let j = 0; j < 1 << shape.comparisons; j++) layer.setRow(i, j, floats(shape.outputs, random));
  }
  const xs = floats(shape.inputs * 50, random);
  const forward = layer.forward(xs);
  const gradients = [];
  for (let n = 0; n < 20; n++) {
    const x = xs.subarray(n * shape.inputs, (n + 1) * shape.inputs);
    gradients.push(layer.backward(x, floats(shape.outputs, random), 0.01));
  }
  const after = layer.forward(xs);
  layer.close();
  return { forward: digest(forward), backward: digest(...gradients), afterBackward: digest(after) };
}

async function suite(dir) {
  check(`loads: simd() = '${pkg.simd()}', levels ${levels.join(', ')}, addon ${pkg.nativeAddonPath()}`, typeof pkg.simd() === 'string');
  izhikevichTwins();
  traceDecayTwins();
  lutLayerTwins();
  const classifier = await lutClassifierTwins(dir);
  const lm = await lmTwins();
  const spnetPart = await spnetResults(dir);
  return { results: { spnet: spnetPart.spnet, lutLayer: lutLayerResults(), ...classifier, ...lm }, files: spnetPart.files };
}

function compare(name, mine, theirs) {
  const same = JSON.stringify(mine) === JSON.stringify(theirs);
  check(name, same, same ? undefined : { here: mine, reference: theirs });
}

async function main() {
  const [command, dir, file] = process.argv.slice(2);
  if (!['record', 'check', 'back'].includes(command) || !dir) {
    console.error('usage: smoke.js record DIR | check DIR | back DIR FILE');
    process.exit(2);
  }
  fs.mkdirSync(dir, { recursive: true });
  if (command === 'back') {
    const reference = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
    const network = await pkg.Network.load(file, { threads: 1 });
    compare(`checkpoint from ${path.basename(file)} loaded on ${here}: the next ${THIRD_MS} ms spike for spike`,
      spikesOf(await network.run(THIRD_MS)), reference.results.spnet.third);
    network.close();
  } else {
    const { results, files } = await suite(dir);
    if (command === 'record') {
      fs.writeFileSync(path.join(dir, 'reference.json'), JSON.stringify({ platform: here, node: process.version, results }, null, 1));
      fs.copyFileSync(files.first, path.join(dir, 'x64.pcc'));
    } else {
      const reference = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
      const theirs = reference.results;
      const from = `${reference.platform}, Node ${reference.node}`;
      compare(`2006 network, ${FIRST_MS} ms: spikes equal ${from}`, results.spnet.first, theirs.spnet.first);
      compare('2006 network: plastic weights (count, mean) equal', results.spnet.weights, theirs.spnet.weights);
      compare('2006 network: checkpoint file byte-identical', results.spnet.checkpoint, theirs.spnet.checkpoint);
      compare('LUT layer forward/backward bit for bit', results.lutLayer, theirs.lutLayer);
      compare('LUT classifier (trained 1 epoch here): logits and saved file bit for bit', [results.classifierLogits, results.classifierFile],
        [theirs.classifierLogits, theirs.classifierFile]);
      compare('LUT language model: 30 training losses bit for bit', results.lmLosses, theirs.lmLosses);
      // The reference platform's checkpoint, loaded and run on here.
      const network = await pkg.Network.load(path.join(dir, 'x64.pcc'), { threads: 1 });
      compare(`checkpoint written on ${reference.platform}, loaded here: the next ${SECOND_MS} ms spike for spike`,
        spikesOf(await network.run(SECOND_MS)), theirs.spnet.second);
      const out = path.join(dir, `${here}.pcc`);
      await network.save(out);
      compare('the checkpoint written here after it equals the reference platform\'s byte for byte', digest(fs.readFileSync(out)),
        theirs.spnet.secondCheckpoint);
      network.close();
    }
  }
  const ok = checks.every((c) => c.ok);
  const summary = {
    command, platform: here, node: process.version, simd: pkg.simd(), levels, seconds: (Date.now() - started) / 1000,
    passed: checks.filter((c) => c.ok).length, failed: checks.filter((c) => !c.ok).length, ok, checks,
  };
  console.log(JSON.stringify(summary));
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  console.log(JSON.stringify({ platform: here, node: process.version, ok: false, error: String(error && error.stack || error), checks }));
  process.exit(1);
});
