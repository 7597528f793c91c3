// Fuzzing the ONNX importer (issue 6): importOnnx on random bytes, on random protobuf models
// (random operators, attributes, names, dims, data types and data), on byte mutations of valid
// PyTorch-, Keras- and glassbox-style files, and on structural mutations of them (hostile dims,
// data types, truncated raw_data, operators swapped, nodes dropped, duplicated or renamed). Only
// GlassboxErrors may come out. Every accepted file is also run by onnxruntime, and where
// onnxruntime runs it too, the two must agree — a differential check of what the importer accepts.
import fc from 'fast-check';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/io/onnx.js';
import { importOnnx, type ImportedOnnx } from '../src/io/onnx-import.js';
import { sequential } from '../src/nn/index.js';
import { allFinite } from '../src/tensor/ops.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/util/rng.js';
import { GENERATED_RUNS, MUTATED_RUNS, mutatedBytes, params, Tally } from './fuzz-helpers.js';
import { decodeFile, encodeModel, floatAttr, floatTensor, int64Tensor, intAttr, kerasStyle, onnx, ort, pytorchStyle, randomLayers, valueInfo } from './onnx-helpers.js';

const OPS = ['Gemm', 'MatMul', 'Add', 'Sigmoid', 'Tanh', 'Relu', 'Softmax', 'Flatten', 'Reshape', 'Identity', 'Constant', 'Conv', 'LeakyRelu', 'Mul', ''];
const NAMES = ['x', 'y', 'z', 'W', 'b', 's', 'a', ''];
const HOSTILE_INTS = [-1, 0, 1, 2, 3, 4, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 3, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER];

const attributeArb: fc.Arbitrary<OnnxTypes.IAttributeProto> = fc.record({
  name: fc.constantFrom('transA', 'transB', 'alpha', 'beta', 'axis', 'allowzero', 'value', 'value_ints', 'foo'),
  type: fc.integer({ min: 0, max: 14 }),
  i: fc.constantFrom(...HOSTILE_INTS),
  f: fc.double(),
  ints: fc.array(fc.constantFrom(...HOSTILE_INTS), { maxLength: 3 }),
});

const tensorArb: fc.Arbitrary<OnnxTypes.ITensorProto> = fc.record(
  {
    name: fc.constantFrom(...NAMES),
    dims: fc.array(fc.constantFrom(...HOSTILE_INTS), { maxLength: 4 }),
    dataType: fc.integer({ min: 0, max: 16 }),
    rawData: fc.uint8Array({ maxLength: 64 }),
    floatData: fc.array(fc.float(), { maxLength: 12 }),
    int64Data: fc.array(fc.constantFrom(...HOSTILE_INTS), { maxLength: 4 }),
    dataLocation: fc.constantFrom(0, 0, 0, 1),
  },
  { requiredKeys: ['name', 'dims', 'dataType'] },
);

const valueInfoArb: fc.Arbitrary<OnnxTypes.IValueInfoProto> = fc.record({
  name: fc.constantFrom(...NAMES),
  type: fc.record({
    tensorType: fc.record({
      elemType: fc.constantFrom(0, 1, 1, 1, 7, 11),
      shape: fc.record({ dim: fc.array(fc.oneof(fc.record({ dimValue: fc.constantFrom(...HOSTILE_INTS) }), fc.record({ dimParam: fc.constantFrom('N', '') })), { maxLength: 4 }) }),
    }),
  }),
});

/** A random ModelProto: a graph of random nodes, initializers, inputs and outputs. */
const protobufGenerated: fc.Arbitrary<Uint8Array> = fc
  .record({
    nodes: fc.array(
      fc.record({
        opType: fc.constantFrom(...OPS),
        domain: fc.constantFrom('', '', '', 'com.microsoft'),
        input: fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }),
        output: fc.array(fc.constantFrom(...NAMES), { maxLength: 2 }),
        attribute: fc.array(attributeArb, { maxLength: 3 }),
        t: fc.option(tensorArb),
      }),
      { maxLength: 6 },
    ),
    initializer: fc.array(tensorArb, { maxLength: 4 }),
    input: fc.array(valueInfoArb, { maxLength: 2 }),
    output: fc.array(valueInfoArb, { maxLength: 2 }),
    opset: fc.constantFrom(1, 11, 13, 2 ** 40),
  })
  .map(({ nodes, initializer, input, output, opset }) => {
    const node = nodes.map(({ t, ...n }) => ({ ...n, attribute: t ? [...n.attribute, { name: 'value', type: 4, t }] : n.attribute }));
    return encodeModel({ node, initializer, input, output }, opset);
  });

