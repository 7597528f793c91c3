/**
 * explain/trace — Nielsen's four equations of backpropagation (BP1–BP4) made concrete for one
 * example: every layer's z, a, δ = ∂C/∂z, ∂C/∂b and ∂C/∂w, computed here from the equations with
 * plain loops (not by the autodiff engine, so tests can hold the two against each other).
 *
 *   BP1  δ^L = ∇_a C ⊙ σ'(z^L)            (a − y for cross-entropy/sigmoid and log-likelihood/softmax)
 *   BP2  δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ'(z^l)
 *   BP3  ∂C/∂b^l_j = δ^l_j
 *   BP4  ∂C/∂w^l_jk = a^{l−1}_k δ^l_j
 */
import type { Sequential } from '../nn/model.js';
import { activationPrime, asFloat64, oneExample, outputDelta, row, type ExplainInput, type ExplainTarget } from './common.js';

/** One layer of a trace (Nielsen's layer l ≥ 2). */
export interface TraceLayer {
  /** Nielsen's layer number l. */
  layer: number;
  /** The layer's activation function. */
  activation: string;
  /** z^l = W^l a^{l−1} + b^l  // [n_l] */
  z: number[];
  /** a^l = σ(z^l)  // [n_l] */
  a: number[];
  /** δ^l = ∂C/∂z^l  // [n_l] (BP1 for l = L, BP2 below) */
  delta: number[];
  /** ∂C/∂b^l = δ^l (BP3)  // [n_l] */
  db: number[];
  /** ∂C/∂w^l: dW[j][k] = a^{l−1}_k δ^l_j (BP4)  // [n_l][n_{l−1}] */
  dW: number[][];
}

/** What `trace` returns: plain numbers, ready for JSON. */
export interface TraceReport {
  tool: 'trace';
  /** Neurons per layer, input first. */
  sizes: number[];
  /** The cost function's name. */
  cost: string;
  /** C for this example. */
  costValue: number;
  /** a^1 = x  // [n_1] */
  input: number[];
  /** y  // [n_L] */
  target: number[];
  /** How δ^L was computed (BP1, or its stable form). */
  bp1: string;
  /** Layers 2 … L in order. */
  layers: TraceLayer[];
}

/**
 * Forward pass and BP1–BP4 for one example.
 * @param x one input: [nIn] numbers or a Tensor [nIn] / [1, nIn]
 * @param y its target: one-hot numbers, a Tensor, or a class label
 */
export function trace(model: Sequential, x: ExplainInput, y: ExplainTarget): TraceReport {
  const m = asFloat64(model);
  const ex = oneExample('trace', m, x, y);
  const { zs, activations } = m.forwardTrace(ex.x);
  const L = m.layers.length + 1;
  // Code index i of zs/layers is Nielsen's layer i + 2; activations[i] is a^(i+1).
  const z = zs.map((t) => row(t, 0));
  const a = activations.map((t) => row(t, 0));
  const target = row(ex.y, 0);
  const outAct = m.layers[L - 2].activation.name;
  const { delta: deltaL, formula } = outputDelta(m.cost.name, outAct, z[L - 2], a[L - 1], target);

  const deltas: number[][] = new Array(L - 1);
  deltas[L - 2] = deltaL;
  for (let i = L - 3; i >= 0; i--) {
    // BP2: δ^l_k = Σ_j w^{l+1}_jk δ^{l+1}_j · σ'(z^l_k), with W^{l+1} = layers[i + 1].W [n_{l+1}, n_l]
    const W = m.layers[i + 1].W.dataSync();
    const next = deltas[i + 1];
    const [nNext, n] = m.layers[i + 1].W.shape;
    const act = m.layers[i].activation.name;
    const d = new Array<number>(n).fill(0);
    for (let j = 0; j < nNext; j++) {
      const dj = next[j];
      for (let k = 0; k < n; k++) d[k] += W[j * n + k] * dj;
    }
    deltas[i] = d.map((v, k) => v * activationPrime(act, z[i][k]));
  }

  const layers: TraceLayer[] = m.layers.map((layer, i) => {
    const aPrev = a[i]; // a^{l−1} for l = i + 2
    return {
      layer: i + 2,
      activation: layer.activation.name,
      z: z[i],
      a: a[i + 1],
      delta: deltas[i],
      db: [...deltas[i]],
      dW: deltas[i].map((dj) => aPrev.map((ak) => ak * dj)),
    };
  });
  return {
    tool: 'trace',
    sizes: m.sizes,
    cost: m.cost.name,
    costValue: m.loss(ex.x, ex.y),
    input: a[0],
    target,
    bp1: formula,
    layers,
  };
}
