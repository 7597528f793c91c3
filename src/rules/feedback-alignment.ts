/**
 * rules/feedback-alignment — backprop's backward sweep with fixed random feedback matrices B^l in
 * place of the forward weights W^l.
 *
 * Idea: backprop sends the error down with δ^(l−1) = ((W^l)ᵀ δ^l) ⊙ σ'(z^(l−1)) (BP2), which needs
 * each synapse's weight twice (the "weight transport problem"). Feedback alignment sends it down
 * through a fixed random matrix instead: δ^(l−1) = ((B^l)ᵀ δ^l) ⊙ σ'(z^(l−1)). The output error δ^L
 * and the updates ∂W^l = δ^l (a^(l−1))ᵀ are as in backprop, so the output layer's update is exact.
 * The forward weights then come to align with Bᵀ, and the hidden updates with the true gradient
 * (the angle between them falls below 90°).
 * Paper: T. P. Lillicrap, D. Cownden, D. B. Tweed, C. J. Akerman, "Random synaptic feedback weights
 * support error backpropagation for deep learning", Nature Communications 7:13276, 2016.
 * Cost per step: one forward pass and one backward sweep of the same size as backprop's (the matrix
 * B^l has W^l's shape); memory for one extra matrix per layer above the first.
 *
 * B^l is drawn like the default initialisation of W^l, N(0, 1/n_in), so the error reaching each
 * layer has about backprop's magnitude at the start of training.
 */
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../util/rng.js';
import { forwardLayers, outputError } from './common.js';
import type { LearningRule } from './rule.js';

/** The fixed feedback of feedback alignment. */
export interface FeedbackAlignmentState {
  /**
   * feedback[i] stands in for layers[i].W (Nielsen's W^(i+2)) in the backward sweep: B^(i+2), the
   * same shape [nOut, nIn]. feedback[0] is null: nothing is sent below the first weight layer.
   */
  feedback: (Tensor | null)[];
}

/** Draw the fixed random feedback matrices B^l ~ N(0, 1/n_in), one per layer above the first. */
export function drawFeedback(model: Sequential, rng: Rng): FeedbackAlignmentState {
  return {
    feedback: model.layers.map((layer, i) => {
      if (i === 0) return null;
      const [nOut, nIn] = layer.W.shape;
      return T.randomNormal([nOut, nIn], rng, 1 / Math.sqrt(nIn), 0, layer.W.dtype);
    }),
  };
}

/** Feedback alignment (Lillicrap et al., Nat. Commun. 2016). */
export function feedbackAlignment(): LearningRule<FeedbackAlignmentState> {
  return {
    name: 'feedback-alignment',
    description: 'backward sweep through fixed random matrices B instead of Wᵀ (Lillicrap et al. 2016)',
    init: drawFeedback,
    step(model, { x, y }, state) {
      const values = forwardLayers(model, x);
      const last = model.layers.length - 1;
      const { cost, delta } = outputError(model, values[last].z, y); // δ^L [batch, nOut]
      const grads: Tensor[] = new Array<Tensor>(2 * model.layers.length);
      let dA = delta; // ∂C/∂a of the current layer; at the output we start from δ^L itself (linear)
      for (let i = last; i >= 0; i--) {
        const layer = model.layers[i];
        const act = i === last ? 'linear' : layer.activation.kernel!;
        // The kernel's dX = δ·W; handing it B^l instead of W^l gives δ·B^l, FA's feedback signal.
        const { dW, db, dX } = T.denseBackward(values[i].input, i > 0 ? state.feedback[i]! : layer.W, values[i].z, values[i].a, dA, act, i > 0);
        grads[2 * i] = dW; // [nOut, nIn]
        grads[2 * i + 1] = db; // [nOut]
        if (dX) dA = dX; // [batch, nIn] = ∂C/∂a of the layer below, as FA estimates it
      }
      return { cost, grads, forwardPasses: 1, backwardPasses: 1 };
    },
  };
}