/** Valid files: PyTorch-style (Flatten, Gemm), Keras-style (Reshape, MatMul + Add), Constant weights, a glassbox export. */
async function seedFiles(): Promise<Uint8Array[]> {
  const [c1] = randomLayers([6, 3], ['Sigmoid'], 7);
  const constantStyle = encodeModel({
    node: [
      { opType: 'Constant', output: ['shape'], attribute: [{ name: 'value', type: 4, t: int64Tensor('', [0, -1]) }] },
      { opType: 'Constant', output: ['W'], attribute: [{ name: 'value', type: 4, t: floatTensor('', [3, 6], c1.W) }] },
      { opType: 'Reshape', input: ['x', 'shape'], output: ['flat'] },
      { opType: 'Gemm', input: ['flat', 'W', 'b'], output: ['z'], attribute: [intAttr('transB', 1), floatAttr('alpha', 1)] },
      { opType: 'Sigmoid', input: ['z'], output: ['y'] },
    ],
    initializer: [floatTensor('b', [3], c1.b, 'float_data')],
    input: [valueInfo('x', ['N', 2, 3])],
    output: [valueInfo('y', ['N', 3])],
  });
  return [
    pytorchStyle(randomLayers([12, 5, 3], ['Relu', 'Softmax'], 1), { inputDims: [1, 3, 4] }),
    kerasStyle(randomLayers([6, 4, 3], ['Tanh', 'Sigmoid'], 2), { inputDims: [2, 3] }),
    kerasStyle(randomLayers([4, 3, 2], ['Relu', null], 3), { storage: 'float_data' }),
    constantStyle,
    await exportOnnx(sequential({ sizes: [5, 4, 3], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', rng: 4 })),
  ];
}

/** One structural edit of a decoded model. */
const protoEdit = fc.record({
  kind: fc.constantFrom('dims', 'dataType', 'rawData', 'opType', 'attribute', 'dropNode', 'duplicateNode', 'rename', 'swapNodes', 'inputDims'),
  index: fc.nat(),
  other: fc.nat(),
  value: fc.constantFrom(...HOSTILE_INTS),
  op: fc.constantFrom(...OPS),
  name: fc.constantFrom(...NAMES, 'output', 'input', 'input.1'),
});

type ProtoEdit = typeof protoEdit extends fc.Arbitrary<infer T> ? T : never;

function applyProtoEdits(bytes: Uint8Array, edits: ProtoEdit[]): Uint8Array {
  const { model: m, graph: g } = decodeFile(bytes);
  for (const e of edits) {
    const pick = <T>(list: T[]): T | undefined => (list.length ? list[e.index % list.length] : undefined);
    const node = pick(g.node);
    const init = pick(g.initializer);
    switch (e.kind) {
      case 'dims':
        if (init) init.dims = init.dims.map((d, i) => (i === e.other % Math.max(1, init.dims.length) ? e.value : d));
        break;
      case 'dataType':
        if (init) init.dataType = e.value & 0x1f;
        break;
      case 'rawData':
        if (init && init.rawData.length) init.rawData = init.rawData.slice(0, e.other % init.rawData.length);
        break;
      case 'opType':
        if (node) node.opType = e.op;
        break;
      case 'attribute':
        if (node) node.attribute = [...node.attribute, onnx.AttributeProto.create({ name: pick(['transB', 'transA', 'axis', 'alpha', 'allowzero'])!, type: e.other % 3, i: e.value, f: e.value })];
        break;
      case 'dropNode':
        if (node) g.node.splice(g.node.indexOf(node), 1);
        break;
      case 'duplicateNode':
        if (node) g.node.splice(e.other % (g.node.length + 1), 0, onnx.NodeProto.decode(onnx.NodeProto.encode(node).finish()));
        break;
      case 'rename':
        if (node) {
          if (e.other % 2 === 0 && node.input.length) node.input[e.other % node.input.length] = e.name;
          else if (node.output.length) node.output[0] = e.name;
        }
        break;
      case 'swapNodes': {
        const j = e.other % Math.max(1, g.node.length);
        if (node && g.node[j]) [g.node[g.node.indexOf(node)], g.node[j]] = [g.node[j], node];
        break;
      }
      case 'inputDims': {
        const dims = g.input[0]?.type?.tensorType?.shape?.dim ?? [];
        const d = pick(dims);
        if (d) d.dimValue = e.value;
        break;
      }
    }
  }
  return onnx.ModelProto.encode(m).finish();
}

/** Differential check of an accepted file: glassbox's outputs against onnxruntime's, when onnxruntime runs it. */
async function compareWithOrt(bytes: Uint8Array, imported: ImportedOnnx, stats: { compared: number; ortRefused: number; worst: number }): Promise<void> {
  const { model, inputName } = imported;
  expect(model.paramTensors().every((t) => allFinite(t))).toBe(true);
  const n = model.inputSize;
  const rng = new Rng(1);
  const x = Float32Array.from({ length: 2 * n }, () => rng.normal());
  const ours = model.predict(new Tensor(x, [2, n])).dataSync();
  const declared = decodeFile(bytes).graph.input.find((v) => v.name === inputName)?.type?.tensorType?.shape?.dim ?? [];
  const dims = declared.length > 2 && declared.slice(1).every((d) => d.dimValue != null && Number(d.dimValue) > 0) ? [2, ...declared.slice(1).map((d) => Number(d.dimValue))] : [2, n];
  let theirs: Float32Array;
  try {
    const session = await ort.InferenceSession.create(bytes);
    theirs = Object.values(await session.run({ [inputName]: new ort.Tensor('float32', x, dims) }))[0].data;
  } catch {
    stats.ortRefused++;
    return;
  }
  stats.compared++;
  expect(theirs.length).toBe(ours.length);
  for (let i = 0; i < ours.length; i++) {
    if (Object.is(ours[i], theirs[i])) continue; // the same NaN or ±∞ (weights near float32's limit overflow in both)
    const d = Math.abs(ours[i] - theirs[i]) / (1 + Math.abs(theirs[i]));
    if (!(d < 1e-4)) {
      throw new Error(`glassbox and onnxruntime disagree at output ${i}: ${ours[i]} vs ${theirs[i]} (all: [${Array.from(ours).join(', ')}] vs [${Array.from(theirs).join(', ')}]; ${model.spec().activations.join(', ')}; weights: ${model.paramTensors().map((t) => `[${Array.from(t.dataSync()).slice(0, 6).join(', ')}…]`).join(' ')})`);
    }
    stats.worst = Math.max(stats.worst, d);
  }
}

describe('fuzz: ONNX import', () => {
  it('importOnnx: random bytes and protobufs, byte mutations and structural mutations of valid files', async () => {
    const tally = new Tally('ONNX (importOnnx)');
    const stats = { compared: 0, ortRefused: 0, worst: 0 };
    const seeds = await seedFiles();
    const check = (bytes: Uint8Array) => async (r: ImportedOnnx) => compareWithOrt(bytes, r, stats);
    const run = async (kind: 'generated' | 'mutated', bytes: Uint8Array) => {
      let accepted: ImportedOnnx | undefined;
      await tally.runAsync(kind, () => importOnnx(bytes, { what: 'fuzz.onnx' }), (r) => (accepted = r));
      if (accepted) await check(bytes)(accepted);
    };
    const generated = fc.oneof(fc.uint8Array({ maxLength: 128 }), protobufGenerated);
    await fc.assert(fc.asyncProperty(generated, (bytes) => run('generated', bytes)), params(GENERATED_RUNS, 21));
    await fc.assert(fc.asyncProperty(mutatedBytes(seeds), (bytes) => run('mutated', bytes)), params(MUTATED_RUNS / 2, 22));
    const structural = fc.record({ seed: fc.nat({ max: seeds.length - 1 }), edits: fc.array(protoEdit, { minLength: 1, maxLength: 3 }) }).map(({ seed, edits }) => applyProtoEdits(seeds[seed], edits));
    await fc.assert(fc.asyncProperty(structural, (bytes) => run('mutated', bytes)), params(MUTATED_RUNS / 2, 23));
    console.log(tally.summary());
    console.log(`fuzz ONNX: ${stats.compared} accepted files also run by onnxruntime, max relative difference ${stats.worst.toExponential(2)}; ${stats.ortRefused} accepted files onnxruntime would not run`);
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(stats.compared).toBeGreaterThan(0);
  });
});
