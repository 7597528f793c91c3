/**
 * explain/ripple — the seed's "forward propagation of changes": nudge one weight w^l_jk (or bias
 * b^l_j) by Δw and follow the change Δa through every later layer down to ΔC.
 *
 * Three numbers stand side by side for each Δw:
 *   - forward mode (JVP): ȧ^m and Ċ from one `jvp` with a tangent on that single parameter, so
 *     Δa^m ≈ ȧ^m·Δw and ΔC ≈ Ċ·Δw;
 *   - backprop's linear prediction (∂C/∂w)·Δw, ∂C/∂w from reverse mode (`vjp`);
 *   - the measured change from a real float64 re-run of the network with the parameter changed.
 * The error of the linear prediction shrinks like Δw² (Taylor); the report fits the observed order.
 *
 * The parameter enters as W + θ·E_jk (E_jk one-hot), so the tangent lives on the single number θ:
 * z^l_j = (a^{l−1}Wᵀ + b)_j + θ·a^{l−1}_k. That is the same function of w as the model's, but the
 * dense JVP no longer multiplies a full-size, all-zero tangent matrix. In a hidden layer with an
 * element-wise σ only neuron j's column is carried into layer l+1 (see `throughNeuronJ`), so one
 * jvp over a whole batch (10,000 digits) costs little more than the layers after l. Layers before l
 * do not depend on the parameter: they run once, in chunks of rows.
 *
 * The re-run is a real evaluation with the changed value, nothing linearised: z^l_j is summed again
 * with w^l_jk + Δw (the other terms of that sum, which do not involve the parameter, are kept),
 * a^l_j recomputed, z^{l+1} rebuilt from it, and every later layer runs through the model's own
 * forward pass. The tests hold it against a re-run of a changed copy of the whole model.
 */
import * as ad from '../autodiff/index.js';
import { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import {
  asFloat64, checkedRows, columnMeans, resolveParameter, targetRows,
  type ExplainInput, type ExplainTarget, type ParameterInfo, type ParameterRef,
} from './common.js';

/** Options of `ripple`: the parameter, and the nudges to try. */
export interface RippleOptions extends ParameterRef {
  /** The Δw to try, largest first (default 1e-1, 1e-2, …, 1e-6). */
  deltas?: number[];
}

/** ȧ^m for one later layer: the rate of change of each neuron's activation with the parameter. */
export interface RippleLayer {
  /** Nielsen's layer m (l … L). */
  layer: number;
  /** ȧ^m_n = ∂a^m_n/∂w per neuron (mean over the examples)  // [n_m] */
  aDot: number[];
}

/** One nudge Δw. */
export interface RippleStep {
  /** Δw. */
  delta: number;
  /** Ċ·Δw from forward mode. */
  predictedCost: number;
  /** (∂C/∂w)·Δw from backprop. */
  linearCost: number;
  /** C(w + Δw) − C(w) from a float64 re-run. */
  measuredCost: number;
  /** |measured − linear|: shrinks like Δw². */
  linearError: number;
  /** measured / Δw: tends to ∂C/∂w as Δw → 0. */
  slope: number;
  /** Measured Δa^m per neuron (mean over the examples), and its largest distance from ȧ^m·Δw. */
  layers: { layer: number; measured: number[]; maxError: number }[];
}

/** What `ripple` returns. */
export interface RippleReport {
  tool: 'ripple';
  parameter: ParameterInfo;
  /** Examples the cost is averaged over (1 for a single example). */
  examples: number;
  /** C(w): the (mean) cost before the nudge. */
  cost: number;
  /** Ċ = ∂C/∂w by forward mode. */
  costDot: number;
  /** ∂C/∂w by reverse mode (backprop). */
  gradient: number;
  /** ȧ for layers l … L. */
  layers: RippleLayer[];
  steps: RippleStep[];
  /**
   * Slope of log(linearError) against log(Δw) over the steps whose error stands above float64
   * round-off (2 means "like Δw²"); null when fewer than two such steps.
   */
  observedOrder: number | null;
  /** How many steps the order was fitted on. */
  orderSteps: number;
}

const DEFAULT_DELTAS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6];

/**
 * Nudge one parameter and follow the change. `x` may hold one example or many rows (then C is the
 * mean cost over them, as in training, and per-neuron changes are means over the rows).
 */
