/**
 * cli/program — the commander program with every command registered. Tests build it directly;
 * main.ts runs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerCompare } from './compare.js';
import { registerExplore } from './explore.js';
import { registerOnnx } from './onnx.js';
import { registerTrain } from './train.js';
import { registerEval } from './eval.js';
import { registerPredict } from './predict.js';
import { registerExplain } from './explain.js';
import { registerGradcheck } from './gradcheck.js';
import { registerPlot } from './plot.js';

/**
 * The version in glassbox's package.json: the nearest one named 'glassbox' above this file (dist/cli/
 * in an install, src/cli/ in the repository, or a test's build folder under .tmp/).
 */
export function packageVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(folder, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'glassbox' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(folder);
    if (parent === folder) return 'unknown (no package.json of glassbox above the program)';
    folder = parent;
  }
}

/** Build the `glassbox` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('glassbox')
    .description('Train neural networks by backpropagation, fast, and see every derivative it computes.')
    .version(packageVersion(), '-V, --version', 'print the version of glassbox')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Each command module registers itself here, one line each: registerX(program);
  registerExplore(program);
  registerOnnx(program);
  registerTrain(program);
  registerEval(program);
  registerPredict(program);
  registerExplain(program);
  registerGradcheck(program);
  registerPlot(program);
  registerCompare(program);
  return program;
}
