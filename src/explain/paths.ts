/**
 * explain/paths — the seed's sum over paths: ∂C/∂w^l_jk is a sum, over every path from the weight to
 * the cost, of the product of the rates met along the way,
 *
 *   ∂C/∂w^l_jk = Σ_{m, n, …, q} ∂a^l_j/∂w^l_jk · ∂a^{l+1}_m/∂a^l_j · ∂a^{l+2}_n/∂a^{l+1}_m · … · ∂C/∂a^L_q
 *
 * with ∂a^l_j/∂w = σ'(z^l_j)·a^{l−1}_k (σ'(z^l_j) for the bias b^l_j) and, between layers,
 * ∂a^{m}_n/∂a^{m−1}_p = σ'(z^m_n)·w^m_np (for a softmax output layer, the full Jacobian row
 * Σ_q ∂a^L_n/∂z^L_q·w^L_qp, so a weight of that layer reaches every output neuron).
 *
 * Where the number of paths is at most `limit`, every path is enumerated. Otherwise the `top`
 * largest |contributions| are found exactly without enumerating: on the layered graph each neuron
 * keeps the k best partial products from itself to the cost, by absolute value, built backward from
 * the cost. Since |product| = product of |rates|, a path in a neuron's k best must continue with one
 * of the next neuron's k best, so merging the next layer's lists is exact.
 */
import * as ad from '../autodiff/index.js';
import type { Sequential } from '../nn/model.js';
import { ArgumentError } from '../util/errors.js';
import {
  activationPrime, asFloat64, costGradientWrtOutput, oneExample, resolveParameter, row,
  type ExplainInput, type ExplainTarget, type ParameterInfo, type ParameterRef,
} from './common.js';

/** Options of `paths`. */
export interface PathsOptions extends ParameterRef {
  /** How many paths to list, largest |contribution| first (default 10). */
  top?: number;
  /** Enumerate every path when there are at most this many (default 100,000); else k-best. */
  limit?: number;
}

/** One path from the parameter to the cost. */
export interface PathEntry {
  /** The neuron met in each layer l, l+1, …, L (0-based indices). */
  neurons: number[];
  /** The rates along the path: ∂a^l/∂w, then ∂a^{m}/∂a^{m−1} for m = l+1 … L, then ∂C/∂a^L. */
  factors: number[];
  /** Their product. */
  contribution: number;
}

/** What `paths` returns. */
export interface PathsReport {
  tool: 'paths';
  parameter: ParameterInfo;
  /** Neurons per layer, input first. */
  sizes: number[];
  /** Nielsen's layer of each entry of a path's `neurons`: l … L. */
  layers: number[];
  /** 'enumeration' (every path visited) or 'k-best' (the top paths found without enumerating). */
  method: 'enumeration' | 'k-best';
  /** Number of paths from the parameter to the cost (rounded above 2^53; see pathCountExact). */
  pathCount: number;
  /** The same, exactly, in decimal. */
  pathCountExact: string;
  /** Rates multiplied along each path. */
  factorsPerPath: number;
  /** The listed paths, largest |contribution| first. */
  paths: PathEntry[];
  /** Σ of the listed contributions. */
  listedSum: number;
  /** total − listedSum: what the paths not listed add up to. */
  remainder: number;
  /** Σ over every path (enumeration only; null for k-best). */
  enumeratedSum: number | null;
  /** ∂C/∂w from backprop (reverse-mode autodiff of the model's cost). */
  total: number;
  /** How much arithmetic each way costs. */
  work: {
    /** Enumerating: paths × (factors − 1) multiplications. */
    enumerationMultiplications: number;
    /** One backward sweep giving ∂C/∂w and ∂C/∂b for every parameter of the network (multiply-adds). */
    backpropAllParameters: number;
    /** The part of that sweep needed for this one parameter: δ from L down to l, then a^{l−1}_k δ^l_j. */
    backpropThisParameter: number;
  };
}

/** The layered graph of rates for one parameter and one example. */
interface RateGraph {
  /** ∂a^l_n/∂w for each neuron n of layer l (zero except at j for element-wise activations). */
  start: Float64Array;
  /** Neurons of layer l with a structurally non-zero start rate. */
  startNeurons: number[];
  /** rates[d][n·width(d−1) + p] = ∂a^{l+d}_n/∂a^{l+d−1}_p for d = 1 … D.  // [n_{l+d}, n_{l+d−1}] */
  rates: Float64Array[];
  /** ∂C/∂a^L_q  // [n_L] */
  final: Float64Array;
  /** Widths of layers l … L. */
  widths: number[];
}

