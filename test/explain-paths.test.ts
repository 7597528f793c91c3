// paths: the sum over every path from a weight (or bias) to the cost equals backprop's ∂C/∂w to
// 1e-10 in float64, for every layer, pairing and several depths/widths; the k-best list equals the
// top k of an exhaustive enumeration (property test); counts and work for large networks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paths, ParameterRangeError, type PathsReport } from '../src/explain/index.js';
import { sequential } from '../src/nn/index.js';
import { DataError, Rng } from '../src/util/index.js';
import { autodiffGradients, exampleTensors, PAIRINGS, randomExample, randomModel } from './explain-helpers.js';

const SHAPES = [[3, 4], [4, 3, 5], [5, 4, 3, 4], [3, 5, 2, 4, 3], [6, 3, 3, 3, 3, 2]];

/** Σ of every path, by enumeration (limit high enough) listing them all. */
function allPaths(model: ReturnType<typeof randomModel>, x: number[], label: number, ref: { layer: number; to: number; from?: number; bias?: boolean }): PathsReport {
  return paths(model, x, label, { ...ref, top: 100_000, limit: 100_000 });
}

describe('paths: Σ over all paths = backprop', () => {
  for (const p of PAIRINGS) {
    for (const sizes of SHAPES) {
      it(`${p.hidden}/${p.output}/${p.cost} [${sizes}]: every layer, weights and biases`, () => {
        const rng = new Rng(sizes.length * 100 + sizes[0] * 10 + PAIRINGS.indexOf(p));
        const model = randomModel(sizes, p, rng.int(1e6));
        const { x, label } = randomExample(model, rng);
        const { X, Y } = exampleTensors(model, x, label);
        const g = autodiffGradients(model, X, Y);
        for (let l = 2; l <= sizes.length; l++) {
          const [nOut, nIn] = [sizes[l - 1], sizes[l - 2]];
          const j = rng.int(nOut);
          const k = rng.int(nIn);
          for (const ref of [{ layer: l, to: j, from: k }, { layer: l, to: j, bias: true }]) {
            const r = allPaths(model, x, label, ref);
            const exact = ref.bias ? g[2 * (l - 2) + 1].dataSync()[j] : g[2 * (l - 2)].dataSync()[j * nIn + k];
            expect(r.method).toBe('enumeration');
            expect(r.total).toBe(exact);
            expect(r.paths).toHaveLength(r.pathCount);
            // Σ over all paths, two ways: while enumerating, and over the listed paths.
            const tolerance = 1e-10 * Math.abs(exact) + 1e-300;
            expect(Math.abs(r.enumeratedSum! - exact)).toBeLessThanOrEqual(tolerance);
            expect(Math.abs(r.listedSum - exact)).toBeLessThanOrEqual(tolerance);
            // Each listed contribution is the product of its factors; paths are distinct.
            for (const path of r.paths) expect(path.contribution).toBe(path.factors.reduce((s, f) => s * f, 1));
            expect(new Set(r.paths.map((q) => q.neurons.join())).size).toBe(r.pathCount);
          }
        }
      });
    }
  }

  it('counts paths as the product of the widths after layer l, times the start neurons', () => {
    const model = randomModel([5, 4, 3, 6, 2], PAIRINGS[0], 3);
    const x = [0.1, 0.2, 0.3, 0.4, 0.5];
    expect(paths(model, x, 1, { layer: 2, to: 0, from: 4 }).pathCount).toBe(3 * 6 * 2);
    expect(paths(model, x, 1, { layer: 4, to: 5, bias: true }).pathCount).toBe(2);
    const r = paths(model, x, 1, { layer: 5, to: 1, from: 0 }); // a weight of the output layer: w → a^L_j → C
    expect(r.pathCount).toBe(1);
    expect(r.factorsPerPath).toBe(2);
    // With a softmax output, a weight into output neuron j moves every output (the Jacobian is full).
    const sm = randomModel([5, 4, 3], PAIRINGS[2], 3);
    expect(paths(sm, x, 1, { layer: 3, to: 1, from: 2 }).pathCount).toBe(3);
    expect(paths(sm, x, 1, { layer: 2, to: 1, from: 2 }).pathCount).toBe(3);
  });
});

