/**
 * test/perf-threads — the wasm backend's two-thread dense kernels (a worker instance on the same
 * shared memory) against the single-threaded wasm kernels, bit for bit: forward and backward on
 * random and MNIST-like sparse inputs and odd sizes, the fused SGD update and momentumStep included;
 * a late worker pauses the split; the second instantiation leaves memory as it was; a 2-epoch
 * W3-shaped `fit` on MNIST digits gives the same model with threads on and off.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import { loadDataset, type Dataset } from '../src/data/index.js';
import { sequential, type Sequential } from '../src/nn/model.js';
import { sgd } from '../src/optim/optimizers.js';
import { registerBackend, setBackend } from '../src/tensor/kernels/registry.js';
import type { ActivationKind } from '../src/tensor/kernels/types.js';
import { relaxedBinary, simdBinary } from '../src/tensor/kernels/wasm/binary.generated.js';
import { createWasmKernels, type WasmBackend } from '../src/tensor/kernels/wasm/index.js';
import { floatBits, OP_FORWARD_OWN_UNITS, OP_MOMENTUM, WasmThreads } from '../src/tensor/kernels/wasm/threads.js';
import { fit } from '../src/train/fit.js';
import { Rng } from '../src/util/rng.js';

let one: WasmBackend; // threads: 1
let two: WasmBackend; // threads: 2, every dense kernel split (threadMinWork 0)

beforeAll(async () => {
  one = await createWasmKernels({ threads: 1 });
  two = await createWasmKernels({ threads: 2, threadMinWork: 0 });
  expect(one.threads).toBeNull();
  expect(two.threads).not.toBeNull();
  expect(await two.threads!.ready()).toBe(true);
});

afterAll(() => {
  two?.threads?.close();
});

/** Float32 array in a backend's heap, filled from `values`. */
function put(b: WasmBackend, values: Float32Array): Float32Array {
  const out = b.kernels.allocate!('float32', values.length) as Float32Array;
  expect(b.heap.owns(out)).toBe(true);
  out.set(values);
  live.push([b, out]);
  return out;
}

/** Arrays `put` allocated, released after each test so the heaps never fill up. */
const live: [WasmBackend, Float32Array][] = [];
afterEach(() => {
  for (const [b, a] of live) b.kernels.release!(a);
  live.length = 0;
});

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const v = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (u.length !== v.length) return false;
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
  return true;
}

/** Random values in [−1, 1); with `sparse`, MNIST-like: ~80 % exact zeros, in runs like strokes. */
function values(rng: Rng, n: number, sparse: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (sparse) out[i] = (i % 28) > 8 && (i % 28) < 14 && rng.uniform() < 0.9 ? rng.uniform() : 0;
    else out[i] = rng.uniform() * 2 - 1;
  }
  return out;
}

const SHAPES: [batch: number, nIn: number, nOut: number][] = [];
for (const batch of [1, 3, 127, 128, 300]) for (const nOut of [1, 10, 257]) for (const nIn of [784, 33]) SHAPES.push([batch, nIn, nOut]);

