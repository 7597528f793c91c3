/**
 * rules/node-perturbation — each neuron's error δ estimated from how each example's cost changes
 * when noise is added to the neurons' weighted inputs z.
 *
 * Idea: in a second forward pass add σξ^l to every z^l (ξ standard normal, drawn afresh for every
 * example and neuron) and let the noise propagate. To first order the example's cost changes by
 * ΔC_x = σ Σ_l ∂C_x/∂z^l · ξ^l, so (ΔC_x/σ) ξ^l is an unbiased estimate of ∂C_x/∂z^l — Nielsen's δ^l
 * for that example — with no backward pass. The weight updates then follow from BP3/BP4 with the
 * clean activations: ∂W^l = Σ_x δ̂^l_x (a^(l−1)_x)ᵀ, ∂b^l = Σ_x δ̂^l_x (δ̂ includes the batch mean's 1/n).
 *   antithetic  ΔC_x = (C_x(+σξ) − C_x(−σξ)) / 2      (bias O(σ²))
 *   baseline    ΔC_x = C_x(+σξ) − C_x(clean)
 * The estimate's variance grows with the number of perturbed neurons rather than the number of
 * weights, which is why node perturbation beats weight perturbation.
 * Paper: J. Werfel, X. Xie, H. S. Seung, "Learning curves for stochastic gradient descent in linear
 * feedforward networks", Neural Computation 17(12):2699–2718, 2005 (node perturbation is slower
 * than gradient descent by a factor of about the number of output neurons).
 * Cost per step: one clean forward pass plus k noisy ones (2k when antithetic), each example's cost
 * computed separately; Σ_l batch·n_l normal deviates per sample; no backward pass.
 */
import { valueOf } from '../autodiff/primitive.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOption, forwardLayers, perExampleCosts, scaleRows, weightGradients } from './common.js';
import type { LearningRule } from './rule.js';

/** Options of `nodePerturbation`. */
export interface NodePerturbationOptions {
  /** Noise size σ added to every weighted input z (default 1e-3). */
  sigma?: number;
  /** Noisy passes averaged per step, k (default 1). */
  samples?: number;
  /** Measure both +σξ and −σξ (default true); false compares +σξ with the clean pass. */
  antithetic?: boolean;
}

/** Each example's cost after a forward pass with s·ξ^l added to every z^l (ξ[i] is [batch, n_(i+2)]). */
function noisyCosts(model: Sequential, x: Tensor, y: Tensor, xi: readonly Tensor[], s: number): Float64Array {
  let input = x;
  let z = x;
  model.layers.forEach((layer, i) => {
    z = T.add(T.denseForward(input, layer.W, layer.b, 'linear').z, T.scale(xi[i], s)); // z̃^l [batch, nOut]
    input = valueOf(layer.activation.apply(z));
  });
  return perExampleCosts(model, z, y);
}

/** Node perturbation (Werfel, Xie & Seung 2005), on every layer's weighted input at once. */
export function nodePerturbation(options: NodePerturbationOptions = {}): LearningRule<null> {
  const sigma = options.sigma ?? 1e-3;
  const k = options.samples ?? 1;
  const antithetic = options.antithetic ?? true;
  checkOption('node-perturbation', 'sigma', sigma, (v) => v > 0, 'a number > 0');
  checkOption('node-perturbation', 'samples', k, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  return {
    name: 'node-perturbation',
    description: "ΔC after noise on the neurons' z, times the noise, estimates δ (Werfel, Xie & Seung 2005)",
    init: () => null,
    step(model, { x, y }, _state, rng) {
      const batch = x.shape[0];
      const values = forwardLayers(model, x);
      const zL = values[values.length - 1].z;
      const cleanCosts = perExampleCosts(model, zL, y);
      const cost = cleanCosts.reduce((sum, c) => sum + c, 0) / batch;
      const deltas: Tensor[] = values.map((v) => T.zeros(v.z.shape, v.z.dtype)); // δ̂^l [batch, n_l]
      const coefs = new Float64Array(batch);
      for (let s = 0; s < k; s++) {
        const xi = values.map((v) => T.randomNormal(v.z.shape, rng, 1, 0, v.z.dtype)); // ξ^l [batch, n_l]
        const plus = noisyCosts(model, x, y, xi, sigma);
        const minus = antithetic ? noisyCosts(model, x, y, xi, -sigma) : null;
        for (let r = 0; r < batch; r++) {
          const change = minus ? (plus[r] - minus[r]) / 2 : plus[r] - cleanCosts[r]; // ΔC_x ≈ σ Σ_l δ^l_x·ξ^l_x
          coefs[r] = change / (sigma * batch * k); // 1/batch: C is the batch mean; 1/k: average of samples
        }
        deltas.forEach((d, i) => T.axpyInPlace(d, 1, scaleRows(xi[i], coefs)));
      }
      const grads = values.flatMap((v, i) => {
        const { dW, db } = weightGradients(deltas[i], v.input); // [nOut, nIn], [nOut]
        return [dW, db];
      });
      return { cost, grads, forwardPasses: 1 + k * (antithetic ? 2 : 1), backwardPasses: 0 };
    },
  };
}
