'use strict';
// The mutation loop of test/corrupt-files.test.ts, run in a child process so that a native
// crash (a signal) or a hang is seen by the test instead of killing jest. Plain JavaScript
// on the compiled package (dist/, which `npm test` builds first).
//
// argv[2]: JSON { kind, file, dir, seed, flips, maxTruncations, hostile: [{ file, why }] }
// Loads the file truncated at every offset (or a dense sample for larger files), with
// random bits flipped, and every hostile variant the test wrote, plus a directory, a
// missing file and a path under a regular file. Before each load the case is written to
// `<dir>/progress.txt`, so a crash names its input. Prints one JSON line:
//   { kind, bytes, truncated, flipped, flippedLoaded, hostile, mutated, problems, ms }
// where every problem is a string saying which input broke which rule.
const fs = require('node:fs');
const path = require('node:path');
const p = require(path.resolve(__dirname, '..', '..', 'dist'));

const args = JSON.parse(process.argv[2]);

// xorshift32: the same flips every run for a given seed.
let state = args.seed >>> 0 || 1;
function random() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
}

const original = fs.readFileSync(args.file);
const ext = path.extname(args.file);
const progress = path.join(args.dir, 'progress.txt');

// Each kind: how to load a file and how to check that what loaded holds together.
const kinds = {
  async network(file) {
    const network = await p.Network.load(file, { threads: 1 });
    try {
      const size = network.size;
      const result = await network.run(3);
      for (const neuron of result.spikeNeurons) if (neuron >= size) throw new Error(`spike of neuron ${neuron} of ${size}`);
      const synapses = network.synapses();
      for (const k of synapses.pre.keys()) {
        if (synapses.pre[k] >= size || synapses.post[k] >= size) throw new Error('a synapse names a neuron that does not exist');
      }
    } finally {
      network.close();
    }
  },
  async lm(file) {
    const model = await p.LutLanguageModel.load(file, { threads: 1 });
    try {
      const text = await model.generateBytes('ab', { length: 4, seed: 1 });
      if (text.length !== 4) throw new Error(`generated ${text.length} bytes, not 4`);
    } finally {
      model.close();
    }
  },
  async groups(file) {
    const set = await p.GroupSet.load(file);
    const neurons = set.search.neurons;
    for (let n = 0; n < neurons; n++) set.containing(n);
    for (const group of set.groups.slice(0, 3)) {
      const raster = { neurons: group.firings.map((f) => f.neuron), times: group.firings.map((f) => f.time + 100) };
      await set.activatedBy(raster);
    }
    if (set.groups.length > 0) await set.activatedBy({ neurons: [0, neurons - 1], times: [0, 1] });
  },
  async classifier(file) {
    const net = await p.LutClassifier.load(file);
    try {
      const predicted = await net.predict(new Float32Array(net.config.inputs * 2).fill(0.5));
      for (const label of predicted) if (label >= net.config.classes) throw new Error(`predicted class ${label}`);
    } finally {
      net.close();
    }
  },
  async dense(file) {
    const model = await p.DenseModel.load(file);
    try {
      const logits = await model.logits(new Float32Array(model.inputs * 2).fill(0.25));
      if (logits.length !== model.outputs * 2) throw new Error(`${logits.length} logits for 2 inputs of ${model.outputs} outputs`);
    } finally {
      model.close();
    }
  },
  async spikes(file) {
    const table = await p.readSpikes(file);
    if (table.times.length !== table.neurons.length) throw new Error('the columns differ in length');
  },
  async weights(file) {
    const table = await p.readWeights(file);
    const n = table.pre.length;
    for (const name of ['post', 'delay', 'weight', 'derivative', 'projection']) {
      if (table[name].length !== n) throw new Error('the columns differ in length');
    }
  },
  async npy(file) {
    const array = await p.readNpy(file);
    if (array.shape.reduce((a, b) => a * b, 1) !== array.data.length) throw new Error('the shape does not match the data');
  },
  async idx(file) {
    const array = p.readIdx(file);
    if (array.shape.reduce((a, b) => a * b, 1) !== array.data.length) throw new Error('the shape does not match the data');
  },
  async description(file) {
    const { network } = p.networkFromDescription(file, { threads: 1 });
    try {
      await network.run(2);
    } finally {
      network.close();
    }
  },
};

