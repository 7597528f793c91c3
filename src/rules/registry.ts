/**
 * rules/registry — the learning rules by name, each with its default settings, for `fit`, the CLI
 * and the explorer.
 */
import { ArgumentError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { Sequential } from '../nn/model.js';
import { sliceRows } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { backprop } from './backprop.js';
import { directFeedbackAlignment } from './direct-feedback-alignment.js';
import { feedbackAlignment } from './feedback-alignment.js';
import { forwardForward } from './forward-forward.js';
import { forwardGradient } from './forward-gradient.js';
import { nodePerturbation } from './node-perturbation.js';
import type { LearningRule } from './rule.js';
import { weightPerturbation } from './weight-perturbation.js';

/** Names of the built-in learning rules, backprop first. */
export const RULE_NAMES = [
  'backprop',
  'feedback-alignment',
  'direct-feedback-alignment',
  'forward-gradient',
  'weight-perturbation',
  'node-perturbation',
  'forward-forward',
] as const;

/** One of the built-in rule names. */
export type RuleName = (typeof RULE_NAMES)[number];

/** Every built-in rule with its default settings, by name. */
export const rules: Readonly<Record<RuleName, LearningRule>> = Object.freeze({
  backprop: backprop,
  'feedback-alignment': feedbackAlignment(),
  'direct-feedback-alignment': directFeedbackAlignment(),
  'forward-gradient': forwardGradient(),
  'weight-perturbation': weightPerturbation(),
  'node-perturbation': nodePerturbation(),
  'forward-forward': forwardForward(),
});

/**
 * The rule called `name` (with its default settings).
 * @throws ArgumentError naming the unknown rule and listing the valid names.
 */
export function ruleByName(name: string): LearningRule {
  const rule = (rules as Record<string, LearningRule>)[name];
  if (!rule || !Object.prototype.hasOwnProperty.call(rules, name)) {
    throw new ArgumentError(`unknown learning rule '${name}', expected one of: ${RULE_NAMES.join(', ')}`);
  }
  return rule;
}

/** Forward and backward passes a rule has used (see `isolatedRule`). */
export interface PassCounts {
  forward: number;
  backward: number;
}

/**
 * `rule` wrapped for a side-by-side comparison: its randomness comes from a generator of its own,
 * seeded by `seed` and the rule's name (so each rule sees the same stream whether it runs alone or
 * after others), and every step adds its forward and backward passes to `counts`.
 */
export function isolatedRule(rule: LearningRule, seed: number, counts: PassCounts): LearningRule<{ inner: unknown; rng: Rng }> {
  return {
    name: rule.name,
    description: rule.description,
    init(model) {
      const rng = new Rng(`${seed}:${rule.name}`);
      return { inner: rule.init(model, rng), rng };
    },
    step(model, batch, state) {
      const result = rule.step(model, batch, state.inner, state.rng);
      counts.forward += result.forwardPasses;
      counts.backward += result.backwardPasses;
      return result;
    },
    ...(rule.predict ? { predict: rule.predict.bind(rule) } : {}),
  };
}

/**
 * Run `steps` untimed steps of `rule` on a throwaway `scratch` model over the first rows of
 * (x, y), so that a timed comparison does not charge JIT compilation to whichever rule runs first.
 */
export function warmUpRule(rule: LearningRule, scratch: Sequential, x: Tensor, y: Tensor, batch: number, steps = 10): void {
  const rng = new Rng('warm-up');
  const state = rule.init(scratch, rng);
  const n = x.shape[0];
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % n;
    const end = Math.min(n, start + batch);
    rule.step(scratch, { x: sliceRows(x, start, end), y: sliceRows(y, start, end) }, state, rng);
  }
}
