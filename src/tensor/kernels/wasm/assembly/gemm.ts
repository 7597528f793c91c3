/**
 * wasm/assembly/gemm — matrix multiply C (+)= op(A) · op(B) on f32, 4-wide SIMD.
 *
 * Two engines, chosen by layout:
 *  - `gemmOuter` (B rows contiguous along n: the NN and TN cases): GotoBLAS-style. op(A) is packed
 *    into 4-row panels (4 floats per k-step, zero-padded), k is blocked by KC so a 4×KC A panel and a
 *    KC×8 B strip stay in L1, and a 4×8 register tile (8 accumulators) takes one broadcast A value
 *    and two B vectors per k-step. Partial tiles (m % 4, n % 8) go through a small temporary.
 *  - `gemmDot` (A and B rows both contiguous along k: the NT case, z = x·Wᵀ of a dense layer): a
 *    2×4 tile of dot products, each a 4-wide accumulator over k, reduced horizontally at the end.
 * TT transposes B into scratch and runs the TN engine. All pointers are byte addresses; strides are
 * in bytes. Scratch is caller-provided (`matmulScratchBytes`).
 */
import { madd, hsum, hsum4 } from './simd';

/** k-block depth: a 4×KC A panel (4 KiB) and a KC×8 B strip (8 KiB) stay in L1. */
const KC: i32 = 256;
/** Rows of op(A) packed per block: MC×KC floats (128 KiB) sit in L2. */
const MC: i32 = 128;
/** Bytes of scratch gemmOuter needs: packed A, one padded B strip, one 4×8 tile, a k-step list. */
const OUTER_SCRATCH: i32 = (MC * KC + KC * 8 + 32 + KC) * 4;

/**
 * Pack rows [0, mc) × k-steps [0, kc) of op(A) into 4-row panels: panel q holds rows 4q…4q+3,
 * 16 bytes per k-step. op(A)[i, p] is at a + i·aRs + p·aCs. Rows past mc are zero.
 */
function packA(a: usize, aRs: usize, aCs: usize, mc: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < mc; i += 4) {
    const rows = min<i32>(4, mc - i);
    const src = a + <usize>i * aRs;
    if (rows == 4 && aRs == 4) {
      // TN: the four rows are adjacent floats of one row of A.
      let s = src;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s));
        s += aCs;
        dst += 16;
      }
    } else if (rows == 4 && aCs == 4) {
      // NN: four rows, each contiguous along k; transpose 4×4 blocks.
      const s0 = src, s1 = src + aRs, s2 = src + 2 * aRs, s3 = src + 3 * aRs;
      const k4 = kc & ~3;
      let off: usize = 0;
      for (let p = 0; p < k4; p += 4) {
        const v0 = v128.load(s0 + off), v1 = v128.load(s1 + off);
        const v2 = v128.load(s2 + off), v3 = v128.load(s3 + off);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
        v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
        v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
        off += 16;
        dst += 64;
      }
      for (let p = k4; p < kc; p++) {
        store<f32>(dst, load<f32>(s0 + off));
        store<f32>(dst, load<f32>(s1 + off), 4);
        store<f32>(dst, load<f32>(s2 + off), 8);
        store<f32>(dst, load<f32>(s3 + off), 12);
        off += 4;
        dst += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 4; r++) {
          const v: f32 = r < rows ? load<f32>(src + <usize>r * aRs + <usize>p * aCs) : 0;
          store<f32>(dst + (<usize>r << 2), v);
        }
        dst += 16;
      }
    }
  }
}

/** Copy a w-wide (w < 8) strip of kc rows of B (row stride bRs) into dst as kc×8, zero-padded. */
function packEdgeB(b: usize, bRs: usize, w: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    for (let q = 0; q < 8; q++) store<f32>(dst + (<usize>q << 2), q < w ? load<f32>(b + (<usize>q << 2)) : 0);
    b += bRs;
    dst += 32;
  }
}

/**
 * Store two finished rows of a register tile (8 floats each, at c and c + ldc): C = tile, or with
 * `acc` C = scale·C + tile (scale = 1: C + tile, the plain add, bit for bit as before the scale
 * existed).
 */
