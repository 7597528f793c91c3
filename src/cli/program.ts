/**
 * cli/program — the commander program with every command registered. Tests build it directly;
 * main.ts runs it.
 */
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

/** Build the `glassbox` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('glassbox')
    .description('Train neural networks by backpropagation, fast, and see every derivative it computes.')
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
