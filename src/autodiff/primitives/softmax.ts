/**
 * autodiff/primitives/softmax — row-wise softmax and log-softmax: forward, JVP and VJP.
 *
 * For s = softmax(x) along each row, ∂s_i/∂x_j = s_i(δ_ij − s_j), so
 *   softmax:     JVP ṡ = s ⊙ (ẋ − ⟨s, ẋ⟩),   VJP x̄ = s ⊙ (ȳ − ⟨s, ȳ⟩)
 *   logSoftmax:  JVP ẏ = ẋ − ⟨s, ẋ⟩,         VJP x̄ = ȳ − s · Σ ȳ
 * where ⟨·,·⟩ and Σ are per row. logSoftmax is computed as x − max − log Σ e^(x − max): stable.
 */
import * as T from '../../tensor/ops.js';
import type { Tensor } from '../../tensor/tensor.js';
import { apply, type Operand, type Primitive } from '../primitive.js';

/** Per-row ⟨a, b⟩ kept as a column [rows, 1]. */
function rowDot(a: Tensor, b: Tensor): Tensor {
  return T.sum(T.mul(a, b), 1, true);
}

const softmaxPrimitive: Primitive = {
  name: 'softmax',
  forward: ([x]) => T.softmax(x),
  jvp: (_, [xDot], s) => T.mul(s, T.sub(xDot!, rowDot(s, xDot!))),
  vjp: (_, s, g) => [T.mul(s, T.sub(g, rowDot(s, g)))],
};

const logSoftmaxPrimitive: Primitive = {
  name: 'logSoftmax',
  forward: ([x]) => T.logSoftmax(x),
  jvp: ([x], [xDot]) => T.sub(xDot!, rowDot(T.softmax(x), xDot!)),
  vjp: ([x], _, g) => [T.sub(g, T.mul(T.softmax(x), T.sum(g, 1, true)))],
};

/** Row-wise softmax of a [rows, cols] operand. */
export const softmax = (x: Operand): Operand => apply(softmaxPrimitive, [x], undefined);
/** Row-wise log-softmax of a [rows, cols] operand (numerically stable). */
export const logSoftmax = (x: Operand): Operand => apply(logSoftmaxPrimitive, [x], undefined);
