/**
 * wasm/assembly/dense — the fused dense layer, forward and backward, with zero skipping.
 *
 * Inputs to the first layer are mostly exact zeros (MNIST: 19 % of pixels are non-zero, 28.5 % of
 * aligned 4-pixel blocks; Fashion-MNIST: 50 % and 61 %), and both kernels skip them, still 4-wide
 * SIMD, whenever x is sparse enough (otherwise they call the plain GEMM engines):
 *  - forward, z[s, j] = b[j] + Σ_blocks W[j, block]·x[s, block]: the samples go in pairs (G = 2),
 *    paired after sorting them by their first and last non-zero block (`pairOrder`); the 4-float
 *    blocks non-zero in either (any bit set: −0 and NaN count; Fashion-MNIST: 69 % of a sorted
 *    pair's blocks at batch 128, 78 % in batch order) are listed and copied, interleaved by sample,
 *    into a compact buffer; a tile of 2 samples × 4 rows of W runs over the listed blocks only. It runs about as fast per block as
 *    the dense GEMM, so it is used unless nearly every block is listed. (Groups of 4 samples, tried
 *    first, list 89 % of Fashion-MNIST's blocks.)
 *  - forward when x is a ReLU layer's output (≤ 35 % non-zero, scattered; nIn ≤ 512): each
 *    thread writes its units' slice of Wᵀ into its own scratch and runs the sparse-times-dense
 *    engine of spmm.ts over each sample's non-zero inputs.
 *  - backward, dW = δᵀ·x: the outer-product GEMM with `sparseB`, which in every 8-column strip of x
 *    skips the samples whose 8 values are all zero (40 % of sample × strip pairs remain on MNIST).
 *  - backward with the SGD update, W ← decay·W − η·δᵀ·x: the same sparse outer-product GEMM,
 *    accumulating −η·δ straight into W, so ∂C/∂W is never written.
 *  - backward of a ReLU layer whose δ is mostly exact zeros (units that did not fire): both
 *    products, δᵀ·x and δ·W, through the sparse-times-dense engine of spmm.ts, one row of δᵀ (or δ)
 *    at a time over its non-zeros only.
 * Skipped terms are exactly 0 (0·w = 0 for finite w), so results agree with the reference to float32
 * round-off. In the forward, the nIn % 4 tail columns are handled as dense scalars.
 *
 * The backward kernels' `sparse` flags: bit 0, x's zero blocks are skipped in δᵀ·x; bit 1, δ's zeros
 * are skipped in both products.
 */
import { madd, hsum, hsum4 } from './simd';
import { gemmDot, gemmOuter, matmulScratchBytes, transpose } from './gemm';
import { activate, activationDelta } from './elementwise';
import { nonzeroAtMost, spmmRows, spmmScratchBytes } from './spmm';

/** Samples per group (the forward's tile is G samples × 4 rows of W). */
const G: i32 = 2;
/** The backward skips zeros when at most this fraction of the per-sample blocks is non-zero (batch < 64). */
const SPARSE_MAX_DENSITY: f64 = 0.6;
/** The forward runs over the listed blocks when at most this fraction of the pairs' blocks is listed. */
const FORWARD_MAX_DENSITY: f64 = 0.95;
/**
 * The backward's zero skipping (per sample and 8-column strip) when at most this fraction of 4-blocks
 * is non-zero; from batch 64 up, a looser bound (measured on Fashion-MNIST, 61 % of blocks non-zero:
 * batch 128, 784 → 256: 1042 → 984 µs; batch 10: 2–4 % slower, so not there).
 */
@inline function backwardSparse(x: usize, batch: i32, nIn: i32): i32 {
  return blockDensityAtMost(x, batch, nIn, batch >= 64 ? 0.8 : SPARSE_MAX_DENSITY) ? 1 : 0;
}

/**
 * A ReLU layer's backward runs on δ's non-zeros when at most this fraction of δ is non-zero.
 * Measured with `npx tsx bench/kernels.ts` (its second table; docs/performance.md, item 10): the
 * break-even was near 35–45 % with 32-column strips and is near 45–50 % with 24-column ones (spmm.ts).
 */
const DELTA_SPARSE_MAX_DENSITY: f64 = 0.45;

/** The `sparse` flag bit for δ (see above): set for ReLU when δ is sparse enough. */
@inline function deltaSparse(act: i32, delta: usize, n: i32): i32 {
  return act == 3 && nonzeroAtMost(delta, n, DELTA_SPARSE_MAX_DENSITY) ? 2 : 0;
}

/** Bytes of one group's list: count, then up to nb block offsets (i32). */
@inline function listBytes(nb: i32): usize {
  return <usize>((nb + 4) & ~3) << 2;
}

/** Bytes of one group's copied blocks: nb blocks × G samples × 16 bytes. */
@inline function blockBytes(nb: i32): usize {
  return <usize>nb << 5;
}

/**
 * Bytes before the forward's lists in scratch: the pairing order (batch i32: slot t of the pairs
 * holds sample order[t]), then its sort's keys and counts (batch i32 twice, nb + 2 i32).
 */
@inline function orderBytes(batch: i32, nb: i32): usize {
  return <usize>((4 * batch + nb + 2 + 3) & ~3) << 2;
}