/**
 * Every path from a weight or bias to the cost, with its product of rates; their sum is ∂C/∂w.
 * @param x one input; @param y its target (numbers, Tensor or class label)
 */
export function paths(model: Sequential, x: ExplainInput, y: ExplainTarget, options: PathsOptions): PathsReport {
  const m = asFloat64(model);
  const p = resolveParameter('paths', m, options);
  const top = options.top ?? 10;
  const limit = options.limit ?? 100_000;
  if (!Number.isInteger(top) || top < 1) throw new ArgumentError(`paths: top must be an integer ≥ 1, got ${top}`);
  if (!Number.isInteger(limit) || limit < 0) throw new ArgumentError(`paths: limit must be an integer ≥ 0, got ${limit}`);
  const ex = oneExample('paths', m, x, y);
  const graph = buildGraph(m, ex.x, ex.y, p.layerIndex, p.to, p.from);
  const D = graph.rates.length;
  const factorsPerPath = D + 2;

  let countExact = BigInt(graph.startNeurons.length);
  for (let d = 1; d <= D; d++) countExact *= BigInt(graph.widths[d]);
  const pathCount = Number(countExact);

  let found: { neurons: number[] }[];
  let enumeratedSum: number | null = null;
  let method: PathsReport['method'];
  if (countExact <= BigInt(limit)) {
    method = 'enumeration';
    const r = enumerateAll(graph, top);
    found = r.best;
    enumeratedSum = r.sum;
  } else {
    method = 'k-best';
    found = kBest(graph, top);
  }
  const listed = found.map(({ neurons }) => {
    const factors = factorsOf(graph, neurons);
    return { neurons, factors, contribution: factors.reduce((s, f) => s * f, 1) };
  });
  listed.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const listedSum = listed.reduce((s, e) => s + e.contribution, 0);

  const grads = ad.grad((...params) => m.lossWith(params, ex.x, ex.y))(...m.paramTensors());
  const total = grads[p.paramIndex].dataSync()[p.flatIndex];

  const sizes = m.sizes;
  const L = sizes.length;
  const l = p.info.layer;
  // sizes[q − 1] is the width of Nielsen's layer q.
  let backpropAll = 0;
  for (let q = 2; q <= L; q++) backpropAll += sizes[q - 1] * sizes[q - 2] + sizes[q - 1] + (q >= 3 ? sizes[q - 1] * sizes[q - 2] : 0);
  let backpropThis = 1;
  for (let q = l; q <= L; q++) backpropThis += sizes[q - 1] + (q > l ? sizes[q - 1] * sizes[q - 2] : 0);

  return {
    tool: 'paths',
    parameter: p.info,
    sizes,
    layers: Array.from({ length: D + 1 }, (_, d) => l + d),
    method,
    pathCount,
    pathCountExact: countExact.toString(),
    factorsPerPath,
    paths: listed,
    listedSum,
    remainder: total - listedSum,
    enumeratedSum,
    total,
    work: { enumerationMultiplications: pathCount * (factorsPerPath - 1), backpropAllParameters: backpropAll, backpropThisParameter: backpropThis },
  };
}

