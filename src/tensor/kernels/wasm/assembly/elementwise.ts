/**
 * wasm/assembly/elementwise — the memory-bound f32 kernels: unary and binary element-wise ops,
 * reductions along an axis, row gather, axpy, softmax / log-softmax / argmax of rows, and the
 * activation (and its derivative) of a fused dense layer.
 *
 * Each op's loop is specialised by inlining an `@inline` body with a constant op code, so no
 * per-element switch survives optimisation. Op codes match the order of UnaryOp / BinaryOp /
 * ActivationKind in src/tensor/kernels/wasm/codes.ts. Tails (n % 4) run the same vector function
 * on a partly filled vector, so every element gets exactly the same arithmetic.
 */
import { madd, hsum } from './simd';
import { vexp, vsigmoid, vsigmoidPrime, vtanh, vtanhPrime } from './math';

// ---- unary ----------------------------------------------------------------------------------

/** Load 1–3 floats (t = count) into the low lanes of a vector. */
@inline function loadTail(p: usize, t: i32): v128 {
  let v = v128.load32_splat(p);
  if (t > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (t > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Store the low 1–3 lanes (t = count) of a vector. */
@inline function storeTail(p: usize, v: v128, t: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (t > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (t > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** f32 log(1 + e^z) without overflow (as scalar/softplus in TypeScript). */
@inline function softplus(z: f32): f32 {
  return z > 0 ? z + Mathf.log1p(Mathf.exp(-z)) : Mathf.log1p(Mathf.exp(z));
}

@inline function unaryVec(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1.0);
  switch (op) {
    case 0: return f32x4.neg(x);
    case 1: return vexp(x);
    case 3: return vsigmoid(x);
    case 4: return vtanh(x);
    case 5: return v128.and(x, f32x4.gt(x, zero)); // NaN → 0, like x > 0 ? x : 0
    case 6: return f32x4.mul(x, x);
    case 7: return f32x4.sqrt(x);
    case 8: return f32x4.abs(x);
    case 9: return v128.or(v128.and(one, f32x4.gt(x, zero)), v128.and(f32x4.splat(-1.0), f32x4.lt(x, zero)));
    case 10: return v128.and(one, f32x4.gt(x, zero));
    case 11: return f32x4.div(one, x);
    case 13: return vsigmoidPrime(x);
    case 14: return vtanhPrime(x);
    default: return x;
  }
}

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(out + o, unaryVec(op, v128.load(x + o)));
  const t = n & 3;
  if (t) storeTail(out + n4, unaryVec(op, loadTail(x + n4, t)), t);
}

/** out[i] = op(x[i]) for i < n; op codes as UnaryOp order (neg 0 … tanhPrime 14). */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case 0: unaryLoop(0, x, out, n); break;
    case 1: unaryLoop(1, x, out, n); break;
    case 2: for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.log(load<f32>(x + (<usize>i << 2)))); break;
    case 3: unaryLoop(3, x, out, n); break;
    case 4: unaryLoop(4, x, out, n); break;
    case 5: unaryLoop(5, x, out, n); break;
    case 6: unaryLoop(6, x, out, n); break;
    case 7: unaryLoop(7, x, out, n); break;
    case 8: unaryLoop(8, x, out, n); break;
    case 9: unaryLoop(9, x, out, n); break;
    case 10: unaryLoop(10, x, out, n); break;
    case 11: unaryLoop(11, x, out, n); break;
    case 12: for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), softplus(load<f32>(x + (<usize>i << 2)))); break;
    case 13: unaryLoop(13, x, out, n); break;
    case 14: unaryLoop(14, x, out, n); break;
    default: break;
  }
}

// ---- activations of a dense layer ------------------------------------------------------------

/** a = act(z) for n floats; act: 0 linear, 1 sigmoid, 2 tanh, 3 relu. `a` may be `z`. */
export function activate(act: i32, z: usize, a: usize, n: i32): void {
  switch (act) {
    case 0: if (a != z) memory.copy(a, z, <usize>n << 2); break;
    case 1: unary(3, z, a, n); break;
    case 2: unary(4, z, a, n); break;
    case 3: unary(5, z, a, n); break;
    default: break;
  }
}

