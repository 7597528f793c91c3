/**
 * bench/plain — the baseline: a plain, straightforward JavaScript training loop over Float32Arrays,
 * the way one would write Nielsen's matrix-based network.py by hand (no sparsity tricks, no
 * unrolling, no fusion). glassbox's speed is reported as a ratio against this, measured in the
 * same run.
 */
import type { Workload } from './workloads.js';

/** A seeded normal generator for the plain loop's own initial weights (mulberry32 + Box–Muller). */
function normalGenerator(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-300)) * Math.cos(2 * Math.PI * uniform());
}

/** A plain network: weights W[l] as [out][in] row-major Float32Arrays. */
export class PlainNetwork {
  W: Float32Array[] = [];
  b: Float32Array[] = [];
  vW: Float32Array[] = [];
  vb: Float32Array[] = [];
  constructor(readonly w: Workload, seed = 1) {
    const normal = normalGenerator(seed);
    for (let l = 1; l < w.sizes.length; l++) {
      const nIn = w.sizes[l - 1];
      const nOut = w.sizes[l];
      const std = w.init === 'large' ? 1 : w.init === 'default' ? 1 / Math.sqrt(nIn) : Math.sqrt(2 / nIn);
      this.W.push(Float32Array.from({ length: nOut * nIn }, () => normal() * std));
      this.b.push(Float32Array.from({ length: nOut }, () => (w.init === 'he' ? 0 : normal())));
      this.vW.push(new Float32Array(nOut * nIn));
      this.vb.push(new Float32Array(nOut));
    }
  }

  /** One mini-batch step on rows x [m, 784] and one-hot y [m, 10]; returns the batch cost. */
  step(x: Float32Array, y: Float32Array, m: number, trainingSize: number): number {
    const { sizes, hidden, output, cost, eta, lambda, momentum } = this.w;
    const L = sizes.length - 1;
    const acts: Float32Array[] = [x];
    const zs: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const a = acts[l];
      const z = new Float32Array(m * nOut);
      const out = new Float32Array(m * nOut);
      for (let s = 0; s < m; s++) {
        for (let j = 0; j < nOut; j++) {
          let sum = this.b[l][j];
          for (let k = 0; k < nIn; k++) sum += this.W[l][j * nIn + k] * a[s * nIn + k];
          z[s * nOut + j] = sum;
        }
      }
      const act = l === L - 1 ? output : hidden;
      if (act === 'softmax') {
        for (let s = 0; s < m; s++) {
          let max = -Infinity;
          for (let j = 0; j < nOut; j++) max = Math.max(max, z[s * nOut + j]);
          let total = 0;
          for (let j = 0; j < nOut; j++) total += (out[s * nOut + j] = Math.exp(z[s * nOut + j] - max));
          for (let j = 0; j < nOut; j++) out[s * nOut + j] /= total;
        }
      } else {
        for (let i = 0; i < m * nOut; i++) out[i] = act === 'relu' ? Math.max(0, z[i]) : 1 / (1 + Math.exp(-z[i]));
      }
      zs.push(z);
      acts.push(out);
    }
    // Output error δ^L and the cost.
    const nL = sizes[L];
    const aL = acts[L];
    let delta = new Float32Array(m * nL);
    let c = 0;
    for (let i = 0; i < m * nL; i++) {
      const d = aL[i] - y[i];
      if (cost === 'quadratic') {
        c += 0.5 * d * d;
        delta[i] = d * aL[i] * (1 - aL[i]);
      } else {
        c += cost === 'log-likelihood' ? -y[i] * Math.log(aL[i] + 1e-12) : -(y[i] * Math.log(aL[i] + 1e-12) + (1 - y[i]) * Math.log(1 - aL[i] + 1e-12));
        delta[i] = d;
      }
    }
    for (let l = L - 1; l >= 0; l--) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const a = acts[l];
      const dW = new Float32Array(nOut * nIn);
      const db = new Float32Array(nOut);
      for (let s = 0; s < m; s++) {
        for (let j = 0; j < nOut; j++) {
          const d = delta[s * nOut + j];
          db[j] += d;
          for (let k = 0; k < nIn; k++) dW[j * nIn + k] += d * a[s * nIn + k];
        }
      }
      if (l > 0) {
        const prev = new Float32Array(m * nIn);
        for (let s = 0; s < m; s++) {
          for (let k = 0; k < nIn; k++) {
            let sum = 0;
            for (let j = 0; j < nOut; j++) sum += this.W[l][j * nIn + k] * delta[s * nOut + j];
            const zk = zs[l - 1][s * nIn + k];
            const ak = acts[l][s * nIn + k];
            prev[s * nIn + k] = sum * (hidden === 'relu' ? (zk > 0 ? 1 : 0) : ak * (1 - ak));
          }
        }
        this.update(l, dW, db, m, trainingSize, eta, lambda, momentum);
        delta = prev;
      } else {
        this.update(l, dW, db, m, trainingSize, eta, lambda, momentum);
      }
    }
    return c / m;
  }

  private update(l: number, dW: Float32Array, db: Float32Array, m: number, n: number, eta: number, lambda: number, momentum: number): void {
    const W = this.W[l];
    const decay = 1 - (eta * lambda) / n;
    for (let i = 0; i < W.length; i++) {
      if (momentum > 0) {
        this.vW[l][i] = momentum * this.vW[l][i] - (eta / m) * dW[i];
        W[i] += this.vW[l][i];
      } else W[i] = decay * W[i] - (eta / m) * dW[i];
    }
    for (let j = 0; j < db.length; j++) {
      if (momentum > 0) {
        this.vb[l][j] = momentum * this.vb[l][j] - (eta / m) * db[j];
        this.b[l][j] += this.vb[l][j];
      } else this.b[l][j] -= (eta / m) * db[j];
    }
  }
}
