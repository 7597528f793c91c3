// ONNX import: files built here the way PyTorch (Gemm transB = 1, Flatten) and Keras / tf2onnx
// (MatMul with a [nIn, nOut] kernel + Add, Reshape) write them become glassbox models whose outputs
// match onnxruntime on the same file and a float64 reference forward pass; the cost is chosen from
// the output layer (or asked for); unsupported operators are all named; corrupt, truncated and
// absurd files give a ModelFileError, never another exception.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/io/onnx-import.js';
import { exportOnnx } from '../src/io/onnx.js';
import { sequential } from '../src/nn/index.js';
import { sgd } from '../src/optim/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { datasetFromArrays } from '../src/data/index.js';
import { gradcheckModel, trace } from '../src/explain/index.js';
import { fit } from '../src/train/index.js';
import { ArgumentError, GlassboxError, ModelFileError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';
import {
  encodeModel, floatAttr, floatTensor, int64Tensor, intAttr, kerasStyle, maxAbsDiff, onnx, pytorchStyle, randomLayers, referenceForward, runOrt,
  transposed, valueInfo, type RefLayer,
} from './onnx-helpers.js';

const ROWS = 64;

function randomInputs(rows: number, width: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * width }, () => rng.uniform());
}

/** Import `bytes`, then compare glassbox's outputs with onnxruntime's and with the float64 reference. */
async function checkAgainstOrt(bytes: Uint8Array, layers: RefLayer[], inputName: string, inputDims: number[]): Promise<Awaited<ReturnType<typeof importOnnx>>> {
  const imported = await importOnnx(bytes);
  const nIn = layers[0].nIn;
  const x = randomInputs(ROWS, nIn, 99);
  const ours = imported.model.predict(new Tensor(x, [ROWS, nIn])).dataSync();
  const theirs = await runOrt(bytes, inputName, x, [ROWS, ...inputDims]);
  const reference = referenceForward(layers, x, ROWS);
  expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
  expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-5);
  return imported;
}

