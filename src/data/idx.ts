/**
 * data/idx — the IDX file format of MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST):
 * a pure parser over bytes (browser-safe, no node:*) and the step from image + label files to a
 * `Dataset`. Reading files and gunzipping live in node-files.ts.
 *
 * Format: two zero bytes, a type byte (0x08 = unsigned byte, the only one used by these sets), a
 * byte with the number of dimensions d, then d big-endian uint32 sizes, then the data, row-major.
 */
import { allocateDataset } from '../tensor/tensor.js';
import { DataError } from '../util/errors.js';
import { datasetFromArrays, type Dataset } from './types.js';

/** The dimensions and raw unsigned-byte data of an IDX file. */
export interface IdxArray {
  /** Sizes from the header, outermost first (e.g. [60000, 28, 28]). */
  dims: number[];
  /** The data bytes (a view into the input, not a copy). */
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function hex32(bytes: Uint8Array): string {
  let s = '0x';
  for (let i = 0; i < 4; i++) s += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

function expectedMagic(rank: number): string {
  return `0x000008${rank.toString(16).padStart(2, '0')}`;
}

function plural(n: number | bigint, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 || n === 1n ? '' : 's'}`;
}

/**
 * Parse an IDX file of unsigned bytes. The header is checked against the actual length before
 * anything is allocated, so a corrupt header claiming absurd sizes is refused, not obeyed.
 * @param bytes the whole (uncompressed) file.
 * @param what the file's name or path, used in every error message.
 * @param expectedRank when given, the number of dimensions the file must have (3 for images,
 *   1 for labels), i.e. the magic number must be 0x00000803 or 0x00000801.
 * @throws DataError naming `what` for an empty or truncated file, a wrong magic number, a type other
 *   than unsigned byte, or a data length that does not match the header.
 */
export function parseIdx(bytes: Uint8Array, what: string, expectedRank?: number): IdxArray {
  const expected = expectedRank === undefined ? '0x000008NN (NN = number of dimensions)' : expectedMagic(expectedRank);
  if (bytes.length === 0) throw new DataError(`${what}: the file is empty (expected an IDX file)`);
  if (bytes.length < 4) {
    throw new DataError(`${what}: truncated IDX header: expected at least 4 bytes for the magic number, got ${bytes.length}`);
  }
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || rank === 0 || (expectedRank !== undefined && rank !== expectedRank)) {
    let hint = '';
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) hint = ' (these are gzip bytes: decompress the file first)';
    else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] !== 0x08 && TYPE_NAMES[bytes[2]] !== undefined) {
      hint = ` (element type ${TYPE_NAMES[bytes[2]]}; only unsigned byte, 0x08, is supported)`;
    } else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08 && expectedRank !== undefined) {
      hint = ` (a file with ${rank} dimension${rank === 1 ? '' : 's'}; expected ${expectedRank}: are the image and label files swapped?)`;
    }
    const which = expectedRank === 3 ? ' for images' : expectedRank === 1 ? ' for labels' : '';
    throw new DataError(`${what}: wrong magic number ${hex32(bytes)}, expected ${expected}${which}${hint}; this is not an IDX file of unsigned bytes`);
  }
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new DataError(`${what}: truncated IDX header: ${rank} dimensions need ${headerLength} header bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let claimed = 1n; // exact, however absurd the header's sizes
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    claimed *= BigInt(size);
  }
  const actual = bytes.length - headerLength;
  if (claimed > BigInt(actual)) {
    throw new DataError(
      `${what}: truncated: the header's dimensions [${dims.join(', ')}] need ${plural(claimed, 'data byte')} ` +
        `(${plural(BigInt(headerLength) + claimed, 'byte')} in all), but the file has ${plural(actual, 'data byte')} ` +
        `(${plural(bytes.length, 'byte')} in all)`,
    );
  }
  const expectedBytes = Number(claimed); // now known to be ≤ the file's length
  if (expectedBytes < actual) {
    throw new DataError(
      `${what}: the header's dimensions [${dims.join(', ')}] describe ${plural(expectedBytes, 'data byte')}, ` +
        `but the file has ${plural(actual - expectedBytes, 'extra byte')} after them (${plural(bytes.length, 'byte')} in all)`,
    );
  }
  return { dims, data: bytes.subarray(headerLength, headerLength + expectedBytes) };
}

/** A parsed pair of IDX files: images [n, rows, cols] and labels [n]. */
export interface IdxPair {
  images: IdxArray;
  labels: IdxArray;
  /** Names of the two files, for messages. */
  imagesName: string;
  labelsName: string;
}

/**
 * Check that an image file and a label file belong together: images have 3 dimensions, labels 1,
 * and they hold the same number of examples. Returns the number of examples.
 * @throws DataError naming both files.
 */
export function checkIdxPair(pair: IdxPair): number {
  const { images, labels, imagesName, labelsName } = pair;
  if (images.dims.length !== 3) {
    throw new DataError(`${imagesName}: an image file needs 3 dimensions [count, rows, columns], got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${labelsName}: a label file needs 1 dimension [count], got [${labels.dims.join(', ')}]`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataError(
      `${imagesName} holds ${plural(images.dims[0], 'image')} but ${labelsName} holds ${plural(labels.dims[0], 'label')}: the counts must match`,
    );
  }
  return images.dims[0];
}

/**
 * Make a `Dataset` of the examples [start, end) of an IDX image/label pair: pixels divided by 255
 * into float32, labels checked against `classes`.
 * @throws DataError for a label ≥ classes.
 */
export function idxToDataset(pair: IdxPair, start: number, end: number, meta: { name: string; classes: number; classNames?: string[] }): Dataset {
  const [, rows, cols] = pair.images.dims;
  const pixels = rows * cols;
  const n = end - start;
  const src = pair.images.data;
  const x = allocateDataset(n * pixels); // in the wasm backend's memory when that is active
  const offset = start * pixels;
  const inv = 1 / 255;
  for (let i = 0; i < x.length; i++) x[i] = src[offset + i] * inv;
  const labels = new Int32Array(n);
  const lab = pair.labels.data;
  for (let i = 0; i < n; i++) {
    const c = lab[start + i];
    if (c >= meta.classes) {
      throw new DataError(`${pair.labelsName}: label ${c} of example ${start + i} is outside 0…${meta.classes - 1}`);
    }
    labels[i] = c;
  }
  return datasetFromArrays(x, labels, pixels, { ...meta, imageShape: [rows, cols] });
}

/** The largest label in a label file plus one (the number of classes it implies). */
export function classCount(labels: IdxArray): number {
  let max = 0;
  for (let i = 0; i < labels.data.length; i++) if (labels.data[i] > max) max = labels.data[i];
  return max + 1;
}

/**
 * Build an IDX file of unsigned bytes from dimensions and data — the inverse of `parseIdx`
 * (for tests, and for writing small data sets).
 * @throws DataError when the data length does not match the dimensions.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array | readonly number[]): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new DataError(`encodeIdx: dimensions [${dims.join(', ')}] need ${n} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
