/**
 * nn/costs — cost functions C, averaged over the examples of a batch (Nielsen's C = (1/n) Σ_x C_x).
 *
 * Each cost is written from the output layer's weighted input z^L and its activation, so the
 * numerically stable forms can be used where they exist:
 *   quadratic        C_x = ½ ‖y − a‖²                                  (any output activation)
 *   cross-entropy    C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]   with a = σ(z), computed as
 *                    Σ_j [y_j softplus(−z_j) + (1 − y_j) softplus(z_j)] (never log(0))
 *   log-likelihood   C_x = −ln a_y with a = softmax(z), computed as −Σ_j y_j logSoftmax(z)_j
 * With these pairings Nielsen's δ^L is simply a − y for the last two (BP1).
 */
import * as ad from '../autodiff/index.js';
import { ArgumentError } from '../util/errors.js';
import { ones } from '../tensor/ops.js';
import type { Activation } from './activations.js';

/** Names of the cost functions. */
export type CostName = 'quadratic' | 'cross-entropy' | 'log-likelihood';

/** A cost function. */
export interface Cost {
  readonly name: CostName;
  /** Mean cost over the batch rows, from the output layer's z [batch, classes] and targets y. */
  fromWeightedInput(z: ad.Operand, y: ad.Operand, output: Activation): ad.Operand;
}

function batchSize(x: ad.Operand): number {
  return ad.valueOf(x).shape[0];
}

/** ½‖y − a‖² per example. */
export const quadratic: Cost = {
  name: 'quadratic',
  fromWeightedInput(z, y, output) {
    const a = output.apply(z);
    return ad.scale(ad.sum(ad.square(ad.sub(a, y))), 0.5 / batchSize(z));
  },
};

/** Cross-entropy for sigmoid outputs (Nielsen ch. 3). */
export const crossEntropy: Cost = {
  name: 'cross-entropy',
  fromWeightedInput(z, y, output) {
    if (output.name !== 'sigmoid') {
      throw new ArgumentError(`cross-entropy cost needs a sigmoid output layer, got ${output.name} (use log-likelihood with softmax)`);
    }
    // −ln σ(z) = softplus(−z) and −ln(1 − σ(z)) = softplus(z)
    const oneMinusY = ad.sub(ones([], ad.valueOf(y).dtype), y);
    const perElement = ad.add(ad.mul(y, ad.softplus(ad.neg(z))), ad.mul(oneMinusY, ad.softplus(z)));
    return ad.scale(ad.sum(perElement), 1 / batchSize(z));
  },
};

/** Negative log-likelihood of the true class under a softmax output (Nielsen ch. 3). */
export const logLikelihood: Cost = {
  name: 'log-likelihood',
  fromWeightedInput(z, y, output) {
    if (output.name !== 'softmax') {
      throw new ArgumentError(`log-likelihood cost needs a softmax output layer, got ${output.name}`);
    }
    return ad.scale(ad.sum(ad.mul(y, ad.logSoftmax(z))), -1 / batchSize(z));
  },
};

const byName: Record<CostName, Cost> = { quadratic, 'cross-entropy': crossEntropy, 'log-likelihood': logLikelihood };

/** Names accepted wherever a cost is asked for. */
export const costNames = Object.keys(byName) as CostName[];

/** The cost called `name`, or a clear error listing the valid names. */
export function cost(name: string | Cost): Cost {
  if (typeof name !== 'string') return name;
  const c = byName[name as CostName];
  if (!c) throw new ArgumentError(`unknown cost '${name}', expected one of: ${costNames.join(', ')}`);
  return c;
}
