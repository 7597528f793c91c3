// Every learning rule, trained by `fit`, lowers the cost on a toy task and on a small MNIST subset
// (forward-forward: its own objective, and it classifies above chance through its own `predict`);
// feedback alignment's hidden-layer update turns from about 90° to the true gradient to well below
// it as the forward weights align with the feedback — measured step by step and asserted.
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetFromArrays, loadDataset, type Dataset, type DatasetSplits } from '../src/data/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import { sgd } from '../src/optim/index.js';
import { backprop, directFeedbackAlignment, feedbackAlignment, RULE_NAMES, rules, type LearningRule, type RuleName } from '../src/rules/index.js';
import * as T from '../src/tensor/ops.js';
import { evaluate, fit } from '../src/train/index.js';
import { Rng } from '../src/util/rng.js';

/** The cost a rule lowers, over a whole data set: the model's cost, or forward-forward's own objective (fixed wrong labels). */
function objective(rule: LearningRule, model: Sequential, ds: Dataset): number {
  if (rule.name !== 'forward-forward') return model.loss(ds.x, ds.y);
  return rule.step(model, { x: ds.x, y: ds.y }, rule.init(model, new Rng(0)), new Rng(99)).cost;
}

/** Columns of zeros in front of every example: room for forward-forward's label (as MNIST's black first pixels). */
function padded(ds: Dataset, zeros: number): Dataset {
  const [n, width] = ds.x.shape;
  const x = new Float32Array(n * (zeros + width));
  const src = ds.x.dataSync();
  for (let r = 0; r < n; r++) x.set(src.subarray(r * width, (r + 1) * width), r * (zeros + width) + zeros);
  return datasetFromArrays(x, ds.labels, zeros + width, { name: `${ds.name} (padded)`, classes: ds.classes });
}

/** Learning rates (SGD, batch 10) for each rule on the two tasks. */
const TOY_ETA: Record<RuleName, number> = {
  backprop: 1, 'feedback-alignment': 1, 'direct-feedback-alignment': 1, 'forward-gradient': 0.1,
  'weight-perturbation': 0.1, 'node-perturbation': 0.5, 'forward-forward': 0.3,
};
const MNIST_ETA: Record<RuleName, number> = {
  backprop: 0.5, 'feedback-alignment': 0.5, 'direct-feedback-alignment': 0.5, 'forward-gradient': 0.01,
  'weight-perturbation': 0.01, 'node-perturbation': 0.05, 'forward-forward': 1,
};

describe('each rule lowers the cost on a toy task (circle)', () => {
  let circle: DatasetSplits;
  beforeAll(async () => {
    circle = await loadDataset('circle', { samples: 400, rng: new Rng(5) });
  });

  it.each(RULE_NAMES)('%s', async (name) => {
    const rule = rules[name];
    // Forward-forward writes the label over the first two inputs: give it two empty ones in front.
    const train = name === 'forward-forward' ? padded(circle.train, 2) : circle.train;
    const test = name === 'forward-forward' ? padded(circle.test, 2) : circle.test;
    const model = sequential({ sizes: [train.x.shape[1], 16, 2], activation: 'tanh', output: 'sigmoid', cost: 'cross-entropy', rng: 2 });
    const before = objective(rule, model, train);
    await fit(model, train, { epochs: 30, batchSize: 10, optimizer: sgd({ eta: TOY_ETA[name] }), rule, rng: 3 });
    const after = objective(rule, model, train);
    expect(after, `${name}: ${before} → ${after}`).toBeLessThan(0.8 * before);
    const accuracy = evaluate(model, test, 1000, rule.predict?.bind(rule)).accuracy;
    expect(accuracy, name).toBeGreaterThan(0.6); // two balanced classes: chance is 0.5
  });
});

describe('each rule lowers the cost on a small MNIST subset (2,000 digits, [784, 30, 10], one epoch)', () => {
  let mnist: DatasetSplits;
  beforeAll(async () => {
    mnist = await loadDataset('mnist', { limit: 2000 });
  });

  it.each(RULE_NAMES)('%s', async (name) => {
    const rule = rules[name];
    const model = sequential({ sizes: [784, 30, 10], activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', rng: 1 });
    const before = objective(rule, model, mnist.train);
    await fit(model, mnist.train, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: MNIST_ETA[name] }), rule, rng: 3 });
    const after = objective(rule, model, mnist.train);
    expect(after, `${name}: ${before} → ${after}`).toBeLessThan(0.8 * before);
    // (Accuracy is not asserted here: after 200 steps the noisy estimators have mostly moved the
    // output biases; `glassbox compare` on the full set measures how far each rule gets.)
  });
});

