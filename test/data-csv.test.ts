// CSV: the pure parser (header detection, label column, quoting, line ends) and every bad input
// (empty, ragged rows, non-numbers, NaN/Infinity, non-integer labels) collected into one error;
// then loading a .csv file through loadDataset with its seeded train/test split.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, parseCsv } from '../src/data/index.js';
import { DataError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

describe('parseCsv', () => {
  it('reads a file without header, label first', () => {
    const c = parseCsv('1,0.5,2\n0,-1,3e2\n2,.25,4\n');
    expect(c.hasHeader).toBe(false);
    expect(c.rows).toBe(3);
    expect(c.featureCount).toBe(2);
    expect(Array.from(c.labels)).toEqual([1, 0, 2]);
    expect(Array.from(c.features)).toEqual([0.5, 2, -1, 300, 0.25, 4]);
    expect(c.classes).toBe(3);
    expect(c.featureNames).toEqual(['column 2', 'column 3']);
  });

  it('detects a header row and finds the label column by name or negative index', () => {
    const text = 'a,b,class\r\n1,2,0\r\n3,4,1\r\n';
    const byName = parseCsv(text, { labelColumn: 'class' });
    expect(byName.hasHeader).toBe(true);
    expect(byName.featureNames).toEqual(['a', 'b']);
    expect(byName.labelName).toBe('class');
    expect(Array.from(byName.labels)).toEqual([0, 1]);
    expect(Array.from(byName.features)).toEqual([1, 2, 3, 4]);
    const byIndex = parseCsv(text, { labelColumn: -1 });
    expect(Array.from(byIndex.labels)).toEqual([0, 1]);
  });

  it('accepts quoted cells, a byte-order mark, blank lines and another delimiter', () => {
    const c = parseCsv('\ufeff"label";"x, y"\n\n"1";"2.5"\n0;3\n', { delimiter: ';' });
    expect(c.featureNames).toEqual(['x, y']);
    expect(Array.from(c.features)).toEqual([2.5, 3]);
    expect(Array.from(c.labels)).toEqual([1, 0]);
  });

  it('can be told there is no header', () => {
    expect(() => parseCsv('0,abc\n1,2\n', { header: false, what: 'h.csv' })).toThrow(/h\.csv: row 1, column 2: "abc" is not a number/);
  });

  it('refuses an empty file, and a header with no data', () => {
    expect(dataError(() => parseCsv('', { what: 'e.csv' })).message).toMatch(/e\.csv: the file is empty/);
    expect(dataError(() => parseCsv('\n \n', { what: 'e.csv' })).message).toMatch(/empty/);
    expect(dataError(() => parseCsv('label,x\n', { what: 'h.csv' })).message).toMatch(/h\.csv: the file has a header row but no data rows/);
  });

  it('reports a ragged row with its number and the column counts', () => {
    const e = dataError(() => parseCsv('0,1,2\n1,2\n0,1,2\n', { what: 'r.csv' }));
    expect(e.message).toBe('r.csv: row 2: expected 3 columns, got 2');
  });

  it('reports a non-number with row, column and text', () => {
    const e = dataError(() => parseCsv('y,a,b\n0,1,2\n1,2,oops\n', { what: 'n.csv' }));
    expect(e.message).toBe('n.csv: row 3, column 3 ("b"): "oops" is not a number');
  });

  it('reports NaN and Infinity in features', () => {
    const e = dataError(() => parseCsv('0,NaN\n1,Infinity\n1,-inf\n0,1e999\n', { what: 'f.csv' }));
    expect(e.problems).toHaveLength(4);
    for (const p of e.problems) expect(p).toMatch(/not a finite number/);
    expect(e.message).toMatch(/row 1, column 2: "NaN"/);
    expect(e.message).toMatch(/row 4, column 2: "1e999"/);
  });

  it('reports labels that are not non-negative integers', () => {
    const e = dataError(() => parseCsv('1.5,0\ncat,1\n-1,2\n,3\n2,4\n', { what: 'l.csv', header: false }));
    expect(e.problems).toHaveLength(4);
    expect(e.problems[0]).toMatch(/row 1, column 1: the label "1\.5" is not a non-negative integer/);
    expect(e.problems[1]).toMatch(/"cat"/);
    expect(e.problems[2]).toMatch(/"-1"/);
    expect(e.problems[3]).toMatch(/row 4/);
  });

  it('collects every problem into one error, and summarises beyond maxProblems', () => {
    const e = dataError(() => parseCsv('0,1,2\n1,x\n0,1,y\n2,NaN,3\n', { what: 'm.csv' }));
    expect(e.problems).toEqual([
      'row 2: expected 3 columns, got 2',
      'row 3, column 3: "y" is not a number',
      'row 4, column 2: "NaN" is not a finite number (NaN and Infinity are not allowed in features)',
    ]);
    expect(e.message.split('\n')[0]).toBe('m.csv: 3 problems');
    const many = Array.from({ length: 50 }, (_, i) => `0,bad${i}`).join('\n');
    const big = dataError(() => parseCsv(`0,1\n${many}`, { what: 'big.csv', maxProblems: 5 }));
    expect(big.problems).toHaveLength(6);
    expect(big.problems[5]).toBe('… and 45 more');
    expect(big.message.split('\n')[0]).toBe('big.csv: 50 problems');
  });

  it('refuses an unknown label column', () => {
    expect(() => parseCsv('a,b\n1,2\n', { labelColumn: 'nope' })).toThrow(/no column named "nope"/);
    expect(() => parseCsv('1,2\n1,2\n', { labelColumn: 5 })).toThrow(/labelColumn 5 is outside the 2 columns/);
    expect(() => parseCsv('1\n2\n')).toThrow(DataError);
  });
});

describe('loadDataset(.csv)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'glassbox-csv-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 3},${i},${i * 0.5}`);
  const text = `label,i,half\n${rows.join('\n')}\n`;

  it('splits by testFraction with a seeded shuffle, keeping every row once', async () => {
    const file = join(root, 'toy.csv');
    await writeFile(file, text);
    const a = await loadDataset(file, { testFraction: 0.25, rng: new Rng(7) });
    const b = await loadDataset(file, { testFraction: 0.25, rng: new Rng(7) });
    const c = await loadDataset(file, { testFraction: 0.25, rng: new Rng(8) });
    expect(a.train.x.shape).toEqual([30, 2]);
    expect(a.test.x.shape).toEqual([10, 2]);
    expect(a.train.classes).toBe(3);
    expect(a.train.x.dataSync()).toEqual(b.train.x.dataSync());
    expect(a.train.x.dataSync()).not.toEqual(c.train.x.dataSync());
    const ids = [...a.train.x.dataSync().filter((_, k) => k % 2 === 0), ...a.test.x.dataSync().filter((_, k) => k % 2 === 0)];
    expect(ids.sort((p, q) => p - q)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // labels stay with their rows
    const x = a.train.x.dataSync();
    a.train.labels.forEach((l, r) => expect(l).toBe(x[2 * r] % 3));
    expect(a.info.source).toContain('toy.csv');
  });

  it('reads csv: paths and gzipped csv, with validation and limit', async () => {
    const file = join(root, 'data.csv.gz');
    await writeFile(file, gzipSync(text));
    const s = await loadDataset('csv:' + file, { validation: 5, limit: 4 });
    expect(s.train.labels.length).toBe(4);
    expect(s.validation!.labels.length).toBe(4);
    expect(s.test.labels.length).toBe(4);
    const full = await loadDataset(file, { validation: 5 });
    expect([full.train.labels.length, full.validation!.labels.length, full.test.labels.length]).toEqual([27, 5, 8]);
  });

  it('names the file in parse errors and when missing', async () => {
    const bad = join(root, 'bad.csv');
    await writeFile(bad, 'label,a\n0,1\n1\n');
    await expect(loadDataset(bad)).rejects.toThrow(/bad\.csv: row 3: expected 2 columns, got 1/);
    await expect(loadDataset(join(root, 'absent.csv'))).rejects.toThrow(new RegExp(`file not found: absent\\.csv in folder ${root}`));
    const empty = join(root, 'empty.csv');
    await writeFile(empty, '');
    await expect(loadDataset(empty)).rejects.toThrow(/empty\.csv: the file is empty/);
  });
});