describe('paths: k-best without enumerating', () => {
  it('equals the top k of an exhaustive enumeration (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 15 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 0, max: PAIRINGS.length - 1 }),
        (seed, k, sizes, pairing) => {
          const rng = new Rng(seed);
          const model = randomModel(sizes, PAIRINGS[pairing], seed);
          const { x, label } = randomExample(model, rng);
          const l = 2 + rng.int(sizes.length - 1);
          const ref = rng.int(2) === 0 ? { layer: l, to: rng.int(sizes[l - 1]), from: rng.int(sizes[l - 2]) } : { layer: l, to: rng.int(sizes[l - 1]), bias: true };
          const everything = allPaths(model, x, label, ref);
          const best = paths(model, x, label, { ...ref, top: k, limit: 0 });
          expect(best.method).toBe('k-best');
          expect(best.enumeratedSum).toBeNull();
          expect(best.total).toBe(everything.total);
          expect(best.paths).toHaveLength(Math.min(k, everything.pathCount));
          const sorted = everything.paths; // already ordered by |contribution|, largest first
          best.paths.forEach((path, i) => {
            const want = sorted[i];
            const scale = Math.abs(want.contribution) + 1e-300;
            expect(Math.abs(Math.abs(path.contribution) - Math.abs(want.contribution))).toBeLessThanOrEqual(1e-12 * scale);
            // Where no other path ties with it, it must be the very same path.
            const tied = sorted.some((q, t) => t !== i && Math.abs(Math.abs(q.contribution) - Math.abs(want.contribution)) <= 1e-9 * scale);
            if (!tied) expect(path.neurons).toEqual(want.neurons);
          });
          expect(Math.abs(best.remainder - (best.total - best.listedSum))).toBe(0);
        },
      ),
      { numRuns: 150, seed: 20240601 },
    );
  });

  it('with k ≥ the number of paths lists them all, and the remainder vanishes', () => {
    const model = randomModel([4, 5, 4, 3], PAIRINGS[2], 11);
    const { x, label } = randomExample(model, new Rng(2));
    const r = paths(model, x, label, { layer: 2, to: 3, from: 1, top: 1000, limit: 0 });
    expect(r.paths).toHaveLength(4 * 3); // j fixed in layer 2, then 4 · 3
    expect(Math.abs(r.remainder)).toBeLessThanOrEqual(1e-10 * Math.abs(r.total));
  });

  it('handles the real network sizes of the issue without enumerating', () => {
    const rng = new Rng(4);
    const x = Array.from({ length: 784 }, () => (rng.uniform() < 0.2 ? rng.uniform() : 0));
    const a = paths(sequential({ sizes: [784, 100, 100, 100, 10], rng: 1 }), x, 3, { layer: 2, to: 7, from: 400, top: 10 });
    expect(a.pathCount).toBe(100_000); // j fixed in layer 2, then 100 · 100 · 10
    expect(a.method).toBe('enumeration');
    expect(Math.abs(a.enumeratedSum! - a.total)).toBeLessThanOrEqual(1e-10 * Math.abs(a.total));
    const b = paths(sequential({ sizes: [784, 64, 64, 64, 64, 64, 10], rng: 1 }), x, 3, { layer: 2, to: 7, from: 400, top: 10 });
    expect(b.pathCountExact).toBe(String(64 ** 4 * 10)); // 167,772,160 ≈ 1.7·10^8
    expect(b.method).toBe('k-best');
    expect(b.paths).toHaveLength(10);
    for (let i = 1; i < 10; i++) expect(Math.abs(b.paths[i].contribution)).toBeLessThanOrEqual(Math.abs(b.paths[i - 1].contribution));
    // Work: enumeration multiplies 7 factors per path; one backward sweep is about two passes over the weights.
    expect(b.work.enumerationMultiplications).toBe(64 ** 4 * 10 * 6);
    const weights = 784 * 64 + 4 * 64 * 64 + 64 * 10;
    expect(b.work.backpropAllParameters).toBe(weights + (weights - 784 * 64) + 5 * 64 + 10);
    expect(b.work.backpropAllParameters).toBeLessThan(b.work.enumerationMultiplications / 1000);
  });
});

describe('paths: bad input', () => {
  const model = randomModel([5, 4, 10, 3], PAIRINGS[0], 1);
  const x = [0, 0.5, 1, 0.5, 0];
  it('names the option, the bad value and the valid range', () => {
    expect(() => paths(model, x, 0, { layer: 3, to: 12, from: 0 })).toThrow('paths: to 12 is out of range: layer 3 has neurons 0…9');
    expect(() => paths(model, x, 0, { layer: 3, to: 2, from: 4 })).toThrow('paths: from 4 is out of range: layer 2 (the layer before 3) has neurons 0…3');
    expect(() => paths(model, x, 0, { layer: 1, to: 0, from: 0 })).toThrow(/paths: layer 1 is out of range: the model has weight layers 2…4/);
    expect(() => paths(model, x, 0, { layer: 5, to: 0, from: 0 })).toThrow(ParameterRangeError);
    expect(() => paths(model, x, 0, { layer: 2, to: 0 })).toThrow(/name a weight with from/);
    expect(() => paths(model, x, 0, { layer: 2, to: 0, from: 1, top: 0 })).toThrow('paths: top must be an integer ≥ 1, got 0');
    expect(() => paths(model, [1, 2], 0, { layer: 2, to: 0, from: 1 })).toThrow(DataError);
    try {
      paths(model, x, 0, { layer: 3, to: -1, from: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(ParameterRangeError);
      expect((e as ParameterRangeError).option).toBe('to');
      expect((e as ParameterRangeError).valid).toBe('layer 3 has neurons 0…9');
    }
  });
});
