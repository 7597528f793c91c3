/**
 * tensor/kernels/webgpu/kernels — the WGSL kernels as calls on GPU arrays.
 *
 * The same meaning as the CPU kernel interface (types.ts, defined by reference.ts), with GpuArrays
 * in place of typed arrays: each call records its dispatch(es) on the context and returns at once;
 * results stay on the GPU until `ctx.read()`. The trainer (trainer.ts) uses the same shaders with
 * per-batch bind groups; these one-off calls serve tests, benchmarks and other callers.
 * Like the CPU kernels, these trust their sizes: validation belongs to the caller.
 */
import { ArgumentError } from '../../../util/errors.js';
import type { ActivationKind } from '../types.js';
import { grid, type GpuArray, type Pipeline, type Resource, type WebGpuContext } from './context.js';
import {
  GROUP, TILES, activationDeltaShader, argmaxShader, columnSumsShader, countCorrectShader, gatherRowsShader, gemmShader,
  isVec4Tile, outputShader, sgdShader, softmaxShader,
  type CostKind, type GemmSpec, type OutputActivation, type ShaderSource, type TileName,
} from './shaders.js';

/**
 * The tile for an M × N output summed over K: the largest whose grid still has ≥ 96 workgroups
 * (enough to fill a GPU's multiprocessors) — the vec4 kernels 'huge4uw' (128 × 128) and 'large4'
 * (64 × 64) — else 32 × 32, else 16 × 16, stepping 64 deep when K is long. Measured on an NVIDIA
 * H200 (bench/webgpu.ts; docs/webgpu.md has the runs): 'huge4uw' trains W4 1.5–1.6× faster than
 * the scalar 'huge'; 'large4' multiplies faster than the scalar 'large' at 4096³ and 1024³.
 */
export function chooseTile(M: number, N: number, K: number): TileName {
  const groups = (t: TileName) => Math.ceil(M / TILES[t].BM) * Math.ceil(N / TILES[t].BN);
  if (groups('huge4uw') >= 96) return 'huge4uw';
  if (groups('large4') >= 96) return 'large4';
  if (groups('medium') >= 96) return 'medium';
  return K >= 128 ? 'deep' : 'small';
}

/**
 * Which tile the matrix multiplies use: 'auto' (chooseTile's answer, the default), one tile name for
 * every product, a map from chooseTile's answer to the tile to use instead — `{ huge4uw: 'huge' }`
 * runs the scalar 128 × 128 kernel wherever the vec4 one would have run — or a function of the
 * product's M × N output and K-long sums.
 */
export type TileChoice = 'auto' | TileName | Partial<Record<TileName, TileName>> | ((M: number, N: number, K: number) => TileName);

/** The tile for an M × N output summed over K under a TileChoice (undefined: 'auto'). */
export function pickTile(choice: TileChoice | undefined, M: number, N: number, K: number): TileName {
  if (choice === undefined || choice === 'auto') return chooseTile(M, N, K);
  if (typeof choice === 'function') {
    const tile = choice(M, N, K);
    if (!(tile in TILES)) throw new ArgumentError(`webgpu: the tile function chose an unknown tile '${String(tile)}' for ${M} × ${N} × ${K}; tiles: ${Object.keys(TILES).join(', ')}`);
    return tile;
  }
  if (typeof choice === 'string') {
    if (!(choice in TILES)) throw new ArgumentError(`webgpu: unknown tile '${choice}'; tiles: auto, ${Object.keys(TILES).join(', ')}`);
    return choice;
  }
  const auto = chooseTile(M, N, K);
  const tile = choice[auto] ?? auto;
  if (!(tile in TILES)) throw new ArgumentError(`webgpu: unknown tile '${tile}' (for '${auto}'); tiles: ${Object.keys(TILES).join(', ')}`);
  return tile;
}

/**
 * Whether a vec4 tile's kernel ('huge4uw', 'large4', …) may read each operand with vec4 loads: only
 * when every stored row of it is a multiple of 4 elements long (rows of A: K, or M when transA; of
 * B: ldB, or K when transB), so that a group of 4 never straddles two rows (buffers are whole multiples of 16 bytes:
 * the pool rounds them to 256). Other tiles never use vec4 loads; `allow` false forces scalar loads.
 */
