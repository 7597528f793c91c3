// @ts-nocheck — AssemblyScript, not TypeScript: compiled by scripts/build-wasm.mjs, skipped by tsc.
/**
 * wasm/assembly/dense — the fused dense layer, forward and backward, with zero skipping.
 *
 * Inputs to the first layer are mostly exact zeros (MNIST: 19 % of pixels non-zero, 28.5 % of
 * aligned 4-pixel blocks). So the kernels first list, per sample, the 4-float blocks of x that hold
 * any non-zero bit pattern; when few enough blocks are non-zero they work block-sparse, still 4-wide
 * SIMD: z[s, j] sums W[j, block]·x[s, block] over the listed blocks only, and dW[j, block] +=
 * δ[s, j]·x[s, block] likewise. Skipped blocks contribute exactly 0 (as 0·w = 0 for finite w), so
 * results agree with the reference to float32 round-off. Dense inputs go to the GEMM engines.
 * A tail of nIn % 4 columns is always handled as dense scalars.
 */
import { madd, hsum4 } from './simd';
import { gemmDot, gemmOuter, matmulScratchBytes } from './gemm';
import { activate, activationDelta } from './elementwise';

/** Use the block-sparse path when at most this fraction of x's 4-blocks is non-zero. */
const SPARSE_MAX_DENSITY: f64 = 0.5;

/**
 * Lists the non-zero 4-blocks of each row of x [batch, nIn]: for row s, count at lists[s·(nb+1)]
 * followed by the byte offsets of its blocks. Returns the total count.
 */
function listBlocks(x: usize, batch: i32, nIn: i32, lists: usize): i32 {
  const nb = nIn >> 2;
  const rb = <usize>nIn << 2;
  let total = 0;
  for (let s = 0; s < batch; s++) {
    const row = x + <usize>s * rb;
    const list = lists + <usize>s * <usize>(nb + 1) * 4;
    let cnt = 0;
    for (let q = 0; q < nb; q++) {
      const off = <usize>q << 4;
      if (v128.any_true(v128.load(row + off))) {
        store<i32>(list + (<usize>(cnt + 1) << 2), <i32>off);
        cnt++;
      }
    }
    store<i32>(list, cnt);
    total += cnt;
  }
  return total;
}

/** Bytes of scratch denseForward / denseBackward need. */
export function denseScratchBytes(batch: i32, nIn: i32, nOut: i32): i32 {
  const lists = ((batch * ((nIn >> 2) + 1) + 3) & ~3) * 4;
  const gemm = max<i32>(matmulScratchBytes(nOut, nIn, batch, true, false), matmulScratchBytes(batch, nIn, nOut, false, false));
  return lists + gemm;
}

/** Σ over tail columns [nb·4, nIn) of W[j, ·]·x[·] (scalar). */
@inline function tailDot(w: usize, x: usize, from: usize, to: usize): f32 {
  let s: f32 = 0;
  for (let o = from; o < to; o += 4) s += load<f32>(w + o) * load<f32>(x + o);
  return s;
}

