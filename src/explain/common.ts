/**
 * explain/common — what every transparency tool shares: float64 copies of a model, checked examples
 * (a model/data width mismatch is named), a parameter named in Nielsen's numbering (w^l_jk, b^l_j)
 * with range errors that state the valid range, and the derivative tables σ'(z) and ∂C/∂a^L that
 * the tools compute from the book's equations, independently of the autodiff engine.
 *
 * Numbering (docs/notation.md): Nielsen's layers run 1 (input) … L (output); the model's weight
 * layers are `layers[0 … L−2]`, so layer l is `layers[l − 2]` and w^l_jk = layers[l − 2].W[j, k].
 * Neuron indices j, k are 0-based.
 */
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DataError } from '../util/errors.js';

/** One example's (or a batch's) input: a Tensor [n, nIn] or [nIn], or a plain list of nIn numbers. */
export type ExplainInput = Tensor | ArrayLike<number>;

/** Targets: a Tensor [n, nOut] or [nOut], a plain list of nOut numbers, or a class label. */
export type ExplainTarget = Tensor | ArrayLike<number> | number;

/** A weight w^l_jk (`from` given) or a bias b^l_j (`bias: true`), in Nielsen's layer numbering. */
export interface ParameterRef {
  /** Nielsen's layer l, 2 … L (layer 1 is the input and has no parameters). */
  layer: number;
  /** j: the neuron of layer l the weight feeds (0-based). */
  to: number;
  /** k: the neuron of layer l−1 the weight comes from (0-based); omit for a bias. */
  from?: number;
  /** Set to pick the bias b^l_j instead of a weight. */
  bias?: boolean;
}

/** A parameter as reports show it. */
export interface ParameterInfo {
  kind: 'weight' | 'bias';
  /** Nielsen's layer l. */
  layer: number;
  /** j (0-based). */
  to: number;
  /** k (0-based), for weights only. */
  from?: number;
  /** `w^3_{5,17}` or `b^3_{5}`. */
  name: string;
  /** The parameter's current value. */
  value: number;
}

/** A `ParameterRef` checked against a model, with where it lives in code. */
export interface ResolvedParameter {
  info: ParameterInfo;
  /** Index into `model.layers` (= l − 2). */
  layerIndex: number;
  /** Index into `model.parameters()` / `paramTensors()` (2·layerIndex for W, +1 for b). */
  paramIndex: number;
  /** Flat index of the element inside its tensor. */
  flatIndex: number;
  /** j. */
  to: number;
  /** k, or −1 for a bias. */
  from: number;
}

/**
 * A layer, neuron or flag value outside what the model has. `option` names the bad option
 * (`layer`, `to`, `from`, …) so the CLI can report it as the flag `--option`.
 */
export class ParameterRangeError extends ArgumentError {
  constructor(
    /** The tool that was asked: `ripple`, `paths`, … */
    readonly tool: string,
    /** The option that was out of range. */
    readonly option: string,
    /** The value given. */
    readonly value: unknown,
    /** What the valid range is, in words: `layer 3 has neurons 0…9`. */
    readonly valid: string,
  ) {
    super(`${tool}: ${option} ${String(value)} is out of range: ${valid}`);
  }
}

/** The model itself when it is already float64, else a float64 copy (explain works in float64). */
export function asFloat64(model: Sequential): Sequential {
  return model.dtype === 'float64' ? model : model.cast('float64');
}

/** Nielsen's number of the output layer, L (the model has weight layers 2 … L). */
export function outputLayer(model: Sequential): number {
  return model.layers.length + 1;
}

/** Throw a ParameterRangeError unless `layer` is a weight layer 2 … L of `model`. */
export function checkLayer(tool: string, model: Sequential, layer: number, option = 'layer'): number {
  const L = outputLayer(model);
  if (!Number.isInteger(layer) || layer < 2 || layer > L) {
    const range = L === 2 ? 'the model has one weight layer, 2' : `the model has weight layers 2…${L}`;
    throw new ParameterRangeError(tool, option, layer, `${range} (Nielsen's numbering: layer 1 is the input and has no weights)`);
  }
  return layer - 2;
}

