/**
 * cli/eval — `glassbox eval MODEL --data …`: a saved model's accuracy, mean cost and confusion
 * matrix on a data set's test (or validation, or training) split.
 */
import { Command, Option } from 'commander';
import { confusionMatrix, DataError, evaluate, formatNumber, loadDataset, loadModel, type Dataset, type DatasetSplits, type Sequential } from '../index.js';
import { intFlag, printJson, printTable, UsageError } from './common.js';
import { percent } from './progress.js';

/** The splits `--split` can name. */
export const SPLIT_NAMES = ['test', 'validation', 'train'] as const;
/** One of `SPLIT_NAMES`. */
export type SplitName = (typeof SPLIT_NAMES)[number];

/** The examples of `split`, checked to fit `model` (input width and number of classes). */
export function pickSplit(splits: DatasetSplits, split: SplitName, model: Sequential, modelFile: string, dataName: string): Dataset {
  const ds = split === 'validation' ? splits.validation : splits[split];
  if (!ds) throw new UsageError(`--split validation: ${dataName} has no validation set (try --split test)`);
  const width = ds.x.shape[1];
  const outputs = model.sizes[model.sizes.length - 1];
  if (width !== model.inputSize) {
    throw new DataError(`${modelFile} takes ${model.inputSize} inputs but ${dataName} has ${width} features per example; is it the data the model was trained on?`);
  }
  if (ds.classes !== outputs) {
    throw new DataError(`${modelFile} has ${outputs} output classes but ${dataName} has ${ds.classes}`);
  }
  return ds;
}

interface EvalFlags {
  data?: string;
  split: SplitName;
  limit?: number;
  json?: boolean;
}

/** Register `glassbox eval` on the program. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("A saved model's accuracy, mean cost and confusion matrix on a data set")
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--data <name|folder|file.csv>', 'the data set (default: the one the model was trained on, from its file; else mnist)')
    .addOption(new Option('--split <name>', 'which split to evaluate on').choices(SPLIT_NAMES).default('test'))
    .option('--limit <n>', 'use only the first n examples', intFlag(1))
    .option('--json', 'print one JSON document')
    .action(async (file: string, flags: EvalFlags) => {
      const { model, meta } = await loadModel(file);
      const dataName = flags.data ?? (typeof meta.dataset === 'string' ? meta.dataset : 'mnist');
      const splits = await loadDataset(dataName, flags.limit !== undefined ? { limit: flags.limit } : {});
      const ds = pickSplit(splits, flags.split, model, file, dataName);
      const result = evaluate(model, ds);
      const confusion = confusionMatrix(model, ds);
      const names = meta.classNames ?? ds.classNames ?? confusion.map((_, i) => String(i));
      if (flags.json) {
        printJson({ model: file, data: dataName, split: flags.split, ...result, classNames: names, confusion });
        return;
      }
      const out = (line: string): void => {
        process.stdout.write(`${line}\n`);
      };
      out(`${file} on ${dataName} ${flags.split} (${result.total} examples)`);
      out(`accuracy ${percent(result.accuracy)} (${result.correct}/${result.total}), mean cost ${formatNumber(result.cost)} (${model.cost.name})`);
      out('');
      out('confusion matrix: rows are the true class, columns the predicted class');
      printTable(
        ['true \\ predicted', ...names.map((_, j) => String(j)), 'accuracy'],
        confusion.map((row, i) => {
          const total = row.reduce((a, b) => a + b, 0);
          return [`${i} ${names[i] === String(i) ? '' : names[i]}`.trim(), ...row, total === 0 ? '—' : percent(row[i] / total)];
        }),
        out,
      );
    });
}
