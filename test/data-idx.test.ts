// IDX files: the pure parser on bytes built here (raw and gzipped), every kind of bad header or
// truncation, and loading a folder of the four standard files (names, gz detection, errors).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx, isGzip, loadDataset, parseIdx } from '../src/data/index.js';
import { DataError } from '../src/util/errors.js';

/** Run `f` and return the DataError it throws (failing the test otherwise). */
function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

async function dataErrorAsync(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

function header(magic: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('parseIdx', () => {
  const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);

  it('reads dims and data of an images file', () => {
    const bytes = concat(header(0x00000803, [2, 3, 4]), pixels);
    const { dims, data } = parseIdx(bytes, 'tiny-images', 3);
    expect(dims).toEqual([2, 3, 4]);
    expect(Array.from(data)).toEqual(Array.from(pixels));
  });

  it('reads a labels file', () => {
    const { dims, data } = parseIdx(encodeIdx([5], [0, 1, 2, 9, 4]), 'tiny-labels', 1);
    expect(dims).toEqual([5]);
    expect(Array.from(data)).toEqual([0, 1, 2, 9, 4]);
  });

  it('works on a view into a larger buffer (byteOffset ≠ 0)', () => {
    const inner = encodeIdx([2, 2], [1, 2, 3, 4]);
    const big = new Uint8Array(inner.length + 7);
    big.set(inner, 7);
    expect(parseIdx(big.subarray(7), 'view').dims).toEqual([2, 2]);
  });

  it('round-trips encodeIdx for any dims and bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 255 }), (dims, fill) => {
        const n = dims.reduce((a, b) => a * b, 1);
        const data = Uint8Array.from({ length: n }, (_, i) => (fill + i) % 256);
        const parsed = parseIdx(encodeIdx(dims, data), 'p');
        expect(parsed.dims).toEqual(dims);
        expect(Array.from(parsed.data)).toEqual(Array.from(data));
      }),
    );
  });

  it('refuses an empty file', () => {
    expect(dataError(() => parseIdx(new Uint8Array(0), 'empty.idx')).message).toMatch(/empty\.idx.*empty/);
  });

  it('refuses a file shorter than the magic number', () => {
    expect(dataError(() => parseIdx(new Uint8Array([0, 0]), 'short.idx')).message).toMatch(/short\.idx.*truncated.*4 bytes.*got 2/);
  });

  it('shows a wrong magic number in hex with the expected one', () => {
    const e = dataError(() => parseIdx(concat(header(0x12345678, []), new Uint8Array(8)), 'bad-magic', 3));
    expect(e.message).toContain('bad-magic');
    expect(e.message).toContain('0x12345678');
    expect(e.message).toContain('0x00000803');
    const l = dataError(() => parseIdx(concat(header(0xdeadbeef, []), new Uint8Array(8)), 'bad-labels', 1));
    expect(l.message).toContain('0xdeadbeef');
    expect(l.message).toContain('0x00000801');
  });

  it('says when images and labels files look swapped', () => {
    const e = dataError(() => parseIdx(encodeIdx([3], [1, 2, 3]), 'train-images-idx3-ubyte', 3));
    expect(e.message).toContain('0x00000801');
    expect(e.message).toContain('0x00000803');
    expect(e.message).toMatch(/swapped/);
  });

  it('refuses other element types, naming the type', () => {
    const e = dataError(() => parseIdx(concat(header(0x00000d01, [1]), new Uint8Array(4)), 'floats.idx'));
    expect(e.message).toContain('0x00000d01');
    expect(e.message).toMatch(/float32/);
  });

  it('recognises gzip bytes given to the raw parser', () => {
    const gz = new Uint8Array(gzipSync(encodeIdx([1], [7])));
    expect(isGzip(gz)).toBe(true);
    expect(dataError(() => parseIdx(gz, 'x.gz')).message).toMatch(/gzip/);
  });

  it('refuses a truncated header', () => {
    const e = dataError(() => parseIdx(header(0x00000803, [10, 28]), 'cut-header', 3));
    expect(e.message).toMatch(/cut-header.*truncated IDX header.*16 header bytes.*has 12/);
  });

  it('refuses truncated data, with expected and actual byte counts', () => {
    const bytes = concat(header(0x00000803, [2, 3, 4]), pixels.subarray(0, 20));
    const e = dataError(() => parseIdx(bytes, 'cut-data', 3));
    expect(e.message).toContain('cut-data');
    expect(e.message).toMatch(/truncated/);
    expect(e.message).toContain('24 data bytes');
    expect(e.message).toContain('20 data bytes');
  });

  it('refuses extra bytes after the data', () => {
    const bytes = concat(header(0x00000801, [2]), new Uint8Array([1, 2, 3]));
    expect(dataError(() => parseIdx(bytes, 'long', 1)).message).toMatch(/long.*1 extra byte/);
  });

  it('refuses a header claiming absurd sizes before allocating anything', () => {
    const bytes = concat(header(0x00000803, [0xffffffff, 0xffffffff, 0xffffffff]), new Uint8Array(16));
    const t0 = performance.now();
    const e = dataError(() => parseIdx(bytes, 'huge', 3));
    expect(performance.now() - t0).toBeLessThan(100);
    expect(e.message).toMatch(/huge: truncated.*\[4294967295, 4294967295, 4294967295\]/);
    expect(e.message).toContain('79,228,162,458,924,105,385,300,197,375 data bytes');
    expect(e.message).toContain('16 data bytes');
  });
});

