// The ONNX commands: `glassbox export MODEL --onnx FILE` and `glassbox import FILE --out MODEL`,
// run in-process on the command module (exit codes as src/cli/main.ts sets them): a round trip
// that ends with the same parameters, the exported file checked by onnxruntime, a PyTorch-style
// import with --cost and --json, and errors — usage (exit 2) versus bad files (exit 1, no stack).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT_USAGE, reportError } from '../src/cli/common.js';
import { registerOnnx } from '../src/cli/onnx.js';
import { loadModel, saveModel } from '../src/io/index.js';
import { sequential } from '../src/nn/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/util/rng.js';
import { encodeModel, floatTensor, intAttr, maxAbsDiff, pytorchStyle, randomLayers, runOrt, valueInfo } from './onnx-helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `glassbox <args>` with only the ONNX commands registered, as main.ts would. */
async function glassbox(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  let code = 0;
  try {
    const program = new Command('glassbox').exitOverride();
    registerOnnx(program);
    await program.parseAsync(['node', 'glassbox', ...args]);
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : EXIT_USAGE) : reportError(e);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-onnx-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('glassbox export / import', () => {
  it('export → onnxruntime agrees → import gives back the same parameters, cost and meta', async () => {
    const model = sequential({ sizes: [784, 16, 10], activation: 'relu', output: 'softmax', cost: 'log-likelihood', rng: 4 });
    const src = join(dir, 'model.json');
    await saveModel(src, model, { dataset: 'mnist', imageShape: [28, 28] });
    const onnxFile = join(dir, 'model.onnx');
    const ex = await glassbox('export', src, '--onnx', onnxFile);
    expect(ex).toMatchObject({ code: 0, stderr: '' });
    expect(ex.stdout).toMatch(/wrote .*model\.onnx \([\d,]+ bytes\): ONNX opset 13, 784-16-10 \(relu, softmax; cost log-likelihood\)/);

    const rng = new Rng(5);
    const x = Float32Array.from({ length: 20 * 784 }, () => rng.uniform());
    const theirs = await runOrt(new Uint8Array(await readFile(onnxFile)), 'input', x, [20, 784]);
    expect(maxAbsDiff(model.predict(new Tensor(x, [20, 784])).dataSync(), theirs)).toBeLessThan(1e-5);

    const back = join(dir, 'back.json');
    const im = await glassbox('import', onnxFile, '--out', back);
    expect(im).toMatchObject({ code: 0, stderr: '' });
    expect(im.stdout).toMatch(/imported .*model\.onnx \(glassbox 0\.1\.0, opset 13\): 784-16-10 \(relu, softmax; cost log-likelihood\), 12,730 parameters/);
    const loaded = await loadModel(back);
    expect(loaded.model.spec()).toEqual(model.spec());
    loaded.model.paramTensors().forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(model.paramTensors()[i].dataSync())));
    expect(loaded.meta).toMatchObject({ dataset: 'mnist', imageShape: [28, 28], source: 'onnx' });
  });

  it('import of a PyTorch-style file with --cost and --json', async () => {
    const file = join(dir, 'torch.onnx');
    await writeFile(file, pytorchStyle(randomLayers([784, 10], ['Softmax'], 1), { inputDims: [1, 28, 28] }));
    const out = join(dir, 'torch.json');
    const r = await glassbox('import', file, '--out', out, '--cost', 'quadratic', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { sizes: number[]; cost: string; meta: { imageShape: number[] } };
    expect(doc).toMatchObject({ sizes: [784, 10], cost: 'quadratic', meta: { imageShape: [28, 28], onnxProducer: 'pytorch' } });
    expect((await loadModel(out)).model.cost.name).toBe('quadratic');
  });

  it('usage errors exit 2; bad files exit 1 with the message only (no stack)', async () => {
    const src = join(dir, 'small.json');
    await saveModel(src, sequential({ sizes: [3, 2], cost: 'quadratic', rng: 1 }));
    const noTarget = await glassbox('export', src);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--onnx model\.onnx/);
    expect((await glassbox('import', join(dir, 'x.onnx'))).code).toBe(2); // --out missing
    expect((await glassbox('import', join(dir, 'x.onnx'), '--out', join(dir, 'y.json'), '--cost', 'hinge')).code).toBe(2);

    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    const bad = await glassbox('import', garbage, '--out', join(dir, 'g.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^glassbox: ONNX file .*garbage\.onnx: not an ONNX model: the protobuf cannot be decoded/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const conv = join(dir, 'conv.onnx');
    await writeFile(conv, encodeModel({
      node: [{ name: 'c1', opType: 'Conv', input: ['x', 'k'], output: ['c'] }, { opType: 'Gemm', input: ['c', 'W'], output: ['y'], attribute: [intAttr('transB', 1)] }],
      initializer: [floatTensor('k', [1, 1, 1, 1], [1]), floatTensor('W', [2, 3], new Float32Array(6))],
      input: [valueInfo('x', ['N', 3])],
      output: [valueInfo('y', ['N', 2])],
    }));
    const unsupported = await glassbox('import', conv, '--out', join(dir, 'c.json'));
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toMatch(/unsupported operator Conv \(1 node: "c1"\)/);

    const missing = await glassbox('export', join(dir, 'nope.json'), '--onnx', join(dir, 'nope.onnx'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.json/);
  });
});