/** z[s, :] = b + W·x[s, :] over the listed blocks of one sample. */
function sparseRowForward(x: usize, list: usize, cnt: i32, W: usize, b: usize, z: usize, nIn: i32, nOut: i32): void {
  const rb = <usize>nIn << 2;
  const tailFrom = <usize>(nIn & ~3) << 2;
  const listEnd = list + (<usize>cnt << 2);
  let j = 0;
  for (; j + 8 <= nOut; j += 8) {
    const w0 = W + <usize>j * rb;
    const w1 = w0 + rb, w2 = w1 + rb, w3 = w2 + rb, w4 = w3 + rb, w5 = w4 + rb, w6 = w5 + rb, w7 = w6 + rb;
    let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (let l = list; l < listEnd; l += 4) {
      const off = <usize>load<i32>(l);
      const xv = v128.load(x + off);
      c0 = madd(v128.load(w0 + off), xv, c0);
      c1 = madd(v128.load(w1 + off), xv, c1);
      c2 = madd(v128.load(w2 + off), xv, c2);
      c3 = madd(v128.load(w3 + off), xv, c3);
      c4 = madd(v128.load(w4 + off), xv, c4);
      c5 = madd(v128.load(w5 + off), xv, c5);
      c6 = madd(v128.load(w6 + off), xv, c6);
      c7 = madd(v128.load(w7 + off), xv, c7);
    }
    const zj = z + (<usize>j << 2), bj = b + (<usize>j << 2);
    v128.store(zj, f32x4.add(hsum4(c0, c1, c2, c3), v128.load(bj)));
    v128.store(zj, f32x4.add(hsum4(c4, c5, c6, c7), v128.load(bj, 16)), 16);
    if (tailFrom < rb) {
      for (let r = 0; r < 8; r++) {
        const o = <usize>r << 2;
        store<f32>(zj + o, load<f32>(zj + o) + tailDot(w0 + <usize>r * rb, x, tailFrom, rb));
      }
    }
  }
  for (; j + 4 <= nOut; j += 4) {
    const w0 = W + <usize>j * rb;
    const w1 = w0 + rb, w2 = w1 + rb, w3 = w2 + rb;
    let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
    for (let l = list; l < listEnd; l += 4) {
      const off = <usize>load<i32>(l);
      const xv = v128.load(x + off);
      c0 = madd(v128.load(w0 + off), xv, c0);
      c1 = madd(v128.load(w1 + off), xv, c1);
      c2 = madd(v128.load(w2 + off), xv, c2);
      c3 = madd(v128.load(w3 + off), xv, c3);
    }
    const zj = z + (<usize>j << 2);
    v128.store(zj, f32x4.add(hsum4(c0, c1, c2, c3), v128.load(b + (<usize>j << 2))));
    if (tailFrom < rb) {
      for (let r = 0; r < 4; r++) {
        const o = <usize>r << 2;
        store<f32>(zj + o, load<f32>(zj + o) + tailDot(w0 + <usize>r * rb, x, tailFrom, rb));
      }
    }
  }
  for (; j < nOut; j++) {
    const w0 = W + <usize>j * rb;
    let c0 = f32x4.splat(0);
    for (let l = list; l < listEnd; l += 4) {
      const off = <usize>load<i32>(l);
      c0 = madd(v128.load(w0 + off), v128.load(x + off), c0);
    }
    const s = f32x4.extract_lane(c0, 0) + f32x4.extract_lane(c0, 1) + (f32x4.extract_lane(c0, 2) + f32x4.extract_lane(c0, 3));
    store<f32>(z + (<usize>j << 2), s + load<f32>(b + (<usize>j << 2)) + tailDot(w0, x, tailFrom, rb));
  }
}

/**
 * z = x·Wᵀ + b, a = act(z). x [batch, nIn], W [nOut, nIn], b [nOut], z and a [batch, nOut].
 * act: 0 linear, 1 sigmoid, 2 tanh, 3 relu. scratch: denseScratchBytes(…) bytes.
 */
export function denseForward(
  x: usize, W: usize, b: usize, z: usize, a: usize,
  batch: i32, nIn: i32, nOut: i32, act: i32, scratch: usize,
): void {
  if (batch <= 0 || nOut <= 0) return;
  const nb = nIn >> 2;
  const zb = <usize>nOut << 2;
  const lists = scratch;
  const total = listBlocks(x, batch, nIn, lists);
  if (<f64>total <= SPARSE_MAX_DENSITY * <f64>batch * <f64>nb) {
    const rb = <usize>nIn << 2;
    for (let s = 0; s < batch; s++) {
      const list = lists + <usize>s * <usize>(nb + 1) * 4;
      sparseRowForward(x + <usize>s * rb, list + 4, load<i32>(list), W, b, z + <usize>s * zb, nIn, nOut);
    }
  } else {
    for (let s = 0; s < batch; s++) memory.copy(z + <usize>s * zb, b, zb);
    gemmDot(x, <usize>nIn << 2, W, <usize>nIn << 2, z, batch, nOut, nIn, true);
  }
  activate(act, z, a, batch * nOut);
}

