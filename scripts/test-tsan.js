#!/usr/bin/env node
// `npm run test:tsan`: builds the native tests (native/tests: plain C++ programs linked
// against the core, no Node) with -fsanitize=thread into build-tsan/ and runs each one.
// Any ThreadSanitizer report (a data race, a lock-order inversion, a thread leak) stops
// its program with a failure (halt_on_error), as does any failed check.
//
//   npm run test:tsan                      every test program
//   npm run test:tsan -- thread_pool_test  one program (by name)
//   npm run test:tsan -- cancel_test language_model    one test of one program
//
// POLYCHRON_TSAN_JOBS sets the build's parallel jobs (default: 2).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const build = path.join(root, 'build-tsan');
const jobs = process.env.POLYCHRON_TSAN_JOBS || '2';
const [only, filter] = process.argv.slice(2);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const started = Date.now();
let status = run('cmake', ['-S', '.', '-B', build, '-DCMAKE_BUILD_TYPE=Release', '-DPOLYCHRON_NATIVE_TESTS=ON', '-DPOLYCHRON_SANITIZE_THREAD=ON']);
if (status !== 0) process.exit(status);
const targets = only ? ['--target', only] : [];
status = run('cmake', ['--build', build, '-j', jobs, ...targets]);
if (status !== 0) process.exit(status);
console.log(`test:tsan: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);

// The test programs, as native/tests/CMakeLists.txt lists them.
const list = fs.readFileSync(path.join(root, 'native', 'tests', 'CMakeLists.txt'), 'utf8');
const names = list.match(/set\(POLYCHRON_NATIVE_TEST_NAMES([^)]*)\)/)[1].split(/\s+/).filter(Boolean);
const chosen = only ? names.filter((n) => n === only) : names;
if (chosen.length === 0) {
  console.error(`test:tsan: no test program '${only}' (there are: ${names.join(', ')})`);
  process.exit(1);
}
const env = {
  ...process.env,
  TSAN_OPTIONS: ['halt_on_error=1', 'second_deadlock_stack=1', 'exitcode=66', process.env.TSAN_OPTIONS]
    .filter(Boolean)
    .join(' '),
};
// Runs one test program, echoing its output. GCC 12's ThreadSanitizer cannot start where
// the kernel randomizes mmap over more address bits than it expects ("unexpected memory
// mapping", Linux 6.x with vm.mmap_rnd_bits = 32): then it is run again without address
// randomization (setarch -R), which changes nothing else.
function runTest(program, args) {
  const once = (command, commandArgs) => {
    const result = spawnSync(command, commandArgs, { cwd: root, env, stdio: ['inherit', 'inherit', 'pipe'], maxBuffer: 1 << 30 });
    if (result.error) throw result.error;
    process.stderr.write(result.stderr);
    return { code: result.status ?? 1, stderr: result.stderr.toString() };
  };
  const first = once(program, args);
  if (first.code === 0 || !first.stderr.includes('unexpected memory mapping')) return first.code;
  console.log('test:tsan: rerunning without address space randomization (setarch -R)');
  return once('setarch', ['-R', program, ...args]).code;
}

const failed = [];
for (const name of chosen) {
  const t0 = Date.now();
  console.log(`\n== ${name}`);
  const code = runTest(path.join(build, 'native', 'tests', name), filter ? [filter] : []);
  console.log(`== ${name}: ${code === 0 ? 'passed' : code === 66 ? 'ThreadSanitizer report' : `failed (${code})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (code !== 0) failed.push(name);
}
console.log(`\ntest:tsan: ${chosen.length - failed.length} of ${chosen.length} passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (failed.length > 0) {
  console.error(`test:tsan: failed: ${failed.join(', ')}`);
  process.exit(1);
}
