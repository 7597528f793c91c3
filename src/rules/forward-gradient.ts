/**
 * rules/forward-gradient — an unbiased gradient estimate from forward mode alone.
 *
 * Idea: draw a direction v in parameter space, one standard normal per parameter. One forward-mode
 * pass (ad.jvp over model.lossWith, tangent v on every parameter) gives the directional derivative
 * ∇C·v together with C. The estimate g = (∇C·v) v is unbiased, E[g] = E[v vᵀ] ∇C = ∇C, but noisy:
 * component j has variance ‖∇C‖² + (∂C/∂θ_j)², so the error grows with the number of parameters P
 * (E‖g − ∇C‖² = (P + 1)‖∇C‖²). Averaging k directions divides the variance by k.
 * Paper: A. G. Baydin, B. A. Pearlmutter, D. Syme, F. Wood, P. Torr, "Gradients without
 * Backpropagation", arXiv:2202.08587, 2022.
 * Cost per step: k forward-mode passes (each about two to three plain forward passes of arithmetic),
 * P normal deviates per direction, no backward pass and no stored activations.
 */
import * as ad from '../autodiff/index.js';
import type { Operand } from '../autodiff/primitive.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOption, normalDirection } from './common.js';
import type { LearningRule } from './rule.js';

/** Options of `forwardGradient`. */
export interface ForwardGradientOptions {
  /** Directions averaged per step, k (default 1, as in the paper). */
  directions?: number;
}

/** The forward gradient (Baydin et al. 2022). Directions are drawn with `normalDirection`. */
export function forwardGradient(options: ForwardGradientOptions = {}): LearningRule<null> {
  const k = options.directions ?? 1;
  checkOption('forward-gradient', 'directions', k, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  return {
    name: 'forward-gradient',
    description: 'g = (∇C·v)v from one forward-mode pass along a random v (Baydin et al. 2022)',
    init: () => null,
    step(model, { x, y }, _state, rng) {
      const params = model.paramTensors();
      const loss = (...ps: Operand[]): Operand => model.lossWith(ps, x, y);
      const grads: Tensor[] = params.map((p) => T.zeros(p.shape, p.dtype));
      let cost = 0;
      for (let d = 0; d < k; d++) {
        const v = normalDirection(params, rng); // one N(0, 1) per parameter, parameters() order
        const { out, tangent } = ad.jvp(loss, params, v); // tangent = ∇C·v, a scalar
        cost = out.item();
        const directional = tangent.item();
        for (let i = 0; i < grads.length; i++) T.axpyInPlace(grads[i], directional / k, v[i]); // g += (∇C·v / k) v
      }
      return { cost, grads, forwardPasses: k, backwardPasses: 0 };
    },
  };
}