/** Check a `ParameterRef` against `model`; errors name the option, the bad value and the valid range. */
export function resolveParameter(tool: string, model: Sequential, ref: ParameterRef): ResolvedParameter {
  if (!ref || typeof ref !== 'object') throw new ArgumentError(`${tool}: expected a parameter { layer, to, from } or { layer, to, bias: true }`);
  const layerIndex = checkLayer(tool, model, ref.layer);
  const { W, b } = model.layers[layerIndex];
  const [nOut, nIn] = W.shape;
  const { layer, to } = ref;
  if (!Number.isInteger(to) || to < 0 || to >= nOut) {
    throw new ParameterRangeError(tool, 'to', to, `layer ${layer} has neurons 0…${nOut - 1}`);
  }
  if (ref.bias) {
    if (ref.from !== undefined) throw new ArgumentError(`${tool}: give either from (a weight) or bias (a bias), not both`);
    return {
      info: { kind: 'bias', layer, to, name: `b^${layer}_{${to}}`, value: b.dataSync()[to] },
      layerIndex, paramIndex: 2 * layerIndex + 1, flatIndex: to, to, from: -1,
    };
  }
  const from = ref.from;
  if (from === undefined) throw new ArgumentError(`${tool}: name a weight with from (k of w^l_jk) or ask for the bias with bias: true`);
  if (!Number.isInteger(from) || from < 0 || from >= nIn) {
    throw new ParameterRangeError(tool, 'from', from, `layer ${layer - 1} (the layer before ${layer}) has neurons 0…${nIn - 1}`);
  }
  const flatIndex = to * nIn + from; // W is [nOut, nIn]: w^l_jk = W[j, k]
  return {
    info: { kind: 'weight', layer, to, from, name: `w^${layer}_{${to},${from}}`, value: W.dataSync()[flatIndex] },
    layerIndex, paramIndex: 2 * layerIndex, flatIndex, to, from,
  };
}

/** Copy numbers into a float64 array, rejecting anything non-numeric. */
function numbers(tool: string, what: string, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(`${tool}: ${what} value ${i} is ${String(v)}, not a finite number`);
    out[i] = v;
  }
  return out;
}

/** `t` itself when it is float64, else a float64 copy. */
export function toFloat64(t: Tensor): Tensor {
  return t.dtype === 'float64' ? t : T.cast(t, 'float64');
}

/**
 * Inputs checked against the model, as a Tensor [n, nIn] in their own dtype (not copied when
 * already 2-D): tools convert rows to float64 as they use them, so 10,000 MNIST digits need not be
 * copied whole.
 * @throws DataError when the width is not the model's input width.
 */
export function checkedRows(tool: string, model: Sequential, x: ExplainInput): Tensor {
  const nIn = model.inputSize;
  let t: Tensor;
  if (x instanceof Tensor) {
    if (x.rank === 1) t = T.reshape(x, [1, x.shape[0]]);
    else if (x.rank === 2) t = x;
    else throw new DataError(`${tool}: the input must be one example [${nIn}] or a batch [n, ${nIn}], got a tensor of shape [${x.shape.join(', ')}]`);
  } else {
    t = new Tensor(numbers(tool, 'input', x), [1, x.length]);
  }
  if (t.shape[1] !== nIn) {
    throw new DataError(`${tool}: the input has ${t.shape[1]} features but the model's input layer has ${nIn} neurons`);
  }
  if (t.shape[0] < 1) throw new DataError(`${tool}: the input has no examples`);
  return t;
}

/**
 * Inputs as a float64 Tensor [n, nIn].
 * @throws DataError when the width is not the model's input width.
 */
export function inputRows(tool: string, model: Sequential, x: ExplainInput): Tensor {
  return toFloat64(checkedRows(tool, model, x));
}

/**
 * Targets as a float64 Tensor [n, nOut]; a class label becomes a one-hot row.
 * @throws DataError when the width or the number of rows does not fit.
 */
export function targetRows(tool: string, model: Sequential, y: ExplainTarget, rows: number): Tensor {
  const nOut = model.sizes[model.sizes.length - 1];
  let t: Tensor;
  if (typeof y === 'number') {
    if (!Number.isInteger(y) || y < 0 || y >= nOut) throw new DataError(`${tool}: the label ${y} is not a class of the model's output layer, which has classes 0…${nOut - 1}`);
    t = T.oneHot([y], nOut, 'float64');
  } else if (y instanceof Tensor) {
    if (y.rank === 1) t = T.reshape(y, [1, y.shape[0]]);
    else if (y.rank === 2) t = y;
    else throw new DataError(`${tool}: the targets must be [${nOut}] or [n, ${nOut}], got a tensor of shape [${y.shape.join(', ')}]`);
    t = toFloat64(t);
  } else {
    t = new Tensor(numbers(tool, 'target', y), [1, y.length]);
  }
  if (t.shape[1] !== nOut) throw new DataError(`${tool}: the target has ${t.shape[1]} values but the model's output layer has ${nOut} neurons`);
  if (t.shape[0] !== rows) throw new DataError(`${tool}: ${rows} input rows but ${t.shape[0]} target rows`);
  return t;
}