describe('two-thread dense kernels equal the single-threaded ones bit for bit', () => {
  it.each(SHAPES)('batch %i, nIn %i, nOut %i: forward and backward, dense and sparse x', (batch, nIn, nOut) => {
    const rng = new Rng(batch * 1000 + nIn * 7 + nOut);
    const offered = () => two.threads!.stats().jobs + two.threads!.stats().skipped; // skipped: refused during a pause (a busy machine)
    const jobsBefore = offered();
    for (const sparse of [false, true]) {
      // 'relu, mostly off': three quarters of z made negative before the backward, so δ is mostly
      // zeros and the sparse-δ products run.
      for (const kind of ['relu', 'sigmoid', 'relu, mostly off'] as const) {
        const act: ActivationKind = kind === 'sigmoid' ? 'sigmoid' : 'relu';
        const off = values(rng, batch * nOut, false).map((v) => (kind === 'relu, mostly off' && v < 0.5 ? 1 : 0));
        const x = values(rng, batch * nIn, sparse);
        const W = values(rng, nOut * nIn, false);
        const b = values(rng, nOut, false);
        const dA = values(rng, batch * nOut, false);
        const dW0 = values(rng, nOut * nIn, false);
        const db0 = values(rng, nOut, false);
        const results = [one, two].map((k) => {
          const [xk, Wk, bk] = [put(k, x), put(k, W), put(k, b)];
          const z = put(k, new Float32Array(batch * nOut));
          const a = put(k, new Float32Array(batch * nOut));
          k.kernels.denseForward(xk, Wk, bk, z, a, batch, nIn, nOut, act);
          for (let i = 0; i < z.length; i++) if (off[i]) z[i] = -Math.abs(z[i]);
          const delta = put(k, new Float32Array(batch * nOut));
          const dX = put(k, new Float32Array(batch * nIn));
          const out: Float32Array[] = [z.slice(), a.slice()];
          for (const accumulate of [false, true]) {
            const dW = put(k, dW0);
            const db = put(k, db0);
            k.kernels.denseBackward(xk, Wk, z, a, put(k, dA), delta, dW, db, accumulate ? null : dX, batch, nIn, nOut, act, accumulate);
            out.push(delta.slice(), dW.slice(), db.slice());
            if (!accumulate) out.push(dX.slice());
          }
          // The fused SGD update, with and without L2 decay, with and without x̄.
          for (const decay of [1, 0.999]) {
            const Wu = put(k, W);
            const bu = put(k, b);
            const dXu = put(k, new Float32Array(batch * nIn));
            k.kernels.denseBackwardSgd!(xk, Wu, z, a, put(k, dA), delta, bu, decay === 1 ? dXu : null, batch, nIn, nOut, act, 0.5, decay);
            out.push(delta.slice(), Wu.slice(), bu.slice(), dXu.slice());
          }
          return out;
        });
        const [single, threaded] = results;
        threaded.forEach((arr, i) => expect(bitsEqual(arr, single[i]), `array ${i}, sparse ${sparse}, ${kind}`).toBe(true));
        // The results are not trivially zero.
        expect(single[0].some((v) => v !== 0)).toBe(true);
        expect(single[3].some((v, i) => v !== dW0[i])).toBe(true);
      }
    }
    // What really went to the worker: every backward when nOut > 8 (6 × 2 calls); every forward,
    // split by units when nOut > 8 and batch < 256, else by batch rows when batch > 16 (6 calls);
    // the SGD update, split by units when nOut ≥ 16 (6 × 2 calls).
    const forwardSplit = (nOut > 8 && batch < 256) || batch > 16;
    const expected = (nOut > 8 ? 12 : 0) + (forwardSplit ? 6 : 0) + (nOut >= 16 ? 12 : 0);
    expect(offered() - jobsBefore).toBe(expected);
  });
});

describe('momentumStep equals the axpy calls it replaces, bit for bit, on one and two threads', () => {
  it.each([[256, 784], [257, 33], [10, 30], [1, 7], [1, 131072]] as const)('θ [%i, %i]', (rows, rowLength) => {
    const n = rows * rowLength;
    const rng = new Rng(rows + rowLength);
    const theta = values(rng, n, false), v = values(rng, n, false), g = values(rng, n, false);
    for (const l2 of [0, 5 / 50000]) {
      const results = [one, two].map((k) => {
        const [t, vv, gg] = [put(k, theta), put(k, v), put(k, g)];
        k.kernels.momentumStep!(t, vv, gg, n, 0.9, 0.05, l2, rowLength);
        return [t.slice(), vv.slice(), gg.slice()];
      });
      // The unfused sequence on the one-thread backend.
      const [t, vv, gg] = [put(one, theta), put(one, v), put(one, g)];
      if (l2 !== 0) one.kernels.axpy(l2, t, gg, n);
      one.kernels.axpy(0.9 - 1, vv, vv, n);
      one.kernels.axpy(-0.05, gg, vv, n);
      one.kernels.axpy(1, vv, t, n);
      for (const r of results) {
        expect(bitsEqual(r[0], t), `θ, l2 ${l2}`).toBe(true);
        expect(bitsEqual(r[1], vv), `v, l2 ${l2}`).toBe(true);
        expect(bitsEqual(r[2], gg), `g, l2 ${l2}`).toBe(true);
      }
      expect(t.some((x, i) => x !== theta[i])).toBe(true);
    }
  });
});