/** Rates of every edge of the layered graph from layer l (code index i) to the cost. */
function buildGraph(m: Sequential, x: ad.Operand, y: ad.Operand, i: number, j: number, k: number): RateGraph {
  const { zs, activations } = m.forwardTrace(ad.valueOf(x));
  const L = m.layers.length + 1;
  const z = zs.map((t) => row(t, 0)); // z[h] = z^(h+2)
  const a = activations.map((t) => row(t, 0)); // a[h] = a^(h+1)
  const target = row(ad.valueOf(y), 0);
  const l = i + 2;
  const widths = m.sizes.slice(l - 1); // widths of layers l … L

  /** ∂a^q_n/∂z^q_r for layer q (code index h): diagonal σ' or the softmax Jacobian. */
  const jacobian = (h: number, n: number, r: number): number => {
    const act = m.layers[h].activation.name;
    if (act === 'softmax') {
      const s = a[h + 1];
      return s[n] * ((n === r ? 1 : 0) - s[r]);
    }
    return n === r ? activationPrime(act, z[h][n]) : 0;
  };

  const c = k < 0 ? 1 : a[i][k]; // ∂z^l_j/∂w: a^{l−1}_k for a weight, 1 for a bias
  const start = new Float64Array(widths[0]);
  const startNeurons: number[] = [];
  const softmaxAt = (h: number): boolean => m.layers[h].activation.name === 'softmax';
  if (softmaxAt(i)) {
    for (let n = 0; n < widths[0]; n++) { start[n] = jacobian(i, n, j) * c; startNeurons.push(n); }
  } else {
    start[j] = jacobian(i, j, j) * c;
    startNeurons.push(j);
  }

  const rates: Float64Array[] = [];
  for (let h = i + 1; h < m.layers.length; h++) {
    // Between layer q − 1 and q = h + 2: ∂a^q_n/∂a^{q−1}_p = Σ_r J[n, r] w^q_rp.
    const W = m.layers[h].W.dataSync();
    const [nOut, nIn] = m.layers[h].W.shape;
    const R = new Float64Array(nOut * nIn);
    if (softmaxAt(h)) {
      const s = a[h + 1];
      for (let p = 0; p < nIn; p++) {
        let mean = 0; // Σ_r s_r w_rp
        for (let r = 0; r < nOut; r++) mean += s[r] * W[r * nIn + p];
        for (let n = 0; n < nOut; n++) R[n * nIn + p] = s[n] * (W[n * nIn + p] - mean);
      }
    } else {
      for (let n = 0; n < nOut; n++) {
        const sp = jacobian(h, n, n);
        for (let p = 0; p < nIn; p++) R[n * nIn + p] = sp * W[n * nIn + p];
      }
    }
    rates.push(R);
  }
  const final = Float64Array.from(costGradientWrtOutput(m.cost.name, z[L - 2], a[L - 1], target));
  return { start, startNeurons, rates, final, widths };
}

/** The factors of the path through `neurons` (one per layer l … L). */
function factorsOf(g: RateGraph, neurons: number[]): number[] {
  const f = [g.start[neurons[0]]];
  for (let d = 1; d < neurons.length; d++) f.push(g.rates[d - 1][neurons[d] * g.widths[d - 1] + neurons[d - 1]]);
  f.push(g.final[neurons[neurons.length - 1]]);
  return f;
}

/** A bounded min-heap on |value| keeping the `capacity` largest, with two integer tags. */
class TopK {
  readonly abs: Float64Array;
  readonly tagA: Int32Array;
  readonly tagB: Int32Array;
  size = 0;
  constructor(readonly capacity: number) {
    this.abs = new Float64Array(capacity);
    this.tagA = new Int32Array(capacity);
    this.tagB = new Int32Array(capacity);
  }
  /** The smallest |value| kept, when full; −1 while there is room (anything is accepted). */
  threshold(): number {
    return this.size < this.capacity ? -1 : this.abs[0];
  }
  /** Keep (absValue, a, b) if it is among the largest; returns whether it was kept. */
  offer(absValue: number, a: number, b: number): boolean {
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.abs[parent] <= absValue) break;
        this.move(parent, i);
        i = parent;
      }
      this.set(i, absValue, a, b);
      return true;
    }
    if (absValue <= this.abs[0]) return false;
    let i = 0; // sift the new value down from the root
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const child = left + 1 < this.size && this.abs[left + 1] < this.abs[left] ? left + 1 : left;
      if (this.abs[child] >= absValue) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, absValue, a, b);
    return true;
  }
  /** Slot indices ordered by |value|, largest first. */
  sortedSlots(): number[] {
    return Array.from({ length: this.size }, (_, s) => s).sort((p, q) => this.abs[q] - this.abs[p]);
  }
  clear(): void {
    this.size = 0;
  }
  private set(i: number, absValue: number, a: number, b: number): void {
    this.abs[i] = absValue;
    this.tagA[i] = a;
    this.tagB[i] = b;
  }
  private move(from: number, to: number): void {
    this.set(to, this.abs[from], this.tagA[from], this.tagB[from]);
  }
}

