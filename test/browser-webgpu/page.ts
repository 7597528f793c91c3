/**
 * test/browser-webgpu/page — the WebGPU exactness tests, run inside a page (run.mjs bundles this
 * file and opens it in headless Chromium on SwiftShader, or on any real adapter).
 *
 * Every WGSL kernel is compared with the reference backend (src/tensor/kernels/reference.ts, float64
 * accumulation) on random and edge shapes, within bounds derived from float32 round-off; the GPU
 * trainer is compared batch by batch with the CPU engine (backprop + sgd, and `fit` itself).
 * Results are reported as console lines `GBTEST {json}` that run.mjs prints and counts.
 */
import { sequential, type Sequential } from '../../src/nn/model.js';
import { adam, sgd } from '../../src/optim/optimizers.js';
import { backprop } from '../../src/rules/backprop.js';
import { directFeedbackAlignment } from '../../src/rules/direct-feedback-alignment.js';
import { feedbackAlignment } from '../../src/rules/feedback-alignment.js';
import { fit, type EpochRecord, type TrainState } from '../../src/train/fit.js';
import { fitWebGpu, type FitWebGpuOptions } from '../../src/train/fit-webgpu.js';
import { evaluate } from '../../src/train/evaluate.js';
import { datasetFromArrays, type Dataset } from '../../src/data/types.js';
import { gatherRows, norm, tensor } from '../../src/tensor/ops.js';
import { referenceKernels as ref } from '../../src/tensor/kernels/reference.js';
import { activate, activatePrime, softplus } from '../../src/tensor/kernels/scalar.js';
import type { ActivationKind } from '../../src/tensor/kernels/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  WebGpuContext, WebGpuKernels, createWebGpuTrainer, requestWebGpuDevice,
  TILES, gemmVectorLoads, isVec4Tile,
  type CostKind, type GpuArray, type OutputActivation, type TileChoice, type TileName,
} from '../../src/tensor/kernels/webgpu/index.js';

const EPS = 2 ** -23; // float32 unit round-off (relative spacing at 1)
const ACTS: ActivationKind[] = ['linear', 'sigmoid', 'tanh', 'relu'];

type Report = { kind: 'test'; name: string; ok: boolean; detail: string } | { kind: 'info'; text: string } | { kind: 'skip'; reason: string };

function report(r: Report): void {
  console.log(`GBTEST ${JSON.stringify(r)}`);
}

let passed = 0;
let failed = 0;
// ?only=TEXT (node.mjs: GLASSBOX_ONLY=TEXT) runs only the tests whose name contains TEXT: for work
// on one kernel. The runners still require every test they expect, so CI never sets it.
const only = new URLSearchParams(location.search).get('only');

async function test(name: string, body: () => Promise<string | void>): Promise<void> {
  if (only !== null && !name.includes(only)) return;
  const t0 = performance.now();
  try {
    const detail = (await body()) ?? '';
    passed++;
    const seconds = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    report({ kind: 'test', name, ok: true, detail: detail ? `${detail} (${seconds})` : seconds });
  } catch (e) {
    failed++;
    report({ kind: 'test', name, ok: false, detail: (e as Error).stack ?? String(e) });
  }
}

function info(text: string): void {
  report({ kind: 'info', text });
}