export function ripple(model: Sequential, x: ExplainInput, y: ExplainTarget, options: RippleOptions): RippleReport {
  const m = asFloat64(model);
  const p = resolveParameter('ripple', m, options);
  const X = checkedRows('ripple', m, x);
  const n = X.shape[0];
  const Y = targetRows('ripple', m, y, n);
  const deltas = options.deltas ?? DEFAULT_DELTAS;
  if (!Array.isArray(deltas) || deltas.length === 0 || deltas.some((d) => typeof d !== 'number' || !Number.isFinite(d) || d === 0)) {
    throw new ArgumentError(`ripple: deltas must be a non-empty list of finite, non-zero numbers, got ${JSON.stringify(deltas)}`);
  }
  const i = p.layerIndex; // layers[i] is Nielsen's layer l = i + 2
  const { zBase, column, otherTerms } = upToLayer(m, X, i, p.to, p.from);
  // c = ∂z^l_j/∂w per example: a^{l−1}_k for a weight, 1 for a bias.  // [n, 1]
  const c = new Tensor(column, [n, 1]);
  const strategy = m.layers[i].activation.name !== 'softmax' && i < m.layers.length - 1
    ? throughNeuronJ(m, i, p.to, zBase, c, Y)
    : wholeLayer(m, i, p.to, zBase, c, Y);

  // Forward mode: one jvp with the tangent θ̇ = 1 on the parameter's nudge θ, recording a^m on the way.
  let recorded: ad.Operand[] = [];
  const costOf = (theta: ad.Operand): ad.Operand => {
    recorded = [];
    return strategy.costOf(theta, (a) => recorded.push(a));
  };
  const theta0 = new Tensor(new Float64Array(1), [1, 1]);
  const forward = ad.jvp(costOf, [theta0], [new Tensor(new Float64Array([1]), [1, 1])]);
  const costDot = forward.tangent.item();
  const layers: RippleLayer[] = strategy.aDots(recorded).map((aDot, h) => ({ layer: i + 2 + h, aDot }));
  // Reverse mode (backprop) through the same function: ∂C/∂θ = ∂C/∂w.
  const gradient = ad.vjp(costOf, theta0).vjp(T.ones([], 'float64'))[0].item();

  // Real re-runs: z^l_j summed again with the changed parameter, then every later layer.
  const w = p.from < 0 ? 0 : m.layers[i].W.dataSync()[p.flatIndex];
  const bj = m.layers[i].b.dataSync()[p.to];
  const rerun = (delta: number): { cost: number; activations: number[][] } => {
    // z^l_j = Σ_{q≠k} w_jq a^{l−1}_q + (w_jk + Δw)·a^{l−1}_k + b_j   (bias: Σ_q w_jq a^{l−1}_q + b_j + Δw)
    const zj = new Float64Array(n);
    for (let r = 0; r < n; r++) zj[r] = p.from < 0 ? otherTerms[r] + (bj + delta) : otherTerms[r] + (w + delta) * column[r] + bj;
    return strategy.rerun(zj);
  };
  const base = rerun(0);
  const steps: RippleStep[] = deltas.map((delta) => {
    const changed = rerun(delta);
    const measuredCost = changed.cost - base.cost;
    const linearCost = gradient * delta;
    return {
      delta,
      predictedCost: costDot * delta,
      linearCost,
      measuredCost,
      linearError: Math.abs(measuredCost - linearCost),
      slope: measuredCost / delta,
      layers: changed.activations.map((am, h) => {
        const measured = am.map((v, q) => v - base.activations[h][q]);
        let maxError = 0;
        measured.forEach((d, q) => { maxError = Math.max(maxError, Math.abs(d - layers[h].aDot[q] * delta)); });
        return { layer: i + 2 + h, measured, maxError };
      }),
    };
  });
  const { order, used } = observedOrder(steps, base.cost);
  return {
    tool: 'ripple',
    parameter: p.info,
    examples: n,
    cost: base.cost,
    costDot,
    gradient,
    layers,
    steps,
    observedOrder: order,
    orderSteps: used,
  };
}

/** Rows converted to float64 this many at a time, so a large float32 batch is never copied whole. */
const CHUNK = 1024;

/**
 * The part of the network the parameter does not touch, in chunks of rows: z^l [n, n_l] (before
 * any nudge), and per example c = a^{l−1}_k (1 for a bias) and the sum of the other terms of z^l_j,
 * Σ_{q≠k} w_jq a^{l−1}_q (for a bias, all of Σ_q w_jq a^{l−1}_q).
 */