describe('feedback alignment aligns', () => {
  let mnist: DatasetSplits;
  beforeAll(async () => {
    mnist = await loadDataset('mnist', { limit: 2000 });
  });

  /** The angle (degrees) between the rule's update of W2 and backprop's ∂C/∂W2 at every step of two epochs. */
  function angles(rule: LearningRule, sizes: number[]): number[] {
    const model = sequential({ sizes, activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', rng: 1 });
    const state = rule.init(model, new Rng(2));
    const optimizer = sgd({ eta: 0.5 });
    const params = model.parameters();
    const optimizerState = optimizer.init(params);
    const rng = new Rng(3);
    const out: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      const order = rng.permutation(2000);
      for (let b = 0; b < 200; b++) {
        const indices = order.subarray(10 * b, 10 * b + 10);
        const batch = { x: T.gatherRows(mnist.train.x, indices), y: T.gatherRows(mnist.train.y, indices) };
        const { grads } = rule.step(model, batch, state, rng);
        const update = grads[0]; // the rule's ∂W2 [n2, 784]
        const gradient = backprop.step(model, batch, null, rng).grads[0]; // the true ∂C/∂W2
        out.push((Math.acos(T.dot(update, gradient) / (T.norm(update) * T.norm(gradient))) * 180) / Math.PI);
        optimizer.step(params, grads, optimizerState); // train with the rule's own updates
      }
    }
    return out;
  }
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

  it('feedback alignment: about 90° at first, below 60° after 300 steps, never above 90° in the last 100', () => {
    const a = angles(feedbackAlignment(), [784, 30, 10]);
    expect(mean(a.slice(0, 10))).toBeGreaterThan(80);
    expect(mean(a.slice(0, 10))).toBeLessThan(100);
    expect(mean(a.slice(-100))).toBeLessThan(60);
    expect(Math.max(...a.slice(-100))).toBeLessThan(90);
  });

  it('direct feedback alignment, two hidden layers: the first layer aligns too', () => {
    const a = angles(directFeedbackAlignment(), [784, 30, 20, 10]);
    expect(mean(a.slice(0, 10))).toBeGreaterThan(80);
    expect(mean(a.slice(-100))).toBeLessThan(70);
    expect(Math.max(...a.slice(-100))).toBeLessThan(90);
  });
});

describe("fit's alignment monitor (monitor: { alignment: true })", () => {
  const rng = new Rng(11);
  const n = 60;
  const x = new Float32Array(n * 4);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const data = datasetFromArrays(x, Int32Array.from({ length: n }, (_, i) => (x[4 * i] + x[4 * i + 1] > 0 ? 1 : 0) + (x[4 * i + 2] > 0 ? 1 : 0)), 4, { name: 'toy', classes: 3 });
  const net = (): Sequential => sequential({ sizes: [4, 7, 5, 3], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', rng: 3 });

  it('records per layer the angle between the rule\'s update and backprop\'s gradient, as computed independently', async () => {
    // One batch of all n rows: its mean-cost gradient does not depend on the permutation.
    const rule = feedbackAlignment();
    const model = net();
    const start = model.clone();
    const result = await fit(model, data, { epochs: 1, batchSize: n, rng: 5, optimizer: sgd({ eta: 0.1 }), rule, monitor: { alignment: true, every: 1 } });
    const state = rule.init(start, new Rng(5).fork()); // fit draws the rule's state from rng.fork()
    const update = rule.step(start, { x: data.x, y: data.y }, state, new Rng(0)).grads;
    const truth = backprop.step(start, { x: data.x, y: data.y }, null, new Rng(0)).grads;
    const alignment = result.history[0].alignment!;
    expect(alignment.map((a) => a.layer)).toEqual([2, 3, 4]);
    alignment.forEach((a, l) => {
      const u = update[2 * l];
      const g = truth[2 * l];
      const angle = (Math.acos(Math.min(1, T.dot(u, g) / (T.norm(u) * T.norm(g)))) * 180) / Math.PI;
      expect(a.angle, `W${l + 2}`).toBeCloseTo(angle, 2);
      expect(a.normRatio, `W${l + 2}`).toBeCloseTo(T.norm(u) / T.norm(g), 4);
    });
    expect(alignment[2].angle).toBeLessThan(0.1); // FA's output layer update is backprop's
    expect(alignment[0].angle).toBeGreaterThan(10); // its hidden ones are not, at the start
  });

  it('only observes: node perturbation (which draws from the Rng) trains to the same weights with and without it', async () => {
    const run = async (alignment: boolean): Promise<Float32Array[]> => {
      const model = net();
      const r = await fit(model, data, { epochs: 2, batchSize: 10, rng: 8, optimizer: sgd({ eta: 0.05 }), rule: rules['node-perturbation'], monitor: { alignment, every: 2 } });
      if (alignment) expect(r.history.every((h) => h.alignment?.length === 3)).toBe(true);
      else expect(r.history.every((h) => h.alignment === undefined)).toBe(true);
      return model.parameters().map((p) => Float32Array.from(p.value.dataSync()));
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('refuses backprop (nothing to compare) and a bad every, naming them', async () => {
    await expect(fit(net(), data, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 0.1 }), monitor: { alignment: true } })).rejects.toThrow(/monitor.alignment compares a rule's updates with backprop's gradient/);
    await expect(fit(net(), data, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 0.1 }), rule: feedbackAlignment(), monitor: { alignment: true, every: -1 } })).rejects.toThrow(/monitor.every must be an integer ≥ 1, got -1/);
  });
});
