/**
 * data/batch — cutting a `Dataset` into pieces: mini-batches (seeded shuffle per epoch), subsets by
 * index, the first n examples, and a seeded random split.
 */
import { ArgumentError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { gatherRows, sliceRows } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Dataset } from './types.js';

/** One mini-batch: the rows `indices` of a data set's x and y. */
export interface Batch {
  /** Inputs [batch, features]. */
  x: Tensor;
  /** One-hot targets [batch, classes]. */
  y: Tensor;
  /** Which examples of the data set these rows are. */
  indices: Int32Array;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`batches: batchSize must be an integer ≥ 1, got ${batchSize}`);
}

/**
 * Mini-batches covering every example exactly once, the last one partial when `batchSize` does
 * not divide the size. With `rng`, the order is a fresh random permutation on each call (one
 * epoch); without, the examples come in order.
 * @throws ArgumentError for a batch size that is not a positive integer.
 */
export function* batches(ds: Dataset, batchSize: number, rng?: Rng): Generator<Batch> {
  checkBatchSize(batchSize);
  const n = ds.labels.length;
  let order: Int32Array;
  if (rng) order = rng.permutation(n);
  else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  for (let start = 0; start < n; start += batchSize) {
    const indices = order.slice(start, Math.min(n, start + batchSize));
    yield { x: gatherRows(ds.x, indices), y: gatherRows(ds.y, indices), indices };
  }
}

/**
 * The examples `indices` of a data set, in that order, as a new data set (copies).
 * @throws ArgumentError for an index out of range.
 */
export function subset(ds: Dataset, indices: Int32Array | readonly number[], name = ds.name): Dataset {
  const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
  const n = ds.labels.length;
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new ArgumentError(`subset: index ${j} is outside 0…${n - 1} of ${ds.name}`);
    labels[i] = ds.labels[j];
  }
  return withTensors(ds, name, gatherRows(ds.x, idx), gatherRows(ds.y, idx), labels);
}

/**
 * The examples [start, end) of a data set, as a new data set (copies).
 * @throws ArgumentError for a range outside the data set.
 */
export function sliceDataset(ds: Dataset, start: number, end: number, name = ds.name): Dataset {
  const n = ds.labels.length;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= n && start <= end)) {
    throw new ArgumentError(`sliceDataset: range [${start}, ${end}) is outside the ${n} examples of ${ds.name}`);
  }
  return withTensors(ds, name, sliceRows(ds.x, start, end), sliceRows(ds.y, start, end), ds.labels.slice(start, end));
}

/** The first `n` examples (all of them when there are fewer). */
export function head(ds: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`head: n must be an integer ≥ 0, got ${n}`);
  return n >= ds.labels.length ? ds : sliceDataset(ds, 0, n);
}

/**
 * Split a data set in two: `[rest, held]`, where `held` has round(fraction · n) examples. With
 * `rng` the examples are shuffled first (a seeded random split); without, `held` is the last ones.
 * @throws ArgumentError for a fraction outside [0, 1].
 */
export function splitDataset(ds: Dataset, fraction: number, rng?: Rng): [Dataset, Dataset] {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw new ArgumentError(`splitDataset: fraction must be between 0 and 1, got ${fraction}`);
  }
  const n = ds.labels.length;
  const held = Math.round(fraction * n);
  if (!rng) return [sliceDataset(ds, 0, n - held), sliceDataset(ds, n - held, n)];
  const order = rng.permutation(n);
  return [subset(ds, order.subarray(0, n - held)), subset(ds, order.subarray(n - held))];
}

function withTensors(ds: Dataset, name: string, x: Tensor, y: Tensor, labels: Int32Array): Dataset {
  const out: Dataset = { name, x, y, labels, classes: ds.classes };
  if (ds.imageShape) out.imageShape = [ds.imageShape[0], ds.imageShape[1]];
  if (ds.classNames) out.classNames = [...ds.classNames];
  return out;
}
