/**
 * bench/kernels — the wasm backend's fused dense kernels alone, one thread against two: forward,
 * backward (∂C/∂W written out) and the fused SGD update (L2 decay as the GEMM's β) on real image
 * batches, µs per call (best of 5 passes over 200 random batches). Shows where the second thread
 * pays (W3's layers) and where it does not (batch 10). A benchmark, never a test.
 *
 * Then the ReLU backward (∂C/∂W, and x̄ where marked) with δ non-zero in a given fraction of
 * places (z made positive with that probability): at ≤ 45 % the sparse-δ engine (spmm.ts) runs,
 * above it the dense GEMM. Last, the per-call overhead of a kernel call (a [2, 4, 4] forward).
 *
 *   npx tsx bench/kernels.ts                      Fashion-MNIST if installed, else MNIST
 *   npx tsx bench/kernels.ts --dataset mnist
 *   npx tsx bench/kernels.ts --shapes 10x784x100,128x784x256
 *   npx tsx bench/kernels.ts --densities 0.25,0.5 --sparse-shapes 128x784x256,128x256x128dx
 */
import { Command } from 'commander';
import { loadDataset } from '../src/data/index.js';
import { createWasmKernels, type WasmBackend } from '../src/tensor/kernels/wasm/index.js';
import { Rng } from '../src/util/rng.js';

const opts = new Command('bench-kernels')
  .option('--shapes <list>', 'batch x nIn x nOut, comma-separated', '10x784x30,10x784x100,128x784x256,128x256x128')
  .option('--densities <list>', 'fractions of non-zero δ for the ReLU backward table (empty: skip it)', '0.25,0.35,0.5,0.65')
  .option('--sparse-shapes <list>', 'shapes for that table; a trailing "dx" also computes x̄', '128x784x256,128x256x128dx,10x784x100')
  .option('--dataset <name>', 'fashion-mnist or mnist (default: Fashion-MNIST when installed, else MNIST)')
  .parse()
  .opts<{ shapes: string; densities: string; sparseShapes: string; dataset?: string }>();
const shapes = opts.shapes.split(',').map((s) => s.split('x').map(Number) as [number, number, number]);

const fashion = opts.dataset === 'mnist' ? null : await loadDataset('fashion-mnist').catch((e: unknown) => {
  if (opts.dataset === 'fashion-mnist') throw e;
  return null;
});
const data = (fashion ?? (await loadDataset('mnist'))).train;
const X = data.x.dataSync() as Float32Array;
console.log(`wasm dense kernels on ${fashion ? 'Fashion-MNIST' : 'MNIST'} batches (first layer's inputs; later layers get the same pixels as stand-ins)`);

const one = await createWasmKernels({ threads: 1 });

function time(be: WasmBackend, batch: number, nIn: number, nOut: number): number[] {
  const k = be.kernels;
  const al = (n: number) => k.allocate!('float32', n) as Float32Array;
  const rng = new Rng(1);
  const x = al(batch * nIn), W = al(nOut * nIn), b = al(nOut), z = al(batch * nOut), a = al(batch * nOut);
  const dA = al(batch * nOut), delta = al(batch * nOut), dW = al(nOut * nIn), db = al(nOut);
  for (let i = 0; i < W.length; i++) W[i] = rng.normal() * 0.05;
  for (let i = 0; i < dA.length; i++) dA[i] = rng.normal();
  const rows = Math.floor(X.length / 784);
  const batches: Float32Array[] = [];
  for (let t = 0; t < 200; t++) {
    const v = new Float32Array(batch * nIn);
    for (let s = 0; s < batch; s++) {
      const r = rng.int(rows);
      for (let i = 0; i < nIn; i++) v[s * nIn + i] = X[r * 784 + (i % 784)];
    }
    batches.push(v);
  }
  const best = (f: () => void) => {
    let m = Infinity;
    for (let pass = 0; pass < 5; pass++) {
      const t0 = performance.now();
      for (const v of batches) {
        x.set(v);
        f();
      }
      m = Math.min(m, ((performance.now() - t0) / batches.length) * 1000);
    }
    return m;
  };
  const copy = best(() => {});
  const result = [
    best(() => k.denseForward(x, W, b, z, a, batch, nIn, nOut, 'relu')) - copy,
    best(() => k.denseBackward(x, W, z, a, dA, delta, dW, db, null, batch, nIn, nOut, 'relu', false)) - copy,
    best(() => k.denseBackwardSgd!(x, W, z, a, dA, delta, b, null, batch, nIn, nOut, 'relu', 1e-6, 0.9999)) - copy,
  ];
  for (const arr of [x, W, b, z, a, dA, delta, dW, db]) k.release!(arr);
  return result;
}

