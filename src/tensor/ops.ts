/**
 * tensor/ops — non-differentiable tensor operations: the public boundary over the kernels.
 *
 * Each op validates its arguments (messages name the op, the argument and the bad value), allocates
 * the result and calls the active backend's kernel. Derivatives live in src/autodiff/, never here.
 */
import type { Rng } from '../util/rng.js';
import { ArgumentError, ShapeError } from '../util/errors.js';
import { formatShape } from '../util/format.js';
import { kernels } from './kernels/registry.js';
import type { ActivationKind, BinaryOp, FloatArray, UnaryOp } from './kernels/types.js';
import { broadcastShapes, broadcastStrides, checkShape, sameShape, sizeOf, type Shape } from './shape.js';
import { allocate, Tensor, type DType } from './tensor.js';

/** Nested arrays of numbers, as accepted by `tensor()`. */
export type NestedNumbers = number | readonly NestedNumbers[];

function sameDtype(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype !== b.dtype) throw new ArgumentError(`${op}: dtypes must match, got ${a.dtype} and ${b.dtype}`);
  return a.dtype;
}

// ---------------------------------------------------------------------------------------------
// Creation

/**
 * A tensor from nested arrays, a flat list with a shape, or a typed array with a shape.
 * `tensor([[1, 2], [3, 4]])` is [2, 2].
 */
export function tensor(values: NestedNumbers | FloatArray | readonly number[], shape?: Shape, dtype: DType = 'float32'): Tensor {
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const s = shape ?? [values.length];
    const target = values.constructor === (dtype === 'float64' ? Float64Array : Float32Array) ? values : allocate(dtype, values.length);
    if (target !== values) target.set(values);
    return new Tensor(target, s);
  }
  const inferred: number[] = [];
  let probe: NestedNumbers = values as NestedNumbers;
  while (Array.isArray(probe)) {
    inferred.push(probe.length);
    probe = (probe as readonly NestedNumbers[])[0] ?? 0;
  }
  const flat: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const e of v) walk(e);
    else flat.push(v);
  };
  walk(values);
  if (flat.some((v) => typeof v !== 'number')) throw new ArgumentError('tensor: values must all be numbers');
  const s = shape ?? inferred;
  if (sizeOf(s) !== flat.length) {
    throw new ShapeError(`tensor: shape ${formatShape(s)} needs ${sizeOf(s)} values, got ${flat.length} (ragged nesting?)`);
  }
  const array = allocate(dtype, flat.length);
  array.set(flat as number[]);
  return new Tensor(array, s);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'zeros');
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'full');
  const a = allocate(dtype, sizeOf(shape));
  a.fill(value);
  return new Tensor(a, shape);
}

/** A tensor of ones. */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

/** A scalar tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return full([], value, dtype);
}

/** Normal deviates N(mean, std²) from a seeded Rng. */
export function randomNormal(shape: Shape, rng: Rng, std = 1, mean = 0, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'randomNormal');
  const a = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = rng.normal(mean, std);
  return new Tensor(a, shape);
}

/** Uniform deviates in [low, high) from a seeded Rng. */
export function randomUniform(shape: Shape, rng: Rng, low = 0, high = 1, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'randomUniform');
  const a = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = low + (high - low) * rng.uniform();
  return new Tensor(a, shape);
}

/** A copy of `t` in another dtype (or the same). */
export function cast(t: Tensor, dtype: DType): Tensor {
  const a = allocate(dtype, t.size);
  a.set(t.dataSync());
  return new Tensor(a, t.shape);
}

/** A copy of `t`. */
export function clone(t: Tensor): Tensor {
  return cast(t, t.dtype);
}

/** The same values viewed with another shape of equal size (no copy). */
export function reshape(t: Tensor, shape: Shape): Tensor {
  checkShape(shape, 'reshape');
  if (sizeOf(shape) !== t.size) {
    throw new ShapeError(`reshape: cannot view ${formatShape(t.shape)} (${t.size} elements) as ${formatShape(shape)}`);
  }
  return new Tensor(t.dataSync(), shape);
}

// ---------------------------------------------------------------------------------------------
// Element-wise

/** op applied to every element. */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  const out = allocate(x.dtype, x.size);
  kernels().unary(op, x.dataSync(), out, x.size);
  return new Tensor(out, x.shape);
}

