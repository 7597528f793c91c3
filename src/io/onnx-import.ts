/**
 * io/onnx-import — ONNX import: a dense network exported from PyTorch, Keras (tf2onnx) or glassbox
 * becomes a glassbox Sequential, so every explain tool works on networks trained elsewhere.
 * Browser-safe (no node:*); reading files is in onnx-files.ts.
 *
 * What it reads: one graph input, one output, and between them a chain of
 *   [Flatten | Reshape] → (Gemm | MatMul [+ Add]) → [Sigmoid | Tanh | Relu | Softmax] → … (Identity anywhere),
 * with weights from initializers or Constant nodes, as raw_data or float_data / double_data.
 * Everything else is refused with one ModelFileError listing every problem (every unsupported
 * operator by name, every misshapen tensor, the node where the chain breaks). Untrusted sizes are
 * checked against the bytes actually present before anything is allocated from them.
 *
 * Orientation: glassbox keeps W^l as [n_l, n_(l−1)] (Nielsen's). Gemm with transB = 1 stores the
 * same; Gemm with transB = 0 and MatMul store [n_(l−1), n_l], which is transposed on import.
 */
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { ActivationName } from '../nn/activations.js';
import { costNames, type CostName } from '../nn/costs.js';
import { Sequential } from '../nn/model.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, collectProblems, GlassboxError, ModelFileError } from '../util/errors.js';
import type { ModelMeta } from './model-file.js';
import { ONNX_DOUBLE, ONNX_FLOAT, ONNX_INT64, ONNX_META_PREFIX, onnxProto } from './onnx.js';

/** The operators the importer understands (default domain only). */
export const ONNX_SUPPORTED_OPS = ['Gemm', 'MatMul', 'Add', 'Sigmoid', 'Tanh', 'Relu', 'Softmax', 'Flatten', 'Reshape', 'Identity', 'Constant'] as const;

/** The largest ONNX file accepted: protobuf's own limit of 2 GiB − 1 bytes. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

/** Options of `importOnnx`. */
export interface OnnxImportOptions {
  /**
   * The cost of the imported model. Default: the cost a glassbox export recorded, else
   * log-likelihood for a softmax output, cross-entropy for a sigmoid output, quadratic otherwise.
   */
  cost?: CostName;
  /** Names the file in error messages; default `ONNX file`. */
  what?: string;
}

/** What `importOnnx` returns. */
export interface ImportedOnnx {
  model: Sequential;
  /** `source: 'onnx'`, the producer and opset, and imageShape / classNames / dataset when known. */
  meta: ModelMeta;
  /** Things that were ignored or guessed (e.g. unreadable glassbox metadata). */
  warnings: string[];
  /** The graph's input and output names. */
  inputName: string;
  outputName: string;
}

const TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL',
  10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16',
};
const typeName = (t: number): string => `${TYPE_NAMES[t] ?? 'unknown'} (${t})`;

/** AttributeProto.AttributeType codes used here. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

/** Largest element count of one tensor (a 2 GiB file holds at most 2^29 float32 values). */
const MAX_ELEMENTS = 2 ** 29;
/** Largest tensor rank accepted. */
const MAX_RANK = 8;

/** An int64 field as decoded by protobufjs: a number, or a Long object when `long` is installed. */
function toInt(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber();
  }
  return NaN;
}