describe('adamStep gives the same bits on one and two threads', () => {
  it.each([[256, 784], [257, 33], [1, 131072]] as const)('θ [%i, %i]', (rows, rowLength) => {
    const n = rows * rowLength;
    const rng = new Rng(rows * 3 + rowLength);
    const theta = values(rng, n, false), m = values(rng, n, false), g = values(rng, n, false);
    const v = values(rng, n, false).map((x) => x * x);
    const [t1, t2] = [one, two].map((k) => {
      const [t, mm, vv, gg] = [put(k, theta), put(k, m), put(k, v), put(k, g)];
      k.kernels.adamStep(t, mm, vv, gg, n, 0.9, 0.999, 0.003, 1e-8, rowLength);
      return [t.slice(), mm.slice(), vv.slice()];
    });
    for (let i = 0; i < 3; i++) expect(bitsEqual(t1[i], t2[i]), ['θ', 'm', 'v'][i]).toBe(true);
    expect(t1[0].some((x, i) => x !== theta[i])).toBe(true);
  });
  it('the [256, 784] step is split between the threads', () => {
    const offered = () => two.threads!.stats().jobs + two.threads!.stats().skipped; // skipped: refused during a pause
    const before = offered();
    const n = 256 * 784;
    const [t, m, v, g] = [0, 1, 2, 3].map(() => put(two, new Float32Array(n).fill(0.5)));
    two.kernels.adamStep(t, m, v, g, n, 0.9, 0.999, 0.003, 1e-8, 784);
    expect(offered() - before).toBe(1);
  });
});

describe('the momentum and Adam updates split where their layer’s dense kernels split', () => {
  it('W3’s 256 → 128 weights at batch 128 split (as its backward does); the same weights at the default batch 16 do not', async () => {
    const b = await createWasmKernels({ threads: 2 }); // the default split threshold, 2^21
    try {
      expect(await b.threads!.ready()).toBe(true);
      const offered = () => b.threads!.stats().jobs + b.threads!.stats().skipped;
      const [rows, rowLength] = [128, 256];
      const n = rows * rowLength;
      // 128 · 256 · 128 = 2^22 ≥ 2^21: the layer's backward splits its ∂C/∂W by units.
      const x = put(b, new Float32Array(128 * rowLength).fill(0.25));
      const zeros = () => put(b, new Float32Array(128 * rows));
      const before = offered();
      b.kernels.denseBackward(x, put(b, new Float32Array(n)), zeros(), zeros(), put(b, new Float32Array(128 * rows).fill(0.5)), zeros(), put(b, new Float32Array(n)), put(b, new Float32Array(rows)), null, 128, rowLength, rows, 'linear', false);
      expect(offered() - before).toBe(1);
      const rng = new Rng(7);
      const theta = values(rng, n, false), v = values(rng, n, false), g = values(rng, n, false);
      const run = (k: WasmBackend, batch?: number) => {
        const [t, vv] = [put(k, theta), put(k, v)];
        const jobs = k === b ? offered() : 0;
        k.kernels.momentumStep!(t, vv, put(k, g), n, 0.9, 0.05, 0, rowLength, batch);
        return { t, jobs: k === b ? offered() - jobs : 0 };
      };
      const split = run(b, 128), whole = run(b), single = run(one, 128);
      expect(split.jobs).toBe(1);
      expect(whole.jobs).toBe(0);
      expect(bitsEqual(split.t, single.t)).toBe(true);
      expect(bitsEqual(whole.t, single.t)).toBe(true);
      const adamJobs = offered();
      const [t, m, vv, gg] = [0, 1, 2, 3].map(() => put(b, new Float32Array(n).fill(0.5)));
      b.kernels.adamStep(t, m, vv, gg, n, 0.9, 0.999, 0.003, 1e-8, rowLength, 128);
      b.kernels.adamStep(t, m, vv, gg, n, 0.9, 0.999, 0.003, 1e-8, rowLength);
      expect(offered() - adamJobs).toBe(1);
    } finally {
      b.threads?.close();
    }
  });
});

