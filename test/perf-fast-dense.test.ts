/**
 * test/perf-fast-dense — the fused training step (rules/fast-dense) against the general autodiff path:
 * per-step gradients and updated parameters, and whole runs, on several architectures, costs and
 * optimisers (SGD, momentum, Adam), on the js and wasm backends — including the fused backward + SGD
 * update (plain SGD, with and without L2), which never writes ∂C/∂W; same seed → bit-identical
 * model; the runs it must decline.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetFromArrays, type Dataset } from '../src/data/index.js';
import { sequential, type Sequential } from '../src/nn/model.js';
import { adam, sgd, type Optimizer } from '../src/optim/optimizers.js';
import { backprop } from '../src/rules/backprop.js';
import { outputCostAndDelta } from '../src/autodiff/primitives/output-delta.js';
import { compileFastDense } from '../src/rules/fast-dense.js';
import { initWasmBackend } from '../src/tensor/kernels/wasm/index.js';
import { setBackend } from '../src/tensor/kernels/registry.js';
import { gatherRows, norm } from '../src/tensor/ops.js';
import { fit } from '../src/train/fit.js';
import { Rng } from '../src/util/rng.js';

/** Random inputs in [0, 1) with a third of them exactly zero (like image pixels), random labels. */
function randomData(n: number, features: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() < 1 / 3 ? 0 : rng.uniform();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(rng.uniform() * classes);
  return datasetFromArrays(x, labels, features, { name: 'random', classes });
}

interface Case {
  name: string;
  model: () => Sequential;
  optimizer: (n: number) => Optimizer;
  batch: number;
}

const CASES: Case[] = [
  {
    name: 'W1-like: sigmoid, quadratic, N(0,1), plain SGD',
    model: () => sequential({ sizes: [20, 9, 4], activation: 'sigmoid', cost: 'quadratic', init: 'large', rng: 3 }),
    optimizer: () => sgd({ eta: 3 }),
    batch: 10,
  },
  {
    name: 'W2-like: sigmoid, cross-entropy, L2 and L1',
    model: () => sequential({ sizes: [20, 12, 4], activation: 'sigmoid', cost: 'cross-entropy', rng: 4 }),
    optimizer: (n) => sgd({ eta: 0.5, lambda: 5, l1: 0.5, trainingSize: n }),
    batch: 7, // 63 examples: the last batch of each epoch is short
  },
  {
    name: 'W2: sigmoid, cross-entropy, L2 only (fused update with decay 1 − ηλ/n)',
    model: () => sequential({ sizes: [20, 12, 4], activation: 'sigmoid', cost: 'cross-entropy', rng: 7 }),
    optimizer: (n) => sgd({ eta: 0.5, lambda: 5, trainingSize: n }),
    batch: 7,
  },
  {
    name: 'relu, softmax + log-likelihood, plain SGD (fused, two hidden layers)',
    model: () => sequential({ sizes: [20, 16, 8, 4], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 8 }),
    optimizer: () => sgd({ eta: 0.1 }),
    batch: 16,
  },
  {
    name: 'W3-like: relu, softmax + log-likelihood, momentum',
    model: () => sequential({ sizes: [20, 16, 8, 4], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 5 }),
    optimizer: () => sgd({ eta: 0.05, momentum: 0.9 }),
    batch: 16,
  },
  {
    name: 'tanh hidden, linear output, quadratic, momentum + L2',
    model: () => sequential({ sizes: [20, 6, 4], activation: 'tanh', output: 'linear', cost: 'quadratic', rng: 6 }),
    optimizer: (n) => sgd({ eta: 0.02, momentum: 0.5, lambda: 1, trainingSize: n }),
    batch: 5,
  },
  {
    name: 'relu, softmax + log-likelihood, Adam',
    model: () => sequential({ sizes: [20, 16, 8, 4], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 12 }),
    optimizer: () => adam({ eta: 0.01 }),
    batch: 16,
  },
  {
    name: 'sigmoid, cross-entropy, Adam with L2 and L1',
    model: () => sequential({ sizes: [20, 12, 4], activation: 'sigmoid', cost: 'cross-entropy', rng: 13 }),
    optimizer: (n) => adam({ eta: 0.01, lambda: 5, l1: 0.5, trainingSize: n }),
    batch: 7,
  },
];

const data = randomData(63, 20, 4, 1);
const generalBackprop = { ...backprop }; // same rule, but not `backprop` itself: fit takes the general path

function bits(model: Sequential): number[] {
  return model.paramTensors().flatMap((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));
}

