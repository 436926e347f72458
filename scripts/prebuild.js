#!/usr/bin/env node
// `npm run prebuild` (and `npm pack`): builds the addon for baseline x86-64 and places it
// where the loader and the install script look for this platform's prebuilt binary.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
// Build output goes to stderr so that `npm pack --json` keeps a clean stdout.
const build = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: ['ignore', 2, 2] });
if (build.status !== 0) process.exit(build.status ?? 1);

const source = path.join(root, 'build', 'Release', 'polychron.node');
const targetDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(targetDir, { recursive: true });
fs.copyFileSync(source, path.join(targetDir, 'polychron.node'));
console.error(`polychron: prebuilt binary written to ${path.relative(root, targetDir)}/polychron.node`);