/** One input row and its target, checked: [1, nIn] and [1, nOut] float64. */
export function oneExample(tool: string, model: Sequential, x: ExplainInput, y: ExplainTarget): { x: Tensor; y: Tensor } {
  const X = inputRows(tool, model, x);
  if (X.shape[0] !== 1) throw new ArgumentError(`${tool}: works on one example, got ${X.shape[0]} rows (pick one, e.g. with --index)`);
  return { x: X, y: targetRows(tool, model, y, 1) };
}

/** σ(z) = 1/(1 + e^(−z)), without overflow for large |z|. */
export function logistic(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * σ'(z) of an element-wise activation, written from z. The sigmoid uses σ(z)·σ(−z) rather than
 * a(1 − a), which stays accurate where a rounds to 1; tanh uses 1/cosh² z.
 */
export function activationPrime(name: string, z: number): number {
  switch (name) {
    case 'sigmoid': return logistic(z) * logistic(-z);
    case 'tanh': { const c = Math.cosh(z); return 1 / (c * c); }
    case 'relu': return z > 0 ? 1 : 0;
    case 'linear': return 1;
    default: throw new ArgumentError(`activationPrime: '${name}' is not an element-wise activation`);
  }
}

/** Row `r` of a 2-D float tensor as a plain array. */
export function row(t: Tensor, r: number): number[] {
  const n = t.shape[1];
  return Array.from(t.dataSync().subarray(r * n, (r + 1) * n));
}

/** Column means of a 2-D tensor [n, m] → m numbers. */
export function columnMeans(t: Tensor): number[] {
  const [n, m] = t.shape;
  const a = t.dataSync();
  const out = new Array<number>(m).fill(0);
  for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) out[c] += a[r * m + c];
  return out.map((s) => s / n);
}

/**
 * ∂C/∂a^L for one example (batch of one), written from the cost's formula:
 *   quadratic       C = ½‖a − y‖²                        → a − y
 *   cross-entropy   C = −Σ y ln a + (1 − y) ln(1 − a)     → (a − y) / (a(1 − a)), with a(1 − a) = σ'(z)
 *   log-likelihood  C = −Σ y ln a  (softmax a)            → −y / a
 */
export function costGradientWrtOutput(costName: string, z: readonly number[], a: readonly number[], y: readonly number[]): number[] {
  switch (costName) {
    case 'quadratic': return a.map((aj, j) => aj - y[j]);
    case 'cross-entropy': return a.map((aj, j) => (aj - y[j]) / activationPrime('sigmoid', z[j]));
    case 'log-likelihood': return a.map((aj, j) => (y[j] === 0 ? 0 : -y[j] / aj));
    default: throw new ArgumentError(`explain: unknown cost '${costName}'`);
  }
}

/**
 * BP1, δ^L = ∂C/∂z^L for one example, and the formula used:
 *   cross-entropy with sigmoid, log-likelihood with softmax:  δ^L = a − y   (the stable pairings)
 *   quadratic with an element-wise output:                    δ^L = (a − y) ⊙ σ'(z^L)
 *   quadratic with softmax:                                    δ^L = Jᵀ(a − y) = a ⊙ (g − ⟨a, g⟩), g = a − y
 */
export function outputDelta(costName: string, activationName: string, z: readonly number[], a: readonly number[], y: readonly number[]): { delta: number[]; formula: string } {
  if (costName === 'cross-entropy' || costName === 'log-likelihood') {
    return { delta: a.map((aj, j) => aj - y[j]), formula: `δ^L = a^L − y (${costName} with ${activationName}: σ'(z) cancels)` };
  }
  const g = a.map((aj, j) => aj - y[j]); // ∇_a C for the quadratic cost
  if (activationName === 'softmax') {
    let dot = 0;
    for (let j = 0; j < a.length; j++) dot += a[j] * g[j];
    return { delta: a.map((aj, j) => aj * (g[j] - dot)), formula: "δ^L = J_softmaxᵀ ∇_a C = a ⊙ (∇_a C − ⟨a, ∇_a C⟩), ∇_a C = a − y" };
  }
  return { delta: g.map((gj, j) => gj * activationPrime(activationName, z[j])), formula: "δ^L = ∇_a C ⊙ σ'(z^L), ∇_a C = a − y (BP1)" };
}
