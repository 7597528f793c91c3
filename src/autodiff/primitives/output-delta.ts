/**
 * autodiff/primitives/output-delta — each cost/output-activation pairing's batch-mean cost (forward)
 * and its output error δ^L = ∂C/∂z^L (VJP, Nielsen's BP1) written into a given buffer, for the fused
 * training path (rules/fast-dense). The general path gets the same δ by reverse mode through
 * nn/costs.ts; these closed forms are that derivative worked out once:
 *   quadratic       C = (1/2m) Σ ‖a − y‖²          δ = (a − y) ⊙ act'(z) / m   (act' from a)
 *   cross-entropy   C = (1/m) Σ y·softplus(−z) + (1 − y)·softplus(z), a = σ(z)    δ = (a − y) / m
 *   log-likelihood  C = −(1/m) Σ y·logSoftmax(z), a = softmax(z)                   δ = (a − y) / m
 *   JVP             Ċ = Σ δ ⊙ ż  (the VJP's δ, read as a row vector; see `outputCostJvp`)
 * Rows are examples (m = batch), columns output neurons. Sums run in float64 over small arrays.
 */
import type { FloatArray } from '../../tensor/kernels/types.js';
import { ArgumentError } from '../../util/errors.js';

/** The cost pairings with a closed-form output error. */
export type OutputPairing =
  | { cost: 'quadratic'; output: 'sigmoid' | 'tanh' | 'relu' | 'linear' }
  | { cost: 'cross-entropy'; output: 'sigmoid' }
  | { cost: 'log-likelihood'; output: 'softmax' };

/** Whether (cost, output activation) has a closed-form δ^L here. */
export function outputPairing(cost: string, output: string): OutputPairing | null {
  if (cost === 'quadratic' && (output === 'sigmoid' || output === 'tanh' || output === 'relu' || output === 'linear')) return { cost, output };
  if (cost === 'cross-entropy' && output === 'sigmoid') return { cost, output };
  if (cost === 'log-likelihood' && output === 'softmax') return { cost, output };
  return null;
}

/** softplus(t) = ln(1 + eᵗ), stable for large |t|. */
function softplus(t: number): number {
  return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

/**
 * Forward and VJP of the output cost together: returns the batch-mean cost and writes δ^L into
 * `delta` [batch, nOut]. `z` is z^L; `a` is a^L for element-wise outputs (the dense kernel's a) and is
 * overwritten with softmax(z) for softmax outputs. `y` holds the targets [batch, nOut].
 */
export function outputCostAndDelta(
  pairing: OutputPairing, z: FloatArray, a: FloatArray, y: FloatArray, delta: FloatArray, batch: number, nOut: number,
): number {
  if (!(batch > 0)) throw new ArgumentError(`outputCostAndDelta: batch must be ≥ 1, got ${batch}`);
  const inv = 1 / batch;
  let cost = 0;
  const n = batch * nOut;
  switch (pairing.cost) {
    case 'quadratic':
      for (let i = 0; i < n; i++) {
        const e = a[i] - y[i];
        cost += e * e;
        const ai = a[i];
        const prime = pairing.output === 'sigmoid' ? ai * (1 - ai) : pairing.output === 'tanh' ? 1 - ai * ai : pairing.output === 'relu' ? (ai > 0 ? 1 : 0) : 1;
        delta[i] = e * prime * inv;
      }
      return 0.5 * cost * inv;
    case 'cross-entropy':
      for (let i = 0; i < n; i++) {
        const yi = y[i], zi = z[i];
        // One-hot targets need one of the two terms; the other is 0·softplus(±z), which is 0
        // unless z is infinite on that side (then NaN, kept so divergence is still reported).
        if (yi === 1) cost += zi === Infinity ? NaN : softplus(-zi);
        else if (yi === 0) cost += zi === -Infinity ? NaN : softplus(zi);
        else cost += yi * softplus(-zi) + (1 - yi) * softplus(zi);
        delta[i] = (a[i] - yi) * inv;
      }
      return cost * inv;
    case 'log-likelihood':
      for (let r = 0; r < batch; r++) {
        const o = r * nOut;
        let max = -Infinity;
        for (let j = 0; j < nOut; j++) max = Math.max(max, z[o + j]);
        // One exp per element: a holds e^(z − max) until it is divided by the row's sum.
        let sum = 0;
        for (let j = 0; j < nOut; j++) sum += a[o + j] = Math.exp(z[o + j] - max);
        const logSum = Math.log(sum) + max;
        const invSum = 1 / sum;
        for (let j = 0; j < nOut; j++) {
          cost -= y[o + j] * (z[o + j] - logSum); // −y·log a
          a[o + j] *= invSum;
          delta[o + j] = (a[o + j] - y[o + j]) * inv;
        }
      }
      return cost * inv;
  }
}

/** JVP of the output cost: Ċ = Σ δ ⊙ ż, given δ^L from `outputCostAndDelta` and a tangent ż of z^L. */
export function outputCostJvp(delta: FloatArray, zDot: FloatArray, n: number): number {
  let cDot = 0;
  for (let i = 0; i < n; i++) cDot += delta[i] * zDot[i];
  return cDot;
}
