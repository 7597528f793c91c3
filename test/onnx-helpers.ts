// Helpers for the ONNX tests and the ONNX fuzzer: onnx-proto and onnxruntime-node (both CommonJS)
// loaded through createRequire, ONNX files built the way PyTorch (Gemm, transB = 1) and Keras /
// tf2onnx (MatMul with a [nIn, nOut] kernel + Add) write them, and a runner that evaluates a file
// with onnxruntime — an implementation independent of glassbox.
import { createRequire } from 'node:module';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { Rng } from '../src/util/rng.js';

const require = createRequire(import.meta.url);

/** The onnx-proto protobuf classes. */
export const onnx = (require('onnx-proto') as typeof import('onnx-proto')).onnx;

/** The parts of onnxruntime-node the tests use. */
interface Ort {
  InferenceSession: { create(bytes: Uint8Array): Promise<{ run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> }> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

/** onnxruntime-node. */
export const ort = require('onnxruntime-node') as Ort;

/** Run an ONNX file on onnxruntime: one float32 input of `dims`, returning the first output. */
export async function runOrt(bytes: Uint8Array, inputName: string, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [inputName]: new ort.Tensor('float32', x, dims) });
  return Object.values(out)[0].data;
}

/** Largest |a − b| over two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Little-endian float32 bytes, as ONNX raw_data holds them. */
export function leFloat32(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/** A FLOAT initializer, its values as raw_data (the PyTorch way) or float_data. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>, storage: 'raw' | 'float_data' = 'raw'): OnnxTypes.ITensorProto {
  return storage === 'raw'
    ? { name, dims, dataType: 1, rawData: leFloat32(values) }
    : { name, dims, dataType: 1, floatData: Array.from(values) };
}

/** An INT64 initializer (Reshape's shape), as raw_data. */
export function int64Tensor(name: string, values: number[]): OnnxTypes.ITensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return { name, dims: [values.length], dataType: 7, rawData: raw };
}

/** A float tensor's value info with fixed or symbolic dims. */
export function valueInfo(name: string, dims: (number | string)[]): OnnxTypes.IValueInfoProto {
  return { name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

/** An integer attribute. */
export function intAttr(name: string, i: number): OnnxTypes.IAttributeProto {
  return { name, type: 2, i };
}

/** A float attribute. */
export function floatAttr(name: string, f: number): OnnxTypes.IAttributeProto {
  return { name, type: 1, f };
}

/** Encode a graph as an ONNX model file. */
export function encodeModel(graph: OnnxTypes.IGraphProto, opset = 13, producer = 'test'): Uint8Array {
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 7, producerName: producer, opsetImport: [{ domain: '', version: opset }], graph })).finish();
  return new Uint8Array(bytes);
}

/** One dense layer's parameters in the reference orientation W [nOut, nIn] (Nielsen's), b [nOut]. */
export interface RefLayer {
  W: Float32Array;
  b: Float32Array;
  nIn: number;
  nOut: number;
  activation: 'Sigmoid' | 'Tanh' | 'Relu' | 'Softmax' | null;
}

/** Random layers for `sizes`, weights ~ N(0, 1/nIn), biases ~ N(0, 0.5). */
export function randomLayers(sizes: number[], activations: RefLayer['activation'][], seed: number): RefLayer[] {
  const rng = new Rng(seed);
  return activations.map((activation, i) => {
    const [nIn, nOut] = [sizes[i], sizes[i + 1]];
    const W = Float32Array.from({ length: nOut * nIn }, () => rng.normal() / Math.sqrt(nIn));
    const b = Float32Array.from({ length: nOut }, () => rng.normal() * 0.5);
    return { W, b, nIn, nOut, activation };
  });
}

/** Wᵀ: [nOut, nIn] → [nIn, nOut]. */
export function transposed(W: Float32Array, nOut: number, nIn: number): Float32Array {
  const out = new Float32Array(W.length);
  for (let j = 0; j < nOut; j++) for (let k = 0; k < nIn; k++) out[k * nOut + j] = W[j * nIn + k];
  return out;
}

function activationNode(layer: RefLayer, input: string, output: string, name: string): OnnxTypes.INodeProto[] {
  if (!layer.activation) return [];
  const attribute = layer.activation === 'Softmax' ? [intAttr('axis', 1)] : [];
  return [{ name, opType: layer.activation, input: [input], output: [output], attribute }];
}

/** Options of the file builders. */
export interface BuildOptions {
  /** The input's dims after the batch: [nIn] (default) or an image shape flattened by Flatten/Reshape. */
  inputDims?: number[];
  /** PyTorch only: list the initializers among the graph inputs too (older exporters did). */
  initializersAsInputs?: boolean;
  /** Store weights as float_data instead of raw_data. */
  storage?: 'raw' | 'float_data';
}

/**
 * A file the way torch.onnx.export writes an nn.Sequential of Linear layers: optional Flatten,
 * then per layer Gemm(x, weight [nOut, nIn], bias, transB = 1) and the activation.
 */
