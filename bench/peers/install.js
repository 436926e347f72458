// What the dense peers of the benchmarks need and the project does not depend on, installed
// on first use: Debian packages (PyTorch, OpenBLAS, data sets) and onnxruntime-node.
// Shared by bench/lut-vs-dense.js and bench/lm-vs-dense.js.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

/**
 * Installs a Debian package when `present()` is false and we may: as root, and unless the
 * caller says not to (a trial run that must not download anything).
 */
function ensurePackage(name, present, { install = true } = {}) {
  if (present()) return true;
  if (!install || process.getuid?.() !== 0) return false;
  console.log(`installing Debian package ${name}`);
  spawnSync('apt-get', ['update'], { stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', name], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return present();
}

/**
 * onnxruntime-node, installed into bench/.build/onnxruntime for the benchmarks only (not a
 * dependency of the project: its install script fetches GPU files from outside the npm
 * registry, which ONNXRUNTIME_NODE_INSTALL=skip avoids; the CPU binaries are in the package
 * itself). Returns the module, or undefined when it cannot be had.
 */
const ONNXRUNTIME_VERSION = '1.30.0';
function onnxruntime() {
  const prefix = path.resolve(__dirname, '..', '.build', 'onnxruntime');
  const load = () => {
    try {
      return require(require.resolve('onnxruntime-node', { paths: [prefix] }));
    } catch {
      return undefined;
    }
  };
  if (load() === undefined) {
    console.log(`installing onnxruntime-node@${ONNXRUNTIME_VERSION} into ${path.relative(process.cwd(), prefix)}`);
    fs.mkdirSync(prefix, { recursive: true });
    spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `onnxruntime-node@${ONNXRUNTIME_VERSION}`],
      { stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  }
  return load();
}

module.exports = { ensurePackage, onnxruntime, ONNXRUNTIME_VERSION };
