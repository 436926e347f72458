#!/usr/bin/env node
/** The `polychron` command line: the command tree is in program.ts. */
import { CommanderError } from 'commander';
import { describeError } from './errors';
import { buildProgram, commandPath, USAGE_EXIT_CODE } from './program';
import type { Command } from 'commander';

// A reader that closes the pipe (`| head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/** The deepest command that `args` name ("polychron lm train"), for the prefix of an error. */
function commandNamedBy(program: Command, args: string[]): Command {
  let command = program;
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) continue;
    command = sub;
  }
  return command;
}

async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  if (args.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; anything else commander refused is a usage error.
      return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    console.error(`${commandPath(commandNamedBy(program, args))}: ${describeError(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