/**
 * The pairing order (order[t] = the sample in slot t; group g is slots 2g and 2g + 1): the samples
 * sorted by their first, then their last non-zero 4-block (two stable counting sorts), so a pair
 * holds images of similar extent and their union lists fewer blocks. Measured on Fashion-MNIST
 * (`npx tsx bench/pairs.ts`, 300 random batches): 68.5 % of a pair's blocks listed at batch 128
 * instead of 77.9 % in batch order, 72.4 % instead of 78.0 % at batch 10; greedy best-partner
 * matching gave only 72.3 %.
 * Only the work changes: a pair's extra blocks add exact zeros to the other sample's sums.
 */
function pairOrder(x: usize, batch: i32, nIn: i32, nOut: i32, order: usize): void {
  const nb = nIn >> 2;
  const rb = <usize>nIn << 2;
  const tmp = order + (<usize>batch << 2);
  const first = tmp + (<usize>batch << 2); // first non-zero block, nb when none
  const last = first + (<usize>batch << 2); // last non-zero block + 1, 0 when none
  const counts = last + (<usize>batch << 2); // nb + 2 i32
  for (let s = 0; s < batch; s++) {
    const row = x + <usize>s * rb;
    let f = 0;
    while (f < nb && !v128.any_true(v128.load(row + (<usize>f << 4)))) f++;
    let l = nb;
    while (l > f && !v128.any_true(v128.load(row + (<usize>(l - 1) << 4)))) l--;
    store<i32>(first + (<usize>s << 2), f);
    store<i32>(last + (<usize>s << 2), l);
  }
  // Each thread's slots of a rows split sorted on their own, so its rows of z stay its own stretch
  // (neighbouring rows written from two cores would share cache lines); the same order either way.
  const split = forwardRowsSplit(batch, nOut);
  for (let t = 0; t < batch; t++) store<i32>(order + (<usize>t << 2), t);
  for (let t0 = 0; t0 < batch; t0 = split) {
    const t1 = t0 < split ? split : batch;
    countingSort(last, nb, counts, order, tmp, t0, t1); // tmp[t0, t1): those samples by last block
    countingSort(first, nb, counts, tmp, order, t0, t1); // order[t0, t1): by first block, ties by last
    if (t1 == batch) break;
  }
}

/**
 * Stable counting sort of the samples from[t0 … t1 − 1] by key[s] ∈ [0, nb], into to[t0 … t1 − 1].
 * counts: nb + 2 i32 of scratch.
 */
function countingSort(key: usize, nb: i32, counts: usize, from: usize, to: usize, t0: i32, t1: i32): void {
  memory.fill(counts, 0, <usize>(nb + 2) << 2);
  for (let t = t0; t < t1; t++) {
    const c = counts + (<usize>(load<i32>(key + (<usize>load<i32>(from + (<usize>t << 2)) << 2)) + 1) << 2);
    store<i32>(c, load<i32>(c) + 1);
  }
  for (let k = 1; k <= nb + 1; k++) {
    const c = counts + (<usize>k << 2);
    store<i32>(c, load<i32>(c) + load<i32>(c - 4));
  }
  for (let t = t0; t < t1; t++) {
    const s = load<i32>(from + (<usize>t << 2));
    const c = counts + (<usize>load<i32>(key + (<usize>s << 2)) << 2);
    const pos = load<i32>(c);
    store<i32>(c, pos + 1);
    store<i32>(to + (<usize>(t0 + pos) << 2), s);
  }
}

/** From this batch size up, two threads split the dense forward by batch rows, not by units. */
const ROWS_SPLIT_BATCH: i32 = 256;

/**
 * The slot at which two threads split the dense forward's rows: a multiple of 16 near batch / 2
 * (for a batch of ROWS_SPLIT_BATCH or more, or with at most 8 units, too few to split), else batch
 * (they split the units). The backend asks here, and the pairing order sorts each side on its own.
 */
export function forwardRowsSplit(batch: i32, nOut: i32): i32 {
  const unitsHalf = ((nOut + 15) >> 4) << 3; // nOut / 2 rounded up to a multiple of 8
  if (batch < ROWS_SPLIT_BATCH && unitsHalf < nOut) return batch;
  return min<i32>(batch, ((batch + 31) >> 5) << 4); // batch / 2 rounded up to a multiple of 16
}

/**
 * The forward over x's non-zero values (spmm.ts, with Wᵀ written to scratch) runs when at most this
 * fraction of x is non-zero (a ReLU layer's output)…
 */
const SPMM_FORWARD_MAX_DENSITY: f64 = 0.35;
/** …a 24-column strip of Wᵀ's nIn rows fits in L1 (nIn · 96 bytes ≤ 48 KiB)… */
const SPMM_FORWARD_MAX_IN: i32 = 512;
/**
 * …the layer has enough units to fill the engine's 24-column strips: with fewer the pairs (or the
 * GEMM) win. Measured with `npx tsx bench/ab-forward.ts --threads 1 --relu 0.27` (seventh session),
 * this engine against the pairs: [128, 128, 10] 27.5 against 13.2 µs, [128, 128, 32] 27.8 / 24.9,
 * [128, 256, 32] 73.8 / 66.8, [128, 512, 32] 168.5 / 132.8; from 40 units on it wins: [128, 128,
 * 40] 44.3 / 48.4, [128, 256, 40] 70.0 / 78.3, [128, 512, 48] 157.4 / 185.3…
 */
