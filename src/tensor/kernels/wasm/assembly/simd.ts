/**
 * wasm/assembly/simd — the few SIMD helpers every kernel file shares.
 *
 * `madd` is the one place that differs between the two builds: with `--enable relaxed-simd` it is
 * `f32x4.relaxed_madd` (one fused multiply-add instruction on x86 FMA3 / ARM), otherwise a
 * multiply followed by an add. The branch is on a compile-time constant, so each build contains
 * only its own instruction.
 */

/** a · b + c, lane-wise (fused in the relaxed-SIMD build). */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** [Σ c0, Σ c1, Σ c2, Σ c3]: the horizontal sums of four vectors, as one vector. */
@inline export function hsum4(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(c0, c1, 0, 4, 1, 5), v128.shuffle<f32>(c0, c1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(c2, c3, 0, 4, 1, 5), v128.shuffle<f32>(c2, c3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

/** Σ of the four lanes of v. */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}
