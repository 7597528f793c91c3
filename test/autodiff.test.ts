// Every primitive's reverse rule (VJP) and forward rule (JVP) checked against central finite
// differences in float64, against each other (⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩), and accumulation of a value
// used twice.
import { describe, expect, it } from 'vitest';
import * as ad from '../src/autodiff/index.js';
import * as T from '../src/tensor/ops.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/util/rng.js';

type Case = {
  name: string;
  f: (...xs: ad.Operand[]) => ad.Operand;
  shapes: number[][];
  /** Draw inputs in (0.5, 2) instead of N(0, 1) (log, sqrt, division). */
  positive?: boolean;
  /** Keep inputs away from 0 (relu's kink). */
  awayFromZero?: boolean;
};

const cases: Case[] = [
  { name: 'add', f: (a, b) => ad.add(a, b), shapes: [[3, 4], [3, 4]] },
  { name: 'add (broadcast row)', f: (a, b) => ad.add(a, b), shapes: [[3, 4], [4]] },
  { name: 'add (broadcast column)', f: (a, b) => ad.add(a, b), shapes: [[3, 1], [1, 4]] },
  { name: 'sub', f: (a, b) => ad.sub(a, b), shapes: [[2, 5], [5]] },
  { name: 'mul', f: (a, b) => ad.mul(a, b), shapes: [[3, 4], [3, 4]] },
  { name: 'mul (scalar)', f: (a, b) => ad.mul(a, b), shapes: [[3, 4], []] },
  { name: 'div', f: (a, b) => ad.div(a, b), shapes: [[3, 4], [3, 4]], positive: true },
  { name: 'scale', f: (a) => ad.scale(a, -2.5), shapes: [[7]] },
  { name: 'matmul', f: (a, b) => ad.matmul(a, b), shapes: [[3, 4], [4, 5]] },
  { name: 'matmul transA', f: (a, b) => ad.matmul(a, b, true, false), shapes: [[4, 3], [4, 5]] },
  { name: 'matmul transB', f: (a, b) => ad.matmul(a, b, false, true), shapes: [[3, 4], [5, 4]] },
  { name: 'matmul transA transB', f: (a, b) => ad.matmul(a, b, true, true), shapes: [[4, 3], [5, 4]] },
  { name: 'exp', f: (a) => ad.exp(a), shapes: [[3, 3]] },
  { name: 'log', f: (a) => ad.log(a), shapes: [[3, 3]], positive: true },
  { name: 'sigmoid', f: (a) => ad.sigmoid(a), shapes: [[3, 3]] },
  { name: 'tanh', f: (a) => ad.tanh(a), shapes: [[3, 3]] },
  { name: 'relu', f: (a) => ad.relu(a), shapes: [[3, 3]], awayFromZero: true },
  { name: 'square', f: (a) => ad.square(a), shapes: [[3, 3]] },
  { name: 'sqrt', f: (a) => ad.sqrt(a), shapes: [[3, 3]], positive: true },
  { name: 'softplus', f: (a) => ad.softplus(a), shapes: [[3, 3]] },
  { name: 'sum (all)', f: (a) => ad.sum(a), shapes: [[3, 4]] },
  { name: 'sum (axis 0)', f: (a) => ad.sum(a, 0), shapes: [[3, 4]] },
  { name: 'sum (axis 1, keepDims)', f: (a) => ad.sum(a, 1, true), shapes: [[3, 4]] },
  { name: 'mean (axis -1)', f: (a) => ad.mean(a, -1), shapes: [[2, 3, 4]] },
  { name: 'reshape', f: (a) => ad.reshape(a, [6, 2]), shapes: [[3, 4]] },
  { name: 'softmax', f: (a) => ad.softmax(a), shapes: [[3, 5]] },
  { name: 'logSoftmax', f: (a) => ad.logSoftmax(a), shapes: [[3, 5]] },
  ...(['linear', 'sigmoid', 'tanh', 'relu'] as const).map((act) => ({
    name: `dense (${act})`,
    f: (x: ad.Operand, W: ad.Operand, b: ad.Operand) => ad.dense(x, W, b, act),
    shapes: [[4, 5], [3, 5], [3]],
    awayFromZero: act === 'relu',
  })),
];

function draw(shape: number[], rng: Rng, c: Case): Tensor {
  const t = T.randomNormal(shape, rng, 1, 0, 'float64');
  const a = t.dataSync();
  for (let i = 0; i < a.length; i++) {
    if (c.positive) a[i] = 0.5 + 1.5 * rng.uniform();
    else if (c.awayFromZero && Math.abs(a[i]) < 0.2) a[i] = a[i] < 0 ? -0.5 : 0.5;
  }
  return t;
}

const EPS = 1e-6;

