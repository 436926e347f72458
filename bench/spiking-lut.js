#!/usr/bin/env node
// The bridge, measured (`npm run bench -- spiking-lut`): the best LUT classifier of the
// lut-vs-dense bench (lut-large) compiled into a spiking circuit and run on the whole
// Fashion-MNIST test set, against the direct LUT path in the same process: agreement of
// every table index and class, the circuit's time per image against the direct path's,
// and the cost account of a look-up done by spikes (spikes, synaptic events, neuron
// updates, simulated ms) beside the direct path's row reads and the dense MLP's
// multiply-accumulates, with an energy estimate from published per-operation energies.
// Writes bench/results/spiking-lut.json and the section of docs/benchmarks.md between its
// markers; `--report` regenerates that section from the committed JSON.
//
// Options: --model FILE (a saved LutClassifier; default: lut-vs-dense's lut-large in
// bench/.build, else one trained here for --minutes, default 5, with 2 threads),
// --limit N (test images; default all), --data DIR (IDX files, default Debian's Fashion-MNIST).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { polychron, summarize, writeResult, writeDocsSection, option, idxDataSet } = require('./harness');
const { ensurePackage } = require('./peers/install');

const RESULT = path.join(__dirname, 'results', 'spiking-lut.json');
const BUILD = path.join(__dirname, '.build', 'spiking-lut');
const FASHION = '/usr/share/datasets/fashion-mnist';
const LARGE = { layers: [{ width: 64, tables: 1024, comparisons: 6 }], readout: { tables: 256, comparisons: 6 } };

/**
 * Published energies per operation, each with its source. CPU figures are Horowitz's 45 nm
 * numbers (ISSCC 2014, "Computing's energy problem"); the neuromorphic ones are Intel
 * Loihi's measured figures (Davies et al., IEEE Micro 38(1), 2018, Table 1).
 */
const ENERGY = {
  fp32MultiplyAdd: { pJ: 4.6, source: 'Horowitz 2014: 32-bit float multiply 3.7 pJ + add 0.9 pJ (45 nm)' },
  fp32Add: { pJ: 0.9, source: 'Horowitz 2014: 32-bit float add (45 nm)' },
  dramPerByte: { pJ: 160, source: 'Horowitz 2014: 32-bit DRAM read 640 pJ, i.e. 160 pJ per byte' },
  sramPerByte: { pJ: 1.25, source: 'Horowitz 2014: 32-bit read from an 8 KB SRAM 5 pJ, i.e. 1.25 pJ per byte' },
  synapticEvent: { pJ: 23.6, source: 'Davies 2018 (Loihi): energy per synaptic spike operation 23.6 pJ' },
  neuronUpdate: { pJ: 52, source: 'Davies 2018 (Loihi): neuron update, active 52 pJ' },
  spike: { pJ: 1.7, source: 'Davies 2018 (Loihi): within-tile spike energy 1.7 pJ' },
};

async function loadOrTrain(train, test, minutes) {
  const given = option('model', undefined);
  const cached = path.join(__dirname, '.build', 'lut-vs-dense', 'lut-large.safetensors');
  const file = given ?? (fs.existsSync(cached) ? cached : path.join(BUILD, 'lut-large.safetensors'));
  if (fs.existsSync(file)) {
    console.log(`spiking-lut: the model ${path.relative(process.cwd(), file)}`);
    return { model: await polychron.LutClassifier.load(file), file, trainedHere: false };
  }
  if (given !== undefined) throw new Error(`--model ${given}: no such file`);
  console.log(`spiking-lut: training lut-large for up to ${minutes} min (as lut-vs-dense does)`);
  const model = new polychron.LutClassifier({ inputs: train.rows * train.cols, classes: 10, imageShape: [train.rows, train.cols], ...LARGE });
  await model.train(train.images, train.labels, { seconds: minutes * 60, threads: 2 });
  fs.mkdirSync(BUILD, { recursive: true });
  await model.save(file);
  return { model, file, trainedHere: true };
}

