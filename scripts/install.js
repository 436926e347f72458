#!/usr/bin/env node
// `npm install` step. In an installed package the prebuilt binary for this platform is
// used as it is; only when none loads is the addon compiled from source (cmake-js and a
// C++17 compiler needed). Nothing is ever downloaded.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const prebuild = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'polychron.node');

function loads(file) {
  if (!fs.existsSync(file)) return false;
  // A child process, so that a binary that crashes on load cannot take npm down with it.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { stdio: 'ignore' });
  return probe.status === 0;
}

if (loads(prebuild)) {
  console.log(`polychron: using the prebuilt binary ${path.relative(root, prebuild)}`);
  process.exit(0);
}

console.log('polychron: no prebuilt binary for this platform loads; building from source');
// The source build's tools are optional peer dependencies (docs/security.md): installed only
// where a build is needed, so a user of the prebuilt binary never downloads them.
let cmakeJs;
const missing = [];
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
} catch {
  missing.push('cmake-js');
}
try {
  require.resolve('node-addon-api', { paths: [root] });
} catch {
  missing.push('node-addon-api');
}
if (missing.length > 0) {
  console.error(`polychron: building from source needs cmake-js and node-addon-api (not installed: ${missing.join(', ')}) ` +
    'and a C++17 compiler with CMake. Install them, then build again:\n' +
    '  npm install cmake-js node-addon-api && npm rebuild polychron');
  process.exit(1);
}
const build = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
process.exit(build.status ?? 1);
