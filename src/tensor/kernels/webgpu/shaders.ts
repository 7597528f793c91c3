/**
 * tensor/kernels/webgpu/shaders — WGSL source for every WebGPU kernel, generated from small specs.
 *
 * Each generator returns a `ShaderSource`: the code, the kinds of its bindings in binding order
 * (group 0), and a cache key that names every choice baked into the code, so `WebGpuContext`
 * compiles each variant once. Sizes that change from call to call (M, N, K, rows, η) come from
 * uniforms, never from the code, so a new shape never means a new pipeline.
 *
 * Two uniforms are common to all kernels:
 *   Params (binding 0): the kernel's static sizes and hyper-parameters.
 *   Step   (binding 1, dynamic offset): { start, rows, batch } of the mini-batch being processed, so
 *          one bind group serves every batch of an epoch (the trainer only changes the offset).
 * Row maps say where row r of a batch lives in a stored matrix: 'none' → r; 'offset' →
 * step.start + r; 'gather' → idx[step.start + r] (the epoch's permutation, on the GPU).
 * Layout is row-major everywhere; dense weights are Nielsen's W [nOut, nIn].
 */
import { ArgumentError } from '../../../util/errors.js';
import type { ActivationKind } from '../types.js';

/** How a shader binding is used: a plain uniform, the dynamic Step uniform, read-only or read-write storage. */
export type BindingKind = 'uniform' | 'step' | 'read' | 'rw';

/** A compiled-once shader: WGSL code, its bindings (group 0, in order), and a cache key. */
export interface ShaderSource {
  key: string;
  code: string;
  bindings: BindingKind[];
}

/** Output activations: the element-wise ones of the fused dense kernels, or softmax. */
export type OutputActivation = ActivationKind | 'softmax';

/** The costs of nn/costs.ts. */
export type CostKind = 'quadratic' | 'cross-entropy' | 'log-likelihood';

/** Where row r of a batch lives in a stored matrix (see the file header). */
export type RowMap = 'none' | 'offset' | 'gather';

/** Threads per workgroup of the one-dimensional kernels. */
export const GROUP = 256;

/** Bytes of the Step uniform and the stride between its entries in a step table. */
export const STEP_BYTES = 16;

const COMMON = /* wgsl */ `
struct Step { start: u32, rows: u32, batch: u32, stepSize: f32 }

fn sigmoid_(z: f32) -> f32 {
  if (z >= 0.0) { return 1.0 / (1.0 + exp(-z)); }
  let e = exp(z);
  return e / (1.0 + e);
}
// tanh through the built-in, clamped: some drivers compute it as a ratio of exponentials that
// overflows to NaN for |z| > 44; tanh(±15) is ±1 in float32 already.
fn tanh_(z: f32) -> f32 { return tanh(clamp(z, -15.0, 15.0)); }
fn relu_(z: f32) -> f32 { return select(0.0, z, z > 0.0); }
// log(1 + e^z) without overflow, and without losing e^-|z| when it is tiny (no log1p in WGSL).
fn softplus_(z: f32) -> f32 {
  let e = exp(-abs(z));
  let l = select(log(1.0 + e), e * (1.0 - 0.5 * e), e < 1e-4);
  return max(z, 0.0) + l;
}
`;

/** WGSL expression of act(z). */
function actExpr(act: ActivationKind, z: string): string {
  switch (act) {
    case 'linear': return z;
    case 'sigmoid': return `sigmoid_(${z})`;
    case 'tanh': return `tanh_(${z})`;
    case 'relu': return `relu_(${z})`;
  }
}

/**
 * WGSL expression of act'(z) from a = act(z) (and z, which only relu needs: z > 0 ⇔ a > 0, so `z`
 * may be the activation itself when z was not kept).
 */
function actPrimeExpr(act: ActivationKind, z: string, a: string): string {
  switch (act) {
    case 'linear': return '1.0';
    case 'sigmoid': return `(${a} * (1.0 - ${a}))`;
    case 'tanh': return `(1.0 - ${a} * ${a})`;
    case 'relu': return `select(0.0, 1.0, ${z} > 0.0)`;
  }
}

