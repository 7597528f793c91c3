// Every kernel backend against the reference kernels, on one shared table of cases: random and
// edge shapes (1×1, empty, non-square, k not a multiple of 4/8/16, past the wasm block sizes), all
// transpose combinations, accumulate on and off, sparse inputs, broadcasts, NaN/±∞ edge values; plus
// fast-check over random shapes with integer data, where every backend must agree exactly. Float
// results must lie within a float32 round-off bound of the reference (derived per kernel from the
// magnitudes summed); the wasm backend runs both on arrays in its own memory and on ordinary arrays
// (the copy path), in its relaxed-SIMD and plain-SIMD builds, and over an unshared memory. The wasm
// heap (reuse, growth without detaching, caps and fallbacks) and feature detection are tested last.
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsKernels } from '../src/tensor/kernels/js.js';
import { referenceKernels as ref } from '../src/tensor/kernels/reference.js';
import { kernels as activeKernels, setBackend } from '../src/tensor/kernels/registry.js';
import type { ActivationKind, BinaryOp, Kernels, UnaryOp } from '../src/tensor/kernels/types.js';
import { createWasmKernels, initWasmBackend, wasmInfo, type WasmBackend } from '../src/tensor/kernels/wasm/index.js';
import { encodeIdx, idxToDataset, parseIdx } from '../src/data/idx.js';
import { zeros } from '../src/tensor/ops.js';
import { UnsupportedError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

const EPS = 2 ** -23;
const TINY = 1e-37;
const GUARD = 5;
const SENTINEL = 12345.5;

// ---------------------------------------------------------------------------------------------
// Backends

interface Backend {
  label: string;
  kernels: Kernels;
  /** Storage of n floats the way this backend's users would get it (zeroed). */
  alloc(n: number): Float32Array;
}

const LABELS = ['reference', 'js', 'wasm', 'wasm (ordinary arrays)', 'wasm simd128', 'wasm unshared'] as const;
const backends = new Map<string, Backend>();
let wasmMain: Kernels;
let wasmSmall: WasmBackend;

beforeAll(async () => {
  wasmMain = await initWasmBackend();
  const plain = await createWasmKernels({ relaxedSimd: false }, 'wasm-simd');
  const unshared = await createWasmKernels({ shared: false, unsharedBytes: 8 * 2 ** 20, relaxedSimd: false }, 'wasm-unshared');
  const arena = (k: Kernels) => (n: number) => k.allocate!('float32', n) as Float32Array;
  const plainArray = (n: number) => new Float32Array(n);
  backends.set('reference', { label: 'reference', kernels: ref, alloc: plainArray });
  backends.set('js', { label: 'js', kernels: jsKernels, alloc: plainArray });
  backends.set('wasm', { label: 'wasm', kernels: wasmMain, alloc: arena(wasmMain) });
  backends.set('wasm (ordinary arrays)', { label: 'wasm (ordinary arrays)', kernels: wasmMain, alloc: plainArray });
  backends.set('wasm simd128', { label: 'wasm simd128', kernels: plain.kernels, alloc: arena(plain.kernels) });
  backends.set('wasm unshared', { label: 'wasm unshared', kernels: unshared.kernels, alloc: arena(unshared.kernels) });
  wasmSmall = await createWasmKernels({ maxArenaBytes: 1 << 20 }, 'wasm-small');
});

/** A copy of `src` in the backend's storage, followed by GUARD sentinels (to catch overruns). */
function place(be: Backend, src: ArrayLike<number>): Float32Array {
  const a = be.alloc(src.length + GUARD);
  a.set(src as ArrayLike<number>);
  a.fill(SENTINEL, src.length);
  return a;
}

/** The first `n` elements of a placed array, after checking its guards are untouched. */
function unplace(a: Float32Array, n: number, what: string): Float32Array {
  for (let i = n; i < a.length; i++) {
    if (a[i] !== SENTINEL) throw new Error(`${what}: wrote past its end (element ${i} = ${a[i]})`);
  }
  return a.slice(0, n);
}

// ---------------------------------------------------------------------------------------------
// Data and comparison

interface Gen {
  /** Fraction of exact zeros. */
  zeros?: number;
  /** Small integers (exact arithmetic) instead of normals. */
  int?: boolean;
  scale?: number;
}

function rand(rng: Rng, n: number, g: Gen = {}): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (g.zeros && rng.uniform() < g.zeros) continue;
    a[i] = g.int ? rng.int(7) - 3 : rng.normal(0, g.scale ?? 1);
  }
  return a;
}

/**
 * Make about `off` of z negative (a ReLU unit that did not fire: δ = 0 there), so the backward's
 * sparse-δ path runs (it takes over at ≤ 45 % non-zero δ).
 */
function turnOff(rng: Rng, z: Float32Array, off = 0): void {
  if (off > 0) for (let i = 0; i < z.length; i++) if (rng.uniform() < off) z[i] = -Math.abs(z[i]);
}

/** MNIST-like rows: mostly zero, with runs of non-zeros. */
function strokes(rng: Rng, rows: number, cols: number, density: number): Float32Array {
  const a = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let filled = 0;
    while (filled < density * cols) {
      const start = rng.int(Math.max(1, cols));
      const len = 1 + rng.int(6);
      for (let c = start; c < Math.min(cols, start + len); c++) a[r * cols + c] = rng.uniform();
      filled += len;
    }
  }
  return a;
}

/** Null when every |got − want| ≤ tol(i) (NaN matching NaN, ±∞ matching exactly), else a message. */
function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number): string | null {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) && Number.isNaN(g)) continue;
      return `[${i}] got ${g}, want ${w}`;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g === w) continue;
      return `[${i}] got ${g}, want ${w}`;
    }
    const t = tol(i);
    if (!(Math.abs(g - w) <= t)) return `[${i}] got ${g}, want ${w} (|diff| ${Math.abs(g - w)} > tol ${t})`;
  }
  return null;
}