/** Visit every path (depth-first, partial products left to right); keep the top k and the exact sum. */
function enumerateAll(g: RateGraph, top: number): { best: { neurons: number[] }[]; sum: number } {
  const D = g.rates.length;
  const heap = new TopK(top);
  const kept: number[][] = []; // neuron lists, addressed by the heap's tagA
  const stack = new Int32Array(D + 1);
  let sum = 0;
  const visit = (d: number, n: number, prod: number): void => {
    stack[d] = n;
    if (d === D) {
      const c = prod * g.final[n];
      sum += c;
      const ac = Math.abs(c);
      if (ac > heap.threshold()) {
        const slot = heap.size === heap.capacity ? heap.tagA[0] : kept.length; // reuse the evicted one's
        kept[slot] = Array.from(stack);
        heap.offer(ac, slot, 0);
      }
      return;
    }
    const R = g.rates[d];
    const width = g.widths[d];
    for (let q = 0; q < g.widths[d + 1]; q++) visit(d + 1, q, prod * R[q * width + n]);
  };
  for (const n of g.startNeurons) visit(0, n, g.start[n]);
  const best = heap.sortedSlots().map((s) => ({ neurons: kept[heap.tagA[s]] }));
  return { best, sum };
}

/**
 * The `top` paths of largest |contribution|, exactly, without enumerating: for every neuron of
 * layers l+1 … L the k best suffix products (neuron → cost), then the k best from the start.
 */
function kBest(g: RateGraph, k: number): { neurons: number[] }[] {
  const D = g.rates.length;
  // lists[d]: for each neuron n of layer l+d, up to k entries (value, next neuron, its entry rank).
  const value: Float64Array[] = [];
  const nextNeuron: Int32Array[] = [];
  const nextRank: Int32Array[] = [];
  const count: Int32Array[] = [];
  for (let d = 0; d <= D; d++) {
    const w = g.widths[d];
    value.push(new Float64Array(w * k));
    nextNeuron.push(new Int32Array(w * k));
    nextRank.push(new Int32Array(w * k));
    count.push(new Int32Array(w));
  }
  for (let q = 0; q < g.widths[D]; q++) { // at layer L the suffix is ∂C/∂a^L_q alone
    value[D][q * k] = g.final[q];
    count[D][q] = 1;
  }
  const heap = new TopK(k);
  const carried = new Float64Array(k); // signed values of the heap's slots
  for (let d = D - 1; d >= 0; d--) {
    const R = g.rates[d]; // [width(d+1), width(d)]
    const width = g.widths[d];
    const nextWidth = g.widths[d + 1];
    const neurons = d === 0 ? g.startNeurons : Array.from({ length: width }, (_, n) => n);
    for (const p of neurons) {
      heap.clear();
      for (let n = 0; n < nextWidth; n++) {
        const r = R[n * width + p];
        const ar = Math.abs(r);
        const c = count[d + 1][n];
        for (let t = 0; t < c; t++) {
          const v = value[d + 1][n * k + t];
          const cand = ar * Math.abs(v);
          if (cand <= heap.threshold()) break; // the rest of n's list is smaller still
          // The heap moves entries; remember the signed value by the (n, t) tags instead.
          heap.offer(cand, n, t);
        }
      }
      const slots = heap.sortedSlots();
      slots.forEach((s, rank) => {
        const n = heap.tagA[s];
        const t = heap.tagB[s];
        carried[rank] = R[n * width + p] * value[d + 1][n * k + t];
        nextNeuron[d][p * k + rank] = n;
        nextRank[d][p * k + rank] = t;
      });
      for (let rank = 0; rank < slots.length; rank++) value[d][p * k + rank] = carried[rank];
      count[d][p] = slots.length;
    }
  }
  // Finally multiply by the start rate ∂a^l_n/∂w and keep the k best over the start neurons.
  heap.clear();
  for (const n of g.startNeurons) {
    const as = Math.abs(g.start[n]);
    for (let t = 0; t < count[0][n]; t++) {
      if (as * Math.abs(value[0][n * k + t]) <= heap.threshold()) break;
      heap.offer(as * Math.abs(value[0][n * k + t]), n, t);
    }
  }
  return heap.sortedSlots().map((s) => {
    const neurons = [heap.tagA[s]];
    let t = heap.tagB[s];
    for (let d = 0; d < D; d++) {
      const n = neurons[d];
      neurons.push(nextNeuron[d][n * k + t]);
      t = nextRank[d][n * k + t];
    }
    return { neurons };
  });
}