function bindingDecl(binding: number, kind: BindingKind, name: string, type: string): string {
  switch (kind) {
    case 'uniform': return `@group(0) @binding(${binding}) var<uniform> ${name}: ${type};`;
    case 'step': return `@group(0) @binding(${binding}) var<uniform> ${name}: Step;`;
    case 'read': return `@group(0) @binding(${binding}) var<storage, read> ${name}: ${type};`;
    case 'rw': return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: ${type};`;
  }
}

/** Declarations for a list of [kind, name, type] and the matching binding kinds. */
function declare(list: [BindingKind, string, string][]): { decls: string; bindings: BindingKind[] } {
  return {
    decls: list.map(([kind, name, type], i) => bindingDecl(i, kind, name, type)).join('\n'),
    bindings: list.map(([kind]) => kind),
  };
}

function rowExpr(map: RowMap, r: string): string {
  switch (map) {
    case 'none': return r;
    case 'offset': return `(step.start + ${r})`;
    case 'gather': return `u32(idx[step.start + ${r}])`;
  }
}

// ---------------------------------------------------------------------------------------------
// Tiled matrix multiply with fused epilogues
// ---------------------------------------------------------------------------------------------

/**
 * Output-tile shapes. Every one runs 16 × 16 threads (but 'huge4h': TX × TY); each thread owns
 * RM × RN outputs. The scalar tiles keep single floats in workgroup memory; the `vec4` ones (their
 * own generator, `gemmVec4`) keep vec4s, read operands with vec4 loads where rows allow, and load
 * the next slice of the sum into registers while the current one is multiplied (but `direct`);
 * `unroll` ones write the steps of a slice out, `fma` ones each multiply-add as fma(). Every tile
 * fits WebGPU's default 16 KiB of workgroup memory (`tileWorkgroupBytes`). Other shapes measured on
 * an H200 and dropped (128 × 256, 256 × 128, 32 deep, 8 deep, double-buffered, padded, warps on
 * 4 × 8): docs/webgpu.md.
 */
export const TILES = {
  small: { BM: 16, BN: 16, BK: 16, RM: 1, RN: 1 },
  /** For few outputs over a long sum (a small batch's first layer): fewer, deeper steps. */
  deep: { BM: 16, BN: 16, BK: 64, RM: 1, RN: 1 },
  medium: { BM: 32, BN: 32, BK: 32, RM: 2, RN: 2 },
  large: { BM: 64, BN: 64, BK: 16, RM: 4, RN: 4 },
  /** The classic SGEMM blocking (64 accumulators per thread), for big products like W4's. */
  huge: { BM: 128, BN: 128, BK: 8, RM: 8, RN: 8 },
  /**
   * The same 128 × 128 blocking, built for speed: 16 deep, operand slices kept in workgroup memory
   * as vec4s (A transposed) so each thread reads 2 + 2 vec4s per step of the sum, the next slice
   * loaded into registers while the current one is multiplied, vec4 global loads where a stored
   * row's length is a multiple of 4 (`vec4A`, `vec4B`). 16 KiB of workgroup memory.
   */
  huge4: { BM: 128, BN: 128, BK: 16, RM: 8, RN: 8, vec4: true },
  /** 'huge4' with the 16 steps of the sum over a slice written out instead of looped. */
  huge4u: { BM: 128, BN: 128, BK: 16, RM: 8, RN: 8, vec4: true, unroll: true },
  /**
   * 'huge4u' with each warp's 32 threads on 8 × 4 of the block, so a warp's reads of Bs are 8
   * consecutive vec4s (128 bytes) instead of 16: the fastest kernel measured on an NVIDIA H200
   * (docs/webgpu.md), so chooseTile's pick for big products.
   */
  huge4uw: { BM: 128, BN: 128, BK: 16, RM: 8, RN: 8, vec4: true, unroll: true, lanesX: 8 },
  /**
   * 'huge4uw' with each multiply-add written as WGSL's fma(), which SPIR-V and the driver must
   * keep fused (one instruction); `a + b * c` may be fused or not, at the compiler's choice.
   * Not yet timed on a GPU (the ninth session had none): bench/webgpu.ts compares it.
   */
  huge4uwf: { BM: 128, BN: 128, BK: 16, RM: 8, RN: 8, vec4: true, unroll: true, lanesX: 8, fma: true },
  /**
   * 'huge4uw' without the register prefetch: each slice goes straight from global to workgroup
   * memory between two barriers, so a thread holds 16 fewer floats across the multiply — room, if
   * the driver takes it, for two workgroups per multiprocessor to hide each other's loads.
   * Not yet timed on a GPU: bench/webgpu.ts compares it.
   */
  huge4uwd: { BM: 128, BN: 128, BK: 16, RM: 8, RN: 8, vec4: true, unroll: true, lanesX: 8, direct: true },
  /**
   * The 8 × 8 outputs per thread of 'huge4uw' on half as many threads: 8 × 16 of them over a
   * 128 × 64 tile, 12 KiB of workgroup memory. A workgroup then needs half the registers and three quarters
   * of the workgroup memory, so two can share a multiprocessor whatever registers the driver
   * gives a thread. Not yet timed on a GPU: bench/webgpu.ts compares it.
   */
  huge4h: { BM: 128, BN: 64, BK: 16, RM: 8, RN: 8, vec4: true, unroll: true, lanesX: 8, TX: 8, TY: 16 },
  /** 64 × 64, 4 × 4 outputs per thread, 16 deep (8 KiB): the vec4 kernel for mid-sized products. */
  large4: { BM: 64, BN: 64, BK: 16, RM: 4, RN: 4, vec4: true },
} as const;

/** A tile name. */
export type TileName = keyof typeof TILES;

/** Whether `tile` is one of the vec4 tiles (generator `gemmVec4`, vec4 loads allowed). */
export function isVec4Tile(tile: TileName): boolean {
  return 'vec4' in TILES[tile];
}

/** Bytes of workgroup memory a tile's kernel declares. */
export function tileWorkgroupBytes(tile: TileName): number {
  const t = TILES[tile];
  return 4 * t.BK * (t.BM + t.BN);
}

/** What the matrix multiply does with each finished C[i, j] = Σ_p op(A)[i, p] · op(B)[p, j]. */
export type GemmEpilogue =
  /** C (+)= acc. */
  | { kind: 'store'; accumulate: boolean }
  /** z = acc + bias[j]; out = act(z) (and z itself into `zOut` when storeZ): the dense forward. */
  | { kind: 'bias-act'; act: ActivationKind; storeZ: boolean }
  /** out = acc ⊙ act'(aPrev): δ^(l−1) = (δ^l · W^l) ⊙ σ'(z^(l−1)), with σ' read from a^(l−1). */
  | { kind: 'act-prime'; act: ActivationKind }
  /**
   * Gradient-descent step fused onto dW = δᵀ · a^(l−1): g = acc (+ decay·w, + l1·sign(w) for
   * weights: L2 and L1 as λ/n and λ₁/n), then w −= η g, or with momentum v = μ v − η g, w += v.
   * Column N−1 of op(B) is all ones, so the same dispatch computes db = Σ_rows δ and steps the
   * biases. With `normsEvery` (fit's dynamics monitor), on the batches whose step.batch is a
   * multiple of it, each workgroup also writes Σ acc² over its weights and over its biases — the
   * squared lengths of its part of ∂C/∂W and ∂C/∂b, before L2 and L1 — to
   * normParts[2·(slot · workgroups + workgroup) + {0, 1}], slot = step.batch / normsEvery.
   */
  | { kind: 'update'; momentum: boolean; decay: boolean; l1?: boolean; adam?: AdamConstants; normsEvery?: number };

/**
 * Adam's constants, compiled into the update (Kingma & Ba 2015, as optim's adam): m = β1 m + (1−β1) g,
 * v = β2 v + (1−β2) g², w −= s_t m / (√v + ε), with the bias-corrected step size s_t of each batch
 * in its step-table entry (`step.stepSize`). m and v of a parameter share one array: m, then v.
 */
export interface AdamConstants {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** A number as a WGSL float literal (float64 digits; the compiler rounds it to f32 once). */
function floatLiteral(x: number): string {
  const t = x.toPrecision(17);
  return t.includes('.') || t.includes('e') ? t : `${t}.0`;
}

/** A matrix-multiply variant. */
export interface GemmSpec {
  transA: boolean;
  transB: boolean;
  tile: TileName;
  /** M (rows of C) is step.rows instead of params.M. */
  mFromStep?: boolean;
  /** K (the summed dimension) is step.rows instead of params.K. */
  kFromStep?: boolean;
  /** Row map of A's stored rows (A not transposed only). */
  rowMapA?: RowMap;
  /** Row map of B's stored rows (B not transposed only). */
  rowMapB?: RowMap;
  epilogue: GemmEpilogue;
  /**
   * vec4 tiles only: read A from global memory as vec4s. Needs every stored row of A ([M, K], or
   * [K, M] when transA) to be a multiple of 4 long and that length fixed by params (not step.rows);
   * the caller decides (kernels.ts `gemmVectorLoads`), the shader cannot check.
   */
  vec4A?: boolean;
  /** vec4 tiles only: read B as vec4s (stored rows of ldB, or K when transB, a multiple of 4). */
  vec4B?: boolean;
}

/**
 * The update epilogue's gradient norms (`normsEvery`): per-thread sums of squares declared before
 * the epilogue (`before`), and after it (`after`) on monitored batches a reduction through the
 * workgroup memory the multiply is done with (As, and Bs for the scalar tiles: at least T floats
 * each) into this workgroup's pair in normParts. Empty strings without `normsEvery`.
 */
function normsCode(spec: GemmSpec, T: number, vec4: boolean): { builtin: string; before: string; after: string } {
  const e = spec.epilogue;
  if (e.kind !== 'update' || e.normsEvery === undefined) return { builtin: '', before: '', after: '' };
  const t = TILES[spec.tile];
  if ((vec4 ? (t.BK * t.BM) / 4 : Math.min(t.BK * t.BM, t.BK * t.BN)) < T) {
    throw new ArgumentError(`gemmShader: the '${spec.tile}' tile's workgroup memory holds fewer than its ${T} threads' sums (normsEvery)`);
  }
  const store = vec4 ? 'As[tid] = vec4<f32>(sqW, sqB, 0.0, 0.0);' : 'As[tid] = sqW;\n    Bs[tid] = sqB;';
  const add = vec4 ? 'sW = sW + As[t].x;\n        sB = sB + As[t].y;' : 'sW = sW + As[t];\n        sB = sB + Bs[t];';
  return {
    builtin: ', @builtin(num_workgroups) nwg: vec3<u32>',
    before: '  var sqW = 0.0; // this thread\'s Σ (∂C/∂w)² and Σ (∂C/∂b)², for the dynamics monitor\n  var sqB = 0.0;\n',
    after: `
  if (step.batch % ${e.normsEvery}u == 0u) { // a monitored batch: this workgroup's sums into normParts
    ${store}
    workgroupBarrier();
    if (tid == 0u) {
      var sW = 0.0;
      var sB = 0.0;
      for (var t = 0u; t < ${T}u; t = t + 1u) {
        ${add}
      }
      let at = 2u * ((step.batch / ${e.normsEvery}u) * nwg.x * nwg.y + wid.y * nwg.x + wid.x);
      normParts[at] = sW;
      normParts[at + 1u] = sB;
    }
  }`,
  };
}

/**
 * WGSL of C [M, N] = op(A) [M, K] · op(B) [K, N] with an epilogue. A is stored [M, K] (or [K, M]
 * when transA); B is stored [K, ldB] (or [N, K] when transB), ldB = N except for the update
 * epilogue, where op(B) has an extra column of ones (ldB = N − 1).
 * Params: { M, N, K, ldB: u32, eta, mu, decay, l1: f32 }.
 */
export function gemmShader(spec: GemmSpec): ShaderSource {
  const t = TILES[spec.tile];
  const rowMapA = spec.rowMapA ?? 'none';
  const rowMapB = spec.rowMapB ?? 'none';
  if (spec.transA && rowMapA !== 'none') throw new ArgumentError('gemmShader: a row map needs A not transposed (transA false)');
  if (spec.transB && rowMapB !== 'none') throw new ArgumentError('gemmShader: a row map needs B not transposed (transB false)');
  const e = spec.epilogue;
  const vec4 = isVec4Tile(spec.tile);
  if (!vec4 && (spec.vec4A || spec.vec4B)) throw new ArgumentError(`gemmShader: vec4 loads exist only for the vec4 tiles, got '${spec.tile}'`);
  if (spec.vec4A && (spec.transA ? spec.mFromStep : spec.kFromStep)) {
    throw new ArgumentError('gemmShader: vec4 loads of A need its stored row length fixed by params (not step.rows)');
  }
  if (spec.vec4B && spec.transB && spec.kFromStep) throw new ArgumentError('gemmShader: vec4 loads of B need its stored row length fixed by params (not step.rows)');
  const ones = e.kind === 'update';
  const needIdx = rowMapA === 'gather' || rowMapB === 'gather';
  const list: [BindingKind, string, string][] = [
    ['uniform', 'params', 'Params'],
    ['step', 'step', 'Step'],
    ['read', 'A', spec.vec4A ? 'array<vec4<f32>>' : 'array<f32>'],
    ['read', 'B', spec.vec4B ? 'array<vec4<f32>>' : 'array<f32>'],
  ];
  if (needIdx) list.push(['read', 'idx', 'array<i32>']);
  switch (e.kind) {
    case 'store':
      list.push(['rw', 'C', 'array<f32>']);
      break;
    case 'bias-act':
      list.push(['read', 'bias', 'array<f32>'], ['rw', 'aOut', 'array<f32>']);
      if (e.storeZ) list.push(['rw', 'zOut', 'array<f32>']);
      break;
    case 'act-prime':
      list.push(['read', 'aPrev', 'array<f32>'], ['rw', 'C', 'array<f32>']);
      break;
    case 'update':
      list.push(['rw', 'W', 'array<f32>'], ['rw', 'bvec', 'array<f32>']);
      if (e.adam) list.push(['rw', 'mvW', 'array<f32>'], ['rw', 'mvb', 'array<f32>']);
      else if (e.momentum) list.push(['rw', 'vW', 'array<f32>'], ['rw', 'vb', 'array<f32>']);
      if (e.normsEvery !== undefined) {
        if (!(Number.isInteger(e.normsEvery) && e.normsEvery >= 1)) throw new ArgumentError(`gemmShader: normsEvery must be an integer ≥ 1, got ${e.normsEvery}`);
        list.push(['rw', 'normParts', 'array<f32>']);
      }
      break;
  }
  const { decls, bindings } = declare(list);
  const threads = 256;
  const loadsA = (t.BM * t.BK) / threads;
  const loadsB = (t.BK * t.BN) / threads;

  // Element (i, p) of op(A) and (p, j) of op(B), zero outside the matrix.
  const aIndex = spec.transA ? 'p * M + i' : `${rowExpr(rowMapA, 'i')} * K + p`;
  const bIndex = spec.transB ? 'j * K + p' : `${rowExpr(rowMapB, 'p')} * params.ldB + j`;

  // The epilogue for one finished sum `acc` at (i, j).
  let epilogue: (acc: string) => string;
  switch (e.kind) {
    case 'store':
      epilogue = (acc) => (e.accumulate ? `C[i * N + j] = C[i * N + j] + ${acc};` : `C[i * N + j] = ${acc};`);
      break;
    case 'bias-act':
      epilogue = (acc) => `let z = ${acc} + bias[j];
        aOut[i * N + j] = ${actExpr(e.act, 'z')};${e.storeZ ? '\n        zOut[i * N + j] = z;' : ''}`;
      break;
    case 'act-prime':
      epilogue = (acc) => `let ap = aPrev[i * N + j];
        C[i * N + j] = ${acc} * ${actPrimeExpr(e.act, 'ap', 'ap')};`;
      break;
    case 'update': {
      // i: neuron j of Nielsen's layer (row of W); j: input k (column of W), or ldB for the bias.
      // Adam keeps m at mv[k] and v at mv[size + k] (size: W's M · ldB elements, b's M).
      const a = e.adam;
      const step = (theta: string, v: string, g: string, mv: string, k: string, size: string) =>
        a
          ? `let m = ${floatLiteral(a.beta1)} * ${mv}[${k}] + ${floatLiteral(1 - a.beta1)} * ${g};
          let s = ${floatLiteral(a.beta2)} * ${mv}[${size} + ${k}] + ${floatLiteral(1 - a.beta2)} * ${g} * ${g};
          ${mv}[${k}] = m;
          ${mv}[${size} + ${k}] = s;
          ${theta} = ${theta} - step.stepSize * m / (sqrt(s) + ${floatLiteral(a.epsilon)});`
          : e.momentum
            ? `let vNew = params.mu * ${v} - params.eta * ${g};
          ${v} = vNew;
          ${theta} = ${theta} + vNew;`
            : `${theta} = ${theta} - params.eta * ${g};`;
      const norms = e.normsEvery !== undefined;
      epilogue = (acc) => `if (j < params.ldB) {
          let w = W[i * params.ldB + j];${norms ? `\n          sqW = sqW + ${acc} * ${acc};` : ''}
          let g = ${acc}${e.decay ? ' + params.decay * w' : ''}${e.l1 ? ' + params.l1 * sign(w)' : ''};
          ${step('W[i * params.ldB + j]', 'vW[i * params.ldB + j]', 'g', 'mvW', 'i * params.ldB + j', 'params.M * params.ldB')}
        } else {
          let g = ${acc};${norms ? '\n          sqB = sqB + g * g;' : ''}
          ${step('bvec[i]', 'vb[i]', 'g', 'mvb', 'i', 'params.M')}
        }`;
      break;
    }
  }

  if (vec4) {
    const code = gemmVec4(spec, decls, epilogue, ones);
    const key = `gemm:${spec.transA ? 'T' : 'N'}${spec.transB ? 'T' : 'N'}:${spec.tile}${spec.vec4A ? ':v4A' : ''}${spec.vec4B ? ':v4B' : ''}:${spec.mFromStep ? 'mS' : ''}${spec.kFromStep ? 'kS' : ''}:${rowMapA}:${rowMapB}:${JSON.stringify(e)}`;
    return { key, code, bindings };
  }

  // Loops over the thread's RM × RN outputs and the tile loads are unrolled here, with scalar
  // accumulators, so no compiler has to keep a private array in registers (SwiftShader does not).
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const loadA = range(loadsA).map((l) => `    {
      let flat = ${l * threads}u + tid;
      ${spec.transA ? 'let rr = flat % BM; let c = flat / BM;' : 'let c = flat % BK; let rr = flat / BK;'}
      let i = i0 + rr;
      let p = k0 + c;
      var v = 0.0;
      if (i < M && p < K) { v = A[${aIndex}]; }
      As[c * BM + rr] = v;
    }`).join('\n');
  const loadB = range(loadsB).map((l) => `    {
      let flat = ${l * threads}u + tid;
      ${spec.transB ? 'let c = flat % BK; let s = flat / BK;' : 'let s = flat % BN; let c = flat / BN;'}
      let j = j0 + s;
      let p = k0 + c;
      var v = 0.0;
      if (j < N && p < K) {${ones ? ' if (j == params.ldB) { v = 1.0; } else {' : ''} v = B[${bIndex}];${ones ? ' }' : ''} }
      Bs[c * BN + s] = v;
    }`).join('\n');
  const norms = normsCode(spec, threads, false);
  const ms = range(t.RM);
  const ns = range(t.RN);
  const accs = ms.flatMap((m) => ns.map((n) => `acc${m}_${n}`));
  const inner = [
    ...ms.map((m) => `      let a${m} = As[c * BM + lid.y + ${m * 16}u];`),
    ...ns.map((n) => `      let b${n} = Bs[c * BN + lid.x + ${n * 16}u];`),
    ...ms.flatMap((m) => ns.map((n) => `      acc${m}_${n} = acc${m}_${n} + a${m} * b${n};`)),
  ].join('\n');
  const finish = ms.flatMap((m) => ns.map((n) => `  {
    let i = i0 + lid.y + ${m * 16}u;
    let j = j0 + lid.x + ${n * 16}u;
    if (i < M && j < N) {
      ${epilogue(`acc${m}_${n}`)}
    }
  }`)).join('\n');

  const code = `${COMMON}
struct Params { M: u32, N: u32, K: u32, ldB: u32, eta: f32, mu: f32, decay: f32, l1: f32 }
${decls}

const BM = ${t.BM}u;
const BN = ${t.BN}u;
const BK = ${t.BK}u;
var<workgroup> As: array<f32, ${t.BK * t.BM}>; // As[c * BM + r] = op(A)[i0 + r, k0 + c]
var<workgroup> Bs: array<f32, ${t.BK * t.BN}>; // Bs[c * BN + s] = op(B)[k0 + c, j0 + s]

// A 16 × 16 thread block computes a BM × BN tile of C; thread (x, y) owns rows y + 16m, columns x + 16n.
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32${norms.builtin}) {
  let M = ${spec.mFromStep ? 'step.rows' : 'params.M'};
  let N = params.N;
  let K = ${spec.kFromStep ? 'step.rows' : 'params.K'};
  let i0 = wid.y * BM;
  let j0 = wid.x * BN;
${accs.map((a) => `  var ${a} = 0.0;`).join('\n')}
  for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
${loadA}
${loadB}
    workgroupBarrier();
    for (var c = 0u; c < BK; c = c + 1u) {
${inner}
    }
    workgroupBarrier();
  }
${norms.before}${finish}${norms.after}
}
`;
  const key = `gemm:${spec.transA ? 'T' : 'N'}${spec.transB ? 'T' : 'N'}:${spec.tile}:${spec.mFromStep ? 'mS' : ''}${spec.kFromStep ? 'kS' : ''}:${rowMapA}:${rowMapB}:${JSON.stringify(e)}`;
  return { key, code, bindings };
}

/**
 * The body of the vec4 matrix multiplies (TILES entries with `vec4: true`) around gemmShader's
 * bindings and epilogue. TX × TY threads (16 × 16 unless the tile says; T = TX·TY); a tile of
 * BM × BN outputs, BM a multiple of 4·TY and BN of 4·TX, summed BK deep per slice (BM · BK and
 * BN · BK multiples of 4·T). Workgroup memory holds one slice as vec4s:
 *   As[c · BM/4 + r4] = op(A)[i0 + 4·r4 … i0 + 4·r4 + 3, k0 + c]   (vec4 over 4 rows: A transposed)
 *   Bs[c · BN/4 + s4] = op(B)[k0 + c, j0 + 4·s4 … j0 + 4·s4 + 3]
 * Thread (tx, ty) owns rows i0 + 4TY·g + 4ty + {0…3} (g < BM/4TY) and columns j0 + 4TX·h + 4tx +
 * {0…3} (h < BN/4TX): per step c of the sum it reads BM/4TY vec4s of As (the threads of a row of
 * the block read the same ones: a broadcast) and BN/4TX of Bs (consecutive vec4s: no bank
 * conflict) and does (BM/TY)·(BN/TX) multiply-adds into vec4 accumulators acc{m}_{h} (row
 * 4TY·(m/4) + 4ty + m%4, columns 4TX·h + 4tx + {0…3}). (tx, ty) is (lid.x, lid.y) unless `lanesX`
 * lays a warp's 32 threads out as lanesX × 32/lanesX. With 'huge4' (128 × 128, 16 deep, 16 × 16
 * threads): 2 + 2 vec4 reads, 64 multiply-adds, 16 KiB of workgroup memory (WebGPU's default limit).
 * Global loads go by groups of 4 consecutive elements of a stored row: one vec4 load when the
 * operand's vec4 flag is set (its rows are a multiple of 4 long, so a group is wholly inside or
 * outside the matrix), else 4 scalar loads each checked against the bounds. Each thread loads its
 * groups of the next slice into registers before the current one is multiplied, so those loads are
 * in flight meanwhile: store, barrier, load the next, multiply, barrier (`direct`: load, store,
 * barrier, multiply, barrier, with no registers kept across the multiply). `unroll` writes the BK
 * steps of a slice out with constant offsets instead of a loop; `fma` writes each multiply-add as
 * fma().
 */
function gemmVec4(spec: GemmSpec, decls: string, epilogue: (acc: string) => string, ones: boolean): string {
  const t = TILES[spec.tile] as {
    BM: number; BN: number; BK: number; unroll?: boolean; lanesX?: number; fma?: boolean; direct?: boolean; TX?: number; TY?: number;
  };
  const TX = t.TX ?? 16; // threads across the tile's columns
  const TY = t.TY ?? 16; // threads down its rows
  const T = TX * TY;
  const norms = normsCode(spec, T, true);
  const rowMapA = spec.rowMapA ?? 'none';
  const rowMapB = spec.rowMapB ?? 'none';
  const A4 = t.BM / 4; // vec4s of one step c of the sum in As
  const B4 = t.BN / 4; // vec4s of one step c in Bs
  const KQ = t.BK / 4; // groups of 4 along the sum in one stored row's slice
  const nA = (t.BM * t.BK) / (4 * T); // groups of A per thread per slice
  const nB = (t.BN * t.BK) / (4 * T);
  // Threads of a warp side by side in x (LX of them) and y (32 / LX): LX = TX is the plain order
  // (tx, ty) = (lid.x, lid.y); 8 × 4 makes the warp's Bs reads 8 consecutive vec4s and As reads 4.
  const LX = t.lanesX ?? TX;
  const q4 = [0, 1, 2, 3];
  const comp = 'xyzw';
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const u = (n: number) => (n ? ` + ${n}u` : '');
  // v = the 4 elements src[base + q] whose in-bounds test is `inside(q)`; all or none when vec4.
  const group = (src: string, vec4: boolean, inside: (q: number) => string) =>
    vec4
      ? `if (${inside(0)}) { v = ${src}[base / 4u]; }`
      : q4.map((q) => `if (${inside(q)}) { v.${comp[q]} = ${src}[base${u(q)}]; }`).join(' ');
  const loadA = (l: number) => spec.transA
    ? `    { // A stored [K, M]: row p, 4 columns from i
      let flat = ${l * T}u + tid;
      let c = flat / ${A4}u;
      let i = i0 + 4u * (flat % ${A4}u);
      let p = kb + c;
      var v = vec4<f32>(0.0);
      if (p < K) {
        let base = p * M + i;
        ${group('A', !!spec.vec4A, (q) => `i${u(q)} < M`)}
      }
      ra${l} = v;
    }`
    : `    { // A stored [M, K]: row i, 4 columns from p
      let flat = ${l * T}u + tid;
      let i = i0 + flat / ${KQ}u;
      let p = kb + 4u * (flat % ${KQ}u);
      var v = vec4<f32>(0.0);
      if (i < M) {
        let base = ${rowExpr(rowMapA, 'i')} * K + p;
        ${group('A', !!spec.vec4A, (q) => `p${u(q)} < K`)}
      }
      ra${l} = v;
    }`;
  // A group of 4 along the sum (row r of the tile, sum steps 4·(flat % KQ) + q) into a slice
  // stored transposed: element (c, r) is component r % 4 of vec4 c · W + r / 4.
  const storeTransposed = (array: string, W: number, reg: string, l: number) => `    {
      let flat = ${l * T}u + tid;
      let at = 4u * (flat % ${KQ}u) * ${W}u + (flat / ${KQ}u) / 4u;
      let lane = (flat / ${KQ}u) % 4u;
${q4.map((q) => `      ${array}[at${u(q * W)}][lane] = ${reg}${l}.${comp[q]};`).join('\n')}
    }`;
  const storeA = (l: number) => spec.transA
    ? `    As[${l * T}u + tid] = ra${l};`
    : storeTransposed('As', A4, 'ra', l);
  let loadBGroup: string;
  if (spec.transB) {
    const plain = group('B', !!spec.vec4B, (q) => `p${u(q)} < K`);
    const one = q4.map((q) => `if (p${u(q)} < K) { v.${comp[q]} = 1.0; }`).join(' ');
    loadBGroup = ones ? `if (j == params.ldB) { ${one} } else { ${plain} }` : plain;
  } else if (ones) {
    loadBGroup = spec.vec4B
      ? 'if (j < params.ldB) { v = B[base / 4u]; } else if (j == params.ldB && j < N) { v = vec4<f32>(1.0, 0.0, 0.0, 0.0); }'
      : q4.map((q) => {
        const jq = `j${u(q)}`;
        return `if (${jq} == params.ldB) { v.${comp[q]} = 1.0; } else if (${jq} < N) { v.${comp[q]} = B[base${u(q)}]; }`;
      }).join(' ');
  } else {
    loadBGroup = group('B', !!spec.vec4B, (q) => `j${u(q)} < N`);
  }
  const loadB = (l: number) => spec.transB
    ? `    { // B stored [N, K]: row j, 4 columns from p
      let flat = ${l * T}u + tid;
      let j = j0 + flat / ${KQ}u;
      let p = kb + 4u * (flat % ${KQ}u);
      var v = vec4<f32>(0.0);
      if (j < N) {
        let base = j * K + p;
        ${loadBGroup}
      }
      rb${l} = v;
    }`
    : `    { // B stored [K, ldB]: row p, 4 columns from j
      let flat = ${l * T}u + tid;
      let p = kb + flat / ${B4}u;
      let j = j0 + 4u * (flat % ${B4}u);
      var v = vec4<f32>(0.0);
      if (p < K) {
        let base = ${rowExpr(rowMapB, 'p')} * params.ldB + j;
        ${loadBGroup}
      }
      rb${l} = v;
    }`;
  const storeB = (l: number) => spec.transB
    ? storeTransposed('Bs', B4, 'rb', l)
    : `    Bs[${l * T}u + tid] = rb${l};`;
  const indent = (code: string) => code.replace(/^/gm, '  ');
  const gs = range(t.BM / (4 * TY));
  const hs = range(t.BN / (4 * TX));
  const ms = range(t.BM / TY);
  const accs = ms.flatMap((m) => hs.map((h) => `acc${m}_${h}`));
  const loads = [...range(nA).map(loadA), ...range(nB).map(loadB)].join('\n');
  const stores = [...range(nA).map(storeA), ...range(nB).map(storeB)].join('\n');
  const step = (c: string) => `${gs.map((g) => `      let a${g} = As[${c} * ${A4}u${u(TY * g)} + ty];`).join('\n')}
