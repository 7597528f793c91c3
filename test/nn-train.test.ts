// nn, optim and train: model construction and validation, stable costs against their textbook
// formulas, Nielsen's update rule, determinism, divergence detection, and exact resume.
import { describe, expect, it } from 'vitest';
import * as ad from '../src/autodiff/index.js';
import { loadDataset, head } from '../src/data/index.js';
import { dense, sequential, Sequential } from '../src/nn/index.js';
import { adam, sgd } from '../src/optim/index.js';
import * as T from '../src/tensor/ops.js';
import { fit, evaluate, type TrainState } from '../src/train/index.js';
import { DivergenceError, Rng } from '../src/util/index.js';

describe('sequential', () => {
  it('builds Nielsen-shaped layers and names parameters by his layer numbers', () => {
    const m = sequential({ sizes: [784, 30, 10], init: 'large', rng: 3 });
    expect(m.sizes).toEqual([784, 30, 10]);
    expect(m.layers[0].W.shape).toEqual([30, 784]); // W^2 [n_2, n_1]
    expect(m.parameters().map((p) => p.name)).toEqual(['W2', 'b2', 'W3', 'b3']);
    expect(m.parameterCount()).toBe(784 * 30 + 30 + 30 * 10 + 10);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = sequential({ sizes: [5, 4, 3], rng: 9 }).layers[0].W.dataSync();
    const b = sequential({ sizes: [5, 4, 3], rng: 9 }).layers[0].W.dataSync();
    const c = sequential({ sizes: [5, 4, 3], rng: 10 }).layers[0].W.dataSync();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('draws initial weights with the documented spread', () => {
    const std = (init: 'large' | 'default' | 'xavier' | 'he') => {
      const W = sequential({ sizes: [400, 300, 2], init, rng: 1 }).layers[0].W;
      return T.norm(W) / Math.sqrt(W.size);
    };
    expect(std('large')).toBeCloseTo(1, 1);
    expect(std('default')).toBeCloseTo(1 / Math.sqrt(400), 2);
    expect(std('xavier')).toBeCloseTo(Math.sqrt(2 / 700), 2);
    expect(std('he')).toBeCloseTo(Math.sqrt(2 / 400), 2);
  });

  it('rejects bad architectures with messages that name the problem', () => {
    expect(() => sequential({ sizes: [784] })).toThrow(/at least two positive integers/);
    expect(() => sequential({ sizes: [4, 0, 2] })).toThrow(/at least two positive integers/);
    expect(() => sequential({ sizes: [4, 3], output: 'relu', cost: 'cross-entropy' })).toThrow(/cross-entropy cost needs a sigmoid output layer, got relu/);
    expect(() => sequential({ sizes: [4, 3], output: 'sigmoid', cost: 'log-likelihood' })).toThrow(/needs a softmax output layer/);
    expect(() => sequential({ inputSize: 4, layers: [dense(3, 'softmax'), dense(2, 'sigmoid')] })).toThrow(/softmax is allowed only on the output layer/);
    expect(() => dense(-1)).toThrow(/units must be a positive integer, got -1/);
    expect(() => sequential({ sizes: [4, 3], activation: 'swish' as never })).toThrow(/unknown activation 'swish'/);
    const m = sequential({ sizes: [4, 3, 2], rng: 1 });
    expect(() => m.predict(T.zeros([5, 7]))).toThrow(/input must be \[batch, 4\], got \[5, 7\]/);
  });

  it('round-trips through spec and parameters', () => {
    const m = sequential({ sizes: [6, 5, 3], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', rng: 2 });
    const copy = Sequential.fromSpec(m.spec(), m.paramTensors().map(T.clone));
    const x = T.randomNormal([4, 6], new Rng(1));
    expect(copy.predict(x).dataSync()).toEqual(m.predict(x).dataSync());
  });
});

describe('costs', () => {
  const rng = new Rng(5);
  const x = T.randomNormal([7, 4], rng, 1, 0, 'float64');
  const labels = [0, 2, 1, 1, 0, 2, 2];
  const y = T.oneHot(labels, 3, 'float64');

  it('quadratic is ½‖a − y‖² averaged over the batch', () => {
    const m = sequential({ sizes: [4, 3], output: 'sigmoid', cost: 'quadratic', rng: 1, dtype: 'float64' });
    const a = m.predict(x);
    const expected = (0.5 * T.dot(T.sub(a, y), T.sub(a, y))) / 7;
    expect(m.loss(x, y)).toBeCloseTo(expected, 12);
  });

  it('cross-entropy equals −Σ[y ln a + (1 − y) ln(1 − a)] and stays finite when saturated', () => {
    const m = sequential({ sizes: [4, 3], output: 'sigmoid', cost: 'cross-entropy', rng: 1, dtype: 'float64' });
    const a = m.predict(x).dataSync();
    const yy = y.dataSync();
    let expected = 0;
    for (let i = 0; i < a.length; i++) expected -= yy[i] * Math.log(a[i]) + (1 - yy[i]) * Math.log(1 - a[i]);
    expect(m.loss(x, y)).toBeCloseTo(expected / 7, 10);
    // Saturate: huge weights push σ(z) to exactly 0 or 1 in floating point; the stable form stays finite.
    const big = m.withParameters(m.paramTensors().map((p) => T.scale(p, 1e4)));
    expect(Number.isFinite(big.loss(x, y))).toBe(true);
  });

  it('log-likelihood equals −ln a_y under softmax, and its δ^L is a − y', () => {
    const m = sequential({ sizes: [4, 3], output: 'softmax', cost: 'log-likelihood', rng: 1, dtype: 'float64' });
    const a = m.predict(x).dataSync();
    const expected = labels.reduce((s, c, i) => s - Math.log(a[i * 3 + c]), 0) / 7;
    expect(m.loss(x, y)).toBeCloseTo(expected, 12);
    // ∂C/∂b^L = mean over the batch of (a − y): Nielsen's BP1 for this pairing.
    const { grads } = ad.valueAndGrad((...p) => m.lossWith(p, x, y))(...m.paramTensors());
    const meanResidual = T.scale(T.sum(T.sub(m.predict(x), y), 0), 1 / 7);
    grads[1].dataSync().forEach((g, j) => expect(g).toBeCloseTo(meanResidual.dataSync()[j], 12));
  });
});

describe('optimizers', () => {
  it('SGD with L2 is Nielsen\'s w ← (1 − ηλ/n) w − η g, and leaves biases unregularised', () => {
    const w = T.tensor([1, -2], [2], 'float64');
    const b = T.tensor([0.5], [1], 'float64');
    const params = [{ name: 'W', value: w, decay: true }, { name: 'b', value: b, decay: false }];
    const opt = sgd({ eta: 0.5, lambda: 5, trainingSize: 50 });
    opt.step(params, [T.tensor([0.2, 0.4], [2], 'float64'), T.tensor([1], [1], 'float64')], opt.init(params));
    const decay = 1 - (0.5 * 5) / 50;
    expect(w.dataSync()[0]).toBeCloseTo(decay * 1 - 0.5 * 0.2, 12);
    expect(w.dataSync()[1]).toBeCloseTo(decay * -2 - 0.5 * 0.4, 12);
    expect(b.dataSync()[0]).toBeCloseTo(0.5 - 0.5, 12);
  });

  it('momentum accumulates velocity v ← μv − ηg', () => {
    const w = T.tensor([0], [1], 'float64');
    const params = [{ name: 'W', value: w, decay: true }];
    const opt = sgd({ eta: 1, momentum: 0.5 });
    const state = opt.init(params);
    const g = T.tensor([1], [1], 'float64');
    opt.step(params, [g], state); // v = −1, w = −1
    opt.step(params, [g], state); // v = −1.5, w = −2.5
    expect(w.item()).toBeCloseTo(-2.5, 12);
  });

  it('Adam minimises a quadratic bowl', () => {
    const w = T.tensor([3, -4], [2], 'float64');
    const params = [{ name: 'W', value: w, decay: true }];
    const opt = adam({ eta: 0.1 });
    const state = opt.init(params);
    for (let i = 0; i < 500; i++) opt.step(params, [T.scale(w, 2)], state);
    expect(T.norm(w)).toBeLessThan(1e-2);
  });

  it('rejects bad hyper-parameters, naming them', () => {
    expect(() => sgd({ eta: -1 })).toThrow(/sgd: eta must be a positive number, got -1/);
    expect(() => sgd({ eta: NaN })).toThrow(/eta must be a positive number, got NaN/);
    expect(() => sgd({ eta: 1, lambda: 5 })).toThrow(/needs trainingSize/);
    expect(() => sgd({ eta: 1, momentum: 1 })).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => adam({ beta1: 1.5 })).toThrow(/beta1 must be in \[0, 1\)/);
  });
});

/** A deep copy of a training state (what a checkpoint file holds). */
function snapshot(state: TrainState): TrainState {
  const { optimizer, ...plain } = state;
  return { ...structuredClone(plain), optimizer: { step: optimizer.step, buffers: optimizer.buffers.map((bs) => bs.map(T.clone)) } };
}

describe('fit', async () => {
  const data = await loadDataset('mnist', { limit: 2000 });
  const train = head(data.train, 1000);
  const makeModel = () => sequential({ sizes: [784, 20, 10], activation: 'sigmoid', cost: 'cross-entropy', init: 'default', rng: 4 });

  it('lowers the cost and generalises above chance on held-out digits', async () => {
    const model = makeModel();
    const before = evaluate(model, data.test);
    const { history } = await fit(model, train, { epochs: 3, batchSize: 10, optimizer: sgd({ eta: 0.5 }), rng: 1, validation: data.validation });
    expect(history).toHaveLength(3);
    expect(history[2].trainCost).toBeLessThan(history[0].trainCost);
    const after = evaluate(model, data.test);
    expect(after.cost).toBeLessThan(before.cost);
    expect(after.accuracy).toBeGreaterThan(0.7);
  });

  it('gives a bit-identical model for the same seed', async () => {
    const run = async () => {
      const m = makeModel();
      await fit(m, train, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 0.5 }), rng: 7 });
      return m.paramTensors().map((p) => Array.from(p.dataSync()));
    };
    expect(await run()).toEqual(await run());
  });

  it('resumes mid-epoch to bit-identical weights', async () => {
    const options = () => ({ epochs: 2, batchSize: 10, optimizer: sgd({ eta: 0.5, momentum: 0.5 }), rng: 11 });
    const straight = makeModel();
    await fit(straight, train, options());

    // Stop after 137 batches of the first epoch, then continue from the saved state.
    const interrupted = makeModel();
    const controller = new AbortController();
    let saved: TrainState | null = null;
    await fit(interrupted, train, {
      ...options(), signal: controller.signal, yieldEveryMs: 0,
      onEvent: (e) => {
        if (e.type === 'batch' && e.step === 137) controller.abort();
        if (e.type === 'checkpoint' && e.reason === 'stop') saved = snapshot(e.state);
      },
    });
    expect(saved).not.toBeNull();
    expect(saved!.step).toBeGreaterThanOrEqual(137);
    const resumed = Sequential.fromSpec(interrupted.spec(), interrupted.paramTensors().map(T.clone));
    await fit(resumed, train, { ...options(), resume: saved! });
    const a = straight.paramTensors().map((p) => Array.from(p.dataSync()));
    const b = resumed.paramTensors().map((p) => Array.from(p.dataSync()));
    expect(b).toEqual(a);
  });

  it('stops at the step where the cost stops being finite, naming it and the last finite cost', async () => {
    const model = sequential({ sizes: [784, 20, 10], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 1 });
    const err = await fit(model, train, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 1e20 }), rng: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.message).toMatch(/training diverged at step \d+ .*learning rate too high/);
    expect(d.step).toBeGreaterThan(0);
    expect(Number.isFinite(d.lastFiniteCost)).toBe(true);
  });

  it('refuses data whose width does not match the model', async () => {
    const m = sequential({ sizes: [100, 10], rng: 1 });
    await expect(fit(m, train, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 1 }) })).rejects.toThrow(/784 features but the model's input layer has 100 neurons/);
  });

  it('refuses a dynamics monitor that would sample no batch, naming every', async () => {
    const m = sequential({ sizes: [784, 10], rng: 1 });
    await expect(fit(m, train, { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 1 }), monitor: { dynamics: true, every: 0 } })).rejects.toThrow(/fit: monitor.every must be an integer ≥ 1, got 0/);
  });
});
