/**
 * autodiff/primitives/unary — element-wise functions y = f(x): forward, JVP and VJP.
 *
 * For an element-wise function the Jacobian is diagonal, diag(f'(x)), so both rules use the same
 * derivative table below:  JVP ẏ = f'(x) ⊙ ẋ,   VJP x̄ = f'(x) ⊙ ȳ.
 * Each derivative may use the already-computed output y (σ' = y(1 − y), tanh' = 1 − y², …).
 */
import * as T from '../../tensor/ops.js';
import type { UnaryOp } from '../../tensor/kernels/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { apply, type Operand, type Primitive } from '../primitive.js';

/** The differentiable element-wise functions. */
export type ElementwiseName = 'exp' | 'log' | 'sigmoid' | 'tanh' | 'relu' | 'square' | 'sqrt' | 'softplus';

/** f'(x) for each function, given x and y = f(x). */
const derivative: Record<ElementwiseName, (x: Tensor, y: Tensor) => Tensor> = {
  exp: (_x, y) => y, //                                      (eˣ)' = eˣ
  log: (x) => T.unary('reciprocal', x), //                   (ln x)' = 1/x
  sigmoid: (_x, y) => T.mul(y, T.sub(T.ones([], y.dtype), y)), // σ' = σ(1 − σ)
  tanh: (_x, y) => T.sub(T.ones([], y.dtype), T.unary('square', y)), // tanh' = 1 − tanh²
  relu: (x) => T.unary('step', x), //                        relu' = [x > 0]
  square: (x) => T.scale(x, 2), //                           (x²)' = 2x
  sqrt: (_x, y) => T.unary('reciprocal', T.scale(y, 2)), //  (√x)' = 1/(2√x)
  softplus: (x) => T.unary('sigmoid', x), //                 (ln(1 + eˣ))' = σ(x)
};

function elementwise(name: ElementwiseName): Primitive {
  return {
    name,
    forward: ([x]) => T.unary(name as UnaryOp, x),
    jvp: ([x], [xDot], y) => T.mul(derivative[name](x, y), xDot!),
    vjp: ([x], y, g) => [T.mul(derivative[name](x, y), g)],
  };
}

const primitives = Object.fromEntries(
  (Object.keys(derivative) as ElementwiseName[]).map((n) => [n, elementwise(n)]),
) as Record<ElementwiseName, Primitive>;

/** eˣ element-wise. */ export const exp = (x: Operand): Operand => apply(primitives.exp, [x], undefined);
/** ln x element-wise. */ export const log = (x: Operand): Operand => apply(primitives.log, [x], undefined);
/** σ(x) = 1/(1 + e⁻ˣ) element-wise. */ export const sigmoid = (x: Operand): Operand => apply(primitives.sigmoid, [x], undefined);
/** tanh x element-wise. */ export const tanh = (x: Operand): Operand => apply(primitives.tanh, [x], undefined);
/** max(x, 0) element-wise. */ export const relu = (x: Operand): Operand => apply(primitives.relu, [x], undefined);
/** x² element-wise. */ export const square = (x: Operand): Operand => apply(primitives.square, [x], undefined);
/** √x element-wise. */ export const sqrt = (x: Operand): Operand => apply(primitives.sqrt, [x], undefined);
/** ln(1 + eˣ) element-wise, without overflow. */ export const softplus = (x: Operand): Operand => apply(primitives.softplus, [x], undefined);

/** The element-wise function called `name`. */
export function elementwiseByName(name: ElementwiseName): (x: Operand) => Operand {
  return (x) => apply(primitives[name], [x], undefined);
}