@inline function deltaVec(act: i32, d: v128, z: v128, a: v128): v128 {
  const one = f32x4.splat(1.0);
  switch (act) {
    case 1: return f32x4.mul(d, f32x4.mul(a, f32x4.sub(one, a)));
    case 2: return f32x4.mul(d, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a))); // 1 − a², no cancellation
    case 3: return v128.and(d, f32x4.gt(z, f32x4.splat(0)));
    default: return d;
  }
}

@inline function deltaLoop(act: i32, dA: usize, z: usize, a: usize, delta: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    v128.store(delta + o, deltaVec(act, v128.load(dA + o), v128.load(z + o), v128.load(a + o)));
  }
  const t = n & 3;
  if (t) storeTail(delta + n4, deltaVec(act, loadTail(dA + n4, t), loadTail(z + n4, t), loadTail(a + n4, t)), t);
}

/** delta = dA ⊙ act'(z) (act' from a where cheaper), n floats. `delta` may be `dA`. */
export function activationDelta(act: i32, dA: usize, z: usize, a: usize, delta: usize, n: i32): void {
  switch (act) {
    case 0: if (delta != dA) memory.copy(delta, dA, <usize>n << 2); break;
    case 1: deltaLoop(1, dA, z, a, delta, n); break;
    case 2: deltaLoop(2, dA, z, a, delta, n); break;
    case 3: deltaLoop(3, dA, z, a, delta, n); break;
    default: break;
  }
}

// ---- binary ---------------------------------------------------------------------------------

@inline function binVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    case 4: return v128.bitselect(a, b, f32x4.ge(a, b)); // a >= b ? a : b
    default: return v128.bitselect(a, b, f32x4.le(a, b)); // a <= b ? a : b
  }
}

@inline function binScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return a >= b ? a : b;
    default: return a <= b ? a : b;
  }
}

/** One run of n outputs with element strides sa, sb (in floats). */
@inline function binRun(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  const t = n & 3;
  if (sa == 1 && sb == 1) {
    for (let o: usize = 0; o < n4; o += 16) v128.store(out + o, binVec(op, v128.load(a + o), v128.load(b + o)));
    if (t) storeTail(out + n4, binVec(op, loadTail(a + n4, t), loadTail(b + n4, t)), t);
  } else if (sa == 1 && sb == 0) {
    const bv = v128.load32_splat(b);
    for (let o: usize = 0; o < n4; o += 16) v128.store(out + o, binVec(op, v128.load(a + o), bv));
    if (t) storeTail(out + n4, binVec(op, loadTail(a + n4, t), bv), t);
  } else if (sa == 0 && sb == 1) {
    const av = v128.load32_splat(a);
    for (let o: usize = 0; o < n4; o += 16) v128.store(out + o, binVec(op, av, v128.load(b + o)));
    if (t) storeTail(out + n4, binVec(op, av, loadTail(b + n4, t)), t);
  } else {
    const da = <usize>sa << 2, db = <usize>sb << 2;
    for (let i = 0; i < n; i++) {
      store<f32>(out + (<usize>i << 2), binScalar(op, load<f32>(a), load<f32>(b)));
      a += da;
      b += db;
    }
  }
}