/** Fail unless |got[i] − want[i]| ≤ tol(i) for every i; returns the largest |error| / tol. */
function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number): number {
  if (got.length < want.length) throw new Error(`${what}: got ${got.length} values, expected ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const t = tol(i);
    if (!(err <= t)) throw new Error(`${what}[${i}]: got ${got[i]}, expected ${want[i]} (|error| ${err.toExponential(2)} > tolerance ${t.toExponential(2)})`);
    if (t > 0) worst = Math.max(worst, err / t);
  }
  return worst;
}

function expectEqual(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

function random(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

const abs = (a: Float32Array) => a.map(Math.abs);

/** Bound on the float32 error of C = op(A)·op(B): (k + 4)·ε·(|A|·|B|) per element (naive summation). */
function matmulTolerance(a: Float32Array, b: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, c0?: Float32Array): Float64Array {
  const t = new Float64Array(m * n);
  ref.matmul(abs(a), abs(b), t, m, n, k, transA, transB, false);
  for (let i = 0; i < t.length; i++) t[i] = (k + 4) * EPS * (t[i] + (c0 ? Math.abs(c0[i]) : 0)) + 1e-30;
  return t;
}

async function main(): Promise<void> {
  let ctx: WebGpuContext;
  try {
    ctx = await WebGpuContext.create();
  } catch (e) {
    report({ kind: 'skip', reason: (e as Error).message });
    return;
  }
  info(`adapter: ${ctx.describe()}`);
  const k = new WebGpuKernels(ctx);
  const rng = new Rng(2024);
  const up = (a: Float32Array | Int32Array | Uint32Array) => ctx.upload(a);
  const read = (a: GpuArray, n?: number) => ctx.readFloats(a, n);
  /**
   * C (+)= op(A) · op(B) on random data from `r` with `kernels` (and `tile`, if given) against the
   * reference; returns the largest error as a fraction of its round-off bound.
   */
  const checkMatmul = async (
    kernels: WebGpuKernels, r: Rng, [m, n, kk]: readonly [number, number, number],
    transA: boolean, transB: boolean, accumulate: boolean, tile?: TileName,
  ): Promise<number> => {
    const a = random(r, m * kk);
    const b = random(r, kk * n);
    const c0 = random(r, m * n);
    const want = Float32Array.from(c0);
    ref.matmul(a, b, want, m, n, kk, transA, transB, accumulate);
    const [ga, gb, gc] = [a, b, c0].map(up);
    kernels.matmul(ga, gb, gc, m, n, kk, transA, transB, accumulate, tile);
    const got = await read(gc, m * n);
    const tol = matmulTolerance(a, b, m, n, kk, transA, transB, accumulate ? c0 : undefined);
    const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} C ${m}×${n}×${kk}`;
    const worst = expectClose(label, got, want, (i) => tol[i] + EPS * Math.abs(want[i]));
    [ga, gb, gc].forEach((g) => ctx.release(g));
    return worst;
  };

  // ---------------------------------------------------------------- matmul, every transpose and tile
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [17, 33, 65], [64, 64, 64], [70, 130, 40], [150, 260, 21], [0, 5, 3], [4, 6, 0]];
  // Every tile with every transpose pair; C += on alternate ones, so each pair is tried both ways
  // (each variant is one pipeline to compile, which takes seconds on SwiftShader).
  const tiles: TileName[] = ['small', 'deep', 'medium', 'large', 'huge'];
  for (const [t, tile] of tiles.entries()) {
    for (const [p, [transA, transB]] of ([[false, false], [false, true], [true, false], [true, true]] as const).entries()) {
      {
        const accumulate = (t + p) % 2 === 1;
        const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${accumulate ? '+=' : ''}`;
        await test(`matmul ${label} ${tile} tile on ${shapes.map((s) => s.join('×')).join(', ')}`, async () => {
          let worst = 0;
          for (const shape of shapes) worst = Math.max(worst, await checkMatmul(k, rng, shape, transA, transB, accumulate, tile));
          return `worst error ${(worst * 100).toFixed(1)}% of bound`;
        });
      }
    }
  }

  // ---------------------------------------------------------------- the 'huge4' tile (vec4 loads, register prefetch)
  // Shapes not multiples of 128 (M, N) or 16 (K), K not a multiple of 4, several K slices; the
  // vec4 loads are chosen per operand from its stored row length (gemmVectorLoads), so these
  // shapes run vec4, scalar and mixed variants; a second set forces scalar loads on aligned shapes.
  const shapes4: [number, number, number][] = [...shapes, [132, 136, 36], [257, 131, 100], [130, 260, 44]];
  const countVec4 = ([m, n, kk]: readonly [number, number, number], transA: boolean, transB: boolean) => {
    const v = gemmVectorLoads('huge4', transA ? m : kk, transB ? kk : n);
    return (v.vec4A ? 1 : 0) + (v.vec4B ? 1 : 0);
  };
  const rng4 = new Rng(4096); // its own stream, so the tests after these draw the same data as before
  for (const [vec4, list] of [[true, shapes4], [false, [[132, 136, 36], [64, 64, 64], [128, 256, 48]]]] as const) {
    const k4 = new WebGpuKernels(ctx, { tiles: 'huge4', vec4 });
    for (const [p, [transA, transB]] of ([[false, false], [false, true], [true, false], [true, true]] as const).entries()) {
      const accumulate = p % 2 === (vec4 ? 1 : 0);
      const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${accumulate ? '+=' : ''}`;
      await test(`matmul ${label} huge4 tile, ${vec4 ? 'vec4 loads where rows allow' : 'scalar loads forced'}, on ${list.map((s) => s.join('×')).join(', ')}`, async () => {
        let worst = 0;
        let vecOperands = 0;
        for (const shape of list) {
          worst = Math.max(worst, await checkMatmul(k4, rng4, shape, transA, transB, accumulate));
          if (vec4) vecOperands += countVec4(shape, transA, transB);
        }
        if (vec4 && vecOperands === 0) throw new Error('no shape used vec4 loads');
        return `worst error ${(worst * 100).toFixed(1)}% of bound; ${vecOperands} of ${2 * list.length} operands read as vec4`;
      });
    }
  }

  // ---------------------------------------------------------------- the other vec4 tiles (shapes, unrolling, warp layout)
  // Shapes that end mid-tile for BM, BN of 64 and 128 and mid-slice for BK 16, with several slices;
  // vec4 loads where rows allow.
  const shapesV: [number, number, number][] = [[1, 1, 1], [70, 130, 40], [257, 300, 100], [132, 136, 36], [64, 260, 97]];
  const variants = (Object.keys(TILES) as TileName[]).filter((t) => isVec4Tile(t) && t !== 'huge4');
  const rngV = new Rng(65536);
  for (const tile of variants) {
    const kv = new WebGpuKernels(ctx, { tiles: tile });
    await test(`matmul NN, NT, TN+=, TT+= ${tile} tile (${TILES[tile].BM}×${TILES[tile].BN}, ${TILES[tile].BK} deep) on ${shapesV.map((s) => s.join('×')).join(', ')}`, async () => {
      let worst = 0;
      for (const [p, [transA, transB]] of ([[false, false], [false, true], [true, false], [true, true]] as const).entries()) {
        const accumulate = p >= 2;
        for (const shape of shapesV) worst = Math.max(worst, await checkMatmul(kv, rngV, shape, transA, transB, accumulate));
      }
      return `worst error ${(worst * 100).toFixed(1)}% of bound`;
    });
  }

  // ---------------------------------------------------------------- dense forward (bias + activation)
  const forwardRuns: [ActivationKind, WebGpuKernels, string][] = ACTS.map((act) => [act, k, '']);
  for (const act of ['relu', 'sigmoid'] as const) forwardRuns.push([act, new WebGpuKernels(ctx, { tiles: 'huge4' }), ' huge4 tile']);
  for (const [act, kf, tileLabel] of forwardRuns) {
    await test(`denseForward ${act}${tileLabel} (z and a) on 1×1→1, 5×13→7, 33×70→40, 0 rows${tileLabel ? ', 130×68→132 (vec4), 131×70→129' : ''}`, async () => {
      const list = [[1, 1, 1], [5, 13, 7], [33, 70, 40], [0, 4, 3]];
      if (tileLabel) list.push([130, 68, 132], [131, 70, 129]);
      for (const [batch, nIn, nOut] of list) {
        const x = random(rng, batch * nIn, 2);
        const W = random(rng, nOut * nIn);
        const b = random(rng, nOut);
        const z = new Float32Array(batch * nOut);
        const a = new Float32Array(batch * nOut);
        ref.denseForward(x, W, b, z, a, batch, nIn, nOut, act);
        const [gx, gW, gb, gz, ga] = [x, W, b, z, a].map(up);
        kf.denseForward(gx, gW, gb, gz, ga, batch, nIn, nOut, act);
        const tolZ = matmulTolerance(x, W, batch, nOut, nIn, false, true);
        for (let j = 0; j < tolZ.length; j++) tolZ[j] += (nIn + 4) * EPS * Math.abs(b[j % nOut]);
        expectClose(`z ${batch}×${nIn}→${nOut}`, await read(gz, batch * nOut), z, (i) => tolZ[i]);
        // a = act(z): the error in z, times |act'| ≤ 1, plus the activation's own rounding (≤ 64 ulp).
        expectClose(`a ${batch}×${nIn}→${nOut}`, await read(ga, batch * nOut), a, (i) => tolZ[i] + 64 * EPS * Math.abs(a[i]) + 1e-7);
      }
    });
  }

  // ---------------------------------------------------------------- dense backward (delta, dW, db, dX)
  const backwardRuns: [ActivationKind, boolean, WebGpuKernels, string][] = [];
  for (const act of ACTS) for (const accumulate of [false, true]) backwardRuns.push([act, accumulate, k, '']);
  for (const act of ['relu', 'tanh'] as const) backwardRuns.push([act, act === 'relu', new WebGpuKernels(ctx, { tiles: 'huge4' }), ' huge4 tile']);
  for (const [act, accumulate, kb, tileLabel] of backwardRuns) {
    {
      await test(`denseBackward ${act}${accumulate ? ' accumulate' : ''}${tileLabel}: delta, dW, db, dX on 1×1→1, 6×9→5, 40×70→33 (and no dX)${tileLabel ? ', 132×68→36' : ''}`, async () => {
        const list: (readonly [number, number, number, boolean])[] = [[1, 1, 1, true], [6, 9, 5, true], [40, 70, 33, true], [7, 5, 3, false]];
        if (tileLabel) list.push([132, 68, 36, true]);
        for (const [batch, nIn, nOut, withDX] of list) {
          const x = random(rng, batch * nIn);
          const W = random(rng, nOut * nIn);
          const zIn = random(rng, batch * nOut, 3);
          const aIn = zIn.map((v) => activate(act, v));
          const dA = random(rng, batch * nOut);
          const dW0 = random(rng, nOut * nIn);
          const db0 = random(rng, nOut);
          const delta = new Float32Array(batch * nOut);
          const dW = Float32Array.from(dW0);
          const db = Float32Array.from(db0);
          const dX = new Float32Array(batch * nIn);
          ref.denseBackward(x, W, zIn, aIn, dA, delta, dW, db, withDX ? dX : null, batch, nIn, nOut, act, accumulate);
          const g = [x, W, zIn, aIn, dA, new Float32Array(batch * nOut), dW0, db0, new Float32Array(batch * nIn)].map(up);
          kb.denseBackward(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], withDX ? g[8] : null, batch, nIn, nOut, act, accumulate);
          // act'(z) from a in float32: 1 − a² (tanh) loses up to ε·a² to cancellation, so the bound is
          // relative to |dA|·(a² + |act'|), not to |delta|.
          const tolDelta = Float32Array.from(dA, (d, i) => 4 * EPS * Math.abs(d) * (aIn[i] * aIn[i] + Math.abs(activatePrime(act, zIn[i], aIn[i]))) + 1e-30);
          expectClose('delta', await read(g[5], batch * nOut), delta, (i) => tolDelta[i]);
          // dW, db and dX are products of the GPU's delta, so its error (tolDelta) carries into them:
          // Σ_r tolDelta[r, j]·|x[r, i]| (dW), Σ_r tolDelta[r, j] (db), Σ_j tolDelta[r, j]·|W[j, i]| (dX).
          const carried = (b: Float32Array, m: number, n: number, kk: number, transA: boolean) => {
            const c = new Float32Array(m * n);
            ref.matmul(tolDelta, abs(b), c, m, n, kk, transA, false, false);
            return c;
          };
          const tolW = matmulTolerance(delta, x, nOut, nIn, batch, true, false, accumulate ? dW0 : undefined);
          const carriedW = carried(x, nOut, nIn, batch, true);
          expectClose('dW', await read(g[6], nOut * nIn), dW, (i) => tolW[i] + carriedW[i] + 4 * EPS * Math.abs(dW[i]));
          const onesB = new Float32Array(batch).fill(1);
          const tolB = matmulTolerance(onesB, delta, 1, nOut, batch, false, false, accumulate ? db0 : undefined);
          const carriedB = carried(onesB, nOut, 1, batch, true);
          expectClose('db', await read(g[7], nOut), db, (i) => tolB[i] + carriedB[i] + 4 * EPS * Math.abs(db[i]));
          if (withDX) {
            const tolX = matmulTolerance(delta, W, batch, nIn, nOut, false, false);
            const carriedX = carried(W, batch, nIn, nOut, false);
            expectClose('dX', await read(g[8], batch * nIn), dX, (i) => tolX[i] + carriedX[i] + 4 * EPS * Math.abs(dX[i]));
          }
          g.forEach((a) => ctx.release(a));
        }
      });
    }
  }

  // ---------------------------------------------------------------- column sums with 0 rows, many rows
  await test('columnSums: 0 rows (zeros), 1×1, 1000×3, accumulate', async () => {
    for (const [rows, cols, accumulate] of [[0, 4, false], [1, 1, false], [1000, 3, false], [37, 300, true]] as const) {
      const x = random(rng, rows * cols);
      const out0 = random(rng, cols);
      const want = new Float32Array(cols);
      ref.sumAxis(x, want, 1, rows, cols);
      if (accumulate) for (let j = 0; j < cols; j++) want[j] += out0[j];
      const [gx, go] = [x, out0].map(up);
      k.columnSums(gx, go, rows, cols, accumulate);
      const tol = matmulTolerance(new Float32Array(rows).fill(1), x, 1, cols, rows, false, false, accumulate ? out0 : undefined);
      expectClose(`sums ${rows}×${cols}`, await read(go, cols), want, (i) => tol[i] + 2 * EPS * Math.abs(want[i]));
    }
  });

  // ---------------------------------------------------------------- SGD / momentum / L2 update
  for (const [momentum, decay] of [[0, 0], [0.9, 0], [0, 0.01], [0.5, 0.002]] as const) {
    await test(`sgdUpdate μ=${momentum} λ/n=${decay} on 1, 1000 elements`, async () => {
      for (const n of [1, 1000]) {
        const theta = random(rng, n);
        const grad = random(rng, n);
        const v = random(rng, n, 0.1);
        const eta = 0.3;
        const wantT = Float32Array.from(theta);
        const wantV = Float32Array.from(v);
        // optim/sgd's sequence: g += (λ/n)θ; v = μv; v += −ηg; θ += v   (or θ += −ηg)
        const g = Float32Array.from(grad);
        ref.axpy(decay, theta, g, n);
        if (momentum > 0) {
          for (let i = 0; i < n; i++) wantV[i] *= momentum;
          ref.axpy(-eta, g, wantV, n);
          ref.axpy(1, wantV, wantT, n);
        } else {
          ref.axpy(-eta, g, wantT, n);
        }
        const [gt, gg, gv] = [theta, grad, v].map(up);
        k.sgdUpdate(gt, gg, momentum > 0 ? gv : null, n, { eta, momentum, decay });
        expectClose('theta', await read(gt, n), wantT, (i) => 8 * EPS * (Math.abs(theta[i]) + Math.abs(wantV[i]) + eta * Math.abs(g[i])) + 1e-30);
        if (momentum > 0) expectClose('v', await read(gv, n), wantV, (i) => 8 * EPS * (Math.abs(v[i]) + eta * Math.abs(g[i])) + 1e-30);
      }
    });
  }
  await test('sgdUpdate on 16,777,960 elements (more than 65,535 workgroups: a 2-D grid)', async () => {
    const n = 65535 * 256 + 1000;
    const theta = new Float32Array(n);
    const grad = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      theta[i] = (i % 1000) / 1000;
      grad[i] = ((i * 7) % 13) - 6;
    }
    const want = new Float32Array(n);
    for (let i = 0; i < n; i++) want[i] = theta[i] - 0.25 * grad[i];
    const [gt, gg] = [theta, grad].map(up);
    k.sgdUpdate(gt, gg, null, n, { eta: 0.25 });
    const got = await read(gt, n);
    expectClose('theta', got, want, (i) => 4 * EPS * (Math.abs(theta[i]) + 0.25 * Math.abs(grad[i])));
    ctx.release(gt);
    ctx.release(gg);
  });

  // ---------------------------------------------------------------- softmax, log-softmax, argmax, accuracy, gather
  await test('softmaxRows / logSoftmaxRows: 1×1, 7×10, 300×3 with |x| ≤ 80, 0 rows', async () => {
    for (const [rows, cols, scale] of [[1, 1, 1], [7, 10, 5], [300, 3, 80], [0, 5, 1]]) {
      const x = random(rng, rows * cols, scale);
      const s = new Float32Array(rows * cols);
      const ls = new Float32Array(rows * cols);
      ref.softmaxRows(x, s, rows, cols);
      ref.logSoftmaxRows(x, ls, rows, cols);
      const gx = up(x);
      const gs = ctx.array(rows * cols);
      const gl = ctx.array(rows * cols);
      k.softmaxRows(gx, gs, rows, cols);
      k.logSoftmaxRows(gx, gl, rows, cols);
      // exp/log of WGSL: a few ulp, growing with |x − max| (≤ 2·scale); log-softmax adds |log Σ| rounding.
      expectClose(`softmax ${rows}×${cols}`, await read(gs, rows * cols), s, (i) => (16 + 4 * scale) * EPS * Math.abs(s[i]) + 1e-37);
      expectClose(`logSoftmax ${rows}×${cols}`, await read(gl, rows * cols), ls, (i) => 16 * EPS * (Math.abs(ls[i]) + scale + 1));
    }
  });
  await test('argmaxRows (first on ties) and countCorrect: 1×1, 9×4 with ties, 1000×10', async () => {
    for (const [rows, cols, ties] of [[1, 1, false], [9, 4, true], [1000, 10, false]] as const) {
      const x = ties ? Float32Array.from({ length: rows * cols }, () => rng.int(3)) : random(rng, rows * cols);
      const want = new Int32Array(rows);
      ref.argmaxRows(x, want, rows, cols);
      const labels = Int32Array.from({ length: rows }, () => rng.int(cols));
      let correct = 0;
      for (let r = 0; r < rows; r++) if (want[r] === labels[r]) correct++;
      const gx = up(x);
      const go = ctx.array(rows, 'i32');
      k.argmaxRows(gx, go, rows, cols);
      expectEqual(`argmax ${rows}×${cols}`, await ctx.read(go, rows), want);
      const count = ctx.zeros(1, 'u32');
      k.countCorrect(gx, up(labels), count, rows, cols);
      expectEqual('correct', await ctx.read(count, 1), [correct]);
    }
  });
  await test('gatherRows: repeated and out-of-order indices, rows of 1 and 37', async () => {
    for (const [n, len, rows] of [[5, 1, 8], [50, 37, 20]]) {
      const src = random(rng, n * len);
      const idx = Int32Array.from({ length: rows }, () => rng.int(n));
      const want = new Float32Array(rows * len);
      ref.gatherRows(src, len, idx, want);
      const out = ctx.array(rows * len);
      k.gatherRows(up(src), len, up(idx), out, rows);
      expectEqual('rows', await read(out, rows * len), want);
    }
  });

  // ---------------------------------------------------------------- output layer: cost + δ^L + correct
  const pairs: [CostKind, OutputActivation][] = [
    ['quadratic', 'sigmoid'], ['quadratic', 'tanh'], ['quadratic', 'relu'], ['quadratic', 'linear'], ['quadratic', 'softmax'],
    ['cross-entropy', 'sigmoid'], ['log-likelihood', 'softmax'],
  ];
  for (const [cost, act] of pairs) {
    await test(`output layer ${cost} + ${act}: cost sum, δ^L, correct on 1×1, 10×10, 300×7, 0 rows`, async () => {
      for (const [rows, C] of [[1, 1], [10, 10], [300, 7], [0, 3]]) {
        const z = random(rng, rows * C, 6);
        const labels = Int32Array.from({ length: rows }, () => rng.int(C));
        const y = new Float32Array(rows * C);
        labels.forEach((c, r) => (y[r * C + c] = 1));
        const want = outputReference(z, y, labels, rows, C, cost, act);
        const delta = ctx.array(rows * C);
        const metrics = ctx.zeros(2, 'u32');
        k.outputLayer(up(z), up(y), up(labels), delta, metrics, rows, C, cost, act);
        const m = await ctx.read(metrics, 2);
        const costSum = new Float32Array(m.buffer)[0];
        const scale = want.absCostSum + rows * C;
        expectClose('cost sum', [costSum], [want.costSum], () => 64 * EPS * scale);
        expectEqual('correct', [m[1]], [want.correct]);
        expectClose('delta', await read(delta, rows * C), want.delta, (i) => 64 * EPS * (Math.abs(want.delta[i]) + 1 / rows) + 1e-37);
      }
    });
  }

  // ---------------------------------------------------------------- the trainer against the CPU engine
  interface TrainCase {
    name: string; sizes: number[]; hidden: ActivationKind; output: OutputActivation; cost: CostKind;
    batch: number; n: number; eta: number; momentum: number; lambda: number; l1?: number; adam?: boolean; tiles?: TileChoice;
    /** The dynamics monitor on every this many batches: its gradient norms checked against the CPU's. */
    monitor?: number;
  }
  const cases: TrainCase[] = [
    { name: 'sigmoid/sigmoid quadratic, monitored', sizes: [12, 8, 4], hidden: 'sigmoid', output: 'sigmoid', cost: 'quadratic', batch: 10, n: 95, eta: 3, momentum: 0, lambda: 0, monitor: 3 },
    { name: 'relu/softmax log-likelihood, momentum 0.9', sizes: [12, 10, 6, 4], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 16, n: 100, eta: 0.05, momentum: 0.9, lambda: 0 },
    { name: 'tanh/sigmoid cross-entropy, L2 λ=5', sizes: [12, 7, 4], hidden: 'tanh', output: 'sigmoid', cost: 'cross-entropy', batch: 8, n: 64, eta: 0.5, momentum: 0, lambda: 5 },
    { name: 'linear/softmax quadratic, momentum + L2', sizes: [12, 9, 4], hidden: 'linear', output: 'softmax', cost: 'quadratic', batch: 7, n: 50, eta: 0.4, momentum: 0.5, lambda: 1 },
    { name: 'one layer, linear output, quadratic', sizes: [12, 4], hidden: 'relu', output: 'linear', cost: 'quadratic', batch: 5, n: 33, eta: 0.02, momentum: 0, lambda: 0 },
    { name: 'sigmoid/softmax log-likelihood, momentum + L2 + L1 λ₁=3, monitored', sizes: [12, 9, 4], hidden: 'sigmoid', output: 'softmax', cost: 'log-likelihood', batch: 6, n: 40, eta: 0.5, momentum: 0.5, lambda: 1, l1: 3, monitor: 2 },
    { name: 'relu/softmax log-likelihood, Adam + L2', sizes: [12, 10, 6, 4], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 8, n: 70, eta: 0.01, momentum: 0, lambda: 1, adam: true },
    // Monitored with Adam: layer 2's update binds 8 storage arrays (δ, x, the order, W, b, m|v of each, the norms), WebGPU's default limit.
    { name: 'huge4uw tile: tanh/sigmoid cross-entropy, Adam + L1, monitored', sizes: [16, 12, 8], hidden: 'tanh', output: 'sigmoid', cost: 'cross-entropy', batch: 8, n: 60, eta: 0.02, momentum: 0, lambda: 0, l1: 2, adam: true, tiles: 'huge4uw', monitor: 3 },
    // Every product on the 'huge4' tile: forward (gather, bias + activation), δ (act'), update (ones
    // column, gather, momentum, L2); rows of 10 and 6 give scalar loads, 12 vec4 ones.
    { name: 'huge4 tile: relu/softmax log-likelihood, momentum 0.9', sizes: [12, 10, 6, 4], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 16, n: 100, eta: 0.05, momentum: 0.9, lambda: 0, tiles: 'huge4' },
    // All stored rows a multiple of 4 (16, 12, 8, batch 8): vec4 loads in every product.
    { name: 'huge4 tile, vec4 loads: tanh/sigmoid cross-entropy, momentum + L2', sizes: [16, 12, 8], hidden: 'tanh', output: 'sigmoid', cost: 'cross-entropy', batch: 8, n: 60, eta: 0.5, momentum: 0.5, lambda: 5, tiles: 'huge4' },
    // chooseTile's vec4 picks for big and mid-sized products, every product on them.
    { name: 'huge4uw tile: relu/softmax log-likelihood, momentum + L2', sizes: [12, 10, 6, 4], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 16, n: 100, eta: 0.05, momentum: 0.9, lambda: 1, tiles: 'huge4uw' },
    { name: 'large4 tile, vec4 loads: sigmoid/sigmoid quadratic, momentum', sizes: [16, 12, 8], hidden: 'sigmoid', output: 'sigmoid', cost: 'quadratic', batch: 8, n: 60, eta: 2, momentum: 0.5, lambda: 0, tiles: 'large4' },
    // The 8 × 16-thread tile (128 × 64), every product on it, with vec4 loads in every product.
    { name: 'huge4h tile, vec4 loads: relu/softmax log-likelihood, momentum + L2, monitored', sizes: [16, 12, 8], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 8, n: 60, eta: 0.05, momentum: 0.9, lambda: 1, tiles: 'huge4h', monitor: 1 },
    // The scalar 128 × 128 tile, monitored: its reduction goes through As and Bs (floats, not vec4s).
    { name: 'huge tile: relu/softmax log-likelihood, L2, monitored', sizes: [12, 10, 6, 4], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 16, n: 100, eta: 0.05, momentum: 0, lambda: 1, tiles: 'huge', monitor: 4 },
  ];
  for (const c of cases) {
    await test(`trainer ${c.name} ${JSON.stringify(c.sizes)} batch ${c.batch}, n ${c.n}: every batch cost and the weights after each part of an epoch equal the CPU engine's`, async () => {
      const data = toyData(new Rng(c.n), c.n, c.sizes[0], c.sizes[c.sizes.length - 1]);
      const model = sequential({ sizes: c.sizes, activation: c.hidden, output: c.output, cost: c.cost, rng: 7 });
      const cpu = model.clone();
      const optimizer = c.adam
        ? adam({ eta: c.eta, lambda: c.lambda, l1: c.l1, trainingSize: c.n })
        : sgd({ eta: c.eta, momentum: c.momentum, lambda: c.lambda, l1: c.l1, trainingSize: c.n });
      const params = cpu.parameters();
      const state = optimizer.init(params);
      const trainer = await createWebGpuTrainer(model, data, {
        context: ctx, batchSize: c.batch, eta: c.eta, momentum: c.momentum, lambda: c.lambda, l1: c.l1, adam: c.adam ? {} : undefined, tiles: c.tiles, monitorEvery: c.monitor,
      });
      const order = new Rng(11).permutation(c.n);
      const batches = Math.ceil(c.n / c.batch);
      const split = Math.max(1, Math.floor(batches / 2));
      let worst = 0;
      let first = 0;
      let monitored = 0;
      for (const count of [split, batches - split]) {
        if (count === 0) continue;
        const r = await trainer.runEpoch(order, { firstBatch: first, batches: count });
        const norms = [...(r.gradientNorms ?? [])];
        for (let b = first; b < first + count; b++) {
          const idx = order.subarray(b * c.batch, Math.min(c.n, (b + 1) * c.batch));
          const step = backprop.step(cpu, { x: gatherRows(data.x, idx), y: gatherRows(data.y, idx) }, null, new Rng(0));
          if (c.monitor && b % c.monitor === 0) {
            // ‖∂C/∂W‖, ‖∂C/∂b‖ of this batch's cost, before the step (and before L2/L1), per layer.
            const got = norms.shift();
            if (!got || got.batch !== b) throw new Error(`batch ${b}: expected its gradient norms, got ${JSON.stringify(got)}`);
            const want = step.grads.map((g) => norm(g));
            expectClose(`batch ${b} ‖∂C/∂W‖`, got.gradW, want.filter((_, k) => k % 2 === 0), (k) => 1e-4 * want[2 * k] + 1e-7);
            expectClose(`batch ${b} ‖∂C/∂b‖`, got.gradB, want.filter((_, k) => k % 2 === 1), (k) => 1e-4 * want[2 * k + 1] + 1e-7);
            monitored++;
          }
          optimizer.step(params, step.grads, state);
          const got = r.batchCosts[b - first];
          if (!(Math.abs(got - step.cost) <= 2e-5 * (Math.abs(step.cost) + 1))) throw new Error(`batch ${b + 1}: GPU cost ${got}, CPU cost ${step.cost}`);
        }
        if (norms.length > 0 || (!c.monitor && r.gradientNorms)) throw new Error(`unexpected gradient norms ${JSON.stringify(norms)}`);
        first += count;
        const gpuParams = await trainer.readParameters();
        // Float32 training: both sides round differently at every step; the gap stays at the level
        // of a few ulp × steps × the size of the parameters.
        gpuParams.forEach((g, i) => {
          const want = params[i].value.dataSync();
          const scale = Math.max(...Array.from(want, Math.abs), 1);
          worst = Math.max(worst, expectClose(`${params[i].name} after ${first} batches`, g, want, () => 2e-6 * scale));
        });
      }
      const gpuEval = await trainer.evaluate();
      const cpuEval = evaluate(cpu, data);
      expectClose('evaluate cost', [gpuEval.cost], [cpuEval.cost], () => 2e-5 * (cpuEval.cost + 1));
      if (gpuEval.correct !== cpuEval.correct) throw new Error(`evaluate: GPU ${gpuEval.correct} correct, CPU ${cpuEval.correct}`);
      const target = model.clone();
      await trainer.copyToModel(target);
      const gpuNow = await trainer.readParameters();
      target.parameters().forEach((p, i) => expectEqual(`copyToModel ${p.name}`, p.value.dataSync(), gpuNow[i]));
      trainer.destroy();
      return `worst weight gap ${(worst * 100).toFixed(1)}% of tolerance; ${trainer.dispatchesPerBatch} dispatches per batch${c.monitor ? `; gradient norms of ${monitored} batches within 1e-4` : ''}`;
    });
  }

  await test('trainer epoch equals fit() (same permutation, every batch cost, final weights, validation accuracy)', async () => {
    const n = 120;
    const data = toyData(new Rng(5), n, 12, 4);
    const validation = toyData(new Rng(6), 40, 12, 4);
    const model = sequential({ sizes: [12, 16, 4], activation: 'sigmoid', output: 'softmax', cost: 'log-likelihood', rng: 3 });
    const cpu = model.clone();
    const costs: number[] = [];
    const result = await fit(cpu, data, {
      epochs: 1, batchSize: 10, rng: new Rng(42), validation, optimizer: sgd({ eta: 0.5, momentum: 0.5 }),
      onEvent: (e) => {
        if (e.type === 'batch') costs.push(e.cost);
      },
    });
    // fit draws the rule's generator first (rng.fork()), then the epoch's permutation.
    const r = new Rng(42);
    r.fork();
    const order = r.permutation(n);
    const trainer = await createWebGpuTrainer(model, data, { context: ctx, batchSize: 10, eta: 0.5, momentum: 0.5 });
    const epoch = await trainer.runEpoch(order);
    expectClose('batch costs', epoch.batchCosts, costs, (i) => 2e-5 * (costs[i] + 1));
    expectClose('train cost', [epoch.cost], [result.history[0].trainCost], () => 2e-5);
    const gpu = await trainer.readParameters();
    cpu.parameters().forEach((p, i) => expectClose(p.name, gpu[i], p.value.dataSync(), () => 2e-5 * Math.max(1, ...Array.from(p.value.dataSync(), Math.abs))));
    const v = await trainer.evaluate(validation);
    if (v.correct !== result.history[0].validation!.correct) throw new Error(`validation: GPU ${v.correct} correct, fit ${result.history[0].validation!.correct}`);
    expectClose('validation cost', [v.cost], [result.history[0].validation!.cost], () => 2e-5 * (v.cost + 1));
    trainer.destroy();
  });

  await test('trainer alignEvery on a network without hidden layers: its one update is backprop\'s (0°, ratio 1) on each monitored batch, across calls', async () => {
    const data = toyData(new Rng(17), 45, 12, 4);
    const lines: string[] = [];
    for (const rule of ['feedback-alignment', 'direct-feedback-alignment'] as const) {
      const model = sequential({ sizes: [12, 4], activation: 'sigmoid', output: 'softmax', cost: 'log-likelihood', rng: 5 });
      const trainer = await createWebGpuTrainer(model, data, { context: ctx, batchSize: 4, eta: 0.5, feedback: { rule, matrices: [null] }, alignEvery: 2 });
      const order = new Rng(3).permutation(45); // 12 batches, the last of 1 row: batches 0, 2, …, 10 monitored
      const first = await trainer.runEpoch(order, { batches: 5 });
      const rest = await trainer.runEpoch(order, { firstBatch: 5 });
      const seen = [...(first.alignment ?? []), ...(rest.alignment ?? [])];
      if (seen.map((a) => a.batch).join() !== '0,2,4,6,8,10') throw new Error(`${rule}: monitored batches ${seen.map((a) => a.batch).join()}`);
      for (const a of seen) if (a.angle.length !== 1 || a.angle[0] !== 0 || a.normRatio[0] !== 1) throw new Error(`${rule}: batch ${a.batch}: ${JSON.stringify(a)}`);
      trainer.destroy();
      lines.push(`${rule}: batches ${seen.map((a) => a.batch).join(', ')} at 0°`);
    }
    return lines.join('; ');
  });

  // ---------------------------------------------------------------- fitWebGpu: fit's loop on the GPU
  {
    const n = 130; // 13 batches of 10: calls of 4 batches end mid-epoch and cross epoch ends
    const data = toyData(new Rng(15), n, 12, 4);
    const validation = toyData(new Rng(16), 40, 12, 4);
    const net = () => sequential({ sizes: [12, 16, 8, 4], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', rng: 4 });
    const gpuRun = { epochs: 3, batchSize: 10, eta: 0.2, momentum: 0.7, lambda: 2, rng: 77, validation, context: ctx, batchesPerCall: 4 };
    const paramsOf = (m: Sequential) => m.parameters().map((p) => Float32Array.from(p.value.dataSync()));
    const scale = (w: ArrayLike<number>) => Math.max(1, ...Array.from(w, Math.abs));
    /**
     * fitWebGpu with `options`, its stop signal raised at global step `step` (it stops at the end of
     * that call): the last checkpoint state — copied as saveCheckpoint copies it, since the loop goes
     * on changing its own — the run's result, and the batch costs it emitted.
     */
    const stopAt = async (model: Sequential, options: FitWebGpuOptions, step: number) => {
      const controller = new AbortController();
      let saved: TrainState | undefined;
      const costs: number[] = [];
      const result = await fitWebGpu(model, data, {
        ...options, signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'batch') {
            costs.push(e.cost);
            if (e.step === step) controller.abort();
          }
          if (e.type === 'checkpoint') {
            const st = e.state;
            saved = {
              ...st, history: st.history.map((h) => ({ ...h })),
              optimizer: { step: st.optimizer.step, buffers: st.optimizer.buffers.map((b) => b.map((t) => tensor(Float32Array.from(t.dataSync()), [...t.shape]))) },
            };
          }
        },
      });
      if (!saved) throw new Error(`no checkpoint after the stop at step ${step}`);
      return { saved: saved as TrainState, result, costs };
    };
    let whole: { model: Sequential; costs: number[]; history: EpochRecord[] } | undefined;

    await test('fitWebGpu equals fit (same rng draws, batch costs, weights, validation) and emits fit\'s events', async () => {
      const cpu = net();
      const cpuCosts: number[] = [];
      const cpuResult = await fit(cpu, data, {
        epochs: 3, batchSize: 10, rng: 77, validation, optimizer: sgd({ eta: 0.2, momentum: 0.7, lambda: 2, trainingSize: n }),
        onEvent: (e) => { if (e.type === 'batch') cpuCosts.push(e.cost); },
      });
      const model = net();
      const costs: number[] = [];
      const types: string[] = [];
      const result = await fitWebGpu(model, data, { ...gpuRun, onEvent: (e) => { types.push(e.type); if (e.type === 'batch') costs.push(e.cost); } });
      whole = { model, costs, history: result.history };
      expectClose('batch costs', costs, cpuCosts, (i) => 1e-4 * (cpuCosts[i] + 1));
      const gpu = paramsOf(model);
      cpu.parameters().forEach((p, i) => expectClose(p.name, gpu[i], p.value.dataSync(), () => 2e-5 * scale(p.value.dataSync())));
      result.history.forEach((h, e) => {
        const c = cpuResult.history[e];
        expectClose(`epoch ${e + 1} train cost`, [h.trainCost], [c.trainCost], () => 2e-5 * (c.trainCost + 1));
        if (h.validation!.correct !== c.validation!.correct) throw new Error(`epoch ${e + 1} validation: GPU ${h.validation!.correct} correct, fit ${c.validation!.correct}`);
      });
      if (result.state.step !== 39 || result.state.epoch !== 3 || result.stopped) throw new Error(`state ${JSON.stringify({ step: result.state.step, epoch: result.state.epoch, stopped: result.stopped })}`);
      if (result.state.optimizer.step !== cpuResult.state.optimizer.step) throw new Error(`optimizer step ${result.state.optimizer.step}, fit ${cpuResult.state.optimizer.step}`);
      const velocities = result.state.optimizer.buffers.map((b) => b[0].dataSync());
      cpuResult.state.optimizer.buffers.forEach((b, i) => expectClose(`velocity ${i}`, velocities[i], b[0].dataSync(), () => 2e-5 * scale(b[0].dataSync())));
      const want = ['start', ...Array.from({ length: 3 }, () => [...Array(13).fill('batch'), 'epoch', 'checkpoint']).flat(), 'end'];
      if (types.join() !== want.join()) throw new Error(`events ${types.join()}`);
      return `${costs.length} batches; final weights within 2e-5 × max|w| of fit's`;
    });

    await test('fitWebGpu stopped mid-epoch and resumed from its checkpoint state gives the uninterrupted run\'s weights bit for bit; fit resumes the same state', async () => {
      if (!whole) throw new Error('needs the previous test');
      const first = net();
      const { saved, result: stoppedRun, costs } = await stopAt(first, gpuRun, 18); // epoch 2, batch 5
      // Calls of 4 batches: epoch 2's second call runs steps 18–21 (batches 5–8); the stop comes after it.
      if (!stoppedRun.stopped || saved.step !== 21 || saved.epoch !== 1 || saved.batchInEpoch !== 8) {
        throw new Error(`stopped ${stoppedRun.stopped} at ${JSON.stringify({ step: saved.step, epoch: saved.epoch, batchInEpoch: saved.batchInEpoch })}`);
      }
      const snapshot = paramsOf(first);
      const resumed = net();
      resumed.parameters().forEach((p, i) => p.value.dataSync().set(snapshot[i]));
      const rest = await fitWebGpu(resumed, data, { ...gpuRun, resume: saved, onEvent: (e) => { if (e.type === 'batch') costs.push(e.cost); } });
      paramsOf(resumed).forEach((w, i) => expectEqual(`resumed ${resumed.parameters()[i].name}`, w, paramsOf(whole!.model)[i]));
      expectEqual('batch costs', costs, whole.costs);
      rest.history.forEach((h, e) => {
        if (h.trainCost !== whole!.history[e].trainCost) throw new Error(`epoch ${e + 1}: train cost ${h.trainCost}, uninterrupted ${whole!.history[e].trainCost}`);
      });
      // The same checkpoint resumed by fit on the CPU: the same batches, so weights within float32 round-off.
      const onCpu = net();
      onCpu.parameters().forEach((p, i) => p.value.dataSync().set(snapshot[i]));
      await fit(onCpu, data, { epochs: 3, batchSize: 10, rng: 77, validation, resume: saved, optimizer: sgd({ eta: 0.2, momentum: 0.7, lambda: 2, trainingSize: n }) });
      onCpu.parameters().forEach((p, i) => expectClose(`fit from the GPU checkpoint: ${p.name}`, p.value.dataSync(), paramsOf(whole!.model)[i], () => 2e-5 * scale(p.value.dataSync())));
      return 'stopped at step 21 (epoch 2, batch 8); resumed bit-identical on the GPU, within 2e-5 × max|w| by fit';
    });

    await test('fitWebGpu with Adam (+ L2, L1) equals fit with adam; stopped and resumed, bit-identical; fit resumes its state', async () => {
      const run = { epochs: 2, batchSize: 10, eta: 0.01, adam: {}, lambda: 2, l1: 1, rng: 78, validation, context: ctx, batchesPerCall: 4 };
      const cpuAdam = () => adam({ eta: 0.01, lambda: 2, l1: 1, trainingSize: n });
      const cpu = net();
      const cpuResult = await fit(cpu, data, { epochs: 2, batchSize: 10, rng: 78, validation, optimizer: cpuAdam() });
      const model = net();
      const result = await fitWebGpu(model, data, run);
      const gpu = paramsOf(model);
      cpu.parameters().forEach((p, i) => expectClose(p.name, gpu[i], p.value.dataSync(), () => 2e-5 * scale(p.value.dataSync())));
      if (result.state.optimizer.step !== 26 || cpuResult.state.optimizer.step !== 26) throw new Error(`optimizer steps ${result.state.optimizer.step}, fit ${cpuResult.state.optimizer.step}`);
      result.state.optimizer.buffers.forEach((list, i) => list.forEach((b, k) => {
        const want = cpuResult.state.optimizer.buffers[i][k].dataSync();
        expectClose(`${k === 0 ? 'm' : 'v'} of parameter ${i}`, b.dataSync(), want, () => 1e-4 * scale(want) + 1e-9);
      }));
      // Stopped after step 9 (calls of 4: steps 9–12 finish first), then resumed on the GPU and by fit.
      const first = net();
      const { saved } = await stopAt(first, run, 9);
      if (saved.step !== 12 || saved.optimizer.step !== 12 || saved.optimizer.buffers[0].length !== 2) throw new Error(`stop state ${JSON.stringify({ step: saved.step, optimizer: saved.optimizer.step })}`);
      const snapshot = paramsOf(first);
      const resumed = net();
      resumed.parameters().forEach((p, i) => p.value.dataSync().set(snapshot[i]));
      await fitWebGpu(resumed, data, { ...run, resume: saved });
      paramsOf(resumed).forEach((w, i) => expectEqual(`resumed ${resumed.parameters()[i].name}`, w, gpu[i]));
      const onCpu = net();
      onCpu.parameters().forEach((p, i) => p.value.dataSync().set(snapshot[i]));
      await fit(onCpu, data, { epochs: 2, batchSize: 10, rng: 78, validation, resume: saved, optimizer: cpuAdam() });
      onCpu.parameters().forEach((p, i) => expectClose(`fit from the GPU's Adam state: ${p.name}`, p.value.dataSync(), gpu[i], () => 2e-5 * scale(p.value.dataSync())));
      return '26 Adam steps within 2e-5 × max|w| of fit; stopped at step 12, resumed bit-identical';
    });

    await test('fitWebGpu --monitor dynamics: each epoch\'s mean ‖∂C/∂W^l‖, ‖∂C/∂b^l‖ equal fit\'s (every 3rd batch, across calls)', async () => {
      if (!whole) throw new Error('needs the first fitWebGpu test');
      const monitor = { dynamics: true, every: 3 };
      const cpu = net();
      const cpuResult = await fit(cpu, data, { epochs: 3, batchSize: 10, rng: 77, validation, monitor, optimizer: sgd({ eta: 0.2, momentum: 0.7, lambda: 2, trainingSize: n }) });
      const model = net();
      const result = await fitWebGpu(model, data, { ...gpuRun, monitor });
      // The monitor only observes: the weights are those of the unmonitored run, bit for bit.
      paramsOf(model).forEach((w, i) => expectEqual(`monitored ${model.parameters()[i].name}`, w, paramsOf(whole!.model)[i]));
      let worst = 0;
      result.history.forEach((h, e) => {
        const want = cpuResult.history[e].dynamics!;
        if (!h.dynamics || h.dynamics.length !== 3) throw new Error(`epoch ${e + 1}: dynamics ${JSON.stringify(h.dynamics)}`);
        h.dynamics.forEach((d, l) => {
          if (d.layer !== want[l].layer) throw new Error(`epoch ${e + 1}: layer ${d.layer}, fit's ${want[l].layer}`);
          worst = Math.max(worst, expectClose(`epoch ${e + 1} layer ${d.layer} ‖∂C/∂W‖, ‖∂C/∂b‖`, [d.gradW, d.gradB], [want[l].gradW, want[l].gradB], (k) => 1e-4 * [want[l].gradW, want[l].gradB][k]));
        });
      });
      return `3 epochs × 3 layers; worst gap ${(worst * 100).toFixed(1)}% of 1e-4 relative`;
    });

    for (const rule of [feedbackAlignment(), directFeedbackAlignment()]) {
      await test(`fitWebGpu with ${rule.name} equals fit with it (the same fixed matrices, batch costs, weights); stopped and resumed, bit-identical`, async () => {
        const run = { ...gpuRun, epochs: 2, rule };
        const cpu = net();
        const cpuCosts: number[] = [];
        const cpuResult = await fit(cpu, data, {
          epochs: 2, batchSize: 10, rng: 77, validation, rule, optimizer: sgd({ eta: 0.2, momentum: 0.7, lambda: 2, trainingSize: n }),
          onEvent: (e) => { if (e.type === 'batch') cpuCosts.push(e.cost); },
        });
        const model = net();
        const costs: number[] = [];
        const result = await fitWebGpu(model, data, { ...run, onEvent: (e) => { if (e.type === 'batch') costs.push(e.cost); } });
        expectClose('batch costs', costs, cpuCosts, (i) => 1e-4 * (cpuCosts[i] + 1));
        const gpu = paramsOf(model);
        cpu.parameters().forEach((p, i) => expectClose(p.name, gpu[i], p.value.dataSync(), () => 2e-5 * scale(p.value.dataSync())));
        result.history.forEach((h, e) => {
          if (h.validation!.correct !== cpuResult.history[e].validation!.correct) throw new Error(`epoch ${e + 1} validation: GPU ${h.validation!.correct}, fit ${cpuResult.history[e].validation!.correct}`);
        });
        // Not backprop: the same run with backprop's δ ends elsewhere (the rule is in effect).
        const viaBackprop = net();
        await fitWebGpu(viaBackprop, data, { ...gpuRun, epochs: 2 });
        const apart = paramsOf(viaBackprop)[0].some((w, k) => Math.abs(w - gpu[0][k]) > 1e-3);
        if (!apart) throw new Error(`W2 after ${rule.name} equals W2 after backprop`);
        // Stopped after step 6 (calls of 4: steps 5–8 finish first) and resumed: the matrices are redrawn the same.
        const first = net();
        const { saved } = await stopAt(first, run, 6);
        if (saved.step !== 8) throw new Error(`stop state ${JSON.stringify({ step: saved.step })}`);
        const resumed = net();
        const snapshot = paramsOf(first);
        resumed.parameters().forEach((p, i) => p.value.dataSync().set(snapshot[i]));
        await fitWebGpu(resumed, data, { ...run, resume: saved });
        paramsOf(resumed).forEach((w, i) => expectEqual(`resumed ${resumed.parameters()[i].name}`, w, gpu[i]));
        return `26 steps within 2e-5 × max|w| of fit with ${rule.name}; stopped at step 8, resumed bit-identical`;
      });

      await test(`fitWebGpu with ${rule.name} --monitor alignment,dynamics: each epoch's mean angle to ∂C/∂W^l and length ratio equal fit's (every 3rd batch, across calls); weights as unmonitored; the same records after a stop and resume`, async () => {
        const monitor = { dynamics: true, alignment: true, every: 3 };
        const run = { ...gpuRun, epochs: 2, rule };
        const cpuResult = await fit(net(), data, {
          epochs: 2, batchSize: 10, rng: 77, validation, rule, monitor, optimizer: sgd({ eta: 0.2, momentum: 0.7, lambda: 2, trainingSize: n }),
        });
        const plain = net();
        await fitWebGpu(plain, data, run);
        const model = net();
        const result = await fitWebGpu(model, data, { ...run, monitor });
        // The monitor only observes: the weights are those of the unmonitored run, bit for bit.
        paramsOf(model).forEach((w, i) => expectEqual(`monitored ${model.parameters()[i].name}`, w, paramsOf(plain)[i]));
        let worstAngle = 0;
        const lines: string[] = [];
        result.history.forEach((h, e) => {
          const want = cpuResult.history[e];
          if (!h.alignment || h.alignment.length !== 3 || !h.dynamics) throw new Error(`epoch ${e + 1}: alignment ${JSON.stringify(h.alignment)}, dynamics ${JSON.stringify(h.dynamics)}`);
          h.alignment.forEach((a, l) => {
            const w = want.alignment![l];
            if (a.layer !== w.layer) throw new Error(`epoch ${e + 1}: layer ${a.layer}, fit's ${w.layer}`);
            expectClose(`epoch ${e + 1} layer ${a.layer} angle (°)`, [a.angle], [w.angle], () => 1e-3);
            expectClose(`epoch ${e + 1} layer ${a.layer} length ratio`, [a.normRatio], [w.normRatio], () => 1e-4 * w.normRatio);
            worstAngle = Math.max(worstAngle, Math.abs(a.angle - w.angle));
          });
          // The output layer's update is backprop's own: no angle at all.
          if (h.alignment[2].angle !== 0 || h.alignment[2].normRatio !== 1) throw new Error(`epoch ${e + 1}: output layer ${JSON.stringify(h.alignment[2])}`);
          h.dynamics.forEach((d, l) => expectClose(`epoch ${e + 1} layer ${d.layer} ‖∂C/∂W‖`, [d.gradW], [want.dynamics![l].gradW], () => 1e-4 * want.dynamics![l].gradW));
          lines.push(h.alignment.map((a) => `${a.angle.toFixed(1)}°`).join('/'));
        });
        // Hidden layers' updates are not backprop's (an angle well away from 0).
        if (!(result.history[0].alignment![0].angle > 1)) throw new Error(`W2's angle ${result.history[0].alignment![0].angle}° in epoch 1`);
        // Stopped mid-epoch 2 and resumed: the epoch's sums travel in the state, so its record is the uninterrupted one's.
        const first = net();
        const { saved } = await stopAt(first, { ...run, monitor }, 18);
        const resumed = net();
        const snapshot = paramsOf(first);
        resumed.parameters().forEach((p, i) => p.value.dataSync().set(snapshot[i]));
        const after = await fitWebGpu(resumed, data, { ...run, monitor, resume: saved });
        const a = JSON.stringify(after.history.map((h) => [h.alignment, h.dynamics]));
        const b = JSON.stringify(result.history.map((h) => [h.alignment, h.dynamics]));
        if (a !== b) throw new Error(`resumed at step ${saved.step}: ${a}, uninterrupted: ${b}`);
        return `angles by epoch ${lines.join(', ')}; worst gap to fit ${worstAngle.toExponential(1)}°; stopped at step ${saved.step}, resumed: the same records`;
      });
    }

    await test('fitWebGpu: a diverging run throws DivergenceError naming the global step and epoch', async () => {
      const model = sequential({ sizes: [12, 8, 4], activation: 'relu', output: 'linear', cost: 'quadratic', rng: 1 });
      let message = '';
      try {
        await fitWebGpu(model, data, { epochs: 2, batchSize: 10, eta: 1e6, rng: 1, context: ctx, batchesPerCall: 4 });
      } catch (e) {
        message = `${(e as Error).name}: ${(e as Error).message}`;
      }
      if (!/^DivergenceError: training diverged at step \d+ \(epoch \d+, batch \d+\)/.test(message)) throw new Error(`expected a DivergenceError, got '${message}'`);
      return message.split('.')[0];
    });
  }

  await test('trainer: a diverging run throws DivergenceError naming the step; pipelines are compiled once', async () => {
    const data = toyData(new Rng(9), 40, 12, 4);
    const model = sequential({ sizes: [12, 8, 4], activation: 'relu', output: 'linear', cost: 'quadratic', rng: 1 });
    const before = ctx.stats.pipelinesCompiled;
    const trainer = await createWebGpuTrainer(model, data, { context: ctx, batchSize: 4, eta: 1e6 });
    const compiled = ctx.stats.pipelinesCompiled - before;
    let message = '';
    try {
      await trainer.runEpoch(new Rng(1).permutation(40));
    } catch (e) {
      message = `${(e as Error).name}: ${(e as Error).message}`;
    }
    if (!/^DivergenceError: training diverged at step \d+/.test(message)) throw new Error(`expected a DivergenceError, got '${message}'`);
    const again = ctx.stats.pipelinesCompiled;
    trainer.writeParameters(model.parameters().map((p) => p.value.dataSync()));
    trainer.setLearningRate(0.01);
    await trainer.runEpoch(new Rng(2).permutation(40));
    if (ctx.stats.pipelinesCompiled !== again) throw new Error('a second epoch compiled new pipelines');
    trainer.destroy();
    return `${message.split('.')[0]}; ${compiled} pipelines for the model`;
  });

  await test('requestWebGpuDevice: a given device is used as is and not owned', async () => {
    const got = await requestWebGpuDevice({ device: ctx.device });
    if (got.device !== ctx.device || got.owned || got.info.source !== 'given') throw new Error(JSON.stringify(got.info));
  });

  // ---------------------------------------------------------------- timing on this adapter (not a test)
  if (new URLSearchParams(location.search).has('timing')) await timing(ctx);
  ctx.destroy();
}

