// The LUT layer kernel of the shipped binary (T = 16 tables, 32 → 32) at C = 6 (8 KB
// tables per layer... 128 KB in all, in cache) and C = 16 (128 MB, in DRAM), one input at a
// time and batched over 1,024 inputs, against a hand-tuned AVX-512 loop run in the same
// command (bench/peers/dense_layer.cpp) and the issues' hand-tuned figures, the scalar
// reference twin, a plain C++ LUT loop, and dense layers (OpenBLAS and a plain loop) of the
// same input/output width and of the same parameter count. One thread throughout.
// Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (bench/peers/dense.js unsets both).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult } = require('./harness');
const { runDensePeer, standardCases } = require('./peers/dense');

// The hand-tuned AVX-512 figures the LUT engine issues quote (measured elsewhere; issue 22
// labels them forward / backward / batched, but they are these three forward cases), and a
// hand-tuned AVX-512 loop run here in the same command (bench/peers/dense_layer.cpp, the
// same pools of inputs), which is what the target is judged against.
const HAND_TUNED_NS = { 6: { single: 41 }, 16: { single: 247, batched: 83 } };
const TARGET_RATIO = 1.2;
const POOL = 4096;
const TRIALS = 9;

function randomFloats(n, seed) {
  let state = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state / 4294967296) * 2 - 1;
  }
  return out;
}

function timeLayer(layer, inputs, batched) {
  // Calibrate repeats to about 40 ms per trial.
  let repeats = 1;
  while (layer.timeForward(inputs, batched, repeats) * repeats * (inputs.length / 32) < 4e7 && repeats < 1 << 16) repeats *= 2;
  const samples = [];
  for (let t = 0; t < TRIALS; t++) samples.push(layer.timeForward(inputs, batched, repeats));
  return summarize(samples);
}

