// trace: BP1–BP4 computed from Nielsen's equations equal reverse-mode autodiff of the model's cost
// (to 1e-10), for every activation/cost pairing and several depths; and bad input is named.
import { describe, expect, it } from 'vitest';
import { trace } from '../src/explain/index.js';
import { sequential } from '../src/nn/index.js';
import { tensor } from '../src/tensor/index.js';
import { DataError, ArgumentError, Rng } from '../src/util/index.js';
import { autodiffGradients, exampleTensors, maxRelativeDifference, PAIRINGS, randomExample, randomModel } from './explain-helpers.js';

describe('trace', () => {
  for (const p of PAIRINGS) {
    for (const sizes of [[4, 3], [6, 5, 3], [7, 6, 5, 4, 3]]) {
      it(`δ, ∂C/∂b and ∂C/∂w equal autodiff's gradient: ${p.hidden}/${p.output}/${p.cost} [${sizes}]`, () => {
        const rng = new Rng(sizes.length * 31 + PAIRINGS.indexOf(p));
        const model = randomModel(sizes, p, rng.int(1000));
        const { x, label } = randomExample(model, rng);
        const report = trace(model, x, label);
        const { X, Y } = exampleTensors(model, x, label);
        const g = autodiffGradients(model, X, Y);
        expect(report.layers.map((l) => l.layer)).toEqual(sizes.slice(1).map((_, i) => i + 2));
        report.layers.forEach((layer, i) => {
          expect(maxRelativeDifference(layer.db, g[2 * i + 1].dataSync())).toBeLessThan(1e-10);
          expect(maxRelativeDifference(layer.delta, g[2 * i + 1].dataSync())).toBeLessThan(1e-10); // BP3: ∂C/∂b = δ
          expect(maxRelativeDifference(layer.dW.flat(), g[2 * i].dataSync())).toBeLessThan(1e-10);
          expect(layer.dW).toHaveLength(sizes[i + 1]);
          expect(layer.dW[0]).toHaveLength(sizes[i]);
        });
        expect(report.costValue).toBeCloseTo(model.loss(X, Y), 12);
        const last = report.layers[report.layers.length - 1];
        expect(maxRelativeDifference(last.a, model.predict(X).dataSync())).toBeLessThan(1e-14);
        // A plain report: JSON keeps every number (typed arrays or tensors would not survive).
        expect(JSON.stringify(JSON.parse(JSON.stringify(report)))).toBe(JSON.stringify(report));
        expect(Array.isArray(last.z) && Array.isArray(last.dW[0])).toBe(true);
      });
    }
  }

  it('names the form of BP1 it used', () => {
    const rng = new Rng(1);
    const ce = randomModel([3, 2], PAIRINGS[1], 1);
    expect(trace(ce, randomExample(ce, rng).x, 0).bp1).toContain('a^L − y');
    const q = randomModel([3, 2], PAIRINGS[0], 1);
    expect(trace(q, randomExample(q, rng).x, 0).bp1).toContain("σ'(z^L)");
  });

  it('BP4 is the outer product a^{l−1} δ^l, written out for one weight', () => {
    const model = randomModel([5, 4, 3], PAIRINGS[0], 7);
    const r = trace(model, [0.1, 0.9, 0.3, 0.0, 0.5], 2);
    const l3 = r.layers[1];
    const a2 = r.layers[0].a;
    expect(l3.dW[2][1]).toBe(a2[1] * l3.delta[2]);
  });

  it('works on a float32 model by tracing a float64 copy', () => {
    const m32 = sequential({ sizes: [5, 4, 3], rng: 3 });
    const x = [0.2, 0.4, 0.6, 0.8, 1];
    expect(trace(m32, x, 1)).toEqual(trace(m32.cast('float64'), x, 1));
  });

  it('rejects a width mismatch, a batch and a bad label with clear messages', () => {
    const model = randomModel([4, 3, 2], PAIRINGS[0], 1);
    expect(() => trace(model, [1, 2, 3], 0)).toThrow(DataError);
    expect(() => trace(model, [1, 2, 3], 0)).toThrow("trace: the input has 3 features but the model's input layer has 4 neurons");
    expect(() => trace(model, [1, 2, 3, 4], 2)).toThrow('trace: the label 2 is not a class of the model\'s output layer, which has classes 0…1');
    expect(() => trace(model, [1, 2, 3, 4], [1, 0, 0])).toThrow("trace: the target has 3 values but the model's output layer has 2 neurons");
    expect(() => trace(model, [1, 2, NaN, 4], 0)).toThrow('trace: input value 2 is NaN, not a finite number');
    expect(() => trace(model, tensor2(), 0)).toThrow(ArgumentError);
    expect(() => trace(model, tensor2(), 0)).toThrow('trace: works on one example, got 2 rows');
  });
});

/** Two examples of width 4 as one [2, 4] tensor. */
function tensor2() {
  return tensor([[1, 2, 3, 4], [4, 3, 2, 1]], undefined, 'float64');
}