async function importError(bytes: Uint8Array): Promise<ModelFileError> {
  try {
    await importOnnx(bytes, { what: 'test.onnx' });
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  throw new Error('expected the import to fail');
}

describe('importing PyTorch-style files (Gemm, transB = 1)', () => {
  it('Flatten of [batch, 1, 28, 28] → 784-32-10 relu + softmax: outputs match onnxruntime, log-likelihood cost, image shape kept', async () => {
    const layers = randomLayers([784, 32, 10], ['Relu', 'Softmax'], 1);
    const { model, meta, inputName, outputName } = await checkAgainstOrt(pytorchStyle(layers, { inputDims: [1, 28, 28] }), layers, 'input.1', [1, 28, 28]);
    expect(model.spec()).toEqual({ sizes: [784, 32, 10], activations: ['relu', 'softmax'], cost: 'log-likelihood' });
    expect(meta).toMatchObject({ source: 'onnx', onnxProducer: 'pytorch', onnxOpset: 13, imageShape: [28, 28] });
    expect([inputName, outputName]).toEqual(['input.1', 'output']);
    // Gemm with transB = 1 stores Nielsen's orientation: w^2_jk = fc0.weight[j, k], copied as is.
    expect(model.layers[0].W.dataSync()[5 * 784 + 300]).toBe(layers[0].W[5 * 784 + 300]);
  });

  it('initializers also listed as graph inputs (older exporters), sigmoid → tanh → linear: quadratic cost', async () => {
    const layers = randomLayers([6, 5, 4, 3], ['Sigmoid', 'Tanh', null], 2);
    const { model } = await checkAgainstOrt(pytorchStyle(layers, { initializersAsInputs: true }), layers, 'input.1', [6]);
    expect(model.spec()).toEqual({ sizes: [6, 5, 4, 3], activations: ['sigmoid', 'tanh', 'linear'], cost: 'quadratic' });
  });

  it('weights as float_data instead of raw_data', async () => {
    const layers = randomLayers([7, 4, 2], ['Tanh', 'Sigmoid'], 3);
    const { model } = await checkAgainstOrt(pytorchStyle(layers, { storage: 'float_data' }), layers, 'input.1', [7]);
    expect(model.cost.name).toBe('cross-entropy');
  });
});

describe('importing Keras / tf2onnx-style files (MatMul [nIn, nOut] + Add)', () => {
  it('Reshape of [batch, 28, 28] → 784-20-10 tanh + sigmoid: outputs match onnxruntime, cross-entropy cost', async () => {
    const layers = randomLayers([784, 20, 10], ['Tanh', 'Sigmoid'], 4);
    const { model, meta } = await checkAgainstOrt(kerasStyle(layers, { inputDims: [28, 28] }), layers, 'dense_input', [28, 28]);
    expect(model.spec()).toEqual({ sizes: [784, 20, 10], activations: ['tanh', 'sigmoid'], cost: 'cross-entropy' });
    expect(meta.imageShape).toEqual([28, 28]);
    // MatMul's kernel is [nIn, nOut] = (W^l)ᵀ: w^2_jk = kernel[k, j].
    const kernel = transposed(layers[0].W, 20, 784);
    expect(model.layers[0].W.dataSync()[3 * 784 + 500]).toBe(kernel[500 * 20 + 3]);
  });

  it('2-D input, three layers, float_data: relu, relu, softmax', async () => {
    const layers = randomLayers([9, 8, 6, 4], ['Relu', 'Relu', 'Softmax'], 5);
    const { model } = await checkAgainstOrt(kerasStyle(layers, { storage: 'float_data' }), layers, 'dense_input', [9]);
    expect(model.layers.map((l) => l.activation.name)).toEqual(['relu', 'relu', 'softmax']);
  });
});

describe('other forms the importer accepts', () => {
  it('Gemm with transB = 0, alpha and beta ≠ 1, a [1, nOut] bias, and a Gemm without bias', async () => {
    const [l1, l2] = randomLayers([5, 4, 3], ['Relu', null], 6);
    const bytes = encodeModel({
      node: [
        { opType: 'Gemm', input: ['x', 'B1', 'C1'], output: ['z1'], attribute: [floatAttr('alpha', 0.5), floatAttr('beta', 2), intAttr('transB', 0)] },
        { opType: 'Relu', input: ['z1'], output: ['a1'] },
        { opType: 'Gemm', input: ['a1', 'B2'], output: ['y'], attribute: [intAttr('transB', 1)] },
      ],
      initializer: [floatTensor('B1', [5, 4], transposed(l1.W, 4, 5)), floatTensor('C1', [1, 4], l1.b), floatTensor('B2', [3, 4], l2.W)],
      input: [valueInfo('x', ['N', 5])],
      output: [valueInfo('y', ['N', 3])],
    });
    const scaled: RefLayer[] = [
      { ...l1, W: l1.W.map((w) => 0.5 * w), b: l1.b.map((b) => 2 * b) },
      { ...l2, b: new Float32Array(3) },
    ];
    const { model } = await checkAgainstOrt(bytes, scaled, 'x', [5]);
    expect(model.spec()).toEqual({ sizes: [5, 4, 3], activations: ['relu', 'linear'], cost: 'quadratic' });
  });

  it('weights and the Reshape shape from Constant nodes; Identity nodes on the way', async () => {
    const [l1] = randomLayers([6, 3], ['Sigmoid'], 7);
    const bytes = encodeModel({
      node: [
        { opType: 'Constant', output: ['shape'], attribute: [{ name: 'value', type: 4, t: int64Tensor('', [0, -1]) }] },
        { opType: 'Constant', output: ['W'], attribute: [{ name: 'value', type: 4, t: floatTensor('', [3, 6], l1.W) }] },
        { opType: 'Constant', output: ['b'], attribute: [{ name: 'value', type: 4, t: floatTensor('', [3], l1.b, 'float_data') }] },
        { opType: 'Identity', input: ['x'], output: ['x1'] },
        { opType: 'Reshape', input: ['x1', 'shape'], output: ['flat'] },
        { opType: 'Gemm', input: ['flat', 'W', 'b'], output: ['z'], attribute: [intAttr('transB', 1)] },
        { opType: 'Sigmoid', input: ['z'], output: ['a'] },
        { opType: 'Identity', input: ['a'], output: ['y'] },
      ],
      input: [valueInfo('x', ['N', 2, 3])],
      output: [valueInfo('y', ['N', 3])],
    });
    const { model, meta } = await checkAgainstOrt(bytes, [l1], 'x', [2, 3]);
    expect(model.sizes).toEqual([6, 3]);
    expect(meta.imageShape).toEqual([2, 3]);
  });

  it('the cost can be chosen; a cost that does not fit the output layer is an ArgumentError', async () => {
    const softmaxNet = pytorchStyle(randomLayers([4, 3], ['Softmax'], 8));
    expect((await importOnnx(softmaxNet, { cost: 'quadratic' })).model.cost.name).toBe('quadratic');
    const sigmoidNet = pytorchStyle(randomLayers([4, 3], ['Sigmoid'], 8));
    await expect(importOnnx(sigmoidNet, { cost: 'log-likelihood' })).rejects.toThrow(ArgumentError);
    await expect(importOnnx(sigmoidNet, { cost: 'log-likelihood' })).rejects.toThrow(/needs a softmax output layer, but the network's output is sigmoid/);
  });

  it('the explain tools work on an imported network: trace (BP1–BP4) and gradcheck (backprop = finite differences)', async () => {
    const { model } = await importOnnx(kerasStyle(randomLayers([6, 5, 3], ['Tanh', 'Softmax'], 15)));
    const x = randomInputs(4, 6, 16);
    const y = new Float32Array(12);
    [0, 2, 1, 2].forEach((c, r) => (y[r * 3 + c] = 1));
    const report = trace(model, x.subarray(0, 6), 2);
    expect(report.sizes).toEqual([6, 5, 3]);
    expect(report.cost).toBe('log-likelihood');
    expect(report.layers).toHaveLength(2);
    const check = gradcheckModel(model, { x: new Tensor(x, [4, 6]), y: new Tensor(y, [4, 3]) });
    expect(check.checked).toBe(model.parameterCount());
    expect(check.ok).toBe(true);
  });

  it('an imported network trains like any glassbox model (backprop through it lowers the cost)', async () => {
    const { model } = await importOnnx(pytorchStyle(randomLayers([4, 8, 3], ['Tanh', 'Softmax'], 9)));
    const rng = new Rng(10);
    const x = Float32Array.from({ length: 200 * 4 }, () => rng.normal());
    const labels = Int32Array.from({ length: 200 }, (_, r) => (x[r * 4] > 0 ? (x[r * 4 + 1] > 0 ? 2 : 1) : 0));
    const data = datasetFromArrays(x, labels, 4, { name: 'quadrants', classes: 3 });
    const before = model.loss(data.x, data.y);
    await fit(model, data, { epochs: 20, batchSize: 10, optimizer: sgd({ eta: 0.1 }), rng: 1 });
    expect(model.loss(data.x, data.y)).toBeLessThan(before * 0.6);
  });
});

describe('refusals: every problem named, always a ModelFileError', () => {
  it('unsupported operators are all named, with their nodes', async () => {
    const bytes = encodeModel({
      node: [
        { name: 'conv1', opType: 'Conv', input: ['x', 'k'], output: ['c'] },
        { name: 'act1', opType: 'LeakyRelu', input: ['c'], output: ['l'], attribute: [floatAttr('alpha', 0.01)] },
        { name: 'pool', opType: 'MaxPool', input: ['l'], output: ['p'] },
        { name: 'fc', opType: 'Gemm', input: ['p', 'W'], output: ['y'], attribute: [intAttr('transB', 1)] },
        { name: 'odd', domain: 'com.microsoft', opType: 'FusedGemm', input: ['y'], output: ['y2'] },
      ],
      initializer: [floatTensor('k', [1, 1, 3, 3], new Float32Array(9)), floatTensor('W', [2, 4], new Float32Array(8))],
      input: [valueInfo('x', ['N', 1, 4, 4])],
      output: [valueInfo('y2', ['N', 2])],
    });
    const e = await importError(bytes);
    for (const part of ['Conv (1 node: "conv1")', 'LeakyRelu (1 node: "act1")', 'MaxPool (1 node: "pool")', 'com.microsoft.FusedGemm', 'test.onnx']) expect(e.message).toContain(part);
  });

  it('empty, text and random bytes', async () => {
    expect((await importError(new Uint8Array(0))).message).toMatch(/empty/);
    expect((await importError(new TextEncoder().encode('{"format": "glassbox-model"}'))).message).toMatch(/(not an ONNX model|no graph).*it starts like JSON: a glassbox model file needs no import/);
    const rng = new Rng(11);
    for (let i = 0; i < 50; i++) await importError(Uint8Array.from({ length: 200 }, () => rng.int(256)));
  });

  it('every truncation of a valid file is refused or (cut after the graph) still a valid import', async () => {
    const bytes = pytorchStyle(randomLayers([5, 4, 3], ['Relu', 'Softmax'], 12));
    let refused = 0;
    for (let n = 1; n < bytes.length; n++) {
      try {
        await importOnnx(bytes.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(ModelFileError);
        refused++;
      }
    }
    // The graph is field 7 and the opset list (field 8) follows it: only cuts inside the opset list can still import.
    expect(refused).toBeGreaterThan(bytes.length - 20);
    const half = await importError(bytes.subarray(0, bytes.length >> 1));
    expect(half.message).toMatch(/truncated or corrupt/);
  });

  it('absurd dims are refused before anything is allocated, naming the tensor and the numbers', async () => {
    const withWeight = (w: Parameters<typeof encodeModel>[0]['initializer']) => encodeModel({
      node: [{ opType: 'Gemm', input: ['x', 'W'], output: ['y'], attribute: [intAttr('transB', 1)] }],
      initializer: w,
      input: [valueInfo('x', ['N', 3])],
      output: [valueInfo('y', ['N', 2])],
    });
    const huge = await importError(withWeight([{ name: 'W', dims: [2 ** 31 - 1, 2 ** 31 - 1], dataType: 1, rawData: new Uint8Array(8) }]));
    expect(huge.message).toMatch(/"W": dims \[2147483647, 2147483647\] describe 4611686014132420609 elements/);
    const big = await importError(withWeight([{ name: 'W', dims: [20000, 20000], dataType: 1, rawData: new Uint8Array(8) }]));
    expect(big.message).toMatch(/need 1600000000 bytes of raw_data, found 8/);
    const negative = await importError(withWeight([{ name: 'W', dims: [-1, 3], dataType: 1, rawData: new Uint8Array(0) }]));
    expect(negative.message).toMatch(/dimension 0 is -1; dimensions must be integers from 0 to 2147483647/);
    const tooMany = await importError(withWeight([{ name: 'W', dims: [2, 3], dataType: 1, floatData: [1, 2, 3] }]));
    expect(tooMany.message).toMatch(/need 6 values, float_data holds 3/);
    const ints = await importError(withWeight([{ name: 'W', dims: [2, 3], dataType: 6, int32Data: [1, 2, 3, 4, 5, 6] }]));
    expect(ints.message).toMatch(/data type INT32 \(6\); weights must be FLOAT \(1\) or DOUBLE \(11\)/);
    const external = await importError(withWeight([{ name: 'W', dims: [2, 3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }]));
    expect(external.message).toMatch(/external file/);
    const nan = await importError(withWeight([floatTensor('W', [2, 3], [0, 1, NaN, 0, 0, 0])]));
    expect(nan.message).toMatch(/value 2 is NaN/);
    const wrongWidth = await importError(withWeight([floatTensor('W', [2, 5], new Float32Array(10))]));
    expect(wrongWidth.message).toMatch(/takes 5 inputs, but the input "x" has 3 features/);
  });

  it('graphs that are not a chain of dense layers, each with a message that says where', async () => {
    const W = floatTensor('W', [2, 3], new Float32Array(6));
    const io = { initializer: [W], input: [valueInfo('x', ['N', 3])], output: [valueInfo('y', ['N', 2])] };
    const gemm = (input: string, output: string) => ({ opType: 'Gemm', input: [input, 'W'], output: [output], attribute: [intAttr('transB', 1)] });
    const cases: [string, Parameters<typeof encodeModel>[0], RegExp][] = [
      ['branch', { ...io, node: [gemm('x', 'y'), { opType: 'Relu', input: ['x'], output: ['r'] }] }, /the graph branches at "x"/],
      ['no path', { ...io, node: [gemm('x', 'z')] }, /nothing reads "z", but it is not the graph output "y"/],
      ['two activations', { ...io, node: [gemm('x', 'z'), { opType: 'Relu', input: ['z'], output: ['r'] }, { opType: 'Sigmoid', input: ['r'], output: ['y'] }] }, /Sigmoid must follow a Gemm or MatMul/],
      ['softmax hidden', {
        ...io, initializer: [W, floatTensor('V', [2, 2], new Float32Array(4))],
        node: [gemm('x', 'z'), { opType: 'Softmax', input: ['z'], output: ['s'] }, { opType: 'Gemm', input: ['s', 'V'], output: ['y'], attribute: [intAttr('transB', 1)] }],
      }, /softmax is allowed only on the output layer/],
      ['weights not constant', { ...io, initializer: [], input: [valueInfo('x', ['N', 3]), valueInfo('W', [2, 3])], node: [gemm('x', 'y')] }, /exactly one input besides its weights, found 2/],
      ['transA', { ...io, node: [{ opType: 'Gemm', input: ['x', 'W'], output: ['y'], attribute: [intAttr('transA', 1), intAttr('transB', 1)] }] }, /transA = 1; only transA = 0/],
      ['no flatten', { ...io, input: [valueInfo('x', ['N', 1, 3])], node: [gemm('x', 'y')] }, /a Flatten or Reshape to \[batch, features\] must come first/],
      ['bad reshape', { ...io, initializer: [W, int64Tensor('s', [3, -1])], node: [{ opType: 'Reshape', input: ['x', 's'], output: ['f'] }, gemm('f', 'y')] }, /Reshape to \[3, -1\]; only \[-1, n\], \[0, n\] or \[0, -1\]/],
      ['no layers', { ...io, node: [{ opType: 'Identity', input: ['x'], output: ['y'] }] }, /no dense layer/],
      ['double input', { ...io, input: [{ name: 'x', type: { tensorType: { elemType: 11 } } }], node: [gemm('x', 'y')] }, /element type DOUBLE \(11\)/],
      ['odd attribute', { ...io, node: [{ ...gemm('x', 'y'), attribute: [intAttr('transB', 1), intAttr('broadcast', 1)] }] }, /attribute "broadcast" is not supported/],
      ['attribute type', { ...io, node: [{ ...gemm('x', 'y'), attribute: [{ name: 'transB', type: 1, f: 1 }] }] }, /attribute transB must be an INT \(type 2\) attribute, got type 1/],
      // Found by the differential fuzzer (test/fuzz-onnx.test.ts): onnxruntime refuses these, the importer used to accept them.
      ['Identity with a second input', { ...io, initializer: [W, floatTensor('c', [2], [1, 2])], node: [gemm('x', 'z'), { opType: 'Identity', input: ['z', 'c'], output: ['y'] }] }, /\(Identity\): expected one input, got 2/],
      ['declared output width', { ...io, output: [valueInfo('y', ['N', 5])], node: [gemm('x', 'y')] }, /the output "y" is declared \[N, 5\] but the network computes \[batch, 2\]/],
      ['negative input dim', { ...io, input: [valueInfo('x', ['N', -3])], node: [gemm('x', 'y')] }, /the input "x": dimension 1 is -3; expected 1 to 2147483647 or a symbolic name/],
    ];
    for (const [name, graph, message] of cases) {
      const e = await importError(encodeModel(graph));
      expect(e.message, name).toMatch(message);
    }
  });

  it('a glassbox export with damaged metadata still imports, with warnings', async () => {
    const model = sequential({ sizes: [4, 2], activation: 'sigmoid', cost: 'quadratic', rng: 1 });
    const m = onnx.ModelProto.decode(await exportOnnx(model));
    m.metadataProps = [
      onnx.StringStringEntryProto.create({ key: 'glassbox.cost', value: 'log-likelihood' }),
      onnx.StringStringEntryProto.create({ key: 'glassbox.imageShape', value: '[2, 3]' }),
      onnx.StringStringEntryProto.create({ key: 'glassbox.classNames', value: '{' }),
    ];
    const back = await importOnnx(onnx.ModelProto.encode(m).finish());
    expect(back.model.cost.name).toBe('cross-entropy');
    expect(back.meta.imageShape).toBeUndefined();
    const warnings = back.warnings.join('\n');
    expect(warnings).toMatch(/glassbox.cost "log-likelihood": not a cost for a sigmoid output/);
    expect(warnings).toMatch(/glassbox.classNames": "\{" is not a valid value/);
    expect(warnings).toMatch(/imageShape \[2, 3\]: the model takes 4 inputs/);
    expect(back.warnings).toHaveLength(3);
  });

  it('only GlassboxErrors come out, even for bytes that decode into strange messages', async () => {
    const valid = pytorchStyle(randomLayers([3, 2], ['Sigmoid'], 13));
    const rng = new Rng(14);
    for (let i = 0; i < 300; i++) {
      const bytes = valid.slice();
      for (let f = 0; f < 3; f++) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      try {
        await importOnnx(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(GlassboxError);
      }
    }
  });
});