describe('gatherRowsInBackground', () => {
  it('gathers on the helper thread what gatherRows gathers, and declines where it should', async () => {
    const b = await createWasmKernels({ threads: 2 }); // the default split threshold, 2^21
    try {
      expect(await b.threads!.ready()).toBe(true);
      const k = b.kernels;
      const [rows, rowLength] = [500, 37];
      const rng = new Rng(31);
      const src = put(b, values(rng, rows * rowLength, false));
      const indices = Int32Array.from({ length: 41 }, () => rng.int(rows));
      const want = new Float32Array(indices.length * rowLength);
      k.gatherRows(src, rowLength, indices, want);
      const out = put(b, new Float32Array(indices.length * rowLength).fill(Number.NaN));
      // A W3-like step: its big layers split over the helper, the top layer (alongside) not.
      const w3 = { alongside: 128 * 128 * 10, largest: 128 * 784 * 256 };
      const jobs = b.threads!.stats().jobs;
      const wait = k.gatherRowsInBackground!(src, rowLength, indices, out, w3);
      expect(wait).not.toBeNull();
      indices.fill(0); // copied at the call
      wait!();
      expect(b.threads!.stats().jobs).toBe(jobs + 1);
      expect(bitsEqual(out, want)).toBe(true);
      // Declined: a step whose kernels never use the helper (W1: batch 10), one whose top layer
      // would want it, arrays outside the backend's memory, a backend without a helper, a row
      // index out of range.
      indices.set(Int32Array.from({ length: 41 }, (_, i) => (i * 7) % rows));
      expect(k.gatherRowsInBackground!(src, rowLength, indices, out, { alongside: 3000, largest: 10 * 784 * 30 })).toBeNull();
      expect(k.gatherRowsInBackground!(src, rowLength, indices, out, { alongside: 1 << 21, largest: 1 << 22 })).toBeNull();
      expect(k.gatherRowsInBackground!(new Float32Array(src), rowLength, indices, out, w3)).toBeNull();
      expect(k.gatherRowsInBackground!(src, rowLength, indices, new Float32Array(out.length), w3)).toBeNull();
      expect(one.kernels.gatherRowsInBackground!(put(one, src), rowLength, indices, put(one, out), w3)).toBeNull();
      indices[3] = rows;
      expect(k.gatherRowsInBackground!(src, rowLength, indices, out, w3)).toBeNull();
      expect(b.threads!.stats().jobs).toBe(jobs + 1);
    } finally {
      b.threads?.close();
    }
  });
});