// Text formats: a prefix of a CSV table cut at a line (or inside a number) is itself a
// valid table, so for those a truncated file may load, and is then checked as a flip is.
const truncationDetectable = !(ext === '.csv');

const problems = [];
const counts = { truncated: 0, flipped: 0, flippedLoaded: 0, truncatedLoaded: 0, hostile: 0, rejected: 0 };

async function attempt(file, description, mustReject) {
  fs.writeFileSync(progress, `${description}\n`);
  const base = path.basename(file);
  let loaded = false;
  try {
    await kinds[args.kind](file);
    loaded = true;
  } catch (error) {
    if (!(error instanceof Error)) {
      problems.push(`${description}: threw a non-Error ${String(error)}`);
    } else if (!error.message.includes(base)) {
      problems.push(`${description}: the message does not name ${base}: ${error.name}: ${error.message}`);
    } else {
      counts.rejected++;
    }
  }
  if (loaded && mustReject) problems.push(`${description}: loaded`);
  return loaded;
}

async function main() {
  const start = Date.now();
  const name = (what) => path.join(args.dir, `${what}-${path.basename(args.file)}`);
  // The valid file itself must load and pass the checks, or the loop would test nothing.
  try {
    await kinds[args.kind](args.file);
  } catch (error) {
    problems.push(`the valid file does not load: ${error && error.message}`);
  }

  // Truncation: every length below the file's, or every length in the first and last 512
  // bytes and an even sample between when the file is larger than maxTruncations.
  const lengths = [];
  if (original.length <= args.maxTruncations) {
    for (let n = 0; n < original.length; n++) lengths.push(n);
  } else {
    const edge = Math.min(512, Math.floor(args.maxTruncations / 4));
    for (let n = 0; n < edge; n++) lengths.push(n, original.length - 1 - n);
    const middle = args.maxTruncations - 2 * edge;
    for (let k = 0; k < middle; k++) lengths.push(edge + Math.floor((k * (original.length - 2 * edge)) / middle));
  }
  const truncated = name('truncated');
  for (const n of new Set(lengths)) {
    fs.writeFileSync(truncated, original.subarray(0, n));
    counts.truncated++;
    if (await attempt(truncated, `${args.kind}: truncated to ${n} of ${original.length} bytes`, truncationDetectable)) counts.truncatedLoaded++;
  }

  // Bit flips: one to three random bits of a copy.
  const flipped = name('flipped');
  for (let k = 0; k < args.flips; k++) {
    const bytes = Buffer.from(original);
    const changes = [];
    for (let j = 1 + Math.floor(random() * 3); j > 0; j--) {
      const at = Math.floor(random() * bytes.length);
      const bit = Math.floor(random() * 8);
      bytes[at] ^= 1 << bit;
      changes.push(`byte ${at} bit ${bit}`);
    }
    fs.writeFileSync(flipped, bytes);
    counts.flipped++;
    if (await attempt(flipped, `${args.kind}: flipped ${changes.join(', ')}`, false)) counts.flippedLoaded++;
  }

  // Files the test wrote on purpose: wrong magic, versions, huge declared sizes...
  for (const { file, why } of args.hostile) {
    counts.hostile++;
    await attempt(file, `${args.kind}: ${why} (${path.basename(file)})`, true);
  }

  // Paths that are no file: a directory, a missing file, a path under a regular file.
  const folder = name('a-directory');
  fs.mkdirSync(folder, { recursive: true });
  const notThere = name('missing');
  fs.rmSync(notThere, { force: true });
  const underFile = path.join(args.file, `inside${ext}`);
  for (const [file, why] of [[folder, 'a directory'], [notThere, 'a missing file'], [underFile, 'a path under a regular file']]) {
    counts.hostile++;
    await attempt(file, `${args.kind}: ${why}`, true);
  }
  // Unreadable: only when not root (root reads a file whatever its mode).
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    const locked = name('unreadable');
    fs.writeFileSync(locked, original);
    fs.chmodSync(locked, 0o000);
    counts.hostile++;
    await attempt(locked, `${args.kind}: a file without read permission`, true);
    fs.chmodSync(locked, 0o600);
  }

  const mutated = counts.truncated + counts.flipped + counts.hostile;
  process.stdout.write(`${JSON.stringify({ kind: args.kind, bytes: original.length, ...counts, mutated, problems, ms: Date.now() - start })}\n`);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ kind: args.kind, problems: [`the loop itself failed: ${error && error.stack}`] })}\n`);
});