/** The direct LUT path's time per image: batch 1 (one input per call) and 1,024 (1 thread), medians of 5. */
function directTimes(model, images) {
  const b1 = [], b1024 = [];
  for (let round = 0; round < 5; round++) {
    b1.push(model.timeInference(images.subarray(0, 2000 * 784), { batch: 1 }));
    b1024.push(model.timeInference(images.subarray(0, 4096 * 784), { batch: 1024, threads: 1 }));
  }
  return { batch1Ns: summarize(b1).median, batch1024Ns: summarize(b1024).median };
}

/** The polychronous-lookup study on one table: row groups queried in the recorded raster. */
async function lookupStudy(circuit, model, images, count) {
  const { network, layout } = circuit;
  const part = images.subarray(0, count * layout.width);
  const monitor = network.addSpikeMonitor();
  const start = network.time;
  network.setSpikeTrains(circuit.inputs, circuit.encode(part));
  await network.run(count * layout.period + layout.latency);
  const raster = { times: monitor.times, neurons: monitor.neurons };
  const table = 0;
  const groups = circuit.rowGroups(0, table);
  const selected = (await model.tableIndices(part, { grid: layout.grid })).indices;
  const tables = circuit.tables;
  const truth = new Set(Array.from({ length: count }, (_, e) => `${start + e * layout.period + layout.grid.steps - 1}:${selected[e * tables + table]}`));
  const score = (activations) => {
    let hits = 0;
    for (const a of activations) if (truth.has(`${a.onset}:${a.index}`)) hits++;
    return { activations: activations.length, selectedAndActivated: hits, activatedNotSelected: activations.length - hits, selectedNotActivated: truth.size - hits };
  };
  return {
    table, examples: count, groups: groups.groups.length, rasterSpikes: raster.times.length,
    exact: score(await groups.activatedBy(raster, { jitter: 0, minFraction: 1 })),
    loose: score(await groups.activatedBy(raster, { jitter: 0, minFraction: 0.5 })),
  };
}

/** The cost account per image, and the energy estimate from ENERGY. */
function account(result, lutVsDense) {
  const ev = result.evaluation;
  const c = result.circuit;
  const mlp = lutVsDense?.models.find((m) => m.name === 'dense-mlp');
  const large = lutVsDense?.models.find((m) => m.name === 'lut-large');
  const direct = {
    rowReads: c.tables, bytes: result.model.bytesReadPerInference, additions: result.model.additionsPerInference, comparisons: result.model.comparisonsPerInference,
  };
  const pj = (name) => ENERGY[name].pJ;
  const rows = [
    { path: 'spiking circuit (polychron, this machine)', operations: `${ev.spikesPerExample.toFixed(0)} spikes, ${ev.synapticEventsPerExample.toFixed(0)} synaptic events, ${c.neuronUpdatesPerExample === undefined ? '–' : c.neuronUpdatesPerExample.toFixed(0)} neuron updates, ${ev.simulatedMsPerExample.toFixed(1)} simulated ms`,
      energyMicrojoules: (ev.synapticEventsPerExample * pj('synapticEvent') + (c.neuronUpdatesPerExample ?? 0) * pj('neuronUpdate') + ev.spikesPerExample * pj('spike')) / 1e6,
      energyBasis: 'synaptic events × 23.6 pJ + neuron updates × 52 pJ + spikes × 1.7 pJ (Loihi)' },
    { path: 'direct LUT path, rows from DRAM', operations: `${direct.rowReads} row reads (${(direct.bytes / 1e3).toFixed(0)} kB), ${direct.additions} float additions, ${direct.comparisons} comparisons`,
      energyMicrojoules: (direct.bytes * pj('dramPerByte') + direct.additions * pj('fp32Add')) / 1e6, energyBasis: 'bytes × 160 pJ + additions × 0.9 pJ' },
    { path: 'direct LUT path, rows from on-chip SRAM', operations: 'the same',
      energyMicrojoules: (direct.bytes * pj('sramPerByte') + direct.additions * pj('fp32Add')) / 1e6, energyBasis: 'bytes × 1.25 pJ + additions × 0.9 pJ' },
  ];
  if (mlp !== undefined) {
    rows.push(
      { path: 'dense MLP 784-256-256-10, weights from DRAM (batch 1)', operations: `${mlp.multiplyAccumulatesPerInference} multiply-accumulates, ${(mlp.bytesReadPerInference / 1e3).toFixed(0)} kB`,
        energyMicrojoules: (mlp.multiplyAccumulatesPerInference * pj('fp32MultiplyAdd') + mlp.bytesReadPerInference * pj('dramPerByte')) / 1e6, energyBasis: 'MACs × 4.6 pJ + bytes × 160 pJ' },
      { path: 'dense MLP, weights from on-chip SRAM', operations: 'the same',
        energyMicrojoules: (mlp.multiplyAccumulatesPerInference * pj('fp32MultiplyAdd') + mlp.bytesReadPerInference * pj('sramPerByte')) / 1e6, energyBasis: 'MACs × 4.6 pJ + bytes × 1.25 pJ' },
    );
  }
  // Where the events go: the readout's comparators hear every selected hidden row.
  const hiddenRows = c.stages[0].tables;
  const readoutComparisons = c.stages[1] ? c.stages[1].tables * c.stages[1].comparisons : 0;
  const hiddenWidth = result.model.hiddenWidth;
  return {
    direct, denseMlp: mlp && { testAccuracy: mlp.testAccuracy, multiplyAccumulates: mlp.multiplyAccumulatesPerInference, bytes: mlp.bytesReadPerInference },
    lutLargeInLutVsDense: large && { testAccuracy: large.testAccuracy, batch1Ns: large.nsPerImage.batch1Js },
    energy: rows, energySources: ENERGY,
    eventBreakdown: {
      rowsToReadoutComparators: hiddenRows * readoutComparisons,
      rowsToHiddenValues: hiddenRows * hiddenWidth,
      note: 'each selected hidden row sends its difference weights to every readout comparator (exact); a row carrying its values to one neuron per hidden value would send only hiddenWidth events, but the next layer would then have to read values, not spike order',
    },
  };
}

