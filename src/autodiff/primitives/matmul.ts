/**
 * autodiff/primitives/matmul — C = op(A) · op(B): forward, JVP and VJP.
 *
 * op transposes when asked (transA, transB), so Nielsen's z = W·a, with W [nOut, nIn] and a batch
 * of activations as rows X [batch, nIn], is matmul(X, W, false, true) = X · Wᵀ  // [batch, nOut]
 */
import * as T from '../../tensor/ops.js';
import { apply, type Operand, type Primitive } from '../primitive.js';

interface MatmulParams {
  transA: boolean;
  transB: boolean;
}

const matmulPrimitive: Primitive<MatmulParams> = {
  name: 'matmul',
  forward: ([a, b], { transA, transB }) => T.matmul(a, b, transA, transB),
  // (op(A)·op(B))˙ = op(Ȧ)·op(B) + op(A)·op(Ḃ)
  jvp: ([a, b], [aDot, bDot], _, { transA, transB }) => {
    const left = aDot ? T.matmul(aDot, b, transA, transB) : null;
    const right = bDot ? T.matmul(a, bDot, transA, transB) : null;
    return left && right ? T.add(left, right) : (left ?? right)!;
  },
  // With G = ∂C/∂C_out: ∂C/∂op(A) = G·op(B)ᵀ and ∂C/∂op(B) = op(A)ᵀ·G, transposed back where op did.
  vjp: ([a, b], _, g, { transA, transB }, needed) => {
    let dA = null;
    let dB = null;
    if (needed[0]) {
      dA = !transA
        ? T.matmul(g, b, false, !transB) //            [m, n]·op(B)ᵀ   → [m, k]
        : T.matmul(b, g, transB, true); //             op(B)·Gᵀ        → [k, m]
    }
    if (needed[1]) {
      dB = !transB
        ? T.matmul(a, g, !transA, false) //            op(A)ᵀ·G        → [k, n]
        : T.matmul(g, a, true, transA); //             Gᵀ·op(A)        → [n, k]
    }
    return [dA, dB];
  },
};

/** Matrix product op(a) · op(b); `transA`/`transB` transpose the operand first. */
export function matmul(a: Operand, b: Operand, transA = false, transB = false): Operand {
  return apply(matmulPrimitive, [a, b], { transA, transB });
}