/** op applied element-wise with NumPy broadcasting. */
export function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const dtype = sameDtype(op, a, b);
  const outShape = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(dtype, sizeOf(outShape));
  kernels().binary(op, a.dataSync(), broadcastStrides(a.shape, outShape), b.dataSync(), broadcastStrides(b.shape, outShape), out, outShape);
  return new Tensor(out, outShape);
}

/** a + b (broadcast). */ export const add = (a: Tensor, b: Tensor): Tensor => binary('add', a, b);
/** a − b (broadcast). */ export const sub = (a: Tensor, b: Tensor): Tensor => binary('sub', a, b);
/** a ⊙ b (broadcast). */ export const mul = (a: Tensor, b: Tensor): Tensor => binary('mul', a, b);
/** a / b (broadcast). */ export const div = (a: Tensor, b: Tensor): Tensor => binary('div', a, b);
/** max(a, b) element-wise (broadcast). */ export const maximum = (a: Tensor, b: Tensor): Tensor => binary('max', a, b);

/** α · t. */
export function scale(t: Tensor, alpha: number): Tensor {
  const out = allocate(t.dtype, t.size);
  kernels().axpy(alpha, t.dataSync(), out, t.size);
  return new Tensor(out, t.shape);
}

/** Broadcast `t` to `shape` (a materialised copy). */
export function broadcastTo(t: Tensor, shape: Shape): Tensor {
  const outShape = broadcastShapes(t.shape, shape, 'broadcastTo');
  if (!sameShape(outShape, shape)) {
    throw new ShapeError(`broadcastTo: ${formatShape(t.shape)} does not broadcast to ${formatShape(shape)}`);
  }
  return binary('add', t, zeros(shape, t.dtype));
}

// ---------------------------------------------------------------------------------------------
// Reductions

function normaliseAxis(op: string, t: Tensor, axis: number): number {
  const a = axis < 0 ? axis + t.rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= t.rank) {
    throw new ArgumentError(`${op}: axis ${axis} is out of range for a tensor of rank ${t.rank}`);
  }
  return a;
}

function reduceAxis(op: 'sum' | 'max', t: Tensor, axis: number | null, keepDims: boolean): Tensor {
  if (axis === null) {
    const flat = reshape(t, [1, t.size, 1]);
    const out = allocate(t.dtype, 1);
    if (op === 'sum') kernels().sumAxis(flat.dataSync(), out, 1, t.size, 1);
    else {
      if (t.size === 0) throw new ArgumentError('max: cannot take the max of an empty tensor');
      kernels().maxAxis(flat.dataSync(), out, 1, t.size, 1);
    }
    return new Tensor(out, keepDims ? t.shape.map(() => 1) : []);
  }
  const ax = normaliseAxis(op, t, axis);
  const outer = sizeOf(t.shape.slice(0, ax));
  const mid = t.shape[ax];
  const inner = sizeOf(t.shape.slice(ax + 1));
  if (op === 'max' && mid === 0) throw new ArgumentError('max: cannot reduce an empty axis');
  const out = allocate(t.dtype, outer * inner);
  if (op === 'sum') kernels().sumAxis(t.dataSync(), out, outer, mid, inner);
  else kernels().maxAxis(t.dataSync(), out, outer, mid, inner);
  const shape = keepDims ? t.shape.map((d, i) => (i === ax ? 1 : d)) : t.shape.filter((_, i) => i !== ax);
  return new Tensor(out, shape);
}

/** Sum over one axis, or over everything when axis is null. */
export function sum(t: Tensor, axis: number | null = null, keepDims = false): Tensor {
  return reduceAxis('sum', t, axis, keepDims);
}

/** Maximum over one axis, or over everything when axis is null. */
export function max(t: Tensor, axis: number | null = null, keepDims = false): Tensor {
  return reduceAxis('max', t, axis, keepDims);
}

/** Mean over one axis, or over everything. */
export function mean(t: Tensor, axis: number | null = null, keepDims = false): Tensor {
  const n = axis === null ? t.size : t.shape[normaliseAxis('mean', t, axis)];
  return scale(sum(t, axis, keepDims), 1 / n);
}

/** Sum `t` down to `shape` — the reverse of broadcasting (used by VJP rules of broadcasting ops). */
export function sumTo(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  let r = t;
  while (r.rank > shape.length) r = sum(r, 0);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && r.shape[i] !== 1) r = sum(r, i, true);
  }
  if (!sameShape(r.shape, shape)) throw new ShapeError(`sumTo: cannot reduce ${formatShape(t.shape)} to ${formatShape(shape)}`);
  return r;
}

