/**
 * cli/rule-rates — the default learning rate of each learning rule, shared by `glassbox compare`
 * (each rule at its own rate) and `glassbox train --rule` (when --eta is not given).
 */
import type { RuleName } from '../index.js';

/**
 * Default SGD learning rate of each rule for the default network ([784, 100, 10] sigmoid,
 * cross-entropy, batch 10): the best of a small grid by MNIST validation accuracy after one epoch
 * (docs/beyond-backprop.md). DFA shares FA's rate (with one hidden layer they are the same
 * algorithm), weight perturbation the forward gradient's (at σ = 1e-3 their estimates agree to
 * about σ²). The estimators whose noise grows with the number of parameters need far smaller steps.
 */
export const RULE_ETA: Readonly<Record<RuleName, number>> = {
  backprop: 0.5,
  'feedback-alignment': 2,
  'direct-feedback-alignment': 2,
  'forward-gradient': 0.003,
  'weight-perturbation': 0.003,
  'node-perturbation': 0.01,
  'forward-forward': 0.3,
};

/** Default step size with --optimizer adam, for every rule. */
export const ADAM_ETA = 0.001;