@inline function storeRows2x8(c: usize, ldc: usize, c00: v128, c01: v128, c10: v128, c11: v128, acc: bool, scale: f32): void {
  const c1 = c + ldc;
  if (acc) {
    if (scale != 1) {
      const sv = f32x4.splat(scale);
      c00 = madd(v128.load(c), sv, c00);
      c01 = madd(v128.load(c, 16), sv, c01);
      c10 = madd(v128.load(c1), sv, c10);
      c11 = madd(v128.load(c1, 16), sv, c11);
    } else {
      c00 = f32x4.add(c00, v128.load(c));
      c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c1));
      c11 = f32x4.add(c11, v128.load(c1, 16));
    }
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
}

/** Store a finished 4×8 register tile (two storeRows2x8). */
@inline function storeTile4x8(
  c: usize, ldc: usize, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  acc: bool, scale: f32,
): void {
  storeRows2x8(c, ldc, c00, c01, c10, c11, acc, scale);
  storeRows2x8(c + 2 * ldc, ldc, c20, c21, c30, c31, acc, scale);
}

/**
 * The register tile: C[4, 8] (+)= Apanel[kc × 4]ᵀ · B[kc × 8]. A panel packed (16 bytes per k-step),
 * B rows bRs bytes apart, C rows ldc bytes apart.
 */
@inline function kernel4x8(a: usize, b: usize, bRs: usize, kc: i32, c: usize, ldc: usize, acc: bool, scale: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    a += 16;
    b += bRs;
  }
  storeTile4x8(c, ldc, c00, c01, c10, c11, c20, c21, c30, c31, acc, scale);
}

/**
 * The register tile for a panel with two rows (m % 4 = 2, e.g. W1's 30 units in the batch-10 SGD
 * update): C[2, 8] (+)= rows 0–1 of the panel · B[kc × 8], stored straight into C like a full
 * tile (β·C with a multiply-add). The sums are rows 0–1 of kernel4x8's, in the same order; it skips
 * the panel's two zero rows and the partial-tile copy (whose β·C is a multiply, then an add).
 */
@inline function kernel2x8(a: usize, b: usize, bRs: usize, kc: i32, c: usize, ldc: usize, acc: bool, scale: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    a += 16;
    b += bRs;
  }
  storeRows2x8(c, ldc, c00, c01, c10, c11, acc, scale);
}

/**
 * kernel4x8 over the listed k-steps only (list: cnt i32 k-step indices): the B rows not listed are
 * all zero, so skipping them changes nothing but the work.
 */
@inline function kernel4x8Sparse(a: usize, b: usize, bRs: usize, list: usize, cnt: i32, c: usize, ldc: usize, acc: bool, scale: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = list + (<usize>cnt << 2);
  for (let l = list; l < end; l += 4) {
    const p = <usize>load<i32>(l);
    const bp = b + p * bRs;
    const ap = a + (p << 4);
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
  }
  storeTile4x8(c, ldc, c00, c01, c10, c11, c20, c21, c30, c31, acc, scale);
}

/** The k-steps p < kc whose 8-float B row (b + p·bRs) is not all zero, into list; returns the count. */
function nonzeroRows(b: usize, bRs: usize, kc: i32, list: usize): i32 {
  let cnt = 0;
  for (let p = 0; p < kc; p++) {
    if (v128.any_true(v128.or(v128.load(b), v128.load(b, 16)))) {
      store<i32>(list + (<usize>cnt << 2), p);
      cnt++;
    }
    b += bRs;
  }
  return cnt;
}

/** C[h, w] (+)= tile[h, w] (scale·C + tile when acc) for a partial 4×8 tile (tile rows 32 bytes apart). */
function storeTile(tile: usize, c: usize, ldc: usize, h: i32, w: i32, acc: bool, scale: f32): void {
  for (let r = 0; r < h; r++) {
    const t = tile + (<usize>r << 5);
    const cr = c + <usize>r * ldc;
    for (let q = 0; q < w; q++) {
      const o = <usize>q << 2;
      const v = load<f32>(t + o);
      store<f32>(cr + o, acc ? (scale != 1 ? load<f32>(cr + o) * scale + v : load<f32>(cr + o) + v) : v);
    }
  }
}

