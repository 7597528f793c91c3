// `glassbox eval` and `glassbox predict` in this process: accuracy and confusion matrix checked
// against an independent evaluation; a PNG of an MNIST digit predicts exactly what the digit from
// the data set does (also inverted); and bad models, images and flags fail with clear messages.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type DatasetSplits } from '../src/data/index.js';
import { checksumOf, saveModel } from '../src/io/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import { sliceRows } from '../src/tensor/index.js';
import { evaluate } from '../src/train/index.js';
import { runCli } from './cli-helpers.js';

let dir: string;
let mnist: DatasetSplits;
let digits: Sequential;
const digitsFile = (): string => join(dir, 'digits.json');
const gaussFile = (): string => join(dir, 'gauss.json');

/** A PNG of `rows`×`cols` gray pixels (alpha 255) from bytes 0…255. */
function png(gray: ArrayLike<number>, rows: number, cols: number): Buffer {
  const image = new pngjs.PNG({ width: cols, height: rows });
  for (let i = 0; i < rows * cols; i++) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = gray[i];
    image.data[4 * i + 3] = 255;
  }
  return pngjs.PNG.sync.write(image);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-cli-eval-'));
  mnist = await loadDataset('mnist', { limit: 600 });
  // A small softmax network, briefly trained through the CLI would take longer than needed: any
  // fixed weights serve, since every figure is checked against the model itself.
  digits = sequential({ sizes: [784, 16, 10], activation: 'sigmoid', output: 'softmax', cost: 'log-likelihood', rng: 4 });
  await saveModel(digitsFile(), digits, { dataset: 'mnist', imageShape: [28, 28] });
  const r = await runCli(['train', '--data', 'gauss', '--layers', '8', '--lambda', '0', '--epochs', '3', '--quiet', '--out', gaussFile()]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('glassbox eval', () => {
  it('--json: accuracy, cost and confusion matrix agree with an independent evaluation', async () => {
    const r = await runCli(['eval', gaussFile(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const { model } = await import('../src/io/index.js').then((io) => io.loadModel(gaussFile()));
    const ev = evaluate(model, (await loadDataset('gauss')).test);
    expect(doc).toMatchObject({ data: 'gauss', split: 'test', accuracy: ev.accuracy, correct: ev.correct, total: 250, cost: ev.cost });
    const confusion = doc.confusion as number[][];
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(250);
    expect(confusion[0][0] + confusion[1][1]).toBe(ev.correct);
  });

  it('prints accuracy and a 10×10 confusion matrix whose diagonal is the number correct', async () => {
    const r = await runCli(['eval', digitsFile(), '--limit', '600']);
    expect(r.code, r.stderr).toBe(0);
    const ev = evaluate(digits, mnist.test);
    expect(r.stdout).toContain(`accuracy ${(100 * ev.accuracy).toFixed(2)}% (${ev.correct}/600)`);
    const rows = r.stdout.split('\n').filter((l) => /^\d\s/.test(l));
    expect(rows).toHaveLength(10);
    const diagonal = rows.reduce((s, line, i) => s + Number(line.trim().split(/\s+/)[1 + i]), 0);
    expect(diagonal).toBe(ev.correct);
  });

  it('a corrupt model, a newer version, a truncated file, a missing file: exit 1 with the reason', async () => {
    const text = await readFile(gaussFile(), 'utf8');
    const doc = JSON.parse(text);
    const flipped = join(dir, 'flipped.json');
    doc.parameters[0].data = (doc.parameters[0].data[0] === 'A' ? 'B' : 'A') + doc.parameters[0].data.slice(1);
    await writeFile(flipped, JSON.stringify(doc));
    let r = await runCli(['eval', flipped]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^glassbox: model file ${flipped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: checksum mismatch: .*corrupt`));

    const newer = join(dir, 'newer.json');
    const v2 = JSON.parse(text);
    v2.version = 2;
    const { checksum: _c, ...body } = v2;
    await writeFile(newer, JSON.stringify({ ...body, checksum: checksumOf(body) }));
    r = await runCli(['eval', newer]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`glassbox: model file ${newer}: model file version 2 is newer than this glassbox supports (1); upgrade glassbox to read it\n`);

    const torn = join(dir, 'torn.json');
    await writeFile(torn, text.slice(0, 300));
    r = await runCli(['eval', torn]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON .*truncated or corrupt/);
  });

  it('a model that does not fit the data, or a split that does not exist', async () => {
    let r = await runCli(['eval', gaussFile(), '--data', 'mnist', '--limit', '10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gauss\.json takes 2 inputs but mnist has 784 features per example/);
    r = await runCli(['eval', gaussFile(), '--split', 'validation']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--split validation: gauss has no validation set/);
  });
});

describe('glassbox predict', () => {
  const k = 7;
  /** The model's probabilities for test digit k, computed directly. */
  const direct = (): number[] => Array.from(digits.predict(sliceRows(mnist.test.x, k, k + 1)).dataSync());
  /** MNIST's pixel bytes of test digit k (the data set holds byte/255). */
  const bytes = (): number[] => Array.from(sliceRows(mnist.test.x, k, k + 1).dataSync(), (v) => Math.round(v * 255));

  it('--index N: the top classes with the model\'s own probabilities, and the true class', async () => {
    const r = await runCli(['predict', digitsFile(), '--index', String(k), '--top', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.input).toMatchObject({ data: 'mnist', split: 'test', index: k, label: mnist.test.labels[k] });
    const p = direct();
    expect(doc.top).toHaveLength(10);
    for (const t of doc.top) expect(t.probability).toBeCloseTo(p[t.class], 7);
    expect(doc.top[0].class).toBe(p.indexOf(Math.max(...p)));
    expect(doc.top.map((t: { probability: number }) => t.probability)).toEqual([...doc.top.map((t: { probability: number }) => t.probability)].sort((a: number, b: number) => b - a));
  });

  it('a PNG of the same digit gives the same probabilities; a dark-on-light one does with --invert', async () => {
    const image = join(dir, 'digit.png');
    await writeFile(image, png(bytes(), 28, 28));
    const r = await runCli(['predict', digitsFile(), image, '--top', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = direct();
    for (const t of JSON.parse(r.stdout).top) expect(t.probability).toBeCloseTo(p[t.class], 6);

    const inverted = join(dir, 'inverted.png');
    await writeFile(inverted, png(bytes().map((v) => 255 - v), 28, 28));
    const plain = await runCli(['predict', digitsFile(), inverted]);
    expect(plain.stderr).toMatch(/inverted\.png is mostly light .* try --invert/);
    const fixed = await runCli(['predict', digitsFile(), inverted, '--invert', '--top', '10', '--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    for (const t of JSON.parse(fixed.stdout).top) expect(t.probability).toBeCloseTo(p[t.class], 6);

    const table = await runCli(['predict', digitsFile(), image]);
    expect(table.stdout).toMatch(/class\s+output a\s+probability/);
    expect(table.stdout.split('\n').filter((l) => /^\d\s/.test(l))).toHaveLength(3);
  });

  it('bad images and flags', async () => {
    const small = join(dir, 'small.png');
    await writeFile(small, png(new Array(400).fill(0), 20, 20));
    let r = await runCli(['predict', digitsFile(), small]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/small\.png is 20×20 pixels, but the model takes 28×28 images: resize it to 28×28 first/);
    const text = join(dir, 'not.png');
    await writeFile(text, 'hello');
    r = await runCli(['predict', digitsFile(), text]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not\.png is not a readable PNG image/);
    r = await runCli(['predict', digitsFile(), join(dir, 'nope.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*nope\.png: no such file/);
    r = await runCli(['predict', gaussFile(), small]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/takes 2 inputs and does not say they form an image/);
    r = await runCli(['predict', digitsFile()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one input: an IMAGE\.png argument or --index N/);
    r = await runCli(['predict', digitsFile(), small, '--index', '3']);
    expect(r.code).toBe(2);
    r = await runCli(['predict', digitsFile(), '--index', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--index <n>' argument '-1' is invalid/);
    r = await runCli(['predict', digitsFile(), '--index', '10000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--index 10000: mnist test has examples 0…9999/);
  });
});
