import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import {
  LUT_LM_DEFAULTS,
  LUT_LM_GENERATE_DEFAULTS,
  LUT_LM_TRAIN_DEFAULTS,
  LossWatch,
  LutLanguageModel,
  learningRate,
  mobyDick,
  readText,
  type LmImplementation,
  type LmProtocol,
  type LmRng,
  type LmTrainProgress,
  type LutLanguageModelOptions,
} from '../lm';
import { nonNegativeInteger, oneOf, positiveInteger } from './args';
import { ProgressLine, bar } from './progress';

export const LM_USAGE = [
  'polychron lm train --text FILE --steps N [--seed 1] [--threads 1] [--impl fast|reference] [--rng polychron|glibc]',
  '  [--protocol holdout|reference] [--every 10000] [--log FILE.csv] [--trace FILE.csv] [--checkpoint FILE]',
  '  [--precision float32|float16] [--resume FILE]',
  `  [${Object.entries(LUT_LM_DEFAULTS).map(([key, value]) => `--${key} ${value}`).join(' ')}]`,
  `polychron lm generate --model FILE --prompt TEXT [--length ${LUT_LM_GENERATE_DEFAULTS.length}] ` +
    `[--temperature ${LUT_LM_GENERATE_DEFAULTS.temperature}] [--seed ${LUT_LM_GENERATE_DEFAULTS.seed}]`,
  'polychron lm eval --model FILE --text FILE [--protocol holdout|reference]',
  'polychron lm demo [--seconds 60] [--threads 2]   (trains on the bundled Moby Dick)',
].join('\n');

const SHAPE_OPTIONS = ['context', 'embedding', 'positional', 'layers', 'heads', 'tables', 'comparisons', 'warmup'] as const;

interface TrainLoopOptions {
  model: LutLanguageModel;
  text: Uint8Array;
  lastStep: number;
  protocol: LmProtocol;
  every: number;
  resume: boolean;
  log?: string;
  /** step,start,train_loss per step (the golden trace's columns). */
  trace?: string;
  checkpoint?: string;
  /** Of the checkpoint's table values. */
  precision?: 'float32' | 'float16';
  deadline?: number;
}

/** A loss as C's %.9g prints it (the golden trace's format). */
const nineDigits = (x: number): string => String(Number(x.toPrecision(9)));

function appendTrace(file: string, from: number, starts: Float64Array, losses: Float64Array): void {
  let rows = '';
  for (let k = 0; k < losses.length; k++) rows += `${from + k},${starts[k]},${nineDigits(losses[k])}\n`;
  fs.appendFileSync(file, rows);
}

