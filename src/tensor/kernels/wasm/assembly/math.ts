// @ts-nocheck — AssemblyScript, not TypeScript: compiled by scripts/build-wasm.mjs, skipped by tsc.
/**
 * wasm/assembly/math — 4-wide f32 transcendental functions for activations and softmax.
 *
 * exp follows Cephes expf (range reduction by ln 2 in two parts, degree-5 polynomial; about 1 ulp),
 * with the scale 2ⁿ applied in two halves so results stay finite up to 88.72 and shade into
 * subnormals below −87.3. sigmoid and tanh are built from exp in forms that keep their relative
 * accuracy over the whole line (no 1 − t cancellation), tanh switching to Cephes' odd polynomial
 * for |z| < 0.625. NaN in gives NaN out everywhere.
 */

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** e^x, lane-wise. */
@inline export function vexp(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.8)), f32x4.splat(-104.0));
  const fn = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(fn, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(fn, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1.0)));
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** σ(z) = 1 / (1 + e^−z), as e/(1+e) for z < 0 (e = e^−|z|). */
@inline export function vsigmoid(z: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(z)));
  const one = f32x4.splat(1.0);
  const num = v128.bitselect(one, e, f32x4.ge(z, f32x4.splat(0)));
  return f32x4.div(num, f32x4.add(one, e));
}

/** σ'(z) = e / (1 + e)² with e = e^−|z| (symmetric, no cancellation). */
@inline export function vsigmoidPrime(z: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(z)));
  const d = f32x4.add(f32x4.splat(1.0), e);
  return f32x4.div(e, f32x4.mul(d, d));
}

/** tanh z: odd polynomial for |z| < 0.625, else sign(z)·(1 − 2 / (e^{2|z|} + 1)). */
@inline export function vtanh(z: v128): v128 {
  const az = f32x4.abs(z);
  const one = f32x4.splat(1.0);
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(vexp(f32x4.add(az, az)), one)));
  const signed = v128.or(big, v128.and(z, f32x4.splat(-0.0)));
  const z2 = f32x4.mul(z, z);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z2), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z2), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z2), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z2), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z2), z), z);
  return v128.bitselect(small, signed, f32x4.lt(az, f32x4.splat(0.625)));
}

/** tanh'(z) = 1 − tanh² z = 4e / (1 + e)² with e = e^{−2|z|}. */
@inline export function vtanhPrime(z: v128): v128 {
  const az = f32x4.abs(z);
  const e = vexp(f32x4.neg(f32x4.add(az, az)));
  const d = f32x4.add(f32x4.splat(1.0), e);
  return f32x4.div(f32x4.mul(f32x4.splat(4.0), e), f32x4.mul(d, d));
}
