#!/usr/bin/env node
// `npm install` step. In an installed package the prebuilt binary for this platform
// (prebuilds/<platform>-<arch>/polychron.node) is used as it is; only when none loads is
// the addon compiled from source (cmake and a C++17 compiler needed), and when neither
// works the install fails with a message that names the platform and what to do.
// Nothing is ever downloaded. POLYCHRON_BUILD_FROM_SOURCE=1 skips the prebuilt binary.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const platformArch = `${process.platform}-${process.arch}`;
const prebuild = path.join(root, 'prebuilds', platformArch, 'polychron.node');

/** Undefined when `file` loads; otherwise why not. */
function loadFailure(file) {
  if (!fs.existsSync(file)) return 'there is no prebuilt binary for this platform';
  // A child process, so that a binary that crashes on load cannot take npm down with it.
  // It says when it starts: if it never does, Node itself could not be started as a child
  // (a sandbox, or qemu-user without binfmt_misc, which cannot run an arm64 child), and
  // the binary is loaded in this process instead.
  const probe = spawnSync(process.execPath, ['-e', `console.error('polychron-probe'); require(${JSON.stringify(file)})`],
    { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const stderr = probe.stderr || '';
  if (!stderr.includes('polychron-probe')) {
    try {
      require(file);
      return undefined;
    } catch (error) {
      return `the prebuilt binary does not load here: ${String(error.message).split('\n')[0]}`;
    }
  }
  const line = stderr.split('\n').find((l) => /Error|error:|GLIBC|not found/.test(l));
  return `the prebuilt binary does not load here: ${(line || `exit status ${probe.status}`).trim()}`;
}

/** The platforms this package carries binaries for. */
function prebuiltPlatforms() {
  try {
    return fs.readdirSync(path.join(root, 'prebuilds')).filter((d) => fs.existsSync(path.join(root, 'prebuilds', d, 'polychron.node')));
  } catch {
    return [];
  }
}

/** What a C library note should say on Linux: glibc's version, or that it is missing. */
function libcNote() {
  if (process.platform !== 'linux') return '';
  const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
  return glibc ? ` (glibc ${glibc}; the prebuilt Linux binaries need glibc >= 2.36)` : ' (no glibc: musl? the prebuilt Linux binaries need glibc >= 2.36)';
}

function onPath(program) {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  return (process.env.PATH || '').split(path.delimiter).some((dir) =>
    exts.some((ext) => {
      try {
        fs.accessSync(path.join(dir, program + ext), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }));
}

const forced = process.env.POLYCHRON_BUILD_FROM_SOURCE === '1';
const failure = forced ? 'POLYCHRON_BUILD_FROM_SOURCE=1' : loadFailure(prebuild);
if (failure === undefined) {
  console.log(`polychron: using the prebuilt binary ${path.relative(root, prebuild)}`);
  process.exit(0);
}

// The source build needs cmake and a compiler on PATH, and cmake-js and node-addon-api,
// which are optional peer dependencies (docs/security.md): installed only where a build is
// needed, so that a user of a prebuilt binary never downloads them.
const compilers = process.platform === 'win32' ? ['cl', 'clang++', 'g++'] : ['c++', 'g++', 'clang++'];
const tools = [];
if (!onPath('cmake')) tools.push('cmake (>= 3.15)');
if (!compilers.some(onPath)) tools.push('a C++17 compiler');
const packages = [];
let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
} catch {
  packages.push('cmake-js');
}
try {
  require.resolve('node-addon-api', { paths: [root] });
} catch {
  packages.push('node-addon-api');
}
if (tools.length > 0 || packages.length > 0) {
  const shipped = prebuiltPlatforms();
  const needs = [];
  if (tools.length > 0) needs.push(`${tools.join(' and ')}, not found on PATH`);
  if (packages.length > 0) needs.push(`the packages cmake-js and node-addon-api (not installed: ${packages.join(', ')})`);
  console.error(
    `polychron: cannot install on ${platformArch}${libcNote()}: ${failure}, and building from source needs ` +
      `${needs.join('; and ')}.\n` +
      `  Prebuilt binaries in this package: ${shipped.length > 0 ? shipped.join(', ') : 'none'}.\n` +
      (tools.length > 0
        ? '  Install cmake and a C++17 compiler (Debian/Ubuntu: apt-get install cmake g++; macOS: xcode-select --install ' +
          'and brew install cmake; Windows: Visual Studio Build Tools with C++ and CMake),\n'
        : '') +
      '  then build it: npm install cmake-js node-addon-api && npm rebuild polychron\n' +
      '  or use a platform listed above (Node >= 18).',
  );
  process.exit(1);
}

console.log(`polychron: ${failure} (${platformArch}${libcNote()}); building from source with cmake-js`);
const build = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
process.exit(build.status ?? 1);
