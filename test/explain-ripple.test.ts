// ripple: forward mode (JVP) against backprop and against a real re-run of a changed copy of the
// model: Ċ = ∂C/∂w, ȧ·Δw matches the measured Δa to O(Δw²), the linear prediction's error shrinks
// like Δw² (observed order ≈ 2), ΔC/Δw → ∂C/∂w; batch mode is the mean of single examples.
import { describe, expect, it } from 'vitest';
import { ripple, ParameterRangeError } from '../src/explain/index.js';
import { clone, tensor, oneHot, type Tensor } from '../src/tensor/index.js';
import { DataError, Rng } from '../src/util/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import { autodiffGradients, exampleTensors, PAIRINGS, randomExample, randomModel } from './explain-helpers.js';

/** An independent re-run: a copy of the model with one parameter changed, its activations and cost. */
function rerunChanged(model: Sequential, paramIndex: number, flat: number, delta: number, X: Tensor, Y: Tensor): { cost: number; activations: Tensor[] } {
  const params = model.paramTensors().map((t, i) => (i === paramIndex ? clone(t) : t));
  params[paramIndex].dataSync()[flat] += delta;
  const changed = model.withParameters(params);
  return { cost: changed.loss(X, Y), activations: changed.forwardTrace(X).activations };
}

describe('ripple on one example', () => {
  for (const p of PAIRINGS) {
    it(`${p.hidden}/${p.output}/${p.cost}: JVP, backprop and re-runs agree`, () => {
      const sizes = [6, 5, 4, 3];
      const rng = new Rng(40); // the same draw for every pairing: no relu neuron on these paths is dead
      // Default init (N(0, 1/n_in) weights) keeps units out of saturation, so ΔC is not ≈ 0.
      const model = sequential({ sizes, activation: p.hidden, output: p.output, cost: p.cost, rng: rng.int(1000), dtype: 'float64' });
      const { x, label } = randomExample(model, rng);
      const { X, Y } = exampleTensors(model, x, label);
      const g = autodiffGradients(model, X, Y);
      let ordersChecked = 0;
      for (const ref of [{ layer: 2, to: 1, from: 3 }, { layer: 3, to: 2, bias: true }, { layer: 4, to: 0, from: 3 }]) {
        const r = ripple(model, x, label, ref);
        const pi = 2 * (ref.layer - 2) + (ref.bias ? 1 : 0);
        const flat = ref.bias ? ref.to : ref.to * sizes[ref.layer - 2] + ref.from!;
        const exact = g[pi].dataSync()[flat];
        expect(Math.abs(r.costDot - exact)).toBeLessThanOrEqual(1e-10 * Math.abs(exact) + 1e-15); // forward mode = reverse mode
        expect(Math.abs(r.gradient - exact)).toBeLessThanOrEqual(1e-10 * Math.abs(exact) + 1e-15);
        expect(r.layers.map((l) => l.layer)).toEqual(Array.from({ length: 5 - ref.layer }, (_, i) => ref.layer + i));
        const base = rerunChanged(model, pi, flat, 0, X, Y);
        for (const step of r.steps) {
          const changed = rerunChanged(model, pi, flat, step.delta, X, Y);
          // The measured change is the independent re-run's, to round-off.
          expect(Math.abs(step.measuredCost - (changed.cost - base.cost))).toBeLessThanOrEqual(1e-13 + 1e-9 * Math.abs(step.measuredCost));
          step.layers.forEach((layer) => {
            const a1 = changed.activations[layer.layer - 1].dataSync();
            const a0 = base.activations[layer.layer - 1].dataSync();
            layer.measured.forEach((d, n) => expect(Math.abs(d - (a1[n] - a0[n]))).toBeLessThanOrEqual(1e-13));
          });
        }
        if (Math.abs(exact) > 1e-6) {
          ordersChecked++;
          // Taylor: |ΔC − (∂C/∂w)Δw| = O(Δw²), so the fitted order is 2 and the slope tends to ∂C/∂w.
          expect(r.observedOrder).not.toBeNull();
          expect(r.observedOrder!).toBeGreaterThan(1.8);
          expect(r.observedOrder!).toBeLessThan(2.2);
          const smallest = r.steps[r.steps.length - 1];
          expect(Math.abs(smallest.slope - exact)).toBeLessThanOrEqual(1e-4 * Math.abs(exact));
          // Δa of every later layer: JVP's ȧ·Δw is off by O(Δw²) — a hundredfold less per tenfold smaller Δw.
          for (let s = 1; s < 4; s++) {
            r.steps[s].layers.forEach((layer, h) => {
              const before = r.steps[s - 1].layers[h].maxError;
              if (before > 1e-12) expect(layer.maxError).toBeLessThan(before / 30);
            });
          }
        }
      }
      expect(ordersChecked).toBeGreaterThanOrEqual(2);
    });
  }

  it('only neuron j of layer l moves at first: ȧ^l is zero elsewhere (element-wise activations)', () => {
    const model = randomModel([4, 5, 3], PAIRINGS[0], 2);
    const r = ripple(model, [0.2, 0.4, 0.6, 0.8], 1, { layer: 2, to: 3, from: 1 });
    r.layers[0].aDot.forEach((v, n) => (n === 3 ? expect(v).not.toBe(0) : expect(v).toBe(0)));
    expect(r.layers[1].aDot.every((v) => v !== 0)).toBe(true); // then every neuron of layer 3
    expect(r.parameter).toMatchObject({ kind: 'weight', layer: 2, to: 3, from: 1, name: 'w^2_{3,1}' });
  });

  it('accepts its own nudges and rejects zero or non-finite ones', () => {
    const model = randomModel([4, 3, 2], PAIRINGS[0], 2);
    const r = ripple(model, [1, 0, 1, 0], 0, { layer: 2, to: 0, from: 0, deltas: [0.5, -0.5] });
    expect(r.steps.map((s) => s.delta)).toEqual([0.5, -0.5]);
    expect(() => ripple(model, [1, 0, 1, 0], 0, { layer: 2, to: 0, from: 0, deltas: [0.1, 0] })).toThrow(/ripple: deltas must be a non-empty list of finite, non-zero numbers/);
  });
});