/** Cost sum, correct count and δ^L / rows in float64, from the scalar definitions of the CPU kernels. */
function outputReference(z: Float32Array, y: Float32Array, labels: Int32Array, rows: number, C: number, cost: CostKind, act: OutputActivation) {
  const delta = new Float64Array(rows * C);
  let costSum = 0;
  let absCostSum = 0;
  let correct = 0;
  const z64 = Float64Array.from(z);
  const a = new Float64Array(rows * C);
  const logA = new Float64Array(rows * C);
  if (act === 'softmax') {
    ref.softmaxRows(z64, a, rows, C);
    ref.logSoftmaxRows(z64, logA, rows, C);
  } else {
    for (let i = 0; i < rows * C; i++) a[i] = activate(act, z64[i]);
  }
  for (let r = 0; r < rows; r++) {
    let rowCost = 0;
    let dotAD = 0;
    for (let c = 0; c < C; c++) dotAD += a[r * C + c] * (a[r * C + c] - y[r * C + c]);
    let best = 0;
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      if (a[i] > a[r * C + best]) best = c;
      const d = a[i] - y[i];
      let term: number;
      let dl: number;
      if (cost === 'quadratic') {
        term = 0.5 * d * d;
        dl = act === 'softmax' ? a[i] * (d - dotAD) : d * activatePrime(act, z64[i], a[i]);
      } else if (cost === 'cross-entropy') {
        term = y[i] * softplus(-z64[i]) + (1 - y[i]) * softplus(z64[i]);
        dl = d;
      } else {
        term = -y[i] * logA[i];
        dl = d;
      }
      rowCost += term;
      absCostSum += Math.abs(term);
      delta[i] = dl / rows;
    }
    costSum += rowCost;
    if (best === labels[r]) correct++;
  }
  return { costSum, absCostSum, correct, delta };
}

