// The Spiking Manifesto's C program (github.com/izhikevich/SNN, main.c) as a timing peer:
// built from a clone the user names, as its README builds it (gcc -O3, -lm), with only
// the training file's name changed (its README says to edit it), and timed from its own
// progress output. Nothing is downloaded: without a clone the peer is skipped.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/**
 * Builds main.c of `dir` into `buildDir`, reading `textFile` for training. Returns the
 * binary's path, or { skipped: reason }.
 */
function buildCProgram(dir, buildDir, textFile) {
  const source = dir === undefined ? undefined : path.join(dir, 'main.c');
  if (source === undefined || !fs.existsSync(source)) {
    return { skipped: `no C program: pass --c-program DIR, a clone of github.com/izhikevich/SNN holding main.c${dir ? ` (not found in ${dir})` : ''}` };
  }
  fs.mkdirSync(buildDir, { recursive: true });
  const text = fs.readFileSync(source, 'utf8');
  const named = text.replace(/load_training_data\(&training, "[^"]*"\)/, `load_training_data(&training, ${JSON.stringify(path.resolve(textFile))})`);
  if (named === text) return { skipped: `${source}: could not find load_training_data(&training, "...") to name the training file` };
  const patched = path.join(buildDir, 'main.c');
  // glibc before 2.38 has no strlcpy (the program uses it for its prompt): a definition
  // of the BSD function, used only if the C library lacks it.
  const shim = path.join(buildDir, 'strlcpy.h');
  fs.writeFileSync(shim, [
    '#include <string.h>',
    '#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)',
    'static size_t polychron_strlcpy(char* d, const char* s, size_t n) { size_t k = strlen(s); if (n) { size_t c = k < n - 1 ? k : n - 1; memcpy(d, s, c); d[c] = 0; } return k; }',
    '#define strlcpy polychron_strlcpy',
    '#endif', ''].join('\n'));
  fs.writeFileSync(patched, named);
  const binary = path.join(buildDir, 'main');
  const built = spawnSync('gcc', ['-O3', '-include', shim, '-o', binary, patched, '-lm'], { encoding: 'utf8' });
  if (built.status !== 0) return { skipped: `gcc failed: ${built.stderr.trim().split('\n').slice(-3).join(' ')}` };
  return { binary };
}

/**
 * Runs the program until it has trained `steps` steps after its first validation (at t = 0:
 * 10,000 snippets on the untrained model), timing both from its output: each validation
 * (every 10,000 steps) between "...validating..." and "t=K,000", the steps between the
 * progress marks "t=1" and "t=1 + steps". Resident memory (VmHWM) is read when it stops.
 * Then stops it.
 */
function timeCProgram(binary, steps, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    let validatingAt, firstStepAt, lastStepAt, hwm;
    const validations = [];
    const now = () => Number(process.hrtime.bigint()) / 1e6;
    const readHwm = () => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmHWM:\s+(\d+) kB/.exec(status);
        if (kb) hwm = Number(kb[1]) * 1024;
      } catch {
        // already gone
      }
    };
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const t = now();
      if (validatingAt === undefined && buffer.includes('...validating...')) validatingAt = t;
      const done = /t=(\d+),000, loss=\s*([\d.]+)/.exec(buffer);
      if (validatingAt !== undefined && done !== null) {
        validations.push({ step: Number(done[1]) * 1000, loss: Number(done[2]), msPerSnippet: (t - validatingAt) / 10000 });
        validatingAt = undefined;
        buffer = buffer.slice(done.index + done[0].length);
      }
      const marks = buffer.split('\r');
      buffer = marks.pop();
      for (const mark of marks) {
        const m = /^t=(\d+)$/.exec(mark.trim());
        if (m === null) continue;
        const step = Number(m[1]);
        if (step === 1 && firstStepAt === undefined) firstStepAt = t;
        if (step === 1 + steps && lastStepAt === undefined) {
          lastStepAt = t;
          readHwm();
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      if (lastStepAt === undefined) {
        reject(new Error(`the C program stopped before step ${1 + steps}`));
        return;
      }
      resolve({
        msPerStep: (lastStepAt - firstStepAt) / steps,
        validationMsPerSnippet: validations[0].msPerSnippet,
        validations,
        peakResidentBytes: hwm,
      });
    });
  });
}

module.exports = { buildCProgram, timeCProgram };