function maxRelativeGap(a: Sequential, b: Sequential): number {
  let gap = 0;
  a.paramTensors().forEach((t, i) => {
    const u = t.dataSync();
    const v = b.paramTensors()[i].dataSync();
    for (let e = 0; e < u.length; e++) gap = Math.max(gap, Math.abs(u[e] - v[e]) / (1 + Math.abs(v[e])));
  });
  return gap;
}

beforeAll(async () => {
  await initWasmBackend();
});

describe.each(['js', 'wasm'])('fused dense step on the %s backend', (backend) => {
  it.each(CASES)('one step: cost and ∂C/∂W, ∂C/∂b equal the autodiff gradient — $name', (c) => {
    setBackend(backend);
    try {
      const model = c.model();
      const optimizer = c.optimizer(data.labels.length);
      const fast = compileFastDense(model, optimizer, c.batch);
      expect(fast).not.toBeNull();
      const indices = Int32Array.from({ length: c.batch }, (_, i) => (i * 5) % data.labels.length);
      // The general path first (the fused step updates the model).
      const general = model.clone();
      const state = optimizer.init(model.parameters());
      const x = gatherRows(data.x, indices);
      const y = gatherRows(data.y, indices);
      const reference = backprop.step(general, { x, y }, null, new Rng(0));
      const norms = new Float64Array(2 * model.layers.length).fill(NaN);
      const cost = fast!.step(data.x, data.y, indices, state, undefined, norms);
      expect(Math.abs(cost - reference.cost)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(reference.cost)));
      // The monitor's gradient norms: the data term's ∂C/∂W, ∂C/∂b, as autodiff's.
      reference.grads.forEach((g, p) => {
        const want = norm(g);
        expect(Math.abs(norms[p] - want), `norm of gradient ${p}`).toBeLessThanOrEqual(1e-5 * want + 1e-9);
      });
      const cfg = optimizer.config as Record<string, number>;
      // Fused exactly for plain SGD without L1 (W1, W2): then no gradient is written out.
      expect(fast!.fused).toBe(cfg.momentum === 0 && cfg.l1 === 0);
      const grads = fast!.lastGradients();
      // The updated parameters equal the general path's gradient stepped by the optimiser.
      const stepped = general.clone();
      optimizer.step(stepped.parameters(), reference.grads, optimizer.init(stepped.parameters()));
      model.paramTensors().forEach((t, p) => {
        const got = t.dataSync();
        const want = stepped.paramTensors()[p].dataSync();
        const before = general.paramTensors()[p].dataSync();
        let moved = 0;
        for (let e = 0; e < want.length; e++) {
          expect(Math.abs(got[e] - want[e])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[e])));
          moved = Math.max(moved, Math.abs(want[e] - before[e]));
        }
        expect(moved).toBeGreaterThan(1e-6); // the step really changed every parameter array
      });
      if (fast!.fused) {
        expect(grads).toBeNull();
        expect(state.step).toBe(1);
        return;
      }
      reference.grads.forEach((g, p) => {
        const want = g.dataSync();
        const got = grads![p];
        let scale = 0;
        for (let e = 0; e < want.length; e++) scale = Math.max(scale, Math.abs(want[e]));
        // L2/L1 terms were added to the fused gradient for weights (even p): compare without them.
        for (let e = 0; e < want.length; e++) {
          const theta = (p % 2 === 0 ? general.layers[p >> 1].W : general.layers[p >> 1].b).dataSync()[e];
          const reg = p % 2 === 0 && cfg.trainingSize > 0 ? (cfg.lambda * theta + cfg.l1 * Math.sign(theta)) / cfg.trainingSize : 0;
          expect(Math.abs(got[e] - reg - want[e])).toBeLessThanOrEqual(1e-5 * (1 + scale));
        }
      });
      expect(state.step).toBe(1);
    } finally {
      setBackend('js');
    }
  });

  it.each(CASES)('three epochs of fit match the general path to float32 round-off — $name', async (c) => {
    setBackend(backend);
    try {
      const run = async (rule: typeof backprop) => {
        const model = c.model();
        const result = await fit(model, data, { epochs: 3, batchSize: c.batch, optimizer: c.optimizer(data.labels.length), rng: 9, rule });
        return { model, costs: result.history.map((r) => r.trainCost) };
      };
      const fast = await run(backprop);
      const general = await run(generalBackprop);
      expect(maxRelativeGap(fast.model, general.model)).toBeLessThan(2e-4);
      fast.costs.forEach((v, i) => expect(Math.abs(v - general.costs[i])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))));
      // The runs really differ from the start (the comparison is not vacuous).
      expect(maxRelativeGap(fast.model, c.model())).toBeGreaterThan(1e-3);
    } finally {
      setBackend('js');
    }
  });

  it.each(CASES)('the dynamics monitor keeps the fast path and changes nothing — $name', async (c) => {
    setBackend(backend);
    try {
      const run = async (monitored: boolean, rule = backprop) => {
        const model = c.model();
        const r = await fit(model, data, {
          epochs: 2, batchSize: c.batch, optimizer: c.optimizer(data.labels.length), rng: 13, rule, monitor: monitored ? { dynamics: true, every: 2 } : undefined,
        });
        return { bits: bits(model), dynamics: r.history.map((h) => h.dynamics) };
      };
      const plain = await run(false);
      const monitored = await run(true);
      expect(monitored.bits).toEqual(plain.bits);
      expect(plain.dynamics.every((d) => d === undefined)).toBe(true);
      // The general path's monitor, on its own (round-off apart, equal) trajectory.
      const general = await run(true, generalBackprop);
      monitored.dynamics.forEach((epoch, e) => {
        expect(epoch).toHaveLength(c.model().layers.length);
        epoch!.forEach((d, l) => {
          const want = general.dynamics[e]![l];
          expect(d.layer).toBe(want.layer);
          expect(Math.abs(d.gradW - want.gradW)).toBeLessThanOrEqual(1e-3 * want.gradW);
          expect(Math.abs(d.gradB - want.gradB)).toBeLessThanOrEqual(1e-3 * want.gradB);
          expect(d.gradW).toBeGreaterThan(0);
        });
      });
    } finally {
      setBackend('js');
    }
  });

  it.each([CASES[2], CASES[3], CASES[4], CASES[6]])('same seed → bit-identical model on the fast path — $name', async (c) => {
    setBackend(backend);
    try {
      const once = async () => {
        const model = c.model();
        await fit(model, data, { epochs: 2, batchSize: c.batch, optimizer: c.optimizer(data.labels.length), rng: 11 });
        return bits(model);
      };
      const first = await once();
      expect(await once()).toEqual(first);
      expect(first).not.toEqual(bits(c.model())); // training changed the model
    } finally {
      setBackend('js');
    }
  });
});

