/**
 * wasm/assembly/math — 4-wide f32 transcendental functions for activations and softmax.
 *
 * exp follows Cephes expf (range reduction by ln 2 in two parts, degree-5 polynomial; about 1 ulp),
 * with the scale 2ⁿ applied in two halves so results stay finite up to 88.72 and shade into
 * subnormals below −87.3. sigmoid and tanh are built from exp in forms that keep their relative
 * accuracy over the whole line (no 1 − t cancellation), tanh switching to Cephes' odd polynomial
 * for |z| < 0.625. NaN in gives NaN out everywhere.
 */

// Constants, pre-splatted to 16 bytes each, in static memory. V8 materialises a v128.const with
// several instructions every time it is used (and does not hoist it out of loops); a load from
// this table is one instruction. So kernels use c(NAME) instead of f32x4.splat(literal).
const TABLE: usize = memory.data<f32>([
  88.8, 88.8, 88.8, 88.8, // 0: HI,
  -104.0, -104.0, -104.0, -104.0, // 1: LO,
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, // 2: LOG2E,
  12582912.0, 12582912.0, 12582912.0, 12582912.0, // 3: ROUNDER,
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // 4: LN2_HI,
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // 5: LN2_LO,
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // 6: P5,
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, // 7: P4,
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, // 8: P3,
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, // 9: P2,
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, // 10: P1,
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, // 11: P0,
  1.0, 1.0, 1.0, 1.0, // 12: ONE,
  2.0, 2.0, 2.0, 2.0, // 13: TWO,
  4.0, 4.0, 4.0, 4.0, // 14: FOUR,
  -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, // 15: T4,
  2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2, // 16: T3,
  -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, // 17: T2,
  1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, // 18: T1,
  -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1, // 19: T0,
  0.625, 0.625, 0.625, 0.625, // 20: TANH_SMALL
], 16);
const HI = 0;
const LO = 1;
const LOG2E = 2;
const ROUNDER = 3;
const LN2_HI = 4;
const LN2_LO = 5;
const P5 = 6;
const P4 = 7;
const P3 = 8;
const P2 = 9;
const P1 = 10;
const P0 = 11;
const ONE = 12;
const TWO = 13;
const FOUR = 14;
const T4 = 15;
const T3 = 16;
const T2 = 17;
const T1 = 18;
const T0 = 19;
const TANH_SMALL = 20;
// Integer constants, likewise: the bit pattern of ROUNDER, and the exponent bias.
const ITABLE: usize = memory.data<i32>([
  0x4b400000, 0x4b400000, 0x4b400000, 0x4b400000,
  127, 127, 127, 127,
], 16);

/** The constant `index` of the table, as a vector. */
@inline export function c(index: i32): v128 {
  return v128.load(TABLE + (<usize>index << 4));
}

/** e^x, lane-wise. */
@inline export function vexp(x: v128): v128 {
  // Clamp with pmin/pmax (one instruction each on x86; f32x4.min/max cost ~8 for their NaN and
  // ±0 rules). A NaN x is the first operand, so it passes through unchanged.
  x = f32x4.pmax(f32x4.pmin(x, c(HI)), c(LO));
  // n = round(x·log2 e), as a float and (from the bits of the same sum) as an integer.
  const rounder = c(ROUNDER);
  const t = f32x4.add(f32x4.mul(x, c(LOG2E)), rounder);
  const fn = f32x4.sub(t, rounder);
  const n = i32x4.sub(t, v128.load(ITABLE));
  let r = f32x4.sub(x, f32x4.mul(fn, c(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(fn, c(LN2_LO)));
  let p = f32x4.add(f32x4.mul(c(P5), r), c(P4));
  p = f32x4.add(f32x4.mul(p, r), c(P3));
  p = f32x4.add(f32x4.mul(p, r), c(P2));
  p = f32x4.add(f32x4.mul(p, r), c(P1));
  p = f32x4.add(f32x4.mul(p, r), c(P0));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, c(ONE)));
  // 2ⁿ in two factors so that n down to −150 and up to 128 stay representable on the way.
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = v128.load(ITABLE, 16);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** σ(z) = 1 / (1 + e^−z), as e/(1+e) for z < 0 (e = e^−|z|). */
@inline export function vsigmoid(z: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(z)));
  const one = c(ONE);
  const num = v128.bitselect(one, e, f32x4.ge(z, f32x4.splat(0)));
  return f32x4.div(num, f32x4.add(one, e));
}

/** σ'(z) = e / (1 + e)² with e = e^−|z| (symmetric, no cancellation). */
@inline export function vsigmoidPrime(z: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(z)));
  const d = f32x4.add(c(ONE), e);
  return f32x4.div(e, f32x4.mul(d, d));
}

/** tanh z: odd polynomial for |z| < 0.625, else sign(z)·(1 − 2 / (e^{2|z|} + 1)). */
@inline export function vtanh(z: v128): v128 {
  const az = f32x4.abs(z);
  const one = c(ONE);
  const big = f32x4.sub(one, f32x4.div(c(TWO), f32x4.add(vexp(f32x4.add(az, az)), one)));
  const signed = v128.or(big, v128.xor(z, az)); // big with the sign bit of z
  const z2 = f32x4.mul(z, z);
  let p = f32x4.add(f32x4.mul(c(T4), z2), c(T3));
  p = f32x4.add(f32x4.mul(p, z2), c(T2));
  p = f32x4.add(f32x4.mul(p, z2), c(T1));
  p = f32x4.add(f32x4.mul(p, z2), c(T0));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z2), z), z);
  return v128.bitselect(small, signed, f32x4.lt(az, c(TANH_SMALL)));
}

/** tanh'(z) = 1 − tanh² z = 4e / (1 + e)² with e = e^{−2|z|}. */
@inline export function vtanhPrime(z: v128): v128 {
  const az = f32x4.abs(z);
  const e = vexp(f32x4.neg(f32x4.add(az, az)));
  const d = f32x4.add(c(ONE), e);
  return f32x4.div(f32x4.mul(c(FOUR), e), f32x4.mul(d, d));
}