const SPMM_FORWARD_MIN_OUT: i32 = 40;
/** …the batch is large enough to pay for the transpose… */
const SPMM_FORWARD_MIN_BATCH: i32 = 16;
/**
 * …and the zeros are scattered: at most this many non-zeros per non-zero 4-block (the pairs skip
 * only whole zero blocks, so zeros in runs, like an image's background, suit them better). Measured
 * on [128, 256, 128], one thread, against the pairs (`bench/ab-forward.ts`): ReLU-like inputs (zeros
 * at random places, 1.2–1.6 non-zeros per non-zero block at 10–30 % density) 1.28–1.45× faster; the
 * first 256 pixels of Fashion-MNIST images (zeros in runs, ~3 per block) 0.91× as fast.
 */
const SPMM_FORWARD_MAX_PER_BLOCK: f64 = 2;

/** Bytes of Wᵀ [nIn, nOut] at the start of the spmm forward's scratch. */
@inline function transposedBytes(nIn: i32, nOut: i32): usize {
  return (<usize>nIn * <usize>nOut * 4 + 15) & ~(<usize>15);
}

/** Where the spmm forward's lists start in a caller's scratch: after its Wᵀ [nIn, nOut]. */
@inline function spmmForwardScratch(scratch: usize, nIn: i32, nOut: i32): usize {
  return scratch + transposedBytes(nIn, nOut);
}

/** Bytes of scratch denseForward / denseBackward need. */
export function denseScratchBytes(batch: i32, nIn: i32, nOut: i32): i32 {
  const nb = nIn >> 2;
  const groups = (batch + G - 1) / G;
  const lists = <i32>(orderBytes(batch, nb) + <usize>groups * (listBytes(nb) + blockBytes(nb)));
  const gemm = max<i32>(matmulScratchBytes(nOut, nIn, batch, true, false), matmulScratchBytes(batch, nIn, nOut, false, false));
  const spmm = max<i32>(spmmScratchBytes(nOut, batch), spmmScratchBytes(batch, nOut));
  const spmmForward = nIn <= SPMM_FORWARD_MAX_IN ? <i32>(transposedBytes(nIn, nOut) + <usize>spmmScratchBytes(batch, nIn)) : 0;
  return max<i32>(max<i32>(lists + gemm, spmm), spmmForward);
}

/**
 * For every group of G samples of x [batch, nIn] (group g: samples order[2g], order[2g + 1]), list
 * the 4-blocks non-zero in any of them: the group's list (at lists + g·listBytes) holds the count
 * then byte offsets; its blocks (at blocks + g·blockBytes) hold, per listed block, the G samples' 16
 * bytes (zeros past the last sample).
 * Branch-free: every block is written, the cursors move only past a listed one (at Fashion-MNIST's
 * 78 % a branch would mispredict often). Lists the groups that start at samples [from, to) and
 * returns how many blocks they listed.
 */
function listGroups(x: usize, batch: i32, nIn: i32, order: usize, lists: usize, blocks: usize, from: i32, to: i32): i32 {
  const nb = nIn >> 2;
  const rb = <usize>nIn << 2;
  const lb = listBytes(nb), bb = blockBytes(nb);
  const zero = f32x4.splat(0);
  let total = 0;
  for (let s0 = from, g = from / G; s0 < to; s0 += G, g++) {
    const pair = s0 + 1 < batch;
    const p0 = x + <usize>load<i32>(order + (<usize>s0 << 2)) * rb;
    const p1 = pair ? x + <usize>load<i32>(order + (<usize>s0 << 2), 4) * rb : p0;
    const list = lists + <usize>g * lb;
    let entry = list + 4;
    let out = blocks + <usize>g * bb;
    for (let q = 0; q < nb; q++) {
      const off = <usize>q << 4;
      const v0 = v128.load(p0 + off);
      const v1 = pair ? v128.load(p1 + off) : zero;
      store<i32>(entry, <i32>off);
      v128.store(out, v0);
      v128.store(out, v1, 16);
      const listed = v128.any_true(v128.or(v0, v1));
      entry += listed ? 4 : 0;
      out += listed ? 32 : 0;
    }
    const cnt = <i32>((entry - list - 4) >> 2);
    store<i32>(list, cnt);
    total += cnt;
  }
  return total;
}

/** The most listed blocks over the groups for which the block-sparse forward runs. */
@inline function sparseLimit(batch: i32, nIn: i32): f64 {
  return FORWARD_MAX_DENSITY * <f64>((batch + G - 1) / G) * <f64>(nIn >> 2);
}


/**
 * z[s0..s1, j0..j1) = b + W·x over each pair's listed blocks (s0 even). Rows of W go in fours from
 * j0, then a two and a one as needed, each tile of rows (four: 12.5 KiB at nIn = 784, in L1) over
 * every pair, so W streams from L2 once per call and the copied blocks once per tile. Every element is its own
 * accumulator's lanes summed the same way (hsum4's lane k is hsum of its k-th vector), so splitting
 * the units at multiples of 4 or the samples at even rows gives the unsplit values. Per listed
 * block the 2 × 4 tile loads one block of each of the two samples and of four rows of W for eight
 * multiply-adds (14 SIMD registers: V8 keeps them all, see spmm.ts).
 */
