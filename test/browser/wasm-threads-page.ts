/**
 * test/browser/wasm-threads-page — the page script of run.mjs's wasm-threads test, bundled for the
 * browser with esbuild: it creates the wasm kernels with threads: 1 and with threads: 2 (every dense
 * kernel split, threadMinWork 0) on a window's main thread — where Atomics.wait throws, so join()
 * must spin — and compares denseForward, denseBackward and denseBackwardSgd bit for bit on random
 * and sparse inputs. It also times a batch-128 784 → 256 layer step on each (reported, not asserted).
 */
import { createWasmKernels, type WasmBackend } from '../../src/tensor/kernels/wasm/index.js';
import type { ActivationKind, FloatArray } from '../../src/tensor/kernels/types.js';

/** One compared case: its shape and input kind, arrays that differ, jobs the helper thread took. */
interface CaseResult {
  batch: number;
  nIn: number;
  nOut: number;
  sparse: boolean;
  act: ActivationKind;
  arrays: number;
  mismatched: number[];
  nonTrivial: boolean;
  jobs: number;
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values in [−1, 1); `sparse`: mostly exact zeros, in runs like MNIST strokes. */
function values(next: () => number, n: number, sparse: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sparse ? (i % 28 > 8 && i % 28 < 14 && next() < 0.9 ? next() : 0) : next() * 2 - 1;
  return out;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const v = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
  return true;
}

/** The three kernels on one backend; copies of every output array. */
function runKernels(k: WasmBackend, batch: number, nIn: number, nOut: number, act: ActivationKind, inputs: Float32Array[]): Float32Array[] {
  const live: FloatArray[] = [];
  const put = (v: Float32Array | number): Float32Array => {
    const n = typeof v === 'number' ? v : v.length;
    const a = k.kernels.allocate!('float32', n) as Float32Array;
    if (typeof v !== 'number') a.set(v);
    live.push(a);
    return a;
  };
  const [x0, W0, b0, dA0, dW0, db0] = inputs;
  const x = put(x0), W = put(W0), b = put(b0);
  const z = put(batch * nOut), a = put(batch * nOut);
  k.kernels.denseForward(x, W, b, z, a, batch, nIn, nOut, act);
  const out = [z.slice(), a.slice()];
  const delta = put(batch * nOut), dX = put(batch * nIn), dW = put(dW0), db = put(db0);
  k.kernels.denseBackward(x, W, z, a, put(dA0), delta, dW, db, dX, batch, nIn, nOut, act, false);
  out.push(delta.slice(), dW.slice(), db.slice(), dX.slice());
  for (const decay of [1, 0.999]) {
    const Wu = put(W0), bu = put(b0), dXu = put(batch * nIn);
    k.kernels.denseBackwardSgd!(x, Wu, z, a, put(dA0), delta, bu, decay === 1 ? dXu : null, batch, nIn, nOut, act, 0.5, decay);
    out.push(delta.slice(), Wu.slice(), bu.slice(), dXu.slice());
  }
  for (const arr of live) k.kernels.release!(arr);
  return out;
}

/** Milliseconds per forward + SGD backward of a [128, 784] → 256 sigmoid layer (median of 5 runs of 40). */
function timeStep(k: WasmBackend): number {
  const [batch, nIn, nOut] = [128, 784, 256];
  const next = rng(99);
  const alloc = (v: Float32Array): Float32Array => {
    const a = k.kernels.allocate!('float32', v.length) as Float32Array;
    a.set(v);
    return a;
  };
  const x = alloc(values(next, batch * nIn, true)), W = alloc(values(next, nOut * nIn, false)), b = alloc(values(next, nOut, false));
  const z = alloc(new Float32Array(batch * nOut)), a = alloc(new Float32Array(batch * nOut)), dA = alloc(values(next, batch * nOut, false));
  const times: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) {
      k.kernels.denseForward(x, W, b, z, a, batch, nIn, nOut, 'sigmoid');
      k.kernels.denseBackwardSgd!(x, W, z, a, dA, dA, b, null, batch, nIn, nOut, 'sigmoid', 1e-6, 1);
    }
    if (r > 0) times.push((performance.now() - t0) / 40); // the first run warms up
  }
  times.sort((p, q) => p - q);
  return times[times.length >> 1];
}

/** Everything run.mjs checks. */
async function run(): Promise<unknown> {
  const one = await createWasmKernels({ threads: 1 });
  const two = await createWasmKernels({ threads: 2, threadMinWork: 0 });
  const threads = two.threads;
  const info = {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedMemory: two.heap.shared,
    hardwareConcurrency: navigator.hardwareConcurrency,
    oneHasThreads: one.threads !== null,
    twoHasThreads: threads !== null,
    ready: threads ? await threads.ready() : false,
    statsBefore: threads?.stats() ?? null,
  };
  const cases: CaseResult[] = [];
  let seed = 1;
  for (const batch of [3, 128, 300]) {
    for (const nIn of [784, 33]) {
      for (const nOut of [10, 257]) {
        for (const sparse of [false, true]) {
          for (const act of ['sigmoid', 'relu'] as ActivationKind[]) {
            const next = rng(seed++);
            const inputs = [
              values(next, batch * nIn, sparse), values(next, nOut * nIn, false), values(next, nOut, false),
              values(next, batch * nOut, false), values(next, nOut * nIn, false), values(next, nOut, false),
            ];
            const jobs0 = threads?.stats().jobs ?? 0;
            const single = runKernels(one, batch, nIn, nOut, act, inputs);
            const threaded = runKernels(two, batch, nIn, nOut, act, inputs);
            const mismatched = single.map((arr, i) => (bitsEqual(arr, threaded[i]) ? -1 : i)).filter((i) => i >= 0);
            const nonTrivial = single[0].some((v) => v !== 0) && single[3].some((v, i) => v !== inputs[4][i]);
            cases.push({ batch, nIn, nOut, sparse, act, arrays: single.length, mismatched, nonTrivial, jobs: (threads?.stats().jobs ?? 0) - jobs0 });
          }
        }
      }
    }
  }
  const timing = { oneThreadMs: timeStep(one), twoThreadsMs: timeStep(two) };
  const statsAfter = threads?.stats() ?? null;
  threads?.close();
  return { info, cases, timing, statsAfter };
}

(globalThis as unknown as { __wasmThreads: { run: () => Promise<unknown> } }).__wasmThreads = { run };
