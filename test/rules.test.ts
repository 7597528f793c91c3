// The learning rules' estimates checked against independent computations in float64: feedback
// alignment and DFA against backprop when their feedback is the true weights and against a hand
// computation of δ otherwise; the forward gradient's mean against the true gradient within a bound
// computed from its variance; weight and node perturbation converging to the gradient as σ shrinks
// and samples grow; forward-forward's local gradients against finite differences; the registry.
import { describe, expect, it } from 'vitest';
import * as ad from '../src/autodiff/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import {
  alignment, backprop, directFeedbackAlignment, embedLabels, feedbackAlignment, forwardForward, forwardGradient, nodePerturbation, RULE_NAMES,
  ruleByName, rules, rmsNormalize, weightPerturbation, type Batch, type LearningRule,
} from '../src/rules/index.js';
import * as T from '../src/tensor/ops.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { ArgumentError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

/** A small float64 network and a batch of random inputs with one-hot targets. */
function setup(sizes: number[], options: { batch?: number; activation?: 'sigmoid' | 'tanh' | 'relu'; seed?: number } = {}): { model: Sequential; batch: Batch } {
  const seed = options.seed ?? 1;
  const model = sequential({ sizes, activation: options.activation ?? 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', dtype: 'float64', rng: seed });
  const rng = new Rng(seed + 100);
  const n = options.batch ?? 6;
  const classes = sizes[sizes.length - 1];
  const x = T.randomNormal([n, sizes[0]], rng, 1, 0, 'float64');
  const labels = Array.from({ length: n }, () => rng.int(classes));
  return { model, batch: { x, y: T.oneHot(labels, classes, 'float64') } };
}

/** The exact gradient, by backprop. */
function trueGradient(model: Sequential, batch: Batch): Tensor[] {
  return backprop.step(model, batch, null, new Rng(0)).grads;
}

/** All entries of a list of tensors as one flat array. */
function flat(ts: readonly Tensor[]): Float64Array {
  const out = new Float64Array(ts.reduce((n, t) => n + t.size, 0));
  let k = 0;
  for (const t of ts) for (const v of t.dataSync()) out[k++] = v;
  return out;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function length(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] ** 2;
  return Math.sqrt(s);
}

function expectClose(actual: readonly Tensor[], expected: readonly Tensor[], tol: number): void {
  expect(actual.map((t) => t.shape)).toEqual(expected.map((t) => t.shape));
  const a = flat(actual);
  const e = flat(expected);
  expect(distance(a, e)).toBeLessThanOrEqual(tol * Math.max(1, length(e)));
}

/** Per-component mean and variance of `count` single estimates of `rule`, each a fresh step. */
function sampleMoments(rule: LearningRule, model: Sequential, batch: Batch, count: number, seed: number): { mean: Float64Array; variance: Float64Array } {
  const rng = new Rng(seed);
  const state = rule.init(model, rng);
  let mean: Float64Array | null = null;
  let m2: Float64Array | null = null;
  for (let s = 1; s <= count; s++) {
    const g = flat(rule.step(model, batch, state, rng).grads);
    mean ??= new Float64Array(g.length);
    m2 ??= new Float64Array(g.length);
    for (let j = 0; j < g.length; j++) {
      const d = g[j] - mean[j]; // Welford's running mean and sum of squared deviations
      mean[j] += d / s;
      m2[j] += d * (g[j] - mean[j]);
    }
  }
  return { mean: mean!, variance: m2!.map((v) => v / (count - 1)) };
}

describe('registry', () => {
  it('holds every rule under its name, backprop first', () => {
    expect(RULE_NAMES[0]).toBe('backprop');
    expect(RULE_NAMES).toHaveLength(7);
    for (const name of RULE_NAMES) {
      expect(rules[name].name).toBe(name);
      expect(ruleByName(name)).toBe(rules[name]);
      expect(rules[name].description.length).toBeGreaterThan(10);
    }
  });

  it('names an unknown rule and lists the valid ones', () => {
    expect(() => ruleByName('hebbian')).toThrow(ArgumentError);
    expect(() => ruleByName('hebbian')).toThrow(/unknown learning rule 'hebbian', expected one of: backprop, feedback-alignment/);
    expect(() => ruleByName('toString')).toThrow(ArgumentError);
  });

  it('rejects bad options, naming the rule, the option and the value', () => {
    expect(() => forwardGradient({ directions: 0 })).toThrow(/forward-gradient: directions must be an integer ≥ 1, got 0/);
    expect(() => weightPerturbation({ sigma: -1 })).toThrow(/weight-perturbation: sigma must be a number > 0, got -1/);
    expect(() => nodePerturbation({ samples: 1.5 })).toThrow(/node-perturbation: samples must be an integer ≥ 1, got 1.5/);
    expect(() => forwardForward({ threshold: Number.NaN })).toThrow(/forward-forward: threshold must be a number > 0, got NaN/);
  });

  it('reports the passes each rule spends per step', () => {
    const { model, batch } = setup([5, 4, 3]);
    const passes = (rule: LearningRule): [number, number] => {
      const r = rule.step(model, batch, rule.init(model, new Rng(1)), new Rng(2));
      return [r.forwardPasses, r.backwardPasses];
    };
    expect(passes(backprop)).toEqual([1, 1]);
    expect(passes(feedbackAlignment())).toEqual([1, 1]);
    expect(passes(directFeedbackAlignment())).toEqual([1, 1]);
    expect(passes(forwardGradient({ directions: 3 }))).toEqual([3, 0]);
    expect(passes(weightPerturbation({ samples: 2 }))).toEqual([5, 0]); // clean + 2 × (±)
    expect(passes(weightPerturbation({ samples: 2, antithetic: false }))).toEqual([3, 0]);
    expect(passes(nodePerturbation())).toEqual([3, 0]);
    expect(passes(forwardForward())).toEqual([2, 0]);
  });

  it('every rule reports the batch cost (forward-forward: its own objective) and one direction per parameter', () => {
    const { model, batch } = setup([12, 5, 3]);
    const cost = model.loss(batch.x, batch.y);
    for (const name of RULE_NAMES) {
      const rule = rules[name];
      const r = rule.step(model, batch, rule.init(model, new Rng(1)), new Rng(2));
      expect(r.grads.map((g) => g.shape), name).toEqual(model.parameters().map((p) => p.value.shape));
      if (name !== 'forward-forward') expect(r.cost, name).toBeCloseTo(cost, 12);
    }
  });
});

describe('feedback alignment', () => {
  it('is backprop when the feedback matrices are the forward weights', () => {
    const { model, batch } = setup([5, 6, 4, 3], { activation: 'tanh' });
    const feedback = model.layers.map((l, i) => (i === 0 ? null : T.clone(l.W)));
    const fa = feedbackAlignment().step(model, batch, { feedback }, new Rng(0));
    expectClose(fa.grads, trueGradient(model, batch), 1e-12);
  });

  it('with random feedback: the output layer is exact, the hidden layers follow δ^(l−1) = (δ^l B^l) ⊙ σ′(z^(l−1))', () => {
    const { model, batch } = setup([5, 6, 4, 3]);
    const rule = feedbackAlignment();
    const state = rule.init(model, new Rng(3));
    const { grads } = rule.step(model, batch, state, new Rng(0));
    const exact = trueGradient(model, batch);
    expectClose(grads.slice(4), exact.slice(4), 1e-12); // W4, b4
    // By hand, from the forward trace: δ^4 = (a^4 − y)/n for the cross-entropy cost with sigmoid outputs.
    const { zs, activations } = model.forwardTrace(batch.x);
    const n = batch.x.shape[0];
    const sigmoidPrime = (z: Tensor): Tensor => T.unary('sigmoidPrime', z);
    const delta4 = T.scale(T.sub(activations[3], batch.y), 1 / n);
    const delta3 = T.mul(T.matmul(delta4, state.feedback[2]!), sigmoidPrime(zs[1])); // [n, 4]
    const delta2 = T.mul(T.matmul(delta3, state.feedback[1]!), sigmoidPrime(zs[0])); // [n, 6]
    expectClose(grads.slice(0, 4), [T.matmul(delta2, batch.x, true), T.sum(delta2, 0), T.matmul(delta3, activations[1], true), T.sum(delta3, 0)], 1e-12);
    // …and differs from backprop there: the feedback is not Wᵀ.
    expect(distance(flat(grads.slice(0, 2)), flat(exact.slice(0, 2)))).toBeGreaterThan(1e-3 * length(flat(exact.slice(0, 2))));
  });

  it('draws B^l with W^l’s shape for every layer above the first', () => {
    const { model } = setup([5, 6, 4, 3]);
    const { feedback } = feedbackAlignment().init(model, new Rng(1));
    expect(feedback[0]).toBeNull();
    expect(feedback.slice(1).map((b) => b!.shape)).toEqual([[4, 6], [3, 4]]);
  });
});

describe('direct feedback alignment', () => {
  it('is backprop for one hidden layer when B is the output weights', () => {
    const { model, batch } = setup([5, 7, 3]);
    const dfa = directFeedbackAlignment().step(model, batch, { feedback: [T.clone(model.layers[1].W), null] }, new Rng(0));
    expectClose(dfa.grads, trueGradient(model, batch), 1e-12);
  });

  it('is feedback alignment for one hidden layer, given the same B', () => {
    const { model, batch } = setup([5, 7, 3]);
    const B = T.randomNormal([3, 7], new Rng(9), 0.4, 0, 'float64');
    const dfa = directFeedbackAlignment().step(model, batch, { feedback: [B, null] }, new Rng(0));
    const fa = feedbackAlignment().step(model, batch, { feedback: [null, B] }, new Rng(0));
    expectClose(dfa.grads, fa.grads, 1e-12);
  });

  it('sends the output error e straight to each hidden layer: δ^l = (e B^l) ⊙ σ′(z^l)', () => {
    const { model, batch } = setup([5, 6, 4, 3], { activation: 'relu' });
    const rule = directFeedbackAlignment();
    const state = rule.init(model, new Rng(4));
    expect(state.feedback.map((b) => b?.shape ?? null)).toEqual([[3, 6], [3, 4], null]);
    const { grads } = rule.step(model, batch, state, new Rng(0));
    const { zs, activations } = model.forwardTrace(batch.x);
    const e = T.scale(T.sub(activations[3], batch.y), 1 / batch.x.shape[0]); // δ^L [n, 3]
    const reluPrime = (z: Tensor): Tensor => T.unary('step', z);
    const delta2 = T.mul(T.matmul(e, state.feedback[0]!), reluPrime(zs[0]));
    const delta3 = T.mul(T.matmul(e, state.feedback[1]!), reluPrime(zs[1]));
    const expected = [
      T.matmul(delta2, batch.x, true), T.sum(delta2, 0),
      T.matmul(delta3, activations[1], true), T.sum(delta3, 0),
      T.matmul(e, activations[2], true), T.sum(e, 0),
    ];
    expectClose(grads, expected, 1e-12);
    expectClose(grads.slice(4), trueGradient(model, batch).slice(4), 1e-12);
  });
});

describe('forward gradient', () => {
  // g = (∇C·v) v with v ~ N(0, I): E[g] = ∇C and Var[g_j] = ‖∇C‖² + (∂C/∂θ_j)² (E[v_k² v_j²] = 1 + 2[k = j]).
  const { model, batch } = setup([3, 4, 2], { activation: 'tanh', seed: 5 });
  const g = flat(trueGradient(model, batch));
  const norm2 = length(g) ** 2;
  const N = 20_000;
  const { mean, variance } = sampleMoments(forwardGradient(), model, batch, N, 7);

  it('its mean over 20,000 directions matches the gradient in every component, within 4.5 standard errors', () => {
    // 26 components, each |Z| > 4.5 with probability 7e-6 under the CLT: the family fails with p < 2e-4.
    const bounds = Array.from(g, (gj) => 4.5 * Math.sqrt((norm2 + gj * gj) / N));
    for (let j = 0; j < g.length; j++) expect(Math.abs(mean[j] - g[j]), `component ${j}`).toBeLessThanOrEqual(bounds[j]);
    // The bound is tight enough to catch an estimator biased by 10% in its largest component.
    const big = g.reduce((best, v, j) => (Math.abs(v) > Math.abs(g[best]) ? j : best), 0);
    expect(0.1 * Math.abs(g[big])).toBeGreaterThan(bounds[big]);
  });

  it('has the variance the analysis predicts, ‖∇C‖² + (∂C/∂θ_j)², within 20%', () => {
    for (let j = 0; j < g.length; j++) {
      expect(variance[j] / (norm2 + g[j] * g[j]), `component ${j}`).toBeGreaterThan(0.8);
      expect(variance[j] / (norm2 + g[j] * g[j]), `component ${j}`).toBeLessThan(1.2);
    }
  });

  it('averaging k directions is the mean of k single estimates from the same stream', () => {
    const four = flat(forwardGradient({ directions: 4 }).step(model, batch, null, new Rng(3)).grads);
    const rng = new Rng(3);
    const sum = new Float64Array(four.length);
    for (let d = 0; d < 4; d++) flat(forwardGradient().step(model, batch, null, rng).grads).forEach((v, j) => (sum[j] += v / 4));
    expect(distance(four, sum)).toBeLessThan(1e-12 * length(sum));
  });
});

describe('weight perturbation', () => {
  const { model, batch } = setup([4, 5, 3], { seed: 8 });
  const g = flat(trueGradient(model, batch));
  const P = g.length;

  it('tends to the forward gradient along the same directions as σ → 0: O(σ²) antithetic, O(σ) with a baseline', () => {
    const k = 8;
    const fg = flat(forwardGradient({ directions: k }).step(model, batch, null, new Rng(11)).grads);
    const gap = (sigma: number, antithetic: boolean): number =>
      distance(flat(weightPerturbation({ sigma, samples: k, antithetic }).step(model, batch, null, new Rng(11)).grads), fg) / length(fg);
    const anti = [1e-1, 1e-2, 1e-3].map((s) => gap(s, true));
    const base = [1e-1, 1e-2, 1e-3].map((s) => gap(s, false));
    expect(anti[1] / anti[0]).toBeLessThan(0.02); // ≈ 0.01 per decade of σ
    expect(anti[2] / anti[1]).toBeLessThan(0.02);
    expect(anti[2]).toBeLessThan(1e-5);
    for (const r of [base[1] / base[0], base[2] / base[1]]) {
      expect(r).toBeGreaterThan(0.05); // ≈ 0.1 per decade of σ
      expect(r).toBeLessThan(0.2);
    }
  });

  it('converges to the gradient as samples grow, at the forward gradient’s rate √((P+1)/k)', () => {
    const errors = [16, 256, 4096].map((k) => distance(flat(weightPerturbation({ sigma: 1e-4, samples: k }).step(model, batch, null, new Rng(12)).grads), g) / length(g));
    expect(errors[1]).toBeLessThan(errors[0]);
    expect(errors[2]).toBeLessThan(errors[1]);
    expect(errors[2]).toBeLessThan(3 * Math.sqrt((P + 1) / 4096));
  });

  it('its mean over many single perturbations matches the gradient within 4.5 standard errors', () => {
    const N = 6000;
    const { mean, variance } = sampleMoments(weightPerturbation({ sigma: 1e-3 }), model, batch, N, 13);
    for (let j = 0; j < P; j++) expect(Math.abs(mean[j] - g[j]), `component ${j}`).toBeLessThanOrEqual(4.5 * Math.sqrt(variance[j] / N));
  });
});

describe('node perturbation', () => {
  const { model, batch } = setup([4, 5, 3], { seed: 9, batch: 5 });
  const g = flat(trueGradient(model, batch));

  it('converges as σ shrinks: estimates from the same noise differ by O(σ²) antithetic, O(σ) with a baseline', () => {
    const est = (sigma: number, antithetic: boolean): Float64Array => flat(nodePerturbation({ sigma, samples: 8, antithetic }).step(model, batch, null, new Rng(21)).grads);
    const limit = (antithetic: boolean): number[] => {
      const e = [1e-1, 1e-2, 1e-3, 1e-4].map((s) => est(s, antithetic));
      return [0, 1, 2].map((i) => distance(e[i], e[i + 1]) / length(e[3]));
    };
    const anti = limit(true);
    const base = limit(false);
    expect(anti[1] / anti[0]).toBeLessThan(0.02);
    expect(anti[2] / anti[1]).toBeLessThan(0.02);
    expect(base[1] / base[0]).toBeGreaterThan(0.05);
    expect(base[1] / base[0]).toBeLessThan(0.2);
    expect(base[2] / base[1]).toBeGreaterThan(0.05);
    expect(base[2] / base[1]).toBeLessThan(0.2);
  });

  it('converges to the gradient as samples grow (error ∝ 1/√k)', () => {
    const errors = [16, 256, 4096].map((k) => distance(flat(nodePerturbation({ sigma: 1e-4, samples: k }).step(model, batch, null, new Rng(22)).grads), g) / length(g));
    expect(errors[1]).toBeLessThan(errors[0]);
    expect(errors[2]).toBeLessThan(errors[1]);
    // 256 times the samples: 16 times smaller, give or take a factor of 2.
    expect(errors[0] / errors[2]).toBeGreaterThan(8);
    expect(errors[0] / errors[2]).toBeLessThan(32);
    // Per example, the estimate of δ is (δ·ξ)ξ over the batch × neurons perturbed values: error ≈ √((D + 1)/k).
    const D = batch.x.shape[0] * (5 + 3);
    expect(errors[2]).toBeLessThan(3 * Math.sqrt((D + 1) / 4096));
  });

  it('its mean over many single perturbations matches the gradient within 4.5 standard errors', () => {
    const N = 6000;
    const { mean, variance } = sampleMoments(nodePerturbation({ sigma: 1e-3 }), model, batch, N, 23);
    for (let j = 0; j < g.length; j++) expect(Math.abs(mean[j] - g[j]), `component ${j}`).toBeLessThanOrEqual(4.5 * Math.sqrt(variance[j] / N));
  });

  it('is far less noisy than weight perturbation where weights outnumber batch × neurons', () => {
    // [20, 3, 2] with batch 2: 71 parameters, but only 2 × 5 = 10 perturbed weighted inputs.
    const wide = setup([20, 3, 2], { seed: 10, batch: 2 });
    const spread = (rule: LearningRule): number => {
      const { variance } = sampleMoments(rule, wide.model, wide.batch, 400, 24);
      return variance.reduce((s, v) => s + v, 0);
    };
    expect(spread(nodePerturbation())).toBeLessThan(spread(weightPerturbation()) / 3);
  });
});

describe('forward-forward', () => {
  it('writes the label over the first `classes` inputs', () => {
    const x = T.tensor([[0.5, 0.5, 0.5, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.9]], undefined, 'float64');
    expect(embedLabels(x, [2, 0], 3).toArray()).toEqual([[0, 0, 1, 0.7, 0.8], [1, 0, 0, 0.4, 0.9]]);
    expect(x.toArray()).toEqual([[0.5, 0.5, 0.5, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.9]]); // not in place
  });

  it('normalises each row to mean square 1 (ε = 1e-8 under the root), keeping its direction', () => {
    const a = T.tensor([[3, 4], [0.1, 0]], undefined, 'float64');
    const h = rmsNormalize(a).toArray() as number[][];
    expect(h[0][0]).toBeCloseTo(3 / Math.sqrt(12.5 + 1e-8), 14);
    expect(h[0][1]).toBeCloseTo(4 / Math.sqrt(12.5 + 1e-8), 14);
    expect(h[1][0]).toBeCloseTo(0.1 / Math.sqrt(0.005 + 1e-8), 14);
    expect(h[1][1]).toBe(0);
  });

  /** The sum of the layers' objectives, with the same wrong labels (same generator seed) each time. */
  const objective = (rule: LearningRule, model: Sequential, batch: Batch): number => rule.step(model, batch, null, new Rng(31)).cost;

  it('a single layer’s gradient is the derivative of its objective (central differences)', () => {
    const { model, batch } = setup([7, 3], { seed: 3 });
    const rule = forwardForward({ threshold: 0.3 });
    const { grads } = rule.step(model, batch, null, new Rng(31));
    const h = 1e-6;
    for (const [p, param] of model.parameters().entries()) {
      const values = param.value.dataSync();
      for (const i of new Set([0, Math.min(4, values.length - 1), values.length - 1])) {
        const keep = values[i];
        values[i] = keep + h;
        const up = objective(rule, model, batch);
        values[i] = keep - h;
        const down = objective(rule, model, batch);
        values[i] = keep;
        expect(grads[p].dataSync()[i], `${param.name}[${i}]`).toBeCloseTo((up - down) / (2 * h), 7);
      }
    }
  });

  it('no derivative crosses layers: the first layer’s update ignores the layers above it', () => {
    const { model, batch } = setup([8, 5, 3], { seed: 4 });
    const rule = forwardForward();
    const { grads } = rule.step(model, batch, null, new Rng(31));
    // The top layer's gradient is the derivative of the total objective (nothing lies above it)…
    const h = 1e-6;
    const W3 = model.layers[1].W.dataSync();
    for (const i of [0, 7, W3.length - 1]) {
      const keep = W3[i];
      W3[i] = keep + h;
      const up = objective(rule, model, batch);
      W3[i] = keep - h;
      const down = objective(rule, model, batch);
      W3[i] = keep;
      expect(grads[2].dataSync()[i]).toBeCloseTo((up - down) / (2 * h), 7);
    }
    // …the first layer's is not: the total also holds the top layer's objective, which FF does not send down.
    const W2 = model.layers[0].W.dataSync();
    let differs = 0;
    for (let i = 0; i < W2.length; i++) {
      const keep = W2[i];
      W2[i] = keep + h;
      const up = objective(rule, model, batch);
      W2[i] = keep - h;
      const down = objective(rule, model, batch);
      W2[i] = keep;
      if (Math.abs(grads[0].dataSync()[i] - (up - down) / (2 * h)) > 1e-6) differs++;
    }
    expect(differs).toBeGreaterThan(W2.length / 2);
  });

  it('predicts the label with the largest total goodness Σ_l Σ_j (a^l_j)², computed here by hand', () => {
    const { model, batch } = setup([9, 6, 3], { seed: 6, batch: 4 });
    const scores = forwardForward().predict!(model, batch.x);
    expect(scores.shape).toEqual([4, 3]);
    for (let c = 0; c < 3; c++) {
      const x = embedLabels(batch.x, [c, c, c, c], 3);
      const a2 = ad.valueOf(ad.sigmoid(T.add(T.matmul(x, model.layers[0].W, false, true), model.layers[0].b)));
      const h = rmsNormalize(a2);
      const a3 = ad.valueOf(ad.sigmoid(T.add(T.matmul(h, model.layers[1].W, false, true), model.layers[1].b)));
      const total = T.add(T.sum(T.unary('square', a2), 1), T.sum(T.unary('square', a3), 1)).dataSync();
      for (let r = 0; r < 4; r++) expect((scores.toArray() as number[][])[r][c]).toBeCloseTo(total[r], 10);
    }
  });

  it('refuses networks it cannot train, saying why', () => {
    const soft = sequential({ sizes: [12, 4, 3], output: 'softmax', cost: 'log-likelihood' });
    expect(() => forwardForward().init(soft, new Rng(0))).toThrow(/layer 3 uses softmax; goodness needs an element-wise activation/);
    const narrow = sequential({ sizes: [2, 4, 2] });
    expect(() => forwardForward().init(narrow, new Rng(0))).toThrow(/first 2 inputs, which would leave none of the 2 inputs for the data/);
  });
});

describe('alignment: the angle between an update and the gradient', () => {
  it('is 0° for the same direction, 180° for the opposite, 90° for orthogonal ones, with the length ratio; undefined for a zero vector', () => {
    const g = T.tensor(Float64Array.from([3, 4, 0]), [3]);
    expect(alignment(T.tensor(Float64Array.from([6, 8, 0]), [3]), g)).toEqual({ angle: 0, normRatio: 2 });
    expect(alignment(T.tensor(Float64Array.from([-3, -4, 0]), [3]), g)).toEqual({ angle: 180, normRatio: 1 });
    const right = alignment(T.tensor(Float64Array.from([0, 0, 5]), [3]), g);
    expect(right.angle).toBeCloseTo(90, 12);
    expect(right.normRatio).toBe(1);
    expect(alignment(T.tensor(Float64Array.from([1, 1, 0]), [3]), T.tensor(Float64Array.from([1, 0, 0]), [3])).angle).toBeCloseTo(45, 12);
    expect(alignment(T.tensor(Float64Array.from([0, 0, 0]), [3]), g).angle).toBeNaN();
  });
});