export function gemmVectorLoads(
  tile: TileName, rowLengthA: number, rowLengthB: number, allow = true,
): { vec4A: boolean; vec4B: boolean } {
  const on = isVec4Tile(tile) && allow;
  return { vec4A: on && rowLengthA % 4 === 0, vec4B: on && rowLengthB % 4 === 0 };
}

/** Options of `WebGpuKernels`. */
export interface WebGpuKernelOptions {
  /** Tile for calls that name none (default 'auto': chooseTile). */
  tiles?: TileChoice;
  /** Let the vec4 tiles use vec4 global loads where rows allow (default true; false: scalar loads). */
  vec4?: boolean;
}

/** Workgroups of a matrix multiply with `tile` over an M × N output: [x over N, y over M]. */
export function gemmGrid(tile: TileName, M: number, N: number): [number, number] {
  return [Math.ceil(N / TILES[tile].BN), Math.ceil(M / TILES[tile].BM)];
}

/** Hyper-parameters of an SGD step (optim/sgd): η, momentum μ, and the L2 factor λ/n. */
export interface SgdStep {
  eta: number;
  momentum?: number;
  decay?: number;
}

/** WGSL kernels over GPU arrays on one context. */
export class WebGpuKernels {
  constructor(readonly ctx: WebGpuContext, readonly options: WebGpuKernelOptions = {}) {}

  private tile(m: number, n: number, k: number): TileName {
    return pickTile(this.options.tiles, m, n, k);
  }

  private run(source: ShaderSource, words: number[], floats: number[], arrays: GpuArray[], groups: readonly [number, number?]): void {
    const pipeline: Pipeline = this.ctx.pipeline(source);
    this.ctx.reserve(1);
    const resources: Resource[] = [this.ctx.params(words, floats), this.ctx.step(), ...arrays];
    this.ctx.dispatch(pipeline, resources, groups);
  }

  private run1d(source: ShaderSource, words: number[], floats: number[], arrays: GpuArray[], threads: number): void {
    this.run(source, words, floats, arrays, grid(Math.ceil(threads / GROUP)));
  }

  /** C[m, n] (+)= op(A) · op(B): A [m, k] (or [k, m] when transA), B [k, n] (or [n, k] when transB). */
  matmul(
    a: GpuArray, b: GpuArray, c: GpuArray, m: number, n: number, k: number,
    transA: boolean, transB: boolean, accumulate: boolean, tile: TileName = this.tile(m, n, k),
  ): void {
    const loads = gemmVectorLoads(tile, transA ? m : k, transB ? k : n, this.options.vec4 ?? true);
    const spec: GemmSpec = { transA, transB, tile, epilogue: { kind: 'store', accumulate }, ...loads };
    this.run(gemmShader(spec), [m, n, k, n], [0, 0, 0], [a, b, c], gemmGrid(tile, m, n));
  }

  /** Fused dense forward: z = x · Wᵀ + b, a = act(z); x [batch, nIn], W [nOut, nIn], b [nOut]. */
  denseForward(
    x: GpuArray, W: GpuArray, b: GpuArray, z: GpuArray, a: GpuArray,
    batch: number, nIn: number, nOut: number, act: ActivationKind, tile: TileName = this.tile(batch, nOut, nIn),
  ): void {
    const loads = gemmVectorLoads(tile, nIn, nIn, this.options.vec4 ?? true);
    const spec: GemmSpec = { transA: false, transB: true, tile, epilogue: { kind: 'bias-act', act, storeZ: true }, ...loads };
    this.run(gemmShader(spec), [batch, nOut, nIn, nOut], [0, 0, 0], [x, W, b, a, z], gemmGrid(tile, batch, nOut));
  }

  /** delta = dA ⊙ act'(z) on n elements (act' from a; relu from z). */
  activationDelta(dA: GpuArray, z: GpuArray, a: GpuArray, delta: GpuArray, n: number, act: ActivationKind): void {
    this.run1d(activationDeltaShader(act), [n], [], [dA, z, a, delta], n);
  }

  /** out[j] (+)= Σ_r x[r, j] for x [rows, cols]. */
  columnSums(x: GpuArray, out: GpuArray, rows: number, cols: number, accumulate: boolean): void {
    this.run1d(columnSumsShader(accumulate), [rows, cols], [], [x, out], cols);
  }

