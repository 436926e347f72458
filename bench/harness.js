// Shared by every benchmark: timing, statistics, the environment record and the JSON
// file each benchmark writes to bench/results/<name>.json.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const polychron = require('..');

/** Median, spread and sample count of a list of numbers. */
function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], p25: at(0.25), p75: at(0.75), samples: sorted.length };
}

/**
 * Times `sample` (an async function doing `work` units) `repeats` times after `warmup`
 * untimed calls; returns the summary in nanoseconds per unit of work.
 */
async function measure(sample, { work, repeats = 7, warmup = 1 }) {
  for (let i = 0; i < warmup; i++) await sample();
  const perUnit = [];
  for (let i = 0; i < repeats; i++) {
    const started = process.hrtime.bigint();
    await sample();
    perUnit.push(Number(process.hrtime.bigint() - started) / work);
  }
  return summarize(perUnit);
}

function gitCommit() {
  try {
    const root = path.resolve(__dirname, '..');
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'native', 'lib', 'bench'], { cwd: root }).toString().trim();
    return dirty ? `${sha}+uncommitted` : sha;
  } catch {
    return 'unknown';
  }
}

function environment() {
  return {
    cpu: polychron.cpuModel(),
    cores: os.cpus().length,
    simd: polychron.simd(),
    supportedSimdLevels: polychron.supportedSimdLevels(),
    addon: path.relative(path.resolve(__dirname, '..'), polychron.nativeAddonPath()),
    node: process.version,
    commit: gitCommit(),
    date: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>.json, or `file` (a trial run's, kept out of the results). */
function writeResult(name, body, file = path.join(__dirname, 'results', `${name}.json`)) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const record = { benchmark: name, environment: environment(), ...body };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** The value after `--name` on the command line, or `fallback`. */
function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

/** The four IDX files of an MNIST-layout data set in `dir` (gzip-compressed or not), or undefined. */
function idxDataSet(dir) {
  const find = (stem) => [`${stem}.gz`, stem].map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
  const out = {
    trainImages: find('train-images-idx3-ubyte'), trainLabels: find('train-labels-idx1-ubyte'),
    testImages: find('t10k-images-idx3-ubyte'), testLabels: find('t10k-labels-idx1-ubyte'),
  };
  return Object.values(out).every(Boolean) ? out : undefined;
}

/**
 * Replaces the part of docs/benchmarks.md between `<!-- name:begin -->` and
 * `<!-- name:end -->` with `text`, or appends it under `heading` when the markers are absent.
 */
function writeDocsSection(name, text, heading) {
  const docs = path.join(__dirname, '..', 'docs', 'benchmarks.md');
  const content = fs.readFileSync(docs, 'utf8');
  const begin = `<!-- ${name}:begin -->`, end = `<!-- ${name}:end -->`;
  const body = `${begin}\n${text}\n${end}`;
  const at = content.indexOf(begin), stop = content.indexOf(end);
  fs.writeFileSync(docs, at >= 0 && stop > at ? content.slice(0, at) + body + content.slice(stop + end.length)
    : `${content.trimEnd()}\n\n## ${heading}\n\n${body}\n`);
}

module.exports = { polychron, summarize, measure, writeResult, writeDocsSection, option, idxDataSet };