/**
 * C[m, n] = op(A)[m, k] · B[k, n], or with `accumulate` C = β·C + op(A)·B (β = 1: C += …), where op(A)[i, p] is at a + i·aRs + p·aCs and B[p, j] at
 * b + p·bRs + 4j. Needs OUTER_SCRATCH bytes of scratch. With `sparseB`, each 8-column strip of B
 * first lists its non-zero rows and the tiles run over those k-steps only (for a B that is mostly
 * zeros, like the input batch in dW = δᵀ·x).
 */
export function gemmOuter(
  a: usize, aRs: usize, aCs: usize, b: usize, bRs: usize, c: usize,
  m: i32, n: i32, k: i32, accumulate: bool, scratch: usize, sparseB: bool = false, beta: f32 = 1,
): void {
  if (m <= 0 || n <= 0) return;
  const ldc = <usize>n << 2;
  if (k <= 0) {
    if (!accumulate) memory.fill(c, 0, <usize>m * ldc);
    else if (beta != 1) for (let o: usize = 0; o < <usize>m * ldc; o += 4) store<f32>(c + o, load<f32>(c + o) * beta);
    return;
  }
  const pa = scratch;
  const eb = pa + <usize>(MC * KC * 4);
  const tile = eb + <usize>(KC * 8 * 4);
  const list = tile + 128;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min<i32>(KC, k - pc);
    const accFlag = accumulate || pc > 0;
    const scale: f32 = accumulate && pc == 0 ? beta : 1; // β applies once, with the first k-panel
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min<i32>(MC, m - ic);
      packA(a + <usize>ic * aRs + <usize>pc * aCs, aRs, aCs, mc, kc, pa);
      for (let j0 = 0; j0 < n; j0 += 8) {
        const w = min<i32>(8, n - j0);
        let bp = b + <usize>pc * bRs + (<usize>j0 << 2);
        let brs = bRs;
        if (w < 8) {
          packEdgeB(bp, bRs, w, kc, eb);
          bp = eb;
          brs = 32;
        }
        let panel = pa;
        if (sparseB) {
          const cnt = nonzeroRows(bp, brs, kc, list);
          if (cnt == 0 && accFlag && scale == 1) continue;
          for (let i0 = 0; i0 < mc; i0 += 4) {
            const h = min<i32>(4, mc - i0);
            const cp = c + <usize>(ic + i0) * ldc + (<usize>j0 << 2);
            if (h == 4 && w == 8) {
              kernel4x8Sparse(panel, bp, brs, list, cnt, cp, ldc, accFlag, scale);
            } else {
              kernel4x8Sparse(panel, bp, brs, list, cnt, tile, 32, false, 1);
              storeTile(tile, cp, ldc, h, w, accFlag, scale);
            }
            panel += <usize>kc << 4;
          }
          continue;
        }
        for (let i0 = 0; i0 < mc; i0 += 4) {
          const h = min<i32>(4, mc - i0);
          const cp = c + <usize>(ic + i0) * ldc + (<usize>j0 << 2);
          if (h == 4 && w == 8) {
            kernel4x8(panel, bp, brs, kc, cp, ldc, accFlag, scale);
          } else if (h == 2 && w == 8) {
            kernel2x8(panel, bp, brs, kc, cp, ldc, accFlag, scale);
          } else {
            kernel4x8(panel, bp, brs, kc, tile, 32, false, 1);
            storeTile(tile, cp, ldc, h, w, accFlag, scale);
          }
          panel += <usize>kc << 4;
        }
      }
    }
  }
}

/** c[0..4) (+)= the dot products of row a (length k) with rows b, b+ldb, b+2ldb, b+3ldb. */
function dot1x4(a: usize, b0: usize, ldb: usize, k: i32, c: usize, acc: bool): void {
  const b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  const k4 = <usize>(k & ~3) << 2;
  for (let p: usize = 0; p < k4; p += 16) {
    const x = v128.load(a + p);
    c0 = madd(x, v128.load(b0 + p), c0);
    c1 = madd(x, v128.load(b1 + p), c1);
    c2 = madd(x, v128.load(b2 + p), c2);
    c3 = madd(x, v128.load(b3 + p), c3);
  }
  let r = hsum4(c0, c1, c2, c3);
  const kb = <usize>k << 2;
  for (let p = k4; p < kb; p += 4) {
    let y = v128.load32_splat(b0 + p);
    y = f32x4.replace_lane(y, 1, load<f32>(b1 + p));
    y = f32x4.replace_lane(y, 2, load<f32>(b2 + p));
    y = f32x4.replace_lane(y, 3, load<f32>(b3 + p));
    r = madd(v128.load32_splat(a + p), y, r);
  }
  if (acc) r = f32x4.add(r, v128.load(c));
  v128.store(c, r);
}