function pairsForward(
  order: usize, lists: usize, blocks: usize, batch: i32, W: usize, b: usize, z: usize, nIn: i32, nOut: i32, s0: i32, s1: i32, j0: i32, j1: i32,
): void {
  const rb = <usize>nIn << 2;
  const zb = <usize>nOut << 2;
  const nb = nIn >> 2;
  const lb = listBytes(nb), bb = blockBytes(nb);
  const g0 = s0 / G, g1 = (s1 + G - 1) / G;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const w0 = W + <usize>j * rb;
    const w1 = w0 + rb, w2 = w1 + rb, w3 = w2 + rb;
    const o = <usize>j << 2;
    const bias = v128.load(b + o);
    for (let g = g0; g < g1; g++) {
      const list = lists + <usize>g * lb;
      const offsEnd = list + 4 + (<usize>load<i32>(list) << 2);
      let xb = blocks + <usize>g * bb;
      let c00 = f32x4.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
      for (let l = list + 4; l < offsEnd; l += 4) {
        const off = <usize>load<i32>(l);
        const a0 = v128.load(w0 + off), a1 = v128.load(w1 + off), a2 = v128.load(w2 + off), a3 = v128.load(w3 + off);
        const v0 = v128.load(xb), v1 = v128.load(xb, 16);
        c00 = madd(a0, v0, c00);
        c01 = madd(a1, v0, c01);
        c02 = madd(a2, v0, c02);
        c03 = madd(a3, v0, c03);
        c10 = madd(a0, v1, c10);
        c11 = madd(a1, v1, c11);
        c12 = madd(a2, v1, c12);
        c13 = madd(a3, v1, c13);
        xb += 32;
      }
      const slot = order + (<usize>(g * G) << 2);
      v128.store(z + <usize>load<i32>(slot) * zb + o, f32x4.add(hsum4(c00, c01, c02, c03), bias)); // sample order[2g] × rows j..j+3
      if (g * G + 1 < batch) v128.store(z + <usize>load<i32>(slot, 4) * zb + o, f32x4.add(hsum4(c10, c11, c12, c13), bias));
    }
  }
  if (j + 2 <= j1) {
    // Two rows of W (nOut % 4 ≥ 2, e.g. W1's 30 units): half the tile, same per-element sums.
    const w0 = W + <usize>j * rb;
    const w1 = w0 + rb;
    const o = <usize>j << 2;
    const b0 = load<f32>(b + o), b1 = load<f32>(b + o, 4);
    for (let g = g0; g < g1; g++) {
      const list = lists + <usize>g * lb;
      const offsEnd = list + 4 + (<usize>load<i32>(list) << 2);
      let xb = blocks + <usize>g * bb;
      let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
      for (let l = list + 4; l < offsEnd; l += 4) {
        const off = <usize>load<i32>(l);
        const a0 = v128.load(w0 + off), a1 = v128.load(w1 + off);
        const v0 = v128.load(xb), v1 = v128.load(xb, 16);
        c00 = madd(a0, v0, c00);
        c01 = madd(a1, v0, c01);
        c10 = madd(a0, v1, c10);
        c11 = madd(a1, v1, c11);
        xb += 32;
      }
      const slot = order + (<usize>(g * G) << 2);
      const zs = z + <usize>load<i32>(slot) * zb + o;
      store<f32>(zs, hsum(c00) + b0);
      store<f32>(zs, hsum(c01) + b1, 4);
      if (g * G + 1 < batch) {
        const zt = z + <usize>load<i32>(slot, 4) * zb + o;
        store<f32>(zt, hsum(c10) + b0);
        store<f32>(zt, hsum(c11) + b1, 4);
      }
    }
    j += 2;
  }
  for (; j < j1; j++) {
    const w0 = W + <usize>j * rb;
    const o = <usize>j << 2;
    const bj = load<f32>(b + o);
    for (let g = g0; g < g1; g++) {
      const list = lists + <usize>g * lb;
      const offsEnd = list + 4 + (<usize>load<i32>(list) << 2);
      let xb = blocks + <usize>g * bb;
      let c0 = f32x4.splat(0), c1 = c0;
      for (let l = list + 4; l < offsEnd; l += 4) {
        const a = v128.load(w0 + <usize>load<i32>(l));
        c0 = madd(a, v128.load(xb), c0);
        c1 = madd(a, v128.load(xb, 16), c1);
        xb += 32;
      }
      const slot = order + (<usize>(g * G) << 2);
      store<f32>(z + <usize>load<i32>(slot) * zb + o, hsum(c0) + bj);
      if (g * G + 1 < batch) store<f32>(z + <usize>load<i32>(slot, 4) * zb + o, hsum(c1) + bj);
    }
  }
}

/**
 * z = x·Wᵀ + b, a = act(z). x [batch, nIn], W [nOut, nIn], b [nOut], z and a [batch, nOut].
 * act: 0 linear, 1 sigmoid, 2 tanh, 3 relu. scratch: denseScratchBytes(…) bytes.
 * The same as denseForwardPrepare, then denseForwardRows over all rows.
 */