export function pytorchStyle(layers: RefLayer[], options: BuildOptions = {}): Uint8Array {
  const inputDims = options.inputDims ?? [layers[0].nIn];
  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  let current = 'input.1';
  if (inputDims.length > 1) {
    nodes.push({ name: '/flatten/Flatten', opType: 'Flatten', input: [current], output: ['/flatten/Flatten_output_0'], attribute: [intAttr('axis', 1)] });
    current = '/flatten/Flatten_output_0';
  }
  layers.forEach((layer, i) => {
    const w = `fc${i}.weight`;
    const b = `fc${i}.bias`;
    inits.push(floatTensor(w, [layer.nOut, layer.nIn], layer.W, options.storage), floatTensor(b, [layer.nOut], layer.b, options.storage));
    const z = `/fc${i}/Gemm_output_0`;
    nodes.push({ name: `/fc${i}/Gemm`, opType: 'Gemm', input: [current, w, b], output: [z], attribute: [floatAttr('alpha', 1), floatAttr('beta', 1), intAttr('transB', 1)] });
    const a = `/act${i}/output_0`;
    nodes.push(...activationNode(layer, z, a, `/act${i}/${layer.activation ?? ''}`));
    current = layer.activation ? a : z;
  });
  nodes[nodes.length - 1].output = ['output'];
  const extraInputs = options.initializersAsInputs ? inits.map((t) => valueInfo(t.name!, (t.dims as number[]) ?? [])) : [];
  return encodeModel({
    name: 'main_graph',
    node: nodes,
    initializer: inits,
    input: [valueInfo('input.1', ['batch_size', ...inputDims]), ...extraInputs],
    output: [valueInfo('output', ['batch_size', layers[layers.length - 1].nOut])],
  }, 13, 'pytorch');
}

/**
 * A file the way tf2onnx writes a Keras Sequential of Dense layers: optional Reshape to [-1, n]
 * (shape as an INT64 initializer), then per layer MatMul(x, kernel [nIn, nOut]) + Add(bias) and
 * the activation, with symbolic batch names.
 */
export function kerasStyle(layers: RefLayer[], options: BuildOptions = {}): Uint8Array {
  const inputDims = options.inputDims ?? [layers[0].nIn];
  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  let current = 'dense_input';
  if (inputDims.length > 1) {
    inits.push(int64Tensor('const_fold_opt__10', [-1, layers[0].nIn]));
    nodes.push({ name: 'sequential/flatten/Reshape', opType: 'Reshape', input: [current, 'const_fold_opt__10'], output: ['sequential/flatten/Reshape:0'] });
    current = 'sequential/flatten/Reshape:0';
  }
  layers.forEach((layer, i) => {
    const k = `sequential/dense_${i}/MatMul/ReadVariableOp:0`;
    const b = `sequential/dense_${i}/BiasAdd/ReadVariableOp:0`;
    inits.push(floatTensor(k, [layer.nIn, layer.nOut], transposed(layer.W, layer.nOut, layer.nIn), options.storage), floatTensor(b, [layer.nOut], layer.b, options.storage));
    nodes.push({ name: `sequential/dense_${i}/MatMul`, opType: 'MatMul', input: [current, k], output: [`sequential/dense_${i}/MatMul:0`] });
    nodes.push({ name: `sequential/dense_${i}/BiasAdd`, opType: 'Add', input: [`sequential/dense_${i}/MatMul:0`, b], output: [`sequential/dense_${i}/BiasAdd:0`] });
    current = `sequential/dense_${i}/BiasAdd:0`;
    const a = `sequential/dense_${i}/${layer.activation ?? 'Linear'}:0`;
    nodes.push(...activationNode(layer, current, a, `sequential/dense_${i}/${layer.activation ?? ''}`));
    if (layer.activation) current = a;
  });
  nodes[nodes.length - 1].output = ['dense_out'];
  return encodeModel({
    name: 'tf2onnx',
    node: nodes,
    initializer: inits,
    input: [valueInfo('dense_input', ['unk__6', ...inputDims])],
    output: [valueInfo('dense_out', ['unk__7', layers[layers.length - 1].nOut])],
  }, 13, 'tf2onnx');
}

/** The reference forward pass in float64: a^L for rows of x [rows, nIn]. */
export function referenceForward(layers: RefLayer[], x: Float32Array, rows: number): Float64Array {
  let a = Float64Array.from(x);
  for (const layer of layers) {
    const z = new Float64Array(rows * layer.nOut);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < layer.nOut; j++) {
        let s = layer.b[j];
        for (let k = 0; k < layer.nIn; k++) s += layer.W[j * layer.nIn + k] * a[r * layer.nIn + k];
        z[r * layer.nOut + j] = s;
      }
    }
    if (layer.activation === 'Sigmoid') z.forEach((v, i) => (z[i] = 1 / (1 + Math.exp(-v))));
    if (layer.activation === 'Tanh') z.forEach((v, i) => (z[i] = Math.tanh(v)));
    if (layer.activation === 'Relu') z.forEach((v, i) => (z[i] = Math.max(0, v)));
    if (layer.activation === 'Softmax') {
      for (let r = 0; r < rows; r++) {
        const row = z.subarray(r * layer.nOut, (r + 1) * layer.nOut);
        const m = Math.max(...row);
        let s = 0;
        row.forEach((v, i) => (s += row[i] = Math.exp(v - m)));
        row.forEach((v, i) => (row[i] = v / s));
      }
    }
    a = z;
  }
  return a;
}

/** A decoded graph: protobufjs gives class instances whose repeated fields are arrays, never null. */
export interface DecodedGraph {
  node: OnnxTypes.NodeProto[];
  initializer: OnnxTypes.TensorProto[];
  input: OnnxTypes.ValueInfoProto[];
  output: OnnxTypes.ValueInfoProto[];
}

/** Decode an ONNX file's bytes: the ModelProto and its graph, typed as decoded. */
export function decodeFile(bytes: Uint8Array): { model: OnnxTypes.ModelProto; graph: DecodedGraph } {
  const model = onnx.ModelProto.decode(bytes);
  return { model, graph: model.graph as unknown as DecodedGraph };
}