  /**
   * The dense backward of the CPU kernel interface, as four dispatches:
   * delta = dA ⊙ act'(z); dW (+)= deltaᵀ · x; db (+)= Σ_batch delta; dX = delta · W (when dX given).
   * `delta` must not be `dA` here (WebGPU forbids binding one buffer as both read and read-write).
   */
  denseBackward(
    x: GpuArray, W: GpuArray, z: GpuArray, a: GpuArray, dA: GpuArray,
    delta: GpuArray, dW: GpuArray, db: GpuArray, dX: GpuArray | null,
    batch: number, nIn: number, nOut: number, act: ActivationKind, accumulate: boolean,
  ): void {
    this.activationDelta(dA, z, a, delta, batch * nOut, act);
    this.matmul(delta, x, dW, nOut, nIn, batch, true, false, accumulate); // [nOut, nIn] = deltaᵀ · x
    this.columnSums(delta, db, batch, nOut, accumulate);
    if (dX) this.matmul(delta, W, dX, batch, nIn, nOut, false, false, false); // [batch, nIn] = delta · W
  }

  /** One SGD step on n elements (optim/sgd): θ −= η (g + decay·θ), or with momentum through v. */
  sgdUpdate(theta: GpuArray, grad: GpuArray, velocity: GpuArray | null, n: number, step: SgdStep): void {
    const momentum = (step.momentum ?? 0) > 0;
    if (momentum && !velocity) throw new ArgumentError(`sgdUpdate: momentum ${step.momentum} needs a velocity array, got null`);
    const decay = (step.decay ?? 0) !== 0;
    const arrays = momentum ? [theta, grad, velocity!] : [theta, grad];
    this.run1d(sgdShader(momentum, decay), [n], [step.eta, step.momentum ?? 0, step.decay ?? 0], arrays, n);
  }

  /** out[r, :] = softmax(x[r, :]). */
  softmaxRows(x: GpuArray, out: GpuArray, rows: number, cols: number): void {
    this.run1d(softmaxShader(false), [rows, cols], [], [x, out], rows);
  }

  /** out[r, :] = log softmax(x[r, :]). */
  logSoftmaxRows(x: GpuArray, out: GpuArray, rows: number, cols: number): void {
    this.run1d(softmaxShader(true), [rows, cols], [], [x, out], rows);
  }

  /** out[r] = argmax x[r, :] (first on ties); out is an i32 array. */
  argmaxRows(x: GpuArray, out: GpuArray, rows: number, cols: number): void {
    this.run1d(argmaxShader(), [rows, cols], [], [x, out], rows);
  }

  /** count[0] += #rows whose argmax x[r, :] equals labels[r] (count: a u32 array, zero it first). */
  countCorrect(x: GpuArray, labels: GpuArray, count: GpuArray, rows: number, cols: number): void {
    this.run1d(countCorrectShader(), [rows, cols], [], [x, labels, count], rows);
  }

  /** out[r, :] = src[indices[r], :] for `rows` rows of `rowLength`. */
  gatherRows(src: GpuArray, rowLength: number, indices: GpuArray, out: GpuArray, rows: number): void {
    this.run1d(gatherRowsShader(), [rows, rowLength], [], [src, indices, out], rows * rowLength);
  }

  /**
   * The output layer of a batch: from z^L [rows, classes], targets y [rows, classes] and labels,
   * write δ^L of the batch-mean cost into `delta` (when given) and [Σ_x C_x (float bits), #correct]
   * into metrics[2·slot], metrics[2·slot + 1] (a u32 array).
   */
  outputLayer(
    z: GpuArray, y: GpuArray, labels: GpuArray, delta: GpuArray | null, metrics: GpuArray,
    rows: number, classes: number, cost: CostKind, act: OutputActivation, slot = 0,
  ): void {
    const source = outputShader({ cost, act, writeDelta: delta !== null, rowMap: 'none' });
    const pipeline = this.ctx.pipeline(source);
    this.ctx.reserve(2);
    const arrays = delta ? [z, y, labels, delta, metrics] : [z, y, labels, metrics];
    this.ctx.dispatch(pipeline, [this.ctx.params([classes]), this.ctx.step(0, rows, slot), ...arrays], [1]);
  }
}
