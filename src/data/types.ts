/**
 * data/types — the shapes every data source produces (`Dataset`, `DatasetSplits`) and the one
 * constructor that builds a checked `Dataset` from plain arrays.
 */
import { DataError } from '../util/errors.js';
import { oneHot } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';

/** A labelled set of examples, one row per example. */
export interface Dataset {
  /** A display name, e.g. `mnist train`. */
  name: string;
  /** Inputs, [n, features] float32 (images flattened row by row, pixels scaled to [0, 1]). */
  x: Tensor;
  /** Targets, [n, classes] one-hot float32. */
  y: Tensor;
  /** The class of each example, 0 … classes−1 (the same information as `y`). */
  labels: Int32Array;
  /** Number of classes (columns of `y`). */
  classes: number;
  /** [rows, columns] of each image, when the features are an image. */
  imageShape?: [number, number];
  /** A human name for each class, when known. */
  classNames?: string[];
}

/** Where a data set comes from and how to credit it. */
export interface DatasetInfo {
  /** Short name, e.g. `mnist`. */
  name: string;
  /** Where the data was read from (a package, a folder, a file, or "generated"). */
  source: string;
  /** The licence the data is distributed under. */
  license: string;
  /** How to cite it. */
  citation: string;
}

/** A data set cut into its training, (optional) validation and test parts. */
export interface DatasetSplits {
  /** Examples to train on. */
  train: Dataset;
  /** Examples held out of training to tune hyper-parameters (Nielsen's 10,000 for MNIST). */
  validation?: Dataset;
  /** Examples to report the final accuracy on. */
  test: Dataset;
  /** Provenance and credit. */
  info: DatasetInfo;
}

/** The parts of a `Dataset` besides its tensors, as given to `datasetFromArrays`. */
export interface DatasetMeta {
  /** Display name. */
  name: string;
  /** Number of classes; labels must lie in [0, classes). */
  classes: number;
  /** [rows, columns] when each example is an image. */
  imageShape?: [number, number];
  /** A name per class. */
  classNames?: string[];
}

/**
 * Build a `Dataset` from a flat row-major feature array and integer labels, with the one-hot
 * targets computed here. The arrays are used as they are (not copied).
 * @throws DataError when the sizes disagree or a label is outside [0, classes).
 */
export function datasetFromArrays(features: Float32Array, labels: Int32Array, featureCount: number, meta: DatasetMeta): Dataset {
  const n = labels.length;
  if (!Number.isInteger(featureCount) || featureCount < 0 || features.length !== n * featureCount) {
    throw new DataError(`${meta.name}: ${n} labels × ${featureCount} features needs ${n * featureCount} values, got ${features.length}`);
  }
  if (!Number.isInteger(meta.classes) || meta.classes < 1) {
    throw new DataError(`${meta.name}: the number of classes must be a positive integer, got ${meta.classes}`);
  }
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (c < 0 || c >= meta.classes) {
      throw new DataError(`${meta.name}: label ${c} of example ${i} is outside 0…${meta.classes - 1}`);
    }
  }
  if (meta.classNames && meta.classNames.length !== meta.classes) {
    throw new DataError(`${meta.name}: ${meta.classNames.length} class names for ${meta.classes} classes`);
  }
  const ds: Dataset = {
    name: meta.name,
    x: new Tensor(features, [n, featureCount]),
    y: oneHot(labels, meta.classes),
    labels,
    classes: meta.classes,
  };
  if (meta.imageShape) ds.imageShape = [meta.imageShape[0], meta.imageShape[1]];
  if (meta.classNames) ds.classNames = [...meta.classNames];
  return ds;
}