function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number): void {
  expect(mismatch(got, want, tol), what).toBeNull();
}

/** An input came back unchanged (a fast exact check; toEqual on big typed arrays is slow). */
function expectUnchanged(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(mismatch(got, want, () => 0), `${what} was modified`).toBeNull();
}

// ---------------------------------------------------------------------------------------------
// Case runners (each runs one case on one backend against the reference)

function runMatmul(be: Backend, seed: number, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean, g: Gen): void {
  const rng = new Rng(seed);
  const a = rand(rng, m * k, g), b = rand(rng, k * n, g), c0 = rand(rng, m * n, g);
  const want = c0.slice();
  ref.matmul(a, b, want, m, n, k, transA, transB, accumulate);
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? Math.abs(c0[i * n + j]) : 0;
      for (let p = 0; p < k; p++) {
        s += Math.abs((transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]));
      }
      bound[i * n + j] = s;
    }
  }
  const A = place(be, a), B = place(be, b), C = place(be, c0);
  be.kernels.matmul(A, B, C, m, n, k, transA, transB, accumulate);
  const what = `${be.label} matmul m=${m} n=${n} k=${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} acc=${accumulate}`;
  const got = unplace(C, m * n, what);
  expectUnchanged(`${what} A`, unplace(A, m * k, what), a);
  expectUnchanged(`${what} B`, unplace(B, k * n, what), b);
  expectClose(what, got, want, (i) => (g.int ? 0 : (k + 4) * EPS * bound[i] + TINY));
}

const ACTS: ActivationKind[] = ['linear', 'sigmoid', 'tanh', 'relu'];

function runDenseForward(be: Backend, seed: number, batch: number, nIn: number, nOut: number, act: ActivationKind, x: Float32Array, g: Gen): void {
  const rng = new Rng(seed);
  const W = rand(rng, nOut * nIn, g), b = rand(rng, nOut, g);
  const zWant = new Float32Array(batch * nOut), aWant = new Float32Array(batch * nOut);
  ref.denseForward(x, W, b, zWant, aWant, batch, nIn, nOut, act);
  const bound = new Float64Array(batch * nOut);
  for (let s = 0; s < batch; s++) {
    for (let j = 0; j < nOut; j++) {
      let t = Math.abs(b[j]);
      for (let k = 0; k < nIn; k++) t += Math.abs(W[j * nIn + k] * x[s * nIn + k]);
      bound[s * nOut + j] = t;
    }
  }
  const X = place(be, x), Wp = place(be, W), Bp = place(be, b);
  const Z = place(be, new Float32Array(batch * nOut)), A = place(be, new Float32Array(batch * nOut));
  be.kernels.denseForward(X, Wp, Bp, Z, A, batch, nIn, nOut, act);
  const what = `${be.label} denseForward batch=${batch} nIn=${nIn} nOut=${nOut} ${act}`;
  const exact = g.int && (act === 'linear' || act === 'relu');
  const zTol = (i: number) => (g.int ? 0 : (nIn + 4) * EPS * bound[i] + TINY);
  expectClose(`${what} z`, unplace(Z, batch * nOut, what), zWant, zTol);
  expectClose(`${what} a`, unplace(A, batch * nOut, what), aWant, (i) => (exact ? 0 : zTol(i) + 8 * EPS * Math.abs(aWant[i]) + TINY));
}

/** What the backward kernels' checks share. */
interface VjpOpts {
  act: ActivationKind;
  withDX: boolean;
  /** Pass dA itself as delta (allowed to be overwritten). */
  deltaIsDA: boolean;
  /** Fraction of z made negative (see turnOff). */
  off?: number;
}

interface BackwardOpts extends VjpOpts {
  accumulate: boolean;
}

/** A layer's z (about `o.off` of it made negative) and a = act(z), n values each. */
function layerOutput(rng: Rng, n: number, o: VjpOpts, g: Gen): { z: Float32Array; a: Float32Array } {
  const z = rand(rng, n, g);
  turnOff(rng, z, o.off);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const zi = z[i];
    a[i] = o.act === 'sigmoid' ? 1 / (1 + Math.exp(-zi)) : o.act === 'tanh' ? Math.tanh(zi) : o.act === 'relu' ? Math.max(zi, 0) : zi;
  }
  return { z, a };
}