@inline function binaryOp(op: i32, a: usize, b: usize, out: usize, rank: i32, dims: usize, index: usize): void {
  // dims holds, per axis, [length, aStride, bStride] as i32 (strides in floats); index: rank i32s.
  const last = dims + <usize>(rank - 1) * 12;
  const n = load<i32>(last), sa = load<i32>(last, 4), sb = load<i32>(last, 8);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) {
    outer *= load<i32>(dims + <usize>d * 12);
    store<i32>(index + (<usize>d << 2), 0);
  }
  let ia: usize = 0, ib: usize = 0, o: usize = 0;
  const run = <usize>n << 2;
  for (let r = 0; r < outer; r++) {
    binRun(op, a + (ia << 2), sa, b + (ib << 2), sb, out + o, n);
    o += run;
    for (let d = rank - 2; d >= 0; d--) {
      const p = dims + <usize>d * 12;
      const ip = index + (<usize>d << 2);
      const v = load<i32>(ip) + 1;
      ia += <usize>load<i32>(p, 4);
      ib += <usize>load<i32>(p, 8);
      if (v < load<i32>(p)) {
        store<i32>(ip, v);
        break;
      }
      store<i32>(ip, 0);
      ia -= <usize>(load<i32>(p) * load<i32>(p, 4));
      ib -= <usize>(load<i32>(p) * load<i32>(p, 8));
    }
  }
}

/**
 * out[idx] = a[idx·aStrides] op b[idx·bStrides] over a (collapsed) shape of `rank` ≥ 1 axes.
 * dims: rank × [length, aStride, bStride] i32; index: rank i32 of scratch. op: add sub mul div max min.
 */
export function binary(op: i32, a: usize, b: usize, out: usize, rank: i32, dims: usize, index: usize): void {
  switch (op) {
    case 0: binaryOp(0, a, b, out, rank, dims, index); break;
    case 1: binaryOp(1, a, b, out, rank, dims, index); break;
    case 2: binaryOp(2, a, b, out, rank, dims, index); break;
    case 3: binaryOp(3, a, b, out, rank, dims, index); break;
    case 4: binaryOp(4, a, b, out, rank, dims, index); break;
    default: binaryOp(5, a, b, out, rank, dims, index); break;
  }
}

// ---- reductions -----------------------------------------------------------------------------