/** A labelled toy set: Gaussian blobs, one per class, in `features` dimensions. */
function toyData(rng: Rng, n: number, features: number, classes: number): Dataset {
  const centres = Array.from({ length: classes }, () => Array.from({ length: features }, () => rng.normal(0, 1)));
  const x = new Float32Array(n * features);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(classes);
    for (let f = 0; f < features; f++) x[i * features + f] = centres[labels[i]][f] + rng.normal(0, 0.7);
  }
  return datasetFromArrays(x, labels, features, { name: 'toy', classes });
}

/**
 * One epoch of the GPU trainer beside the CPU engine (fit) in this page: shows the trainer works end
 * to end on whatever adapter this is (run.mjs --timing). On SwiftShader it is no performance claim.
 */
async function timing(ctx: WebGpuContext): Promise<void> {
  const runs: { title: string; sizes: number[]; hidden: ActivationKind; output: OutputActivation; cost: CostKind; batch: number; n: number; eta: number; momentum: number }[] = [
    { title: 'W1-like [784,30,10] sigmoid quadratic batch 10', sizes: [784, 30, 10], hidden: 'sigmoid', output: 'sigmoid', cost: 'quadratic', batch: 10, n: 500, eta: 3, momentum: 0 },
    { title: 'W3-like [784,256,128,10] relu softmax batch 128', sizes: [784, 256, 128, 10], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', batch: 128, n: 512, eta: 0.05, momentum: 0.9 },
  ];
  for (const w of runs) {
    const rng = new Rng(1);
    const x = new Float32Array(w.n * 784);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
    const labels = Int32Array.from({ length: w.n }, () => rng.int(10));
    const data = datasetFromArrays(x, labels, 784, { name: 'random', classes: 10 });
    const model: Sequential = sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, rng: 1 });
    const trainer = await createWebGpuTrainer(model.clone(), data, { context: ctx, batchSize: w.batch, eta: w.eta, momentum: w.momentum });
    await trainer.runEpoch(new Rng(2).permutation(w.n), { batches: 2 }); // warm-up: pipelines, first submit
    const gpu = await trainer.runEpoch(new Rng(3).permutation(w.n));
    trainer.destroy();
    const t0 = performance.now();
    await fit(model, data, { epochs: 1, batchSize: w.batch, rng: 3, optimizer: sgd({ eta: w.eta, momentum: w.momentum }) });
    const cpuSeconds = (performance.now() - t0) / 1000;
    info(`timing ${w.title}, ${w.n} random examples, 1 epoch: WebGPU trainer on ${ctx.describe()} ${gpu.seconds.toFixed(3)} s; CPU engine (fit, js backend, in this page) ${cpuSeconds.toFixed(3)} s`);
  }
}

declare global {
  interface Window {
    __runWebGpuTests?: () => Promise<{ passed: number; failed: number }>;
  }
}

window.__runWebGpuTests = async () => {
  await main();
  return { passed, failed };
};
