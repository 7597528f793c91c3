// Fuzzing the data readers (issue 6): parseIdx on raw bytes, the gzip path (gunzipIfNeeded, then
// parseIdx), and parseCsv with its options. Each gets thousands of generated inputs and thousands
// of mutations of valid files; a DataError (or another GlassboxError) is a correct refusal, any
// other exception fails the test, and an accepted input must be self-consistent.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvOptions } from '../src/data/csv.js';
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { gunzipIfNeeded } from '../src/data/node-files.js';
import { GENERATED_RUNS, MUTATED_RUNS, mutatedBytes, mutatedText, params, Tally } from './fuzz-helpers.js';

const HUGE = [0, 1, 2, 3, 28, 255, 256, 60000, 0x7fffffff, 0x80000000, 0xffffffff, 1_000_000_000_000 % 2 ** 32];

/** An IDX file, possibly lying: any magic bytes, a rank byte that need not match the dims, any data length. */
const idxGenerated: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .record({
      magic: fc.tuple(fc.constantFrom(0, 1, 0x1f), fc.constantFrom(0, 0x8b), fc.constantFrom(0, 0x08, 0x09, 0x0d, 0x0e, 0xff), fc.integer({ min: 0, max: 6 })),
      dims: fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(...HUGE)), { maxLength: 6 }),
      data: fc.uint8Array({ maxLength: 160 }),
    })
    .map(({ magic, dims, data }) => {
      const out = new Uint8Array(4 + 4 * dims.length + data.length);
      out.set(magic, 0);
      const view = new DataView(out.buffer);
      dims.forEach((d, i) => view.setUint32(4 + 4 * i, d >>> 0, false));
      out.set(data, 4 + 4 * dims.length);
      return out;
    }),
);

const idxSeeds = [
  encodeIdx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20)),
  encodeIdx([5], [0, 1, 2, 9, 3]),
  encodeIdx([2, 7, 5], Array.from({ length: 70 }, (_, i) => (i * 37) % 256)),
  encodeIdx([1, 1, 1, 4], [1, 2, 3, 4]),
];
const expectedRank = fc.constantFrom(undefined, 1, 3);

function checkIdx(r: { dims: number[]; data: Uint8Array }): void {
  expect(r.dims.reduce((p, d) => p * d, 1)).toBe(r.data.length);
}

describe('fuzz: IDX', () => {
  it('parseIdx on raw bytes: generated and mutated files', () => {
    const tally = new Tally('IDX (parseIdx, raw)');
    fc.assert(fc.property(idxGenerated, expectedRank, (bytes, rank) => tally.run('generated', () => parseIdx(bytes, 'fuzz.idx', rank), checkIdx)), params(GENERATED_RUNS, 1));
    fc.assert(fc.property(mutatedBytes(idxSeeds), expectedRank, (bytes, rank) => tally.run('mutated', () => parseIdx(bytes, 'fuzz.idx', rank), checkIdx)), params(MUTATED_RUNS, 2));
    console.log(tally.summary());
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused.get('DataError')).toBeGreaterThan(0);
  });

  it('gzip path (gunzipIfNeeded + parseIdx): gzipped hostile files and mutated gzip streams', async () => {
    const tally = new Tally('IDX (gunzipIfNeeded + parseIdx, gz)');
    const read = async (bytes: Uint8Array) => parseIdx(await gunzipIfNeeded(bytes, 'fuzz.idx.gz'), 'fuzz.idx.gz');
    const generated = fc.oneof(
      idxGenerated.map((b) => new Uint8Array(gzipSync(b))),
      fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0x1f, 0x8b, ...b])),
    );
    await fc.assert(fc.asyncProperty(generated, (bytes) => tally.runAsync('generated', () => read(bytes), checkIdx)), params(GENERATED_RUNS, 3));
    const gzSeeds = idxSeeds.map((b) => new Uint8Array(gzipSync(b)));
    await fc.assert(fc.asyncProperty(mutatedBytes(gzSeeds), (bytes) => tally.runAsync('mutated', () => read(bytes), checkIdx)), params(MUTATED_RUNS, 4));
    console.log(tally.summary());
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(tally.accepted).toBeGreaterThan(0);
  });
});

