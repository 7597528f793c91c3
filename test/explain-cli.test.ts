// The CLI of the transparency tools: glassbox explain trace|ripple|paths|saliency|units|dynamics,
// gradcheck (exit 1 on a wrong gradient) and plot, on saved models; bad flags exit 2 naming the
// valid range, PNG and SVG files are really written.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../src/io/index.js';
import { sequential } from '../src/nn/index.js';
import { runCli } from './cli-helpers.js';

let dir: string;
let toy: string; // [2, 5, 4, 2] on the xor toy set
let digits: string; // [784, 12, 10] for MNIST

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-explain-'));
  toy = join(dir, 'toy.json');
  digits = join(dir, 'digits.json');
  await saveModel(toy, sequential({ sizes: [2, 5, 4, 2], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', rng: 3 }), { dataset: 'xor' });
  await saveModel(digits, sequential({ sizes: [784, 12, 10], cost: 'cross-entropy', rng: 1 }), { dataset: 'mnist', imageShape: [28, 28] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('glassbox explain', () => {
  it('trace prints BP1–BP4 layer by layer; --json is the full report', async () => {
    const r = await runCli(['explain', 'trace', toy, '--index', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('trace of xor test #3');
    expect(r.stdout).toContain('BP1 δ^L = a^L − y');
    for (const l of [2, 3, 4]) expect(r.stdout).toContain(`layer ${l} (`);
    const j = await runCli(['explain', 'trace', toy, '--index', '3', '--json']);
    const report = JSON.parse(j.stdout);
    expect(report.tool).toBe('trace');
    expect(report.index).toBe(3);
    expect(report.layers[0].dW).toHaveLength(5);
    expect(report.layers[0].dW[0]).toHaveLength(2);
  });

  it('ripple shows the error of the linear prediction shrinking like Δw², for one example and a batch', async () => {
    const one = JSON.parse((await runCli(['explain', 'ripple', toy, '--layer', '3', '--to', '1', '--from', '4', '--index', '2', '--json'])).stdout);
    expect(one.parameter.name).toBe('w^3_{1,4}');
    expect(one.examples).toBe(1);
    expect(Math.abs(one.costDot - one.gradient)).toBeLessThanOrEqual(1e-10 * Math.abs(one.gradient));
    expect(one.observedOrder).toBeGreaterThan(1.8);
    expect(one.observedOrder).toBeLessThan(2.2);
    const batch = await runCli(['explain', 'ripple', toy, '--layer', '2', '--to', '0', '--bias', '--batch', '--delta', '0.01,0.001']);
    expect(batch.code).toBe(0);
    expect(batch.stdout).toMatch(/on all \d+ examples of xor test \(mean cost\)/);
    expect(batch.stdout).toContain('b^2_{0}');
    expect(batch.stdout.match(/^0\.01 |^0\.001 /gm)).toHaveLength(2);
  });

  it('paths lists the largest paths and the sum over all equals backprop', async () => {
    const r = await runCli(['explain', 'paths', toy, '--layer', '2', '--to', '3', '--from', '1', '--top', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('8 paths through layers 2 → 3 → 4'); // j fixed in layer 2, then 4 · 2
    expect(r.stdout).toContain('every path enumerated');
    const j = JSON.parse((await runCli(['explain', 'paths', toy, '--layer', '2', '--to', '3', '--from', '1', '--top', '3', '--enumerate-up-to', '0', '--json'])).stdout);
    expect(j.method).toBe('k-best');
    expect(j.paths).toHaveLength(3);
    expect(j.remainder).toBeCloseTo(j.total - j.listedSum, 15);
  });

  it('bad layer, neuron or index: exit 2 with the valid range', async () => {
    const to = await runCli(['explain', 'ripple', toy, '--layer', '3', '--to', '12', '--from', '0']);
    expect(to.code).toBe(2);
    expect(to.stderr).toContain('ripple: --to 12 is out of range: layer 3 has neurons 0…3');
    const layer = await runCli(['explain', 'paths', toy, '--layer', '5', '--to', '0', '--from', '0']);
    expect(layer.code).toBe(2);
    expect(layer.stderr).toContain('paths: --layer 5 is out of range: the model has weight layers 2…4');
    const from = await runCli(['explain', 'paths', toy, '--layer', '2', '--to', '0', '--from', '2']);
    expect(from.stderr).toContain('--from 2 is out of range: layer 1 (the layer before 2) has neurons 0…1');
    const neither = await runCli(['explain', 'ripple', toy, '--layer', '2', '--to', '0']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give --from K');
    const index = await runCli(['explain', 'trace', toy, '--index', '100000']);
    expect(index.code).toBe(2);
    expect(index.stderr).toMatch(/--index 100000 is out of range: xor test has examples 0…\d+/);
    const missing = await runCli(['explain', 'trace', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
  });

  it('a model/data width mismatch is a data error (exit 1)', async () => {
    const r = await runCli(['explain', 'trace', toy, '--data', 'mnist']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/takes 2 inputs but mnist has 784 features/);
  });

  it('saliency and units write PNG heatmaps of the right size', async () => {
    const sal = join(dir, 'sal.png');
    const s = await runCli(['explain', 'saliency', digits, '--index', '0', '--out', sal, '--zoom', '2']);
    expect(s.code).toBe(0);
    const png = pngjs.PNG.sync.read(await readFile(sal));
    expect([png.width, png.height]).toEqual([3 * 56 + 4 * 2, 56 + 2 * 2]); // three 28×28 maps at zoom 2, 2-pixel gaps
    const unitsFile = join(dir, 'units.png');
    const u = await runCli(['explain', 'units', digits, '--out', unitsFile, '--zoom', '1', '--columns', '4']);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('12 neurons in layer 2');
    const grid = pngjs.PNG.sync.read(await readFile(unitsFile));
    expect([grid.width, grid.height]).toEqual([4 * 28 + 5 * 2, 3 * 28 + 4 * 2]);
    // The colours are the diverging map's: every pixel inside a tile is white-ish, reddish or bluish (R = 255 or B = 255 or an end colour).
    let coloured = 0;
    for (let i = 0; i < grid.data.length; i += 4) if (grid.data[i] !== grid.data[i + 2]) coloured++;
    expect(coloured).toBeGreaterThan(12 * 28 * 28 * 0.5);
    const bad = await runCli(['explain', 'saliency', digits, '--output', '10']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('saliency: --output 10 is out of range: the output layer has neurons 0…9');
  });

  it('dynamics prints the per-layer speed', async () => {
    const r = await runCli(['explain', 'dynamics', toy, '--examples', '100', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.examples).toBe(100);
    expect(report.layers.map((l: { layer: number }) => l.layer)).toEqual([2, 3, 4]);
  });
});

describe('glassbox gradcheck', () => {
  it('passes backprop on a saved model (exit 0) and prints the per-layer table', async () => {
    const r = await runCli(['gradcheck', toy]);
    expect(r.code).toBe(0);
    for (const p of ['W2', 'b2', 'W3', 'b3', 'W4', 'b4']) expect(r.stdout).toContain(p);
    expect(r.stdout).toMatch(/ok: all 49 checked elements of 49 parameters agree/);
  });

  it('exits 1, naming the worst element, when any element exceeds the tolerance (here one no float64 check can meet)', async () => {
    const r = await runCli(['gradcheck', toy, '--tolerance', '1e-300']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gradcheck FAILED: \d+ of 49 checked elements exceed the tolerance 1e-300/);
    const json = await runCli(['gradcheck', toy, '--json', '--samples', '3', '--seed', '2']);
    expect(JSON.parse(json.stdout).rows[0].checked).toBe(3);
  });
});

describe('glassbox plot', () => {
  it('writes an SVG of the run record', async () => {
    const run = join(dir, 'model.run.json');
    await writeFile(run, JSON.stringify({
      config: { sizes: [784, 30, 10] },
      history: [1, 2].map((epoch) => ({ epoch, trainCost: 0.5 / epoch, seconds: 1, validation: { accuracy: 0.9, cost: 0.4, correct: 9, total: 10 }, dynamics: [{ layer: 2, gradB: 0.01, gradW: 0.1 }] })),
    }));
    const r = await runCli(['plot', run]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(dir, 'model.run.svg')}: cost, accuracy, per-layer speed over 2 epochs`);
    const svg = await readFile(join(dir, 'model.run.svg'), 'utf8');
    expect(svg.match(/<g class="chart">/g)).toHaveLength(3);
  });

  it('names a broken run record (exit 1) and refuses a non-SVG output (exit 2)', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ history: [{ epoch: 1, trainCost: 'NaN' }] }));
    const r = await runCli(['plot', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: history[0].trainCost must be a finite number, got "NaN"`);
    const png = await runCli(['plot', bad, '--out', join(dir, 'x.png')]);
    expect(png.code).toBe(2);
    const notJson = join(dir, 'text.json');
    await writeFile(notJson, 'hello');
    expect((await runCli(['plot', notJson])).stderr).toContain('is not JSON');
  });
});
