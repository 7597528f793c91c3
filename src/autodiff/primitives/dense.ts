/**
 * autodiff/primitives/dense — the fused dense layer a = act(x · Wᵀ + b): forward, JVP and VJP.
 *
 * This is the training hot path: one kernel call forward, one backward, instead of matmul + add +
 * activation as three graph nodes. Notation (Nielsen): W is [nOut, nIn] so W[j][k] = w_jk, the
 * weight to neuron j from neuron k; x holds one example per row.
 *   forward  z = x·Wᵀ + b            // [batch, nOut]
 *            a = act(z)
 *   VJP      δ = ā ⊙ act'(z)         // Nielsen's δ = ∂C/∂z, one row per example
 *            W̄ = δᵀ·x   b̄ = Σ_rows δ   x̄ = δ·W          (BP3, BP4, and BP2's Wᵀδ)
 *   JVP      ż = ẋ·Wᵀ + x·Ẇᵀ + ḃ,   ȧ = act'(z) ⊙ ż
 * act'(z) is computed from a: σ' = a(1 − a), tanh' = 1 − a², relu' = [a > 0] (a > 0 ⇔ z > 0).
 * The VJP followed by Nielsen's SGD step, W ← (1 − ηλ/n)W − η·W̄, b ← b − η·b̄, is also offered fused
 * (denseVjpSgdInto) so the training hot path never writes W̄ out.
 */
import * as T from '../../tensor/ops.js';
import { kernels } from '../../tensor/kernels/registry.js';
import type { ActivationKind, FloatArray } from '../../tensor/kernels/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { UnsupportedError } from '../../util/errors.js';
import { apply, type Operand, type Primitive } from '../primitive.js';

/** act'(z) as a tensor, from a = act(z). */
function activationPrime(act: ActivationKind, a: Tensor): Tensor {
  switch (act) {
    case 'linear': return T.ones(a.shape, a.dtype);
    case 'sigmoid': return T.mul(a, T.sub(T.ones([], a.dtype), a));
    case 'tanh': return T.sub(T.ones([], a.dtype), T.unary('square', a));
    case 'relu': return T.unary('step', a);
  }
}

const densePrimitive: Primitive<ActivationKind> = {
  name: 'dense',
  forward: ([x, W, b], act) => T.denseForward(x, W, b, act).a,
  jvp: ([x, W], [xDot, WDot, bDot], a, act) => {
    let zDot: Tensor | null = null;
    const plus = (t: Tensor): void => { zDot = zDot ? T.add(zDot, t) : t; };
    if (xDot) plus(T.matmul(xDot, W, false, true));
    if (WDot) plus(T.matmul(x, WDot, false, true));
    if (bDot) plus(T.broadcastTo(bDot, a.shape));
    return T.mul(activationPrime(act, a), zDot!);
  },
  vjp: ([x, W], a, g, act, needed) => {
    // The kernel takes z only to test z > 0 for relu; a > 0 gives the same answer.
    const { dW, db, dX } = T.denseBackward(x, W, a, a, g, act, needed[0]);
    return [dX, needed[1] ? dW : null, needed[2] ? db : null];
  },
};

/** A dense layer: act(x · Wᵀ + b) with x [batch, nIn], W [nOut, nIn], b [nOut]. */
export function dense(x: Operand, W: Operand, b: Operand, act: ActivationKind): Operand {
  return apply(densePrimitive, [x, W, b], act);
}

/**
 * The dense primitive's forward into given buffers (the fused training path of rules/fast-dense):
 * z = x·Wᵀ + b, a = act(z), one kernel call. x [batch, nIn], W [nOut, nIn], b [nOut], z and a [batch, nOut].
 */
export function denseForwardInto(
  x: FloatArray, W: FloatArray, b: FloatArray, z: FloatArray, a: FloatArray,
  batch: number, nIn: number, nOut: number, act: ActivationKind,
): void {
  kernels().denseForward(x, W, b, z, a, batch, nIn, nOut, act);
}

/**
 * The dense primitive's VJP into given buffers, one kernel call: δ = ā ⊙ act'(z) (written over ā),
 * W̄ = δᵀ·x [nOut, nIn], b̄ = Σ_rows δ [nOut], x̄ = δ·W [batch, nIn] (skipped when `dX` is null) —
 * BP1/BP2's δ, BP4 and BP3, the same rule as the primitive's `vjp` above.
 */
export function denseVjpInto(
  x: FloatArray, W: FloatArray, z: FloatArray, a: FloatArray, aBarThenDelta: FloatArray,
  dW: FloatArray, db: FloatArray, dX: FloatArray | null,
  batch: number, nIn: number, nOut: number, act: ActivationKind,
): void {
  kernels().denseBackward(x, W, z, a, aBarThenDelta, aBarThenDelta, dW, db, dX, batch, nIn, nOut, act, false);
}

/**
 * The dense primitive's VJP followed by Nielsen's plain-SGD update, one kernel call that never
 * writes W̄: δ = ā ⊙ act'(z) (written over ā), x̄ = δ·W with the weights BEFORE the update
 * [batch, nIn] (skipped when `dX` is null), then b ← b − η·Σ_rows δ and W ← decay·W − η·δᵀ·x
 * (BP3 and BP4 applied in place; decay = 1 − ηλ/n for L2, 1 without). The same rule as
 * `denseVjpInto` and an SGD step on its W̄, b̄; results agree with them to float32 round-off.
 * `eta` multiplies δ as given: when δ is already the batch mean's (1/m folded in), eta is η itself.
 * Throws UnsupportedError on a backend without the fused kernel (see `hasDenseVjpSgd`).
 */
export function denseVjpSgdInto(
  x: FloatArray, W: FloatArray, b: FloatArray, z: FloatArray, a: FloatArray, aBarThenDelta: FloatArray,
  dX: FloatArray | null, batch: number, nIn: number, nOut: number, act: ActivationKind, eta: number, decay: number,
): void {
  const k = kernels();
  if (!k.denseBackwardSgd) throw new UnsupportedError(`denseVjpSgdInto: the '${k.name}' backend has no fused dense SGD kernel`);
  k.denseBackwardSgd(x, W, z, a, aBarThenDelta, aBarThenDelta, b, dX, batch, nIn, nOut, act, eta, decay);
}

/** Whether the active backend has the fused VJP + SGD kernel that `denseVjpSgdInto` calls. */
export function hasDenseVjpSgd(): boolean {
  return kernels().denseBackwardSgd !== undefined;
}
