// Toy 2-D sets (deterministic per seed, sizes, ranges, labels that follow each set's rule) and the
// batching helpers (every index exactly once, seeded order, subsets and splits).
import fc from 'fast-check';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { batches, datasetFromArrays, head, loadDataset, splitDataset, subset, toyDataset, TOY_DATASETS, type Dataset } from '../src/data/index.js';
import { ArgumentError, DataError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

describe('toy sets', () => {
  for (const name of TOY_DATASETS) {
    it(`${name}: sizes, range, two balanced-ish classes, same seed → same data`, async () => {
      const a = await loadDataset(name, { rng: new Rng(42), noise: 0.1 });
      const b = await loadDataset(name, { rng: new Rng(42), noise: 0.1 });
      const c = await loadDataset(name, { rng: new Rng(43), noise: 0.1 });
      expect(a.train.x.shape).toEqual([250, 2]);
      expect(a.test.x.shape).toEqual([250, 2]);
      expect(a.train.y.shape).toEqual([250, 2]);
      expect(a.train.classes).toBe(2);
      expect(a.validation).toBeUndefined();
      expect(a.train.x.dataSync()).toEqual(b.train.x.dataSync());
      expect(a.test.labels).toEqual(b.test.labels);
      expect(a.train.x.dataSync()).not.toEqual(c.train.x.dataSync());
      const all = [...a.train.x.dataSync(), ...a.test.x.dataSync()];
      const limit = name === 'gauss' ? 2 : 1.05; // Gaussian tails may leave [−6, 6]
      for (const v of all) expect(Math.abs(v)).toBeLessThan(limit);
      const positives = [...a.train.labels, ...a.test.labels].filter((l) => l === 1).length;
      expect(positives).toBeGreaterThan(150);
      expect(positives).toBeLessThan(350);
      expect(a.info.citation).toMatch(/Playground/);
    });
  }

  it('without noise, labels follow the rule of each set', () => {
    const rule: Record<string, (x: number, y: number) => boolean> = {
      circle: (x, y) => Math.hypot(x, y) < 2.5 / 6,
      xor: (x, y) => x * y >= 0,
      gauss: (x, y) => x + y > 0, // the two clusters at ±(2, 2), variance 0.5, rarely cross the diagonal
    };
    for (const [name, f] of Object.entries(rule)) {
      const ds = toyDataset(name as 'circle', { samples: 400, rng: new Rng(1) });
      const x = ds.x.dataSync();
      let agree = 0;
      for (let i = 0; i < 400; i++) if (f(x[2 * i], x[2 * i + 1]) === (ds.labels[i] === 1)) agree++;
      expect(agree, name).toBeGreaterThanOrEqual(name === 'gauss' ? 396 : 400);
    }
  });

  it('spiral: two arms of the requested total size, also for odd counts', () => {
    const ds = toyDataset('spiral', { samples: 101, rng: new Rng(3) });
    expect(ds.labels.length).toBe(101);
    expect(ds.labels.filter((l) => l === 1).length).toBe(51);
  });

  it('honours samples, testFraction, validation and limit', async () => {
    const s = await loadDataset('xor', { samples: 200, testFraction: 0.25, validation: 30 });
    expect([s.train.labels.length, s.validation!.labels.length, s.test.labels.length]).toEqual([120, 30, 50]);
    const l = await loadDataset('circle', { limit: 10 });
    expect(l.train.x.shape).toEqual([10, 2]);
    expect(l.test.x.shape).toEqual([10, 2]);
  });

  it('refuses bad options with ArgumentError', async () => {
    await expect(loadDataset('circle', { noise: 0.7 })).rejects.toThrow(ArgumentError);
    await expect(loadDataset('circle', { noise: 0.7 })).rejects.toThrow(/noise must be between 0 and 0\.5/);
    await expect(loadDataset('circle', { samples: 1 })).rejects.toThrow(/samples must be an integer ≥ 2/);
    await expect(loadDataset('circle', { testFraction: 1 })).rejects.toThrow(/testFraction/);
    await expect(loadDataset('circle', { limit: 0 })).rejects.toThrow(/limit/);
    await expect(loadDataset('circle', { validation: -1 })).rejects.toThrow(/validation/);
    await expect(loadDataset('circle', { samples: 2, testFraction: 0.1 })).rejects.toThrow(DataError);
  });
});

function numbered(n: number, classes = 3): Dataset {
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    labels[i] = i % classes;
  }
  return datasetFromArrays(x, labels, 2, { name: 'numbered', classes, classNames: ['a', 'b', 'c'].slice(0, classes) });
}

