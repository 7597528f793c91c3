/**
 * train/evaluate — accuracy and mean cost of a model over a data set, in chunks.
 */
import type { Dataset } from '../data/types.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';

/** The result of `evaluate`. */
export interface Evaluation {
  /** Fraction of examples whose largest output is the true class. */
  accuracy: number;
  correct: number;
  total: number;
  /** Mean cost over the examples. */
  cost: number;
}

/** Class scores [batch, classes] of a model for inputs x, for rules with their own read-out (LearningRule.predict). */
export type Predictor = (model: Sequential, x: Tensor) => Tensor;

/**
 * Accuracy and mean cost of `model` on `ds`, `chunk` examples at a time. With `predict`, the
 * predicted class is the argmax of its scores (the cost is still the model's cost function).
 */
export function evaluate(model: Sequential, ds: Dataset, chunk = 1000, predict?: Predictor): Evaluation {
  const n = ds.labels.length;
  let correct = 0;
  let costSum = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const x = T.sliceRows(ds.x, start, end);
    const batch = model.evaluateBatch(x, T.sliceRows(ds.y, start, end));
    const cost = batch.cost;
    const predicted = predict ? T.argmax(predict(model, x)) : batch.predicted;
    for (let i = 0; i < end - start; i++) if (predicted[i] === ds.labels[start + i]) correct++;
    costSum += cost * (end - start);
  }
  return { accuracy: n === 0 ? 0 : correct / n, correct, total: n, cost: n === 0 ? 0 : costSum / n };
}

/** Confusion matrix: counts[true][predicted]. */
export function confusionMatrix(model: Sequential, ds: Dataset, chunk = 1000): number[][] {
  const counts = Array.from({ length: ds.classes }, () => new Array<number>(ds.classes).fill(0));
  for (let start = 0; start < ds.labels.length; start += chunk) {
    const end = Math.min(ds.labels.length, start + chunk);
    const predicted = T.argmax(model.predict(T.sliceRows(ds.x, start, end)));
    for (let i = 0; i < end - start; i++) counts[ds.labels[start + i]][predicted[i]]++;
  }
  return counts;
}
