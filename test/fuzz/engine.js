'use strict';
/**
 * The API fuzzer's engine: runs random sequences of calls of one model (a public class or
 * group of functions, test/fuzz/models/) under fast-check and checks every call:
 *
 * - a thrown value is an Error;
 * - a TypeError or RangeError names one of the call's parameters (docs/api.md) and is not
 *   an error of the JavaScript engine itself ("Cannot read properties of undefined", …);
 * - any other Error is one docs/api.md documents (closed, busy), or one the model lists;
 * - a call that throws (or rejects) leaves the object's observable state (the model's
 *   snapshot) unchanged.
 *
 * A crash of the process cannot be caught here: test/fuzz/run.js runs this in a child
 * process and, when the child dies, runs the same seed again with --trace to name the call.
 */
const fs = require('node:fs');
const { fc } = require('./values');

const ENGINE_MESSAGE = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert|Cannot destructure|Cannot mix BigInt|Invalid array length|Invalid typed array length|Maximum call stack|Array buffer allocation failed|Cannot perform|Reduce of empty array|std::|bad_alloc|out of memory|unknown exception|Start offset|Offset is outside|Invalid string length/;
// docs/api.md: closed and busy objects (Conventions), a network added to once built (Network),
// a static projection made plastic once built (Plasticity).
const DOCUMENTED_ERROR = /is closed|in progress|await it \(or abort it\) first|after the network has started( running)?$/;

/** A canonical string of a value: typed arrays by their bytes, so NaN and −0 compare exactly. */
function serialize(value) {
  return JSON.stringify(value, (_key, v) => {
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
    if (typeof v === 'number' && !Number.isFinite(v)) return `number:${v}`;
    if (typeof v === 'number' && Object.is(v, -0)) return 'number:-0';
    if (typeof v === 'bigint') return `bigint:${v}`;
    if (v instanceof Map) return [...v.entries()];
    return v;
  });
}

/** fc.stringify, but a detached typed array (which fc.stringify cannot read) is named as such. */
function isDetached(view) {
  try {
    view.subarray?.(0, 0);
    return false;
  } catch {
    return true;
  }
}

function show(value, depth = 0) {
  if (ArrayBuffer.isView(value) && isDetached(value)) return `new ${value.constructor.name}(/* detached */)`;
  if (depth < 4 && Array.isArray(value)) return `[${value.map((v) => show(v, depth + 1)).join(',')}]`;
  if (depth < 4 && value && typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${show(v, depth + 1)}`).join(',')}}`;
  }
  try {
    return fc.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function describeCall(model, name, args) {
  return `${model}.${name}(${Array.isArray(args) ? args.map((a) => show(a)).join(', ') : show(args)})`;
}

function containsName(message, names) {
  return names.some((name) => new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[.[\]]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(message));
}

/** Throws (a plain Error, the fuzzer's finding) if `error` is not an acceptable refusal of the call. */
function checkError(error, command, call, names = command.params) {
  if (!(error instanceof Error)) throw new Error(`${call} threw a non-Error: ${fc.stringify(error)}`);
  const { name, message } = error;
  if (name === 'TypeError' || name === 'RangeError') {
    if (ENGINE_MESSAGE.test(message)) throw new Error(`${call} threw an engine ${name} instead of a checked one: ${message}`);
    if (!containsName(message, names)) {
      throw new Error(`${call} threw a ${name} naming none of its parameters (${names.join(', ')}): ${message}`);
    }
    return;
  }
  if (name === 'Error' && (DOCUMENTED_ERROR.test(message) || (command.errors && command.errors.test(message)))) return;
  if (name === 'AbortError' && command.aborts) return;
  throw new Error(`${call} threw an undocumented ${name}: ${message}\n${error.stack}`);
}

/**
 * Fuzzes one model with about `calls` calls. Resolves with the number of calls made;
 * rejects with fast-check's report (seed, path, counterexample) on the first finding.
 */
async function fuzzModel(model, { calls: budget, seed, path, trace = false, maxCommands = 12, modelKey }) {
  const context = model.setup ? await model.setup() : {};
  const calls = budget;
  // POLYCHRON_FUZZ_PROFILE=MS: print every call slower than MS milliseconds (to keep each cheap).
  const profile = Number(process.env.POLYCHRON_FUZZ_PROFILE ?? 0);
  const recent = [];
  let count = 0;
  const commandArb = fc.oneof(...model.commands.map((command) =>
    fc.record({ args: command.args }).map(({ args }) => ({
      command,
      args,
      [fc.toStringMethod]: () => describeCall(model.name, command.name, args),
    }))));
  const property = fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: maxCommands }), async (steps) => {
    if (count >= calls) return;
    const object = model.create ? await model.create(context) : undefined;
    try {
      for (const { command, args } of steps) {
        if (trace) fs.writeSync(2, `call ${describeCall(model.name, command.name, args)}\n`);
        const before = model.snapshot && !command.mayChange ? serialize(await model.snapshot(object, context)) : undefined;
        let error;
        let threw = false;
        const started = profile ? performance.now() : 0;
        try {
          const result = command.call(object, args, context);
          if (result && typeof result.then === 'function') await result;
        } catch (e) {
          threw = true;
          error = e;
        }
        count++;
        if (profile) {
          const ms = performance.now() - started;
          recent.push(`${ms.toFixed(1)} ms: ${describeCall(model.name, command.name, args)}`.slice(0, 300));
          if (recent.length > 8) recent.shift();
          if (ms > profile) fs.writeSync(2, `slow ${ms.toFixed(0)} ms: ${describeCall(model.name, command.name, args)}${threw ? ` threw ${error && error.message}` : ''}\n  after ${recent.slice(0, -1).join('\n  after ')}\n`);
        }
        if (!threw) continue;
        const call = describeCall(model.name, command.name, args);
        // A file's errors name the file (docs/api.md): its path counts as the parameter's name.
        checkError(error, command, call, command.names ? [...command.params, ...command.names(args, context)] : command.params);
        if (before !== undefined) {
          const after = serialize(await model.snapshot(object, context));
          if (after !== before) {
            throw new Error(`${call} threw (${error.name}: ${error.message}) and changed the object:\n before ${before.slice(0, 2000)}\n after  ${after.slice(0, 2000)}`);
          }
        }
      }
    } finally {
      if (model.dispose) await model.dispose(object, context);
    }
  });
  const mean = (1 + maxCommands) / 2;
  const parameters = { seed, numRuns: Math.ceil((1.5 * calls) / mean) + 1, endOnFailure: false };
  if (path !== undefined) parameters.path = path;
  try {
    // fc.check, not fc.assert: fast-check's own report cannot print a detached typed array.
    const out = await fc.check(property, parameters);
    if (out.failed) {
      const steps = out.counterexample ? out.counterexample[0].map(({ command, args }) => describeCall(model.name, command.name, args)) : [];
      const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
      throw new Error(`${model.name}: property failed after ${out.numRuns} runs (${out.numShrinks} shrinks)\n` +
        `replay: node test/fuzz/run.js --child ${modelKey ?? model.name} --calls ${budget} --seed ${out.seed} --path ${out.counterexamplePath}\n` +
        `calls of the shrunk counterexample, in order:\n  ${steps.join('\n  ')}\nfinding: ${cause}`);
    }
  } finally {
    if (model.teardown) await model.teardown(context);
  }
  return count;
}

module.exports = { fuzzModel, serialize, checkError };
