/**
 * rules/rule — the learning-rule interface: given a model and a batch, the parameter updates.
 *
 * A rule returns gradient-like tensors (one per parameter, in `model.parameters()` order) and the
 * optimiser applies them, so `fit` trains with any rule. Backprop returns the exact gradient; the
 * alternatives (feedback alignment, forward gradient, perturbation, …) return their estimates.
 */
import type { Sequential } from '../nn/model.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../util/rng.js';

/** One mini-batch: inputs [batch, nIn] and targets [batch, nOut]. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

/** What one step of a rule produced. */
export interface RuleStep {
  /**
   * Mean cost of the batch before the update: the model's cost function, except for rules that
   * optimise an objective of their own (forward-forward reports its goodness loss).
   */
  cost: number;
  /** Update directions, in `model.parameters()` order (the optimiser descends along them). */
  grads: Tensor[];
  /**
   * Forward passes through the network over the batch this step used (for the cost accounting in
   * `compare`); a forward-mode (JVP) pass counts as one.
   */
  forwardPasses: number;
  /** Backward passes through the network over the batch (layer-local derivatives are not counted). */
  backwardPasses: number;
}

/** A learning rule. */
export interface LearningRule<S = unknown> {
  readonly name: string;
  /** One line: the idea and the paper. */
  readonly description: string;
  /** Per-run state (fixed random feedback matrices, …), drawn from `rng`. */
  init(model: Sequential, rng: Rng): S;
  /** Update directions for one batch. */
  step(model: Sequential, batch: Batch, state: S, rng: Rng): RuleStep;
  /**
   * Class scores [batch, classes] for rules whose trained network is not read out by its output
   * layer (forward-forward scores each label by the network's total goodness); evaluation takes
   * each row's argmax. Absent: the model's own output a^L is the prediction.
   */
  predict?(model: Sequential, x: Tensor): Tensor;
}