export function denseForward(
  x: usize, W: usize, b: usize, z: usize, a: usize,
  batch: i32, nIn: i32, nOut: i32, act: i32, scratch: usize,
): void {
  if (batch <= 0 || nOut <= 0) return;
  const sparse = denseForwardPrepare(x, batch, nIn, nOut, scratch);
  denseForwardRows(x, W, b, z, a, batch, nIn, nOut, act, scratch, sparse, 0, batch);
}

/**
 * The first, serial part of denseForward: decide, for the whole batch, which path runs and prepare
 * it in scratch. Returns 2 for the element-sparse path (x mostly exact zeros, scattered, e.g. a ReLU
 * layer's output: each caller writes Wᵀ, or its units' slice of it, into its own scratch, then z
 * from each sample's non-zero inputs only, through spmm.ts), 1 for the block-sparse pairs (every
 * group's non-zero blocks listed, in the scratch both threads then read), 0 for the dense GEMM.
 */
export function denseForwardPrepare(x: usize, batch: i32, nIn: i32, nOut: i32, scratch: usize): i32 {
  if (batch <= 0) return 0;
  // (The first 16 samples first: a dense batch then costs a sixteenth of the count.)
  if (nIn <= SPMM_FORWARD_MAX_IN && nOut >= SPMM_FORWARD_MIN_OUT && batch >= SPMM_FORWARD_MIN_BATCH && scatteredZeros(x, 16 * nIn) && scatteredZeros(x, batch * nIn)) return 2;
  const nb = nIn >> 2;
  const groups = (batch + G - 1) / G;
  const order = scratch;
  const lists = order + orderBytes(batch, nb);
  const blocks = lists + <usize>groups * listBytes(nb);
  pairOrder(x, batch, nIn, nOut, order);
  // One pass lists and copies every pair's blocks. The pair tile runs about as fast per block as
  // the dense GEMM, so the listed path is taken unless nearly every block is listed; the first 16
  // samples decide early for a dense batch (e.g. a sigmoid layer's output), which then costs the
  // listing of those 16 only.
  const head = min<i32>(batch, 16);
  let listed = listGroups(x, batch, nIn, order, lists, blocks, 0, head);
  if (<f64>listed > sparseLimit(head, nIn)) return 0;
  listed += listGroups(x, batch, nIn, order, lists, blocks, head, batch);
  return <f64>listed > sparseLimit(batch, nIn) ? 0 : 1;
}

/**
 * Whether the n floats at p (n > 0) are at most SPMM_FORWARD_MAX_DENSITY non-zero with at most
 * SPMM_FORWARD_MAX_PER_BLOCK non-zeros per non-zero 4-block (NaN counts as non-zero). One pass.
 */
function scatteredZeros(p: usize, n: i32): bool {
  const zero = f32x4.splat(0);
  let lanes = i32x4.splat(0);
  let blocks = 0;
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const nz = f32x4.ne(v128.load(p + o), zero);
    lanes = i32x4.sub(lanes, nz);
    blocks += v128.any_true(nz) ? 1 : 0;
  }
  let cnt = i32x4.extract_lane(lanes, 0) + i32x4.extract_lane(lanes, 1) + i32x4.extract_lane(lanes, 2) + i32x4.extract_lane(lanes, 3);
  for (let i = n & ~3; i < n; i++) {
    if (load<f32>(p + (<usize>i << 2)) != 0) {
      cnt++;
      blocks++;
    }
  }
  return <f64>cnt <= SPMM_FORWARD_MAX_DENSITY * <f64>n && <f64>cnt <= SPMM_FORWARD_MAX_PER_BLOCK * <f64>blocks;
}

/**
 * Rows [s0, s1) of denseForward after denseForwardPrepare (same scratch, same `sparse`). s0 must be
 * a multiple of 16 (whole groups, whole SIMD blocks of z); each row's values do not depend on how
 * the rows are split, so two threads running disjoint ranges give the single-threaded result.
 */
