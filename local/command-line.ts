import { type Command, CommanderError } from 'commander';

/**
 * Parses the process's arguments as every CLI here does: a usage error is one line,
 * `<command>: <message>`, and exit status 2, so that scripts can tell it from a run that failed
 * (1); --help and --version exit 0. Subcommands answer the same way.
 */
export function parseCommandLine(program: Command): void {
  const name = program.name();
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ outputError: (message, write) => write(`${name}: ${message.replace(/^error: /, '')}`) });
  }
  try {
    program.parse();
  } catch (err) {
    process.exit(err instanceof CommanderError && err.exitCode === 0 ? 0 : 2);
  }
}