/** dW[j.., block] += δ[s, j..]·x[s, block] over the listed blocks of one sample (4 rows at a time). */
function sparseRowWeightGrad(x: usize, list: usize, cnt: i32, d: usize, dW: usize, nIn: i32, nOut: i32): void {
  const rb = <usize>nIn << 2;
  const tailFrom = <usize>(nIn & ~3) << 2;
  const listEnd = list + (<usize>cnt << 2);
  let j = 0;
  for (; j + 4 <= nOut; j += 4) {
    const dv = v128.load(d + (<usize>j << 2));
    if (!v128.any_true(dv)) continue;
    const d0 = f32x4.splat(f32x4.extract_lane(dv, 0)), d1 = f32x4.splat(f32x4.extract_lane(dv, 1));
    const d2 = f32x4.splat(f32x4.extract_lane(dv, 2)), d3 = f32x4.splat(f32x4.extract_lane(dv, 3));
    const w0 = dW + <usize>j * rb;
    const w1 = w0 + rb, w2 = w1 + rb, w3 = w2 + rb;
    for (let l = list; l < listEnd; l += 4) {
      const off = <usize>load<i32>(l);
      const xv = v128.load(x + off);
      v128.store(w0 + off, madd(d0, xv, v128.load(w0 + off)));
      v128.store(w1 + off, madd(d1, xv, v128.load(w1 + off)));
      v128.store(w2 + off, madd(d2, xv, v128.load(w2 + off)));
      v128.store(w3 + off, madd(d3, xv, v128.load(w3 + off)));
    }
    for (let o = tailFrom; o < rb; o += 4) {
      const xs = load<f32>(x + o);
      store<f32>(w0 + o, load<f32>(w0 + o) + f32x4.extract_lane(dv, 0) * xs);
      store<f32>(w1 + o, load<f32>(w1 + o) + f32x4.extract_lane(dv, 1) * xs);
      store<f32>(w2 + o, load<f32>(w2 + o) + f32x4.extract_lane(dv, 2) * xs);
      store<f32>(w3 + o, load<f32>(w3 + o) + f32x4.extract_lane(dv, 3) * xs);
    }
  }
  for (; j < nOut; j++) {
    const ds = load<f32>(d + (<usize>j << 2));
    if (ds == 0) continue;
    const dv = f32x4.splat(ds);
    const w0 = dW + <usize>j * rb;
    for (let l = list; l < listEnd; l += 4) {
      const off = <usize>load<i32>(l);
      v128.store(w0 + off, madd(dv, v128.load(x + off), v128.load(w0 + off)));
    }
    for (let o = tailFrom; o < rb; o += 4) store<f32>(w0 + o, load<f32>(w0 + o) + ds * load<f32>(x + o));
  }
}

/**
 * Fused dense backward (see Kernels.denseBackward): delta = dA ⊙ act'(z); dW (+)= deltaᵀ·x;
 * db (+)= Σ_s delta; dX = delta·W when hasDX. scratch: denseScratchBytes(…) bytes.
 */
export function denseBackward(
  x: usize, W: usize, z: usize, a: usize, dA: usize, delta: usize, dW: usize, db: usize, dX: usize,
  hasDX: bool, batch: i32, nIn: i32, nOut: i32, act: i32, accumulate: bool, scratch: usize,
): void {
  const zb = <usize>nOut << 2;
  activationDelta(act, dA, z, a, delta, batch * nOut);
  // db
  if (!accumulate) memory.fill(db, 0, zb);
  const n4 = <usize>(nOut & ~3) << 2;
  for (let s = 0; s < batch; s++) {
    const d = delta + <usize>s * zb;
    for (let o: usize = 0; o < n4; o += 16) v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(d + o)));
    for (let o = n4; o < zb; o += 4) store<f32>(db + o, load<f32>(db + o) + load<f32>(d + o));
  }
  // dW
  const nb = nIn >> 2;
  const lists = scratch;
  const gemmScratch = scratch + <usize>(((batch * (nb + 1) + 3) & ~3) * 4);
  const total = batch > 0 ? listBlocks(x, batch, nIn, lists) : 0;
  if (batch > 0 && <f64>total <= SPARSE_MAX_DENSITY * <f64>batch * <f64>nb) {
    if (!accumulate) memory.fill(dW, 0, <usize>nOut * (<usize>nIn << 2));
    const rb = <usize>nIn << 2;
    for (let s = 0; s < batch; s++) {
      const list = lists + <usize>s * <usize>(nb + 1) * 4;
      sparseRowWeightGrad(x + <usize>s * rb, list + 4, load<i32>(list), delta + <usize>s * zb, dW, nIn, nOut);
    }
  } else {
    gemmOuter(delta, 4, zb, x, <usize>nIn << 2, dW, nOut, nIn, batch, accumulate, gemmScratch);
  }
  // dX = delta · W
  if (hasDX) gemmOuter(delta, zb, 4, W, <usize>nIn << 2, dX, batch, nIn, nOut, false, gemmScratch);
}