describe('a late helper thread pauses the split', () => {
  it('after eight late joins in a row (past the warm-up), jobs are declined for a second, then offered again', async () => {
    const b = await createWasmKernels({ threads: 2, threadMinWork: 0 });
    const threads = b.threads!;
    try {
      expect(await threads.ready()).toBe(true);
      const [batch, nIn, nOut] = [256, 784, 2048];
      const rng = new Rng(21);
      const [x, W, bias, z, a] = [
        put(b, values(rng, batch * nIn, false)), put(b, values(rng, nOut * nIn, false)), put(b, values(rng, nOut, false)),
        put(b, new Float32Array(batch * nOut)), put(b, new Float32Array(batch * nOut)),
      ];
      // Its scratch: dense x is listed for its first 16 samples only (~60 KB), then the GEMM runs.
      const scratch = put(b, new Float32Array(1 << 18));
      // A forward job over units [j0, j1) (linear), all of it on the worker (dense x: the GEMM).
      const job = (j0: number, j1: number) => [x.byteOffset, W.byteOffset, bias.byteOffset, z.byteOffset, a.byteOffset, batch, nIn, nOut, 0, scratch.byteOffset, j0, j1];
      // The warm-up jobs (empty ranges) never count as late.
      for (let i = 0; i < 200; i++) {
        expect(threads.start(OP_FORWARD_OWN_UNITS, job(0, 0))).toBe(true);
        threads.join();
      }
      expect(threads.stats().pauses).toBe(0);
      // Now the worker does a whole 256 × 784 × 2048 forward while this thread does nothing: each join
      // waits milliseconds, far past LATE_MS plus half of this thread's (empty) share. (Each join
      // comes once the worker has picked its job up: on a loaded machine a job still waiting after
      // 20 µs would be taken back, which is not a late join.)
      let started = 0;
      for (let i = 0; i < 8; i++) {
        if (threads.start(OP_FORWARD_OWN_UNITS, job(0, nOut))) {
          started++;
          const deadline = performance.now() + 5000;
          while (threads.stats().waiting && performance.now() < deadline) {
            // spin until the worker has it
          }
          threads.join();
        }
      }
      expect(started).toBe(8);
      expect(threads.stats().pauses).toBe(1);
      const skipped = threads.stats().skipped;
      expect(threads.start(OP_FORWARD_OWN_UNITS, job(0, 0))).toBe(false);
      expect(threads.stats().skipped).toBe(skipped + 1);
      // The work was done all the same: z = x·Wᵀ + b on the worker.
      let s = bias[3];
      for (let i = 0; i < nIn; i++) s += x[5 * nIn + i] * W[3 * nIn + i];
      expect(Math.abs(z[5 * nOut + 3] - s)).toBeLessThan(1e-3 * (1 + Math.abs(s)));
      // After the pause (1 s) jobs are offered again.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await threads.ready()).toBe(true);
      expect(threads.start(OP_FORWARD_OWN_UNITS, job(0, 0))).toBe(true);
      threads.join();
    } finally {
      threads.close();
    }
  });
});

