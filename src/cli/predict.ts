/**
 * cli/predict — `glassbox predict MODEL IMAGE.png | --index N`: the classes a saved model gives
 * one input, with their probabilities. A PNG is read with pngjs and turned into grayscale in
 * [0, 1] at the model's image size (MNIST's convention: a light digit on a dark background).
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import pngjs from 'pngjs';
import { DataError, formatNumber, loadDataset, loadModel, tensor, type ModelMeta, type Sequential, type Tensor } from '../index.js';
import { intFlag, printJson, printTable, UsageError } from './common.js';
import { pickSplit, SPLIT_NAMES, type SplitName } from './eval.js';
import { percent } from './progress.js';

/** [rows, columns] of the images `model` takes: from its file, or 28×28 for 784 inputs. */
export function modelImageShape(model: Sequential, meta: ModelMeta, file: string): [number, number] {
  if (meta.imageShape) return meta.imageShape;
  if (model.inputSize === 784) return [28, 28];
  throw new DataError(`${file} takes ${model.inputSize} inputs and does not say they form an image; predict from a data set with --index N instead`);
}

/**
 * Decode a PNG into grayscale values in [0, 1], row by row: luminance (ITU-R BT.601 weights)
 * composited onto black by the alpha channel (onto white with `invert`, which then flips dark and
 * light so a dark digit on a light background becomes MNIST's light digit on dark).
 * @throws DataError for an unreadable PNG or one whose size is not [rows, columns].
 */
export function pngToGray(bytes: Uint8Array, file: string, shape: [number, number], invert: boolean): Float32Array {
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new DataError(`${file} is not a readable PNG image (${e instanceof Error ? e.message : String(e)})`);
  }
  const [rows, cols] = shape;
  if (png.width !== cols || png.height !== rows) {
    throw new DataError(`${file} is ${png.width}×${png.height} pixels, but the model takes ${cols}×${rows} images: resize it to ${cols}×${rows} first`);
  }
  const gray = new Float32Array(rows * cols);
  const background = invert ? 1 : 0;
  for (let i = 0; i < gray.length; i++) {
    const [r, g, b, a] = [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2], png.data[4 * i + 3]];
    const luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    const alpha = a / 255;
    const v = luminance * alpha + background * (1 - alpha);
    gray[i] = invert ? 1 - v : v;
  }
  return gray;
}

/** Class probabilities from the output activations a^L [1, classes]: softmax outputs as they are, others normalised to sum to 1. */
export function probabilities(a: Tensor, softmaxOutput: boolean): number[] {
  const values = Array.from(a.dataSync());
  if (softmaxOutput) return values;
  const total = values.reduce((s, v) => s + v, 0);
  return values.map((v) => (total > 0 ? v / total : 1 / values.length));
}

interface PredictFlags {
  index?: number;
  data?: string;
  split: SplitName;
  top: number;
  invert?: boolean;
  json?: boolean;
}

/** Register `glassbox predict` on the program. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('The classes a saved model gives one image (a PNG, or example N of a data set), with probabilities')
    .argument('<model>', 'a model file saved by glassbox train')
    .argument('[image]', 'a PNG of the model\'s image size (28×28 for MNIST), light digit on dark background')
    .option('--index <n>', 'predict example n of the data set instead of an image', intFlag(0))
    .option('--data <name|folder|file.csv>', 'the data set for --index (default: the one the model was trained on; else mnist)')
    .addOption(new Option('--split <name>', 'which split --index counts in').choices(SPLIT_NAMES).default('test'))
    .option('--top <k>', 'how many classes to show', intFlag(1), 3)
    .option('--invert', 'invert the image first (for a dark digit on a light background)')
    .option('--json', 'print one JSON document')
    .action(async (file: string, image: string | undefined, flags: PredictFlags) => {
      if ((image === undefined) === (flags.index === undefined)) {
        throw new UsageError('predict needs exactly one input: an IMAGE.png argument or --index N');
      }
      const { model, meta } = await loadModel(file);
      let x: Float32Array;
      let input: Record<string, unknown>;
      let names = meta.classNames;
      const notes: string[] = [];
      if (image !== undefined) {
        const shape = modelImageShape(model, meta, file);
        let bytes: Uint8Array;
        try {
          bytes = await readFile(image);
        } catch (e) {
          const code = (e as { code?: string }).code;
          throw new DataError(`cannot read ${image}: ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
        }
        x = pngToGray(bytes, image, shape, Boolean(flags.invert));
        const mean = x.reduce((s, v) => s + v, 0) / x.length;
        if (mean > 0.5 && !flags.invert) notes.push(`${image} is mostly light (mean ${mean.toFixed(2)}); MNIST digits are light on dark: try --invert`);
        input = { image, size: `${shape[1]}×${shape[0]}`, inverted: Boolean(flags.invert) };
      } else {
        const dataName = flags.data ?? (typeof meta.dataset === 'string' ? meta.dataset : 'mnist');
        const splits = await loadDataset(dataName);
        const ds = pickSplit(splits, flags.split, model, file, dataName);
        const n = ds.labels.length;
        if (flags.index! >= n) throw new UsageError(`--index ${flags.index}: ${dataName} ${flags.split} has examples 0…${n - 1}`);
        x = ds.x.dataSync().slice(flags.index! * model.inputSize, (flags.index! + 1) * model.inputSize) as Float32Array;
        input = { data: dataName, split: flags.split, index: flags.index, label: ds.labels[flags.index!] };
        names = names ?? ds.classNames;
      }
      const a = model.predict(tensor(x, [1, model.inputSize], model.dtype)); // a^L [1, classes]
      const softmaxOutput = model.layers[model.layers.length - 1].activation.name === 'softmax';
      const p = probabilities(a, softmaxOutput);
      const outputs = Array.from(a.dataSync());
      const ranked = p
        .map((probability, c) => ({ class: c, name: names?.[c] ?? String(c), output: outputs[c], probability }))
        .sort((u, v) => v.probability - u.probability)
        .slice(0, flags.top);
      if (flags.json) {
        printJson({ model: file, input, top: ranked, probabilityFrom: softmaxOutput ? 'softmax output' : 'output activations normalised to sum to 1', notes });
        return;
      }
      for (const note of notes) process.stderr.write(`glassbox: note: ${note}\n`);
      const out = (line: string): void => {
        process.stdout.write(`${line}\n`);
      };
      if ('label' in input) out(`example ${flags.index} of ${String(input.data)} ${flags.split}: true class ${names?.[input.label as number] ?? String(input.label)}`);
      printTable(
        ['class', 'output a', 'probability'],
        ranked.map((r) => [r.name === String(r.class) ? r.name : `${r.class} ${r.name}`, formatNumber(r.output), percent(r.probability)]),
        out,
      );
      if (!softmaxOutput) out('(the output layer is not softmax: probabilities are its activations normalised to sum to 1)');
    });
}
