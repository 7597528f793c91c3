// dynamics on Nielsen's chapter-5 network [784, 30, 30, 30, 30, 10] at initialisation, averaged over
// the first 1,000 MNIST training images as he did: the earliest hidden layer learns far slower than
// the last; with his network2 defaults (cross-entropy) the speeds are close to his published ones.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../src/data/index.js';
import { dynamics } from '../src/explain/index.js';
import { grad } from '../src/autodiff/index.js';
import { sequential } from '../src/nn/index.js';
import * as T from '../src/tensor/index.js';
import { ArgumentError } from '../src/util/index.js';

/** Nielsen, NNDL ch. 5: ‖∂C/∂b^l‖ of the four hidden layers at initialisation. */
const NIELSEN = [0.003, 0.017, 0.07, 0.285];

let train: Dataset;
beforeAll(async () => {
  train = (await loadDataset('mnist', { limit: 1000 })).train;
});

describe('dynamics: the vanishing gradient of Nielsen ch. 5', () => {
  it('quadratic cost, default init, seeded: each hidden layer slower than the next, the first < 1/10 of the last', () => {
    for (const seed of [0, 1, 2]) {
      const model = sequential({ sizes: [784, 30, 30, 30, 30, 10], activation: 'sigmoid', cost: 'quadratic', init: 'default', rng: seed });
      const r = dynamics(model, train);
      expect(r.examples).toBe(1000);
      expect(r.layers.map((l) => l.layer)).toEqual([2, 3, 4, 5, 6]);
      const hidden = r.layers.slice(0, 4).map((l) => l.gradB);
      for (let i = 1; i < 4; i++) expect(hidden[i]).toBeGreaterThan(hidden[i - 1]);
      expect(r.firstOverLastHidden).toBeLessThan(1 / 10);
      expect(r.firstOverLastHidden).toBe(hidden[0] / hidden[3]);
    }
  });

  it("with network2's defaults (cross-entropy) each hidden layer is within a factor 2 of Nielsen's figure", () => {
    const model = sequential({ sizes: [784, 30, 30, 30, 30, 10], activation: 'sigmoid', cost: 'cross-entropy', init: 'default', rng: 0 });
    const r = dynamics(model, train);
    r.layers.slice(0, 4).forEach((l, i) => {
      expect(l.gradB).toBeGreaterThan(NIELSEN[i] / 2);
      expect(l.gradB).toBeLessThan(NIELSEN[i] * 2);
    });
  });

  it("is the norm of the mean of the per-example gradients (Nielsen's get_average_gradient)", () => {
    const model = sequential({ sizes: [784, 10, 10], rng: 3 }).cast('float64');
    const r = dynamics(model, train, { examples: 3 });
    expect(r.examples).toBe(3);
    const sums = model.paramTensors().map((t) => new Float64Array(t.size));
    for (let i = 0; i < 3; i++) {
      const x = T.cast(T.sliceRows(train.x, i, i + 1), 'float64');
      const y = T.cast(T.sliceRows(train.y, i, i + 1), 'float64');
      grad((...p) => model.lossWith(p, x, y))(...model.paramTensors()).forEach((g, k) => g.dataSync().forEach((v, e) => { sums[k][e] += v / 3; }));
    }
    const norm = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    r.layers.forEach((l, i) => {
      expect(l.gradW).toBeCloseTo(norm(sums[2 * i]), 12);
      expect(l.gradB).toBeCloseTo(norm(sums[2 * i + 1]), 12);
    });
    expect(() => dynamics(model, train, { examples: 0 })).toThrow(ArgumentError);
  });
});