describe('the helper thread on the same memory', () => {
  it.each([['simd', simdBinary], ['relaxed', relaxedBinary]] as const)('a second instantiation of the %s module changes no byte of memory', async (_, binary) => {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    const bytes = Uint8Array.from(atob(binary.base64), (c) => c.charCodeAt(0));
    const module = await WebAssembly.compile(bytes);
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
    const first = new WebAssembly.Instance(module, { env: { memory } });
    const heapBase = (first.exports as { heapBase(): number }).heapBase();
    expect(heapBase).toBeGreaterThan(0);
    const u8 = new Uint8Array(memory.buffer);
    const rng = new Rng(5);
    for (let i = heapBase; i < u8.length; i++) u8[i] = Math.floor(rng.uniform() * 256);
    const before = u8.slice();
    // The module has no start function and no globals: instantiation only re-applies its data.
    expect(WebAssembly.Module.exports(module).filter((e) => e.kind === 'global')).toEqual([]);
    new WebAssembly.Instance(module, { env: { memory } });
    expect(bitsEqual(new Float32Array(before.buffer), new Float32Array(memory.buffer.slice(0)))).toBe(true);
  });

  it.each([
    ['dense (the GEMM, path 0)', 0, (rng: Rng, _i: number) => rng.uniform() + 0.1],
    ['image-like, zeros in runs (the listed pairs, path 1)', 1, (rng: Rng, i: number) => ((i % 100) >= 20 && (i % 100) < 52 ? rng.uniform() : 0)],
    ['ReLU-like, 25 % non-zero at random (element-sparse, path 2)', 2, (rng: Rng, _i: number) => (rng.uniform() < 0.25 ? rng.uniform() : 0)],
  ] as const)('the forward by units, each caller preparing its own scratch, equals the whole call: x %s', async (_, path, fill) => {
    // What each of two threads runs in the backend's units split (denseForwardOwnUnits), here one
    // after the other on one thread, each range with its own scratch.
    const bytes = Uint8Array.from(atob(simdBinary.base64), (c) => c.charCodeAt(0));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    const ex = new WebAssembly.Instance(await WebAssembly.compile(bytes), { env: { memory } }).exports as unknown as {
      denseForward(...a: number[]): void; denseForwardPrepare(...a: number[]): number; denseForwardOwnUnits(...a: number[]): void;
      denseScratchBytes(...a: number[]): number;
    };
    const [batch, nIn, nOut] = [32, 100, 48]; // ≥ 40 units: the element-sparse path can run
    const relu = 3;
    const rng = new Rng(21 + path);
    const at = (byte: number, n: number, value: (i: number) => number): Float32Array => {
      const a = new Float32Array(memory.buffer, byte, n);
      for (let i = 0; i < n; i++) a[i] = value(i);
      return a;
    };
    const x = at(65536, batch * nIn, (i) => fill(rng, i));
    const W = at(2 * 65536, nOut * nIn, () => rng.normal());
    const b = at(3 * 65536, nOut, () => rng.normal());
    const [zWhole, aWhole, zUnits, aUnits] = [4, 5, 6, 7].map((p) => at(p * 65536, batch * nOut, () => Number.NaN));
    const scratch = [8 * 65536, 36 * 65536];
    expect(ex.denseScratchBytes(batch, nIn, nOut)).toBeLessThan(28 * 65536);
    expect(ex.denseForwardPrepare(x.byteOffset, batch, nIn, nOut, scratch[0])).toBe(path);
    ex.denseForward(x.byteOffset, W.byteOffset, b.byteOffset, zWhole.byteOffset, aWhole.byteOffset, batch, nIn, nOut, relu, scratch[0]);
    for (const [k, [j0, j1]] of [[0, 24], [24, 48]].entries()) {
      ex.denseForwardOwnUnits(x.byteOffset, W.byteOffset, b.byteOffset, zUnits.byteOffset, aUnits.byteOffset, batch, nIn, nOut, relu, scratch[k], j0, j1);
    }
    expect(bitsEqual(zUnits, zWhole)).toBe(true);
    expect(bitsEqual(aUnits, aWhole)).toBe(true);
    // And the values are x·Wᵀ + b (to round-off), computed here in double precision, a = relu(z).
    for (let s = 0; s < batch; s++) {
      for (let j = 0; j < nOut; j++) {
        let want = b[j];
        for (let i = 0; i < nIn; i++) want += x[s * nIn + i] * W[j * nIn + i];
        expect(Math.abs(zWhole[s * nOut + j] - want)).toBeLessThan(1e-4 * (1 + Math.abs(want)));
        expect(aWhole[s * nOut + j]).toBe(Math.max(0, zWhole[s * nOut + j]));
      }
    }
  });

  it('a job the worker has not picked up is taken back at the join and run on this thread, same result', async () => {
    const bytes = Uint8Array.from(atob(simdBinary.base64), (c) => c.charCodeAt(0));
    const module = await WebAssembly.compile(bytes);
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const ctlByte = 65536;
    // A "worker" that never runs: it is marked idle but never picks anything up (as one asleep).
    const threads = new WasmThreads(() => ({ terminate: () => undefined }), module, memory, ctlByte, instance.exports);
    const ctl = new Int32Array(memory.buffer, ctlByte, 32);
    Atomics.store(ctl, 0, 1); // IDLE
    const n = 64;
    const theta = new Float32Array(memory.buffer, 2 * 65536, n);
    const v = new Float32Array(memory.buffer, 2 * 65536 + 4 * n, n);
    const g = new Float32Array(memory.buffer, 2 * 65536 + 8 * n, n);
    const rng = new Rng(9);
    for (let i = 0; i < n; i++) [theta[i], v[i], g[i]] = [rng.normal(), rng.normal(), rng.normal()];
    const expected = { theta: theta.slice(), v: v.slice(), g: g.slice() };
    const ex = instance.exports as unknown as { momentumStep(...a: number[]): void };
    const copyAt = (a: Float32Array, byte: number): number => {
      new Float32Array(memory.buffer, byte, n).set(a);
      return byte;
    };
    const [pt, pv, pg] = [copyAt(expected.theta, 3 * 65536), copyAt(expected.v, 3 * 65536 + 4 * n), copyAt(expected.g, 3 * 65536 + 8 * n)];
    ex.momentumStep(pt, pv, pg, n, Math.fround(0.9 - 1), Math.fround(-0.05), 0, 0, n);
    expect(threads.start(OP_MOMENTUM, [theta.byteOffset, v.byteOffset, g.byteOffset, n, floatBits(0.9 - 1), floatBits(-0.05), floatBits(0), 0, n])).toBe(true);
    threads.join();
    expect(threads.stats().takenBack).toBe(1);
    expect(Atomics.load(ctl, 0)).toBe(1); // IDLE again: the next job can start
    expect(bitsEqual(theta, new Float32Array(memory.buffer, pt, n))).toBe(true);
    expect(bitsEqual(v, new Float32Array(memory.buffer, pv, n))).toBe(true);
    threads.close();
  });

  it('options are checked', async () => {
    await expect(createWasmKernels({ threads: 3 })).rejects.toThrow(/threads must be 1 or 2, got 3/);
    await expect(createWasmKernels({ threadMinWork: -1 })).rejects.toThrow(/threadMinWork must be a number ≥ 0, got -1/);
  });
});