${hs.map((h) => `      let b${h} = Bs[${c} * ${B4}u${u(TX * h)} + tx];`).join('\n')}
${ms.flatMap((m) => hs.map((h) => t.fma
    ? `      acc${m}_${h} = fma(vec4<f32>(a${m >> 2}.${comp[m % 4]}), b${h}, acc${m}_${h});`
    : `      acc${m}_${h} = acc${m}_${h} + a${m >> 2}.${comp[m % 4]} * b${h};`)).join('\n')}`;
  // `unroll`: the BK steps written out with constant c, for compilers that would not unroll the loop.
  const multiply = t.unroll
    ? range(t.BK).map((c) => `    {\n${step(`${c}u`)}\n    }`).join('\n')
    : `    for (var c = 0u; c < BK; c = c + 1u) {\n${step('c')}\n    }`;
  const finish = ms.flatMap((m) => hs.flatMap((h) => q4.map((q) => `  {
    let i = i0 + ${4 * TY * (m >> 2) + (m % 4)}u + 4u * ty;
    let j = j0 + ${4 * TX * h + q}u + 4u * tx;
    if (i < M && j < N) {
      ${epilogue(`acc${m}_${h}.${comp[q]}`)}
    }
  }`))).join('\n');
  return `${COMMON}
struct Params { M: u32, N: u32, K: u32, ldB: u32, eta: f32, mu: f32, decay: f32, l1: f32 }
${decls}