/** A CSV cell: numbers of every form, empty, non-finite, text, quoted text with delimiters and quotes. */
const cell: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -3, max: 12 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('', ' ', 'NaN', 'nan', 'inf', '-Infinity', '1e400', '-0', '+.5', '1.', '.', 'e5', '0x10', '1_000', '"', '""', '"a,b"', '"x""y"', 'label', '\u00a0', '\ufeff'),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: 1, max: 300 }).map((n) => '9'.repeat(n) + (n % 2 ? 'x' : '.5e')),
);

const csvGenerated: fc.Arbitrary<string> = fc
  .record({
    rows: fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 8 }),
    delimiter: fc.constantFrom(',', ';', '\t'),
    newline: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
  })
  .map(({ rows, delimiter, newline, bom }) => (bom ? '\ufeff' : '') + rows.map((r) => r.join(delimiter)).join(newline));

const csvOptions: fc.Arbitrary<CsvOptions> = fc.oneof({ arbitrary: fc.constant({}), weight: 2 }, { arbitrary: fc.record(
  {
    labelColumn: fc.oneof(fc.integer({ min: -6, max: 6 }), fc.constantFrom('label', 'x', '', 'nope', '0')),
    header: fc.constantFrom(true, false, 'auto' as const),
    delimiter: fc.constantFrom(',', ';', '\t', '||', ' ', '"', '\n', ''),
    maxProblems: fc.integer({ min: 0, max: 30 }),
  },
  { requiredKeys: [] },
), weight: 1 });

const csvSeeds = [
  'label,x,y\n0,0.5,1\n1,-2,3e-2\n2,4,5\n',
  'x1;x2;class\r\n1.5;2;0\r\n-1;0;1\r\n',
  '3,0.1,0.2,0.3\n1,1,1,1\n0,0,0,0\n',
  '"name, with comma",value,label\n"a ""quoted"" x",1,0\n2,3,1\n',
];

function checkCsv(r: ReturnType<typeof parseCsv>): void {
  expect(r.features.length).toBe(r.rows * r.featureCount);
  expect(r.labels.length).toBe(r.rows);
  expect(r.features.every(Number.isFinite)).toBe(true);
  expect(r.labels.every((l) => l >= 0 && l < r.classes)).toBe(true);
}

describe('fuzz: CSV', () => {
  it('parseCsv: generated files with random options, and mutated files', () => {
    const tally = new Tally('CSV (parseCsv)');
    fc.assert(fc.property(csvGenerated, csvOptions, (text, options) => tally.run('generated', () => parseCsv(text, options), checkCsv)), params(GENERATED_RUNS, 5));
    fc.assert(fc.property(mutatedText(csvSeeds), csvOptions, (text, options) => tally.run('mutated', () => parseCsv(text, options), checkCsv)), params(MUTATED_RUNS, 6));
    console.log(tally.summary());
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('regression: a long number cell is read in linear time (was quadratic regex backtracking)', () => {
    // Found while fuzzing: /^[+-]?(\d+\.?\d*|\.\d+)…$/ backtracks over every split of a digit run
    // that fails to match at its end, so one 1 MB cell took hours. Now these finish at once.
    const digits = '1'.repeat(1_000_000);
    expect(() => parseCsv(`label,x\n1,${digits}x\n`)).toThrow(/not a number/);
    expect(() => parseCsv(`label,x\n1,${digits}.5e\n`)).toThrow(/not a number/);
    expect(() => parseCsv(`label,x\n1,${digits}\n`)).toThrow(/is not a finite number/);
  });
});
