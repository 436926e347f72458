#!/usr/bin/env node
// `npm run test:asan`: builds the addon with -fsanitize=address,undefined into
// build-asan/ and runs the whole jest suite against it (POLYCHRON_ADDON points the
// loader there). Node itself is not instrumented, so the ASan runtime is preloaded, and
// leak detection is off: Node keeps allocations alive until exit by design.
//
//   npm run test:asan                   build, then every jest test
//   npm run test:asan -- test/x.test.ts build, then the tests jest's arguments select
//   npm run test:asan -- --build-only   build only (CI builds it while other suites run)
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
const build = spawnSync(
  process.execPath,
  [cmakeJs, 'compile', '--out', 'build-asan', '--CDPOLYCHRON_SANITIZE=ON'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
if (process.argv[2] === '--build-only') process.exit(0);

const libasan = execFileSync('g++', ['-print-file-name=libasan.so']).toString().trim();
const env = {
  ...process.env,
  POLYCHRON_ADDON: path.join(root, 'build-asan', 'Release', 'polychron.node'),
  LD_PRELOAD: libasan,
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const run = spawnSync(process.execPath, [jest, '--runInBand', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