const BK = ${t.BK}u;
var<workgroup> As: array<vec4<f32>, ${t.BK * A4}>; // As[c * ${A4} + r4] = op(A)[i0 + 4 r4 + (0…3), k0 + c]
var<workgroup> Bs: array<vec4<f32>, ${t.BK * B4}>; // Bs[c * ${B4} + s4] = op(B)[k0 + c, j0 + 4 s4 + (0…3)]

// A ${TX} × ${TY} thread block computes a ${t.BM} × ${t.BN} tile of C; thread (tx, ty) owns rows ${4 * TY} g + 4 ty + (0…3)
// and columns ${4 * TX} h + 4 tx + (0…3) of it.
@compute @workgroup_size(${TX}, ${TY}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32${norms.builtin}) {
  let M = ${spec.mFromStep ? 'step.rows' : 'params.M'};
  let N = params.N;
  let K = ${spec.kFromStep ? 'step.rows' : 'params.K'};
  let i0 = wid.y * ${t.BM}u;
  let j0 = wid.x * ${t.BN}u;
  // This thread's place (tx, ty) in the ${TX} × ${TY} block: a warp of 32 threads covers ${LX} × ${32 / LX} of it.
  let lane = tid % 32u;
  let warp = tid / 32u;
  let tx = (warp % ${TX / LX}u) * ${LX}u + lane % ${LX}u;
  let ty = (warp / ${TX / LX}u) * ${32 / LX}u + lane / ${LX}u;
${accs.map((a) => `  var ${a} = vec4<f32>(0.0);`).join('\n')}
${t.direct ? `  for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
    { // this slice: ${nA} groups of 4 of A, ${nB} of B, through registers held only until stored
      let kb = k0;
${range(nA).map((l) => `      var ra${l} = vec4<f32>(0.0);`).join('\n')}
${range(nB).map((l) => `      var rb${l} = vec4<f32>(0.0);`).join('\n')}
${indent(loads)}
${indent(stores)}
    }
    workgroupBarrier();
${multiply}
    workgroupBarrier();
  }` : `  // The slice being loaded, in registers: ${nA} groups of 4 of A, ${nB} of B.
${range(nA).map((l) => `  var ra${l} = vec4<f32>(0.0);`).join('\n')}
${range(nB).map((l) => `  var rb${l} = vec4<f32>(0.0);`).join('\n')}
  {
    let kb = 0u;
${loads}
  }
  for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
${stores}
    workgroupBarrier();
    if (k0 + BK < K) { // the next slice, into registers, while this one is multiplied
      let kb = k0 + BK;
${loads}
    }
${multiply}
    workgroupBarrier();
  }`}
${norms.before}${finish}${norms.after}
}
`;
}

// ---------------------------------------------------------------------------------------------
// Output layer: cost, δ^L and correct count of a batch, in one workgroup
// ---------------------------------------------------------------------------------------------

/** The output-layer kernel variant. */
export interface OutputSpec {
  cost: CostKind;
  act: OutputActivation;
  /** Write δ^L = ∂C/∂z^L of the batch-mean cost (each row's δ divided by the batch's rows). */
  writeDelta: boolean;
  /** Row map of the targets Y and labels. */
  rowMap: RowMap;
}

/**
 * WGSL of the output layer for one batch: from z^L [rows, C] and the targets, each row's cost
 * C_x, its δ^L (BP1, for the batch-mean cost) and whether argmax a^L is its label; the batch's sum
 * of C_x and count of correct rows land in metrics[2·step.batch] (float bits) and [2·step.batch + 1].
 * Params: { classes: u32 }. Rows come from step.rows.
 *   quadratic       C_x = ½‖a − y‖²,  δ = (a − y) ⊙ σ'(z)   (softmax: δ = a ⊙ (d − a·d), d = a − y)
 *   cross-entropy   C_x = Σ y softplus(−z) + (1 − y) softplus(z),  δ = a − y   (sigmoid output)
 *   log-likelihood  C_x = −Σ y log softmax(z),  δ = a − y   (softmax output)
 */
export function outputShader(spec: OutputSpec): ShaderSource {
  if (spec.cost === 'cross-entropy' && spec.act !== 'sigmoid') throw new ArgumentError(`outputShader: the cross-entropy cost needs a sigmoid output, got ${spec.act}`);
  if (spec.cost === 'log-likelihood' && spec.act !== 'softmax') throw new ArgumentError(`outputShader: the log-likelihood cost needs a softmax output, got ${spec.act}`);
  const list: [BindingKind, string, string][] = [
    ['uniform', 'params', 'Params'],
    ['step', 'step', 'Step'],
    ['read', 'Z', 'array<f32>'],
    ['read', 'Y', 'array<f32>'],
    ['read', 'labels', 'array<i32>'],
  ];
  if (spec.rowMap === 'gather') list.push(['read', 'idx', 'array<i32>']);
  if (spec.writeDelta) list.push(['rw', 'delta', 'array<f32>']);
  list.push(['rw', 'metrics', 'array<u32>']);
  const { decls, bindings } = declare(list);
  const softmax = spec.act === 'softmax';
  const activation = spec.act === 'softmax' ? 'exp(z - zmax) / sumExp' : actExpr(spec.act, 'z');
  let costTerm: string;
  let deltaTerm: string;
  switch (spec.cost) {
    case 'quadratic':
      costTerm = '0.5 * (a - y) * (a - y)';
      deltaTerm = softmax ? 'a * ((a - y) - dotAD)' : `(a - y) * ${actPrimeExpr(spec.act as ActivationKind, 'z', 'a')}`;
      break;
    case 'cross-entropy':
      costTerm = 'y * softplus_(-z) + (1.0 - y) * softplus_(z)';
      deltaTerm = 'a - y';
      break;
    case 'log-likelihood':
      costTerm = '-y * (z - logSum)';
      deltaTerm = 'a - y';
      break;
  }
  const code = `${COMMON}
