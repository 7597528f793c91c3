/**
 * wasm/assembly/spmm — C (+)= A·B when A is mostly exact zeros: work only for A's non-zeros.
 *
 * A ReLU layer's δ = ∂C/∂a ⊙ relu'(z) is exactly 0 wherever z ≤ 0. Measured on W3 (Fashion-MNIST,
 * [784,256,128,10] ReLU): 49 % of the first hidden layer's units are off at He initialisation, 73 %
 * after one epoch, 76 % after two; the second layer's 52 → 65 %. Both backward products of such a
 * layer have δ as their sparse factor:
 *  - ∂C/∂W = δᵀ·x: row j of C (unit j) sums δ[s, j]·x[s, :] over the samples s where unit j fired;
 *  - ∂C/∂x = δ·W:  row s of C (sample s) sums δ[s, j]·W[j, :] over the units j that fired for s.
 * The 4×8 register tile of the dense GEMM can skip a k-step only when all four of its A rows are
 * zero there (30 % of the time for δ₁ after an epoch), so this engine works one row of A at a time:
 * each row's non-zeros are listed (B row offset and value, 8 bytes each, written branch-free), then
 * for every 24-column strip of B (one strip of all k rows of B fits in L1: 128 rows × 96 B = 12 KiB)
 * each row of C is 6 accumulators fed by its list: per entry one broadcast, six B loads and six
 * multiply-adds. Zen-class cores load faster than they multiply-add, so one A row per tile does not
 * starve the FMA units, and the work is the non-zero fraction of the dense product's.
 *
 * Why 24 columns and not 32: V8's optimising compiler (Node 20) issues all of an iteration's B loads
 * before its multiply-adds, so a strip of w vectors needs 2w + 1 of the 15 SIMD registers it
 * allocates. At 8 vectors one accumulator was spilled to the stack and every iteration waited on a
 * store-to-load round trip: 2.7 ns per entry against 1.2 ns per entry at 6 vectors (1.6 ns per
 * 8 multiply-adds; the dense GEMM's tile: 1.2), measured on a list of 48 entries in L1.
 *
 * Skipped terms are exactly zero (0·b = ±0, b finite), so C agrees with the dense GEMM to float32
 * round-off (the sum runs over k in the same order; −0 and 0 are skipped, NaN is kept). Each C row
 * depends only on its own A row, so threads splitting the rows reproduce the one-thread result bit
 * for bit.
 */
import { madd } from './simd';

/** Columns of B and C per strip: 6 four-float accumulators (see the header for why not 8). */
const STRIP: i32 = 24;

/** Bytes of scratch spmmRows needs for `rows` rows of A with up to k non-zeros each. */
export function spmmScratchBytes(rows: i32, k: i32): i32 {
  return ((rows * 4 + 15) & ~15) + rows * k * 8;
}

/**
 * Whether at most `maxFraction` of the n floats at p are non-zero (NaN counts as non-zero); stops
 * counting once past the bound.
 */
export function nonzeroAtMost(p: usize, n: i32, maxFraction: f64): bool {
  if (n <= 0) return false;
  const limit = <i32>(maxFraction * <f64>n);
  const zero = f32x4.splat(0);
  let cnt = 0;
  const n4 = <usize>(n & ~3) << 2;
  let o: usize = 0;
  while (o < n4) {
    // 64 vectors at a time: each lane counts its non-zeros (−1 per hit), then the check.
    const end = min<usize>(n4, o + 1024);
    let lanes = i32x4.splat(0);
    for (; o < end; o += 16) lanes = i32x4.add(lanes, f32x4.ne(v128.load(p + o), zero));
    cnt -= i32x4.extract_lane(lanes, 0) + i32x4.extract_lane(lanes, 1) + i32x4.extract_lane(lanes, 2) + i32x4.extract_lane(lanes, 3);
    if (cnt > limit) return false;
  }
  for (let i = n & ~3; i < n; i++) if (load<f32>(p + (<usize>i << 2)) != 0) cnt++;
  return cnt <= limit;
}

/** C ← acc, or β·C + acc with `accumulate` (C + acc when β = 1), as the dense GEMM stores one vector. */
@inline function storeVec(cp: usize, accumulate: bool, beta: f32, acc: v128): void {
  if (accumulate) acc = beta != 1 ? madd(v128.load(cp), f32x4.splat(beta), acc) : f32x4.add(acc, v128.load(cp));
  v128.store(cp, acc);
}

/**
 * Rows [r0, r1) of C[·, n] (+)= A[·, k]·B[k, n], skipping A's zeros. A[r, t] is at a + r·aRs + t·aCs
 * (bytes: a column of a row-major matrix is aRs = 4), B's rows bRs bytes apart, C's rows ldc bytes
 * apart; with `accumulate` C ← β·C + A·B. Needs spmmScratchBytes(r1 − r0, k) bytes of scratch,
 * its own per thread.
 */
