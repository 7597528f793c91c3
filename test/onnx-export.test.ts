// ONNX export: trained glassbox networks written as ONNX graphs, run by onnxruntime (an independent
// implementation), must give glassbox's own outputs to 1e-5 on 1,000 MNIST test digits — for
// sigmoid/quadratic, relu + softmax/log-likelihood, tanh + sigmoid/cross-entropy and a network
// with a linear layer. Also: the graph's structure (Gemm transB = 1, opset 13), an exact round
// trip through the importer, the refusal of non-finite weights, and atomic file writing.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type DatasetSplits } from '../src/data/index.js';
import { exportOnnx, ONNX_OPSET } from '../src/io/onnx.js';
import { importOnnx } from '../src/io/onnx-import.js';
import { loadOnnx, saveOnnx } from '../src/io/onnx-files.js';
import { sequential, type ActivationName, type CostName, type Sequential } from '../src/nn/index.js';
import { sgd } from '../src/optim/index.js';
import { fit } from '../src/train/index.js';
import { ModelFileError } from '../src/util/errors.js';
import { decodeFile, maxAbsDiff, runOrt } from './onnx-helpers.js';

let mnist: DatasetSplits;
let dir: string;
beforeAll(async () => {
  mnist = await loadDataset('mnist', { limit: 1000 });
  dir = await mkdtemp(join(tmpdir(), 'glassbox-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Config {
  name: string;
  sizes: number[];
  activation: ActivationName;
  output: ActivationName;
  cost: CostName;
  eta: number;
  /** Test accuracy it must reach (chance is 0.1), so the comparison is on trained weights. */
  minAccuracy: number;
}

const configs: Config[] = [
  { name: 'sigmoid, quadratic (Nielsen)', sizes: [784, 30, 10], activation: 'sigmoid', output: 'sigmoid', cost: 'quadratic', eta: 3, minAccuracy: 0.6 },
  { name: 'relu + softmax, log-likelihood', sizes: [784, 30, 10], activation: 'relu', output: 'softmax', cost: 'log-likelihood', eta: 0.1, minAccuracy: 0.6 },
  { name: 'tanh + sigmoid, cross-entropy', sizes: [784, 20, 10], activation: 'tanh', output: 'sigmoid', cost: 'cross-entropy', eta: 0.5, minAccuracy: 0.6 },
  { name: 'relu + linear output, quadratic', sizes: [784, 16, 12, 10], activation: 'relu', output: 'linear', cost: 'quadratic', eta: 0.05, minAccuracy: 0.3 },
];

/** A network of `c` trained for three epochs on 1,000 training digits (so the weights are not just initial). */
async function trained(c: Config): Promise<Sequential> {
  const model = sequential({ sizes: c.sizes, activation: c.activation, output: c.output, cost: c.cost, init: 'default', rng: 7 });
  await fit(model, mnist.train, { epochs: 3, batchSize: 10, optimizer: sgd({ eta: c.eta }), rng: 1 });
  return model;
}

function accuracy(out: Float32Array | ArrayLike<number>, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (out[r * classes + j] > out[r * classes + best]) best = j;
    if (best === labels[r]) correct++;
  }
  return correct / labels.length;
}

describe('ONNX export, checked by onnxruntime on 1,000 MNIST test digits', () => {
  for (const c of configs) {
    it(c.name, async () => {
      const model = await trained(c);
      const bytes = await exportOnnx(model, { meta: { imageShape: [28, 28], dataset: 'mnist' } });
      const test = mnist.test;
      expect(test.labels.length).toBe(1000);
      const ours = model.predict(test.x).dataSync();
      const theirs = await runOrt(bytes, 'input', test.x.dataSync() as Float32Array, [1000, 784]);
      const diff = maxAbsDiff(ours, theirs);
      console.log(`ONNX export ${c.name}: accuracy ${accuracy(theirs, test.labels, 10)}, max |glassbox − onnxruntime| = ${diff.toExponential(2)} over ${theirs.length} outputs; ${bytes.length} bytes`);
      expect(diff).toBeLessThan(1e-5);
      // The network learnt something, so the comparison is on meaningful weights.
      expect(accuracy(theirs, test.labels, 10)).toBeGreaterThan(c.minAccuracy);
      expect(accuracy(theirs, test.labels, 10)).toBe(accuracy(ours, test.labels, 10));
    });
  }
});

describe('the exported graph', () => {
  it('is Gemm (transB = 1, alpha = beta = 1) + activation per layer, opset 13, W stored as [n_l, n_(l−1)]', async () => {
    const model = sequential({ sizes: [5, 4, 3, 2], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', rng: 3 });
    const { model: m, graph: g } = decodeFile(await exportOnnx(model));
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(g.node.map((n) => n.opType)).toEqual(['Gemm', 'Tanh', 'Gemm', 'Tanh', 'Gemm', 'Softmax']);
    for (const n of g.node.filter((x) => x.opType === 'Gemm')) {
      const attrs = Object.fromEntries(n.attribute.map((a) => [a.name, a.type === 2 ? Number(a.i) : a.f]));
      expect(attrs).toEqual({ alpha: 1, beta: 1, transB: 1 });
    }
    expect(g.input[0].name).toBe('input');
    expect(g.node[g.node.length - 1].output).toEqual(['output']);
    const W3 = g.initializer.find((t) => t.name === 'W3')!;
    expect(W3.dims.map(Number)).toEqual([3, 4]);
    const raw = W3.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    // w^3_jk = layers[1].W[j, k], row-major: element (2, 1) is at 2·4 + 1.
    expect(view.getFloat32(4 * (2 * 4 + 1), true)).toBe(model.layers[1].W.dataSync()[2 * 4 + 1]);
    expect(m.metadataProps.find((p) => p.key === 'glassbox.cost')?.value).toBe('log-likelihood');
  });

  it('a linear output layer has no activation node and the Gemm writes the output', async () => {
    const model = sequential({ sizes: [3, 2], activation: 'linear', cost: 'quadratic', rng: 1 });
    const { graph: g } = decodeFile(await exportOnnx(model));
    expect(g.node.map((n) => n.opType)).toEqual(['Gemm']);
    expect(g.node[0].output).toEqual(['output']);
  });

  it('round-trips through the importer bit for bit, with the cost and meta', async () => {
    const model = sequential({ sizes: [784, 12, 10], activation: 'sigmoid', output: 'sigmoid', cost: 'quadratic', rng: 11 });
    const back = await importOnnx(await exportOnnx(model, { meta: { imageShape: [28, 28], classNames: 'abcdefghij'.split(''), dataset: 'mnist' } }));
    expect(back.model.spec()).toEqual(model.spec()); // quadratic kept, though a sigmoid output would default to cross-entropy
    back.model.paramTensors().forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(model.paramTensors()[i].dataSync())));
    expect(back.meta).toMatchObject({ imageShape: [28, 28], classNames: 'abcdefghij'.split(''), dataset: 'mnist', source: 'onnx', onnxOpset: 13 });
    expect(back.warnings).toEqual([]);
  });

  it('refuses a model with non-finite weights (ModelFileError naming the parameter)', async () => {
    const model = sequential({ sizes: [3, 2], cost: 'quadratic', rng: 1 });
    (model.layers[0].b.dataSync() as Float32Array)[1] = NaN;
    await expect(exportOnnx(model)).rejects.toThrow(ModelFileError);
    await expect(exportOnnx(model)).rejects.toThrow(/b2/);
  });

  it('saveOnnx writes atomically (no temporary file left) and loadOnnx reads it back', async () => {
    const model = sequential({ sizes: [4, 3, 2], activation: 'relu', output: 'softmax', cost: 'log-likelihood', rng: 2 });
    const file = join(dir, 'net.onnx');
    await saveOnnx(file, model);
    await saveOnnx(file, model); // over an existing file
    expect(await readdir(dir)).toEqual(['net.onnx']);
    expect(new Uint8Array(await readFile(file))).toEqual(await exportOnnx(model));
    const back = await loadOnnx(file);
    expect(back.model.spec()).toEqual(model.spec());
    await expect(loadOnnx(join(dir, 'missing.onnx'))).rejects.toThrow(/cannot read ONNX file .*missing\.onnx: no such file/);
    await expect(saveOnnx(join(file, 'inside-a-file.onnx'), model)).rejects.toThrow(ModelFileError);
  });
});