/** 2×4 tile of dot products: rows a, a+lda against rows b + t·ldb (t < 4); C rows ldc apart. */
@inline function dot2x4(a0: usize, lda: usize, b0: usize, ldb: usize, k: i32, c: usize, ldc: usize, acc: bool): void {
  const a1 = a0 + lda;
  const b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  let c00 = f32x4.splat(0), c01 = c00, c02 = c00, c03 = c00;
  let c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  const k4 = <usize>(k & ~3) << 2;
  for (let p: usize = 0; p < k4; p += 16) {
    const x0 = v128.load(a0 + p);
    const x1 = v128.load(a1 + p);
    let y = v128.load(b0 + p);
    c00 = madd(x0, y, c00);
    c10 = madd(x1, y, c10);
    y = v128.load(b1 + p);
    c01 = madd(x0, y, c01);
    c11 = madd(x1, y, c11);
    y = v128.load(b2 + p);
    c02 = madd(x0, y, c02);
    c12 = madd(x1, y, c12);
    y = v128.load(b3 + p);
    c03 = madd(x0, y, c03);
    c13 = madd(x1, y, c13);
  }
  let r0 = hsum4(c00, c01, c02, c03);
  let r1 = hsum4(c10, c11, c12, c13);
  const kb = <usize>k << 2;
  for (let p = k4; p < kb; p += 4) {
    let y = v128.load32_splat(b0 + p);
    y = f32x4.replace_lane(y, 1, load<f32>(b1 + p));
    y = f32x4.replace_lane(y, 2, load<f32>(b2 + p));
    y = f32x4.replace_lane(y, 3, load<f32>(b3 + p));
    r0 = madd(v128.load32_splat(a0 + p), y, r0);
    r1 = madd(v128.load32_splat(a1 + p), y, r1);
  }
  const c1 = c + ldc;
  if (acc) {
    r0 = f32x4.add(r0, v128.load(c));
    r1 = f32x4.add(r1, v128.load(c1));
  }
  v128.store(c, r0);
  v128.store(c1, r1);
}

/** Σ_p a[p]·b[p] over k floats. */
export function dot(a: usize, b: usize, k: i32): f32 {
  let s0 = f32x4.splat(0), s1 = s0;
  const kb = <usize>k << 2;
  const k8 = <usize>(k & ~7) << 2;
  let p: usize = 0;
  for (; p < k8; p += 32) {
    s0 = madd(v128.load(a + p), v128.load(b + p), s0);
    s1 = madd(v128.load(a + p, 16), v128.load(b + p, 16), s1);
  }
  if (p + 16 <= kb) {
    s0 = madd(v128.load(a + p), v128.load(b + p), s0);
    p += 16;
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; p < kb; p += 4) s += load<f32>(a + p) * load<f32>(b + p);
  return s;
}

/**
 * C[m, n] (+)= A[m, k] · B[n, k]ᵀ with A rows lda and B rows ldb bytes apart (both along k), C rows
 * cRowBytes apart (0: packed, 4n). Each C element's operations depend only on whether its column
 * falls in a whole group of 4 from the start of its block, so a caller splitting n at multiples of 4
 * (with only the last part ragged) gets the unsplit result.
 */
