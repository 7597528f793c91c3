/**
 * cli/gradcheck — `glassbox gradcheck MODEL`: backprop's gradient of a saved model against central
 * finite differences in float64, every parameter of a small model or a seeded sample of a large
 * one; a table of the worst relative error per parameter tensor, and exit code 1 when any element
 * exceeds the tolerance.
 */
import { Command, Option } from 'commander';
import { GlassboxError, formatNumber, gradcheckModel, sliceRows } from '../index.js';
import { intFlag, numberFlag, printJson, printTable } from './common.js';
import { SPLIT_NAMES, type SplitName } from './eval.js';
import { loadModelAndData } from './explain.js';

/** A gradient check that found elements above the tolerance (exit code 1). */
export class GradcheckFailed extends GlassboxError {}

interface GradcheckFlags {
  data?: string;
  split: SplitName;
  examples: number;
  samples?: number;
  seed: number;
  tolerance: number;
  epsilon: number;
  json?: boolean;
}

/** Register `glassbox gradcheck` on the program. */
export function registerGradcheck(program: Command): void {
  program
    .command('gradcheck')
    .description("Check backprop's gradient of a saved model against central finite differences (float64); exit 1 if any element is off")
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--data <name|folder|file.csv>', 'the data set (default: the one the model was trained on, from its file; else mnist)')
    .addOption(new Option('--split <name>', 'which split the examples come from').choices(SPLIT_NAMES).default('test'))
    .option('--examples <n>', 'the cost is the mean over the first n examples', intFlag(1), 10)
    .option('--samples <n>', 'elements checked per parameter tensor, drawn with --seed (default: all for models of ≤ 2,000 parameters, else 20)', intFlag(1))
    .option('--seed <s>', 'seed of the sample', intFlag(0), 0)
    .option('--tolerance <t>', 'largest relative error accepted', numberFlag(0, true), 1e-5)
    .option('--epsilon <e>', 'finite-difference step', numberFlag(0, true), 1e-5)
    .option('--json', 'print the report as JSON')
    .action(async (file: string, flags: GradcheckFlags) => {
      const { model, ds, dataName } = await loadModelAndData(file, flags, flags.examples);
      const data = { x: sliceRows(ds.x, 0, Math.min(flags.examples, ds.labels.length)), y: sliceRows(ds.y, 0, Math.min(flags.examples, ds.labels.length)) };
      const r = gradcheckModel(model, data, {
        examples: flags.examples, rng: flags.seed, tolerance: flags.tolerance, epsilon: flags.epsilon,
        ...(flags.samples !== undefined ? { samples: flags.samples } : {}),
      });
      const failures = r.rows.reduce((s, row) => s + row.failures, 0);
      if (flags.json) {
        printJson({ model: file, data: dataName, split: flags.split, ...r });
      } else {
        const out = (line: string): void => {
          process.stdout.write(`${line}\n`);
        };
        out(`gradcheck of ${file} [${r.sizes.join(', ')}]: backprop vs central differences (ε = ${r.epsilon}), float64, mean cost over ${r.examples} ${dataName} ${flags.split} examples`);
        out(`relative error |backprop − numeric| / max(|backprop| + |numeric|, ${r.floor}); tolerance ${r.tolerance}`);
        printTable(
          ['parameter', 'checked', 'worst rel. error', 'at', 'backprop', 'numeric', 'failures'],
          r.rows.map((row) => [
            row.parameter, `${row.checked}/${row.size}`, formatNumber(row.maxRelativeError, 3),
            row.kind === 'weight' ? `w^${row.layer}_{${row.worst.to},${row.worst.from}}` : `b^${row.layer}_{${row.worst.to}}`,
            formatNumber(row.analytic, 6), formatNumber(row.numeric, 6), row.failures,
          ]),
          out,
        );
        if (failures === 0) out(`ok: all ${r.checked} checked elements of ${r.parameters} parameters agree within ${r.tolerance}`);
      }
      if (failures > 0) {
        const worst = r.rows.reduce((a, b) => (b.maxRelativeError > a.maxRelativeError ? b : a));
        throw new GradcheckFailed(
          `gradcheck FAILED: ${failures} of ${r.checked} checked elements exceed the tolerance ${r.tolerance} ` +
            `(worst: ${worst.parameter}, relative error ${formatNumber(worst.maxRelativeError, 3)}: backprop ${formatNumber(worst.analytic, 6)}, numeric ${formatNumber(worst.numeric, 6)})`,
        );
      }
    });
}
