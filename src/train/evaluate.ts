/**
 * train/evaluate — accuracy and mean cost of a model over a data set, in chunks.
 */
import type { Dataset } from '../data/types.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';

/** The result of `evaluate`. */
export interface Evaluation {
  /** Fraction of examples whose largest output is the true class. */
  accuracy: number;
  correct: number;
  total: number;
  /** Mean cost over the examples. */
  cost: number;
}

/** Accuracy and mean cost of `model` on `ds`, `chunk` examples at a time. */
export function evaluate(model: Sequential, ds: Dataset, chunk = 1000): Evaluation {
  const n = ds.labels.length;
  let correct = 0;
  let costSum = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const { cost, predicted } = model.evaluateBatch(T.sliceRows(ds.x, start, end), T.sliceRows(ds.y, start, end));
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