function upToLayer(m: Sequential, X: Tensor, i: number, j: number, k: number): { zBase: Tensor; column: Float64Array; otherTerms: Float64Array } {
  const n = X.shape[0];
  const { W, b } = m.layers[i];
  const [nl, nPrev] = W.shape;
  const w = W.dataSync();
  const zBase = new Float64Array(n * nl);
  const column = new Float64Array(n);
  const otherTerms = new Float64Array(n);
  const nIn = X.shape[1];
  const xs = X.dataSync();
  const buffer = new Float64Array(Math.min(n, CHUNK) * nIn); // reused: each chunk's rows in float64
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const rows = buffer.subarray(0, (end - start) * nIn);
    const src = xs.subarray(start * nIn, end * nIn);
    for (let e = 0; e < rows.length; e++) rows[e] = src[e];
    let a = new Tensor(rows, [end - start, nIn]); // a^1 = x  [chunk, nIn]
    for (let h = 0; h < i; h++) a = T.denseForward(a, m.layers[h].W, m.layers[h].b, m.layers[h].activation.kernel!).a;
    zBase.set(T.denseForward(a, W, b, 'linear').z.dataSync(), start * nl); // z^l = a^{l−1}Wᵀ + b
    const ap = a.dataSync();
    for (let r = 0; r < end - start; r++) {
      let s = 0;
      for (let q = 0; q < nPrev; q++) {
        const v = ap[r * nPrev + q];
        if (v !== 0 && q !== k) s += w[j * nPrev + q] * v; // zero inputs (most MNIST pixels) add nothing
      }
      otherTerms[start + r] = s;
      column[start + r] = k < 0 ? 1 : ap[r * nPrev + k];
    }
  }
  return { zBase: new Tensor(zBase, [n, nl]), column, otherTerms };
}

/** A copy of the 2-D tensor `t` with column `j` replaced by `values`. */
function replaceColumn(t: Tensor, j: number, values: ArrayLike<number>): Tensor {
  const out = T.clone(t);
  const d = out.dataSync();
  const cols = t.shape[1];
  for (let r = 0; r < t.shape[0]; r++) d[r * cols + j] = values[r];
  return out;
}

/** How the function of θ and the re-runs are organised for one parameter (see the two below). */
interface Strategy {
  /** C(θ) with the parameter at w + θ, calling `visit` with a^m for m = l … L. */
  costOf(theta: ad.Operand, visit: (a: ad.Operand) => void): ad.Operand;
  /** ȧ^m per neuron (means over the rows) for m = l … L, from what `costOf` visited under jvp. */
  aDots(recorded: ad.Operand[]): number[][];
  /** A plain re-run given z^l_j per row: the cost and each layer's mean activations, l … L. */
  rerun(zj: Float64Array): { cost: number; activations: number[][] };
}

/** The tangent of a visited value as per-neuron means (zeros when it carries none). */
function tangentMeans(a: ad.Operand): number[] {
  const t = a instanceof ad.Dual ? a.tangent : null;
  return t ? columnMeans(t) : new Array<number>(ad.valueOf(a).shape[1]).fill(0);
}

/**
 * The general case (the output layer, or a softmax layer): layer l whole,
 * z^l = zBase + θ·c e_jᵀ  // [n, n_l]
 */
function wholeLayer(m: Sequential, i: number, j: number, zBase: Tensor, c: Tensor, Y: Tensor): Strategy {
  const nl = zBase.shape[1];
  const ej = new Tensor(new Float64Array(nl), [1, nl]);
  ej.dataSync()[j] = 1;
  const act = m.layers[i].activation;
  const aBase = ad.valueOf(act.apply(zBase)); // a^l  [n, n_l]
  return {
    costOf: (theta, visit) => restOfNetwork(m, i, ad.add(zBase, ad.matmul(c, ad.mul(theta, ej))), Y, visit),
    aDots: (recorded) => recorded.map(tangentMeans),
    rerun: (zj) => {
      const z = replaceColumn(zBase, j, zj);
      // An element-wise σ changes a^l_j alone; softmax changes the whole row.
      const a = act.name === 'softmax' ? ad.valueOf(act.apply(z)) : replaceColumn(aBase, j, ad.valueOf(act.apply(new Tensor(zj, [zj.length, 1]))).dataSync());
      return forwardFrom(m, i, z, a, Y);
    },
  };
}

/**
 * A hidden layer with an element-wise σ: the parameter reaches the rest of the network only
 * through neuron j, so only that neuron's column is carried (Nielsen's picture: Δw moves a^l_j, and
 * a^l_j moves every neuron of layer l+1):
 *   z^l_j = zBase_j + θ·c,   a^l_j = σ(z^l_j)                       // [n, 1]
 *   z^{l+1} = K + a^l_j · (w^{l+1}_{·j})ᵀ,  K = (a^l with column j zeroed)·(W^{l+1})ᵀ + b^{l+1}   // [n, n_{l+1}]
 * which is z^{l+1} = a^l (W^{l+1})ᵀ + b^{l+1} split in two; from there on the model's own layers.
 */
