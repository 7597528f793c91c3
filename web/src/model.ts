/**
 * web/model — building the explorer's networks with the library, the same way in the page and in
 * the worker: a fresh seeded model from the settings, or one around given parameters.
 */
import { adam, sequential, sgd, Sequential, Tensor, type ActivationName, type ModelSpec, type Optimizer } from 'glassbox';
import type { Hyper, Setup } from './protocol.js';
import { outputActivation, type CostChoice, type HiddenActivation } from './state.js';

/** The architecture of a network described by the settings. */
export function specOf(sizes: number[], activation: HiddenActivation, cost: CostChoice): ModelSpec {
  const hidden = sizes.slice(1, -1).map((): ActivationName => activation);
  return { sizes: [...sizes], activations: [...hidden, outputActivation(cost)], cost };
}

/** A freshly initialised network (seeded), or the given parameters in that architecture. */
export function buildModel(setup: Pick<Setup, 'sizes' | 'activation' | 'cost' | 'seed' | 'params' | 'spec'>): Sequential {
  if (setup.params) return modelFromParams(setup.spec ?? specOf(setup.sizes, setup.activation, setup.cost), setup.params);
  return sequential({
    sizes: setup.sizes,
    activation: setup.activation,
    output: outputActivation(setup.cost),
    cost: setup.cost,
    // ReLU layers start with He's initialisation; the others with Nielsen's N(0, 1/n_in).
    init: setup.activation === 'relu' ? 'he' : 'default',
    rng: setup.seed,
  });
}

/** A model of architecture `spec` around parameter arrays W2, b2, W3, b3, … (copied). */
export function modelFromParams(spec: ModelSpec, params: readonly Float32Array[]): Sequential {
  const tensors = params.map((p, i) => {
    const l = i >> 1; // parameter i belongs to weight layer l (Nielsen's l + 2)
    const shape = i % 2 === 0 ? [spec.sizes[l + 1], spec.sizes[l]] : [spec.sizes[l + 1]]; // W [n_out, n_in] or b [n_out]
    return new Tensor(Float32Array.from(p), shape);
  });
  return Sequential.fromSpec(spec, tensors);
}

/** Copies of a model's parameters as plain arrays (W2, b2, W3, …). */
export function paramArrays(model: Sequential): Float32Array[] {
  return model.paramTensors().map((t) => Float32Array.from(t.dataSync()));
}

/** The optimiser for the settings (regularisation scaled by the training-set size n, as Nielsen). */
export function makeOptimizer(hyper: Hyper, trainingSize: number): Optimizer {
  const reg = hyper.lambda > 0 ? { lambda: hyper.lambda, trainingSize } : {};
  switch (hyper.optimizer) {
    case 'adam':
      return adam({ eta: hyper.eta, ...reg });
    case 'momentum':
      return sgd({ eta: hyper.eta, momentum: 0.9, ...reg });
    default:
      return sgd({ eta: hyper.eta, ...reg });
  }
}
