/**
 * cli/onnx — the ONNX bridge on the command line: `glassbox export MODEL --onnx out.onnx` writes a
 * saved model as a standard ONNX graph; `glassbox import model.onnx --out model.json` turns a dense
 * network exported from PyTorch, Keras or glassbox into a glassbox model file that every explain
 * tool reads.
 */
import { stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { costNames, loadModel, loadOnnx, ONNX_OPSET, saveModel, saveOnnx, type CostName, type Sequential } from '../index.js';
import { printJson, UsageError } from './common.js';

interface ExportFlags {
  onnx?: string;
  json?: boolean;
}

interface ImportFlags {
  out: string;
  cost?: CostName;
  json?: boolean;
}

/** `784-30-10 (sigmoid, sigmoid; cost quadratic)`. */
function describeModel(model: Sequential): string {
  return `${model.sizes.join('-')} (${model.layers.map((l) => l.activation.name).join(', ')}; cost ${model.cost.name})`;
}

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Register `glassbox export` and `glassbox import` on the program. */
export function registerOnnx(program: Command): void {
  program
    .command('export')
    .description('Write a saved model as a standard ONNX graph (Gemm + activations, opset 13)')
    .argument('<model>', 'a model file saved by glassbox')
    .option('--onnx <file>', 'the ONNX file to write (e.g. model.onnx)')
    .option('--json', 'print one JSON document')
    .action(async (file: string, flags: ExportFlags) => {
      if (flags.onnx === undefined) throw new UsageError('export: say where to write the model, e.g. --onnx model.onnx (ONNX is the one export format)');
      if (flags.onnx.trim() === '') throw new UsageError("--onnx: expected a file name, got ''");
      const { model, meta } = await loadModel(file);
      await saveOnnx(flags.onnx, model, { meta });
      const { size } = await stat(flags.onnx);
      if (flags.json) {
        printJson({ model: file, onnx: flags.onnx, bytes: size, opset: ONNX_OPSET, sizes: model.sizes, activations: model.layers.map((l) => l.activation.name), cost: model.cost.name });
        return;
      }
      write(`wrote ${flags.onnx} (${size.toLocaleString('en-US')} bytes): ONNX opset ${ONNX_OPSET}, ${describeModel(model)}`);
      write(`input 'input' [batch, ${model.inputSize}] float32 → output 'output' [batch, ${model.sizes[model.sizes.length - 1]}]`);
    });

  program
    .command('import')
    .description('Turn a dense network in an ONNX file (from PyTorch, Keras or glassbox) into a glassbox model file')
    .argument('<file>', 'the ONNX file (Gemm or MatMul + Add, Sigmoid/Tanh/Relu/Softmax, optional Flatten/Reshape at the input)')
    .requiredOption('--out <model.json>', 'the glassbox model file to write')
    .addOption(new Option('--cost <name>', 'the cost (default: log-likelihood for a softmax output, cross-entropy for sigmoid, else quadratic)').choices(costNames))
    .option('--json', 'print one JSON document')
    .action(async (file: string, flags: ImportFlags) => {
      if (flags.out.trim() === '') throw new UsageError("--out: expected a file name, got ''");
      const imported = await loadOnnx(file, flags.cost !== undefined ? { cost: flags.cost } : {});
      const { model, meta, warnings } = imported;
      await saveModel(flags.out, model, meta);
      for (const w of warnings) process.stderr.write(`glassbox: warning: ${w}\n`);
      if (flags.json) {
        printJson({ onnx: file, out: flags.out, sizes: model.sizes, activations: model.layers.map((l) => l.activation.name), cost: model.cost.name, meta, warnings });
        return;
      }
      const from = [meta.onnxProducer, meta.onnxOpset !== undefined ? `opset ${String(meta.onnxOpset)}` : undefined].filter(Boolean).join(', ');
      write(`imported ${file}${from ? ` (${from})` : ''}: ${describeModel(model)}, ${model.parameterCount().toLocaleString('en-US')} parameters`);
      write(`wrote ${flags.out}`);
    });
}