describe('training with threads on and off', () => {
  let data: Dataset;
  beforeAll(async () => {
    data = (await loadDataset('mnist', { limit: 3000 })).train;
  });

  function bits(model: Sequential): number[] {
    return model.paramTensors().flatMap((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));
  }

  async function train(backend: WasmBackend): Promise<number[]> {
    registerBackend(backend.kernels);
    setBackend('wasm');
    const model = sequential({ sizes: [784, 256, 128, 10], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 12 });
    await fit(model, data, { epochs: 2, batchSize: 128, optimizer: sgd({ eta: 0.05, momentum: 0.9 }), rng: 13 });
    return bits(model);
  }

  it('with the next batch gathered in the background (the data set in the backend\'s memory), the same model', async () => {
    const threaded = await createWasmKernels({ threads: 2 });
    try {
      expect(await threaded.threads!.ready()).toBe(true);
      // Count the background gathers the fused step starts (the spread keeps every kernel as is).
      let gathered = 0;
      const counting = {
        ...threaded.kernels,
        gatherRowsInBackground: (...args: Parameters<NonNullable<typeof threaded.kernels.gatherRowsInBackground>>) => {
          const wait = threaded.kernels.gatherRowsInBackground!(...args);
          if (wait) gathered++;
          return wait;
        },
      };
      registerBackend(counting);
      setBackend('wasm');
      const own = (await loadDataset('mnist', { limit: 3000 })).train; // in this backend's memory
      const model = sequential({ sizes: [784, 256, 128, 10], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 12 });
      await fit(model, own, { epochs: 2, batchSize: 128, optimizer: sgd({ eta: 0.05, momentum: 0.9 }), rng: 13 });
      // Every step but the last of each epoch gathered the next batch in the background.
      expect(gathered).toBe(2 * (Math.ceil(3000 / 128) - 1));
      expect(bits(model)).toEqual(await train(one));
    } finally {
      threaded.threads?.close();
    }
  });

  it('a 2-epoch W3-shaped fit gives a bit-identical model', async () => {
    const threaded = await createWasmKernels({ threads: 2 }); // the default threshold
    try {
      expect(await threaded.threads!.ready()).toBe(true);
      const withThreads = await train(threaded);
      // Both big layers of every step (forward and backward) ran split.
      expect(threaded.threads!.stats().jobs + threaded.threads!.stats().skipped).toBeGreaterThanOrEqual(2 * 2 * 2 * Math.floor(3000 / 128));
      const without = await train(one);
      expect(withThreads.length).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
      expect(withThreads).toEqual(without);
    } finally {
      threaded.threads?.close();
    }
  });
});
