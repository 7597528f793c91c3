/**
 * io/onnx — ONNX export: a trained Sequential as a standard ONNX graph (opset 13), encoded with the
 * protobuf classes of the `onnx-proto` package (not a hand-rolled encoder); and the lazy loader of
 * those classes, shared with the importer (onnx-import.ts). Browser-safe: no node:* here, and the
 * 330 kB of generated protobuf code is loaded by dynamic import only when ONNX is used.
 *
 * The graph, for Nielsen's layers l = 2 … L (code's layers[l − 2]):
 *
 *   input [batch, n_1] → Gemm(A, W^l, b^l, transB=1) → z^l → Sigmoid | Tanh | Relu | Softmax → a^l → … → output [batch, n_L]
 *
 * Gemm computes Y = A·Bᵀ + C with transB = 1, which is exactly Z = A·Wᵀ + b for glassbox's
 * W^l of shape [n_l, n_(l−1)] (Nielsen's orientation), so the weights are written as they are.
 * A linear layer has no activation node. Parameters are written as float32 (a float64 model is
 * rounded). The cost and the model's meta (image shape, class names, data set) travel in the
 * model's metadata_props under `glassbox.*`, so an import gives back the same glassbox model.
 */
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { ActivationName } from '../nn/activations.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import { ModelFileError, UnsupportedError } from '../util/errors.js';
import type { ModelMeta } from './model-file.js';

/** The `onnx` namespace of the onnx-proto package (ModelProto, GraphProto, TensorProto, …). */
export type OnnxNamespace = typeof import('onnx-proto')['onnx'];

let loading: Promise<OnnxNamespace> | undefined;

/**
 * The protobuf classes of ONNX, loaded on first use.
 * @throws UnsupportedError when the onnx-proto package cannot be loaded.
 */
export function onnxProto(): Promise<OnnxNamespace> {
  loading ??= import('onnx-proto').then(
    (mod) => {
      // A CommonJS package: Node gives module.exports as `default`, bundlers may give it directly.
      const m = mod as unknown as { default?: { onnx?: OnnxNamespace }; onnx?: OnnxNamespace };
      const ns = m.default?.onnx ?? m.onnx;
      if (!ns) throw new UnsupportedError('the onnx-proto package loaded but has no `onnx` namespace');
      return ns;
    },
    (e: unknown) => {
      loading = undefined;
      throw new UnsupportedError(`ONNX needs the onnx-proto package, which could not be loaded (${e instanceof Error ? e.message : String(e)})`);
    },
  );
  return loading;
}

/** The ONNX operator set the exporter targets (the default domain, ai.onnx). */
export const ONNX_OPSET = 13;
/** The ONNX IR version written (7 is the first to carry opset 13). */
export const ONNX_IR_VERSION = 7;
/** Name of the exported graph's input, [batch, n_1]. */
export const ONNX_INPUT = 'input';
/** Name of the exported graph's output, a^L [batch, n_L]. */
export const ONNX_OUTPUT = 'output';
/** Prefix of the metadata_props keys glassbox writes and reads. */
export const ONNX_META_PREFIX = 'glassbox.';

/** TensorProto.DataType codes used here. */
export const ONNX_FLOAT = 1;
/** TensorProto.DataType of float64. */
export const ONNX_DOUBLE = 11;
/** TensorProto.DataType of int64. */
export const ONNX_INT64 = 7;

/** The ONNX operator of each activation (linear: none). */
export const ONNX_ACTIVATION_OPS: Record<ActivationName, string | null> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  softmax: 'Softmax',
  linear: null,
};

/** Options of `exportOnnx`. */
export interface OnnxExportOptions {
  /** Facts saved with the model (image shape, class names, data set) to keep in metadata_props. */
  meta?: ModelMeta;
  /** The graph's name; default `glassbox`. */
  graphName?: string;
  /** Recorded as producer_version; default `0.1.0`. */
  producerVersion?: string;
}

/** The little-endian float32 bytes of `values` (ONNX raw_data is always little-endian). */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

