#!/usr/bin/env node
// `npm run prebuild` (and `npm pack`, through prepack): builds the addon for each target
// and places it where the loader and the install script look for a platform's prebuilt
// binary, prebuilds/<platform>-<arch>/polychron.node.
//
// Targets: this machine's platform-arch (built in build/), and on linux-x64 also
// linux-arm64, cross-compiled with Debian's aarch64 toolchain (g++-aarch64-linux-gnu) and
// cmake/aarch64-linux-gnu.cmake (built in build-arm64/). POLYCHRON_PREBUILD_TARGETS
// (comma-separated, e.g. "linux-x64") overrides the list; a target that cannot be built
// here fails the command, naming what is missing, so that a release never lacks a binary
// silently. Binaries of other targets already in prebuilds/ (from the CI runners of
// other platforms) are left in place. Each binary is stripped of its symbol table and
// checked to be an ELF / Mach-O / PE file of the right architecture.
//
//   node scripts/prebuild.js [--parallel N]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const host = `${process.platform}-${process.arch}`;

const args = process.argv.slice(2);
const parallelAt = args.indexOf('--parallel');
const parallel = parallelAt >= 0 ? args[parallelAt + 1] : process.env.POLYCHRON_BUILD_PARALLEL;

/** How each target is built from this host; undefined when it cannot be. */
function recipe(target) {
  if (target === host) return { out: 'build', cmakeArgs: [], strip: 'strip' };
  if (target === 'linux-arm64' && host === 'linux-x64') {
    return {
      out: 'build-arm64',
      cmakeArgs: ['--arch', 'arm64', `--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`],
      strip: 'aarch64-linux-gnu-strip',
      needs: { program: 'aarch64-linux-gnu-g++', install: 'apt-get install g++-aarch64-linux-gnu' },
    };
  }
  return undefined;
}

function onPath(program) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The architecture a binary was built for, read from its header. */
function binaryArch(file) {
  const head = Buffer.alloc(4096);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.readUInt32BE(0) === 0x7f454c46) return { 0x3e: 'x64', 0xb7: 'arm64' }[head.readUInt16LE(18)] ?? 'an unknown ELF machine';
  if (head.readUInt32LE(0) === 0xfeedfacf) return { 0x01000007: 'x64', 0x0100000c: 'arm64' }[head.readUInt32LE(4)] ?? 'an unknown Mach-O CPU';
  if (head.readUInt16LE(0) === 0x5a4d && head.readUInt32LE(60) + 6 <= head.length) {
    return { 0x8664: 'x64', 0xaa64: 'arm64' }[head.readUInt16LE(head.readUInt32LE(60) + 4)] ?? 'an unknown PE machine';
  }
  return 'an unknown format';
}

const defaultTargets = host === 'linux-x64' ? ['linux-x64', 'linux-arm64'] : [host];
const targets = (process.env.POLYCHRON_PREBUILD_TARGETS || defaultTargets.join(','))
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);

const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
for (const target of targets) {
  const how = recipe(target);
  if (how === undefined) {
    console.error(`polychron: cannot build the ${target} binary on ${host}; build it on a ${target} machine ` +
      '(.github/workflows/prebuilds.yml) and copy it to prebuilds/, or leave it out with POLYCHRON_PREBUILD_TARGETS');
    process.exit(1);
  }
  if (how.needs && !onPath(how.needs.program)) {
    console.error(`polychron: the ${target} binary needs ${how.needs.program} (Debian: ${how.needs.install}); ` +
      `or pack without it: POLYCHRON_PREBUILD_TARGETS=${host} npm pack`);
    process.exit(1);
  }
  const buildArgs = [cmakeJs, 'compile', '--out', how.out, ...how.cmakeArgs];
  if (parallel) buildArgs.push('--parallel', String(parallel));
  console.error(`polychron: building the ${target} binary (${how.out}/)`);
  // Build output goes to stderr so that `npm pack --json` keeps a clean stdout.
  const build = spawnSync(process.execPath, buildArgs, { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);

  const source = path.join(root, how.out, 'Release', 'polychron.node');
  const targetDir = path.join(root, 'prebuilds', target);
  const file = path.join(targetDir, 'polychron.node');
  fs.mkdirSync(targetDir, { recursive: true });
  fs.copyFileSync(source, file);
  const arch = binaryArch(file);
  if (arch !== target.split('-')[1]) {
    console.error(`polychron: ${path.relative(root, file)} is built for ${arch}, not ${target}`);
    process.exit(1);
  }
  // The symbol table only serves debuggers; without it the tarball is smaller. (Windows
  // binaries carry none, and macOS's strip needs -x for a loadable bundle.)
  if (process.platform !== 'win32' && onPath(how.strip)) {
    const stripArgs = process.platform === 'darwin' ? ['-x', file] : ['--strip-unneeded', file];
    const strip = spawnSync(how.strip, stripArgs, { stdio: ['ignore', 2, 2] });
    if (strip.status !== 0) process.exit(strip.status ?? 1);
  }
  const size = fs.statSync(file).size;
  console.error(`polychron: prebuilt binary written to ${path.relative(root, file)} (${size} bytes)`);
}