async function main() {
  const levels = polychron.supportedSimdLevels();
  const best = levels[levels.length - 1];
  const lut = [];
  for (const C of [6, 16]) {
    for (const simd of [...new Set(['scalar', best])]) {
      const layer = new polychron.LutLayer({ inputs: 32, outputs: 32, tables: 16, comparisons: C, seed: 1, simd });
      // Every row written with random values, so the tables are real memory (not the zero row).
      for (let i = 0; i < 16; i++) {
        for (let j = 0; j < 2 ** C; j++) layer.setRow(i, j, randomFloats(32, i * 2 ** C + j + 1));
      }
      const pool = randomFloats(32 * POOL, 7);
      const batch = randomFloats(32 * 1024, 9);
      const single = timeLayer(layer, pool, false);
      const batched = timeLayer(layer, batch, true);
      lut.push({ C, simd, tableBytes: layer.memory().tableBytes, singleNsPerInput: single, batchedNsPerInput: batched });
      console.error(`LUT C=${C} ${simd}: single ${single.median.toFixed(1)} ns/input, batch 1024 ${batched.median.toFixed(1)} ns/input`);
      layer.close();
    }
  }
  const dense = await runDensePeer(standardCases, { trials: TRIALS });
  const handCases = [[6, 1, POOL], [16, 1, POOL], [16, 1024, 1024]].map(([C, batch, pool]) => (
    { name: `LUT T=16 d=32 m=32 C=${C}, pool ${pool}`, kind: 'lut', d: 32, m: 32, T: 16, C, batch, pool }));
  const handPeer = await runDensePeer(handCases, { trials: TRIALS });
  const handTuned = (C, batch) => {
    const c = handPeer.cases.find((x) => x.C === C && x.batch === batch);
    const r = c.results.find((x) => x.impl.startsWith('hand-tuned'));
    if (r === undefined) throw new Error('the hand-tuned peer needs AVX-512 (it was not built for this CPU)');
    if (r.maxAbsDiffVsPlain !== 0) throw new Error(`the hand-tuned peer disagrees with the plain loop by ${r.maxAbsDiffVsPlain}`);
    return r.nsPerInput;
  };
  const peer = (name, batch, impl) => {
    const c = dense.cases.find((x) => x.name === name && x.batch === batch);
    return c.results.find((r) => r.impl === impl).nsPerInput;
  };
  const shipped = (C, mode) => lut.find((r) => r.C === C && r.simd === best)[`${mode}NsPerInput`].median;
  const targets = [
    { what: 'C=6, one input at a time', issueHand: HAND_TUNED_NS[6].single, hand: handTuned(6, 1), shipped: shipped(6, 'single') },
    { what: 'C=16, one input at a time', issueHand: HAND_TUNED_NS[16].single, hand: handTuned(16, 1), shipped: shipped(16, 'single') },
    { what: 'C=16, batched over 1024', issueHand: HAND_TUNED_NS[16].batched, hand: handTuned(16, 1024), shipped: shipped(16, 'batched') },
  ].map((t) => ({ ...t, ratio: t.shipped / t.hand, ratioToIssueFigure: t.shipped / t.issueHand, targetRatio: TARGET_RATIO,
    met: t.shipped / t.hand <= TARGET_RATIO }));
  // The limit account: at C = 16 the 128 MB of tables are far beyond the caches, so each of
  // an input's 16 rows (128 bytes: a line and its neighbour) is at least one independent
  // random access into a 128 MB working set (memory-probe.json, read64, one thread).
  const probe = JSON.parse(fs.readFileSync(path.join(__dirname, 'results', 'memory-probe.json'), 'utf8'));
  const access = probe.random.find((r) => r.pattern === 'read64' && r.bytes === 128 * 2 ** 20 && r.threads === 1 && r.pages === '4k');
  const limit = access === undefined ? undefined : {
    nsPerRowAccess: access.nsPerAccess.median,
    source: 'memory-probe.json: read64, 128 MB working set, 1 thread, 4 KB pages',
    floorNsPerInputC16: 16 * access.nsPerAccess.median,
    fractionOfLimit: {
      singleC16: (16 * access.nsPerAccess.median) / shipped(16, 'single'),
      batchedC16: (16 * access.nsPerAccess.median) / shipped(16, 'batched'),
      handTunedSingleC16: (16 * access.nsPerAccess.median) / handTuned(16, 1),
      handTunedBatchedC16: (16 * access.nsPerAccess.median) / handTuned(16, 1024),
    },
  };
  const implNames = (name, batch) => dense.cases.find((x) => x.name === name && x.batch === batch).results.map((r) => r.impl);
  const versusDense = [];
  for (const C of [6, 16]) {
    const sameParams = C === 6
      ? ['dense 1024->32 (params of LUT T=16 m=32 C=6)', 'dense 181x181 (params of LUT T=16 m=32 C=6)']
      : ['dense 1048576->32 (params of LUT T=16 m=32 C=16)', 'dense 5793x5793 (params of LUT T=16 m=32 C=16)'];
    for (const [mode, batch, denseBatch] of [['single', 1, 1], ['batched', 1024, C === 6 ? 1024 : 64]]) {
      const ns = shipped(C, mode);
      for (const name of ['dense 32->32', ...sameParams]) {
        const b = name === 'dense 32->32' ? batch : denseBatch;
        for (const impl of implNames(name, b)) {
          versusDense.push({ C, lutBatch: batch, lutNsPerInput: ns, dense: name, denseBatch: b, impl,
            denseNsPerInput: peer(name, b, impl), denseOverLut: peer(name, b, impl) / ns });
        }
      }
      const plain = peer(`LUT T=16 d=32 m=32 C=${C}`, batch, implNames(`LUT T=16 d=32 m=32 C=${C}`, batch)[0]);
      versusDense.push({ C, lutBatch: batch, lutNsPerInput: ns, dense: 'plain C++ LUT loop (peer)', denseBatch: batch,
        impl: 'plain', denseNsPerInput: plain, denseOverLut: plain / ns });
    }
  }
  for (const t of targets) {
    console.error(`${t.what}: ${t.shipped.toFixed(1)} ns vs hand-tuned ${t.hand.toFixed(1)} ns here → ${t.ratio.toFixed(2)}× ` +
      `(target ≤ ${TARGET_RATIO}×); the issue's figure ${t.issueHand} ns → ${t.ratioToIssueFigure.toFixed(2)}×`);
  }
  const file = writeResult('lut-layer', {
    description: 'LUT layer forward (T=16, 32→32) of the shipped binary vs a hand-tuned AVX-512 loop run in the same command (and the issue\'s hand-tuned figures), the scalar twin, a plain C++ LUT loop and dense layers; one thread; ns per input (median of 9)',
    shippedLevel: best,
    lut,
    targets,
    limit,
    versusDense,
    bytesPerInput: {
      lut: 'T·m·4 = 2048 bytes of table rows (plus 2·T·C anchor indices, cached, and 128 bytes of input)',
      dense: dense.cases.map((c) => ({ name: c.name, batch: c.batch, bytesPerInput: c.bytesPerInput, formula: c.bytesFormula })),
    },
    dense,
    handPeer,
  });
  console.error(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
