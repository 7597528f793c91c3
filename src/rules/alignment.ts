/**
 * rules/alignment — how a learning rule's update direction stands to the true gradient: the angle
 * between the two (0°: backprop's direction; 90°: no better than a random direction) and the ratio
 * of their lengths. Lillicrap et al. (2016, Fig. 2) measure feedback alignment this way: its hidden
 * updates start near 90° and turn towards the gradient as the forward weights align with Bᵀ.
 * Used by fit's alignment monitor, `glassbox compare`, the explorer's comparison and
 * bench/rule-directions.ts, so they all report the same number.
 */
import type { Sequential } from '../nn/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import { backprop } from './backprop.js';
import type { Batch, LearningRule } from './rule.js';

/** An update's direction against the gradient's. */
export interface Alignment {
  /** Angle in degrees between the update and the gradient, in [0, 180]; NaN when either is zero. */
  angle: number;
  /** ‖update‖ / ‖gradient‖ (NaN when the gradient is zero). */
  normRatio: number;
}

/** The angle between two tensors of the same size read as vectors, and their length ratio, in float64. */
export function alignment(update: Tensor, gradient: Tensor): Alignment {
  const u = update.dataSync();
  const g = gradient.dataSync();
  let ug = 0;
  let uu = 0;
  let gg = 0;
  for (let i = 0; i < g.length; i++) {
    ug += u[i] * g[i];
    uu += u[i] * u[i];
    gg += g[i] * g[i];
  }
  const cos = uu > 0 && gg > 0 ? Math.max(-1, Math.min(1, ug / Math.sqrt(uu * gg))) : NaN;
  return { angle: (Math.acos(cos) * 180) / Math.PI, normRatio: gg > 0 ? Math.sqrt(uu / gg) : NaN };
}

/**
 * Per weight layer W^l (l = 2 … L), how `rule`'s update on `batch` at the model's current weights
 * stands to backprop's ∂C/∂W^l on the same batch. The rule runs with `state` and draws from `rng`
 * (default: a generator of its own, so a caller's stream is untouched); the model is not changed.
 * Forward-forward's updates descend another objective: asking for it is refused by the caller's
 * choice, not here.
 */
export function ruleAlignment(rule: LearningRule, state: unknown, model: Sequential, batch: Batch, rng: Rng = new Rng(1)): Alignment[] {
  const update = rule.step(model, batch, state, rng).grads;
  const gradient = backprop.step(model, batch, null, rng).grads;
  return model.layers.map((_, l) => alignment(update[2 * l], gradient[2 * l]));
}