function runDenseBackward(be: Backend, seed: number, batch: number, nIn: number, nOut: number, x: Float32Array, o: BackwardOpts, g: Gen): void {
  const rng = new Rng(seed);
  const W = rand(rng, nOut * nIn, g);
  const { z, a } = layerOutput(rng, batch * nOut, o, g);
  const dA = rand(rng, batch * nOut, g);
  const dW0 = rand(rng, nOut * nIn, g), db0 = rand(rng, nOut, g);
  // Reference
  const dAw = dA.slice();
  const deltaW = o.deltaIsDA ? dAw : new Float32Array(batch * nOut);
  const dWw = dW0.slice(), dbw = db0.slice();
  const dXw = o.withDX ? new Float32Array(batch * nIn) : null;
  ref.denseBackward(x, W, z, a, dAw, deltaW, dWw, dbw, dXw, batch, nIn, nOut, o.act, o.accumulate);
  // Backend
  const X = place(be, x), Wp = place(be, W), Z = place(be, z), Ap = place(be, a), DA = place(be, dA);
  const D = o.deltaIsDA ? DA : place(be, new Float32Array(batch * nOut));
  const DW = place(be, dW0), DB = place(be, db0);
  const DX = o.withDX ? place(be, new Float32Array(batch * nIn)) : null;
  be.kernels.denseBackward(X, Wp, Z, Ap, DA, D, DW, DB, DX, batch, nIn, nOut, o.act, o.accumulate);
  const what = `${be.label} denseBackward batch=${batch} nIn=${nIn} nOut=${nOut} ${o.act} acc=${o.accumulate} dX=${o.withDX} delta=dA:${o.deltaIsDA} off=${o.off ?? 0}`;
  const delta = unplace(D, batch * nOut, `${what} delta`);
  expectClose(`${what} delta`, delta, deltaW, (i) => (g.int && o.act !== 'sigmoid' && o.act !== 'tanh' ? 0 : 4 * EPS * Math.abs(deltaW[i]) + TINY));
  const exactInts = g.int && (o.act === 'linear' || o.act === 'relu');
  const tolSum = (terms: number, bound: number) => (exactInts ? 0 : (terms + 8) * EPS * bound + TINY);
  const dWGot = unplace(DW, nOut * nIn, `${what} dW`);
  expectClose(`${what} dW`, dWGot, dWw, (i) => {
    const j = Math.floor(i / nIn), k = i % nIn;
    let s = o.accumulate ? Math.abs(dW0[i]) : 0;
    for (let t = 0; t < batch; t++) s += Math.abs(deltaW[t * nOut + j] * x[t * nIn + k]);
    return tolSum(batch, s);
  });
  expectClose(`${what} db`, unplace(DB, nOut, `${what} db`), dbw, (j) => {
    let s = o.accumulate ? Math.abs(db0[j]) : 0;
    for (let t = 0; t < batch; t++) s += Math.abs(deltaW[t * nOut + j]);
    return tolSum(batch, s);
  });
  if (DX && dXw) {
    expectClose(`${what} dX`, unplace(DX, batch * nIn, `${what} dX`), dXw, (i) => {
      const t = Math.floor(i / nIn), k = i % nIn;
      let s = 0;
      for (let j = 0; j < nOut; j++) s += Math.abs(deltaW[t * nOut + j] * W[j * nIn + k]);
      return tolSum(nOut, s);
    });
  }
  expectUnchanged(`${what} x`, unplace(X, batch * nIn, what), x);
  expectUnchanged(`${what} W`, unplace(Wp, nOut * nIn, what), W);
}

interface SgdOpts extends VjpOpts {
  eta: number;
  decay: number;
}

/**
 * denseBackwardSgd against the reference: delta, dX (with the OLD W), and the updated b and W. With
 * integer data and η, decay of the form k/4 every backend must agree exactly for linear and relu.
 */
function runDenseBackwardSgd(be: Backend, seed: number, batch: number, nIn: number, nOut: number, x: Float32Array, o: SgdOpts, g: Gen): void {
  const rng = new Rng(seed);
  const W0 = rand(rng, nOut * nIn, g), b0 = rand(rng, nOut, g);
  const { z, a } = layerOutput(rng, batch * nOut, o, g);
  const dA = rand(rng, batch * nOut, g);
  // Reference
  const dAw = dA.slice();
  const deltaW = o.deltaIsDA ? dAw : new Float32Array(batch * nOut);
  const Ww = W0.slice(), bw = b0.slice();
  const dXw = o.withDX ? new Float32Array(batch * nIn) : null;
  ref.denseBackwardSgd!(x, Ww, z, a, dAw, deltaW, bw, dXw, batch, nIn, nOut, o.act, o.eta, o.decay);
  // Backend
  const X = place(be, x), Wp = place(be, W0), Bp = place(be, b0), Z = place(be, z), Ap = place(be, a), DA = place(be, dA);
  const D = o.deltaIsDA ? DA : place(be, new Float32Array(batch * nOut));
  const DX = o.withDX ? place(be, new Float32Array(batch * nIn)) : null;
  expect(be.kernels.denseBackwardSgd, `${be.label} has denseBackwardSgd`).toBeDefined();
  be.kernels.denseBackwardSgd!(X, Wp, Z, Ap, DA, D, Bp, DX, batch, nIn, nOut, o.act, o.eta, o.decay);
  const what = `${be.label} denseBackwardSgd batch=${batch} nIn=${nIn} nOut=${nOut} ${o.act} dX=${o.withDX} delta=dA:${o.deltaIsDA} eta=${o.eta} decay=${o.decay} off=${o.off ?? 0}`;
  const delta = unplace(D, batch * nOut, `${what} delta`);
  expectClose(`${what} delta`, delta, deltaW, (i) => (g.int && o.act !== 'sigmoid' && o.act !== 'tanh' ? 0 : 4 * EPS * Math.abs(deltaW[i]) + TINY));
  const exactInts = g.int && (o.act === 'linear' || o.act === 'relu');
  const tolSum = (terms: number, bound: number) => (exactInts ? 0 : (terms + 8) * EPS * bound + TINY);
  expectClose(`${what} W`, unplace(Wp, nOut * nIn, `${what} W`), Ww, (i) => {
    const j = Math.floor(i / nIn), k = i % nIn;
    let s = 0;
    for (let t = 0; t < batch; t++) s += Math.abs(deltaW[t * nOut + j] * x[t * nIn + k]);
    return tolSum(batch, Math.abs(o.decay * W0[i]) + o.eta * s);
  });
  expectClose(`${what} b`, unplace(Bp, nOut, `${what} b`), bw, (j) => {
    let s = 0;
    for (let t = 0; t < batch; t++) s += Math.abs(deltaW[t * nOut + j]);
    return tolSum(batch, Math.abs(b0[j]) + o.eta * s);
  });
  if (DX && dXw) {
    expectClose(`${what} dX`, unplace(DX, batch * nIn, `${what} dX`), dXw, (i) => {
      const t = Math.floor(i / nIn), k = i % nIn;
      let s = 0;
      for (let j = 0; j < nOut; j++) s += Math.abs(deltaW[t * nOut + j] * W0[j * nIn + k]);
      return tolSum(nOut, s);
    });
  }
  expectUnchanged(`${what} x`, unplace(X, batch * nIn, what), x);
  expectUnchanged(`${what} z`, unplace(Z, batch * nOut, what), z);
}