function quote(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

function nodeLabel(node: OnnxTypes.INodeProto, index: number): string {
  const name = node.name ? ` ${quote(node.name)}` : '';
  return `node ${index}${name} (${node.opType || 'no op_type'})`;
}

/** A constant tensor decoded to numbers. */
interface Constant {
  dims: number[];
  values: Float32Array | number[];
}

/** Check a tensor's dims, pushing problems; returns them with their element count, or null. */
function checkDims(tensor: OnnxTypes.ITensorProto, where: string, problems: string[]): { dims: number[]; count: number } | null {
  const raw = tensor.dims ?? [];
  if (raw.length > MAX_RANK) {
    problems.push(`${where}: ${raw.length} dimensions; at most ${MAX_RANK} are accepted`);
    return null;
  }
  const dims = raw.map(toInt);
  const bad = dims.findIndex((d) => !Number.isSafeInteger(d) || d < 0 || d > 2 ** 31 - 1);
  if (bad >= 0) {
    problems.push(`${where}: dimension ${bad} is ${String(raw[bad])}; dimensions must be integers from 0 to ${2 ** 31 - 1}`);
    return null;
  }
  let count = 1n; // exact, however absurd the dims
  for (const d of dims) count *= BigInt(d);
  if (count > BigInt(MAX_ELEMENTS)) {
    problems.push(`${where}: dims [${dims.join(', ')}] describe ${count} elements; at most ${MAX_ELEMENTS} fit in an ONNX file`);
    return null;
  }
  return { dims, count: Number(count) };
}

/**
 * Decode a float tensor (FLOAT or DOUBLE; raw_data, float_data or double_data) to float32, pushing
 * problems. The byte count is checked against the dims before the result is allocated.
 */
function decodeFloat(tensor: OnnxTypes.ITensorProto, where: string, problems: string[]): Constant | null {
  if (tensor.dataLocation === 1) {
    problems.push(`${where}: its data is in an external file; glassbox reads self-contained ONNX files (export with the weights inside)`);
    return null;
  }
  const type = tensor.dataType ?? 0;
  if (type !== ONNX_FLOAT && type !== ONNX_DOUBLE) {
    problems.push(`${where}: data type ${typeName(type)}; weights must be FLOAT (1) or DOUBLE (11)`);
    return null;
  }
  const shape = checkDims(tensor, where, problems);
  if (!shape) return null;
  const { dims, count } = shape;
  const width = type === ONNX_FLOAT ? 4 : 8;
  const raw = tensor.rawData ?? new Uint8Array(0);
  const listed = type === ONNX_FLOAT ? (tensor.floatData ?? []) : (tensor.doubleData ?? []);
  const field = type === ONNX_FLOAT ? 'float_data' : 'double_data';
  let values: Float32Array;
  if (raw.length > 0) {
    if (raw.length !== count * width) {
      problems.push(`${where}: dims [${dims.join(', ')}] need ${count * width} bytes of raw_data, found ${raw.length} (truncated or corrupt)`);
      return null;
    }
    values = new Float32Array(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) values[i] = type === ONNX_FLOAT ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
  } else {
    if (listed.length !== count) {
      problems.push(`${where}: dims [${dims.join(', ')}] need ${count} values, ${field} holds ${listed.length}`);
      return null;
    }
    values = Float32Array.from(listed);
  }
  const notFinite = values.findIndex((v) => !Number.isFinite(v));
  if (notFinite >= 0) {
    problems.push(`${where}: value ${notFinite} is ${values[notFinite]}; weights must be finite`);
    return null;
  }
  return { dims, values };
}

/** Decode an INT64 tensor (raw_data or int64_data) of at most `maxCount` elements, pushing problems. */
function decodeInt64(tensor: OnnxTypes.ITensorProto, where: string, maxCount: number, problems: string[]): number[] | null {
  if ((tensor.dataType ?? 0) !== ONNX_INT64) {
    problems.push(`${where}: data type ${typeName(tensor.dataType ?? 0)}; a shape must be INT64 (7)`);
    return null;
  }
  const shape = checkDims(tensor, where, problems);
  if (!shape) return null;
  if (shape.dims.length !== 1 || shape.count > maxCount) {
    problems.push(`${where}: dims [${shape.dims.join(', ')}]; expected a list of at most ${maxCount} integers`);
    return null;
  }
  const raw = tensor.rawData ?? new Uint8Array(0);
  if (raw.length > 0) {
    if (raw.length !== shape.count * 8) {
      problems.push(`${where}: ${shape.count} int64 values need ${shape.count * 8} bytes of raw_data, found ${raw.length}`);
      return null;
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: shape.count }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  }
  const listed = (tensor.int64Data ?? []).map(toInt);
  if (listed.length !== shape.count) {
    problems.push(`${where}: dims [${shape.dims.join(', ')}] need ${shape.count} values, int64_data holds ${listed.length}`);
    return null;
  }
  return listed;
}

/** A node's attributes by name, pushing a problem for duplicates and for names not in `known`. */
function attributes(node: OnnxTypes.INodeProto, label: string, known: readonly string[], problems: string[]): Map<string, OnnxTypes.IAttributeProto> {
  const out = new Map<string, OnnxTypes.IAttributeProto>();
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    if (out.has(name)) problems.push(`${label}: attribute ${quote(name)} appears more than once`);
    else if (!known.includes(name)) problems.push(`${label}: attribute ${quote(name)} is not supported (known: ${known.join(', ') || 'none'})`);
    else out.set(name, a);
  }
  return out;
}