export function denseForwardRows(
  x: usize, W: usize, b: usize, z: usize, a: usize,
  batch: i32, nIn: i32, nOut: i32, act: i32, scratch: usize, sparse: i32, s0: i32, s1: i32,
): void {
  s1 = min<i32>(s1, batch);
  if (s0 >= s1 || nOut <= 0) return;
  const nb = nIn >> 2;
  const rb = <usize>nIn << 2;
  const zb = <usize>nOut << 2;
  if (sparse == 2) {
    // Wᵀ into this caller's own scratch (a thread running other rows has its own).
    transpose(W, nOut, nIn, scratch);
    for (let s = s0; s < s1; s++) memory.copy(z + <usize>s * zb, b, zb);
    spmmRows(x, rb, 4, nIn, scratch, zb, nOut, z, zb, s0, s1, true, 1, spmmForwardScratch(scratch, nIn, nOut));
    const o = <usize>s0 * zb;
    activate(act, z + o, a + o, (s1 - s0) * nOut);
    return;
  }
  const groups = (batch + G - 1) / G;
  const order = scratch;
  const lists = order + orderBytes(batch, nb);
  const blocks = lists + <usize>groups * listBytes(nb);
  if (sparse) {
    // Slots [s0, s1): the samples order[s0 … s1 − 1], whose rows of z and a this call writes.
    pairsForward(order, lists, blocks, batch, W, b, z, nIn, nOut, s0, s1, 0, nOut);
    forwardTail(x, W, z, nIn, nOut, 0, nOut, order, s0, s1);
    for (let t = s0; t < s1; t++) {
      const o = <usize>load<i32>(order + (<usize>t << 2)) * zb;
      activate(act, z + o, a + o, nOut);
    }
    return;
  }
  for (let s = s0; s < s1; s++) memory.copy(z + <usize>s * zb, b, zb);
  // gemmDot pairs rows from its first one: s0 even keeps the pairs of the full call.
  gemmDot(x + <usize>s0 * rb, rb, W, rb, z + <usize>s0 * zb, s1 - s0, nOut, nIn, true);
  const o = <usize>s0 * zb;
  activate(act, z + o, a + o, (s1 - s0) * nOut);
}

/**
 * z[s, j0..j1) += the nIn % 4 tail columns, dense scalars (after the block-sparse forward), for the
 * samples s in slots [t0, t1) of the pairing order.
 */
function forwardTail(x: usize, W: usize, z: usize, nIn: i32, nOut: i32, j0: i32, j1: i32, order: usize, t0: i32, t1: i32): void {
  const rb = <usize>nIn << 2;
  const zb = <usize>nOut << 2;
  const tail = <usize>(nIn & ~3) << 2;
  if (tail >= rb) return;
  for (let t = t0; t < t1; t++) {
    const s = load<i32>(order + (<usize>t << 2));
    const xs = x + <usize>s * rb;
    for (let j = j0; j < j1; j++) {
      const wj = W + <usize>j * rb;
      let t: f32 = 0;
      for (let o = tail; o < rb; o += 4) t += load<f32>(wj + o) * load<f32>(xs + o);
      const zp = z + <usize>s * zb + (<usize>j << 2);
      store<f32>(zp, load<f32>(zp) + t);
    }
  }
}

/**
 * Units [j0, j1) of denseForward after denseForwardPrepare (same scratch, same `sparse`): z[:, j0..j1)
 * for every sample, WITHOUT the activation (denseForwardOwnUnits applies it). j0 must be a multiple
 * of 8, so two threads splitting the units — each touching only its own rows of W, which then stay
 * in its own cache — compute every element exactly as one thread does.
 */
function denseForwardUnits(
  x: usize, W: usize, b: usize, z: usize, batch: i32, nIn: i32, nOut: i32, scratch: usize, sparse: i32, j0: i32, j1: i32,
): void {
  j1 = min<i32>(j1, nOut);
  if (j0 >= j1 || batch <= 0) return;
  const nb = nIn >> 2;
  const rb = <usize>nIn << 2;
  const zb = <usize>nOut << 2;
  const jb = <usize>j0 << 2;
  if (sparse == 2) {
    // This caller's units' slice of Wᵀ [nIn, j1 − j0] into its own scratch (each thread reads only
    // its own rows of W), then z[:, j0..j1) for every sample from its non-zero inputs. Every element
    // takes the same multiply-adds as in the unsplit call (j0 a multiple of 8: see spmm.ts).
    const n = j1 - j0;
    transpose(W + <usize>j0 * rb, n, nIn, scratch);
    const wb = <usize>n << 2;
    for (let s = 0; s < batch; s++) memory.copy(z + <usize>s * zb + jb, b + jb, wb);
    spmmRows(x, rb, 4, nIn, scratch, wb, n, z + jb, zb, 0, batch, true, 1, spmmForwardScratch(scratch, nIn, n));
    return;
  }
  if (sparse) {
    const groups = (batch + G - 1) / G;
    const order = scratch;
    const lists = order + orderBytes(batch, nb);
    const blocks = lists + <usize>groups * listBytes(nb);
    pairsForward(order, lists, blocks, batch, W, b, z, nIn, nOut, 0, batch, j0, j1);
    forwardTail(x, W, z, nIn, nOut, j0, j1, order, 0, batch);
  } else {
    const wb = <usize>(j1 - j0) << 2;
    for (let s = 0; s < batch; s++) memory.copy(z + <usize>s * zb + jb, b + jb, wb);
    gemmDot(x, rb, W + <usize>j0 * rb, rb, z + jb, batch, j1 - j0, nIn, true, zb);
  }
}

/**
 * Units [j0, j1) of denseForward with no shared preparation: this caller runs denseForwardPrepare
 * into its OWN scratch (two threads both list the whole batch, at the same time, from the same x:
 * the same decision and pairing order), then z[:, j0..j1) and a[:, j0..j1) = act(z) for every
 * sample. Measured against one thread preparing the lists for both (W3's [128, 784, 256] on two
 * threads): the worker then read the 290 KB of copied blocks from the other core's cache and the
 * next call's listing wrote over lines the worker held, doubling it (37 → 75 µs). j0 a multiple of
 * 8: every element is computed as in the unsplit call.
 */