struct Params { classes: u32, pad0: u32, pad1: u32, pad2: u32 }
${decls}

var<workgroup> costs: array<f32, 256>;
var<workgroup> hits: array<u32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) tid: u32) {
  let C = params.classes;
  let rows = step.rows;
  let invRows = 1.0 / f32(max(rows, 1u));
  var costSum = 0.0;
  var hit = 0u;
  for (var r = tid; r < rows; r = r + 256u) {
    let yr = ${rowExpr(spec.rowMap, 'r')};
    var zmax = -3.0e38;
    var sumExp = 0.0;
    ${softmax ? `for (var c = 0u; c < C; c = c + 1u) { zmax = max(zmax, Z[r * C + c]); }
    for (var c = 0u; c < C; c = c + 1u) { sumExp = sumExp + exp(Z[r * C + c] - zmax); }` : ''}
    ${softmax ? 'let logSum = log(sumExp) + zmax;' : ''}
    var dotAD = 0.0;
    ${spec.cost === 'quadratic' && softmax ? `for (var c = 0u; c < C; c = c + 1u) {
      let z = Z[r * C + c];
      let a = ${activation};
      dotAD = dotAD + a * (a - Y[yr * C + c]);
    }` : ''}
    var best = 0u;
    var bestA = 0.0;
    var rowCost = 0.0;
    for (var c = 0u; c < C; c = c + 1u) {
      let z = Z[r * C + c];
      let y = Y[yr * C + c];
      let a = ${activation};
      if (c == 0u || a > bestA) { best = c; bestA = a; }
      rowCost = rowCost + ${costTerm};
      ${spec.writeDelta ? `delta[r * C + c] = (${deltaTerm}) * invRows;` : ''}
    }
    costSum = costSum + rowCost;
    if (i32(best) == labels[yr]) { hit = hit + 1u; }
  }
  costs[tid] = costSum;
  hits[tid] = hit;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (tid < s) {
      costs[tid] = costs[tid] + costs[tid + s];
      hits[tid] = hits[tid] + hits[tid + s];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    metrics[2u * step.batch] = bitcast<u32>(costs[0]);
    metrics[2u * step.batch + 1u] = hits[0];
  }
}
`;
  return { key: `output:${spec.cost}:${spec.act}:${spec.writeDelta}:${spec.rowMap}`, code, bindings };
}

/**
 * The alignment monitor's sums, for one weight layer on one monitored batch: with the rule's update
 * direction u = δᵀ · a [nOut, nIn] (δ [rows, nOut] the rule's, a [rows, nIn] the layer's input,
 * row-mapped) and backprop's gradient g = δbpᵀ · a, each 16 × 16 workgroup (a thread per entry
 * (j, k), its sums over the rows written out) writes its Σ u·g, Σ u², Σ g² to
 * parts[3 · (slot · workgroups + workgroup) + {0, 1, 2}], slot = step.batch / params.every.
 * Run only on monitored batches, and only where a rule's update differs from backprop's (feedback
 * alignment, DFA): a monitor for networks the size of a textbook's, not a fast kernel.
 * Params: { nOut, nIn, every: u32 }.
 */
export function alignmentSumsShader(rowMap: 'none' | 'gather'): ShaderSource {
  const list: [BindingKind, string, string][] = [
    ['uniform', 'params', 'Params'],
    ['step', 'step', 'Step'],
    ['read', 'delta', 'array<f32>'],
    ['read', 'deltaBp', 'array<f32>'],
    ['read', 'A', 'array<f32>'],
  ];
  if (rowMap === 'gather') list.push(['read', 'idx', 'array<i32>']);
  list.push(['rw', 'parts', 'array<f32>']);
  const { decls, bindings } = declare(list);
  const code = `${COMMON}
