/**
 * data — data sets and what to do with them: `loadDataset` (MNIST shipped with the install,
 * Fashion-MNIST, IDX folders, CSV, toy 2-D sets), browser-safe parsers (`parseIdx`, `parseCsv`),
 * and batching / subsets / splits. Imports only tensor/ and util/.
 */
export type { Dataset, DatasetSplits, DatasetInfo, DatasetMeta } from './types.js';
export { datasetFromArrays } from './types.js';
export { parseIdx, encodeIdx, type IdxArray } from './idx.js';
export { parseCsv, type CsvOptions, type CsvData } from './csv.js';
export { toyDataset, isToyName, TOY_DATASETS, type ToyName, type ToyOptions } from './toy.js';
export { batches, subset, sliceDataset, head, splitDataset, type Batch } from './batch.js';
export { loadDataset, DATASET_NAMES, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, type LoadOptions } from './load.js';
export { isGzip } from './node-files.js';