/** Trains through step `lastStep`, with a progress line, the CSV log, a trace and checkpoints. */
async function trainLoop(o: TrainLoopOptions): Promise<number | undefined> {
  const { model } = o;
  const first = model.step;
  const total = Math.max(0, o.lastStep + 1 - first);
  const line = new ProgressLine();
  const started = Date.now();
  let lastValidation: number | undefined;
  if (o.log !== undefined && (!fs.existsSync(o.log) || fs.statSync(o.log).size === 0)) {
    fs.writeFileSync(o.log, 'step,val_loss\n');
  }
  if (o.trace !== undefined && (!fs.existsSync(o.trace) || fs.statSync(o.trace).size === 0 || first === 0)) {
    fs.writeFileSync(o.trace, 'step,start,train_loss\n');
  }
  const watch = new LossWatch();
  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  const onProgress = (p: LmTrainProgress): void => {
    if (p.validation !== undefined) {
      lastValidation = p.validation;
      if (o.log !== undefined) fs.appendFileSync(o.log, `${p.validatedAt},${p.validation.toFixed(6)}\n`);
    }
    const done = p.step - first;
    const seconds = (Date.now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const val = lastValidation === undefined ? '-' : lastValidation.toFixed(4);
    const warning = watch.observe(p.step, p.loss);
    if (warning !== undefined) {
      line.done();
      console.error(`warning: ${warning}`);
    }
    const fraction = o.deadline === undefined ? done / Math.max(total, 1) : (Date.now() - started) / (o.deadline - started);
    const target = o.deadline === undefined ? `/${o.lastStep}` : '';
    line.update(
      `${bar(fraction)} step ${p.step - 1}${target}  ${rate.toFixed(1)} steps/s  ` +
        `lr ${p.lr.toExponential(2)}  loss ${p.loss.toFixed(3)}  val ${val}${watch.rising ? '  (loss rising!)' : ''}`,
      p.validation !== undefined,
    );
    if (o.deadline !== undefined && Date.now() > o.deadline) controller.abort(new Error('time limit'));
  };
  try {
    // In chunks, so that a checkpoint is written at every validation point.
    while (model.step <= o.lastStep) {
      const chunkEnd = o.every > 0 && o.checkpoint !== undefined
        ? Math.min(o.lastStep, (Math.floor(model.step / o.every) + 1) * o.every)
        : o.lastStep;
      const from = model.step;
      const result = await model.train(o.text, {
        steps: chunkEnd + 1 - model.step, every: o.every, protocol: o.protocol, resume: o.resume,
        signal: controller.signal, onProgress,
      });
      if (o.trace !== undefined) appendTrace(o.trace, from, result.starts, result.losses);
      if (o.checkpoint !== undefined) await model.save(o.checkpoint, { precision: o.precision });
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    if (o.checkpoint !== undefined) await model.save(o.checkpoint, { precision: o.precision });
    line.done();
    console.error(`stopped (${(controller.signal.reason as Error).message}) after step ${model.step - 1}` +
      (o.checkpoint !== undefined ? `; saved ${o.checkpoint}` : ''));
    return lastValidation;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  line.done();
  return lastValidation;
}

async function train(args: string[]): Promise<void> {
  const shapeOptions = Object.fromEntries(SHAPE_OPTIONS.map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({
    args,
    options: {
      text: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      impl: { type: 'string' },
      protocol: { type: 'string' },
      every: { type: 'string' },
      log: { type: 'string' },
      trace: { type: 'string' },
      rng: { type: 'string' },
      precision: { type: 'string' },
      checkpoint: { type: 'string' },
      resume: { type: 'string' },
      ...shapeOptions,
    },
  });
  if (values.text === undefined) throw new RangeError('--text FILE is required');
  if (values.steps === undefined) throw new RangeError('--steps N is required');
  const lastStep = nonNegativeInteger(values.steps, 'steps', 0);
  const impl = oneOf(values.impl, 'impl', ['fast', 'reference'] as const, 'fast') as LmImplementation;
  const protocol = oneOf(values.protocol, 'protocol', ['holdout', 'reference'] as const, LUT_LM_TRAIN_DEFAULTS.protocol) as LmProtocol;
  const threads = positiveInteger(values.threads, 'threads', 1);
  const every = nonNegativeInteger(values.every, 'every', 10000);
  const rng = oneOf(values.rng, 'rng', ['polychron', 'glibc'] as const, 'polychron') as LmRng;
  const precision = oneOf(values.precision, 'precision', ['float32', 'float16'] as const, 'float32') as 'float32' | 'float16';
  const text = readText(values.text, '--text');
  let model: LutLanguageModel;
  if (values.resume !== undefined) {
    const given = [...SHAPE_OPTIONS, 'seed', 'rng'].filter((k) => (values as Record<string, unknown>)[k] !== undefined);
    if (given.length > 0) throw new RangeError(`--${given[0]} cannot change a resumed model (it comes from the checkpoint)`);
    model = await LutLanguageModel.load(values.resume, { impl, threads });
    const record = model.trainedOn();
    if (record.protocol !== '' && record.protocol !== protocol) {
      throw new RangeError(`--protocol ${protocol} differs from the checkpoint's '${record.protocol}'`);
    }
  } else {
    const options: LutLanguageModelOptions = { impl, threads, rng, seed: positiveInteger(values.seed, 'seed', 1) };
    for (const key of SHAPE_OPTIONS) {
      const value = (values as Record<string, string | undefined>)[key];
      if (value !== undefined) (options as Record<string, number>)[key] = positiveInteger(value, key, 0);
    }
    model = new LutLanguageModel(options);
  }
  console.error(`training ${impl} with ${threads} thread(s) on ${text.length} bytes, protocol ${protocol}, ` +
    `steps ${model.step}..${lastStep}`);
  await trainLoop({
    model, text, lastStep, protocol, every, resume: values.resume !== undefined,
    log: values.log, trace: values.trace, checkpoint: values.checkpoint, precision,
  });
}

async function loadModel(file: string | undefined): Promise<LutLanguageModel> {
  if (file === undefined) throw new RangeError('--model FILE is required');
  return LutLanguageModel.load(file);
}

async function generate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      length: { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (values.prompt === undefined || values.prompt === '') throw new RangeError('--prompt TEXT is required (at least one byte)');
  const temperature = values.temperature === undefined ? LUT_LM_GENERATE_DEFAULTS.temperature : Number(values.temperature);
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new RangeError(`--temperature must be a number >= 0 (got '${values.temperature}')`);
  }
  const model = await loadModel(values.model);
  const text = await model.generate(values.prompt, {
    length: nonNegativeInteger(values.length, 'length', LUT_LM_GENERATE_DEFAULTS.length),
    temperature,
    seed: nonNegativeInteger(values.seed, 'seed', LUT_LM_GENERATE_DEFAULTS.seed),
  });
  console.log(values.prompt + text);
}

async function evaluate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, text: { type: 'string' }, protocol: { type: 'string' } },
  });
  if (values.text === undefined) throw new RangeError('--text FILE is required');
  const model = await loadModel(values.model);
  const trained = model.trainedOn().protocol as LmProtocol;
  const protocol = oneOf(values.protocol, 'protocol', ['holdout', 'reference'] as const,
    trained === 'reference' ? 'reference' : 'holdout');
  const loss = await model.evaluate(readText(values.text, '--text'), { protocol });
  console.log(JSON.stringify({ protocol, validationLoss: loss, step: model.step }));
}