function floatType(dims: (number | string)[]): OnnxTypes.ITypeProto {
  return {
    tensorType: {
      elemType: ONNX_FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

/**
 * The model's metadata_props: its cost, and those meta fields glassbox reads back (imageShape,
 * classNames, dataset), each as JSON text.
 */
function metadataProps(model: Sequential, meta: ModelMeta): OnnxTypes.IStringStringEntryProto[] {
  const props: OnnxTypes.IStringStringEntryProto[] = [{ key: `${ONNX_META_PREFIX}cost`, value: model.cost.name }];
  if (meta.imageShape) props.push({ key: `${ONNX_META_PREFIX}imageShape`, value: JSON.stringify(meta.imageShape) });
  if (meta.classNames) props.push({ key: `${ONNX_META_PREFIX}classNames`, value: JSON.stringify(meta.classNames) });
  if (typeof meta.dataset === 'string') props.push({ key: `${ONNX_META_PREFIX}dataset`, value: JSON.stringify(meta.dataset) });
  return props;
}

/**
 * The model as the bytes of an ONNX file (opset 13): one Gemm (transB = 1) per layer followed by
 * its activation's operator. Run it with any ONNX runtime: input `input` [batch, n_1] float32,
 * output `output` [batch, n_L] = a^L, the same as `model.predict`.
 * @throws ModelFileError when a parameter is NaN or infinite (did training diverge?).
 */
export async function exportOnnx(model: Sequential, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  const onnx = await onnxProto();
  for (const p of model.parameters()) {
    if (!T.allFinite(p.value)) throw new ModelFileError(`cannot export the model to ONNX: parameter ${p.name} holds non-finite values (did training diverge?)`);
  }
  const sizes = model.sizes;
  const nodes: OnnxTypes.INodeProto[] = [];
  const initializers: OnnxTypes.ITensorProto[] = [];
  let previous = ONNX_INPUT;
  for (let i = 0; i < model.layers.length; i++) {
    const layer = model.layers[i];
    const l = i + 2; // Nielsen's layer number of layers[i]
    const last = i === model.layers.length - 1;
    const [nOut, nIn] = layer.W.shape; // W^l [n_l, n_(l−1)]
    initializers.push(
      { name: `W${l}`, dataType: ONNX_FLOAT, dims: [nOut, nIn], rawData: float32Bytes(await layer.W.data()) },
      { name: `b${l}`, dataType: ONNX_FLOAT, dims: [nOut], rawData: float32Bytes(await layer.b.data()) },
    );
    const op = ONNX_ACTIVATION_OPS[layer.activation.name];
    const z = last && op === null ? ONNX_OUTPUT : `z${l}`;
    nodes.push({
      name: `dense${l}`,
      opType: 'Gemm',
      input: [previous, `W${l}`, `b${l}`],
      output: [z], // z^l = a^(l−1)·(W^l)ᵀ + b^l  [batch, n_l]
      attribute: [
        { name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1 },
        { name: 'beta', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1 },
        { name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
      ],
    });
    previous = z;
    if (op !== null) {
      const a = last ? ONNX_OUTPUT : `a${l}`;
      const attribute = op === 'Softmax' ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] : [];
      nodes.push({ name: `${layer.activation.name}${l}`, opType: op, input: [z], output: [a], attribute }); // a^l [batch, n_l]
      previous = a;
    }
  }
  const message = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'glassbox',
    producerVersion: options.producerVersion ?? '0.1.0',
    docString: `glassbox ${sizes.join('-')} network (${model.layers.map((l) => l.activation.name).join(', ')}; cost ${model.cost.name})`,
    metadataProps: metadataProps(model, options.meta ?? {}),
    graph: {
      name: options.graphName ?? 'glassbox',
      node: nodes,
      initializer: initializers,
      input: [{ name: ONNX_INPUT, type: floatType(['batch', sizes[0]]) }],
      output: [{ name: ONNX_OUTPUT, type: floatType(['batch', sizes[sizes.length - 1]]) }],
    },
  });
  const bytes = onnx.ModelProto.encode(message).finish();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