console.log('µs per call             forward (1 / 2 threads)   backward (1 / 2)     SGD update (1 / 2)');
for (const [batch, nIn, nOut] of shapes) {
  // A fresh two-thread backend per shape (a helper idle for 5 s exits), warmed up before timing.
  const two = await createWasmKernels({ threads: 2, threadMinWork: 0 });
  if (!two.threads || !(await two.threads.ready())) console.log('(no helper thread available: both rows are single-threaded)');
  const t2 = time(two, batch, nIn, nOut);
  two.threads?.close();
  const t1 = time(one, batch, nIn, nOut);
  const cell = (i: number) => `${t1[i].toFixed(1).padStart(7)} / ${t2[i].toFixed(1).padStart(7)} (${(t1[i] / t2[i]).toFixed(2)}×)`;
  console.log(`[${batch}, ${nIn}, ${nOut}]`.padEnd(22), cell(0), ' ', cell(1), ' ', cell(2));
}

/** µs per ReLU denseBackward with δ non-zero in about `density` of places (best of 5 × 100 calls). */
function sparseDelta(be: WasmBackend, batch: number, nIn: number, nOut: number, withDX: boolean, density: number): number {
  const k = be.kernels;
  const al = (n: number) => k.allocate!('float32', n) as Float32Array;
  const rng = new Rng(2);
  const x = al(batch * nIn), W = al(nOut * nIn), z = al(batch * nOut), a = al(batch * nOut);
  const dA = al(batch * nOut), delta = al(batch * nOut), dW = al(nOut * nIn), db = al(nOut), dX = al(batch * nIn);
  for (let i = 0; i < W.length; i++) W[i] = rng.normal() * 0.05;
  for (let i = 0; i < dA.length; i++) {
    dA[i] = rng.normal();
    z[i] = rng.uniform() < density ? 1 : -1;
  }
  const rows = Math.floor(X.length / 784);
  for (let s = 0; s < batch; s++) {
    const r = rng.int(rows);
    for (let i = 0; i < nIn; i++) x[s * nIn + i] = X[r * 784 + (i % 784)];
  }
  const f = () => k.denseBackward(x, W, z, a, dA, delta, dW, db, withDX ? dX : null, batch, nIn, nOut, 'relu', false);
  for (let i = 0; i < 200; i++) f();
  let best = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) f();
    best = Math.min(best, (performance.now() - t0) * 10);
  }
  for (const arr of [x, W, z, a, dA, delta, dW, db, dX]) k.release!(arr);
  return best;
}

const densities = opts.densities ? opts.densities.split(',').map(Number) : [];
if (densities.length > 0) {
  console.log(`\nReLU backward, µs per call (one / two threads), by fraction of non-zero δ (sparse-δ engine at ≤ 45 %)`);
  console.log('shape'.padEnd(22) + densities.map((d) => `${(d * 100).toFixed(0)} %`.padStart(18)).join(''));
  for (const spec of opts.sparseShapes.split(',')) {
    const withDX = spec.endsWith('dx');
    const [batch, nIn, nOut] = spec.replace(/dx$/, '').split('x').map(Number);
    const two = await createWasmKernels({ threads: 2, threadMinWork: 0 });
    if (two.threads) await two.threads.ready();
    const cells = densities.map((d) => {
      const t1 = sparseDelta(one, batch, nIn, nOut, withDX, d);
      const t2 = sparseDelta(two, batch, nIn, nOut, withDX, d);
      return `${t1.toFixed(0)} / ${t2.toFixed(0)}`.padStart(18);
    });
    two.threads?.close();
    console.log(`[${batch}, ${nIn}, ${nOut}]${withDX ? ' + x̄' : ''}`.padEnd(22) + cells.join(''));
  }
}

// The JavaScript side of a kernel call (binding arrays, pointers, scratch): a [2, 4, 4] forward does
// almost no arithmetic, so its time is the per-call overhead every step pays once per kernel.
{
  const k = one.kernels;
  const al = (n: number) => k.allocate!('float32', n) as Float32Array;
  const [x, W, b, z, a, dA, delta, dX] = [al(8), al(16), al(4), al(8), al(8), al(8), al(8), al(8)];
  const nsPerCall = (f: () => void): number => {
    for (let i = 0; i < 20_000; i++) f();
    let best = Infinity;
    for (let pass = 0; pass < 5; pass++) {
      const t0 = performance.now();
      for (let i = 0; i < 100_000; i++) f();
      best = Math.min(best, (performance.now() - t0) * 10); // ns per call
    }
    return best;
  };
  const forward = nsPerCall(() => k.denseForward(x, W, b, z, a, 2, 4, 4, 'sigmoid'));
  const sgd = nsPerCall(() => k.denseBackwardSgd!(x, W, z, a, dA, delta, b, dX, 2, 4, 4, 'linear', 0.1, 1));
  console.log(`\nper-call overhead: a [2, 4, 4] denseForward takes ${forward.toFixed(0)} ns, a denseBackwardSgd (8 arrays) ${sgd.toFixed(0)} ns`);
  for (const arr of [x, W, b, z, a, dA, delta, dX]) k.release!(arr);
}