/** The README's main job: bounded-time training on the bundled corpus, then a sample. */
async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string' }, threads: { type: 'string' } } });
  const seconds = positiveInteger(values.seconds, 'seconds', 60);
  const threads = positiveInteger(values.threads, 'threads', 2);
  const text = mobyDick();
  // The spec's model with a shorter learning-rate warm-up, so that a minute shows learning.
  const warmup = 1000;
  const model = new LutLanguageModel({ threads, seed: 1, warmup });
  console.error(`Moby Dick: ${text.length} bytes; the spec's model (${JSON.stringify({ ...LUT_LM_DEFAULTS, warmup })}), ` +
    `${threads} thread(s), for ${seconds} s`);
  await trainLoop({
    model, text, lastStep: 2 ** 47, protocol: 'holdout', every: 0, resume: false,
    deadline: Date.now() + seconds * 1000,
  });
  const loss = await model.evaluate(text, { validationSnippets: 2000 });
  console.log(`steps: ${model.step}, learning rate now ${learningRate(model.step, warmup).toExponential(2)}`);
  console.log(`validation loss (held-out tail, all positions): ${loss.toFixed(3)} nats/byte`);
  const prompt = 'Call me Ishmael. ';
  console.log(`sample: ${prompt}${await model.generate(prompt, { length: 200, seed: 1 })}`);
}

export async function lm(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'train': return train(rest);
    case 'generate': return generate(rest);
    case 'eval': return evaluate(rest);
    case 'demo': return demo(rest);
    default: throw new RangeError(`unknown lm command '${sub ?? ''}'; usage:\n${LM_USAGE}`);
  }
}