async function measure() {
  const dir = option('data', FASHION);
  if (dir === FASHION) ensurePackage('dataset-fashion-mnist', () => idxDataSet(FASHION) !== undefined);
  const data = idxDataSet(dir);
  if (data === undefined) {
    console.log(`spiking-lut: no IDX files in ${dir} (Debian package dataset-fashion-mnist); skipped`);
    return undefined;
  }
  const train = polychron.readIdxImages(data.trainImages, data.trainLabels);
  const test = polychron.readIdxImages(data.testImages, data.testLabels);
  const minutes = Number(option('minutes', '5'));
  const { model, file, trainedHere } = await loadOrTrain(train, test, minutes);
  const limit = Math.min(test.count, Number(option('limit', String(test.count))));
  const images = test.images.subarray(0, limit * 784);
  const labels = test.labels.subarray(0, limit);
  const c = model.config;
  const luts = [...c.layers.map((l) => ({ ...l })), { width: c.classes, ...c.readout }];
  const directEvaluation = await model.evaluate(images, labels, { threads: 1 });

  const compileStarted = process.hrtime.bigint();
  const circuit = await polychron.SpikingLutCircuit.compile(model);
  const compileSeconds = Number(process.hrtime.bigint() - compileStarted) / 1e9;
  const stats = circuit.network.stats();
  console.log(`spiking-lut: circuit of ${circuit.network.size} neurons and ${stats.synapses} synapses in ${compileSeconds.toFixed(1)} s`);
  let lastShown = 0;
  const evaluation = await circuit.evaluate(images, labels, {
    onProgress: (done, total) => {
      if (Date.now() - lastShown > 5000 || done === total) {
        lastShown = Date.now();
        console.log(`spiking-lut: ${done}/${total} images through the circuit`);
      }
    },
  });
  const times = directTimes(model, test.images);
  const { predictions: _p, disagreements, ...figures } = evaluation;
  const ratio = {
    toDirectBatch1: (evaluation.microsecondsPerExample * 1000) / times.batch1Ns,
    toDirectBatch1024: (evaluation.microsecondsPerExample * 1000) / times.batch1024Ns,
  };
  console.log(`spiking-lut: ${evaluation.microsecondsPerExample.toFixed(0)} µs per image through the circuit, ` +
    `${ratio.toDirectBatch1.toFixed(1)}× the direct path at batch 1; index agreement ${evaluation.indexAgreement}, class agreement ${evaluation.predictionAgreement}`);
  const study = await lookupStudy(circuit, model, test.images, 200);
  const result = {
    dataset: dir === FASHION ? 'fashion-mnist' : path.basename(dir), testImages: limit,
    model: {
      file: path.relative(path.join(__dirname, '..'), file), trainedHere, config: { layers: c.layers, readout: c.readout, anchors: c.anchors, thresholds: c.thresholds },
      directTestAccuracy: directEvaluation.accuracy, hiddenWidth: c.layers.length ? c.layers[0].width : 0,
      rowReadsPerInference: luts.reduce((s, l) => s + l.tables, 0),
      bytesReadPerInference: luts.reduce((s, l) => s + l.tables * l.width * 4, 0),
      additionsPerInference: luts.reduce((s, l) => s + l.tables * l.width, 0),
      comparisonsPerInference: luts.reduce((s, l) => s + l.tables * l.comparisons, 0),
    },
    circuit: {
      neurons: circuit.network.size, synapses: stats.synapses, compileSeconds, gridSteps: circuit.layout.grid.steps,
      periodMs: circuit.layout.period, latencyMs: circuit.layout.latency, hiddenUnit: circuit.layout.hiddenUnit, logitUnit: circuit.layout.logitUnit,
      stages: circuit.layout.stages.map((s) => ({ tables: s.tables, comparisons: s.comparisons })),
      tables: circuit.tables,
      eventDriven: circuit.network.stats().eventDriven,
      neuronUpdatesPerExample: evaluation.neuronUpdatesPerExample,
    },
    evaluation: { ...figures, disagreements: disagreements.length, firstDisagreements: disagreements.slice(0, 20) },
    direct: times,
    ratio,
    targets: { indexAgreement: 1, predictionAgreement: 1, maxRatioToDirect: 100 },
    targetsMet: {
      agreement: evaluation.indexAgreement === 1 && evaluation.predictionAgreement === 1,
      exact: evaluation.exact.indexAgreement === 1 && evaluation.exact.predictionAgreement === 1,
      speed: ratio.toDirectBatch1 <= 100,
    },
    lookupStudy: study,
  };
  const lutVsDenseFile = path.join(__dirname, 'results', 'lut-vs-dense.json');
  result.account = account(result, fs.existsSync(lutVsDenseFile) ? JSON.parse(fs.readFileSync(lutVsDenseFile, 'utf8')) : undefined);
  circuit.network.close();
  return result;
}

