/**
 * nn/activations — the activation functions a layer can use, by name.
 *
 * Each is a composition of autodiff primitives (no derivative rules here). `softmax` is allowed only
 * on the output layer, where it pairs with the log-likelihood cost.
 */
import * as ad from '../autodiff/index.js';
import type { ActivationKind } from '../tensor/kernels/types.js';
import { ArgumentError } from '../util/errors.js';

/** Names of the activation functions. */
export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'linear' | 'softmax';

/** An activation function σ applied to a layer's weighted input z. */
export interface Activation {
  readonly name: ActivationName;
  /** a = σ(z). */
  apply(z: ad.Operand): ad.Operand;
  /** The fused-kernel equivalent, or null when the activation is not element-wise (softmax). */
  readonly kernel: ActivationKind | null;
}

/** σ(z) = 1/(1 + e^(−z)) — Nielsen's sigmoid neuron. */
export const sigmoid: Activation = { name: 'sigmoid', apply: ad.sigmoid, kernel: 'sigmoid' };
/** tanh(z). */
export const tanh: Activation = { name: 'tanh', apply: ad.tanh, kernel: 'tanh' };
/** max(z, 0), the rectified linear unit. */
export const relu: Activation = { name: 'relu', apply: ad.relu, kernel: 'relu' };
/** The identity: a = z. */
export const linear: Activation = { name: 'linear', apply: (z) => z, kernel: 'linear' };
/** Row-wise softmax (output layer only). */
export const softmax: Activation = { name: 'softmax', apply: ad.softmax, kernel: null };

const byName: Record<ActivationName, Activation> = { sigmoid, tanh, relu, linear, softmax };

/** Names accepted wherever an activation is asked for. */
export const activationNames = Object.keys(byName) as ActivationName[];

/** The activation called `name`, or a clear error listing the valid names. */
export function activation(name: string | Activation): Activation {
  if (typeof name !== 'string') return name;
  const a = byName[name as ActivationName];
  if (!a) throw new ArgumentError(`unknown activation '${name}', expected one of: ${activationNames.join(', ')}`);
  return a;
}