function throughNeuronJ(m: Sequential, i: number, j: number, zBase: Tensor, c: Tensor, Y: Tensor): Strategy {
  const [n, nl] = zBase.shape;
  const act = m.layers[i].activation;
  const next = m.layers[i + 1];
  const nNext = next.W.shape[0];
  const aBase = ad.valueOf(act.apply(zBase)); // a^l  [n, n_l]
  const means = columnMeans(aBase);
  const zCol = new Tensor(new Float64Array(n), [n, 1]); // zBase_j  [n, 1]
  for (let r = 0; r < n; r++) zCol.dataSync()[r] = zBase.dataSync()[r * nl + j];
  const wCol = new Tensor(new Float64Array(nNext), [1, nNext]); // w^{l+1}_{·j} as a row  [1, n_{l+1}]
  for (let q = 0; q < nNext; q++) wCol.dataSync()[q] = next.W.dataSync()[q * nl + j];
  const K = T.denseForward(replaceColumn(aBase, j, new Float64Array(n)), next.W, next.b, 'linear').z; // [n, n_{l+1}]
  return {
    costOf: (theta, visit) => {
      const aj = act.apply(ad.add(zCol, ad.mul(c, theta))); // a^l_j  [n, 1]
      visit(aj);
      return restOfNetwork(m, i + 1, ad.add(K, ad.matmul(aj, wCol)), Y, visit);
    },
    aDots: (recorded) => {
      const first = new Array<number>(nl).fill(0); // only neuron j of layer l moves
      first[j] = tangentMeans(recorded[0])[0];
      return [first, ...recorded.slice(1).map(tangentMeans)];
    },
    rerun: (zj) => {
      const aj = ad.valueOf(act.apply(new Tensor(zj, [n, 1]))); // a^l_j  [n, 1]
      const zNext = T.add(K, T.matmul(aj, wCol)); // z^{l+1}  [n, n_{l+1}]
      const rest = forwardFrom(m, i + 1, zNext, ad.valueOf(next.activation.apply(zNext)), Y);
      const layerL = [...means];
      layerL[j] = columnMeans(aj)[0];
      return { cost: rest.cost, activations: [layerL, ...rest.activations] };
    },
  };
}

/**
 * From layer l's weighted input z^l (code index i) to the cost, as the model computes it: hidden
 * layers a = σ(z) then dense layers, the output layer's z^L into the cost. Calls `visit` with a^m
 * for m = l … L. Runs under either autodiff mode (z carries θ's tangent or tape).
 */
function restOfNetwork(m: Sequential, i: number, z: ad.Operand, Y: Tensor, visit: (a: ad.Operand) => void): ad.Operand {
  const last = m.layers.length - 1;
  let zCur = z;
  for (let h = i; ; h++) {
    const act = m.layers[h].activation;
    const a = act.apply(zCur);
    visit(a);
    if (h === last) return m.cost.fromWeightedInput(zCur, Y, act);
    const next = m.layers[h + 1];
    zCur = ad.dense(a, next.W, next.b, 'linear'); // z^{m+1} = a^m W^{m+1}ᵀ + b^{m+1}
  }
}

/**
 * A plain re-run from layer l (code index i), given its z^l and a^l: every later layer through the
 * model's own forward pass, then the cost. Returns the cost and each layer's mean activations.
 */
function forwardFrom(m: Sequential, i: number, z: Tensor, a: Tensor, Y: Tensor): { cost: number; activations: number[][] } {
  const activations = [columnMeans(a)];
  let zL = z;
  if (i < m.layers.length - 1) {
    const rest = new Sequential(m.layers.slice(i + 1), m.cost); // layers l+1 … L
    const { zs, activations: as } = rest.forwardTrace(a);
    for (const t of as.slice(1)) activations.push(columnMeans(t));
    zL = zs[zs.length - 1];
  }
  const output = m.layers[m.layers.length - 1].activation;
  return { cost: ad.valueOf(m.cost.fromWeightedInput(zL, Y, output)).item(), activations };
}

/** Least-squares slope of log error against log |Δw| over the steps above round-off. */
function observedOrder(steps: RippleStep[], cost: number): { order: number | null; used: number } {
  // C is a float64 sum; differences of C below ~1e4·ε·|C| are round-off, not Taylor's remainder.
  const floor = 1e4 * Number.EPSILON * Math.max(Math.abs(cost), Number.MIN_VALUE);
  const pts = steps.filter((s) => s.linearError > floor).map((s) => [Math.log(Math.abs(s.delta)), Math.log(s.linearError)]);
  if (pts.length < 2) return { order: null, used: pts.length };
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [px, py] of pts) {
    sxy += (px - mx) * (py - my);
    sxx += (px - mx) ** 2;
  }
  return { order: sxx === 0 ? null : sxy / sxx, used: pts.length };
}
