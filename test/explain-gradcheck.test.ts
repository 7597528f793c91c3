// gradcheckModel: backprop passes against central differences on every pairing; sampling is seeded;
// a deliberately wrong derivative rule (a custom primitive whose VJP forgets a factor 2, or a wrong
// gradient for one layer) fails loudly, in the right rows of the table.
import { describe, expect, it } from 'vitest';
import * as ad from '../src/autodiff/index.js';
import { gradcheckModel } from '../src/explain/index.js';
import { Sequential, sequential, type Cost } from '../src/nn/index.js';
import * as T from '../src/tensor/index.js';
import { ArgumentError, Rng } from '../src/util/index.js';
import { autodiffGradients, PAIRINGS, randomModel } from './explain-helpers.js';

function data(nIn: number, classes: number, n: number, seed: number): { x: T.Tensor; y: T.Tensor } {
  const rng = new Rng(seed);
  return {
    x: T.randomUniform([n, nIn], rng, 0, 1, 'float64'),
    y: T.oneHot(Array.from({ length: n }, () => rng.int(classes)), classes, 'float64'),
  };
}

/** x², but its VJP forgets the factor 2: the kind of slip gradcheck exists to catch. */
const brokenSquare: ad.Primitive = {
  name: 'brokenSquare',
  forward: ([x]) => T.unary('square', x),
  jvp: ([x], [xDot]) => T.mul(T.scale(x, 2), xDot!),
  vjp: ([x], _, g) => [T.mul(x, g)], // should be 2x ⊙ g
};

/** The quadratic cost written with the broken square. */
const brokenQuadratic: Cost = {
  name: 'quadratic',
  fromWeightedInput(z, y, output) {
    const a = output.apply(z);
    return ad.scale(ad.sum(ad.apply(brokenSquare, [ad.sub(a, y)], undefined)), 0.5 / ad.valueOf(z).shape[0]);
  },
};

describe('gradcheckModel', () => {
  for (const p of PAIRINGS) {
    it(`passes backprop on ${p.hidden}/${p.output}/${p.cost}, every parameter`, () => {
      const model = sequential({ sizes: [5, 4, 3, 3], activation: p.hidden, output: p.output, cost: p.cost, rng: 4, dtype: 'float64' });
      const r = gradcheckModel(model, data(5, 3, 6, 1));
      expect(r.rows.map((row) => row.parameter)).toEqual(['W2', 'b2', 'W3', 'b3', 'W4', 'b4']);
      expect(r.rows.map((row) => row.checked)).toEqual([20, 4, 12, 3, 9, 3]);
      expect(r.checked).toBe(r.parameters);
      expect(r.examples).toBe(6);
      for (const row of r.rows) expect(row.maxRelativeError).toBeLessThan(1e-6);
      expect(r.ok).toBe(true);
    });
  }

  it('samples a large model with a seeded Rng: 20 per tensor by default, the same sample for the same seed', () => {
    const model = sequential({ sizes: [784, 30, 10], rng: 1 });
    const d = data(784, 10, 4, 2);
    const a = gradcheckModel(model, d, { rng: 5 });
    expect(a.rows.map((row) => row.checked)).toEqual([20, 20, 20, 10]);
    expect(a.ok).toBe(true);
    expect(gradcheckModel(model, d, { rng: 5 })).toEqual(a);
    expect(gradcheckModel(model, d, { rng: 6 }).rows[0].worst).not.toEqual(a.rows[0].worst);
  });

  it('fails loudly on a cost whose custom primitive has a wrong VJP', () => {
    const good = sequential({ sizes: [5, 4, 3], rng: 2, dtype: 'float64' });
    const broken = new Sequential(good.layers, brokenQuadratic);
    const d = data(5, 3, 6, 3);
    expect(gradcheckModel(good, d).ok).toBe(true);
    const r = gradcheckModel(broken, d);
    expect(r.ok).toBe(false);
    // Every gradient comes out halved: relative error |g/2 − g| / (|g/2| + |g|) = 1/3 in every row.
    for (const row of r.rows) {
      expect(row.failures).toBeGreaterThan(0);
      expect(row.maxRelativeError).toBeCloseTo(1 / 3, 4);
      expect(row.analytic).toBeCloseTo(row.numeric / 2, 8);
    }
  });

  it('checks any gradient rule: a wrong W3 fails only in the W3 row', () => {
    const model = randomModel([4, 3, 2], PAIRINGS[1], 8);
    const d = data(4, 2, 5, 4);
    const r = gradcheckModel(model, d, {
      gradient: (m, x, y) => autodiffGradients(m, x, y).map((g, i) => (i === 2 ? T.scale(g, 1.01) : g)),
    });
    expect(r.ok).toBe(false);
    expect(r.rows.filter((row) => row.failures > 0).map((row) => row.parameter)).toEqual(['W3']);
    expect(r.rows[2].failures).toBe(r.rows[2].checked);
  });

  it('rejects bad options with the value and the range', () => {
    const model = randomModel([4, 3, 2], PAIRINGS[0], 8);
    const d = data(4, 2, 5, 4);
    expect(() => gradcheckModel(model, d, { tolerance: 0 })).toThrow('gradcheck: tolerance must be a positive number, got 0');
    expect(() => gradcheckModel(model, d, { samples: 0 })).toThrow(ArgumentError);
    expect(() => gradcheckModel(model, data(3, 2, 5, 4))).toThrow("gradcheck: the input has 3 features but the model's input layer has 4 neurons");
  });
});
