#!/usr/bin/env node
/**
 * cli/main — the `glassbox` executable: runs the program and sets the exit code (0 success,
 * 1 data/model/training error, 2 usage error).
 */
import { CommanderError } from 'commander';
import { EXIT_USAGE, reportError } from './common.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (help and version exit with code 0).
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return reportError(err);
  }
}

main(process.argv).then((code) => {
  // A command may have set its own code (train: 130 after Ctrl-C); an error code takes precedence.
  if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
});