describe('ripple on a batch', () => {
  it('uses the mean cost: Ċ, ȧ and ΔC are the means of the single-example values', () => {
    const model = randomModel([6, 5, 4], PAIRINGS[2], 9);
    const rng = new Rng(3);
    const rows = Array.from({ length: 7 }, () => randomExample(model, rng));
    const X = tensor(rows.map((r) => r.x), undefined, 'float64');
    const Y = oneHot(rows.map((r) => r.label), 4, 'float64');
    const ref = { layer: 2, to: 4, from: 2 };
    const batch = ripple(model, X, Y, ref);
    const singles = rows.map((r) => ripple(model, r.x, r.label, ref));
    const mean = (f: (s: (typeof singles)[number]) => number): number => singles.reduce((acc, s) => acc + f(s), 0) / singles.length;
    expect(batch.examples).toBe(7);
    expect(batch.costDot).toBeCloseTo(mean((s) => s.costDot), 13);
    expect(batch.gradient).toBeCloseTo(mean((s) => s.gradient), 13);
    expect(batch.cost).toBeCloseTo(mean((s) => s.cost), 13);
    expect(batch.steps[0].measuredCost).toBeCloseTo(mean((s) => s.steps[0].measuredCost), 13);
    batch.layers.forEach((layer, h) => layer.aDot.forEach((v, n) => expect(v).toBeCloseTo(mean((s) => s.layers[h].aDot[n]), 13)));
    const g = autodiffGradients(model, X, Y)[0].dataSync()[4 * 6 + 2];
    expect(Math.abs(batch.gradient - g)).toBeLessThanOrEqual(1e-10 * Math.abs(g));
  });
});

describe('ripple: bad input', () => {
  const model = randomModel([5, 4, 10, 3], PAIRINGS[0], 1);
  const x = [0, 0.5, 1, 0.5, 0];
  it('names the bad option and the valid range', () => {
    expect(() => ripple(model, x, 0, { layer: 3, to: 12, from: 0 })).toThrow('ripple: to 12 is out of range: layer 3 has neurons 0…9');
    expect(() => ripple(model, x, 0, { layer: 7, to: 0, from: 0 })).toThrow(ParameterRangeError);
    expect(() => ripple(model, x, 0, { layer: 7, to: 0, from: 0 })).toThrow(/layer 7 is out of range: the model has weight layers 2…4/);
    expect(() => ripple(model, [1, 2, 3], 0, { layer: 2, to: 0, from: 0 })).toThrow("ripple: the input has 3 features but the model's input layer has 5 neurons");
    expect(() => ripple(model, tensor([x, x], undefined, 'float64'), oneHot([0], 3, 'float64'), { layer: 2, to: 0, from: 0 })).toThrow(DataError);
  });
});