describe('batches', () => {
  it('covers every index exactly once, last batch partial, rows match indices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 17 }), fc.option(fc.integer()), (n, size, seed) => {
        const ds = numbered(n);
        const seen = new Int32Array(n);
        const list = [...batches(ds, size, seed === null ? undefined : new Rng(seed))];
        expect(list.length).toBe(Math.ceil(n / size));
        list.forEach((b, k) => {
          expect(b.indices.length).toBe(k < list.length - 1 ? size : n - size * (list.length - 1));
          expect(b.x.shape).toEqual([b.indices.length, 2]);
          expect(b.y.shape).toEqual([b.indices.length, 3]);
          const x = b.x.dataSync();
          const y = b.y.dataSync();
          b.indices.forEach((i, r) => {
            seen[i]++;
            expect(x[2 * r]).toBe(i);
            expect(y[3 * r + (i % 3)]).toBe(1);
          });
        });
        expect(Array.from(seen).every((c) => c === 1)).toBe(true);
      }),
    );
  });

  it('keeps order without an rng; shuffles per call, seeded, with one', () => {
    const ds = numbered(10);
    expect([...batches(ds, 4)].map((b) => Array.from(b.indices))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const order = (rng: Rng) => [...batches(ds, 3, rng)].flatMap((b) => Array.from(b.indices));
    const r1 = new Rng(5);
    const e1 = order(r1);
    const e2 = order(r1);
    expect(e1).not.toEqual(e2); // a fresh permutation each epoch
    const r2 = new Rng(5);
    expect(order(r2)).toEqual(e1);
    expect(order(r2)).toEqual(e2);
  });

  it('refuses a bad batch size', () => {
    expect(() => [...batches(numbered(3), 0)]).toThrow(ArgumentError);
    expect(() => [...batches(numbered(3), 1.5)]).toThrow(/batchSize/);
  });
});

describe('subset, head, splitDataset', () => {
  it('subset picks rows in the given order and keeps metadata', () => {
    const s = subset(numbered(6), [4, 1, 1]);
    expect(Array.from(s.labels)).toEqual([1, 1, 1]);
    expect(Array.from(s.x.dataSync())).toEqual([4, -4, 1, -1, 1, -1]);
    expect(s.classNames).toEqual(['a', 'b', 'c']);
    expect(s.classes).toBe(3);
    expect(() => subset(numbered(3), [3])).toThrow(/index 3 is outside/);
  });

  it('head keeps the first n', () => {
    const ds = numbered(5);
    expect(Array.from(head(ds, 2).x.dataSync())).toEqual([0, -0, 1, -1]);
    expect(head(ds, 99)).toBe(ds);
  });

  it('splitDataset: disjoint parts that cover everything, seeded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (n, f, seed) => {
        const [rest, held] = splitDataset(numbered(n), f, new Rng(seed));
        expect(held.labels.length).toBe(Math.round(f * n));
        expect(rest.labels.length + held.labels.length).toBe(n);
        const ids = [...rest.x.dataSync(), ...held.x.dataSync()].filter((_, k) => k % 2 === 0).sort((a, b) => a - b);
        expect(ids).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
    const [a1, b1] = splitDataset(numbered(20), 0.3, new Rng(9));
    const [a2, b2] = splitDataset(numbered(20), 0.3, new Rng(9));
    expect(a1.labels).toEqual(a2.labels);
    expect(b1.x.dataSync()).toEqual(b2.x.dataSync());
    const [r, h] = splitDataset(numbered(10), 0.2);
    expect(Array.from(h.x.dataSync()).filter((_, k) => k % 2 === 0)).toEqual([8, 9]);
    expect(r.labels.length).toBe(8);
    expect(() => splitDataset(numbered(3), 1.5)).toThrow(ArgumentError);
  });

  it('datasetFromArrays refuses labels out of range and size mismatches', () => {
    expect(() => datasetFromArrays(new Float32Array(2), Int32Array.from([0, 3]), 1, { name: 'd', classes: 3 })).toThrow(/label 3 of example 1 is outside 0…2/);
    expect(() => datasetFromArrays(new Float32Array(3), Int32Array.from([0, 1]), 2, { name: 'd', classes: 3 })).toThrow(DataError);
  });
});

describe('browser safety', () => {
  it('src/data imports node modules only dynamically, and never ../shared', async () => {
    const dir = new URL('../src/data/', import.meta.url);
    for (const f of await readdir(dir)) {
      const text = await readFile(new URL(f, dir), 'utf8');
      expect(text, f).not.toMatch(/^\s*import\s[^;]*from\s+['"]node:/m);
      expect(text, f).not.toMatch(/require\(/);
      expect(text, f).not.toMatch(/\.\.\/shared/);
      expect(text, f).not.toMatch(/Math\.random/);
    }
  });
});