describe.each(cases)('primitive $name', (c) => {
  const rng = new Rng(`autodiff:${c.name}`);
  const xs = c.shapes.map((s) => draw(s, rng, c));
  const out = ad.valueOf(c.f(...xs));
  const u = T.randomNormal([...out.shape], rng, 1, 0, 'float64');
  // For relu-like kinks, keep the perturbation direction small relative to the distance to 0.
  const vs = xs.map((x) => T.randomNormal([...x.shape], rng, 1, 0, 'float64'));
  const at = (ys: Tensor[]): Tensor => ad.valueOf(c.f(...ys));
  const shifted = (k: number): Tensor[] => xs.map((x, i) => T.add(x, T.scale(vs[i], k)));

  it('VJP matches central finite differences', () => {
    const bars = ad.vjp(c.f, ...xs).vjp(u);
    xs.forEach((x, i) => {
      const a = x.dataSync();
      const bar = bars[i].dataSync();
      expect(bars[i].shape).toEqual(x.shape);
      for (let e = 0; e < a.length; e++) {
        const orig = a[e];
        a[e] = orig + EPS;
        const plus = T.dot(u, at(xs));
        a[e] = orig - EPS;
        const minus = T.dot(u, at(xs));
        a[e] = orig;
        const numeric = (plus - minus) / (2 * EPS);
        expect(ad.relativeError(bar[e], numeric)).toBeLessThan(1e-6);
      }
    });
  });

  it('JVP matches central finite differences', () => {
    const { out: y, tangent } = ad.jvp(c.f, xs, vs);
    expect(y.dataSync()).toEqual(out.dataSync());
    const numeric = T.scale(T.sub(at(shifted(EPS)), at(shifted(-EPS))), 1 / (2 * EPS));
    const t = tangent.dataSync();
    const n = numeric.dataSync();
    expect(tangent.shape).toEqual(out.shape);
    for (let e = 0; e < t.length; e++) expect(ad.relativeError(t[e], n[e])).toBeLessThan(1e-6);
  });

  it('⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩', () => {
    const { tangent } = ad.jvp(c.f, xs, vs);
    const bars = ad.vjp(c.f, ...xs).vjp(u);
    const left = T.dot(u, tangent);
    const right = bars.reduce((s, bar, i) => s + T.dot(bar, vs[i]), 0);
    expect(ad.relativeError(left, right)).toBeLessThan(1e-12);
  });
});

describe('reverse mode', () => {
  it('accumulates the gradient of a value used twice', () => {
    // f(x) = Σ x ⊙ x + Σ 3x  →  ∂f/∂x = 2x + 3
    const x = T.tensor([1, -2, 0.5], [3], 'float64');
    const [g] = ad.grad((v) => ad.add(ad.sum(ad.mul(v, v)), ad.sum(ad.scale(v, 3))))(x);
    expect(Array.from(g.dataSync())).toEqual([5, -1, 4]);
  });

  it('gives zero gradients for arguments the output does not depend on', () => {
    const x = T.tensor([1, 2], [2], 'float64');
    const y = T.tensor([3, 4], [2], 'float64');
    const [gx, gy] = ad.grad((a) => ad.sum(ad.square(a)))(x, y);
    expect(Array.from(gx.dataSync())).toEqual([2, 4]);
    expect(Array.from(gy.dataSync())).toEqual([0, 0]);
  });

  it('survives a deep chain without overflowing the stack', () => {
    const x = T.tensor([0.1], [1], 'float64');
    const [g] = ad.grad((v) => {
      let y = v;
      for (let i = 0; i < 20000; i++) y = ad.scale(y, 1);
      return ad.sum(y);
    })(x);
    expect(g.item()).toBe(1);
  });

  it('refuses a non-scalar function in valueAndGrad, naming the shape', () => {
    const x = T.tensor([1, 2], [2], 'float64');
    expect(() => ad.valueAndGrad((v) => ad.square(v))(x)).toThrow(/must return one number, got shape \[2\]/);
  });

  it('refuses mixing forward and reverse mode', () => {
    const x = T.tensor([1], [1], 'float64');
    expect(() => ad.add(new ad.Var(x), new ad.Dual(x, x))).toThrow(/cannot mix/);
  });
});

describe('gradcheck', () => {
  it('passes on a small network cost and fails loudly on a wrong rule', () => {
    const rng = new Rng(7);
    const x = T.randomNormal([4, 3], rng, 1, 0, 'float64');
    const W = T.randomNormal([2, 3], rng, 1, 0, 'float64');
    const b = T.randomNormal([2], rng, 1, 0, 'float64');
    const cost = (w: ad.Operand, bb: ad.Operand) => ad.sum(ad.square(ad.dense(x, w, bb, 'sigmoid')));
    expect(gradcheck(cost, [W, b]).ok).toBe(true);
    // A deliberately wrong rule: claims d/dx sin-like behaviour for square (2x → 3x).
    const wrongSquare: ad.Primitive = {
      name: 'wrongSquare',
      forward: ([v]) => T.unary('square', v),
      jvp: ([v], [vDot]) => T.mul(T.scale(v, 3), vDot!),
      vjp: ([v], _, g) => [T.mul(T.scale(v, 3), g)],
    };
    const broken = (w: ad.Operand) => ad.sum(ad.apply(wrongSquare, [w], undefined));
    const report = gradcheck(broken, [W]);
    expect(report.ok).toBe(false);
    expect(report.entries[0].failures).toBe(W.size);
  });
});

const gradcheck = ad.gradcheck;