function intAttribute(attrs: Map<string, OnnxTypes.IAttributeProto>, name: string, fallback: number, label: string, problems: string[]): number {
  const a = attrs.get(name);
  if (!a) return fallback;
  const v = toInt(a.i);
  if (a.type !== ATTR_INT || !Number.isSafeInteger(v)) {
    problems.push(`${label}: attribute ${name} must be an INT (type ${ATTR_INT}) attribute, got type ${a.type}${a.type === ATTR_INT ? ` with value ${String(a.i)}` : ''}`);
    return fallback;
  }
  return v;
}

function floatAttribute(attrs: Map<string, OnnxTypes.IAttributeProto>, name: string, fallback: number, label: string, problems: string[]): number {
  const a = attrs.get(name);
  if (!a) return fallback;
  const v = a.f ?? NaN;
  if (a.type !== ATTR_FLOAT || !Number.isFinite(v)) {
    problems.push(`${label}: attribute ${name} must be a finite FLOAT (type ${ATTR_FLOAT}) attribute, got type ${a.type}${a.type === ATTR_FLOAT ? ` with value ${v}` : ''}`);
    return fallback;
  }
  return v;
}

/** A dense layer being assembled from the graph. */
interface Layer {
  /** W^l [nOut, nIn] row-major (glassbox's orientation). */
  W: Float32Array;
  /** b^l [nOut]. */
  b: Float32Array;
  nIn: number;
  nOut: number;
  activation: ActivationName | null;
  /** The node that made it (for messages). */
  label: string;
}

/** A bias constant broadcast to [nOut]: shapes [nOut], [1, nOut], [1] and [] are accepted. */
function biasValues(c: Constant, nOut: number, label: string, problems: string[]): Float32Array | null {
  const d = c.dims;
  const ok = (d.length === 1 && (d[0] === nOut || d[0] === 1)) || (d.length === 2 && d[0] === 1 && (d[1] === nOut || d[1] === 1)) || d.length === 0;
  if (!ok) {
    problems.push(`${label}: the bias has shape [${d.join(', ')}]; expected [${nOut}], [1, ${nOut}], [1] or a scalar`);
    return null;
  }
  const out = new Float32Array(nOut);
  for (let j = 0; j < nOut; j++) out[j] = c.values.length === 1 ? c.values[0] : c.values[j];
  return out;
}

/** The glassbox metadata a glassbox export left in metadata_props, checked field by field. */
function readGlassboxMeta(props: OnnxTypes.IStringStringEntryProto[], warnings: string[]): { cost?: string; meta: ModelMeta } {
  const meta: ModelMeta = {};
  let cost: string | undefined;
  for (const p of props) {
    const key = p.key ?? '';
    if (!key.startsWith(ONNX_META_PREFIX)) continue;
    const field = key.slice(ONNX_META_PREFIX.length);
    const text = p.value ?? '';
    if (field === 'cost') {
      cost = text;
      continue;
    }
    let value: unknown;
    try {
      value = text.length <= 1_000_000 ? JSON.parse(text) : undefined;
    } catch {
      value = undefined;
    }
    if (field === 'imageShape' && Array.isArray(value) && value.length === 2 && value.every((n) => Number.isInteger(n) && n >= 1)) {
      meta.imageShape = [value[0] as number, value[1] as number];
    } else if (field === 'classNames' && Array.isArray(value) && value.every((s) => typeof s === 'string')) {
      meta.classNames = value as string[];
    } else if (field === 'dataset' && typeof value === 'string') {
      meta.dataset = value;
    } else {
      warnings.push(`ignored metadata ${quote(key)}: ${quote(text)} is not a valid value`);
    }
  }
  return { cost, meta };
}

/** The cost that fits an output activation when none is given. */
function defaultCost(output: ActivationName): CostName {
  return output === 'softmax' ? 'log-likelihood' : output === 'sigmoid' ? 'cross-entropy' : 'quadratic';
}

