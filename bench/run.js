#!/usr/bin/env node
// `npm run bench [-- name ... [--option value ...]]`: runs the named benchmarks (default: all) one after the
// other, each in its own process so that none warms the caches of the next.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const available = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && !['run.js', 'harness.js'].includes(f))
  .map((f) => f.replace(/\.js$/, ''));
// Names come first; arguments from the first --option on go to every benchmark named.
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const forwarded = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`== ${name}`);
  const child = spawnSync(process.execPath, [path.join(__dirname, `${name}.js`), ...forwarded], { stdio: 'inherit' });
  if (child.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