struct Params { nOut: u32, nIn: u32, every: u32, pad0: u32 }
${decls}

var<workgroup> sums: array<vec3<f32>, 256>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let k = wid.x * 16u + lid.x; // input column of W
  let j = wid.y * 16u + lid.y; // output row of W
  var s = vec3<f32>(0.0, 0.0, 0.0);
  if (j < params.nOut && k < params.nIn) {
    var u = 0.0; // the rule's (∂C/∂W)[j, k]
    var g = 0.0; // backprop's
    for (var r = 0u; r < step.rows; r = r + 1u) {
      let a = A[${rowExpr(rowMap, 'r')} * params.nIn + k];
      u = u + delta[r * params.nOut + j] * a;
      g = g + deltaBp[r * params.nOut + j] * a;
    }
    s = vec3<f32>(u * g, u * u, g * g);
  }
  sums[tid] = s;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h = h >> 1u) {
    if (tid < h) { sums[tid] = sums[tid] + sums[tid + h]; }
    workgroupBarrier();
  }
  if (tid == 0u) {
    let at = 3u * ((step.batch / params.every) * nwg.x * nwg.y + wid.y * nwg.x + wid.x);
    parts[at] = sums[0].x;
    parts[at + 1u] = sums[0].y;
    parts[at + 2u] = sums[0].z;
  }
}
`;
  return { key: `alignmentSums:${rowMap}`, code, bindings };
}

// ---------------------------------------------------------------------------------------------
// One-dimensional kernels: a thread per element (or per row), 256 per workgroup, 2-D grids
// ---------------------------------------------------------------------------------------------

function oneDim(key: string, list: [BindingKind, string, string][], params: string, body: string, extra = ''): ShaderSource {
  const { decls, bindings } = declare(list);
  const code = `${COMMON}