/** Whether `cost` can be used with an output layer of `output` (as Sequential requires). */
function costFits(cost: CostName, output: ActivationName): boolean {
  return (cost !== 'log-likelihood' || output === 'softmax') && (cost !== 'cross-entropy' || output === 'sigmoid');
}

/**
 * Read an ONNX file's bytes into a glassbox model.
 * @throws ModelFileError naming the file and listing every problem: bytes that are not an ONNX
 *   protobuf, unsupported operators (all named), a graph that is not a chain of dense layers,
 *   tensors whose dims and data disagree, non-finite weights.
 * @throws ArgumentError when `options.cost` cannot be used with the network's output layer.
 */
export async function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): Promise<ImportedOnnx> {
  const what = options.what ?? 'ONNX file';
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`importOnnx: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (options.cost !== undefined && !costNames.includes(options.cost)) {
    throw new ArgumentError(`importOnnx: unknown cost '${String(options.cost)}', expected one of: ${costNames.join(', ')}`);
  }
  const fail = (problems: string[]): never => {
    throw collectProblems(ModelFileError, what, problems);
  };
  if (bytes.length === 0) fail(['the file is empty (expected an ONNX model)']);
  if (bytes.length > MAX_ONNX_BYTES) fail([`the file has ${bytes.length} bytes; ONNX files are at most ${MAX_ONNX_BYTES} bytes`]);
  const onnx = await onnxProto();
  // A glassbox model file (JSON) handed to the importer by mistake: say so.
  const json = bytes[0] === 0x7b ? ' (it starts like JSON: a glassbox model file needs no import)' : '';
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const reason = e instanceof RangeError && /call stack/i.test(e.message) ? 'messages nested too deeply' : e instanceof Error ? e.message : String(e);
    return fail([`not an ONNX model: the protobuf cannot be decoded (${reason}); the file is truncated or corrupt${json}`]);
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const graph = model.graph;
  if (!graph) return fail([`the ONNX model has no graph (is this an ONNX file? it may be truncated or corrupt)${json}`]);

  const defaultOpset = (model.opsetImport ?? []).find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  const opset = defaultOpset ? toInt(defaultOpset.version) : NaN;
  if (!Number.isSafeInteger(opset) || opset < 1) warnings.push('no opset for the default ONNX domain; assuming opset 13');

  // Operators: refuse every unsupported one, all named at once.
  const nodes = graph.node ?? [];
  const unsupported = new Map<string, string[]>();
  nodes.forEach((node, i) => {
    const domain = node.domain ?? '';
    const op = node.opType ?? '';
    if ((domain === '' || domain === 'ai.onnx') && (ONNX_SUPPORTED_OPS as readonly string[]).includes(op)) return;
    const key = domain === '' || domain === 'ai.onnx' ? op || '(empty op_type)' : `${domain}.${op}`;
    const list = unsupported.get(key) ?? [];
    list.push(node.name ? quote(node.name) : `#${i}`);
    unsupported.set(key, list);
  });
  if (unsupported.size > 0) {
    const listed = [...unsupported].map(([op, names]) => `${op} (${names.length} node${names.length === 1 ? '' : 's'}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`);
    problems.push(
      `unsupported operator${unsupported.size === 1 ? '' : 's'} ${listed.join('; ')} — glassbox imports dense networks: ` +
        `Gemm or MatMul + Add, Sigmoid, Tanh, Relu, Softmax, with Flatten or Reshape at the input (supported: ${ONNX_SUPPORTED_OPS.join(', ')})`,
    );
  }
  if ((graph.sparseInitializer ?? []).length > 0) problems.push('sparse initializers are not supported');

  // Constants: initializers and Constant nodes, decoded only when a node uses them.
  const constants = new Map<string, OnnxTypes.ITensorProto>();
  const constantLists = new Map<string, number[]>(); // Constant nodes with value_ints
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    if (constants.has(name)) problems.push(`initializer ${quote(name)} is defined more than once`);
    constants.set(name, t);
  }
  nodes.forEach((node, i) => {
    if (node.opType !== 'Constant' || (node.domain ?? '') !== '') return;
    const label = nodeLabel(node, i);
    const attrs = attributes(node, label, ['value', 'value_ints'], problems);
    const out = (node.output ?? [])[0];
    if ((node.output ?? []).length !== 1 || !out) {
      problems.push(`${label}: a Constant must have exactly one output`);
    } else if (constants.has(out) || constantLists.has(out)) {
      problems.push(`${label}: the value ${quote(out)} is defined more than once`);
    } else if (attrs.get('value')?.type === ATTR_TENSOR && attrs.get('value')?.t) {
      constants.set(out, attrs.get('value')!.t!);
    } else if (attrs.get('value_ints')?.type === ATTR_INTS) {
      const ints = (attrs.get('value_ints')!.ints ?? []).map(toInt);
      if (ints.length > 8) problems.push(`${label}: value_ints holds ${ints.length} integers; only short shape lists are read`);
      else constantLists.set(out, ints);
    } else {
      problems.push(`${label}: expected a 'value' tensor or 'value_ints' attribute`);
    }
  });
  const isConstant = (name: string): boolean => constants.has(name) || constantLists.has(name);

  // The one real input (older exporters also list initializers as inputs) and the one output.
  const inputs = (graph.input ?? []).filter((v) => !isConstant(v.name ?? ''));
  const outputs = graph.output ?? [];
  if (inputs.length !== 1) problems.push(`the graph must have exactly one input besides its weights, found ${inputs.length}${inputs.length ? `: ${inputs.map((v) => quote(v.name ?? '')).join(', ')}` : ''}`);
  if (outputs.length !== 1) problems.push(`the graph must have exactly one output, found ${outputs.length}${outputs.length ? `: ${outputs.map((v) => quote(v.name ?? '')).join(', ')}` : ''}`);
  if (problems.length > 0) fail(problems);
  const input = inputs[0];
  const inputName = input.name ?? '';
  const outputName = outputs[0].name ?? '';

  // The input's declared type: float, and [batch, features…] when dims are given.
  const tensorType = input.type?.tensorType;
  let inputDims: (number | null)[] | null = null;
  if (tensorType) {
    const elem = tensorType.elemType ?? 0;
    if (elem !== ONNX_FLOAT && elem !== 0) problems.push(`the input ${quote(inputName)} has element type ${typeName(elem)}; glassbox models take FLOAT (1)`);
    if (tensorType.shape) {
      const dims = tensorType.shape.dim ?? [];
      if (dims.length > MAX_RANK) problems.push(`the input ${quote(inputName)} has ${dims.length} dimensions; at most ${MAX_RANK} are accepted`);
      else {
        inputDims = dims.map((d, i) => {
          if (d.dimValue === null || d.dimValue === undefined) return null; // symbolic (dim_param) or unknown
          const v = toInt(d.dimValue);
          if (!Number.isSafeInteger(v) || v < 0 || v > 2 ** 31 - 1 || (v === 0 && i > 0)) {
            problems.push(`the input ${quote(inputName)}: dimension ${i} is ${String(d.dimValue)}; expected ${i > 0 ? '1' : '0'} to ${2 ** 31 - 1} or a symbolic name`);
            return null;
          }
          return v;
        });
      }
    }
  }
  if (inputDims && inputDims.length < 2) problems.push(`the input ${quote(inputName)} has ${inputDims.length} dimension(s); expected [batch, features…]`);
  const featureDims = inputDims ? inputDims.slice(1) : null;
  const inputFeatures = featureDims && featureDims.every((d) => d !== null) ? featureDims.reduce((p: number, d) => p * d!, 1) : null;

  // Who reads each value, and who writes it.
  const readers = new Map<string, number[]>();
  const writers = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const name of node.input ?? []) {
      if (!name) continue;
      const list = readers.get(name);
      if (list) list.push(i);
      else readers.set(name, [i]);
    }
    for (const name of node.output ?? []) {
      if (!name) continue;
      if (writers.has(name) || (constants.has(name) && node.opType !== 'Constant')) problems.push(`${nodeLabel(node, i)}: the value ${quote(name)} is written more than once`);
      writers.set(name, i);
    }
  });
  if (problems.length > 0) fail(problems);

  // Walk the chain from the input to the output; each step takes a new node, so it ends.
  const layers: Layer[] = [];
  let current = inputName;
  let flat = inputDims === null || inputDims.length <= 2; // is `current` [batch, features]?
  let width: number | null = inputDims && inputDims.length === 2 ? inputDims[1] : inputFeatures; // features of `current`
  const visited = new Set<number>();
  const constant = (name: string, label: string): Constant | null => {
    const t = constants.get(name);
    if (!t) {
      problems.push(`${label}: ${quote(name)} must be a constant (an initializer or a Constant node)`);
      return null;
    }
    return decodeFloat(t, `${label}: tensor ${quote(name)}`, problems);
  };
  while (current !== outputName && problems.length === 0) {
    const next = (readers.get(current) ?? []).filter((i) => nodes[i].opType !== 'Constant');
    if (next.length === 0) {
      problems.push(`nothing reads ${quote(current)}, but it is not the graph output ${quote(outputName)}`);
      break;
    }
    if (next.length > 1) {
      problems.push(`the graph branches at ${quote(current)} (read by ${next.map((i) => nodeLabel(nodes[i], i)).join(', ')}); glassbox imports a chain of layers`);
      break;
    }
    const index = next[0];
    const node = nodes[index];
    const label = nodeLabel(node, index);
    if (visited.has(index)) {
      problems.push(`${label}: the graph has a cycle`);
      break;
    }
    visited.add(index);
    const ins = node.input ?? [];
    const outs = (node.output ?? []).filter((o) => o !== '');
    if (outs.length !== 1) {
      problems.push(`${label}: expected one output, found ${outs.length}`);
      break;
    }
    const op = node.opType ?? '';
    const last = layers[layers.length - 1];
    const others = ins.filter((name, k) => name !== current && !(k === 2 && name === ''));
    if (ins.filter((name) => name === current).length !== 1) {
      problems.push(`${label}: reads ${quote(current)} more than once`);
      break;
    }
    switch (op) {
      case 'Identity': {
        attributes(node, label, [], problems);
        if (ins.length !== 1) problems.push(`${label}: expected one input, got ${ins.length}`);
        break;
      }
      case 'Flatten': {
        const attrs = attributes(node, label, ['axis'], problems);
        if (ins.length !== 1) problems.push(`${label}: expected one input, got ${ins.length}`);
        const axis = intAttribute(attrs, 'axis', 1, label, problems);
        if (layers.length > 0) problems.push(`${label}: Flatten is accepted only at the input, before the first dense layer`);
        else if (axis !== 1) problems.push(`${label}: Flatten axis ${axis}; only axis 1 (keep the batch, flatten the rest) is supported`);
        flat = true;
        width = inputFeatures;
        break;
      }
      case 'Reshape': {
        const attrs = attributes(node, label, ['allowzero'], problems);
        if (intAttribute(attrs, 'allowzero', 0, label, problems) !== 0) problems.push(`${label}: allowzero = 1 is not supported`);
        if (layers.length > 0 || ins[0] !== current || ins.length !== 2) {
          problems.push(`${label}: Reshape is accepted only at the input, as Reshape(input, shape) before the first dense layer`);
          break;
        }
        const shapeName = ins[1];
        const target = constantLists.get(shapeName) ?? (constants.has(shapeName) ? decodeInt64(constants.get(shapeName)!, `${label}: shape ${quote(shapeName)}`, 8, problems) : null);
        if (!target) {
          if (!constants.has(shapeName) && !constantLists.has(shapeName)) problems.push(`${label}: the shape ${quote(shapeName)} must be a constant`);
          break;
        }
        // Keep the batch (0 = copy, −1 = infer) and flatten the rest: [−1, n], [0, n] or [0, −1].
        const [d0, d1] = target;
        const keepsBatch = target.length === 2 && (d0 === 0 || d0 === -1) && (d1 >= 1 || (d1 === -1 && d0 === 0));
        if (!keepsBatch) {
          problems.push(`${label}: Reshape to [${target.join(', ')}]; only [-1, n], [0, n] or [0, -1] (keep the batch, flatten the rest) is supported`);
          break;
        }
        if (d1 >= 1 && inputFeatures !== null && d1 !== inputFeatures) {
          problems.push(`${label}: Reshape to [${target.join(', ')}] but the input has ${inputFeatures} features per example`);
        }
        flat = true;
        width = d1 >= 1 ? d1 : inputFeatures;
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const attrs = attributes(node, label, op === 'Gemm' ? ['alpha', 'beta', 'transA', 'transB'] : [], problems);
        const alpha = floatAttribute(attrs, 'alpha', 1, label, problems);
        const beta = floatAttribute(attrs, 'beta', 1, label, problems);
        const transA = intAttribute(attrs, 'transA', 0, label, problems);
        const transB = op === 'Gemm' ? intAttribute(attrs, 'transB', 0, label, problems) : 0;
        const arity = op === 'Gemm' ? ins.length === 2 || ins.length === 3 : ins.length === 2;
        if (!arity || ins[0] !== current) {
          problems.push(`${label}: expected ${op}(${quote(current)}, weights${op === 'Gemm' ? '[, bias]' : ''}), got inputs ${ins.map(quote).join(', ')}`);
          break;
        }
        if (transA !== 0) problems.push(`${label}: transA = ${transA}; only transA = 0 is supported`);
        if (transB !== 0 && transB !== 1) problems.push(`${label}: transB = ${transB}; expected 0 or 1`);
        if (!flat) problems.push(`${label}: its input ${quote(current)} has ${inputDims!.length} dimensions; a Flatten or Reshape to [batch, features] must come first`);
        if (problems.length > 0) break;
        const B = constant(ins[1], label);
        if (!B) break;
        if (B.dims.length !== 2 || B.dims[0] < 1 || B.dims[1] < 1) {
          problems.push(`${label}: the weight ${quote(ins[1])} has shape [${B.dims.join(', ')}]; expected a matrix with no empty side`);
          break;
        }
        // transB = 1: B is [nOut, nIn] — glassbox's W^l as is. Otherwise B is [nIn, nOut] = (W^l)ᵀ.
        const [nOut, nIn] = transB === 1 ? B.dims : [B.dims[1], B.dims[0]];
        const W = new Float32Array(nOut * nIn);
        for (let j = 0; j < nOut; j++) {
          for (let k = 0; k < nIn; k++) W[j * nIn + k] = alpha * (transB === 1 ? B.values[j * nIn + k] : B.values[k * nOut + j]);
        }
        let b = new Float32Array(nOut);
        if (op === 'Gemm' && ins.length === 3 && ins[2] !== '') {
          const C = constant(ins[2], label);
          const bias = C ? biasValues(C, nOut, label, problems) : null;
          if (!bias) break;
          b = bias.map((v) => beta * v);
        }
        if (width !== null && width !== nIn) {
          problems.push(`${label}: the weight ${quote(ins[1])} takes ${nIn} inputs, but ${layers.length === 0 ? `the input ${quote(inputName)} has ${width} features` : `the previous layer has ${width} neurons`}`);
          break;
        }
        layers.push({ W, b, nIn, nOut, activation: null, label });
        width = nOut;
        break;
      }
      case 'Add': {
        attributes(node, label, [], problems);
        if (ins.length !== 2 || others.length !== 1) {
          problems.push(`${label}: expected Add(${quote(current)}, bias), got inputs ${ins.map(quote).join(', ')}`);
          break;
        }
        if (!last || last.activation !== null) {
          problems.push(`${label}: an Add is accepted only as the bias of a MatMul or Gemm, before its activation`);
          break;
        }
        const C = constant(others[0], label);
        const bias = C ? biasValues(C, last.nOut, label, problems) : null;
        if (bias) for (let j = 0; j < last.nOut; j++) last.b[j] += bias[j];
        break;
      }
      case 'Sigmoid':
      case 'Tanh':
      case 'Relu':
      case 'Softmax': {
        const attrs = attributes(node, label, op === 'Softmax' ? ['axis'] : [], problems);
        if (ins.length !== 1) problems.push(`${label}: expected one input, got ${ins.length}`);
        if (op === 'Softmax') {
          const axis = intAttribute(attrs, 'axis', Number.isSafeInteger(opset) && opset < 13 ? 1 : -1, label, problems);
          if (axis !== 1 && axis !== -1) problems.push(`${label}: Softmax axis ${axis}; only the class axis (1 or -1) of [batch, classes] is supported`);
        }
        if (!last || last.activation !== null) {
          problems.push(`${label}: ${op} must follow a Gemm or MatMul (+ Add); glassbox layers have one activation each`);
          break;
        }
        last.activation = op.toLowerCase() as ActivationName;
        break;
      }
      default:
        problems.push(`${label}: operator ${op} cannot appear here`);
    }
    current = outs[0];
  }
  if (problems.length === 0) {
    if (layers.length === 0) problems.push(`the graph has no dense layer (Gemm or MatMul) between ${quote(inputName)} and ${quote(outputName)}`);
    // The output's declared shape, when given, must be what the network computes: [batch, n_L].
    const declared = outputs[0].type?.tensorType?.shape?.dim;
    if (declared && layers.length > 0) {
      const nOut = layers[layers.length - 1].nOut;
      const width = declared.length === 2 && declared[1].dimValue != null ? toInt(declared[1].dimValue) : null;
      if (declared.length !== 2 || (width !== null && width !== nOut)) {
        const shown = declared.map((d) => (d.dimValue != null ? String(d.dimValue) : d.dimParam || '?')).join(', ');
        problems.push(`the output ${quote(outputName)} is declared [${shown}] but the network computes [batch, ${nOut}]`);
      }
    }
    nodes.forEach((node, i) => {
      if (!visited.has(i) && node.opType !== 'Constant') problems.push(`${nodeLabel(node, i)} is not on the path from ${quote(inputName)} to ${quote(outputName)}`);
    });
  }
  if (problems.length > 0) fail(problems);

  // The cost: asked for, else recorded by a glassbox export, else the natural one for the output.
  const activations = layers.map((l) => l.activation ?? 'linear');
  const output = activations[activations.length - 1];
  const stored = readGlassboxMeta(model.metadataProps ?? [], warnings);
  let cost: CostName;
  if (options.cost !== undefined) {
    if (!costFits(options.cost, output)) {
      throw new ArgumentError(`importOnnx: the cost '${options.cost}' needs a ${options.cost === 'log-likelihood' ? 'softmax' : 'sigmoid'} output layer, but the network's output is ${output}; use ${defaultCost(output)} or quadratic`);
    }
    cost = options.cost;
  } else if (stored.cost !== undefined && costNames.includes(stored.cost as CostName) && costFits(stored.cost as CostName, output)) {
    cost = stored.cost as CostName;
  } else {
    if (stored.cost !== undefined) warnings.push(`ignored metadata ${ONNX_META_PREFIX}cost ${quote(stored.cost)}: not a cost for a ${output} output`);
    cost = defaultCost(output);
  }

  const sizes = [layers[0].nIn, ...layers.map((l) => l.nOut)];
  const params = layers.flatMap((l) => [new Tensor(l.W, [l.nOut, l.nIn]), new Tensor(l.b, [l.nOut])]);
  let seq: Sequential;
  try {
    seq = Sequential.fromSpec({ sizes, activations, cost }, params);
  } catch (e) {
    if (e instanceof GlassboxError) return fail([e.message]);
    throw e;
  }

  const meta: ModelMeta = { source: 'onnx' };
  const producer = `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim();
  if (producer) meta.onnxProducer = producer;
  if (Number.isSafeInteger(opset) && opset >= 1) meta.onnxOpset = opset;
  if (stored.meta.dataset !== undefined) meta.dataset = stored.meta.dataset;
  if (stored.meta.classNames !== undefined) {
    if (stored.meta.classNames.length === sizes[sizes.length - 1]) meta.classNames = stored.meta.classNames;
    else warnings.push(`ignored metadata ${ONNX_META_PREFIX}classNames: ${stored.meta.classNames.length} names for ${sizes[sizes.length - 1]} outputs`);
  }
  // Image shape: recorded by glassbox, else read from an image-shaped input ([batch, H, W] or [batch, 1, H, W]).
  const image = stored.meta.imageShape
    ?? (featureDims && featureDims.length === 2 && featureDims.every((d) => d !== null) ? [featureDims[0]!, featureDims[1]!] as [number, number] : undefined)
    ?? (featureDims && featureDims.length === 3 && featureDims[0] === 1 && featureDims[1] !== null && featureDims[2] !== null ? [featureDims[1]!, featureDims[2]!] as [number, number] : undefined);
  if (image && image[0] * image[1] === sizes[0]) meta.imageShape = image;
  else if (stored.meta.imageShape) warnings.push(`ignored metadata ${ONNX_META_PREFIX}imageShape [${image!.join(', ')}]: the model takes ${sizes[0]} inputs`);
  return { model: seq, meta, warnings, inputName, outputName };
}
