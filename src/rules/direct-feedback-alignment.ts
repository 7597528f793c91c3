/**
 * rules/direct-feedback-alignment — the output error sent straight to every hidden layer through
 * fixed random matrices, with no layer-by-layer backward sweep.
 *
 * Idea: with e = δ^L = ∂C/∂z^L the output error, hidden layer l gets δ^l = (e·B^l) ⊙ σ'(z^l), where
 * B^l is a fixed random [n_L, n_l] matrix; the updates are ∂W^l = δ^l (a^(l−1))ᵀ, ∂b^l = δ^l, and the
 * output layer's update is exact. Every hidden layer can compute its update as soon as e is known,
 * in parallel. With a single hidden layer this is feedback alignment (B^L plays the same role).
 * Paper: A. Nøkland, "Direct Feedback Alignment Provides Learning in Deep Neural Networks",
 * NeurIPS 2016 (arXiv:1609.01596).
 * Cost per step: one forward pass, then one [batch, n_L]·[n_L, n_l] product per hidden layer (much
 * cheaper than a backward sweep when n_L is small) plus the weight-gradient products; no
 * sequential backward pass. Counted as one backward pass in `compare` all the same: every layer
 * waits for the output error.
 *
 * B^l ~ N(0, 1/n_l), the scale a top hidden layer would get from FA, for every hidden layer.
 */
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../util/rng.js';
import { forwardLayers, outputError } from './common.js';
import type { LearningRule } from './rule.js';

/** The fixed feedback of direct feedback alignment. */
export interface DirectFeedbackAlignmentState {
  /**
   * feedback[i] projects the output error to layers[i] (Nielsen's layer i + 2): B^(i+2) of shape
   * [n_L, n_(i+2)]. The output layer's entry is null (it uses its exact δ^L).
   */
  feedback: (Tensor | null)[];
}

/** Draw the fixed random projections B^l ~ N(0, 1/n_l), one per hidden layer. */
export function drawDirectFeedback(model: Sequential, rng: Rng): DirectFeedbackAlignmentState {
  const last = model.layers.length - 1;
  const nL = model.layers[last].W.shape[0];
  return {
    feedback: model.layers.map((layer, i) => {
      if (i === last) return null;
      const n = layer.W.shape[0];
      return T.randomNormal([nL, n], rng, 1 / Math.sqrt(n), 0, layer.W.dtype);
    }),
  };
}

/** Direct feedback alignment (Nøkland, NeurIPS 2016). */
export function directFeedbackAlignment(): LearningRule<DirectFeedbackAlignmentState> {
  return {
    name: 'direct-feedback-alignment',
    description: 'output error projected to every hidden layer by fixed random matrices (Nøkland 2016)',
    init: drawDirectFeedback,
    step(model, { x, y }, state) {
      const values = forwardLayers(model, x);
      const last = model.layers.length - 1;
      const { cost, delta: e } = outputError(model, values[last].z, y); // e = δ^L [batch, n_L]
      const grads: Tensor[] = new Array<Tensor>(2 * model.layers.length);
      model.layers.forEach((layer, i) => {
        const act = i === last ? 'linear' : layer.activation.kernel!;
        // Output layer: ∂C/∂z^L = e itself. Hidden layer: ∂C/∂a^l estimated as e·B^l [batch, n_l].
        const dA = i === last ? e : T.matmul(e, state.feedback[i]!);
        const { dW, db } = T.denseBackward(values[i].input, layer.W, values[i].z, values[i].a, dA, act, false);
        grads[2 * i] = dW; // [nOut, nIn]
        grads[2 * i + 1] = db; // [nOut]
      });
      return { cost, grads, forwardPasses: 1, backwardPasses: 1 };
    },
  };
}