/** ⟨a, b⟩ = Σ a ⊙ b over all elements, as a JS number (float64 accumulation). */
export function dot(a: Tensor, b: Tensor): number {
  if (!sameShape(a.shape, b.shape)) throw new ShapeError(`dot: shapes must match, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const x = a.dataSync();
  const y = b.dataSync();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** Euclidean norm ‖t‖ over all elements, as a JS number. */
export function norm(t: Tensor): number {
  return Math.sqrt(dot(t, t));
}

/** True when no element is NaN or ±Infinity. */
export function allFinite(t: Tensor): boolean {
  const a = t.dataSync();
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Matrices

function check2d(op: string, name: string, t: Tensor): void {
  if (t.rank !== 2) throw new ShapeError(`${op}: ${name} must be 2-D, got shape ${formatShape(t.shape)}`);
}

/** Matrix product op(a) · op(b), where op transposes when asked. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const dtype = sameDtype('matmul', a, b);
  check2d('matmul', 'a', a);
  check2d('matmul', 'b', b);
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb) {
    throw new ShapeError(`matmul: inner dimensions must match, got ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} and ${formatShape(b.shape)}${transB ? 'ᵀ' : ''}`);
  }
  const out = allocate(dtype, m * n);
  kernels().matmul(a.dataSync(), b.dataSync(), out, m, n, ka, transA, transB, false);
  return new Tensor(out, [m, n]);
}

/** The transpose of a 2-D tensor. */
export function transpose(t: Tensor): Tensor {
  check2d('transpose', 't', t);
  const [r, c] = t.shape;
  const src = t.dataSync();
  const out = allocate(t.dtype, t.size);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j];
  return new Tensor(out, [c, r]);
}

/** Row-wise softmax of a 2-D tensor. */
export function softmax(t: Tensor): Tensor {
  check2d('softmax', 'x', t);
  const out = allocate(t.dtype, t.size);
  kernels().softmaxRows(t.dataSync(), out, t.shape[0], t.shape[1]);
  return new Tensor(out, t.shape);
}

/** Row-wise log-softmax of a 2-D tensor (numerically stable). */
export function logSoftmax(t: Tensor): Tensor {
  check2d('logSoftmax', 'x', t);
  const out = allocate(t.dtype, t.size);
  kernels().logSoftmaxRows(t.dataSync(), out, t.shape[0], t.shape[1]);
  return new Tensor(out, t.shape);
}

/** Index of the largest entry of each row of a 2-D tensor. */
export function argmax(t: Tensor): Int32Array {
  check2d('argmax', 'x', t);
  const out = new Int32Array(t.shape[0]);
  kernels().argmaxRows(t.dataSync(), out, t.shape[0], t.shape[1]);
  return out;
}

/** Rows `indices` of a tensor whose first axis is rows: [n, …] → [indices.length, …]. */
export function gatherRows(t: Tensor, indices: Int32Array | readonly number[]): Tensor {
  if (t.rank < 1) throw new ShapeError('gatherRows: tensor must have at least one axis');
  const rows = t.shape[0];
  const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= rows) throw new ArgumentError(`gatherRows: index ${idx[i]} is out of range [0, ${rows})`);
  }
  const rowLength = rows === 0 ? 0 : t.size / rows;
  const out = allocate(t.dtype, idx.length * rowLength);
  kernels().gatherRows(t.dataSync(), rowLength, idx, out);
  return new Tensor(out, [idx.length, ...t.shape.slice(1)]);
}

/** Rows [start, end) of a tensor whose first axis is rows (a copy). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const rows = t.shape[0];
  if (!(start >= 0 && end <= rows && start <= end)) throw new ArgumentError(`sliceRows: range [${start}, ${end}) is outside [0, ${rows}]`);
  const rowLength = rows === 0 ? 0 : t.size / rows;
  return new Tensor(t.dataSync().slice(start * rowLength, end * rowLength), [end - start, ...t.shape.slice(1)]);
}

/** One-hot rows: labels [n] with values in [0, classes) → [n, classes]. */
export function oneHot(labels: ArrayLike<number>, classes: number, dtype: DType = 'float32'): Tensor {
  const out = allocate(dtype, labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new ArgumentError(`oneHot: label ${c} at row ${i} is outside [0, ${classes})`);
    out[i * classes + c] = 1;
  }
  return new Tensor(out, [labels.length, classes]);
}

// ---------------------------------------------------------------------------------------------
// Fused dense layer (the hot path)

/** Forward of a dense layer: z = x · Wᵀ + b, a = act(z), with x [batch, nIn], W [nOut, nIn], b [nOut]. */
export function denseForward(x: Tensor, W: Tensor, b: Tensor, act: ActivationKind): { z: Tensor; a: Tensor } {
  const dtype = sameDtype('dense', x, W);
  sameDtype('dense', W, b);
  check2d('dense', 'x', x);
  check2d('dense', 'W', W);
  const [batch, nIn] = x.shape;
  const nOut = W.shape[0];
  if (W.shape[1] !== nIn) throw new ShapeError(`dense: input width must match W's columns, got x ${formatShape(x.shape)} and W ${formatShape(W.shape)}`);
  if (b.rank !== 1 || b.shape[0] !== nOut) throw new ShapeError(`dense: b must have shape [${nOut}], got ${formatShape(b.shape)}`);
  const z = allocate(dtype, batch * nOut);
  const a = allocate(dtype, batch * nOut);
  kernels().denseForward(x.dataSync(), W.dataSync(), b.dataSync(), z, a, batch, nIn, nOut, act);
  return { z: new Tensor(z, [batch, nOut]), a: new Tensor(a, [batch, nOut]) };
}