describe('IDX folders', () => {
  let root: string;
  const trainN = 6;
  const testN = 3;
  const img = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n * 2 * 3 }, (_, i) => (i * 37 + seed) % 256);
  const trainImages = encodeIdx([trainN, 2, 3], img(trainN, 1));
  const trainLabels = encodeIdx([trainN], [0, 1, 2, 1, 0, 2]);
  const testImages = encodeIdx([testN, 2, 3], img(testN, 5));
  const testLabels = encodeIdx([testN], [2, 2, 1]);

  async function makeFolder(name: string, files: Record<string, Uint8Array>): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir);
    for (const [f, bytes] of Object.entries(files)) await writeFile(join(dir, f), bytes);
    return dir;
  }
  const standard = (gz: boolean, base = (s: string) => s): Record<string, Uint8Array> => {
    const z = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
    const ext = gz ? '.gz' : '';
    return {
      [base('train-images-idx3-ubyte') + ext]: z(trainImages),
      [base('train-labels-idx1-ubyte') + ext]: z(trainLabels),
      [base('t10k-images-idx3-ubyte') + ext]: z(testImages),
      [base('t10k-labels-idx1-ubyte') + ext]: z(testLabels),
    };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'glassbox-data-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads raw files: pixels / 255, one-hot labels, image shape, no validation by default', async () => {
    const dir = await makeFolder('raw', standard(false));
    const s = await loadDataset(dir);
    expect(s.train.x.shape).toEqual([trainN, 6]);
    expect(s.test.x.shape).toEqual([testN, 6]);
    expect(s.validation).toBeUndefined();
    expect(s.train.classes).toBe(3);
    expect(s.train.imageShape).toEqual([2, 3]);
    expect(Array.from(s.train.labels)).toEqual([0, 1, 2, 1, 0, 2]);
    const x = s.train.x.dataSync();
    const raw = img(trainN, 1);
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(raw[i] / 255, 6);
    expect(s.train.y.toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]]);
    expect(s.info.source).toContain(dir);
  });

  it('gives the same tensors from gzipped files, via idx: and with the .idx3-ubyte spelling', async () => {
    const raw = await loadDataset(await makeFolder('raw2', standard(false)));
    const gz = await loadDataset('idx:' + (await makeFolder('gz', standard(true))));
    const dotted = await loadDataset(await makeFolder('dotted', standard(true, (s) => s.replace('-idx', '.idx'))));
    for (const other of [gz, dotted]) {
      expect(other.train.x.dataSync()).toEqual(raw.train.x.dataSync());
      expect(other.test.y.dataSync()).toEqual(raw.test.y.dataSync());
      expect(other.test.labels).toEqual(raw.test.labels);
    }
  });

  it('holds out a validation set from the end of training, and limits every split', async () => {
    const dir = await makeFolder('val', standard(false));
    const s = await loadDataset(dir, { validation: 2 });
    expect(Array.from(s.train.labels)).toEqual([0, 1, 2, 1]);
    expect(Array.from(s.validation!.labels)).toEqual([0, 2]);
    const l = await loadDataset(dir, { validation: 2, limit: 1 });
    expect([l.train.labels.length, l.validation!.labels.length, l.test.labels.length]).toEqual([1, 1, 1]);
    expect(Array.from(l.validation!.labels)).toEqual([0]);
  });

  it('names the missing file and the folder', async () => {
    const files = standard(false);
    delete files['t10k-labels-idx1-ubyte'];
    const dir = await makeFolder('missing', files);
    const e = await dataErrorAsync(loadDataset(dir));
    expect(e.message).toContain(dir);
    expect(e.message).toContain('t10k-labels-idx1-ubyte');
    expect(e.message).not.toContain('missing train-images');
  });

  it('reports a missing folder, and an unknown name', async () => {
    expect((await dataErrorAsync(loadDataset('idx:' + join(root, 'nope')))).message).toMatch(/folder not found.*nope/);
    const e = await dataErrorAsync(loadDataset('no-such-set'));
    expect(e.message).toMatch(/unknown data set "no-such-set".*mnist.*fashion-mnist.*spiral/);
  });

  it('refuses an image/label count mismatch, naming both files', async () => {
    const files = standard(false);
    files['train-labels-idx1-ubyte'] = encodeIdx([trainN - 1], [0, 1, 2, 1, 0]);
    const dir = await makeFolder('mismatch', files);
    const e = await dataErrorAsync(loadDataset(dir));
    expect(e.message).toMatch(/train-images-idx3-ubyte holds 6 images but .*train-labels-idx1-ubyte holds 5 labels/);
  });

  it('refuses corrupt gzip, naming the file', async () => {
    const files = standard(true);
    const gz = files['t10k-images-idx3-ubyte.gz'];
    files['t10k-images-idx3-ubyte.gz'] = gz.subarray(0, gz.length - 12); // cut the tail
    const dir = await makeFolder('corrupt', files);
    const e = await dataErrorAsync(loadDataset(dir));
    expect(e.message).toMatch(/t10k-images-idx3-ubyte\.gz: corrupt gzip/);

    const garbage = standard(true);
    const bad = garbage['train-labels-idx1-ubyte.gz'].slice();
    for (let i = 10; i < bad.length - 8; i++) bad[i] ^= 0x5a;
    garbage['train-labels-idx1-ubyte.gz'] = bad;
    const e2 = await dataErrorAsync(loadDataset(await makeFolder('garbage', garbage)));
    expect(e2.message).toMatch(/train-labels-idx1-ubyte\.gz: corrupt gzip/);
  });

  it('refuses a truncated file inside a folder, naming it', async () => {
    const files = standard(false);
    files['train-images-idx3-ubyte'] = trainImages.subarray(0, trainImages.length - 5);
    const e = await dataErrorAsync(loadDataset(await makeFolder('truncated', files)));
    expect(e.message).toMatch(/train-images-idx3-ubyte: truncated/);
    expect(e.message).toContain('36 data bytes');
    expect(e.message).toContain('31 data bytes');
  });

  it('refuses a validation set as large as the training set', async () => {
    const dir = await makeFolder('bigval', standard(false));
    await expect(loadDataset(dir, { validation: 6 })).rejects.toThrow(/leaves no training examples/);
  });

  it('fashion-mnist with a missing folder says how to install it', async () => {
    const e = await dataErrorAsync(loadDataset('fashion-mnist', { dir: join(root, 'no-fashion') }));
    expect(e.message).toContain('apt-get install dataset-fashion-mnist');
    expect(e.message).toContain('no-fashion');
  });

  it('the written fixture files really are what encodeIdx made', async () => {
    const dir = await makeFolder('check', standard(false));
    expect((await readdir(dir)).sort()).toHaveLength(4);
    expect(new Uint8Array(await readFile(join(dir, 'train-labels-idx1-ubyte')))).toEqual(trainLabels);
  });
});