export function gemmDot(
  a: usize, lda: usize, b: usize, ldb: usize, c: usize,
  m: i32, n: i32, k: i32, accumulate: bool, cRowBytes: usize = 0,
): void {
  if (m <= 0 || n <= 0) return;
  const ldc = cRowBytes != 0 ? cRowBytes : <usize>n << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc, 0, <usize>n << 2);
    return;
  }
  // Block the rows of B so one block (≤ 256 KiB) stays in L2 while every row of A passes by.
  const nc = max<i32>(4, (65536 / k) & ~3);
  for (let jc = 0; jc < n; jc += nc) {
    const jEnd = min<i32>(n, jc + nc);
    const j4 = jc + ((jEnd - jc) & ~3);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const ai = a + <usize>i * lda;
      const ci = c + <usize>i * ldc;
      for (let j = jc; j < j4; j += 4) {
        dot2x4(ai, lda, b + <usize>j * ldb, ldb, k, ci + (<usize>j << 2), ldc, accumulate);
      }
      for (let j = j4; j < jEnd; j++) {
        const bj = b + <usize>j * ldb;
        const o = <usize>j << 2;
        const s0 = dot(ai, bj, k), s1 = dot(ai + lda, bj, k);
        store<f32>(ci + o, accumulate ? load<f32>(ci + o) + s0 : s0);
        store<f32>(ci + ldc + o, accumulate ? load<f32>(ci + ldc + o) + s1 : s1);
      }
    }
    if (i < m) {
      const ai = a + <usize>i * lda;
      const ci = c + <usize>i * ldc;
      for (let j = jc; j < j4; j += 4) dot1x4(ai, b + <usize>j * ldb, ldb, k, ci + (<usize>j << 2), accumulate);
      for (let j = j4; j < jEnd; j++) {
        const o = <usize>j << 2;
        const s = dot(ai, b + <usize>j * ldb, k);
        store<f32>(ci + o, accumulate ? load<f32>(ci + o) + s : s);
      }
    }
  }
}

/** dst[cols, rows] = src[rows, cols]ᵀ (4×4 SIMD blocks, scalar edges). */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  const r4 = rows & ~3, c4 = cols & ~3;
  const sr = <usize>cols << 2, dr = <usize>rows << 2;
  for (let r = 0; r < r4; r += 4) {
    const s = src + <usize>r * sr;
    for (let q = 0; q < c4; q += 4) {
      const o = <usize>q << 2;
      const v0 = v128.load(s + o), v1 = v128.load(s + sr + o);
      const v2 = v128.load(s + 2 * sr + o), v3 = v128.load(s + 3 * sr + o);
      const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
      const d = dst + <usize>q * dr + (<usize>r << 2);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d + dr, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(d + 2 * dr, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(d + 3 * dr, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (let q = c4; q < cols; q++) {
      for (let t = 0; t < 4; t++) {
        store<f32>(dst + <usize>q * dr + (<usize>(r + t) << 2), load<f32>(s + <usize>t * sr + (<usize>q << 2)));
      }
    }
  }
  for (let r = r4; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      store<f32>(dst + <usize>q * dr + (<usize>r << 2), load<f32>(src + <usize>r * sr + (<usize>q << 2)));
    }
  }
}

/**
 * Whether an NT product is faster by transposing B and running the outer-product engine: only for
 * short k, where the dot-product tile spends its time on horizontal sums (measured: for k ≥ 16 the
 * dot tile wins at every m, by ~15 % at [128, 784] × [784, 256]ᵀ).
 */
function ntViaTranspose(m: i32, n: i32, k: i32): bool {
  return k < 16 && m >= 16;
}

/** Bytes of scratch `matmul` needs for these arguments. */
export function matmulScratchBytes(m: i32, n: i32, k: i32, transA: bool, transB: bool): i32 {
  let bytes = OUTER_SCRATCH;
  if (transB && (transA || ntViaTranspose(m, n, k))) bytes += ((n * k + 3) & ~3) * 4;
  return bytes;
}

/**
 * C[m, n] (+)= op(A) · op(B); A is [m, k] or [k, m] (transA), B is [k, n] or [n, k] (transB).
 * `scratch` must hold matmulScratchBytes(…) bytes, 16-byte aligned.
 */
export function matmul(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  transA: bool, transB: bool, accumulate: bool, scratch: usize,
): void {
  const kb = <usize>k << 2, mb = <usize>m << 2, nb = <usize>n << 2;
  if (!transB) {
    if (transA) gemmOuter(a, 4, mb, b, nb, c, m, n, k, accumulate, scratch);
    else gemmOuter(a, kb, 4, b, nb, c, m, n, k, accumulate, scratch);
    return;
  }
  if (!transA && !ntViaTranspose(m, n, k)) {
    gemmDot(a, kb, b, kb, c, m, n, k, accumulate);
    return;
  }
  const bt = scratch + <usize>OUTER_SCRATCH;
  transpose(b, n, k, bt);
  if (transA) gemmOuter(a, 4, mb, bt, nb, c, m, n, k, accumulate, scratch);
  else gemmOuter(a, kb, 4, bt, nb, c, m, n, k, accumulate, scratch);
}
