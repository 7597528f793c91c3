// `glassbox compare` in this process: the report (budget honoured exactly, passes counted per step,
// curves and data hunger consistent, the same batches for every rule — a rule's results do not
// depend on which other rules run), the table, the SVG, a diverging rule reported in its row, and
// usage errors with exit code 2. Also the two small additions to the training loop the rules need:
// `evaluate` with a rule's own predict, and `fit` stopping right after the batch that aborts it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../src/cli/compare.js';
import { loadDataset } from '../src/data/index.js';
import { sequential } from '../src/nn/index.js';
import { sgd } from '../src/optim/index.js';
import { backprop } from '../src/rules/index.js';
import * as T from '../src/tensor/ops.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { evaluate, fit } from '../src/train/index.js';
import { runCli } from './cli-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-compare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MNIST = ['--data', 'mnist', '--limit', '600', '--layers', '30', '--eval-size', '200'];

describe('glassbox compare --json', () => {
  let report: CompareReport;
  let svgFile: string;
  beforeAll(async () => {
    svgFile = join(dir, 'curves.svg');
    const r = await runCli(['compare', ...MNIST, '--rules', 'backprop,feedback-alignment,forward-forward,node-perturbation', '--examples', '1000', '--eval-every', '250', '--target', '0.5', '--json', '--out', svgFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout) as CompareReport;
  });

  it('describes the run: network, budget, curve settings', () => {
    expect(report.format).toBe('glassbox-compare');
    expect(report.config.sizes).toEqual([784, 30, 10]);
    expect(report.config.budget).toEqual({ kind: 'examples', value: 1000 });
    expect(report.config.curveSplit).toBe('validation');
    expect(report.config.evalSize).toBe(200);
    expect(report.parameters).toBe(784 * 30 + 30 + 30 * 10 + 10);
    expect(report.results.map((r) => r.rule)).toEqual(['backprop', 'feedback-alignment', 'forward-forward', 'node-perturbation']);
  });

  it('trains every rule on exactly the budget and counts its passes per step', () => {
    const perStep: Record<string, [number, number]> = { backprop: [1, 1], 'feedback-alignment': [1, 1], 'forward-forward': [2, 0], 'node-perturbation': [3, 0] };
    for (const r of report.results) {
      expect(r.failure, r.rule).toBeNull();
      expect(r.examples, r.rule).toBe(1000);
      expect(r.steps, r.rule).toBe(100);
      expect([r.forwardPasses, r.backwardPasses], r.rule).toEqual(perStep[r.rule].map((p) => p * 100));
      expect(r.seconds, r.rule).toBeGreaterThan(0);
      expect(r.cpuSeconds, r.rule).toBeGreaterThan(0);
      expect(r.testAccuracy, r.rule).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy, r.rule).toBeLessThanOrEqual(1);
    }
  });

  it('measures each curve from 0 examples every 250, and data hunger is its first point at the target', () => {
    for (const r of report.results) {
      expect(r.curve.map((p) => p.examples), r.rule).toEqual([0, 250, 500, 750, 1000]);
      for (let i = 1; i < r.curve.length; i++) {
        expect(r.curve[i].seconds).toBeGreaterThanOrEqual(r.curve[i - 1].seconds);
        expect(r.curve[i].cpuSeconds).toBeGreaterThanOrEqual(r.curve[i - 1].cpuSeconds);
      }
      expect(r.examplesToTarget, r.rule).toBe(r.curve.find((p) => p.accuracy >= 0.5)?.examples ?? null);
    }
    // Backprop learns something in 1000 examples: the measurement is not a constant.
    const bp = report.results[0];
    expect(bp.curve[4].accuracy).toBeGreaterThan(bp.curve[0].accuracy + 0.2);
  });

  it('gives every rule the same start and batches: a rule run alone gets the same results', async () => {
    const r = await runCli(['compare', ...MNIST, '--rules', 'feedback-alignment', '--examples', '1000', '--eval-every', '250', '--target', '0.5', '--json']);
    const alone = (JSON.parse(r.stdout) as CompareReport).results[0];
    const together = report.results[1];
    expect(alone.curve.map((p) => p.accuracy)).toEqual(together.curve.map((p) => p.accuracy));
    expect(alone.curve.map((p) => p.angle)).toEqual(together.curve.map((p) => p.angle));
    expect(alone.testAccuracy).toBe(together.testAccuracy);
    // All rules start from the same weights (forward-forward reads them differently).
    expect(new Set(report.results.filter((x) => x.rule !== 'forward-forward').map((x) => x.curve[0].accuracy)).size).toBe(1);
  });

  it("measures at every curve point the angle between the rule's W2 update and the gradient: 0° for backprop, none for forward-forward", () => {
    const angles = Object.fromEntries(report.results.map((r) => [r.rule, r.curve.map((p) => p.angle)]));
    expect(angles.backprop.every((a) => a !== null && a < 0.5)).toBe(true);
    expect(angles['forward-forward'].every((a) => a === null)).toBe(true);
    for (const rule of ['feedback-alignment', 'node-perturbation']) {
      expect(angles[rule].every((a) => a !== null && a > 1 && a < 179), `${rule}: ${angles[rule].join(', ')}`).toBe(true);
    }
    // Feedback alignment's update turns towards the gradient as it trains (Lillicrap et al. 2016).
    expect(angles['feedback-alignment'][4]!).toBeLessThan(angles['feedback-alignment'][0]!);
  });

  it('writes the learning curves as SVG: accuracy against examples and against time, and the angle to the gradient, a line per rule', async () => {
    expect(report.svg).toBe(svgFile);
    const svg = await readFile(svgFile, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Two accuracy charts for every rule, and the angle chart for those whose angle is measured.
    for (const r of report.results) expect(svg.split(`data-rule="${r.rule}"`).length - 1, r.rule).toBe(r.rule === 'forward-forward' ? 2 : 3);
    expect(svg).toContain("angle between the rule's update of W2 and backprop's ∂C/∂W2");
    expect(svg).toContain('training examples seen');
    expect(svg).toContain('training CPU seconds');
    expect(svg).toContain('target 50.00%');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });
});

describe('glassbox compare: table, budgets and failures', () => {
  it('prints one table with a row per rule', async () => {
    const r = await runCli(['compare', '--data', 'gauss', '--layers', '8', '--rules', 'backprop,direct-feedback-alignment', '--epochs', '2', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('rule'))!;
    for (const col of ['η', 'test accuracy', 'examples to 90.00%', 'training time', 'CPU time', 'forward passes', 'backward passes', 'W2 angle to ∂C/∂W2']) expect(header).toContain(col);
    // gauss: 250 training points, batch 10 → 25 steps per epoch, 50 in two; backprop's angle is 0°.
    expect(lines.find((l) => l.startsWith('backprop '))).toMatch(/\s50\s+50\s+0° → 0°$/);
    expect(lines.find((l) => l.startsWith('direct-feedback-alignment '))).toMatch(/\s50\s+50\s+\d+° → \d+°$/);
    expect(r.stdout).toContain('every 25 examples');
  });

  it('stops at the first batch boundary at or past --examples', async () => {
    const r = await runCli(['compare', '--data', 'gauss', '--layers', '8', '--rules', 'forward-gradient', '--examples', '55', '--json']);
    const res = (JSON.parse(r.stdout) as CompareReport).results[0];
    expect([res.examples, res.steps, res.forwardPasses, res.backwardPasses]).toEqual([60, 6, 6, 0]);
  });

  it('with --seconds, trains each rule for at least that long', async () => {
    const r = await runCli(['compare', '--data', 'gauss', '--layers', '8', '--rules', 'backprop', '--seconds', '0.3', '--json']);
    const res = (JSON.parse(r.stdout) as CompareReport).results[0];
    expect(res.seconds).toBeGreaterThanOrEqual(0.3);
    expect(res.steps).toBeGreaterThan(0);
  });

  it('reports a diverging rule in its row and goes on with the others', async () => {
    const r = await runCli(['compare', '--data', 'gauss', '--layers', '8', '--output', 'linear', '--cost', 'quadratic', '--rules', 'backprop,feedback-alignment', '--eta', 'backprop=100,feedback-alignment=0.1', '--epochs', '3', '--json']);
    expect(r.code).toBe(0);
    const [bp, fa] = (JSON.parse(r.stdout) as CompareReport).results;
    expect(bp.failure).toMatch(/^diverged at step \d+ \(η 100 too large\?\)$/);
    expect(bp.testAccuracy).toBeNull();
    expect(fa.failure).toBeNull();
    expect(fa.steps).toBe(75);
  });
});

describe('glassbox compare: usage errors exit with 2 and name the problem', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown rule', ['--rules', 'backprop,hebbian'], /--rules: unknown rule 'hebbian', expected some of: backprop, feedback-alignment/],
    ['two budgets', ['--epochs', '2', '--examples', '100'], /give one budget, not --epochs and --examples/],
    ['a rate for a rule not compared', ['--rules', 'backprop', '--eta', 'forward-gradient=0.1'], /--eta: 'forward-gradient' is not among the rules being compared \(backprop\)/],
    ['a bad rate', ['--rules', 'backprop', '--eta', 'backprop=-1'], /--eta: the rate of backprop must be a number > 0, got '-1'/],
    ['a target above 1', ['--rules', 'backprop', '--target', '90'], /--target must be an accuracy in \(0, 1\], got 90/],
    ['forward-forward without room for the label', ['--rules', 'forward-forward'], /--rules forward-forward: the label is written over the first 2 inputs.*leave it out or change the network/],
    ['a network that does not fit the data', ['--layers', '2,8,5'], /--layers 2,8,5 does not fit xor \(2 features, 2 classes\)/],
    ['a bad batch size', ['--batch', '0'], /--batch.*expected an integer ≥ 1, got '0'/],
  ];
  it.each(cases)('%s', async (_what, args, message) => {
    const r = await runCli(['compare', '--data', 'xor', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('an unknown data set is a data error (exit 1)', async () => {
    const r = await runCli(['compare', '--data', 'no-such-set', '--rules', 'backprop']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown data set "no-such-set"/);
  });
});

describe('what the training loop gained for the rules', () => {
  it('evaluate uses a rule’s own predict when given one', async () => {
    const { test } = await loadDataset('gauss');
    const model = sequential({ sizes: [2, 4, 2], rng: 1 });
    const alwaysOne = (_m: unknown, x: Tensor): Tensor => T.tensor(Array.from({ length: x.shape[0] }, () => [0, 1]), undefined, 'float32');
    const ones = test.labels.reduce((n, l) => n + (l === 1 ? 1 : 0), 0);
    expect(evaluate(model, test, 7, alwaysOne).accuracy).toBeCloseTo(ones / test.labels.length, 12);
    expect(evaluate(model, test, 7, alwaysOne).cost).toBeCloseTo(evaluate(model, test).cost, 6);
  });

  it('fit stops right after the batch whose event aborts the signal', async () => {
    const { train } = await loadDataset('gauss');
    const model = sequential({ sizes: [2, 4, 2], rng: 1 });
    const controller = new AbortController();
    const result = await fit(model, train, {
      epochs: 5, batchSize: 10, optimizer: sgd({ eta: 0.1 }), rule: backprop, signal: controller.signal, yieldEveryMs: 1e9,
      onEvent: (e) => {
        if (e.type === 'batch' && e.step === 7) controller.abort();
      },
    });
    expect(result.stopped).toBe(true);
    expect(result.state.step).toBe(7);
    expect(result.state.batchInEpoch).toBe(7);
  });
});