/** Broadcast strides of `shape` against `out` (right-aligned; 0 where broadcast). */
function stridesFor(shape: number[], out: number[]): number[] {
  const s = new Array<number>(out.length).fill(0);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const od = out.length - shape.length + d;
    s[od] = shape[d] === 1 && out[od] !== 1 ? 0 : stride;
    stride *= shape[d];
  }
  return s;
}

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

const EDGE = [0, -0, 1, -1, 0.5, -0.5, 1e-30, -1e-30, 1e-8, 0.625, -0.625, 0.7, 3, -3, 9, -9, 20, -20, 40, -40, 88, -88, 89, 100, -100, 1e30, -1e30, Infinity, -Infinity, NaN];

const UNARY_ULPS: Record<UnaryOp, number> = {
  neg: 0, exp: 4, log: 2, sigmoid: 4, tanh: 4, relu: 0, square: 0, sqrt: 0, abs: 0, sign: 0, step: 0,
  reciprocal: 0, softplus: 4, sigmoidPrime: 8, tanhPrime: 8,
};
const UNARY_OPS = Object.keys(UNARY_ULPS) as UnaryOp[];
const BINARY_OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];

// ---------------------------------------------------------------------------------------------
// The table, run on every backend

describe.each(LABELS)('kernels: %s', (label) => {
  const be = () => backends.get(label)!;

  describe('matmul', () => {
    const combos: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
    const shapes: [number, number, number][] = [
      [1, 1, 1], [0, 3, 4], [3, 0, 4], [3, 4, 0], [2, 3, 4], [5, 7, 3], [4, 8, 16], [9, 17, 33],
      [13, 6, 15], [3, 29, 53], [37, 11, 7], [10, 30, 23],
    ];
    for (const [ta, tb] of combos) {
      it(`${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} on edge shapes, accumulate off and on`, () => {
        let seed = 1;
        for (const [m, n, k] of shapes) {
          for (const acc of [false, true]) {
            runMatmul(be(), seed++, m, n, k, ta, tb, acc, {});
            runMatmul(be(), seed++, m, n, k, ta, tb, acc, { int: true, zeros: 0.3 });
          }
        }
      });
      it(`${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} past the block sizes (m 130, k 300) exactly on integers`, () => {
        runMatmul(be(), 7, 130, 21, 300, ta, tb, true, { int: true, zeros: 0.5 });
        runMatmul(be(), 8, 6, 70, 520, ta, tb, false, { int: true });
        runMatmul(be(), 9, 33, 40, 270, ta, tb, false, {});
      });
    }
    it('dense-layer shapes: forward, dW and dX of [784 → 30], batch 10', () => {
      runMatmul(be(), 11, 10, 30, 784, false, true, false, {});
      runMatmul(be(), 12, 30, 784, 10, true, false, false, { zeros: 0.8 });
      runMatmul(be(), 13, 10, 784, 30, false, false, false, {});
    });
    it('random shapes, integer data: exact agreement (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 40 }),
          fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e9 }),
          (m, n, k, ta, tb, acc, seed) => runMatmul(be(), seed, m, n, k, ta, tb, acc, { int: true, zeros: 0.2 }),
        ),
        { seed: 20240611, numRuns: 60 },
      );
    });
  });

  describe('denseForward', () => {
    it('every activation on dense, sparse (MNIST-like) and edge shapes', () => {
      let seed = 100;
      const shapes: [number, number, number][] = [[1, 1, 1], [0, 5, 3], [3, 0, 4], [2, 7, 1], [4, 16, 8], [5, 33, 13], [10, 784, 30], [3, 50, 17]];
      for (const act of ACTS) {
        for (const [batch, nIn, nOut] of shapes) {
          const rng = new Rng(seed++);
          runDenseForward(be(), seed++, batch, nIn, nOut, act, rand(rng, batch * nIn), {});
          runDenseForward(be(), seed++, batch, nIn, nOut, act, strokes(rng, batch, nIn, 0.2), {});
          runDenseForward(be(), seed++, batch, nIn, nOut, act, rand(rng, batch * nIn, { int: true, zeros: 0.85 }), { int: true });
        }
      }
    });
    it('element-sparse inputs like a ReLU layer\'s output (the wasm spmm path: ≤ 35 % non-zero, nIn ≤ 512, batch ≥ 16, ≥ 40 units; the pairs below 40)', () => {
      let seed = 900;
      const shapes: [number, number, number][] = [
        [16, 40, 9], [128, 256, 128], [33, 509, 30], [20, 512, 7], [17, 3, 5], [40, 100, 1], [33, 509, 41], [16, 40, 47], [20, 512, 64],
      ];
      for (const act of ACTS) {
        for (const [batch, nIn, nOut] of shapes) {
          const rng = new Rng(seed++);
          const x = rand(rng, batch * nIn, { zeros: 0.7 }).map((v) => Math.abs(v)); // ReLU outputs: ≥ 0, 30 % non-zero
          x.fill(0, 0, nIn); // a sample with no input at all
          runDenseForward(be(), seed++, batch, nIn, nOut, act, x, {});
          runDenseForward(be(), seed++, batch, nIn, nOut, act, rand(rng, batch * nIn, { int: true, zeros: 0.9 }), { int: true });
        }
      }
    });
    it('batches the threads split by rows (≥ 256, or ≤ 8 units): the pairs sorted within each side', () => {
      let seed = 950;
      for (const [batch, nIn, nOut] of [[300, 784, 30], [257, 40, 12], [40, 60, 5]] as [number, number, number][]) {
        const rng = new Rng(seed++);
        runDenseForward(be(), seed++, batch, nIn, nOut, 'relu', strokes(rng, batch, nIn, 0.2), {});
      }
    });
    it('rows that are entirely zero, and all-zero inputs', () => {
      const x = strokes(new Rng(5), 6, 40, 0.2);
      x.fill(0, 40, 120);
      runDenseForward(be(), 6, 6, 40, 9, 'sigmoid', x, {});
      runDenseForward(be(), 7, 4, 12, 5, 'tanh', new Float32Array(48), {});
    });
    it('random shapes and sparsity (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 20 }),
          fc.constantFrom(0, 0.5, 0.8, 0.95), fc.constantFrom(...ACTS), fc.integer({ min: 0, max: 1e9 }),
          (batch, nIn, nOut, zeroFrac, act, seed) => {
            const x = rand(new Rng(seed + 1), batch * nIn, { int: true, zeros: zeroFrac });
            runDenseForward(be(), seed, batch, nIn, nOut, act, x, { int: true });
          },
        ),
        { seed: 777, numRuns: 60 },
      );
    });
  });

  describe('denseBackward', () => {
    it('every activation, accumulate, dX, delta aliasing dA, on dense and sparse inputs', () => {
      let seed = 200;
      const shapes: [number, number, number][] = [[1, 1, 1], [0, 5, 3], [3, 0, 4], [2, 7, 1], [4, 16, 8], [5, 33, 13], [10, 784, 30], [6, 50, 9]];
      for (const act of ACTS) {
        for (const [batch, nIn, nOut] of shapes) {
          for (const accumulate of [false, true]) {
            const rng = new Rng(seed++);
            const opts = { act, accumulate, withDX: seed % 2 === 0, deltaIsDA: seed % 3 === 0 };
            runDenseBackward(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn), opts, {});
            runDenseBackward(be(), seed++, batch, nIn, nOut, strokes(rng, batch, nIn, 0.2), { ...opts, withDX: !opts.withDX }, {});
            runDenseBackward(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn, { int: true, zeros: 0.85 }), opts, { int: true });
          }
        }
      }
    });
    it('relu with most units off (δ mostly zero: the sparse-δ products), every tail of the 24-column strips', () => {
      let seed = 250;
      const shapes: [number, number, number][] = [[1, 1, 1], [2, 7, 1], [5, 33, 13], [10, 784, 30], [33, 70, 37], [128, 100, 40], [64, 130, 12], [9, 40, 20], [17, 47, 9]];
      for (const [batch, nIn, nOut] of shapes) {
        for (const accumulate of [false, true]) {
          for (const off of [0.75, 0.97]) {
            const rng = new Rng(seed++);
            const opts = { act: 'relu' as const, accumulate, withDX: seed % 2 === 0, deltaIsDA: seed % 3 === 0, off };
            runDenseBackward(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn), opts, {});
            runDenseBackward(be(), seed++, batch, nIn, nOut, strokes(rng, batch, nIn, 0.2), { ...opts, withDX: !opts.withDX }, {});
            runDenseBackward(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn, { int: true }), { ...opts, withDX: true }, { int: true });
          }
        }
      }
    });
    it('random shapes and sparsity (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 20 }),
          fc.constantFrom(0, 0.5, 0.8, 0.95), fc.constantFrom<ActivationKind>('linear', 'relu'),
          fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(0, 0.8), fc.integer({ min: 0, max: 1e9 }),
          (batch, nIn, nOut, zeroFrac, act, accumulate, withDX, deltaIsDA, off, seed) => {
            const x = rand(new Rng(seed + 1), batch * nIn, { int: true, zeros: zeroFrac });
            runDenseBackward(be(), seed, batch, nIn, nOut, x, { act, accumulate, withDX, deltaIsDA, off }, { int: true });
          },
        ),
        { seed: 4242, numRuns: 60 },
      );
    });
  });

  describe('denseBackwardSgd', () => {
    it('every activation, dX or not, delta aliasing dA, decay 1 and < 1, on dense and sparse inputs', () => {
      let seed = 300;
      const shapes: [number, number, number][] = [[1, 1, 1], [0, 5, 3], [3, 0, 4], [2, 7, 1], [4, 16, 8], [5, 33, 13], [10, 784, 30], [10, 100, 10], [6, 50, 9]];
      for (const act of ACTS) {
        for (const [batch, nIn, nOut] of shapes) {
          for (const decay of [1, 0.75]) {
            const rng = new Rng(seed++);
            const opts = { act, withDX: seed % 2 === 0, deltaIsDA: seed % 3 === 0, eta: 0.5, decay };
            runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn), { ...opts, eta: 0.3, decay: decay === 1 ? 1 : 0.9993 }, {});
            runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, strokes(rng, batch, nIn, 0.2), { ...opts, withDX: !opts.withDX }, {});
            runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn, { int: true, zeros: 0.85 }), opts, { int: true });
            runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn, { int: true }), { ...opts, withDX: true }, { int: true });
          }
        }
      }
    });
    it('relu with most units off (the sparse-δ update and x̄), decay 1 and < 1', () => {
      let seed = 350;
      const shapes: [number, number, number][] = [[1, 1, 1], [5, 33, 13], [10, 784, 30], [33, 70, 37], [128, 100, 40]];
      for (const [batch, nIn, nOut] of shapes) {
        for (const decay of [1, 0.75]) {
          const rng = new Rng(seed++);
          const opts = { act: 'relu' as const, withDX: seed % 2 === 0, deltaIsDA: seed % 3 === 0, eta: 0.5, decay, off: 0.8 };
          runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn), { ...opts, eta: 0.3, decay: decay === 1 ? 1 : 0.9993 }, {});
          runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, strokes(rng, batch, nIn, 0.2), { ...opts, withDX: !opts.withDX }, {});
          runDenseBackwardSgd(be(), seed++, batch, nIn, nOut, rand(rng, batch * nIn, { int: true }), { ...opts, withDX: true }, { int: true });
        }
      }
    });
    it('random shapes and sparsity, integer data: exact agreement (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 20 }),
          fc.constantFrom(0, 0.5, 0.8, 0.95), fc.constantFrom<ActivationKind>('linear', 'relu'),
          fc.boolean(), fc.boolean(), fc.constantFrom(0.25, 0.5, 2), fc.constantFrom(1, 0.75, 0.5), fc.constantFrom(0, 0.8), fc.integer({ min: 0, max: 1e9 }),
          (batch, nIn, nOut, zeroFrac, act, withDX, deltaIsDA, eta, decay, off, seed) => {
            const x = rand(new Rng(seed + 1), batch * nIn, { int: true, zeros: zeroFrac });
            runDenseBackwardSgd(be(), seed, batch, nIn, nOut, x, { act, withDX, deltaIsDA, eta, decay, off }, { int: true });
          },
        ),
        { seed: 5151, numRuns: 60 },
      );
    });
  });

  describe('unary', () => {
    for (const op of UNARY_OPS) {
      it(`${op} on random and edge values, every length mod 4`, () => {
        const rng = new Rng(op.length * 31 + 7);
        for (const n of [0, 1, 2, 3, 4, 5, 7, 64, 1001]) {
          const x = rand(rng, n, { scale: 3 });
          if (op === 'log' || op === 'sqrt') for (let i = 0; i < n; i += 2) x[i] = Math.abs(x[i]);
          const cases = [x, Float32Array.from(EDGE)];
          for (const input of cases) {
            const len = input.length;
            const want = new Float32Array(len);
            ref.unary(op, input, want, len);
            const X = place(be(), input), O = place(be(), new Float32Array(len));
            be().kernels.unary(op, X, O, len);
            const what = `${label} unary ${op} n=${len}`;
            // σ' and tanh' are s·(1 − s) and 1 − t² in the reference, which cancel to 0 in float64
            // for |z| ≳ 37: allow the reference's own absolute round-off there.
            const floor = op === 'sigmoidPrime' || op === 'tanhPrime' ? 2 ** -51 : TINY;
            const tol = (i: number) => UNARY_ULPS[op] * EPS * Math.abs(want[i]) + floor;
            expectClose(what, unplace(O, len, what), want, tol);
            // In place (out = x).
            be().kernels.unary(op, X, X, len);
            expectClose(`${what} in place`, unplace(X, len, what), want, tol);
          }
        }
      });
    }
  });

  describe('binary', () => {
    const shapePairs: [number[], number[]][] = [
      [[3, 5], [3, 5]], [[4, 6], [6]], [[6], [4, 6]], [[4, 1], [1, 6]], [[], [5]], [[7], []], [[2, 1, 5], [3, 1]],
      [[2, 3, 4, 5], [3, 1, 5]], [[0, 3], [3]], [[1001], [1001]], [[9, 1], [9, 7]], [[1], [1]], [[2, 3, 1], [2, 3, 1]],
    ];
    for (const op of BINARY_OPS) {
      it(`${op}: same shape, row / column / scalar / 3-d broadcasts, empty; exact`, () => {
        const rng = new Rng(op.charCodeAt(0));
        for (const [sa, sb] of shapePairs) {
          const out = broadcastShape(sa, sb);
          const na = sa.reduce((p, d) => p * d, 1), nb = sb.reduce((p, d) => p * d, 1), no = out.reduce((p, d) => p * d, 1);
          const a = rand(rng, na), b = rand(rng, nb, { zeros: op === 'div' ? 0 : 0.2 });
          if (na > 2) a[1] = NaN;
          if (nb > 3) b[2] = NaN;
          if (na > 3) a[3] = b.length > 3 ? b[3] : 0;
          const aStr = stridesFor(sa, out), bStr = stridesFor(sb, out);
          const want = new Float32Array(no);
          ref.binary(op, a, aStr, b, bStr, want, out);
          const A = place(be(), a), B = place(be(), b), O = place(be(), new Float32Array(no));
          be().kernels.binary(op, A, aStr, B, bStr, O, out);
          const what = `${label} binary ${op} [${sa}] [${sb}]`;
          expectClose(what, unplace(O, no, what), want, () => 0);
        }
      });
    }
  });

  describe('reductions, gather, axpy, softmax, argmax', () => {
    const shapes: [number, number, number][] = [[1, 1, 1], [1, 7, 1], [3, 5, 1], [2, 0, 3], [0, 3, 2], [2, 3, 4], [3, 4, 5], [2, 9, 7], [1, 130, 1], [4, 33, 17]];
    it('sumAxis', () => {
      const rng = new Rng(31);
      for (const [outer, mid, inner] of shapes) {
        const x = rand(rng, outer * mid * inner, { zeros: 0.1 });
        const want = new Float32Array(outer * inner);
        ref.sumAxis(x, want, outer, mid, inner);
        const X = place(be(), x), O = place(be(), new Float32Array(outer * inner));
        be().kernels.sumAxis(X, O, outer, mid, inner);
        const what = `${label} sumAxis ${outer}×${mid}×${inner}`;
        expectClose(what, unplace(O, outer * inner, what), want, (i) => {
          const o = Math.floor(i / inner), c = i % inner;
          let s = 0;
          for (let m = 0; m < mid; m++) s += Math.abs(x[(o * mid + m) * inner + c]);
          return (mid + 2) * EPS * s + TINY;
        });
      }
    });
    it('maxAxis (NaN propagates), exact', () => {
      const rng = new Rng(32);
      for (const [outer, mid, inner] of shapes.filter((s) => s[1] > 0)) {
        const x = rand(rng, outer * mid * inner);
        if (x.length > 5) x[5] = NaN;
        if (x.length > 9) x[9] = -Infinity;
        const want = new Float32Array(outer * inner);
        ref.maxAxis(x, want, outer, mid, inner);
        const X = place(be(), x), O = place(be(), new Float32Array(outer * inner));
        be().kernels.maxAxis(X, O, outer, mid, inner);
        const what = `${label} maxAxis ${outer}×${mid}×${inner}`;
        expectClose(what, unplace(O, outer * inner, what), want, () => 0);
      }
    });
    it('gatherRows, with repeats; exact', () => {
      const rng = new Rng(33);
      for (const [rows, len, count] of [[7, 5, 4], [3, 1, 6], [10, 784, 10], [4, 3, 0], [2, 16, 3]] as const) {
        const src = rand(rng, rows * len);
        const idx = Int32Array.from({ length: count }, () => rng.int(rows));
        const want = new Float32Array(count * len);
        ref.gatherRows(src, len, idx, want);
        const S = place(be(), src), O = place(be(), new Float32Array(count * len));
        be().kernels.gatherRows(S.subarray(0, rows * len), len, idx, O);
        const what = `${label} gatherRows ${rows}×${len} → ${count}`;
        expectClose(what, unplace(O, count * len, what), want, () => 0);
      }
    });
    it('axpy', () => {
      const rng = new Rng(34);
      for (const n of [0, 1, 3, 4, 5, 17, 1000]) {
        const x = rand(rng, n), y = rand(rng, n), alpha = rng.normal();
        const want = y.slice();
        ref.axpy(alpha, x, want, n);
        const X = place(be(), x), Y = place(be(), y);
        be().kernels.axpy(alpha, X, Y, n);
        const what = `${label} axpy n=${n}`;
        expectClose(what, unplace(Y, n, what), want, (i) => 2 * EPS * (Math.abs(y[i]) + Math.abs(alpha * x[i])) + TINY);
      }
    });
    it('adamStep: bit for bit the reference (every operation a float32 rounding), and Kingma & Ba to round-off', () => {
      const rng = new Rng(37);
      for (const n of [0, 1, 3, 4, 5, 17, 1000]) {
        const theta = rand(rng, n), g = rand(rng, n, { zeros: 0.2 }), m = rand(rng, n, { scale: 0.1 });
        const v = rand(rng, n, { scale: 0.1 }).map((x) => x * x); // v ≥ 0, some exactly 0
        const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
        const stepSize = (0.01 * Math.sqrt(1 - beta2 ** 3)) / (1 - beta1 ** 3);
        const want = [theta.slice(), m.slice(), v.slice()];
        ref.adamStep(want[0], want[1], want[2], g, n, beta1, beta2, stepSize, eps, n);
        const T = place(be(), theta), M = place(be(), m), V = place(be(), v), G = place(be(), g);
        be().kernels.adamStep(T, M, V, G, n, beta1, beta2, stepSize, eps, n);
        const what = `${label} adamStep n=${n}`;
        expectClose(`${what} θ`, unplace(T, n, what), want[0], () => 0);
        expectClose(`${what} m`, unplace(M, n, what), want[1], () => 0);
        expectClose(`${what} v`, unplace(V, n, what), want[2], () => 0);
        expectUnchanged(`${what} g`, unplace(G, n, what), g);
        // The reference itself against the update computed in double precision.
        for (let i = 0; i < n; i++) {
          const mi = beta1 * m[i] + (1 - beta1) * g[i];
          const vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
          const step = (stepSize * mi) / (Math.sqrt(vi) + eps);
          expect(Math.abs(want[1][i] - mi), `${what} m[${i}]`).toBeLessThanOrEqual(4 * EPS * (Math.abs(beta1 * m[i]) + Math.abs(g[i])) + TINY);
          expect(Math.abs(want[0][i] - (theta[i] - step)), `${what} θ[${i}]`).toBeLessThanOrEqual(
            2 * EPS * Math.abs(theta[i]) + 1e-5 * Math.abs(step) + TINY,
          );
        }
      }
    });
    it('softmaxRows and logSoftmaxRows (large values, −∞ entries, one column)', () => {
      const rng = new Rng(35);
      for (const [rows, cols] of [[1, 1], [3, 10], [4, 7], [2, 1], [5, 33], [0, 4], [2, 130]] as const) {
        const x = rand(rng, rows * cols, { scale: 4 });
        if (x.length > 3) x[1] = 1000;
        if (x.length > 8) x[7] = -Infinity;
        for (const kind of ['softmaxRows', 'logSoftmaxRows'] as const) {
          const want = new Float32Array(rows * cols);
          ref[kind](x, want, rows, cols);
          const X = place(be(), x), O = place(be(), new Float32Array(rows * cols));
          be().kernels[kind](X, O, rows, cols);
          const what = `${label} ${kind} ${rows}×${cols}`;
          const rowScale = (i: number) => {
            const r = Math.floor(i / cols);
            let m = 0;
            for (let c = 0; c < cols; c++) if (Number.isFinite(x[r * cols + c])) m = Math.max(m, Math.abs(x[r * cols + c]));
            return m;
          };
          expectClose(what, unplace(O, rows * cols, what), want, (i) =>
            kind === 'softmaxRows'
              ? (cols + 8) * EPS * Math.abs(want[i]) + TINY
              : (cols + 8) * EPS + 4 * EPS * (Math.abs(want[i]) + rowScale(i)),
          );
        }
      }
    });
    it('argmaxRows (first on ties, NaN never wins); exact', () => {
      const rng = new Rng(36);
      for (const [rows, cols] of [[1, 1], [4, 10], [6, 3], [3, 17]] as const) {
        const x = rand(rng, rows * cols, { int: true });
        x[0] = NaN;
        const want = new Int32Array(rows);
        ref.argmaxRows(x, want, rows, cols);
        const got = new Int32Array(rows);
        be().kernels.argmaxRows(place(be(), x), got, rows, cols);
        expect(Array.from(got), `${label} argmaxRows ${rows}×${cols}`).toEqual(Array.from(want));
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The wasm backend's own machinery

describe('wasm backend', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    setBackend('js');
  });

  it('reports its build; relaxed SIMD is found in Node (via the V8 flag where needed)', () => {
    const info = wasmInfo();
    expect(info.initialised).toBe(true);
    expect(info.relaxedSimd).toBe(true);
    expect(info.sharedMemory).toBe(true);
  });

  it('hands out zeroed views into its memory and reuses released blocks, zeroed again', () => {
    const a = wasmMain.allocate!('float32', 100) as Float32Array;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(a).every((v) => v === 0)).toBe(true);
    a.fill(7);
    const offset = a.byteOffset;
    wasmMain.release!(a);
    const b = wasmMain.allocate!('float32', 100) as Float32Array;
    expect(b.byteOffset).toBe(offset);
    expect(Array.from(b).every((v) => v === 0)).toBe(true);
    wasmMain.release!(b);
    wasmMain.release!(b); // twice is harmless
    expect(wasmMain.allocate!('float64', 3)).toBeInstanceOf(Float64Array);
  });

  it('grows its shared memory without detaching earlier views', () => {
    const first = wasmMain.allocate!('float32', 1000) as Float32Array;
    first.fill(3);
    const before = wasmInfo().heap!.memoryBytes;
    const big: Float32Array[] = [];
    for (let i = 0; i < 12; i++) big.push(wasmMain.allocate!('float32', 2 ** 20) as Float32Array); // 48 MiB
    expect(wasmInfo().heap!.memoryBytes).toBeGreaterThan(before);
    expect(first.length).toBe(1000);
    expect(first[999]).toBe(3);
    // Old and new views both still work in place.
    const out = wasmMain.allocate!('float32', 1000) as Float32Array;
    wasmMain.unary('neg', first, out, 1000);
    expect(out[500]).toBe(-3);
    big[11][5] = 2;
    wasmMain.axpy(2, big[11], big[11], 8);
    expect(big[11][5]).toBe(6);
    for (const b of big) wasmMain.release!(b);
  });

  it('falls back to ordinary arrays past its arena cap, and stays correct', () => {
    const k = wasmSmall.kernels;
    const held: Float32Array[] = [];
    for (let i = 0; i < 6; i++) held.push(k.allocate!('float32', 65536) as Float32Array); // 6 × 256 KiB > 1 MiB
    expect(held.some((h) => !(h.buffer instanceof SharedArrayBuffer))).toBe(true);
    expect(wasmSmall.heap.stats().fallbacks).toBeGreaterThan(0);
    const be: Backend = { label: 'wasm past cap', kernels: k, alloc: (n) => k.allocate!('float32', n) as Float32Array };
    runMatmul(be, 1, 20, 30, 40, false, true, false, {});
    runDenseBackward(be, 2, 5, 33, 7, strokes(new Rng(3), 5, 33, 0.2), { act: 'sigmoid', accumulate: true, withDX: true, deltaIsDA: false }, {});
    for (const h of held) k.release!(h);
    expect(wasmSmall.heap.stats().liveBytes).toBe(0);
  });

  it('data sets go in the memory past the arena cap (allocateDataset), and gathers from them run in wasm', () => {
    const k = wasmSmall.kernels;
    const data = k.allocateDataset!(3 * 2 ** 18) as Float32Array; // 3 MiB against a 1 MiB arena
    expect(wasmSmall.heap.owns(data)).toBe(true);
    expect(wasmSmall.heap.stats().uncappedBytes).toBeGreaterThanOrEqual(3 * 2 ** 20);
    expect(wasmSmall.heap.stats().liveBytes).toBe(0); // not counted against the arena's cap
    const held = k.allocate!('float32', 65536) as Float32Array; // so the arena still has room
    expect(wasmSmall.heap.owns(held)).toBe(true);
    for (let i = 0; i < data.length; i++) data[i] = i % 1000;
    const rows = new Int32Array([5, 0, 3071, 17]); // rows of 256 floats
    const out = k.allocate!('float32', 4 * 256) as Float32Array;
    k.gatherRows(data, 256, rows, out);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 256; c++) expect(out[r * 256 + c]).toBe((rows[r] * 256 + c) % 1000);
    for (const a of [data, held, out]) k.release!(a);
    expect(wasmSmall.heap.stats().uncappedBytes).toBe(0);
    expect(backends.get('wasm unshared')!.kernels.allocateDataset!(1000)).toBeNull(); // a fixed memory stays for tensors
  });

  it('an IDX data set loads into the wasm memory when the wasm backend is active', () => {
    const images = parseIdx(encodeIdx([6, 2, 2], Array.from({ length: 24 }, (_, i) => i * 10)), 'images', 3);
    const labels = parseIdx(encodeIdx([6], [0, 1, 2, 0, 1, 2]), 'labels', 1);
    setBackend('wasm');
    try {
      const ds = idxToDataset({ images, labels, imagesName: 'images', labelsName: 'labels' }, 1, 5, { name: 'tiny', classes: 3 });
      expect(ds.x.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(ds.x.dataSync())).toEqual(Array.from({ length: 16 }, (_, i) => Math.fround(((i + 4) * 10) / 255)));
    } finally {
      setBackend('js');
    }
  });

  it('tensor allocation goes through the active backend', () => {
    const live = wasmInfo().heap!.liveBlocks;
    setBackend('wasm');
    expect(activeKernels().name).toBe('wasm');
    const t = zeros([3, 40]);
    expect(t.dataSync().buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasmInfo().heap!.liveBlocks).toBe(live + 1);
    setBackend('js');
    expect(zeros([3]).dataSync().buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('throws UnsupportedError naming SIMD when the runtime lacks it', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    await expect(createWasmKernels()).rejects.toThrow(UnsupportedError);
    await expect(createWasmKernels()).rejects.toThrow(/SIMD/);
  });
});