struct Params { ${params} }
${decls}
${extra}
@compute @workgroup_size(${GROUP}, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let id = (wid.y * nwg.x + wid.x) * ${GROUP}u + tid;
${body}
}
`;
  return { key, code, bindings };
}

const P = (names: string[]): [BindingKind, string, string][] => [
  ['uniform', 'params', 'Params'],
  ['step', 'step', 'Step'],
  ...names.map((n): [BindingKind, string, string] => {
    const [kind, name, type] = n.split(' ');
    return [kind as BindingKind, name, type ?? 'array<f32>'];
  }),
];

/** delta[i] = dA[i] · act'(z[i]) (act' from a[i], relu from z[i]); the first piece of the dense backward. */
export function activationDeltaShader(act: ActivationKind): ShaderSource {
  return oneDim(`actDelta:${act}`, P(['read dA', 'read z', 'read a', 'rw delta']), 'n: u32, pad0: u32, pad1: u32, pad2: u32',
    `  if (id >= params.n) { return; }
  let zi = z[id];
  let ai = a[id];
  delta[id] = dA[id] * ${actPrimeExpr(act, 'zi', 'ai')};`);
}

/** out[j] (+)= Σ_r x[r, j] for x [rows, cols]: db of the dense backward (a thread per column). */
export function columnSumsShader(accumulate: boolean): ShaderSource {
  return oneDim(`colsum:${accumulate}`, P(['read x', 'rw out']), 'rows: u32, cols: u32, pad0: u32, pad1: u32',
    `  if (id >= params.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r = r + 1u) { s = s + x[r * params.cols + id]; }
  out[id] = ${accumulate ? 'out[id] + s' : 's'};`);
}

/**
 * The SGD step of optim/sgd on n elements: g = grad (+ decay·θ when `decay`); plain θ −= η g, or
 * with momentum v = μ v − η g, θ += v.
 */
export function sgdShader(momentum: boolean, decay: boolean): ShaderSource {
  return oneDim(`sgd:${momentum}:${decay}`, P(['rw theta', 'read grad', ...(momentum ? ['rw v'] : [])]),
    'n: u32, eta: f32, mu: f32, decay: f32',
    `  if (id >= params.n) { return; }
  let g = grad[id]${decay ? ' + params.decay * theta[id]' : ''};
  ${momentum ? `let vNew = params.mu * v[id] - params.eta * g;
  v[id] = vNew;
  theta[id] = theta[id] + vNew;` : 'theta[id] = theta[id] - params.eta * g;'}`);
}

/** out[r, :] = softmax(x[r, :]) or log softmax (max-shifted), a thread per row. */
export function softmaxShader(log: boolean): ShaderSource {
  return oneDim(`softmax:${log}`, P(['read x', 'rw out']), 'rows: u32, cols: u32, pad0: u32, pad1: u32',
    `  if (id >= params.rows) { return; }
  let C = params.cols;
  let base = id * C;
  var m = -3.0e38;
  for (var c = 0u; c < C; c = c + 1u) { m = max(m, x[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < C; c = c + 1u) { s = s + exp(x[base + c] - m); }
  ${log
    ? `let logTotal = log(s) + m;
  for (var c = 0u; c < C; c = c + 1u) { out[base + c] = x[base + c] - logTotal; }`
    : 'for (var c = 0u; c < C; c = c + 1u) { out[base + c] = exp(x[base + c] - m) / s; }'}`);
}

/** out[r] = index of the largest x[r, :] (first on ties), a thread per row. */
export function argmaxShader(): ShaderSource {
  return oneDim('argmax', P(['read x', 'rw out array<i32>']), 'rows: u32, cols: u32, pad0: u32, pad1: u32',
    `  if (id >= params.rows) { return; }
  let base = id * params.cols;
  var best = 0u;
  for (var c = 1u; c < params.cols; c = c + 1u) { if (x[base + c] > x[base + best]) { best = c; } }
  out[id] = i32(best);`);
}

/**
 * count[0] += number of rows r whose argmax x[r, :] equals labels[r]: the accuracy reduction
 * (a thread per row, a tree sum per workgroup, one atomic add per workgroup; integers, so exact).
 */
export function countCorrectShader(): ShaderSource {
  return oneDim('correct', P(['read x', 'read labels array<i32>', 'rw count array<atomic<u32>>']), 'rows: u32, cols: u32, pad0: u32, pad1: u32',
    `  var hit = 0u;
  if (id < params.rows) {
    let base = id * params.cols;
    var best = 0u;
    for (var c = 1u; c < params.cols; c = c + 1u) { if (x[base + c] > x[base + best]) { best = c; } }
    if (i32(best) == labels[id]) { hit = 1u; }
  }
  hits[tid] = hit;
  workgroupBarrier();
  for (var s = ${GROUP / 2}u; s > 0u; s = s >> 1u) {
    if (tid < s) { hits[tid] = hits[tid] + hits[tid + s]; }
    workgroupBarrier();
  }
  if (tid == 0u && hits[0] > 0u) { atomicAdd(&count[0], hits[0]); }`,
    `var<workgroup> hits: array<u32, ${GROUP}>;`);
}

/** out[r, :] = src[idx[r], :] for rows of `len` (a thread per element). */
export function gatherRowsShader(): ShaderSource {
  return oneDim('gather', P(['read src', 'read idx array<i32>', 'rw out']), 'rows: u32, len: u32, pad0: u32, pad1: u32',
    `  if (id >= params.rows * params.len) { return; }
  let r = id / params.len;
  let c = id % params.len;
  out[id] = src[u32(idx[r]) * params.len + c];`);
}