/** Backward of a dense layer; see Kernels.denseBackward. Shapes were checked by the forward. */
export function denseBackward(
  x: Tensor, W: Tensor, z: Tensor, a: Tensor, dA: Tensor, act: ActivationKind, needX: boolean,
): { delta: Tensor; dW: Tensor; db: Tensor; dX: Tensor | null } {
  const [batch, nIn] = x.shape;
  const nOut = W.shape[0];
  const delta = allocate(x.dtype, batch * nOut);
  const dW = allocate(x.dtype, nOut * nIn);
  const db = allocate(x.dtype, nOut);
  const dX = needX ? allocate(x.dtype, batch * nIn) : null;
  kernels().denseBackward(x.dataSync(), W.dataSync(), z.dataSync(), a.dataSync(), dA.dataSync(), delta, dW, db, dX, batch, nIn, nOut, act, false);
  return {
    delta: new Tensor(delta, [batch, nOut]),
    dW: new Tensor(dW, [nOut, nIn]),
    db: new Tensor(db, [nOut]),
    dX: dX ? new Tensor(dX, [batch, nIn]) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// In place (optimisers only)

/** y ← y + α · x, in place. Shapes must match. */
export function axpyInPlace(y: Tensor, alpha: number, x: Tensor): void {
  if (!sameShape(x.shape, y.shape)) throw new ShapeError(`axpyInPlace: shapes must match, got ${formatShape(y.shape)} and ${formatShape(x.shape)}`);
  kernels().axpy(alpha, x.dataSync(), y.dataSync(), y.size);
}

/**
 * One Adam step in place (the backend's `adamStep` kernel, every operation rounded to the tensors'
 * precision): m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g·g, θ ← θ − s·m / (√v + ε), where the
 * step size s carries the bias correction. m, v and g must have θ's shape.
 */
export function adamStepInPlace(theta: Tensor, m: Tensor, v: Tensor, g: Tensor, beta1: number, beta2: number, stepSize: number, epsilon: number): void {
  for (const [name, t] of [['m', m], ['v', v], ['g', g]] as const) {
    if (!sameShape(t.shape, theta.shape)) {
      throw new ShapeError(`adamStepInPlace: ${name} must have θ's shape ${formatShape(theta.shape)}, got ${formatShape(t.shape)}`);
    }
  }
  const rowLength = theta.shape.length > 1 ? theta.shape[theta.shape.length - 1] : theta.size;
  kernels().adamStep(theta.dataSync(), m.dataSync(), v.dataSync(), g.dataSync(), theta.size, beta1, beta2, stepSize, epsilon, rowLength);
}

/** t ← α · t, in place. */
export function scaleInPlace(t: Tensor, alpha: number): void {
  const a = t.dataSync();
  kernels().axpy(alpha - 1, a, a, a.length); // t + (α − 1)·t = α·t
}

/** dst ← src, in place. */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (!sameShape(dst.shape, src.shape)) throw new ShapeError(`copyInto: shapes must match, got ${formatShape(dst.shape)} and ${formatShape(src.shape)}`);
  dst.dataSync().set(src.dataSync());
}
