/**
 * tensor/kernels/reference — the naive kernels that define what every kernel means.
 *
 * Plain loops, written for obviousness rather than speed, accumulating in float64 locals. Every other
 * backend is tested against this one (test/kernels.test.ts).
 */
import { activate, activatePrime, binaryFn, unaryFn } from './scalar.js';
import type { FloatArray, Kernels } from './types.js';

/** dX [batch, nIn] = delta [batch, nOut] · W [nOut, nIn]: dX[s, k] = Σ_j delta[s, j]·W[j, k]. */
function inputGradient(delta: FloatArray, W: FloatArray, dX: FloatArray, batch: number, nIn: number, nOut: number): void {
  for (let s = 0; s < batch; s++) {
    for (let k = 0; k < nIn; k++) {
      let sx = 0;
      for (let j = 0; j < nOut; j++) sx += delta[s * nOut + j] * W[j * nIn + k];
      dX[s * nIn + k] = sx;
    }
  }
}

/** The reference backend. */
export const referenceKernels: Kernels = {
  name: 'reference',

  matmul(a, b, c, m, n, k, transA, transB, accumulate) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const aip = transA ? a[p * m + i] : a[i * k + p];
          const bpj = transB ? b[j * k + p] : b[p * n + j];
          s += aip * bpj;
        }
        c[i * n + j] = accumulate ? c[i * n + j] + s : s;
      }
    }
  },

  unary(op, x, out, n) {
    const f = unaryFn(op);
    for (let i = 0; i < n; i++) out[i] = f(x[i]);
  },

  binary(op, a, aStrides, b, bStrides, out, outShape) {
    const f = binaryFn(op);
    const rank = outShape.length;
    const total = outShape.reduce((p, d) => p * d, 1);
    const index = new Array<number>(rank).fill(0);
    for (let flat = 0; flat < total; flat++) {
      let ia = 0;
      let ib = 0;
      for (let d = 0; d < rank; d++) {
        ia += index[d] * aStrides[d];
        ib += index[d] * bStrides[d];
      }
      out[flat] = f(a[ia], b[ib]);
      for (let d = rank - 1; d >= 0; d--) {
        if (++index[d] < outShape[d]) break;
        index[d] = 0;
      }
    }
  },

  sumAxis(x, out, outer, mid, inner) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let m = 0; m < mid; m++) s += x[(o * mid + m) * inner + i];
        out[o * inner + i] = s;
      }
    }
  },

  maxAxis(x, out, outer, mid, inner) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let s = -Infinity;
        for (let m = 0; m < mid; m++) s = Math.max(s, x[(o * mid + m) * inner + i]);
        out[o * inner + i] = s;
      }
    }
  },

  gatherRows(src, rowLength, indices, out) {
    for (let r = 0; r < indices.length; r++) {
      for (let c = 0; c < rowLength; c++) out[r * rowLength + c] = src[indices[r] * rowLength + c];
    }
  },

  axpy(alpha, x, y, n) {
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  },

  adamStep(theta, m, v, g, n, beta1, beta2, stepSize, epsilon) {
    // Each operation rounded to the arrays' precision: Math.fround after every float64 operation
    // gives the float32 result exactly (a double holds the exact product or sum of two floats'
    // worth of bits before the one rounding; √ and ÷ are correctly rounded either way).
    const r = theta instanceof Float32Array ? Math.fround : (x: number) => x;
    const b1 = r(beta1), b2 = r(beta2), c1 = r(1 - beta1), c2 = r(1 - beta2), s = r(stepSize), eps = r(epsilon);
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = r(r(b1 * m[i]) + r(c1 * gi));
      const vi = r(r(b2 * v[i]) + r(r(c2 * gi) * gi));
      m[i] = mi;
      v[i] = vi;
      theta[i] = r(theta[i] - r(r(s * mi) / r(r(Math.sqrt(vi)) + eps)));
    }
  },

  softmaxRows(x, out, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(x[r * cols + c] - max);
      for (let c = 0; c < cols; c++) out[r * cols + c] = Math.exp(x[r * cols + c] - max) / total;
    }
  },

  logSoftmaxRows(x, out, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(x[r * cols + c] - max);
      const logTotal = Math.log(total) + max;
      for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] - logTotal;
    }
  },

  argmaxRows(x, out, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < cols; c++) if (x[r * cols + c] > x[r * cols + best]) best = c;
      out[r] = best;
    }
  },

  denseForward(x, W, b, z, a, batch, nIn, nOut, act) {
    for (let s = 0; s < batch; s++) {
      for (let j = 0; j < nOut; j++) {
        let sum = b[j];
        for (let k = 0; k < nIn; k++) sum += W[j * nIn + k] * x[s * nIn + k];
        z[s * nOut + j] = sum;
        a[s * nOut + j] = activate(act, z[s * nOut + j]);
      }
    }
  },

  denseBackward(x, W, z, a, dA, delta, dW, db, dX, batch, nIn, nOut, act, accumulate) {
    for (let i = 0; i < batch * nOut; i++) delta[i] = dA[i] * activatePrime(act, z[i], a[i]);
    for (let j = 0; j < nOut; j++) {
      let sb = 0;
      for (let s = 0; s < batch; s++) sb += delta[s * nOut + j];
      db[j] = accumulate ? db[j] + sb : sb;
      for (let k = 0; k < nIn; k++) {
        let sw = 0;
        for (let s = 0; s < batch; s++) sw += delta[s * nOut + j] * x[s * nIn + k];
        dW[j * nIn + k] = accumulate ? dW[j * nIn + k] + sw : sw;
      }
    }
    if (dX) inputGradient(delta, W, dX, batch, nIn, nOut);
  },

  denseBackwardSgd(x, W, z, a, dA, delta, b, dX, batch, nIn, nOut, act, eta, decay) {
    for (let i = 0; i < batch * nOut; i++) delta[i] = dA[i] * activatePrime(act, z[i], a[i]);
    if (dX) inputGradient(delta, W, dX, batch, nIn, nOut); // before the update: the old W
    for (let j = 0; j < nOut; j++) {
      let sb = 0;
      for (let s = 0; s < batch; s++) sb += delta[s * nOut + j];
      b[j] -= eta * sb;
      for (let k = 0; k < nIn; k++) {
        let sw = 0;
        for (let s = 0; s < batch; s++) sw += delta[s * nOut + j] * x[s * nIn + k];
        W[j * nIn + k] = decay * W[j * nIn + k] - eta * sw;
      }
    }
  },
};
