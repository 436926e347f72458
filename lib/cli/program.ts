/**
 * The `polychron` command tree. Every command gets the same conventions here (see
 * applyConventions), so that a command added later behaves like the others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, type CommanderError } from 'commander';
import { packageRoot } from '../native';
import { cpuModel, nativeAddonPath, simd, supportedSimdLevels } from '../simd';
import { classifyCommand } from './classify';
import { convertCommand } from './convert';
import { demoCommand } from './demo';
import { groupsCommand } from './groups';
import { lmCommand } from './lm';
import { plotCommand } from './plot';
import { reportCommand } from './report';
import { simulateCommand } from './simulate';
import { sweepCommand, workerCommand } from './sweep';

/** Exit status of a command line that cannot be parsed (an unknown command or option, a missing option value). */
export const USAGE_EXIT_CODE = 2;

/** Read at run time, so that the version printed is the installed package's. */
function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function infoCommand(): Command {
  return new Command('info')
    .summary('print the SIMD level in use, the CPU and the native addon loaded (JSON)')
    .action(() => {
      console.log(JSON.stringify({
        simd: simd(),
        supportedSimdLevels: supportedSimdLevels(),
        cpu: cpuModel(),
        addon: nativeAddonPath(),
      }, null, 2));
    });
}

/** "polychron lm train": the words a user types to reach `command`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Every command below `command`, depth first. */
export function subcommandsOf(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...subcommandsOf(c)]);
}

/**
 * On every command: errors as "polychron lm: unknown option '--x'" with a pointer to --help,
 * and parse errors thrown (exit status decided in one place, index.ts) instead of exiting.
 */
function applyConventions(command: Command): void {
  const prefix = commandPath(command);
  const name = command.name();
  command
    .exitOverride((error: CommanderError) => {
      throw error;
    })
    .configureOutput({
      outputError: (text, write) => {
        const message = text.replace(/^error: /, '').trimEnd()
          // "polychron lm: unknown lm command 'x'" names which command level went wrong.
          .replace(/^unknown command/, command.parent === null ? 'unknown command' : `unknown ${name} command`);
        write(`${prefix}: ${message}\n(see ${prefix} --help)\n`);
      },
    })
    .showSuggestionAfterError();
  command.commands.forEach(applyConventions);
}

export function buildProgram(): Command {
  const program = new Command('polychron')
    .description('Spiking neural networks after Izhikevich (2006), and LUT networks: language model and image classifier.')
    .version(packageVersion(), '-V, --version', 'print the version of polychron')
    .addCommand(simulateCommand())
    .addCommand(sweepCommand())
    .addCommand(workerCommand())
    .addCommand(groupsCommand())
    .addCommand(lmCommand())
    .addCommand(classifyCommand())
    .addCommand(convertCommand())
    .addCommand(plotCommand())
    .addCommand(reportCommand())
    .addCommand(demoCommand())
    .addCommand(infoCommand())
    .addHelpText('after', [
      '',
      'Run polychron <command> --help for what each option does, its default and unit.',
      'Exit status: 0 success; 1 a run that failed or an option value that is wrong;',
      `${USAGE_EXIT_CODE} a command line that cannot be parsed (unknown command or option, option without its value).`,
    ].join('\n'));
  applyConventions(program);
  return program;
}
