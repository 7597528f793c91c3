/**
 * autodiff/primitives/arithmetic — add, sub, mul, div, neg, scale: forward, JVP and VJP.
 *
 * Binary ops broadcast (NumPy rules). In reverse mode a broadcast input receives the output
 * cotangent summed back down to its own shape (`sumTo`); in forward mode a tangent is broadcast up.
 */
import * as T from '../../tensor/ops.js';
import type { Tensor } from '../../tensor/tensor.js';
import { apply, type Operand, type Primitive } from '../primitive.js';

/** Sum of the non-null tangents, broadcast to `shape`. */
function addTangents(shape: readonly number[], ...ts: (Tensor | null)[]): Tensor {
  let acc: Tensor | null = null;
  for (const t of ts) if (t) acc = acc ? T.add(acc, t) : t;
  return T.broadcastTo(acc!, shape);
}

const addPrimitive: Primitive = {
  name: 'add',
  forward: ([a, b]) => T.add(a, b),
  // (a + b)˙ = ȧ + ḃ
  jvp: (_, [aDot, bDot], out) => addTangents(out.shape, aDot, bDot),
  // ∂C/∂a = ∂C/∂out (summed over broadcast axes), same for b
  vjp: ([a, b], _, g, __, needed) => [needed[0] ? T.sumTo(g, a.shape) : null, needed[1] ? T.sumTo(g, b.shape) : null],
};

const subPrimitive: Primitive = {
  name: 'sub',
  forward: ([a, b]) => T.sub(a, b),
  jvp: (_, [aDot, bDot], out) => addTangents(out.shape, aDot, bDot ? T.scale(bDot, -1) : null),
  vjp: ([a, b], _, g, __, needed) => [needed[0] ? T.sumTo(g, a.shape) : null, needed[1] ? T.sumTo(T.scale(g, -1), b.shape) : null],
};

const mulPrimitive: Primitive = {
  name: 'mul',
  forward: ([a, b]) => T.mul(a, b),
  // (a ⊙ b)˙ = ȧ ⊙ b + a ⊙ ḃ
  jvp: ([a, b], [aDot, bDot], out) => addTangents(out.shape, aDot ? T.mul(aDot, b) : null, bDot ? T.mul(a, bDot) : null),
  vjp: ([a, b], _, g, __, needed) => [
    needed[0] ? T.sumTo(T.mul(g, b), a.shape) : null,
    needed[1] ? T.sumTo(T.mul(g, a), b.shape) : null,
  ],
};

const divPrimitive: Primitive = {
  name: 'div',
  forward: ([a, b]) => T.div(a, b),
  // (a / b)˙ = ȧ / b − (a / b) ⊙ ḃ / b
  jvp: ([, b], [aDot, bDot], out) =>
    addTangents(out.shape, aDot ? T.div(aDot, b) : null, bDot ? T.scale(T.div(T.mul(out, bDot), b), -1) : null),
  vjp: ([a, b], out, g, __, needed) => [
    needed[0] ? T.sumTo(T.div(g, b), a.shape) : null,
    needed[1] ? T.sumTo(T.scale(T.div(T.mul(g, out), b), -1), b.shape) : null,
  ],
};

const scalePrimitive: Primitive<number> = {
  name: 'scale',
  forward: ([x], alpha) => T.scale(x, alpha),
  jvp: (_, [xDot], __, alpha) => T.scale(xDot!, alpha),
  vjp: (_, __, g, alpha) => [T.scale(g, alpha)],
};

/** a + b, broadcasting. */
export const add = (a: Operand, b: Operand): Operand => apply(addPrimitive, [a, b], undefined);
/** a − b, broadcasting. */
export const sub = (a: Operand, b: Operand): Operand => apply(subPrimitive, [a, b], undefined);
/** a ⊙ b (element-wise), broadcasting. */
export const mul = (a: Operand, b: Operand): Operand => apply(mulPrimitive, [a, b], undefined);
/** a / b (element-wise), broadcasting. */
export const div = (a: Operand, b: Operand): Operand => apply(divPrimitive, [a, b], undefined);
/** α · x for a constant number α. */
export const scale = (x: Operand, alpha: number): Operand => apply(scalePrimitive, [x], alpha);
/** −x. */
export const neg = (x: Operand): Operand => scale(x, -1);