export function spmmRows(
  a: usize, aRs: usize, aCs: usize, k: i32, b: usize, bRs: usize, n: i32,
  c: usize, ldc: usize, r0: i32, r1: i32, accumulate: bool, beta: f32, scratch: usize,
): void {
  const rows = r1 - r0;
  if (rows <= 0 || n <= 0) return;
  const counts = scratch; // [rows] i32
  const lists = scratch + ((<usize>rows * 4 + 15) & ~15); // [rows][k] (B row offset u32, value f32)
  const listBytes = <usize>k << 3;
  // 1. Each row's non-zeros, branch-free: every entry is written, the cursor moves only past a
  //    non-zero (a data-dependent branch at ~30 % density would mispredict about every third entry).
  for (let r = 0; r < rows; r++) {
    let ap = a + <usize>(r0 + r) * aRs;
    let e = lists + <usize>r * listBytes;
    let off: usize = 0;
    for (let t = 0; t < k; t++) {
      const v = load<f32>(ap);
      store<u32>(e, <u32>off);
      store<f32>(e, v, 4);
      e += v != 0 ? 8 : 0;
      ap += aCs;
      off += bRs;
    }
    store<i32>(counts + (<usize>r << 2), <i32>((e - (lists + <usize>r * listBytes)) >> 3));
  }
  // 2. 24-column strips over blocks of rows: a block's lists (about 16 KiB), one strip of every B
  //    row (k rows × 96 B) and the block's C strips stay in L1 while each row runs its list.
  const nStrips = n - n % STRIP;
  let total = 0;
  for (let r = 0; r < rows; r++) total += load<i32>(counts + (<usize>r << 2));
  const block = max<i32>(8, min<i32>(rows, <i32>(<i64>2048 * rows / max<i32>(1, total))));
  for (let rb0 = 0; rb0 < rows; rb0 += block) {
    const rb1 = min<i32>(rows, rb0 + block);
    for (let q = 0; q < nStrips; q += STRIP) {
      const bq = b + (<usize>q << 2);
      for (let r = rb0; r < rb1; r++) {
        let e = lists + <usize>r * listBytes;
        const end = e + (<usize>load<i32>(counts + (<usize>r << 2)) << 3);
        let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        for (; e < end; e += 8) {
          const bp = bq + <usize>load<u32>(e);
          const d = v128.load32_splat(e, 4);
          c0 = madd(d, v128.load(bp), c0);
          c1 = madd(d, v128.load(bp, 16), c1);
          c2 = madd(d, v128.load(bp, 32), c2);
          c3 = madd(d, v128.load(bp, 48), c3);
          c4 = madd(d, v128.load(bp, 64), c4);
          c5 = madd(d, v128.load(bp, 80), c5);
        }
        const cp = c + <usize>(r0 + r) * ldc + (<usize>q << 2);
        storeVec(cp, accumulate, beta, c0);
        storeVec(cp + 16, accumulate, beta, c1);
        storeVec(cp + 32, accumulate, beta, c2);
        storeVec(cp + 48, accumulate, beta, c3);
        storeVec(cp + 64, accumulate, beta, c4);
        storeVec(cp + 80, accumulate, beta, c5);
      }
    }
  }
  // 3. The n % 24 tail: one 16-column strip when it fits, then four columns at a time, then single
  //    columns.
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const lr = lists + <usize>r * listBytes;
    const end = lr + (<usize>load<i32>(counts + (<usize>r << 2)) << 3);
    const cr = c + <usize>(r0 + r) * ldc;
    let q = nStrips;
    if (q + 16 <= n) {
      const bq = b + (<usize>q << 2);
      let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
      for (let e = lr; e < end; e += 8) {
        const bp = bq + <usize>load<u32>(e);
        const d = v128.load32_splat(e, 4);
        c0 = madd(d, v128.load(bp), c0);
        c1 = madd(d, v128.load(bp, 16), c1);
        c2 = madd(d, v128.load(bp, 32), c2);
        c3 = madd(d, v128.load(bp, 48), c3);
      }
      const cp = cr + (<usize>q << 2);
      storeVec(cp, accumulate, beta, c0);
      storeVec(cp + 16, accumulate, beta, c1);
      storeVec(cp + 32, accumulate, beta, c2);
      storeVec(cp + 48, accumulate, beta, c3);
      q += 16;
    }
    for (; q < n4; q += 4) {
      const bq = b + (<usize>q << 2);
      let acc = f32x4.splat(0);
      for (let e = lr; e < end; e += 8) acc = madd(v128.load32_splat(e, 4), v128.load(bq + <usize>load<u32>(e)), acc);
      storeVec(cr + (<usize>q << 2), accumulate, beta, acc);
    }
    for (; q < n; q++) {
      const bq = b + (<usize>q << 2);
      let acc: f32 = 0;
      for (let e = lr; e < end; e += 8) acc += load<f32>(e, 4) * load<f32>(bq + <usize>load<u32>(e));
      const cp = cr + (<usize>q << 2);
      store<f32>(cp, accumulate ? (beta != 1 ? load<f32>(cp) * beta + acc : load<f32>(cp) + acc) : acc);
    }
  }
}
