/**
 * web/data — the explorer's data sets in the browser: the toy sets through the library's
 * `loadDataset` (pure, no files), MNIST from the IDX bytes copied into the site at build time,
 * fetched from the same origin and parsed with the library's `parseIdx` / `datasetFromArrays`.
 * Shared by the page and the training worker, so both see the same examples.
 */
import { DataError, datasetFromArrays, loadDataset, parseIdx, Rng, type Dataset } from 'glassbox';
import type { DataName } from './state.js';

/** Training and test examples of one data set. */
export interface ExplorerData {
  train: Dataset;
  test: Dataset;
}

/** Toy sets: 500 points, half for training, as TensorFlow Playground; same seed → same points. */
async function toy(name: Exclude<DataName, 'mnist'>, noise: number, seed: number): Promise<ExplorerData> {
  const splits = await loadDataset(name, { noise, rng: new Rng(seed) });
  return { train: splits.train, test: splits.test };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new DataError(`${url}: could not be fetched (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!response.ok) throw new DataError(`${url}: the server answered ${response.status} ${response.statusText}; was the site built with 'npm run web:build'?`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Pixels 0…255 → [0, 1], as the library's MNIST loader does. */
function imagesToFeatures(bytes: Uint8Array): Float32Array {
  const x = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) x[i] = bytes[i] / 255;
  return x;
}

const mnistCache = new Map<string, Promise<Dataset>>();

/** One MNIST split ('train' or 'test') from `${base}/{split}-images.idx` and `-labels.idx`. */
function mnistSplit(base: string, split: 'train' | 'test'): Promise<Dataset> {
  const key = `${base}|${split}`;
  let p = mnistCache.get(key);
  if (!p) {
    p = (async () => {
      const [imageBytes, labelBytes] = await Promise.all([fetchBytes(`${base}/${split}-images.idx`), fetchBytes(`${base}/${split}-labels.idx`)]);
      const images = parseIdx(imageBytes, `mnist/${split}-images.idx`, 3);
      const labels = parseIdx(labelBytes, `mnist/${split}-labels.idx`, 1);
      const [n, rows, cols] = images.dims;
      if (labels.dims[0] !== n) throw new DataError(`mnist ${split}: ${n} images but ${labels.dims[0]} labels`);
      return datasetFromArrays(imagesToFeatures(images.data), Int32Array.from(labels.data), rows * cols, {
        name: `mnist ${split}`,
        classes: 10,
        imageShape: [rows, cols],
        classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      });
    })();
    mnistCache.set(key, p);
    p.catch(() => mnistCache.delete(key));
  }
  return p;
}

/**
 * The data of `name`. MNIST: the training digits copied into the site (the first 6,000 of the
 * official training file) and the 10,000 official test digits.
 * @param mnistBase absolute URL of the site's `mnist` folder.
 */
export async function loadExplorerData(name: DataName, noise: number, seed: number, mnistBase: string): Promise<ExplorerData> {
  if (name !== 'mnist') return toy(name, noise, seed);
  const [train, test] = await Promise.all([mnistSplit(mnistBase, 'train'), mnistSplit(mnistBase, 'test')]);
  return { train, test };
}

/** Only the test split (the page needs the examples, not the training digits). */
export async function loadTestSet(name: DataName, noise: number, seed: number, mnistBase: string): Promise<Dataset> {
  if (name !== 'mnist') return (await toy(name, noise, seed)).test;
  return mnistSplit(mnistBase, 'test');
}

/** Row `i` of a data set's inputs as a plain Float32Array copy. */
export function exampleInput(ds: Dataset, i: number): Float32Array {
  const n = ds.x.shape[1];
  return Float32Array.from(ds.x.dataSync().subarray(i * n, (i + 1) * n));
}