export function denseForwardOwnUnits(
  x: usize, W: usize, b: usize, z: usize, a: usize, batch: i32, nIn: i32, nOut: i32, act: i32, scratch: usize, j0: i32, j1: i32,
): void {
  j1 = min<i32>(j1, nOut);
  if (j0 >= j1 || batch <= 0) return;
  const sparse = denseForwardPrepare(x, batch, nIn, nOut, scratch);
  denseForwardUnits(x, W, b, z, batch, nIn, nOut, scratch, sparse, j0, j1);
  const zb = <usize>nOut << 2;
  const jb = <usize>j0 << 2;
  for (let s = 0; s < batch; s++) {
    const o = <usize>s * zb + jb;
    activate(act, z + o, a + o, j1 - j0);
  }
}

/**
 * Whether at most `maxFraction` of the 4-float blocks of x [batch, nIn] are not all zero (false when
 * there are none); the count stops as soon as it passes the bound.
 */
function blockDensityAtMost(x: usize, batch: i32, nIn: i32, maxFraction: f64): bool {
  const nb = nIn >> 2;
  if (batch <= 0 || nb <= 0) return false;
  const rb = <usize>nIn << 2;
  const limit = maxFraction * <f64>batch * <f64>nb;
  let cnt = 0;
  for (let s = 0; s < batch; s++) {
    const row = x + <usize>s * rb;
    for (let q = 0; q < nb; q++) if (v128.any_true(v128.load(row + (<usize>q << 4)))) cnt++;
    if (<f64>cnt > limit) return false;
  }
  return true;
}

/**
 * Fused dense backward (see Kernels.denseBackward): delta = dA ⊙ act'(z); dW (+)= deltaᵀ·x;
 * db (+)= Σ_s delta; dX = delta·W when hasDX. scratch: denseScratchBytes(…) bytes.
 * The same as denseBackwardPrepare, then denseBackwardRows over all rows.
 */
export function denseBackward(
  x: usize, W: usize, z: usize, a: usize, dA: usize, delta: usize, dW: usize, db: usize, dX: usize,
  hasDX: bool, batch: i32, nIn: i32, nOut: i32, act: i32, accumulate: bool, scratch: usize,
): void {
  const sparse = denseBackwardPrepare(x, z, a, dA, delta, db, batch, nIn, nOut, act, accumulate);
  denseBackwardRows(x, W, delta, dW, dX, hasDX, batch, nIn, nOut, accumulate, scratch, sparse, 0, nOut, 0, batch);
}

/**
 * The first, serial part of denseBackward: delta = dA ⊙ act'(z), db (+)= Σ_s delta, and the
 * `sparse` flags (bit 0: x sparse enough for the zero-skipping dW; bit 1: δ sparse enough for the
 * sparse-times-dense products).
 */
export function denseBackwardPrepare(
  x: usize, z: usize, a: usize, dA: usize, delta: usize, db: usize,
  batch: i32, nIn: i32, nOut: i32, act: i32, accumulate: bool,
): i32 {
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
  const sparseDelta = deltaSparse(act, delta, batch * nOut);
  return sparseDelta != 0 ? sparseDelta : backwardSparse(x, batch, nIn);
}

/**
 * The products of denseBackward after denseBackwardPrepare: rows [j0, j1) of dW = deltaᵀ·x and rows
 * [s0, s1) of dX = delta·W (when hasDX). Every element of either is computed by the same sequence of
 * operations however the rows are split, so two threads on disjoint ranges (each with its own
 * scratch) give the single-threaded result bit for bit.
 */
export function denseBackwardRows(
  x: usize, W: usize, delta: usize, dW: usize, dX: usize,
  hasDX: bool, batch: i32, nIn: i32, nOut: i32, accumulate: bool, scratch: usize, sparse: i32,
  j0: i32, j1: i32, s0: i32, s1: i32,
): void {
  const zb = <usize>nOut << 2;
  const rb = <usize>nIn << 2;
  j1 = min<i32>(j1, nOut);
  s1 = min<i32>(s1, batch);
  if (sparse & 2) {
    // δ mostly zeros (a ReLU layer): both products over δ's non-zeros. Row j of δᵀ is column j of
    // δ (byte offset 4j, next sample zb further).
    if (j0 < j1) spmmRows(delta, 4, zb, batch, x, rb, nIn, dW, rb, j0, j1, accumulate, 1, scratch);
    if (hasDX && s0 < s1) spmmRows(delta, zb, 4, nOut, W, rb, nIn, dX, rb, s0, s1, false, 1, scratch);
    return;
  }
  // dW = deltaᵀ·x: the outer-product GEMM, skipping the samples whose 8 columns of x are all zero
  // in each 8-column strip when x is sparse (MNIST: 40 % of sample × strip pairs are non-zero).
  // Row j of deltaᵀ is column j of delta: byte offset 4j.
  if (j0 < j1) gemmOuter(delta + (<usize>j0 << 2), 4, zb, x, rb, dW + <usize>j0 * rb, j1 - j0, nIn, batch, accumulate, scratch, (sparse & 1) != 0);
  // dX = delta · W
  if (hasDX && s0 < s1) gemmOuter(delta + <usize>s0 * zb, zb, 4, W, rb, dX + <usize>s0 * rb, s1 - s0, nIn, nOut, false, scratch);
}

