#!/usr/bin/env node
/**
 * The `polychron` command line. Each command is one entry of COMMANDS; `polychron help`
 * lists them.
 */
import { cpuModel, nativeAddonPath, simd, supportedSimdLevels } from '../simd';
import { classify, CLASSIFY_USAGE } from './classify';
import { demo } from './demo';
import { groups, GROUPS_USAGE } from './groups';
import { lm, LM_USAGE } from './lm';
import { plot, PLOT_USAGE } from './plot';
import { report, REPORT_USAGE } from './report';
import { simulate, SIMULATE_USAGE } from './simulate';

interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<void> | void;
}

function info(): void {
  console.log(JSON.stringify({
    simd: simd(),
    supportedSimdLevels: supportedSimdLevels(),
    cpu: cpuModel(),
    addon: nativeAddonPath(),
  }, null, 2));
}

const COMMANDS: Record<string, Command> = {
  simulate: {
    summary: 'simulate the 2006 polychronization network (or one from golden CSV files)',
    usage: SIMULATE_USAGE,
    run: simulate,
  },
  lm: {
    summary: 'train, sample and evaluate the LUT transformer language model',
    usage: LM_USAGE,
    run: lm,
  },
  classify: {
    summary: 'train, evaluate and apply LUT image classifiers on IDX files (MNIST, Fashion-MNIST)',
    usage: CLASSIFY_USAGE,
    run: classify,
  },
  groups: {
    summary: 'find the polychronous groups of a saved network; query which ones a spike raster activates',
    usage: GROUPS_USAGE,
    run: groups,
  },
  plot: {
    summary: 'draw a raster, rates, weights, loss curves or a polychronous group as SVG or PNG',
    usage: PLOT_USAGE,
    run: plot,
  },
  report: {
    summary: "put a run folder's plots on one self-contained HTML page",
    usage: REPORT_USAGE,
    run: report,
  },
  demo: {
    summary: 'step a population of Izhikevich neurons driven by noise; print rates and a raster',
    usage: 'polychron demo [--neurons 1000] [--ms 1000] [--numerics exact|fast] [--seed 1]',
    run: demo,
  },
  info: {
    summary: 'print the SIMD level in use, the CPU and the native addon loaded',
    usage: 'polychron info',
    run: info,
  },
};

function help(): void {
  console.log('usage: polychron <command> [options]\n\ncommands:');
  for (const [name, command] of Object.entries(COMMANDS)) {
    console.log(`  ${name.padEnd(9)} ${command.summary}\n            ${command.usage.replace(/\n/g, '\n            ')}`);
  }
}

// A reader that closes the pipe (`| head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help();
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`polychron: unknown command '${name}'`);
    help();
    return 2;
  }
  try {
    await command.run(args);
    return 0;
  } catch (error) {
    console.error(`polychron ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