describe('compileFastDense declines what it does not cover', () => {
  it('a cost pairing without a closed-form δ, float64 parameters', () => {
    const model = CASES[0].model();
    expect(compileFastDense(model.cast('float64'), sgd({ eta: 1 }), 10)).toBeNull();
    const softmaxQuadratic = sequential({ sizes: [20, 5, 4], output: 'softmax', cost: 'quadratic', rng: 1 });
    expect(compileFastDense(softmaxQuadratic, sgd({ eta: 1 }), 10)).toBeNull();
    expect(compileFastDense(model, sgd({ eta: 1 }), 10)).not.toBeNull();
  });
});

describe('outputCostAndDelta, cross-entropy', () => {
  const pairing = { cost: 'cross-entropy', output: 'sigmoid' } as const;
  /** The two-term form C = (1/m) Σ y·softplus(−z) + (1 − y)·softplus(z), in double. */
  const twoTerms = (z: Float32Array, y: Float32Array, m: number): number => {
    const softplus = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    let c = 0;
    for (let i = 0; i < z.length; i++) c += y[i] * softplus(-z[i]) + (1 - y[i]) * softplus(z[i]);
    return c * (1 / m); // as the kernel scales it
  };
  it('one-hot and soft targets give the two-term cost bit for bit, and δ = (a − y)/m', () => {
    const rng = new Rng(5);
    const z = new Float32Array(30).map(() => (rng.uniform() - 0.5) * 40);
    const a = z.map((v) => 1 / (1 + Math.exp(-v)));
    for (const y of [new Float32Array(30).map((_, i) => (i % 10 === Math.floor(i / 10) ? 1 : 0)), new Float32Array(30).map(() => rng.uniform())]) {
      const delta = new Float32Array(30);
      expect(outputCostAndDelta(pairing, z, a, y, delta, 3, 10)).toBe(twoTerms(z, y, 3));
      delta.forEach((d, i) => expect(d).toBe(Math.fround((a[i] - y[i]) / 3)));
    }
  });
  it('an infinite z on the side a one-hot target skips still makes the cost NaN, as 0·∞ does', () => {
    const y = new Float32Array([1, 0]);
    for (const z of [new Float32Array([Infinity, 0]), new Float32Array([0, -Infinity])]) {
      expect(twoTerms(z, y, 1)).toBeNaN();
      expect(outputCostAndDelta(pairing, z, new Float32Array(2), y, new Float32Array(2), 1, 2)).toBeNaN();
    }
    // While a correct, finite prediction costs a finite amount.
    expect(outputCostAndDelta(pairing, new Float32Array([30, -30]), new Float32Array(2), y, new Float32Array(2), 1, 2)).toBeGreaterThan(0);
  });
});