/** Bytes of scratch denseBackwardSgd needs: −η·delta [batch, nOut] (16-byte rounded), then denseBackward's. */
export function denseSgdScratchBytes(batch: i32, nIn: i32, nOut: i32): i32 {
  return ((batch * nOut * 4 + 15) & ~15) + denseScratchBytes(batch, nIn, nOut);
}

/**
 * Fused dense backward with the plain-SGD update (see Kernels.denseBackwardSgd): delta = dA ⊙ act'(z);
 * dX = delta·W with the old W when hasDX; b ← b − η Σ_s delta; W ← decay·W − η·deltaᵀ·x (the decay
 * as the GEMM's β), the rank-`batch` update skipping zero blocks of x when x is sparse.
 * scratch: denseSgdScratchBytes(…) bytes. The same as denseSgdPrepare, then denseSgdUnits over all units.
 */
export function denseBackwardSgd(
  x: usize, W: usize, z: usize, a: usize, dA: usize, delta: usize, b: usize, dX: usize,
  hasDX: bool, batch: i32, nIn: i32, nOut: i32, act: i32, eta: f32, decay: f32, scratch: usize,
): void {
  const sparse = denseSgdPrepare(x, W, z, a, dA, delta, b, dX, hasDX, batch, nIn, nOut, act, eta, scratch);
  denseSgdUnits(x, W, batch, nIn, nOut, decay, scratch, scratch + <usize>sgdScaledBytes(batch, nOut), sparse, 0, nOut);
}

@inline function sgdScaledBytes(batch: i32, nOut: i32): i32 {
  return (batch * nOut * 4 + 15) & ~15;
}

/**
 * The first, serial part of denseBackwardSgd: delta, dX with the old W (when hasDX), −η·delta into
 * scratch, b ← b − η Σ_s delta; returns the `sparse` flags for the update (as denseBackwardPrepare).
 */
export function denseSgdPrepare(
  x: usize, W: usize, z: usize, a: usize, dA: usize, delta: usize, b: usize, dX: usize,
  hasDX: bool, batch: i32, nIn: i32, nOut: i32, act: i32, eta: f32, scratch: usize,
): i32 {
  const zb = <usize>nOut << 2;
  const rb = <usize>nIn << 2;
  const bo = batch * nOut;
  activationDelta(act, dA, z, a, delta, bo);
  const sparseDelta = deltaSparse(act, delta, bo);
  const scaled = scratch; // −η·delta [batch, nOut]
  const gemmScratch = scratch + <usize>sgdScaledBytes(batch, nOut);
  // dX = delta · W, before W changes.
  if (hasDX) {
    if (sparseDelta) spmmRows(delta, zb, 4, nOut, W, rb, nIn, dX, rb, 0, batch, false, 1, gemmScratch);
    else gemmOuter(delta, zb, 4, W, rb, dX, batch, nIn, nOut, false, gemmScratch);
  }
  // scaled = −η·delta
  const minusEta = f32x4.splat(-eta);
  const total = <usize>bo << 2;
  const t4 = total & ~(<usize>15);
  for (let o: usize = 0; o < t4; o += 16) v128.store(scaled + o, f32x4.mul(v128.load(delta + o), minusEta));
  for (let o = t4; o < total; o += 4) store<f32>(scaled + o, load<f32>(delta + o) * -eta);
  // b += Σ_s scaled
  const n4 = <usize>(nOut & ~3) << 2;
  for (let s = 0; s < batch; s++) {
    const d = scaled + <usize>s * zb;
    for (let o: usize = 0; o < n4; o += 16) v128.store(b + o, f32x4.add(v128.load(b + o), v128.load(d + o)));
    for (let o = n4; o < zb; o += 4) store<f32>(b + o, load<f32>(b + o) + load<f32>(d + o));
  }
  return sparseDelta != 0 ? sparseDelta : backwardSparse(x, batch, nIn);
}

/**
 * Units [j0, j1) of the SGD update after denseSgdPrepare (same scratch): W[j, :] ← decay·W[j, :] +
 * (−η·delta)[:, j]ᵀ·x, the outer-product GEMM accumulating into W with β = decay (no separate
 * scaling pass). `gemmScratch` is this caller's own; j0 a multiple of 8 so each element is
 * computed as in the unsplit call.
 */
export function denseSgdUnits(
  x: usize, W: usize, batch: i32, nIn: i32, nOut: i32, decay: f32, scratch: usize, gemmScratch: usize, sparse: i32, j0: i32, j1: i32,
): void {
  j1 = min<i32>(j1, nOut);
  if (j0 >= j1) return;
  const zb = <usize>nOut << 2;
  const rb = <usize>nIn << 2;
  // The decay is the GEMM's β: applied as each tile of W is stored, no separate pass over W.
  if (sparse & 2) spmmRows(scratch, 4, zb, batch, x, rb, nIn, W, rb, j0, j1, true, decay, gemmScratch);
  else gemmOuter(scratch + (<usize>j0 << 2), 4, zb, x, rb, W + <usize>j0 * rb, j1 - j0, nIn, batch, true, gemmScratch, (sparse & 1) != 0, decay);
}
