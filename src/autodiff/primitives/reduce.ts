/**
 * autodiff/primitives/reduce — sum (over one axis or all) and reshape: forward, JVP and VJP.
 *
 * Summation is linear, so its JVP is the sum of the tangent; its VJP copies the cotangent back to
 * every summed element (broadcast). reshape only relabels elements, so both rules reshape.
 */
import * as T from '../../tensor/ops.js';
import { apply, valueOf, type Operand, type Primitive } from '../primitive.js';
import { scale } from './arithmetic.js';

interface SumParams {
  axis: number | null;
  keepDims: boolean;
}

const sumPrimitive: Primitive<SumParams> = {
  name: 'sum',
  forward: ([x], { axis, keepDims }) => T.sum(x, axis, keepDims),
  jvp: (_, [xDot], __, { axis, keepDims }) => T.sum(xDot!, axis, keepDims),
  vjp: ([x], _, g, { axis }) => {
    // Put back the summed axis as length 1, then broadcast to x's shape.
    const ax = axis === null ? null : axis < 0 ? axis + x.rank : axis;
    const kept = x.shape.map((d, i) => (ax === null || i === ax ? 1 : d));
    return [T.broadcastTo(T.reshape(g, kept), x.shape)];
  },
};

const reshapePrimitive: Primitive<readonly number[]> = {
  name: 'reshape',
  forward: ([x], shape) => T.reshape(x, shape),
  jvp: (_, [xDot], __, shape) => T.reshape(xDot!, shape),
  vjp: ([x], _, g) => [T.reshape(g, x.shape)],
};

/** Σ over `axis` (or over everything when null). */
export function sum(x: Operand, axis: number | null = null, keepDims = false): Operand {
  return apply(sumPrimitive, [x], { axis, keepDims });
}

/** Mean over `axis` (or over everything when null). */
export function mean(x: Operand, axis: number | null = null, keepDims = false): Operand {
  const shape = valueOf(x).shape;
  const n = axis === null ? shape.reduce((p, d) => p * d, 1) : shape[axis < 0 ? axis + shape.length : axis];
  return scale(sum(x, axis, keepDims), 1 / n);
}

/** The same elements with another shape. */
export function reshape(x: Operand, shape: readonly number[]): Operand {
  return apply(reshapePrimitive, [x], shape);
}
