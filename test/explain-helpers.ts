// Shared by the explain tests: small random float64 networks of every activation/cost pairing,
// random examples, and the autodiff gradient the tools are checked against.
import { grad } from '../src/autodiff/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import type { ActivationName, CostName } from '../src/nn/index.js';
import { tensor, oneHot } from '../src/tensor/index.js';
import type { Tensor } from '../src/tensor/index.js';
import { Rng } from '../src/util/index.js';

/** A hidden activation, an output activation and a cost that go together. */
export interface Pairing {
  hidden: ActivationName;
  output: ActivationName;
  cost: CostName;
}

/** Every pairing the explain tools must handle. */
export const PAIRINGS: Pairing[] = [
  { hidden: 'sigmoid', output: 'sigmoid', cost: 'quadratic' },
  { hidden: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy' },
  { hidden: 'tanh', output: 'softmax', cost: 'log-likelihood' },
  { hidden: 'relu', output: 'softmax', cost: 'quadratic' },
  { hidden: 'tanh', output: 'linear', cost: 'quadratic' },
  { hidden: 'relu', output: 'tanh', cost: 'quadratic' },
];

/** A float64 network with N(0, 1) weights (init 'large', so gradients are not tiny). */
export function randomModel(sizes: number[], p: Pairing, seed: number): Sequential {
  return sequential({ sizes, activation: p.hidden, output: p.output, cost: p.cost, init: 'large', rng: seed, dtype: 'float64' });
}

/** A random input in [0, 1) (like pixels) and a random class label. */
export function randomExample(model: Sequential, rng: Rng): { x: number[]; label: number } {
  const x = Array.from({ length: model.inputSize }, () => rng.uniform());
  const label = rng.int(model.sizes[model.sizes.length - 1]);
  return { x, label };
}

/** Tensors [1, nIn] and one-hot [1, nOut] for one example. */
export function exampleTensors(model: Sequential, x: number[], label: number): { X: Tensor; Y: Tensor } {
  return { X: tensor([x], undefined, 'float64'), Y: oneHot([label], model.sizes[model.sizes.length - 1], 'float64') };
}

/** ∂C/∂θ for every parameter (parameters() order) by reverse-mode autodiff of the model's cost. */
export function autodiffGradients(model: Sequential, X: Tensor, Y: Tensor): Tensor[] {
  return grad((...p) => model.lossWith(p, X, Y))(...model.paramTensors());
}

/** max_i |a_i − b_i| / max_i |b_i| (0 when both are all zeros). */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff === 0 ? 0 : diff / scale;
}