// ---- the docs section, from the JSON alone ----

function section(r) {
  const ev = r.evaluation, c = r.circuit, pct = (x) => `${(100 * x).toFixed(4).replace(/\.?0+$/, '')}%`;
  const n = (x) => Math.round(x).toLocaleString('en-US');
  const lines = [
    `Measured by \`npm run bench -- spiking-lut\` (${r.environment.cpu}, ${r.environment.cores} cores, commit ${r.environment.commit}): ` +
    `the model \`${r.model.file}\` (layers ${JSON.stringify(r.model.config.layers)}, readout ${JSON.stringify(r.model.config.readout)}; ` +
    `direct test accuracy ${pct(r.model.directTestAccuracy)}) compiled into a circuit of ${n(c.neurons)} neurons and ${n(c.synapses)} synapses ` +
    `in ${c.compileSeconds.toFixed(1)} s, then run on ${n(r.testImages)} test images, one every ${c.periodMs} ms of simulated time ` +
    `(grid of ${c.gridSteps} latencies; class spike ${c.latencyMs} ms after an image starts).`, '',
    '| figure | value |', '| --- | --- |',
    `| index agreement with the direct path (grid-rounded input) | ${pct(ev.indexAgreement)} of ${n(r.testImages * c.tables)} table indices |`,
    `| class agreement with the direct path | ${pct(ev.predictionAgreement)} (${ev.disagreements} images differ) |`,
    `| the same against the twin (tables rounded to the weight units) | ${pct(ev.exact.indexAgreement)} and ${pct(ev.exact.predictionAgreement)} |`,
    `| class agreement with the direct path on the raw images | ${pct(ev.rawPredictionAgreement)} |`,
    `| accuracy of the circuit | ${pct(ev.accuracy)} |`,
    `| spikes / synaptic events / neuron updates per image | ${n(ev.spikesPerExample)} / ${n(ev.synapticEventsPerExample)} / ${c.neuronUpdatesPerExample === undefined ? '–' : n(c.neuronUpdatesPerExample)} |`,
    `| circuit, wall time per image (1 thread) | ${ev.microsecondsPerExample.toFixed(0)} µs |`,
    `| direct LUT path per image: batch 1 / batch 1,024 (1 thread) | ${(r.direct.batch1Ns / 1000).toFixed(1)} µs / ${(r.direct.batch1024Ns / 1000).toFixed(1)} µs |`,
    `| circuit ÷ direct path | **${r.ratio.toDirectBatch1.toFixed(1)}×** at batch 1 (target ≤ 100×), ${r.ratio.toDirectBatch1024.toFixed(1)}× against batch 1,024 |`,
    '',
    `**Targets.** Class agreement 100%: ${ev.predictionAgreement === 1 ? 'met' : 'not met'}. Index agreement 100%: ` +
    (ev.indexAgreement === 1 ? 'met' : `${n((1 - ev.indexAgreement) * r.testImages * c.tables)} of ${n(r.testImages * c.tables)} indices differ` +
      (r.targetsMet.exact ? ', every one explained by the rounding of the table values (the twin, which has the rounded values, agrees on all)' : ' (and the twin does NOT agree on all: a defect)')) +
    `. Speed ≤ 100× the direct path: ${r.targetsMet.speed ? 'met' : 'not met'}.`,
    '',
    '**The cost account of one look-up by spikes**, per image, with energies from published per-operation figures (sources below the table):', '',
    '| path | operations per image | energy estimate | basis |', '| --- | --- | --- | --- |',
    ...r.account.energy.map((e) => `| ${e.path} | ${e.operations} | ${e.energyMicrojoules.toFixed(2)} µJ | ${e.energyBasis} |`),
    '',
    ...Object.values(r.account.energySources).map((s) => `- ${s.pJ} pJ: ${s.source}.`),
    '',
    `**Polychronous lookup** (table ${r.lookupStudy.table} of layer 0, ${r.lookupStudy.examples} images, ${n(r.lookupStudy.rasterSpikes)} spikes recorded): ` +
    `querying the raster for the table's ${r.lookupStudy.groups} row groups with jitter 0 and minFraction 1 finds ${r.lookupStudy.exact.activations} activations, ` +
    `${r.lookupStudy.exact.selectedAndActivated} of them the selected row, ${r.lookupStudy.exact.activatedNotSelected} others, ${r.lookupStudy.exact.selectedNotActivated} selected rows missed. ` +
    `With minFraction 0.5 it finds ${r.lookupStudy.loose.activations} (${r.lookupStudy.loose.activatedNotSelected} of them rows that were not selected: their set bits are partly those that fired).`,
  ];
  return lines.join('\n');
}

function writeReport(result) {
  writeDocsSection('spiking-lut', section(result), 'Spiking LUT circuits');
}

async function main() {
  if (process.argv.includes('--report')) {
    writeReport(JSON.parse(fs.readFileSync(RESULT, 'utf8')));
    return;
  }
  const result = await measure();
  if (result === undefined) return;
  const trial = option('limit', undefined) !== undefined;
  const file = writeResult('spiking-lut', result, trial ? path.join(BUILD, 'spiking-lut.json') : undefined);
  if (!trial) writeReport(JSON.parse(fs.readFileSync(file, 'utf8')));
  console.log(JSON.stringify({ ratio: result.ratio, targetsMet: result.targetsMet, evaluation: result.evaluation }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}${trial ? ' (a trial with --limit: not the committed result)' : ' and docs/benchmarks.md'}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
