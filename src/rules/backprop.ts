/**
 * rules/backprop — the reference learning rule: the exact gradient by one forward and one backward
 * sweep (reverse-mode autodiff over the model's primitives).
 */
import { valueAndGrad } from '../autodiff/grad.js';
import type { Operand } from '../autodiff/primitive.js';
import type { LearningRule } from './rule.js';

/** Backpropagation (Rumelhart, Hinton & Williams, Nature 1986). */
export const backprop: LearningRule<null> = {
  name: 'backprop',
  description: 'exact gradient by one backward sweep (Rumelhart, Hinton & Williams 1986)',
  init: () => null,
  step(model, { x, y }) {
    const { value, grads } = valueAndGrad((...params: Operand[]) => model.lossWith(params, x, y))(...model.paramTensors());
    return { cost: value.item(), grads, forwardPasses: 1, backwardPasses: 1 };
  },
};
