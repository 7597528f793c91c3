/**
 * rules/weight-perturbation — the gradient estimated from how the cost changes when every weight and
 * bias is nudged at random at once.
 *
 * Idea: draw ξ, one standard normal per parameter, and measure the cost at θ ± σξ. Then
 *   antithetic  g = (C(θ + σξ) − C(θ − σξ)) / (2σ) · ξ   (error terms even in σ cancel: bias O(σ²))
 *   baseline    g = (C(θ + σξ) − C(θ)) / σ · ξ
 * and as σ → 0 both tend to (∇C·ξ) ξ, the forward-gradient estimate along ξ, whose mean is ∇C
 * and whose variance grows with the number of parameters P. Averaging k samples divides it by k.
 * The directions are drawn exactly as the forward gradient draws them (`normalDirection`), so from
 * the same generator state the two rules use the same ξ.
 * Paper: J. Werfel, X. Xie, H. S. Seung, "Learning curves for stochastic gradient descent in linear
 * feedforward networks", Neural Computation 17(12):2699–2718, 2005 (weight perturbation is slower
 * than gradient descent by a factor that grows with the number of weights).
 * Cost per step: one clean forward pass (the reported cost, and the baseline) plus k perturbed
 * forward passes (2k when antithetic); P normal deviates per sample; no backward pass.
 */
import { valueOf } from '../autodiff/primitive.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOption, normalDirection } from './common.js';
import type { LearningRule } from './rule.js';

/** Options of `weightPerturbation`. */
export interface WeightPerturbationOptions {
  /** Perturbation size σ (default 1e-3). */
  sigma?: number;
  /** Perturbations averaged per step, k (default 1). */
  samples?: number;
  /** Measure both θ + σξ and θ − σξ (default true); false compares θ + σξ with the clean cost. */
  antithetic?: boolean;
}

/** Weight perturbation (Werfel, Xie & Seung 2005). */
export function weightPerturbation(options: WeightPerturbationOptions = {}): LearningRule<null> {
  const sigma = options.sigma ?? 1e-3;
  const k = options.samples ?? 1;
  const antithetic = options.antithetic ?? true;
  checkOption('weight-perturbation', 'sigma', sigma, (v) => v > 0, 'a number > 0');
  checkOption('weight-perturbation', 'samples', k, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  return {
    name: 'weight-perturbation',
    description: 'ΔC after a random nudge of all weights, times the nudge (Werfel, Xie & Seung 2005)',
    init: () => null,
    step(model, { x, y }, _state, rng) {
      const params = model.paramTensors();
      const costAt = (theta: Tensor[]): number => valueOf(model.lossWith(theta, x, y)).item();
      const clean = model.loss(x, y);
      const grads: Tensor[] = params.map((p) => T.zeros(p.shape, p.dtype));
      for (let s = 0; s < k; s++) {
        const xi = normalDirection(params, rng); // one N(0, 1) per parameter, parameters() order
        const plus = costAt(shifted(params, xi, sigma));
        const slope = antithetic ? (plus - costAt(shifted(params, xi, -sigma))) / (2 * sigma) : (plus - clean) / sigma; // ≈ ∇C·ξ
        for (let i = 0; i < grads.length; i++) T.axpyInPlace(grads[i], slope / k, xi[i]); // g += (slope / k) ξ
      }
      return { cost: clean, grads, forwardPasses: 1 + k * (antithetic ? 2 : 1), backwardPasses: 0 };
    },
  };
}

/** θ + s·ξ for every parameter. */
function shifted(params: readonly Tensor[], xi: readonly Tensor[], s: number): Tensor[] {
  return params.map((p, i) => T.add(p, T.scale(xi[i], s)));
}