@inline function reduceAxis(isMax: bool, x: usize, out: usize, outer: i32, mid: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  const n4 = <usize>(inner & ~3) << 2;
  const t = inner & 3;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>mid * rowBytes;
    const oo = out + <usize>o * rowBytes;
    if (inner == 1) {
      // Contiguous run of mid values.
      const m4 = <usize>(mid & ~3) << 2;
      let acc = isMax ? f32x4.splat(-Infinity) : f32x4.splat(0);
      for (let p: usize = 0; p < m4; p += 16) {
        acc = isMax ? f32x4.max(acc, v128.load(xo + p)) : f32x4.add(acc, v128.load(xo + p));
      }
      let s: f32;
      if (isMax) {
        s = max<f32>(max<f32>(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max<f32>(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
      } else {
        s = hsum(acc);
      }
      for (let p = m4; p < (<usize>mid << 2); p += 4) s = isMax ? max<f32>(s, load<f32>(xo + p)) : s + load<f32>(xo + p);
      store<f32>(oo, s);
      continue;
    }
    for (let q: usize = 0; q < n4; q += 16) {
      let acc = isMax ? f32x4.splat(-Infinity) : f32x4.splat(0);
      let p = xo + q;
      for (let m = 0; m < mid; m++) {
        acc = isMax ? f32x4.max(acc, v128.load(p)) : f32x4.add(acc, v128.load(p));
        p += rowBytes;
      }
      v128.store(oo + q, acc);
    }
    if (t) {
      let acc = isMax ? f32x4.splat(-Infinity) : f32x4.splat(0);
      let p = xo + n4;
      for (let m = 0; m < mid; m++) {
        const v = loadTail(p, t);
        acc = isMax ? f32x4.max(acc, v) : f32x4.add(acc, v);
        p += rowBytes;
      }
      storeTail(oo + n4, acc, t);
    }
  }
}

/** out[o, i] = Σ_m x[o, m, i]. */
export function sumAxis(x: usize, out: usize, outer: i32, mid: i32, inner: i32): void {
  reduceAxis(false, x, out, outer, mid, inner);
}

/** out[o, i] = max_m x[o, m, i] (NaN propagates, as Math.max). */
export function maxAxis(x: usize, out: usize, outer: i32, mid: i32, inner: i32): void {
  reduceAxis(true, x, out, outer, mid, inner);
}

// ---- rows -----------------------------------------------------------------------------------

/** out[r, :] = src[indices[r], :] for `count` rows of rowLength floats. */
export function gatherRows(src: usize, rowLength: i32, indices: usize, count: i32, out: usize): void {
  const rb = <usize>rowLength << 2;
  for (let r = 0; r < count; r++) {
    memory.copy(out + <usize>r * rb, src + <usize>load<i32>(indices + (<usize>r << 2)) * rb, rb);
  }
}

/** y[i] += alpha · x[i] for i < n. */
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const av = f32x4.splat(alpha);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, madd(av, v128.load(x + o), v128.load(y + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
}

/**
 * The momentum-SGD update of elements [i0, i1) in one pass, bit for bit the same as the axpy
 * sequence it replaces: g += l2·θ (only when l2 ≠ 0), v += (μ − 1)·v, v += −η·g, θ += 1·v (μ − 1
 * and −η rounded to float32 from the caller's doubles, as axpy's alpha is). i0 must
 * be a multiple of 4 (then each element takes the SIMD or the scalar-tail form exactly as in the
 * unsplit axpy calls over [0, n)).
 */
export function momentumStep(theta: usize, v: usize, g: usize, n: i32, muMinus1: f32, minusEta: f32, l2: f32, i0: i32, i1: i32): void {
  i1 = min<i32>(i1, n);
  if (i0 >= i1) return;
  const l2v = f32x4.splat(l2), mv = f32x4.splat(muMinus1), ev = f32x4.splat(minusEta), one = f32x4.splat(1);
  const n4 = <usize>(n & ~3) << 2;
  const end4 = min<usize>(n4, <usize>i1 << 2);
  let o = <usize>i0 << 2;
  if (l2 != 0) {
    for (; o < end4; o += 16) {
      const th = v128.load(theta + o);
      const gi = madd(l2v, th, v128.load(g + o));
      v128.store(g + o, gi);
      let vi = v128.load(v + o);
      vi = madd(mv, vi, vi);
      vi = madd(ev, gi, vi);
      v128.store(v + o, vi);
      v128.store(theta + o, madd(one, vi, th));
    }
  } else {
    for (; o < end4; o += 16) {
      let vi = v128.load(v + o);
      vi = madd(mv, vi, vi);
      vi = madd(ev, v128.load(g + o), vi);
      v128.store(v + o, vi);
      v128.store(theta + o, madd(one, vi, v128.load(theta + o)));
    }
  }
  for (; o < (<usize>i1 << 2); o += 4) {
    const th = load<f32>(theta + o);
    let gi = load<f32>(g + o);
    if (l2 != 0) {
      gi = gi + l2 * th;
      store<f32>(g + o, gi);
    }
    let vi = load<f32>(v + o);
    vi = vi + muMinus1 * vi;
    vi = vi + minusEta * gi;
    store<f32>(v + o, vi);
    store<f32>(theta + o, th + 1 * vi);
  }
}

/**
 * max of a row of n ≥ 1 floats, for the softmax shift. pmax (one instruction) may skip a NaN, but
 * then the row's exponential sum is NaN and so is every output, as in the reference.
 */
@inline function rowMax(x: usize, n: i32): f32 {
  const n4 = <usize>(n & ~3) << 2;
  let acc = f32x4.splat(-Infinity);
  for (let o: usize = 0; o < n4; o += 16) acc = f32x4.pmax(acc, v128.load(x + o));
  let m = max<f32>(max<f32>(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max<f32>(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  for (let o = n4; o < (<usize>n << 2); o += 4) m = max<f32>(m, load<f32>(x + o));
  return m;
}

/** Σ e^(x − mx) over a row; writes the exponentials to e (may be null = 0 to skip). */
@inline function rowExpSum(x: usize, n: i32, mx: f32, e: usize): f32 {
  const n4 = <usize>(n & ~3) << 2;
  const t = n & 3;
  const mv = f32x4.splat(mx);
  let acc = f32x4.splat(0);
  for (let o: usize = 0; o < n4; o += 16) {
    const v = vexp(f32x4.sub(v128.load(x + o), mv));
    if (e) v128.store(e + o, v);
    acc = f32x4.add(acc, v);
  }
  let s = hsum(acc);
  if (t) {
    const v = vexp(f32x4.sub(loadTail(x + n4, t), mv));
    if (e) storeTail(e + n4, v, t);
    s += f32x4.extract_lane(v, 0);
    if (t > 1) s += f32x4.extract_lane(v, 1);
    if (t > 2) s += f32x4.extract_lane(v, 2);
  }
  return s;
}

/** out[r, :] = softmax(x[r, :]) (max-shifted). `out` may be `x`. */
export function softmaxRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const rb = <usize>cols << 2;
  const n4 = <usize>(cols & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rb, or = out + <usize>r * rb;
    const total = rowExpSum(xr, cols, rowMax(xr, cols), or);
    const tv = f32x4.splat(total);
    for (let o: usize = 0; o < n4; o += 16) v128.store(or + o, f32x4.div(v128.load(or + o), tv));
    for (let o = n4; o < rb; o += 4) store<f32>(or + o, load<f32>(or + o) / total);
  }
}

/** out[r, :] = x[r, :] − log Σ e^x[r, :] (stable). `out` may be `x`. */
export function logSoftmaxRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const rb = <usize>cols << 2;
  const n4 = <usize>(cols & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rb, or = out + <usize>r * rb;
    const mx = rowMax(xr, cols);
    const lt = <f32>(Math.log(<f64>rowExpSum(xr, cols, mx, 0)) + <f64>mx);
    const lv = f32x4.splat(lt);
    for (let o: usize = 0; o < n4; o += 16) v128.store(or + o, f32x4.sub(v128.load(xr + o), lv));
    for (let o = n4; o < rb; o += 4) store<f32>(or + o, load<f32>(xr + o) - lt);
  }
}

/** out[r] = index of the largest x[r, :] (first on ties; NaN never wins, as in the reference). */
export function argmaxRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const rb = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rb;
    let best = 0;
    let bv = load<f32>(xr);
    for (let c = 1; c < cols; c++) {
      const v = load<f32>(xr + (<usize>c << 2));
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    store<i32>(out + (<usize>r << 2), best);
  }
}

/**
 * One Adam step over elements [i0, i1) (see Kernels.adamStep): m ← β1·m + c1·g,
 * v ← β2·v + (c2·g)·g, θ ← θ − (s·m)/(√v + ε), each operation a separate float32 instruction (no
 * fused multiply-add), so the result equals the reference kernel's bit for bit, in the SIMD body
 * and the scalar tail alike; i0 a multiple of 4 for the same reason as momentumStep.
 */
export function adamStep(
  theta: usize, m: usize, v: usize, g: usize, n: i32,
  beta1: f32, beta2: f32, c1: f32, c2: f32, stepSize: f32, epsilon: f32, i0: i32, i1: i32,
): void {
  i1 = min<i32>(i1, n);
  if (i0 >= i1) return;
  const b1v = f32x4.splat(beta1), b2v = f32x4.splat(beta2), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
  const sv = f32x4.splat(stepSize), ev = f32x4.splat(epsilon);
  const n4 = <usize>(n & ~3) << 2;
  const end4 = min<usize>(n4, <usize>i1 << 2);
  let o = <usize>i0 << 2;
  for (; o < end4; o += 16) {
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(b1v, v128.load(m + o)), f32x4.mul(c1v, gi));
    const vi = f32x4.add(f32x4.mul(b2v, v128.load(v + o)), f32x4.mul(f32x4.mul(c2v, gi), gi));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.div(f32x4.mul(sv, mi), f32x4.add(f32x4.sqrt(vi), ev));
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), step));
  }
  for (; o < (<usize>i1 << 2); o += 4) {
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + c1 * gi;
    const vi = beta2 * load<f32>(v + o) + (c2 * gi) * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(theta + o, load<f32>(theta + o) - (stepSize * mi) / (Mathf.sqrt(vi) + epsilon));
  }
}
