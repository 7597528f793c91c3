/**
 * cli/plot — `glassbox plot RUN.json --out curves.svg`: training curves of a run record saved by
 * `glassbox train` (cost, accuracy, per-layer learning speed when recorded with --monitor dynamics,
 * and the rule's angle to the gradient with --monitor alignment) as an SVG file, written atomically.
 */
import { Command } from 'commander';
import { DataError, plotRunSvg, readRun, writeFileAtomic } from '../index.js';
import { UsageError } from './common.js';

interface PlotFlags {
  out?: string;
  title?: string;
  width?: number;
}

/** Register `glassbox plot` on the program. */
export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('Training curves of a run (cost, accuracy, per-layer speed ‖∂C/∂b^l‖) as an SVG picture')
    .argument('<run>', 'a run record saved by glassbox train (models/model.run.json), or any JSON with a "history" list')
    .option('--out <file.svg>', 'where to write the SVG (default: the run file with .svg)')
    .option('--title <text>', 'a title above the charts (default: the run file name)')
    .action(async (file: string, flags: PlotFlags) => {
      const target = flags.out ?? `${file.replace(/\.json$/i, '')}.svg`;
      if (!/\.svg$/i.test(target)) throw new UsageError(`--out ${target}: plot writes SVG; give a file name ending in .svg`);
      const fs = await import('node:fs/promises');
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        const code = (e as { code?: string }).code;
        throw new DataError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new DataError(`${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      const run = readRun(value, file);
      await writeFileAtomic(target, plotRunSvg(run, { title: flags.title ?? file }));
      const epochs = run.history.length;
      const hasSpeed = run.history.some((e) => e.dynamics && e.dynamics.length > 0);
      const hasAlignment = run.history.some((e) => e.alignment && e.alignment.length > 0);
      process.stdout.write(
        `wrote ${target}: cost${run.history.some((e) => e.validation || e.test) ? ', accuracy' : ''}${hasSpeed ? ', per-layer speed' : ''}` +
          `${hasAlignment ? ', alignment with the gradient' : ''} over ${epochs} epoch${epochs === 1 ? '' : 's'}\n`,
      );
    });
}
